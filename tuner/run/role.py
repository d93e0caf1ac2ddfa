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


@dataclass(frozen=True)
class Role:
    tuner_id: str | None  # None: not part of a distributed search

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
    """This process's role, from KERASTUNER_TUNER_ID."""
    return Role(os.environ.get(TUNER_ID))
