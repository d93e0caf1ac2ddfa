"""search.storage: a keras-tuner Oracle whose trials come from the shared Optuna study
(tuner.engine.study), so that each `tuner search` process is a keras-tuner Tuner of its own,
trains with the one recipe and writes its records as a plain search does, with no chief.

- tpe and random: the study's sampler (Optuna's TPESampler, multivariate and grouped, with
  the constant liar for trials running elsewhere; or RandomSampler) suggests the values over
  the space as tuner.config.optuna_space maps it, define-by-run.
- grid: every point of keras-tuner's grid order (tuner.engine.grid) queued in the study once,
  each handed to one process by the storage (``_queue_grid``).

The record is stored in the study with the result (``tell_record``) before its file is
written, so a process killed between the two leaves nothing lost: the next process to look
writes the missing files (``write_missing_records``). keras-tuner's oracle.json is not
written (the study is the state); each trial's trial.json and checkpoint are, in kt/.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

import keras_tuner as kt
import optuna
from optuna.trial import FrozenTrial, TrialState

from tuner.config.optuna_space import distribution, quiet
from tuner.config.space import Param, Space
from tuner.engine import study as shared
from tuner.engine.grid import grid_points
from tuner.engine.tpe import suggest
from tuner.run import layout, records, study_file
from tuner.run.records import TrialRecord

TrialStatus = kt.engine.trial.TrialStatus
WAIT_SECONDS = 1.0  # between looks at the study while other processes finish the last trials
RECORD = "tuner:record"  # the trial's record, as trials/<id>.json holds it


def process_seed(seed: int) -> int:
    """The config's seed made distinct per process: processes seeded alike would all draw the
    same first points."""
    key = f"{seed}:{socket.gethostname()}:{os.getpid()}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big")


def sampler_for(algorithm: str, seed: int, initial_points: int) -> optuna.samplers.BaseSampler:
    if algorithm == "tpe":
        with quiet():  # multivariate and group are "experimental" to Optuna, and say so
            return optuna.samplers.TPESampler(
                seed=seed,
                multivariate=True,
                group=True,
                n_startup_trials=initial_points,
                constant_liar=True,
            )
    return optuna.samplers.RandomSampler(seed=seed)  # grid's values are chosen here, not by it


class StudyOracle(kt.Oracle):
    def __init__(
        self,
        *args: Any,
        space: Space,
        study: shared.Study,
        algorithm: str,
        total: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.study = study
        self.algorithm = algorithm
        self.total = total  # max_trials over every process (self.max_trials: this one's cap)
        self.params: dict[str, Param] = {p.name: p for p in space.params}
        self._asked: dict[str, optuna.trial.Trial] = {}  # keras-tuner's trial id -> Optuna's
        self._steps: dict[str, int] = {}  # epochs reported to the study, across folds

    def trial_id(self, number: int) -> str:
        return f"{number:0{len(str(self.total))}d}"

    # keras-tuner's hooks ---------------------------------------------------------------

    def create_trial(self, tuner_id: str) -> kt.engine.trial.Trial:
        if tuner_id in self.ongoing_trials:
            return self.ongoing_trials[tuner_id]
        if self.max_trials is not None and len(self.trials) >= self.max_trials:
            return self._trial(None, TrialStatus.STOPPED)  # the time budget, say
        grid = self.algorithm == "grid"
        if grid:
            self._queue_grid()
        while True:
            self.study.give_up_stale()
            trials = self.study.trials()
            if sum(shared.is_finished(t) for t in trials) >= self.total:
                return self._trial(None, TrialStatus.STOPPED)
            waiting = any(t.state == TrialState.WAITING for t in trials)
            running = any(t.state == TrialState.RUNNING for t in trials)
            room = not grid and sum(shared.counts(t) for t in trials) < self.total
            if waiting or room:
                trial = self._ask(tuner_id)
                if trial is not None:
                    return trial
            elif grid and not running:
                return self._trial(None, TrialStatus.STOPPED)  # every point is trained
            # The last trials run elsewhere: wait, in case one's process dies and it is queued.
            time.sleep(WAIT_SECONDS)

    def _queue_grid(self) -> None:
        """Every grid point as a queued trial, once per study: the storage hands each queued
        trial to one process alone (a row lock, or the journal's order). Two processes that
        start together may both queue the grid; the copies are given up as surplus."""
        if not any(shared.GRID_POINT in t.system_attrs for t in self.study.trials()):
            self._add_grid_points()

    def _add_grid_points(self) -> None:
        for index, point in enumerate(grid_points(self.get_space())):
            queued = optuna.trial.create_trial(
                state=TrialState.WAITING,
                user_attrs={shared.VALUES: point},
                system_attrs={shared.GRID_POINT: index},
            )
            self.study.optuna.add_trial(queued)

    def _ask(self, tuner_id: str) -> kt.engine.trial.Trial | None:
        """A trial of the study for this process, or None when it came out a surplus."""
        with quiet():
            asked = self.study.optuna.ask()
        self.study.start_beating(asked._trial_id)
        frozen = self.study.optuna._storage.get_trial(asked._trial_id)
        values = shared.values_of(frozen)
        if "failed_trial" in frozen.system_attrs:  # a queued retry: say so, once
            print(
                f"note: trial {self.trial_id(asked.number)} trains trial "
                f"{self.trial_id(frozen.system_attrs['failed_trial'])}'s values again: its "
                f"process stopped beating for over {self.study.section.grace_seconds} s",
                file=sys.stderr,
            )
        if values is None and self.algorithm != "grid":  # a new trial: the sampler's values
            values = self._suggest(asked)
        if values is None or self._is_surplus(frozen):  # grid: no queued point was left
            self._give_up(asked)
            return None
        trial = self._trial(values, TrialStatus.RUNNING, self.trial_id(asked.number))
        self._asked[trial.trial_id] = asked
        self.trials[trial.trial_id] = trial
        self.ongoing_trials[tuner_id] = trial
        self.start_order.append(trial.trial_id)
        self._save_trial(trial)
        self._display.on_trial_begin(trial)
        return trial

    def _trial(
        self, values: dict[str, Any] | None, status: str, trial_id: str | None = None
    ) -> kt.engine.trial.Trial:
        hyperparameters = self.hyperparameters.copy()
        hyperparameters.values = values or {}
        return kt.engine.trial.Trial(
            hyperparameters=hyperparameters, trial_id=trial_id, status=status
        )

    def _suggest(self, asked: optuna.trial.Trial) -> dict[str, Any]:
        with quiet():
            values = suggest(asked, self.get_space(), self._distribution)
        asked.set_user_attr(shared.VALUES, values)
        return values

    def _distribution(self, hp: Any) -> Any:
        param = self.params.get(hp.name)
        return None if param is None else distribution(param)

    def _is_surplus(self, asked: FrozenTrial) -> bool:
        """max_trials counted below this trial's number (or, on a grid, its point queued with a
        lower number too): processes asked at once, and the lower numbers win."""
        below = [t for t in self.study.trials() if t.number < asked.number and shared.counts(t)]
        if len(below) >= self.total:
            return True
        point = asked.system_attrs.get(shared.GRID_POINT)
        return point is not None and any(
            t.system_attrs.get(shared.GRID_POINT) == point for t in below
        )

    def _give_up(self, asked: optuna.trial.Trial) -> None:
        storage = self.study.optuna._storage
        storage.set_trial_system_attr(asked._trial_id, shared.SURPLUS, True)
        storage.set_trial_state_values(asked._trial_id, TrialState.FAIL)
        self.study.stop_beating(asked._trial_id)

    def hand_back_running(self) -> None:
        """This process stops (a signal): its running trial goes back to the study's queue."""
        for asked in self._asked.values():
            self.study.hand_back(asked._trial_id)
        self._asked.clear()

    def report_epoch(self, trial_id: str, value: float | None) -> None:
        """One epoch's objective as the trial's intermediate value (Optuna's dashboard and
        export show the curves)."""
        asked = self._asked.get(trial_id)
        if asked is None or value is None:
            return
        step = self._steps.get(trial_id, 0)
        self._steps[trial_id] = step + 1
        self.study.optuna._storage.set_trial_intermediate_value(asked._trial_id, step, value)

    def keep_record(self, run_dir: Path, record: TrialRecord) -> TrialRecord | None:
        """Tell the study, then write the record as a plain search does; None (nothing
        written) when the trial was given up meanwhile: this process stopped beating long
        enough for another to queue the trial again, and its record would count twice."""
        if not self._tell(record):
            return None
        kept = records.add_record(run_dir, record)
        study_file.add_trial(run_dir, record["trial_id"])
        return kept

    def _tell(self, record: TrialRecord) -> bool:
        """Store the record in the study and tell the result; False when given up."""
        asked = self._asked.pop(record["trial_id"], None)
        if asked is None:
            return True
        storage = self.study.optuna._storage
        status, score = record["status"], record["score"]
        state = {records.COMPLETED: TrialState.COMPLETE, records.PRUNED: TrialState.PRUNED}.get(
            status, TrialState.FAIL
        )
        if state == TrialState.COMPLETE and score is None:  # no epoch to score: a failure
            state = TrialState.FAIL
        try:
            storage.set_trial_user_attr(asked._trial_id, RECORD, dict(record))
            if state == TrialState.FAIL:
                storage.set_trial_system_attr(asked._trial_id, shared.FAILED_IN_TRAINING, True)
            values = [float(score)] if state == TrialState.COMPLETE and score is not None else None
            storage.set_trial_state_values(asked._trial_id, state, values)
        except optuna.exceptions.UpdateFinishedTrialError:
            return False
        finally:
            self.study.stop_beating(asked._trial_id)
        return True

    def get_trial(self, trial_id: str) -> kt.engine.trial.Trial:
        """A trial of any process: those of others from their trial.json in kt/."""
        if trial_id not in self.trials:
            return kt.engine.trial.Trial.load(self._trial_file(trial_id))
        return super().get_trial(trial_id)

    def _trial_file(self, trial_id: str) -> str:
        return str(layout.kt_trial_file(Path(self._project_dir), trial_id))

    def save(self) -> None:
        """Nothing: the study is the state (trial.json files are still written per trial)."""

    def reload(self) -> None:
        """Nothing: the study is the state."""

    # the run folder ---------------------------------------------------------------------

    def write_missing_records(self, run_dir: Path) -> list[str]:
        """trials/<id>.json of every finished trial of the study that has none (its process
        died between telling the result and writing the file); their ids."""
        written = []
        for trial in self.study.trials():
            record = trial.user_attrs.get(RECORD)
            if not shared.is_finished(trial) or not isinstance(record, dict):
                continue
            trial_id = self.trial_id(trial.number)
            if records.read_record(run_dir, trial_id) is None:
                records.add_record(run_dir, {**record, "trial_id": trial_id})  # type: ignore[typeddict-item]
                study_file.add_trial(run_dir, trial_id)
                written.append(trial_id)
        return written

    def finished_ids(self) -> list[str]:
        return [self.trial_id(t.number) for t in self.study.trials() if shared.is_finished(t)]

    def first_start_after(self, moment: float) -> float | None:
        """When the first trial that started after ``moment`` started (a session's start)."""
        starts = [
            t.datetime_start.timestamp()
            for t in self.study.trials()
            if t.datetime_start is not None and t.datetime_start.timestamp() > moment
        ]
        return min(starts, default=None)
