"""Every path inside a run folder, in one place: runs/<name>/...

The engine writes these files and the report reads them; neither spells a path itself.
"""

from __future__ import annotations

import re
from pathlib import Path

RUNS = Path("runs")  # the default root of all runs
CONFIG_FILE = "config.yaml"  # the validated config as run
RUN_FILE = "run.json"  # the dataset's summary and each search session
LOCK_FILE = ".search.lock"  # held by the search that is running
EXPORT_LOCK_FILE = ".export.lock"  # search.storage: held by the process writing best/
STUDY_FILE = "study.json"  # search.storage: which storage and study the run's trials are in
STUDY_JOURNAL = "study.journal"  # search.storage: local, Optuna's journal file
KT_FOLDER = "kt"  # keras-tuner's own state
ORACLE_FILE = "oracle.json"  # in kt/: the oracle's state
KT_TRIAL_FILE = "trial.json"  # in kt/trial_<id>/
ARRAYS_FOLDER = ".arrays"  # under the runs root; holds no config.yaml, so reports pass it by
TRIALS_FOLDER = "trials"  # one <trial_id>.json record per finished trial
ATTEMPTS_FOLDER = "attempts"  # <trial_id>.json: when each attempt at a trial started
LOGS_FOLDER = "logs"  # with --workers: each process's output
TENSORBOARD_FOLDER = "tensorboard"  # search.tensorboard: TensorBoard logs of the trials
BEST_FOLDER = "best"
MODEL_FILE = "model.keras"
BEST_CONFIG_FILE = "hyperparameters.yaml"
TEST_FILE = "test.json"
PREDICTIONS_FILE = "predictions.npz"


# A name read from a file and used in a path (a trial id) must be one plain name: no "..",
# no separator, nothing a shell or a browser reads specially.
PLAIN_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")


def is_plain_name(name: object) -> bool:
    return isinstance(name, str) and PLAIN_NAME.fullmatch(name) is not None and ".." not in name


def config_file(run_dir: Path) -> Path:
    return Path(run_dir) / CONFIG_FILE


def run_file(run_dir: Path) -> Path:
    return Path(run_dir) / RUN_FILE


def record_file(run_dir: Path, trial_id: str) -> Path:
    return trials_dir(run_dir) / f"{trial_id}.json"


def attempts_file(run_dir: Path, trial_id: str) -> Path:
    return attempts_dir(run_dir) / f"{trial_id}.json"


def log_file(run_dir: Path, member: str) -> Path:
    """With --workers: the output of one member of the crew (chief, worker0, ...)."""
    return logs_dir(run_dir) / f"{member}.log"


def kt_oracle_file(kt_dir: Path) -> Path:
    """keras-tuner's own files, inside its folder (kt_dir(run_dir)): the oracle's state..."""
    return Path(kt_dir) / ORACLE_FILE


def kt_tuner_file(kt_dir: Path, tuner_id: str) -> Path:
    """...each participant's own state file..."""
    return Path(kt_dir) / f"{tuner_id}.json"


def kt_trial_dir(kt_dir: Path, trial_id: str) -> Path:
    """...and each trial's folder, with trial.json and its checkpoint."""
    return Path(kt_dir) / f"trial_{trial_id}"


def kt_trial_file(kt_dir: Path, trial_id: str) -> Path:
    return kt_trial_dir(kt_dir, trial_id) / KT_TRIAL_FILE


def saved_arrays_file(runs_root: Path, fingerprint: str) -> Path:
    """Arrays handed to tuner.search, saved once under the runs folder by fingerprint."""
    return Path(runs_root) / ARRAYS_FOLDER / f"{fingerprint}.npz"


def lock_file(run_dir: Path) -> Path:
    return Path(run_dir) / LOCK_FILE


def export_lock_file(run_dir: Path) -> Path:
    return Path(run_dir) / EXPORT_LOCK_FILE


def study_file(run_dir: Path) -> Path:
    return Path(run_dir) / STUDY_FILE


def study_journal(run_dir: Path) -> Path:
    return Path(run_dir) / STUDY_JOURNAL


def logs_dir(run_dir: Path) -> Path:
    return Path(run_dir) / LOGS_FOLDER


def trials_dir(run_dir: Path) -> Path:
    return Path(run_dir) / TRIALS_FOLDER


def attempts_dir(run_dir: Path) -> Path:
    return Path(run_dir) / ATTEMPTS_FOLDER


def tensorboard_dir(run_dir: Path) -> Path:
    return Path(run_dir) / TENSORBOARD_FOLDER


def kt_dir(run_dir: Path) -> Path:
    return Path(run_dir) / KT_FOLDER


def best_dir(run_dir: Path) -> Path:
    return Path(run_dir) / BEST_FOLDER


def model_file(run_dir: Path) -> Path:
    return best_dir(run_dir) / MODEL_FILE


def best_config_file(run_dir: Path) -> Path:
    return best_dir(run_dir) / BEST_CONFIG_FILE


def class_predictions_file(run_dir: Path) -> Path:
    """Classification: the best model's class for each test sample, beside the actual one."""
    return best_dir(run_dir) / "test_classes.npz"


def classes_file(run_dir: Path) -> Path:
    """The class names in the order of the best model's outputs (the sequences dataset)."""
    return best_dir(run_dir) / "classes.json"


def search_model_file(run_dir: Path) -> Path:
    """The search's own best checkpoint, kept here once a refit model takes model.keras."""
    return best_dir(run_dir) / "search_model.keras"


def per_sample_file(run_dir: Path) -> Path:
    """Each top trial's per-sample test outcome, for paired comparisons."""
    return best_dir(run_dir) / "test_per_sample.npz"


def test_file(run_dir: Path) -> Path:
    return best_dir(run_dir) / TEST_FILE


def predictions_file(run_dir: Path) -> Path:
    return best_dir(run_dir) / PREDICTIONS_FILE
