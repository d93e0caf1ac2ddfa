"""`python -m tuner` with a fault at one exact moment, for tests that need more than luck.

    KILL_AT=after-record KILL_TRIAL=1 PYTHONPATH=.:tests \
        python -m helpers.crash_driver search CONFIG

after-record               SIGKILL right after trial KILL_TRIAL's record is written, before
                           keras-tuner ends the trial
before-oracle-knows-trial  SIGKILL after keras-tuner wrote trial KILL_TRIAL's trial.json as
                           RUNNING and before oracle.json lists it
oom                        the fit of trial KILL_TRIAL raises MemoryError

Not a test module: tests run it as a subprocess (helpers.cli.CRASH_DRIVER, with tests/ on the
child's PYTHONPATH: helpers.paths.subprocess_path), so the kill is real.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from tuner.engine import backend

backend.activate("tensorflow")

import keras  # noqa: E402

from tuner import cli  # noqa: E402
from tuner.engine import kt_compat  # noqa: E402
from tuner.run import records  # noqa: E402

POINT, TARGET = os.environ["KILL_AT"], os.environ.get("KILL_TRIAL", "1")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def add_then_die(run_dir: Any, record: dict[str, Any], add: Any = records.add_record) -> Any:
    written = add(run_dir, record)
    if record["trial_id"] == TARGET:
        die()
    return written


_last: dict[str, Any] = {}


def save_or_die(path: str, obj: Any, save: Any = kt_compat._save_json) -> Any:
    if path.endswith("oracle.json") and _last.get("trial") == ("RUNNING", TARGET):
        die()
    is_trial = path.endswith("trial.json")
    _last["trial"] = (obj.get("status"), obj.get("trial_id")) if is_trial else None
    return save(path, obj)


_fits: list[int] = []


def fit_or_oom(self: Any, *args: Any, fit: Any = keras.Model.fit, **kwargs: Any) -> Any:
    _fits.append(1)
    if len(_fits) == int(TARGET) + 1:
        raise MemoryError("OOM when allocating tensor with shape[64,28,8]")
    return fit(self, *args, **kwargs)


if POINT == "after-record":
    records.add_record = add_then_die
elif POINT == "before-oracle-knows-trial":
    kt_compat._save_json = save_or_die  # what atomic_state() installs for the search
elif POINT == "oom":
    keras.Model.fit = fit_or_oom
else:
    raise SystemExit(f"unknown KILL_AT={POINT}")

if __name__ == "__main__":
    cli.run(sys.argv[1:])
