"""The part this process plays in a search, read from keras-tuner's variables in one place.

A plain `tuner search` runs alone. With `--workers N` (or started by hand, see README: Scale)
each process is a participant of keras-tuner's distributed protocol: the chief, whose oracle
hands out trials and which owns keras-tuner's state, or a worker. keras-tuner itself calls a
process the chief when KERASTUNER_TUNER_ID is exactly "chief"; so do we.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

TUNER_ID = "KERASTUNER_TUNER_ID"
ORACLE_IP = "KERASTUNER_ORACLE_IP"
ORACLE_PORT = "KERASTUNER_ORACLE_PORT"
CHIEF = "chief"
# A `tuner search` its launcher started (a search.isolate trial process, tuner.service.isolated,
# or a --workers chief, tuner.engine.workers) holds the launcher's run lock through the
# inherited descriptor named here; a search.isolate trial process trains at most as many
# new trials as the other variable says: N >= 1 (then leaves best/ to the launcher), or 0
# (then exports best/)
INHERITED_LOCK_FD = "TUNER_INHERITED_LOCK_FD"
TRIALS_HERE = "TUNER_TRIALS_HERE"
QUIET_START = "TUNER_QUIET_START"  # set: leave out what the launcher's first process said


@dataclass(frozen=True)
class Role:
    tuner_id: str | None  # None: not part of a distributed search
    # search.isolate's trial process: the descriptor of the launcher's run lock it inherited,
    # and how many new trials it may train (None: a plain search, as many as it takes)
    inherited_lock: int | None = None
    trials_here: int | None = None
    quiet_start: bool = False  # search.isolate: not the first process, which said it all

    @property
    def leaves_export(self) -> bool:
        """Trains trials for a search.isolate launcher, which has best/ exported at the end."""
        return bool(self.trials_here)

    @property
    def alone(self) -> bool:
        return self.tuner_id is None

    @property
    def chief(self) -> bool:
        return self.tuner_id == CHIEF

    @property
    def worker(self) -> bool:
        return self.tuner_id is not None and not self.chief

    @property
    def leads(self) -> bool:
        """Records sessions, exports best/ and prints the outcome (workers leave it to the
        chief)."""
        return not self.worker

    @property
    def state_name(self) -> str:
        """The name of this process's own file in keras-tuner's folder (<name>.json)."""
        return self.tuner_id or "tuner0"


def current() -> Role:
    """This process's role, from KERASTUNER_TUNER_ID and search.isolate's variables."""
    fd, trials = os.environ.get(INHERITED_LOCK_FD, ""), os.environ.get(TRIALS_HERE, "")
    return Role(
        os.environ.get(TUNER_ID),
        int(fd) if fd.isdigit() else None,
        int(trials) if trials.isdigit() else None,
        bool(os.environ.get(QUIET_START)),
    )
