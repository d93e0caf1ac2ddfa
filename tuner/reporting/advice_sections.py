"""The Diagnostics and Next search sections of a run's report, and next.yaml beside it."""

from __future__ import annotations

from pathlib import Path

import yaml

from tuner.analysis import evidence, noise, overfitting, training
from tuner.analysis.next_config import NEXT_FILE, next_header
from tuner.analysis.review import Review
from tuner.config.schema import load_config
from tuner.config.sections import REGRESSION_DATASETS
from tuner.errors import UserInputError
from tuner.reporting.html import Block, Bullets, Code, Note, Section
from tuner.run import atomic
from tuner.run.run import Run
from tuner.text import decimals, percent, plural


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


def noise_text(run: Run) -> str:
    """How much one validation score can tell in this run, in a sentence."""
    samples = (run.info.get("dataset") or {}).get("validation")
    folds = noise.folds_of(run.records)
    where = f"{samples} validation samples" if samples else "the validation samples"
    if folds:
        where = f"{folds} folds over {samples} samples" if samples else f"{folds} folds"
    proportion = noise.is_proportion(run.objective)
    own = (
        "binomial for an accuracy"
        if proportion
        else "the score / √n for a loss or error, assuming per-sample values spread about as "
        "much as their mean, since the records keep no per-sample values"
    )
    text = (
        "Every verdict must clear the noise of the scores it compares: the larger of the spread "
        f"between trials and each score's own noise on {where} ({own}"
        + (", and the spread between folds" if folds else "")
        + ")."
    )
    if samples and proportion:
        text += (
            f" One accuracy of about 0.5 on {samples} samples varies by ±{_half(samples)} at 95%."
        )
    if not samples:
        text += " run.json gives no validation sample count, so that own noise is unknown here."
    elif run.config is not None and run.config.data.dataset in REGRESSION_DATASETS:
        text += (
            " A series' validation windows overlap and their errors correlate, so they count as "
            "fewer independent samples than that: here the noise is a lower bound."
        )
    return text


def _half(samples: int) -> str:
    return decimals(noise.Z95 * noise.proportion_se(0.5, samples), 2)


def diagnostics_section(run: Run, result: Review) -> Section:
    title = "Diagnostics"
    if not run.records:
        return Section(title, (Note("No diagnostics: no trial has finished yet."),))
    rise = overfitting.OVERFIT_RISE
    blocks: list[Block] = [
        "Each line names the trials and the evidence from their per-epoch histories. "
        f"{noise_text(run)} Thresholds: overfitting is validation loss at least "
        f"{plural(overfitting.OVERFIT_RISE_EPOCHS, 'epoch')} and {percent(rise)} above its "
        "minimum, and above its noise (from the loss / √n, assuming per-sample losses spread "
        "about as much as their mean, and the curve's scatter), while training loss falls; a "
        "trial did not "
        f"learn when its training or validation loss never fell more than "
        f"{percent(evidence.CHANCE_BAND)} below ln k (the loss of a uniform guess over k classes) "
        "and its validation accuracy never rose above 1/k by more than its "
        "noise; a gap is a "
        f"train-validation difference above {overfitting.GAP_ABSOLUTE} or one accuracy's noise on "
        "the validation samples, where larger (maximized objectives), or "
        f"{percent(overfitting.GAP_RELATIVE)} "
        f"(minimized); still improving is a last epoch more than "
        f"{percent(training.IMPROVING_MIN, 1)} better than every earlier one (more epochs only "
        "when that gain is above its noise); an edge is a best value in the outer 10% of its "
        "range, beating its neighbours by more than the noise; no effect is under 5% of the "
        "importance (see tuner/analysis/training.py, overfitting.py, evidence.py, noise.py, "
        "space_checks.py and comparisons.py for why these values)."
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
