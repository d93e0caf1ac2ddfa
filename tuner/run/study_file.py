"""runs/<name>/study.json: a search.storage run's word on where its trials are.

A run remembers its storage: a later `tuner search` of it (a resume, more trials, a plain
command without --storage) joins the same study, and one naming another storage is refused,
since its study would not hold the run's trials. The process that writes best/ adds the ids of
the study's finished trials, so the report and the export leave out a record no process of
the study wrote (as kt/oracle.json's trial list does for a plain search).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tuner.errors import UserInputError
from tuner.run import atomic, layout, records


def _read(run_dir: Path) -> dict[str, Any]:
    """study.json's content; {} where there is none. One that cannot be read is an error
    naming it: without it the run would be searched as if it had no study."""
    path = layout.study_file(run_dir)
    if not path.exists():
        return {}
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        found = None
    if not isinstance(found, dict) or not isinstance(found.get("storage", ""), str):
        raise UserInputError(
            "cannot be read as the run's study (the storage its trials are in); restore it, "
            'or write {"storage": URL, "study": NAME} with the storage the run was searched on',
            file=str(path),
        )
    return found


def remembered(run_dir: Path) -> str | None:
    """The storage URL the run's trials are in; None for a run without one."""
    url = _read(run_dir).get("storage")
    return url if isinstance(url, str) else None


def check_same(run_dir: Path, url: str) -> None:
    """A UserInputError when runs/<name> remembers another storage than ``url``."""
    known = remembered(run_dir)
    if known is not None and known != url:
        raise UserInputError(
            f"{run_dir} holds the trials of the study at {known}, not {url}; search it with "
            "that storage, or give this search another name"
        )


def check_joinable(run_dir: Path, url: str) -> None:
    """A UserInputError when runs/<name> cannot be searched on the study at ``url``: it
    remembers another storage, or a search without one kept its trials in keras-tuner's state."""
    check_same(run_dir, url)
    if remembered(run_dir) is None and layout.kt_oracle_file(layout.kt_dir(run_dir)).exists():
        raise UserInputError(
            f"{run_dir} was searched without search.storage (its trials are in keras-tuner's "
            "state); give this search another name to search it on a storage"
        )


def join(run_dir: Path, url: str, study: str) -> None:
    """Note that runs/<name> is searched on the study ``study`` at ``url`` (once it opened:
    a URL that did not work is not remembered)."""
    check_joinable(run_dir, url)
    if remembered(run_dir) is None:
        atomic.write_json(layout.study_file(run_dir), {"storage": url, "study": study})


def note_trials(run_dir: Path, finished: list[str]) -> None:
    """The study's finished trials, all of them (as the process writing best/ sees them)."""
    with records.locked(run_dir):
        atomic.write_json(layout.study_file(run_dir), {**_read(run_dir), "trials": finished})


def add_trial(run_dir: Path, trial_id: str) -> None:
    """One more finished trial of the study, as its record is written."""
    with records.locked(run_dir):
        known = _read(run_dir)
        ids = [str(i) for i in known.get("trials", []) if str(i) != trial_id]
        atomic.write_json(layout.study_file(run_dir), {**known, "trials": [*ids, trial_id]})


def trial_ids(run_dir: Path) -> set[str] | None:
    """The ids of the study's finished trials when best/ was last written; None if unknown."""
    try:
        ids = _read(run_dir).get("trials")
    except UserInputError:  # the report still reads the run; the search says what is wrong
        return None
    return {str(i) for i in ids} if isinstance(ids, list) else None
