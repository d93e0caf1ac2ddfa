"""Grid search that resumes: the next point is worked out from the trials on disk, not from
memory.

keras-tuner's GridSearchOracle keeps its place in the grid in memory only (keras-tuner #1055):
reloaded after a clean stop it has nothing queued and ends the search as finished; after a
kill mid-trial its next trial fails with KeyError. This oracle walks the grid in keras-tuner's
own order (every default first, the last parameter turning fastest, inactive conditional
parameters left out) and hands out the first point no trial holds yet, so a resumed search,
or several workers, carry on exactly where the trials say.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import keras_tuner as kt


def grid_points(space: kt.HyperParameters) -> Iterator[dict[str, Any]]:
    """Each point of the grid once, as the values of its active parameters."""
    params = list(space.space)
    options = {hp.name: _ordered_values(hp) for hp in params}
    current = {hp.name: options[hp.name][0] for hp in params}
    seen: set[tuple[tuple[str, Any], ...]] = set()
    while True:
        active = _active(space, current)
        key = tuple(sorted(active.items()))
        if key not in seen:
            seen.add(key)
            yield active
        for hp in reversed(params):  # an odometer over the active parameters
            if hp.name in active and current[hp.name] != options[hp.name][-1]:
                current[hp.name] = options[hp.name][options[hp.name].index(current[hp.name]) + 1]
                break
            current[hp.name] = options[hp.name][0]
        else:
            return


def _ordered_values(hp: Any) -> list[Any]:
    """keras-tuner's order: the default first, then the others as declared."""
    values = list(getattr(hp, "values", [hp.default]))
    return [hp.default, *(v for v in values if v != hp.default)]


def _active(space: kt.HyperParameters, values: dict[str, Any]) -> dict[str, Any]:
    hps = space.copy()
    hps.values = dict(values)
    return {hp.name: values[hp.name] for hp in hps.space if hps.is_active(hp)}


class ResumableGridOracle(kt.oracles.GridSearchOracle):
    def populate_space(self, trial_id: str) -> dict[str, Any]:
        taken = [
            dict(t.hyperparameters.values) for tid, t in self.trials.items() if tid != trial_id
        ]
        for point in grid_points(self.get_space()):
            if not any(_same(point, values) for values in taken):
                return {"status": kt.engine.trial.TrialStatus.RUNNING, "values": point}
        if any(tid != trial_id for tid in self.ongoing_trials.values()):
            # Another worker's trial may still fail and be retried: wait rather than stop.
            return {"status": kt.engine.trial.TrialStatus.IDLE, "values": None}
        return {"status": kt.engine.trial.TrialStatus.STOPPED, "values": None}


def _same(point: dict[str, Any], values: dict[str, Any]) -> bool:
    return all(values.get(name) == value for name, value in point.items())
