"""A search that stops before its first trial (its data does not load) leaves no run folder
behind, unless the folder was there before it: then it is kept as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

import tuner
from tuner.errors import DataError
from tuner.run import layout

BAD_ROWS = "id,t,a,label\ns1,0,1,up\ns1,1,x,up\n"


def _config(path: str) -> dict[str, object]:
    data = {"dataset": "sequences", "path": path, "id": "id", "order": "t", "label": "label"}
    return {"name": "bad-data", "data": data, "space": {"units": 8}, "search": {"max_trials": 1}}


def test_a_search_whose_data_fails_leaves_no_empty_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.csv").write_text(BAD_ROWS)
    for _ in range(2):  # and again: a second failed call leaves nothing either
        with pytest.raises(DataError, match="column 'a' holds 'x', not a number"):
            tuner.search(_config("bad.csv"), runs="runs")
        assert not Path("runs", "bad-data").exists()


def test_a_run_folder_that_was_there_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.csv").write_text(BAD_ROWS)
    run_dir = Path("runs", "bad-data")
    layout.trials_dir(run_dir).mkdir(parents=True)
    mine = run_dir / "notes.txt"
    mine.write_text("the user's own file")
    with pytest.raises(DataError):
        tuner.search(_config("bad.csv"), runs="runs")
    assert mine.read_text() == "the user's own file"
    assert layout.config_file(run_dir).is_file()
