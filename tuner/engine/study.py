"""search.storage: the Optuna study that a search's processes share instead of a chief.

Every `tuner search` of the config opens the same study (named after the search) in the same
storage and takes its trials from it (tuner.engine.study_oracle). Nothing else is shared but
the run folder, so processes may start and stop on any machine at any time.

Which trials count towards max_trials, where processes race:

- a trial counts unless it was given up (its process stopped beating: "stale") or it was a
  surplus (see below); a trial that failed in training counts, as in a plain search;
- after asking, a process checks the trials numbered below its own: when max_trials of them
  count already, its trial is a surplus, given up at once (several processes asked at the same
  moment). Trial numbers come from the storage, so every process agrees on the order and the
  search never runs more than max_trials.

A process that stops mid-trial (SIGKILL, a lost node) stops its heartbeat; once the grace
period has passed, the next process to look marks the trial failed and queues its values
again (Optuna's RetryHeartbeatStaleTrialCallback), so another process trains it under a new
number and it is never counted twice. Optuna's RDBStorage beats natively; its JournalStorage
has no heartbeat, so for a journal the same is done here with a trial attribute.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import optuna
from optuna.storages import RetryHeartbeatStaleTrialCallback, journal
from optuna.trial import FrozenTrial, TrialState

from tuner.config.optuna_space import quiet
from tuner.config.storage import JOURNAL, StorageSection, without_password
from tuner.errors import TunerError, UserInputError
from tuner.run import layout

MAX_RETRIES = 3  # a trial whose process keeps dying is given up after this many new tries
# Trial attributes this toolkit writes (Optuna's own, retry_history and failed_trial, besides)
SURPLUS = "tuner:surplus"  # asked when max_trials already counted: does not count
FAILED_IN_TRAINING = "tuner:failed"  # FAIL told by its own process: it counts
VALUES = "tuner:hyperparameters"  # the values keras-tuner trains, fixed ones included
GRID_POINT = "tuner:grid_point"  # grid: the point's place in keras-tuner's grid order
BEAT = "tuner:heartbeat"  # a journal's heartbeat: the time of the last beat
OPEN_TRIES = 5  # processes that create the tables of a new database at once may collide


def storage_url(section: StorageSection, run_dir: Path) -> str:
    """The URL as Optuna opens it: local is a journal file in the run folder."""
    return f"{JOURNAL}{layout.study_journal(run_dir)}" if section.is_local else section.url


def open_study(
    section: StorageSection,
    run_dir: Path,
    name: str,
    maximize: bool,
    sampler: optuna.samplers.BaseSampler,
) -> Study:
    url = storage_url(section, run_dir)
    for attempt in range(OPEN_TRIES):
        try:
            # quiet: Optuna calls its heartbeat "experimental", and announces every new study
            with quiet():
                study = optuna.create_study(
                    storage=_storage(section, url),
                    study_name=name,
                    sampler=sampler,
                    direction="maximize" if maximize else "minimize",
                    load_if_exists=True,
                )
                return Study(study, section)
        except ImportError:  # Optuna's word for SQLAlchemy's missing driver
            raise UserInputError(
                f"search.storage {url} needs its database driver; install it (PostgreSQL: "
                "pip install 'psycopg[binary]'; MySQL: pip install pymysql)"
            ) from None
        except ValueError as exc:
            if "direction" in str(exc):
                raise TunerError(
                    f"the study {name!r} in {url} optimizes the other direction; use another "
                    "search name"
                ) from None
            raise _cannot_open(url, exc) from None
        except Exception as exc:  # SQLAlchemy's OperationalError and its kin, OSError
            if attempt == OPEN_TRIES - 1 or not _may_pass(exc):
                raise _cannot_open(url, exc) from None
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _may_pass(exc: Exception) -> bool:
    """A collision of processes creating the same tables, not a wrong URL."""
    text = str(exc).lower()
    return any(word in text for word in ("already exists", "duplicate", "locked", "deadlock"))


def _cannot_open(url: str, exc: Exception) -> TunerError:
    first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0][:200]
    return TunerError(
        f"cannot open search.storage {without_password(url)}: {without_password(first)}; "
        "check the URL and the server"
    )


def _storage(section: StorageSection, url: str) -> optuna.storages.BaseStorage:
    if url.startswith(JOURNAL):
        path = url[len(JOURNAL) :]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # open(O_EXCL) locks: NFS has them, unlike the symbolic link Optuna locks by default
        backend = journal.JournalFileBackend(path, journal.JournalFileOpenLock(path))
        return journal.JournalStorage(backend)
    return optuna.storages.RDBStorage(
        url,
        heartbeat_interval=section.heartbeat_seconds,
        grace_period=section.grace_seconds,
        heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRIES),
    )


class Study:
    """The shared study, with the counting rules above and the heartbeat of running trials."""

    def __init__(self, study: optuna.Study, section: StorageSection):
        self.optuna = study
        self.section = section
        # Optuna's RDBStorage beats (within the cache Optuna wraps it in); its journal does not
        storage = study._storage
        beats = callable(getattr(storage, "record_heartbeat", None))
        self._native_beat = beats and storage.get_heartbeat_interval() is not None  # type: ignore[attr-defined]
        self._retry = RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRIES)
        self._beating: dict[int, threading.Event] = {}

    def trials(self) -> list[FrozenTrial]:
        return self.optuna.get_trials(deepcopy=False)

    def give_up_stale(self) -> None:
        """Mark the trials of processes that stopped beating failed, and queue them again."""
        if self._native_beat:
            with quiet():
                optuna.storages.fail_stale_trials(self.optuna)
            return
        storage, now = self.optuna._storage, time.time()
        for trial in self.trials():
            if trial.state != TrialState.RUNNING:
                continue
            # a queued retry carries its original's last beat: its own start counts too
            last = max(float(trial.system_attrs.get(BEAT, 0.0)), _started(trial))
            if now - last <= self.section.grace_seconds:
                continue
            try:  # FAIL with no word of ours: it does not count (and its retry, a copy, does)
                storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
            except optuna.exceptions.UpdateFinishedTrialError:
                continue  # another process was first
            with quiet():
                self._retry(self.optuna, storage.get_trial(trial._trial_id))

    def hand_back(self, trial_id: int) -> None:
        """A trial this process stops before its end (Ctrl-C, SIGTERM): failed and queued again
        at once, rather than after the grace period."""
        self.stop_beating(trial_id)
        storage = self.optuna._storage
        try:
            storage.set_trial_state_values(trial_id, TrialState.FAIL)
        except optuna.exceptions.UpdateFinishedTrialError:
            return  # given up by another process already, and queued by it
        with quiet():
            self._retry(self.optuna, storage.get_trial(trial_id))

    def start_beating(self, trial_id: int) -> None:
        """Beat now (a trial with no beat is never found stale) and every heartbeat_seconds
        from a thread until stop_beating."""
        self._beat_once(trial_id)
        stop = threading.Event()
        self._beating[trial_id] = stop
        threading.Thread(target=self._beat, args=(trial_id, stop), daemon=True).start()

    def stop_beating(self, trial_id: int) -> None:
        stop = self._beating.pop(trial_id, None)
        if stop is not None:
            stop.set()

    def _beat(self, trial_id: int, stop: threading.Event) -> None:
        while not stop.wait(self.section.heartbeat_seconds):
            try:
                self._beat_once(trial_id)
            except Exception:  # a finished trial, a blip of the server: the next beat tries
                continue

    def _beat_once(self, trial_id: int) -> None:
        storage = self.optuna._storage
        if self._native_beat:
            storage.record_heartbeat(trial_id)  # type: ignore[attr-defined]
        else:
            storage.set_trial_system_attr(trial_id, BEAT, time.time())


def _started(trial: FrozenTrial) -> float:
    return trial.datetime_start.timestamp() if trial.datetime_start else time.time()


def counts(trial: FrozenTrial) -> bool:
    """Whether ``trial`` counts towards max_trials (see the module's note)."""
    if trial.system_attrs.get(SURPLUS):
        return False
    return trial.state != TrialState.FAIL or bool(trial.system_attrs.get(FAILED_IN_TRAINING))


def is_finished(trial: FrozenTrial) -> bool:
    return trial.state.is_finished() and counts(trial)


def values_of(trial: FrozenTrial) -> dict[str, Any] | None:
    """The hyperparameters a trial trains: a queued retry carries those of the trial it
    repeats (Optuna copies the user attributes)."""
    values = trial.user_attrs.get(VALUES)
    return dict(values) if isinstance(values, dict) else None
