"""`tuner validate` says how the search will validate: the scheme search.cv gives on the data
it loads, with the noise of one score; and a split too small to rank trials is a warning
naming the fix, in validate and in search alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuner.cli import main

DATA = "data: {dataset: sequences, path: s.csv, id: id, order: t, label: label}\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    lines = ["id,t,a,label"] + [
        f"s{i},{t},{(i * 7 + t) % 10 / 10},{'up' if i % 2 else 'down'}"
        for i in range(40)
        for t in range(4)
    ]
    (tmp_path / "s.csv").write_text("\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _validate(text: str, capsys: pytest.CaptureFixture[str]) -> str:
    Path("c.yaml").write_text(text)
    assert main(["validate", "c.yaml"]) == 0
    return capsys.readouterr().out


def test_a_small_set_is_cross_validated_by_default_and_says_why(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _validate(DATA + "space: {units: 8}\n", capsys)
    assert (
        "  validation: 5-fold cross-validation over 32 samples: a validation split of 4 samples "
        "is under 100 (one accuracy's noise about ±0.25); set search.cv: null to keep the split\n"
    ) in out
    assert "warning" not in out


def test_a_split_kept_too_small_is_a_warning_with_its_fix(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _validate(DATA + "space: {units: 8}\nsearch: {cv: null}\n", capsys)
    assert "  validation: the validation split (4 samples), as search.cv: null asks\n" in out
    assert (
        "  warning: the validation split holds 4 samples: one accuracy's noise is about ±0.25, "
        "too much to rank trials by; use search.cv: {folds: 5} (or auto) or a larger "
        "data.validation_split\n"
    ) in out


def test_data_the_toolkit_loads_later_is_described_by_the_rule(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _validate("data: {dataset: digits}\nspace: {units: 8}\n", capsys)
    assert (
        "  validation: search.cv: auto, decided when the search loads the data (5-fold "
        "cross-validation if the validation split holds under 100 samples)\n"
    ) in out
    explicit = _validate("data: {dataset: digits}\nspace: {units: 8}\nsearch: {cv: 3}\n", capsys)
    assert "  validation: 3-fold cross-validation, as search.cv asks\n" in explicit
