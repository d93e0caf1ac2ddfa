"""runs/<name>/study.json: a storage run remembers its study, refuses another storage, and its
list of finished trials decides which records belong to the run. Real files, no Keras."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.configs import TINY_SEARCH
from helpers.records import make_record

from tuner.config.schema import Config, from_source
from tuner.config.yaml_lines import Source
from tuner.errors import UserInputError
from tuner.run import layout, records, study_file
from tuner.run.run import load_run
from tuner.service.search import with_storage


def _run_folder(tmp_path: Path) -> Path:
    run = tmp_path / "runs" / "tiny"
    run.mkdir(parents=True)
    return run


def test_a_run_remembers_its_storage_and_refuses_another(tmp_path: Path) -> None:
    run = _run_folder(tmp_path)
    assert study_file.remembered(run) is None
    study_file.join(run, "local", "tiny")
    study_file.join(run, "local", "tiny")  # the same again: a resume
    assert study_file.remembered(run) == "local"
    with pytest.raises(UserInputError, match="holds the trials of the study at local, not "):
        study_file.join(run, "sqlite:///other.db", "tiny")


def test_a_run_searched_without_a_storage_is_not_joined_to_one(tmp_path: Path) -> None:
    run = _run_folder(tmp_path)
    layout.kt_dir(run).mkdir()
    layout.kt_oracle_file(layout.kt_dir(run)).write_text("{}")
    with pytest.raises(UserInputError, match="was searched without search.storage"):
        study_file.join(run, "local", "tiny")
    assert not layout.study_file(run).exists()


def test_the_report_leaves_out_a_record_the_study_never_finished(tmp_path: Path) -> None:
    run = _run_folder(tmp_path)
    layout.config_file(run).write_text("name: tiny\n")
    study_file.join(run, "local", "tiny")
    for trial_id in ("0", "1", "9"):
        records.add_record(run, make_record(trial_id))
    study_file.add_trial(run, "0")
    study_file.add_trial(run, "1")
    loaded = load_run(run)
    assert [r["trial_id"] for r in loaded.records] == ["0", "1"]
    assert any("study (study.json) never created" in note and "9" in note for note in loaded.notes)
    study_file.note_trials(run, ["0", "1", "9"])  # the study says 9 is its own after all
    assert json.loads(layout.study_file(run).read_text())["trials"] == ["0", "1", "9"]
    assert len(load_run(run).records) == 3


def _config(**search: object) -> Config:
    document = {**TINY_SEARCH, "search": {**TINY_SEARCH["search"], **search}}
    return from_source(Source(file="tiny.yaml", data=document))


def test_the_storage_comes_from_the_command_the_config_or_the_run(tmp_path: Path) -> None:
    plain = _config()
    assert with_storage(plain, tmp_path / "runs", None).search.storage is None
    given = with_storage(plain, tmp_path / "runs", "journal:/shared/tiny.journal")
    assert given.search.storage is not None
    assert given.search.storage.url == "journal:/shared/tiny.journal"
    own = _config(storage={"url": "local", "heartbeat_seconds": 2, "grace_seconds": 9})
    overridden = with_storage(own, tmp_path / "runs", "sqlite:///tiny.db")
    assert overridden.search.storage is not None
    assert (overridden.search.storage.url, overridden.search.storage.grace_seconds) == (
        "sqlite:///tiny.db",
        9,
    )
    study_file.join(_run_folder(tmp_path), "local", "tiny")
    remembered = with_storage(plain, tmp_path / "runs", None)  # a plain command resumes it
    assert remembered.search.storage is not None and remembered.search.storage.url == "local"


def test_a_storage_on_the_command_line_is_checked_as_in_a_config(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="--storage: the URL holds a password"):
        with_storage(_config(), tmp_path, "postgresql://me:secret@db/tuning")
    with pytest.raises(UserInputError, match="drives tpe, random, grid searches, not bayesian"):
        with_storage(_config(algorithm="bayesian"), tmp_path, "local")


def test_workers_share_a_local_study_unless_told_or_already_a_grpc_crew(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    crew = with_storage(_config(), runs, None, crew=2)
    assert crew.search.storage is not None and crew.search.storage.url == "local"
    assert with_storage(_config(), runs, None, crew=1).search.storage is None
    assert with_storage(_config(storage=None), runs, None, crew=2).search.storage is None
    assert with_storage(_config(algorithm="bayesian"), runs, None, crew=2).search.storage is None
    kt = layout.kt_dir(_run_folder(tmp_path))  # a run a gRPC crew searched stays with it
    kt.mkdir()
    layout.kt_oracle_file(kt).write_text("{}")
    assert with_storage(_config(), runs, None, crew=2).search.storage is None


def test_a_damaged_study_file_is_refused_rather_than_forgotten(tmp_path: Path) -> None:
    run = _run_folder(tmp_path)
    layout.study_file(run).write_text('{"storage": "loc')  # torn mid-write
    with pytest.raises(UserInputError, match=r"cannot be read as the run's study"):
        with_storage(_config(), tmp_path / "runs", None)
