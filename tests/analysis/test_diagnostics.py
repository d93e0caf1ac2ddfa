"""Diagnostics on hand-made trial records with known curves: no training, no Keras."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers.findings import LR, PARAMS, context, failed, kinds, only, scored_trials, trial

from tuner.analysis import evidence, overfitting, space_checks, training
from tuner.analysis.findings import Context, Edit, trial_list
from tuner.analysis.importance import MIN_TRIALS, Importance, estimate
from tuner.config.space import Param
from tuner.text import percent_against

# ---- overfitting --------------------------------------------------------------------------


def test_an_overfitting_curve_is_flagged_and_a_clean_one_is_not() -> None:
    overfit = trial(
        "7",
        loss=[1.0, 0.6, 0.4, 0.3, 0.2, 0.15],
        val_loss=[1.0, 0.7, 0.5, 0.55, 0.6, 0.65],
    )
    clean = trial("8")
    found = overfitting.overfitting(context([clean, overfit]))
    assert len(found) == 1 and found[0].trials == ("7",)
    sentence = found[0].sentence
    assert sentence.startswith("**Overfitting.** Trial 7 overfits")
    assert "Trial 7 overfits (val_loss rose 30% in the 3 epochs after its minimum at epoch 3" in (
        sentence
    )
    assert "(0.5 → 0.65)" in sentence
    assert "while training loss fell (0.4 → 0.15)" in sentence
    assert "Regularize trial 7" in sentence and "dropout" in sentence
    assert overfitting.overfitting(context([clean])) == []


def test_one_higher_epoch_or_a_flat_rise_is_not_overfitting() -> None:
    once = trial("1", val_loss=[1.0, 0.7, 0.5, 0.45, 0.4, 0.43])  # only the last epoch rose
    flat = trial("2", val_loss=[1.0, 0.7, 0.5, 0.501, 0.502, 0.503])  # under 2% above
    rising_train = trial(
        "3", loss=[1.0, 0.6, 0.4, 0.45, 0.5, 0.55], val_loss=[1, 0.7, 0.5, 0.6, 0.7, 0.8]
    )
    assert overfitting.overfitting(context([once, flat, rising_train])) == []


def test_a_wide_gap_with_a_falling_validation_curve_is_a_gap_not_overfitting() -> None:
    val = [0.5, 0.7, 0.8, 0.85, 0.85, 0.85]
    wide = trial("w", val_accuracy=val, accuracy=[0.6, 0.8, 0.9, 0.97, 0.99, 0.99])
    found = training.diagnose(context([wide]))
    assert "overfitting" not in kinds(found)
    gap = only(found, "gap")
    assert gap.sentence == (
        "**Train-validation gap.** Trial w: training accuracy 0.120 above val_accuracy at the best "
        "epoch (threshold 0.05), while validation loss did not rise. Not overfitting while the "
        "validation curve falls; regularize if it turns upward."
    )
    assert gap.edits == ()
    few = only(training.diagnose(context([wide], validation_samples=100)), "gap")
    assert "(threshold 0.10, the noise of 100 samples)" in few.sentence
    assert "gap" not in kinds(training.diagnose(context([wide], validation_samples=24)))
    series = only(training.diagnose(context([wide], series=True)), "gap")
    assert series.suggestion.startswith("The validation part of a series is a later stretch")


def test_a_trial_that_overfits_is_not_also_told_to_train_longer() -> None:
    both = trial(
        "b",
        val_accuracy=[0.5, 0.6, 0.7, 0.72, 0.74, 0.8],  # best at the last epoch
        loss=[1.0, 0.6, 0.4, 0.3, 0.2, 0.15],
        val_loss=[1.0, 0.7, 0.5, 0.55, 0.6, 0.65],  # but validation loss turned upward
    )
    found = training.diagnose(context([both]))
    assert "overfitting" in kinds(found) and "still_improving" not in kinds(found)


def test_overfitting_adds_dropout_to_the_next_space_and_keeps_a_grid_small() -> None:
    overfit = trial(
        "7", loss=[1, 0.6, 0.4, 0.3, 0.2, 0.15], val_loss=[1, 0.7, 0.5, 0.55, 0.6, 0.65]
    )
    edits = only(training.diagnose(context([overfit])), "overfitting").edits
    assert edits == (Edit(("space", "dropout"), {"min": 0.0, "max": 0.5, "step": 0.1}),)
    grid = only(training.diagnose(context([overfit], algorithm="grid")), "overfitting")
    assert grid.edits == (Edit(("space", "dropout"), [0.0, 0.3]),)


def test_a_model_factorys_own_names_get_findings_without_built_in_advice() -> None:
    """With model.factory the space's names are the user's: no dropout edit, and an edge of
    a range that no built-in tunable bounds is still widened."""
    width = Param("width", "int", min=4, max=32)
    factory = {
        "varying": ["width"],
        "params": {"width": width},
        "raw_space": {"width": {"min": 4, "max": 32}},
        "factory": True,
    }
    overfit = trial(
        "7", loss=[1, 0.6, 0.4, 0.3, 0.2, 0.15], val_loss=[1, 0.7, 0.5, 0.55, 0.6, 0.65]
    )
    found = only(training.diagnose(Context([overfit], **factory)), "overfitting")
    assert found.edits == () and "dropout" not in found.sentence
    assert "Regularize trial 7 and the like, or make the model smaller." in found.sentence
    widths = [4, 6, 8, 26, 30, 32]
    records = [
        trial(str(i), val_accuracy=[s - 0.1, s, s], hp={"width": w}, number=i + 1)
        for i, (w, s) in enumerate(zip(widths, [0.5, 0.52, 0.51, 0.78, 0.79, 0.8], strict=True))
    ]
    edge = only(space_checks.edges(Context(records, **factory)), "edge")
    assert edge.param == "width" and edge.edits == (Edit(("space", "width", "max"), 46),)


# ---- still improving ----------------------------------------------------------------------


def test_a_trial_still_improving_at_its_last_epoch_asks_for_more_epochs() -> None:
    improving = trial("5", val_accuracy=[0.5, 0.6, 0.7, 0.75, 0.78, 0.82])
    plateau = trial("6", val_accuracy=[0.5, 0.6, 0.7, 0.75, 0.78, 0.7801])  # within 0.2%
    stopped = trial("9", val_accuracy=[0.5, 0.6, 0.7, 0.75, 0.8])  # stopped early at 5 of 6
    found = training.still_improving(context([improving, plateau, stopped]))
    assert len(found) == 1 and found[0].trials == ("5",)
    assert found[0].evidence == (
        "Trial 5 (the best trial) had its best val_accuracy at the last epoch without stopping "
        "early (0.82 at epoch 6, 5.1% better than any earlier epoch)."
    )
    assert found[0].suggestion.startswith("Raise search.epochs from 6 to 12")
    assert found[0].edits == (Edit(("search", "epochs"), 12),)


# ---- diverged and failures ----------------------------------------------------------------


def test_nan_and_rising_losses_are_diverged_with_the_learning_rate_range() -> None:
    hp = {"activation": "tanh", "optimizer": "adam", "units": 16}
    healthy = [trial(str(i), hp=hp | {"learning_rate": lr}) for i, lr in enumerate([1e-3, 1e-2])]
    rising = trial("r", loss=[2.3, 5.0, 9.1, 8.0, 7.5, 7.0], hp=hp | {"learning_rate": 0.05})
    nan = failed("n", "loss became nan at epoch 2", learning_rate=0.1)
    found = only(training.diagnose(context([*healthy, rising, nan])), "diverged")
    assert found.trials == ("r", "n")
    assert "trial r: training loss rose from 2.3 to 9.1" in found.evidence
    assert "trial n: loss became nan at epoch 2" in found.evidence
    assert "at learning_rate 5.00e-02–1.00e-01" in found.evidence
    assert "too high above 1.00e-02, the largest that trained" in found.suggestion
    assert found.edits == (Edit(("space", "learning_rate", "max"), 0.01),)


def test_divergence_at_rates_others_trained_at_suggests_no_cap() -> None:
    good = trial("g", hp={"learning_rate": 0.1, "optimizer": "sgd", "activation": "tanh"})
    bad = failed("b", "loss became inf at epoch 1", learning_rate=0.1, optimizer="adam")
    found = only(training.diagnose(context([good, bad])), "diverged")
    assert "with optimizer adam" in found.evidence
    assert found.edits == () and "lower it for these settings" in found.suggestion


def test_failures_are_grouped_by_error_and_the_values_they_share() -> None:
    records = [
        trial("ok"),
        failed("a", "loss became nan at epoch 2", learning_rate=0.05, optimizer="sgd"),
        failed("b", "loss became nan at epoch 3\nmore detail", learning_rate=0.1, optimizer="sgd"),
        failed("c", "ValueError: bad shape", units=32),
    ]
    found = [f for f in training.diagnose(context(records)) if f.kind == "failures"]
    assert [f.trials for f in found] == [("a", "b"), ("c",)]
    nan = found[0].evidence
    assert nan.startswith(
        "2 trials failed with errors like “loss became nan at epoch 2” (trials a and b)"
    )
    assert "all had learning_rate 5.00e-02–1.00e-01" in nan and "optimizer sgd" in nan
    assert found[1].evidence.startswith("1 trial failed with “ValueError: bad shape” (trial c)")
    assert "units 32" in found[1].evidence


# ---- the space ----------------------------------------------------------------------------


def test_a_best_on_the_edge_of_its_range_is_flagged_and_widened() -> None:
    rates = [1e-4, 2e-4, 3e-4, 2e-2, 5e-2, 0.09]
    records = scored_trials(rates, [0.5, 0.52, 0.51, 0.78, 0.79, 0.8])
    found = only(space_checks.edges(context(records)), "edge")
    assert found.param == "learning_rate" and found.trials == ("5",)
    assert "The best trial 5 has learning_rate 9.00e-02, in the top 10% of its range" in (
        found.evidence
    )
    assert (
        "the upper half of the range averaged 0.79 over 3 trials against 0.51 over 3 for the "
        "other half, more than the noise (±0.023 at 95%, the spread between trials; run.json gives "
        "no validation sample count)"
    ) in found.evidence
    counted = only(space_checks.edges(context(records, validation_samples=400)), "edge")
    assert "more than the noise (±0.063 at 95%, the scores' own noise: binomial noise of 400 " in (
        counted.evidence
    )
    assert found.edits == (Edit(("space", "learning_rate", "max"), 0.562),)  # 10 ** 0.75 up
    middle = scored_trials([1e-4, 1e-3, 3e-3, 0.09], [0.5, 0.6, 0.9, 0.7])
    assert [f for f in space_checks.edges(context(middle)) if f.param == "learning_rate"] == []


def test_a_best_on_the_edge_by_less_than_the_noise_is_not_flagged() -> None:
    rates = [1e-4, 2e-4, 3e-4, 2e-2, 5e-2, 0.09]
    records = scored_trials(rates, [0.6, 0.75, 0.7, 0.5, 0.72, 0.8])  # halves overlap
    assert [f for f in space_checks.edges(context(records)) if f.param == "learning_rate"] == []


def test_a_best_on_the_largest_listed_value_adds_the_next_one() -> None:
    records = scored_trials([1e-3] * 6, [0.5, 0.52, 0.51, 0.78, 0.8, 0.79])
    for record in records[3:]:
        record["hyperparameters"]["units"] = 32
    found = [f for f in space_checks.edges(context(records)) if f.param == "units"]
    assert found and found[0].edits == (Edit(("space", "units"), [16, 32, 64]),)
    assert "the largest of [16, 32]" in found[0].evidence
    assert "units 32 averaged 0.79 over 3 trials against 0.51 over 3 for 16" in found[0].evidence


def test_a_two_value_choice_won_within_the_noise_is_not_an_edge() -> None:
    # units 32 against 16: the best trial has 32, but 0.005 apart against a wide spread.
    records = scored_trials([1e-3] * 6, [0.70, 0.55, 0.85, 0.72, 0.56, 0.835])
    for record in records[3:]:
        record["hyperparameters"]["units"] = 32
    assert [f for f in space_checks.edges(context(records)) if f.param == "units"] == []


def test_too_few_trials_flag_no_edge() -> None:
    assert space_checks.edges(context(scored_trials([1e-4, 0.09], [0.5, 0.8]))) == []


@pytest.mark.parametrize(
    ("param", "side", "expected"),
    [
        (Param("dropout", "float", min=0.0, max=0.8, step=0.1), "max", 0.999),  # below 1
        (Param("layers", "int", min=1, max=3), "max", 4),
        (Param("layers", "int", min=1, max=3), "min", None),  # 0: no recurrent layer
        (Param("conv_filters", "int", min=8, max=64), "min", 1),  # 0: no front end
        (Param("layers", "int", min=0, max=2), "max", 3),
        (Param("units", "int", min=32, max=64, step=16), "max", 80),
        (LR, "min", 1.78e-5),
    ],
)
def test_widened_stays_within_what_the_tunable_accepts(
    param: Param, side: str, expected: Any
) -> None:
    assert space_checks.widened(param, side) == expected


def test_a_parameter_with_no_effect_is_fixed_at_the_best_value() -> None:
    rates = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2] * 2
    records = scored_trials(rates, [0.5 + 0.05 * (i % 6) for i in range(12)])
    for i, record in enumerate(records):  # the score follows the rate only
        record["hyperparameters"]["activation"] = "tanh" if i < 6 else "softsign"
    varying = ["learning_rate", "activation"]
    ctx = context(records, varying=varying, importance=estimate(records, varying, PARAMS))
    found = space_checks.no_effect(ctx)
    assert [f.param for f in found] == ["activation"]
    assert re.match(
        r"activation carried [01]% of the importance over 12 trials, under the 5% below which",
        found[0].evidence,
    )
    assert found[0].edits == (Edit(("space", "activation"), "tanh"),)


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.0496, "4.96%"), (0.049999, "4.9999%"), (0.041, "4%"), (0.05, "5%"), (0.0504, "5.04%")],
)
def test_a_share_reads_at_the_precision_it_was_compared_with_the_bound(
    share: float, text: str
) -> None:
    """4.96% is below the 5% bound and must not print as '5%' (it was called no effect)."""
    assert percent_against(share, space_checks.NO_EFFECT_SHARE) == text


def test_importance_says_why_when_there_are_too_few_trials() -> None:
    records = scored_trials([1e-4, 1e-3], [0.5, 0.8])
    result = estimate(records, ["learning_rate", "activation"], PARAMS)
    assert not result.shown and f"fewer than the {MIN_TRIALS} needed" in result.statement
    assert space_checks.no_effect(context(records, importance=result)) == []


def test_tanh_against_softsign_is_compared_in_pairs_with_seconds_per_epoch() -> None:
    rates = [1e-3, 1e-2, 3e-2, 1e-3, 1e-2, 3e-2]
    records = scored_trials(rates, [0.8, 0.85, 0.7, 0.82, 0.868, 0.722])
    for i, record in enumerate(records):
        record["hyperparameters"]["activation"] = "tanh" if i < 3 else "softsign"
        record["seconds"] = 6 if i < 3 else 9
    ctx = context(records, varying=["activation", "learning_rate"], validation_samples=4000)
    found = only(space_checks.comparisons(ctx), "comparison")
    assert found.param == "activation"
    assert found.evidence == (
        "activation: softsign mean 0.803 over 3 trials, 3 s/epoch; "
        "tanh mean 0.783 over 3 trials, 2 s/epoch."
    )
    assert found.suggestion == (
        "Verdict: softsign beat tanh by 0.02 in mean val_accuracy (±0.017 at 95%, 3 pairs of "
        "trials that differ only in activation), more than the noise. The noise band is the "
        "larger of the spread between trials, seed noise included (each trial trained once, so "
        "seed noise is not estimated on its own), and the scores' own noise on the validation "
        "samples."
    )
    # The same 0.02 on 400 validation samples is within one score's binomial noise.
    few = context(records, varying=["activation", "learning_rate"], validation_samples=400)
    assert only(space_checks.comparisons(few), "comparison").suggestion == (
        "No verdict: 400 validation samples cannot separate softsign from tanh: 0.02 in mean "
        "val_accuracy, within the scores' own noise (±0.055 at 95%, 3 pairs of trials that "
        "differ only in activation; binomial noise of 400 validation samples). Use search.cv "
        "(e.g. folds: 5, so every training sample is validated once) or a larger "
        "data.validation_split."
    )
    unknown = context(records, varying=["activation", "learning_rate"])
    assert only(space_checks.comparisons(unknown), "comparison").suggestion.endswith(
        "run.json gives no validation sample count, so the scores' own noise on the validation "
        "samples is not in it."
    )


def test_diagnose_puts_the_urgent_kinds_first() -> None:
    records = [
        trial("5", val_accuracy=[0.5, 0.6, 0.7, 0.75, 0.78, 0.82]),
        failed("n", "loss became nan at epoch 2", learning_rate=0.1),
    ]
    assert kinds(training.diagnose(context(records))) == [
        "diverged",
        "still_improving",
        "failures",
    ]


def test_trial_list_names_a_few_and_counts_the_rest() -> None:
    assert trial_list(["3"]) == "trial 3"
    assert trial_list(["3", "5"]) == "trials 3 and 5"
    assert trial_list([str(i) for i in range(8)]) == "8 trials (0, 1, 2, 3, 4 and 3 others)"


@pytest.mark.parametrize("module", [training, overfitting, evidence, space_checks])
def test_every_threshold_says_why_in_a_comment(module: Any) -> None:
    lines = Path(module.__file__).read_text().splitlines()
    constants = [i for i, line in enumerate(lines) if re.match(r"^[A-Z_]+ = [\d.]+", line)]
    assert constants
    for i in constants:
        assert lines[i - 1].startswith("#") or "#" in lines[i], f"no reason given for {lines[i]}"


def test_only_trials_far_behind_still_improving_keep_the_epochs() -> None:
    leaders = [trial(str(i), val_accuracy=[0.8, 0.9, 0.95, 0.95, 0.95, 0.95]) for i in range(3)]
    slow = trial("s", val_accuracy=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    found = training.still_improving(context([*leaders, slow]))
    assert found[0].trials == ("s",) and found[0].edits == ()
    assert "None of the top 3 is among them" in found[0].suggestion


def test_a_parameter_whose_values_clearly_differ_is_never_called_no_effect() -> None:
    rates = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2] * 2
    records = scored_trials(rates, [0.5 + 0.05 * (i % 6) for i in range(12)])
    for i, record in enumerate(records):  # softsign trials score 0.3 lower on average
        softsign = i % 2 == 1
        record["hyperparameters"]["activation"] = "softsign" if softsign else "tanh"
        record["score"] -= 0.3 if softsign else 0.0
    # Even an importance estimate that gives activation nothing must not hide that.
    shares = pd.DataFrame({"param": ["learning_rate", "activation"], "share": [1.0, 0.0]})
    importance = Importance(shares=shares, trials=12, statement="")
    varying = ["learning_rate", "activation"]
    assert space_checks.no_effect(context(records, varying=varying, importance=importance)) == []


def practice_trials(rows: list[tuple[str, str, float, float]]) -> list[dict[str, Any]]:
    """(activation, optimizer, learning rate, score) per trial."""
    records = scored_trials([r[2] for r in rows], [r[3] for r in rows])
    for record, (activation, optimizer, _, _) in zip(records, rows, strict=True):
        record["hyperparameters"] |= {"activation": activation, "optimizer": optimizer}
    return records


def test_parameters_that_moved_together_get_one_sentence_and_no_verdict() -> None:
    # As in mnist-quick: every tanh trial used adam, the softsign trials rmsprop.
    records = practice_trials(
        [
            ("tanh", "adam", 1e-3, 0.80),
            ("tanh", "adam", 1e-2, 0.82),
            ("tanh", "adam", 3e-2, 0.78),
            ("softsign", "rmsprop", 1e-3, 0.70),
            ("softsign", "rmsprop", 1e-2, 0.72),
            ("softsign", "rmsprop", 3e-2, 0.69),
        ]
    )
    ctx = context(records, varying=["activation", "optimizer", "learning_rate"])
    found = space_checks.comparisons(ctx)
    assert [f.param for f in found] == ["activation"]  # not a second verdict for optimizer
    assert found[0].suggestion == (
        "tanh and optimizer adam (against rmsprop) appeared together, so their effects cannot be "
        "separated: no verdict on activation (fewer than 3 pairs of trials that differ in "
        "activation alone)."
    )


def test_one_trial_a_side_gets_no_verdict() -> None:
    records = practice_trials([("tanh", "adam", 1e-3, 0.9), ("softsign", "adam", 1e-2, 0.7)])
    found = only(space_checks.comparisons(context(records)), "comparison")
    assert found.suggestion == (
        "No verdict: tanh has 1 trial and softsign 1 trial; a verdict needs at least 3 on each "
        "side, or 3 pairs of trials that differ in activation alone."
    )


def test_a_margin_smaller_than_the_spread_between_trials_is_within_the_noise() -> None:
    # Three like-with-like pairs; softsign wins two by a little and loses one by more.
    records = practice_trials(
        [
            ("tanh", "adam", 1e-3, 0.80),
            ("tanh", "adam", 1e-2, 0.82),
            ("tanh", "adam", 3e-2, 0.78),
            ("softsign", "adam", 1e-3, 0.83),
            ("softsign", "adam", 1e-2, 0.85),
            ("softsign", "adam", 3e-2, 0.74),
        ]
    )
    found = only(space_checks.comparisons(context(records)), "comparison")
    assert found.suggestion.startswith(
        "Verdict: no clear difference between softsign and tanh: 0.00667 in mean val_accuracy, "
        "within the noise (±0.1 at 95%, 3 pairs of trials that differ only in activation)."
    )


def test_a_top_trial_whose_checkpoint_is_its_first_epoch_is_flagged() -> None:
    peaked = trial("1", val_accuracy=[0.8, 0.7, 0.6, 0.6], number=1)
    steady = trial("2", val_accuracy=[0.5, 0.6, 0.7, 0.75], number=2)
    one_epoch = trial("3", val_accuracy=[0.55], number=3)  # ran one epoch: nothing to say
    found = only(training.diagnose(context([peaked, steady, one_epoch])), "first_epoch")
    assert found.trials == ("1",)
    assert found.evidence == (
        "Trial 1 (the best trial) kept its first epoch's weights (trial 1: epoch 1 of 4): no "
        "later epoch had a better val_accuracy."
    )
    assert "learning rate may be too high" in found.suggestion and found.edits == ()
    assert "first_epoch" not in kinds(training.diagnose(context([steady, one_epoch])))
