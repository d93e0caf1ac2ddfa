"""The Diagnostics and Next search sections of a run's report, and next.yaml beside it."""

from __future__ import annotations

from pathlib import Path

import yaml

from tuner.analysis import training
from tuner.analysis.next_config import NEXT_FILE, next_header
from tuner.analysis.review import Review
from tuner.config.schema import load_config
from tuner.errors import UserInputError
from tuner.reporting.html import Block, Bullets, Code, Note, Section
from tuner.run import atomic
from tuner.run.run import Run
from tuner.text import percent, plural


def write_next(folder: Path, run: Run, result: Review) -> str:
    """Write folder/next.yaml and check it as `tuner validate` does; '' or why it is missing."""
    path = folder / NEXT_FILE
    if result.next_config is None:
        path.unlink(missing_ok=True)
        return result.why
    header = f"# {next_header(run, result.next_config, len(result.changes))}\n"
    atomic.write_yaml(path, result.next_config, header=header)
    try:
        load_config(path)
    except UserInputError as exc:
        path.unlink(missing_ok=True)
        return f"No next.yaml: the derived config did not validate ({exc}). Please report this."
    return ""


def diagnostics_section(run: Run, result: Review) -> Section:
    title = "Diagnostics"
    if not run.records:
        return Section(title, (Note("No diagnostics: no trial has finished yet."),))
    blocks: list[Block] = [
        "Each line names the trials and the evidence from their per-epoch histories. "
        f"Thresholds: overfitting is validation loss at least "
        f"{plural(training.OVERFIT_RISE_EPOCHS, 'epoch')} and {percent(training.OVERFIT_RISE)} "
        "above its minimum while training loss falls; a gap is a train-validation difference "
        f"above {training.GAP_ABSOLUTE} or the validation split's noise, 1/√n, where larger "
        f"(maximized objectives) or {percent(training.GAP_RELATIVE)} (minimized); still improving "
        f"is a last epoch more than {percent(training.IMPROVING_MIN, 1)} better than every "
        "earlier one; an edge is a best value in "
        "the outer 10% of its range, beating its neighbours by more than the noise; no effect is "
        "under 5% of the importance (see tuner/analysis/training.py, space_checks.py and "
        "comparisons.py for why these values)."
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
        Code(f"tuner validate {path}\ntuner search {path}"),
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
