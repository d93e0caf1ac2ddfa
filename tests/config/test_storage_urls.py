"""search.storage's URLs: the forms taken, a password refused wherever it is written, and a
password masked wherever a message repeats a URL."""

from __future__ import annotations

import pytest

from tuner.config.storage import url_problem, without_password


@pytest.mark.parametrize(
    "url",
    ["local", "journal:/shared/t.journal", "sqlite:///runs/t.db", "postgresql://tuner@db/t",
     "postgresql+psycopg://tuner@db:5432/t?sslmode=require", "mysql+pymysql://tuner@db/t"],
)  # fmt: skip
def test_the_forms_taken(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize(
    "url",
    ["postgresql://tuner:pw@db/t", "postgresql://tuner@db/t?password=pw",
     "mysql://tuner@db/t?sslmode=x&PASSWD=pw"],
)  # fmt: skip
def test_a_password_anywhere_in_the_url_is_refused(url: str) -> None:
    problem = url_problem(url)
    assert problem is not None and problem.startswith("the URL holds a password")


@pytest.mark.parametrize("url", ["redis://host", "journal:", "runs/t.db", "sqlite//x"])
def test_other_forms_are_refused_naming_the_ones_taken(url: str) -> None:
    problem = url_problem(url)
    assert problem is not None and "sqlite:///FILE" in problem


def test_a_password_is_masked_in_messages() -> None:
    assert without_password("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert without_password("postgresql://u@h/db?a=1&password=pw&b=2") == (
        "postgresql://u@h/db?a=1&password=***&b=2"
    )
    assert without_password("sqlite:///x.db") == "sqlite:///x.db"
