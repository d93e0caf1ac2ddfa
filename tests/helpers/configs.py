"""Configs the tests share: a search that trains for seconds, and the malformed configs (each
with the exact message it must be refused with: tests/tables/malformed_configs.yaml)."""

from __future__ import annotations

from typing import Any

from helpers.tables import load_table
from tuner.config.tunables import TUNABLES

# A search that trains for seconds: 200 bundled MNIST samples, 3 one-epoch trials.
TINY_SEARCH: dict[str, Any] = {
    "name": "tiny",
    "seed": 3,
    "data": {"dataset": "mnist", "source": "bundled", "limit": 200},
    "space": {
        "units": [4, 8],
        "learning_rate": {"min": 1.0e-3, "max": 1.0e-2, "sampling": "log"},
        "batch_size": 64,
    },
    "search": {"algorithm": "random", "max_trials": 3, "epochs": 1, "cv": None},
    "report": {"top_k": 1},
}


def malformed_configs() -> list[tuple[str, str | bytes, str]]:
    """(id, file content, the exact message) for each config `load_config` must refuse, as
    bad.yaml. Line numbers count from the first line of the content; the tunables' names in
    the messages come from the package."""
    return load_table(
        "malformed_configs", "configs", ("id", "file", "message"), SPACE_KEYS=", ".join(TUNABLES)
    )
