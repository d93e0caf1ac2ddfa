"""What to try next: a run's review (importance, diagnostics), the Diagnostics and Next search
sections, and reports/<name>/next.yaml: the run's whole config with the diagnostics' edits
applied, named <name>-next so it starts a new run, checked with the same validation as
`tuner validate` before it is kept. Never imports Keras.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from tuner import diagnostics, storage
from tuner.config import load_config
from tuner.errors import UserInputError
from tuner.findings import Context, Edit, Finding
from tuner.importance import Importance, estimate
from tuner.page import Block, Bullets, Code, Note, Section
from tuner.source import Source
from tuner.space import TUNABLES, parse_space

if TYPE_CHECKING:
    from tuner.report import Run

NEXT_FILE = "next.yaml"


@dataclass(frozen=True)
class Review:
    findings: list[Finding]
    importance: Importance
    next_config: dict[str, Any] | None  # None: ``why`` says why there is no next.yaml
    changes: list[str]  # each change next.yaml makes, in words
    why: str = ""


def review(run: Run) -> Review:
    ctx = context(run)
    assert ctx.importance is not None
    found = diagnostics.diagnose(ctx)
    config, changes, why = next_config(run, found)
    return Review(found, ctx.importance, config, changes, why)


def context(run: Run) -> Context:
    config = run.config
    params = {p.name: p for p in config.space.params} if config is not None else {}
    names = run.varying()
    return Context(
        records=run.records,
        varying=names,
        params=params,
        raw_space=dict(config.raw_space) if config is not None else {},
        epochs=config.search.epochs if config is not None else None,
        algorithm=config.search.algorithm if config is not None else None,
        importance=estimate(run.records, names, params),
        validation_samples=(run.info.get("dataset") or {}).get("validation"),
    )


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
                values = _values(
                    space.get(parent), TUNABLES[parent].default if parent != "cell" else cell
                )
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
    space = parse_space(
        Source(NEXT_FILE, config), config["space"], {"cell": config["model"]["cell"]}
    )
    points = int(space.size(grid=True))
    if points <= search["max_trials"]:
        return []
    old, search["max_trials"] = search["max_trials"], points
    return [f"search.max_trials: {old} → {points} (the grid now has {points} points)"]


def write_next(folder: Path, run: Run, result: Review) -> str:
    """Write folder/next.yaml and check it as `tuner validate` does; '' or why it is missing."""
    path = folder / NEXT_FILE
    if result.next_config is None:
        path.unlink(missing_ok=True)
        return result.why
    header = f"# {_header(run, result.next_config, len(result.changes))}\n"
    storage.write_yaml(path, result.next_config, header=header)
    try:
        load_config(path)
    except UserInputError as exc:
        path.unlink(missing_ok=True)
        return f"No next.yaml: the derived config did not validate ({exc}). Please report this."
    return ""


def _header(run: Run, config: dict[str, Any], changes: int) -> str:
    """What the file is for and how long it should take, scaled from the run's own time by
    trials x epochs."""
    search = config["search"]
    text = (
        f"Next search for {run.name}, from its report's diagnostics ({changes} change(s)): "
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


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    if minutes >= 90:
        return f"{seconds / 3600:.1f} h"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _flow(value: Any) -> str:
    if value == "absent":
        return "absent"
    return (
        yaml.safe_dump(value, default_flow_style=True, width=200, sort_keys=False)
        .strip()
        .removesuffix("...")
        .strip()
    )


# ---- sections -----------------------------------------------------------------------------


def diagnostics_section(run: Run, result: Review) -> Section:
    title = "Diagnostics"
    if not run.records:
        return Section(title, (Note("No diagnostics: no trial has finished yet."),))
    blocks: list[Block] = [
        "Each line names the trials and the evidence from their per-epoch histories. "
        f"Thresholds: validation loss at least {diagnostics.OVERFIT_RISE_EPOCHS} epochs and "
        f"{diagnostics.OVERFIT_RISE:.0%} above its minimum while training loss falls, or a "
        f"train-validation gap above {diagnostics.GAP_ABSOLUTE} (maximized objectives) or "
        f"{diagnostics.GAP_RELATIVE:.0%} (minimized); a last epoch more than "
        f"{diagnostics.IMPROVING_MIN:.1%} better than every earlier one; a best value in the "
        "outer 10% of its range; under 5% of the importance (see tuner/diagnostics.py and "
        "tuner/ranges.py for why these values)."
    ]
    if result.findings:
        blocks.append(Bullets(tuple(f.sentence for f in result.findings)))
    else:
        blocks.append(
            "Nothing to flag: no trial overfit, diverged or was still improving, and no best "
            "value sits on the edge of its range."
        )
    return Section(title, tuple(blocks))


def next_section(run: Run, result: Review, folder: Path, why: str) -> Section:
    title = "Next search"
    if result.next_config is None or why:
        return Section(title, (Note(why or result.why),))
    path = folder / NEXT_FILE
    blocks: list[Block] = [
        f"{path} is the run's config with the changes below, named "
        f"{result.next_config['name']} so it starts a new run. Check it and search:",
        Code(f"tuner validate {path}\nmake search CONFIG={path}"),
    ]
    if result.changes:
        blocks.append(Bullets(tuple(result.changes)))
    else:
        blocks.append(
            "The diagnostics suggest no change to the space; next.yaml repeats it under a new "
            "name (raise search.max_trials to explore further)."
        )
    space = yaml.safe_dump(
        {"space": result.next_config["space"]}, sort_keys=False, default_flow_style=None
    )
    blocks += ["Its space:", Code(space)]
    return Section(title, tuple(blocks))
