"""A run folder as the report and the analysis read it: the config, run.json, the trial
records and the test scores, each read once, with a note for whatever cannot be read."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuner.config.schema import Config
from tuner.config.sections import MOVED_ASIDE  # validation refuses such names
from tuner.config.space import Param
from tuner.errors import UserInputError
from tuner.numbers import is_finite_number
from tuner.run import layout, records, results, study_file
from tuner.run.folder import read_run_info
from tuner.run.layout import CONFIG_FILE
from tuner.run.records import TrialRecord
from tuner.run.results import TestScores
from tuner.run.saved_config import saved_config_or_none
from tuner.text import plural


@dataclass(frozen=True)
class Run:
    """A run folder as the report reads it."""

    name: str
    path: Path
    config: Config | None  # None when the saved config no longer validates
    config_text: str
    info: dict[str, Any]  # run.json: dataset summary and search sessions
    records: list[TrialRecord]  # readable trial records in finishing order
    test: TestScores | None  # trial_id -> test metrics; None: no test.json
    notes: tuple[str, ...]  # what could not be read, said in the report
    test_samples: int | None = None  # the test split's size, from test.json

    @property
    def ranked(self) -> list[TrialRecord]:
        return records.ranked(self.records)

    @property
    def status_counts(self) -> Counter[str]:
        return Counter(str(r["status"]) for r in self.records)

    @property
    def wall_seconds(self) -> tuple[float, str]:
        """Seconds searched and where that comes from: search sessions, else summed trial times."""
        sessions = [s for s in self.info.get("sessions", []) if is_finite_number(s.get("finished"))]
        if sessions:
            started = [s for s in sessions if is_finite_number(s.get("started"))]
            spans = [s["finished"] - s["started"] for s in started]
            return sum(spans), plural(len(sessions), "search session")
        seconds = sum(r["seconds"] for r in self.records if is_finite_number(r.get("seconds")))
        return seconds, "sum of trial times; run.json records no finished session"

    @property
    def objective(self) -> str:
        if self.config is not None:
            return self.config.objective
        return str(self.records[0]["objective"]) if self.records else "score"

    @property
    def algorithm(self) -> str:
        return self.config.search.algorithm if self.config is not None else "unknown"

    @property
    def dataset_name(self) -> str:
        summary = self.info.get("dataset") or {}
        fallback = self.config.data.dataset if self.config is not None else "unknown"
        return str(summary.get("dataset", fallback))

    @property
    def top_k(self) -> int:
        return self.config.report.top_k if self.config is not None else 5

    def param(self, name: str) -> Param | None:
        if self.config is None:
            return None
        return next((p for p in self.config.space.params if p.name == name), None)

    def varying(self) -> list[str]:
        """The hyperparameters the config varies, or those whose recorded values differ."""
        if self.config is not None:
            return self.config.space.varying
        names = dict.fromkeys(n for r in self.records for n in r["hyperparameters"])
        return [
            n for n in names if len({repr(r["hyperparameters"].get(n)) for r in self.records}) > 1
        ]


def load_run(path: Path) -> Run:
    """Everything the report reads from runs/<name>/, with a note for each thing unreadable.

    Raises UserInputError when its config.yaml cannot be read as text at all."""
    text = config_text(path)
    trial_records, skipped = records.read_records(path)
    trial_records, foreign = _of_this_search(path, trial_records)
    notes = []
    if foreign:
        ids = ", ".join(foreign)
        notes.append(
            f"Left out {plural(len(foreign), 'record')} in trials/ of trials keras-tuner's state "
            f"(kt/{layout.ORACLE_FILE}) or the study ({layout.STUDY_FILE}) never created, so not "
            f"trials of this search: {ids}"
        )
    if skipped:
        listed = "; ".join(skipped)
        files = plural(len(skipped), "file")
        notes.append(f"Skipped {files} in trials/ that are not trial records: {listed}")
    config, problem = saved_config_or_none(path)
    if config is None:
        notes.append(
            f"{CONFIG_FILE} no longer validates ({problem}); ranges and top_k are unknown."
        )
    test, samples, test_note = results.read_test_scores(path)
    notes += [test_note] if test_note else []
    # The folder's name, not config.name: a moved-aside run (tiny.old-...) keeps name "tiny",
    # and its report must not overwrite the current run's.
    info = read_run_info(path)
    return Run(path.name, path, config, text, info, trial_records, test, tuple(notes), samples)


def _of_this_search(path: Path, found: list[TrialRecord]) -> tuple[list[TrialRecord], list[str]]:
    """(the records of trials the run's keras-tuner state created, or its study finished
    (search.storage), the ids of the others). A run without readable state (an older or
    hand-made one) keeps every record."""
    try:
        state = json.loads(layout.kt_oracle_file(layout.kt_dir(path)).read_text())
        created = {str(t) for t in state["start_order"]}
    except (OSError, ValueError, KeyError, TypeError):
        in_study = study_file.trial_ids(path)
        if in_study is None:
            return found, []
        created = in_study
    mine = [r for r in found if r["trial_id"] in created]
    return mine, [r["trial_id"] for r in found if r["trial_id"] not in created]


def config_text(path: Path) -> str:
    """runs/<name>/config.yaml as text; UserInputError naming it when it cannot be read."""
    file = layout.config_file(path)
    try:
        return file.read_bytes().decode("utf-8")
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or exc.__class__.__name__})"
    except UnicodeDecodeError:
        problem = "is not UTF-8 text"
    raise UserInputError(
        f"the run's config {problem}; restore it from the config the run was searched with",
        file=str(file),
    )


def find_runs(runs_root: Path) -> list[Path]:
    """Folders under ``runs_root`` holding a config.yaml, moved-aside runs left out; a run whose
    config.yaml cannot be read is left out with a note on stderr, so the others are reported."""
    if not runs_root.is_dir():
        return []
    found = []
    for path in sorted(runs_root.iterdir()):
        if not layout.config_file(path).is_file() or MOVED_ASIDE.search(path.name):
            continue
        try:
            config_text(path)
        except UserInputError as exc:
            print(f"note: skipped the run {path}: {exc}", file=sys.stderr)
            continue
        found.append(path)
    return found
