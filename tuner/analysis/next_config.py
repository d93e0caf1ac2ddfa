"""What to try next: the run's whole config with the diagnostics' edits applied, named
<name>-next so it starts a new run (tuner.reporting writes it as reports/<name>/next.yaml and
checks it with the same validation as `tuner validate`)."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from tuner.analysis.findings import Edit, Finding
from tuner.config.space import parse_space
from tuner.config.tunables import TUNABLES
from tuner.config.yaml_lines import Source
from tuner.run.run import Run
from tuner.text import duration, plural

NEXT_FILE = "next.yaml"


# ---- next.yaml ----------------------------------------------------------------------------


def next_config(run: Run, found: list[Finding]) -> tuple[dict[str, Any] | None, list[str], str]:
    """The run's config with every finding's edits applied, and the changes in words."""
    if run.config is None:
        return None, [], "No next.yaml: the run's config.yaml no longer validates."
    if not run.records:
        return None, [], "No next.yaml yet: no trial has finished, so there is nothing to go on."
    config = copy.deepcopy(run.config.to_dict())
    config["name"] = f"{run.config.name}-next"
    changes = [apply(config, edit) for finding in found for edit in finding.edits]
    changes += prune_conditions(config["space"], config["model"].get("cell", "lstm"))
    changes += fit_grid(config)
    return config, changes, ""


def apply(config: dict[str, Any], edit: Edit) -> str:
    """Set the edit's path in ``config``; the change in words."""
    *parents, key = edit.path
    node = config
    for part in parents:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    old = node.get(key, "absent")
    node[key] = edit.value
    return f"{'.'.join(edit.path)}: {_flow(old)} → {_flow(edit.value)}"


def prune_conditions(space: dict[str, Any], cell: str) -> list[str]:
    """Keep each `when` to values its parent can still take; drop a parameter that can no
    longer be active (e.g. momentum once optimizer is fixed at adam)."""
    changes = []
    for _ in range(len(space)):
        dropped = False
        for name, spec in list(space.items()):
            if not (isinstance(spec, dict) and isinstance(spec.get("when"), dict)):
                continue
            when = {}
            for parent, wanted in spec["when"].items():
                known = TUNABLES.get(parent)  # None: a model factory's own name, in the space
                default = cell if parent == "cell" else known.default if known else None
                values = _values(space.get(parent), default)
                wanted = wanted if isinstance(wanted, list) else [wanted]
                when[parent] = [v for v in wanted if v in values]
            if any(not kept for kept in when.values()):
                del space[name]
                changes.append(f"space.{name}: removed (its `when` can no longer hold)")
                dropped = True
                continue
            spec["when"] = {p: v[0] if len(v) == 1 else v for p, v in when.items()}
        if not dropped:
            break
    return changes


def _values(spec: Any, default: Any) -> list[Any]:
    if spec is None:
        return [default]
    if isinstance(spec, list):
        return spec
    if isinstance(spec, dict):
        return list(spec["values"]) if "values" in spec else [spec.get("value", default)]
    return [spec]


def fit_grid(config: dict[str, Any]) -> list[str]:
    """A grid search must have max_trials >= its points: raise it where the edits grew the grid."""
    search = config["search"]
    if search.get("algorithm") != "grid":
        return []
    model = config["model"]
    space = parse_space(
        Source(NEXT_FILE, config),
        config["space"],
        {"cell": model.get("cell", "lstm")},
        free="factory" in model,
    )
    points = int(space.size(grid=True))
    if points <= search["max_trials"]:
        return []
    old, search["max_trials"] = search["max_trials"], points
    return [f"search.max_trials: {old} → {points} (the grid now has {points} points)"]


def next_header(run: Run, config: dict[str, Any], changes: int) -> str:
    """What the file is for and how long it should take, scaled from the run's own time by
    trials x epochs."""
    search = config["search"]
    text = (
        f"Next search for {run.name}, from its report's diagnostics ({plural(changes, 'change')}): "
        f"{search['max_trials']} trials of up to {search['epochs']} epochs"
    )
    seconds, _ = run.wall_seconds
    if run.config is None or not seconds:
        return text + "."
    old = run.config.search
    scale = search["max_trials"] * search["epochs"] / (old.max_trials * old.epochs)
    return (
        f"{text}, about {duration(seconds * scale)} on the machine that ran {run.name} "
        f"({duration(seconds)} for {old.max_trials} trials of up to {old.epochs} epochs)."
    )


def _flow(value: Any) -> str:
    if value == "absent":
        return "absent"
    return (
        yaml.safe_dump(value, default_flow_style=True, width=200, sort_keys=False)
        .strip()
        .removesuffix("...")
        .strip()
    )
