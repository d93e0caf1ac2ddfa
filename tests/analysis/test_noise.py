"""Verdicts above the noise (issue 21, items 5 and 6): one score's own noise, trials that the
validation data cannot separate, overfitting only beyond its noise, and trials that did not
learn. Hand-made records; no Keras."""

from __future__ import annotations

import math
from typing import Any

import pytest
from helpers.findings import PARAMS, context, kinds, only, scored_trials, trial

from tuner.analysis import evidence, noise, overfitting, space_checks, training
from tuner.analysis.findings import Edit
from tuner.analysis.importance import estimate

LN2 = math.log(2)


# ---- one score's noise ----------------------------------------------------------------------


def test_a_perfect_score_on_few_samples_still_has_noise() -> None:
    assert noise.proportion_se(1.0, 7) == pytest.approx(0.1163, abs=1e-4)  # Agresti-Coull
    assert noise.proportion_se(0.5, 400) == pytest.approx(0.0249, abs=1e-4)
    assert noise.sampling_se(0.3, "val_loss", 25, maximize=False) == pytest.approx(0.06)


def test_fold_scores_and_the_sample_count_both_count() -> None:
    """A caller passes the validation samples (with folds, the pool) and the fold scores; the
    larger noise wins."""
    spread = noise.score_se(0.9, "val_accuracy", 1000, fold_scores=[0.7, 0.9, 1.0])
    assert spread == pytest.approx(0.0882, abs=1e-4)  # sd 0.153 / sqrt(3), above binomial
    assert noise.score_se(0.9, "val_accuracy", 1000, fold_scores=[0.9, 0.9]) == pytest.approx(
        noise.proportion_se(0.9, 1000)
    )
    assert noise.score_se(0.9, "val_accuracy", None) is None
    record = trial("f", val_accuracy=[0.8, 0.9, 0.9])
    record["folds"] = [{"fold": i, "score": s} for i, s in enumerate([0.7, 0.9, 1.0])]
    assert noise.trial_se(record, 1000) == pytest.approx(spread)
    assert noise.curve_samples(record, 300) == 100  # the first fold's history: 1/3 of the pool


def test_an_epoch_curve_scatters_about_its_trend() -> None:
    assert noise.epoch_scatter([0.5, 0.6, 0.7, 0.8], 1) == pytest.approx(0.0)  # a straight line
    assert noise.epoch_scatter([0.5, 0.7, 0.5, 0.7], 1) == pytest.approx(0.4 / math.sqrt(6))
    assert noise.epoch_scatter([0.5, 0.6, 0.7], 2) is None  # two epochs from the best


# ---- trials the validation data cannot separate ----------------------------------------------


def tied(samples: int) -> list[dict[str, Any]]:
    """Ten trials at 1.000 whose learning rate and activation vary (as in the issue's 2-class
    set with 7 validation samples)."""
    rates = [1e-4, 2e-4, 3e-4, 1e-3, 3e-3, 1e-2, 2e-2, 4e-2, 6e-2, 9e-2]
    records = scored_trials(rates, [1.0] * 10)
    for i, record in enumerate(records):
        record["hyperparameters"]["activation"] = "tanh" if i % 2 else "softsign"
    return records


def test_identical_scores_on_seven_samples_are_said_to_be_inseparable() -> None:
    found = training.diagnose(context(tied(7), validation_samples=7))
    assert kinds(found) == ["indistinct"]  # no edge, no effect, no comparison
    assert found[0].sentence == (
        "**Trials within the noise.** All 10 completed trials scored within one another's noise "
        "(val_accuracy 1.000), while two scores differ by up to ±0.32 at 95% by chance (binomial "
        "noise of 7 validation samples). 7 validation samples cannot separate these trials: the "
        "report claims no effect, edge or comparison from them, and no trial is clearly the best. "
        "Use search.cv (e.g. folds: 5, so every training sample is "
        "validated once) or a larger data.validation_split."
    )
    assert found[0].edits == (Edit(("search", "cv"), {"folds": 5}),)  # next.yaml validates on all


def test_identical_scores_never_beat_each_other_by_more_than_zero() -> None:
    """Without a sample count the spread between trials is 0 and the scores' own noise
    unknown: no edge at all, never "more than the noise (±0 at 95%)"."""
    records = tied(7)
    assert space_checks.edges(context(records)) == []
    comparison = only(space_checks.comparisons(context(records)), "comparison")
    assert "±0 " not in comparison.suggestion


def test_an_edge_within_the_noise_of_few_samples_is_not_an_edge() -> None:
    rates = [1e-4, 2e-4, 3e-4, 2e-2, 5e-2, 0.09]
    records = scored_trials(rates, [0.5, 0.52, 0.51, 0.68, 0.69, 0.7])
    assert space_checks.edges(context(records, validation_samples=400))  # 0.18 apart: clear
    assert space_checks.edges(context(records, validation_samples=10)) == []  # ±0.36


# ---- overfitting above its noise --------------------------------------------------------------


def stopped(trial_id: str, val_loss: list[float], **extra: Any) -> dict[str, Any]:
    """A trial that early stopping ended two epochs after its lowest validation loss."""
    loss = [0.69, 0.6, 0.5, 0.42, 0.36, 0.3][: len(val_loss)]
    return trial(trial_id, val_accuracy=[0.6, 0.7, 0.75, 0.8, 0.8, 0.8], loss=loss,
                 val_loss=val_loss, **extra)  # fmt: skip


def test_a_rise_within_the_noise_of_the_validation_loss_is_not_overfitting() -> None:
    # Early stopping fired two epochs after the minimum, 10% above it: on 8 samples a val
    # loss of 0.5 varies by about 0.5 / sqrt(8) per epoch, so that rise is noise.
    record = stopped("s", [0.7, 0.6, 0.55, 0.5, 0.53, 0.55])
    assert overfitting.overfitting(context([record], validation_samples=8)) == []
    flagged = only(
        overfitting.overfitting(context([record], validation_samples=4000)), "overfitting"
    )
    assert flagged.evidence == (
        "Trial s overfits (val_loss rose 10% in the 2 epochs after its minimum at epoch 4 "
        "(0.5 → 0.55), more than its noise (±0.022 at 95%) while training loss fell "
        "(0.42 → 0.3))."
    )


def test_a_model_better_on_validation_than_on_training_is_not_overfitting() -> None:
    """The issue's "overfit, add dropout" for a trial whose validation accuracy was above its
    training accuracy."""
    record = stopped("v", [1.0, 0.7, 0.5, 0.55, 0.6, 0.65], accuracy=[0.5, 0.6, 0.65] + [0.7] * 3)
    assert overfitting.overfitting(context([record])) == []
    record["history"]["accuracy"] = [0.7, 0.8, 0.9, 0.95, 0.97, 0.99]
    assert [f.trials for f in overfitting.overfitting(context([record]))] == [("v",)]


# ---- still improving, by more than the noise ---------------------------------------------------


def test_a_last_epoch_gain_within_the_noise_keeps_the_epochs() -> None:
    improving = trial("5", val_accuracy=[0.5, 0.6, 0.7, 0.75, 0.78, 0.82])
    few = only(
        training.still_improving(context([improving], validation_samples=20)), "still_improving"
    )
    assert few.edits == ()
    assert few.suggestion == (
        "Among the top 3, the last epoch's gain is within the noise of 20 validation samples "
        "(±0.24 at 95%), so it is no evidence that more epochs would help: epochs stay as they "
        "are."
    )
    many = training.still_improving(context([improving], validation_samples=20000))
    assert many[0].edits == (Edit(("search", "epochs"), 12),)


# ---- did not learn ------------------------------------------------------------------------------


def at_chance(trial_id: str, number: int = 1, **extra: Any) -> dict[str, Any]:
    """The issue's 2-class set of long sequences: validation loss at ln 2 = 0.693 throughout,
    validation accuracy 0.6 (3 of 5) and training loss creeping down."""
    return trial(
        trial_id,
        val_accuracy=[0.4, 0.6, 0.6, 0.4, 0.6, 0.6],
        loss=[0.694, 0.693, 0.69, 0.688, 0.686, 0.684],
        val_loss=[0.693, 0.692, 0.694, 0.697, 0.699, 0.702],
        accuracy=[0.5, 0.52, 0.5, 0.54, 0.56, 0.58],
        number=number,
        **extra,
    )


def test_a_trial_whose_loss_stayed_at_ln_k_did_not_learn() -> None:
    learned = trial("ok", number=1)
    flat = at_chance("flat", number=2)
    found = training.diagnose(context([learned, flat], classes=2, validation_samples=5))
    stalled = only(found, "did_not_learn")
    assert stalled.sentence == (
        "**Did not learn.** Trial flat did not learn: its training or validation loss never "
        "fell more than 5% below ln 2 = 0.693, the loss of a uniform guess over 2 classes "
        "(trial flat: "
        "validation loss 0.692–0.702 at every one of its 6 epochs), and validation accuracy "
        "never rose above 1/2 = 0.5 (a guess's accuracy, at most the largest class's share) by "
        "more than the noise of 5 validation samples (±0.327 at 95%). Try a higher learning "
        "rate (widen space.learning_rate upward), more epochs (search.epochs), and for long "
        "sequences a convolutional front end that shortens them before the recurrent layers "
        "(space.conv_filters, space.conv_kernel, space.conv_stride) or pooling over time "
        "instead of the last state (space.pooling), with or without the recurrent layers "
        "(space.layers from 0)."
    )
    assert found[0].kind == "did_not_learn"
    assert "overfitting" not in kinds(found)  # its rising val loss is not overfitting


def test_an_accuracy_clearly_above_a_guess_is_learning_whatever_the_loss() -> None:
    flat = at_chance("flat")
    flat["history"]["val_accuracy"] = [0.8] * 6
    assert evidence.at_chance(flat, 2, 400) == ""  # 0.8 > 0.5 + 0.049
    assert evidence.at_chance(flat, 2, 5) != ""  # 0.8 < 0.5 + 0.327: could be luck
    assert evidence.at_chance(at_chance("x"), 10, 5) == ""  # 0.69 is far below ln 10 = 2.3
    assert evidence.did_not_learn(context([at_chance("y")])) == []  # no class count: silent


def test_when_no_trial_learned_the_report_says_so_first_and_nothing_about_effects() -> None:
    """The issue's run: every trial at ln 2; the report had found overfitting, no effect of the
    learning rate and a best value on the edge of the layers range."""
    rates = [1e-4, 2e-4, 3e-4, 1e-3, 3e-3, 1e-2, 2e-2, 4e-2]
    records = [
        at_chance(str(i), number=i + 1, hp={"learning_rate": r, "activation": "tanh",
                                            "optimizer": "adam", "units": 16})
        for i, r in enumerate(rates)
    ]  # fmt: skip
    for i, record in enumerate(records):
        record["score"] = [0.6, 0.4][i % 2]
    found = training.diagnose(context(records, classes=2, validation_samples=5))
    assert kinds(found) == ["did_not_learn"]
    assert found[0].evidence.startswith(
        "No trial learned anything: in all 8 completed trials the training or validation loss "
        "never fell more than 5% below ln 2 = 0.693, the loss of a uniform guess over 2 "
        "classes (each: validation loss 0.692–0.702 at every one of its 6 epochs), and "
        "validation accuracy never rose above 1/2 = 0.5"
    )
    assert found[0].suggestion.endswith(
        "(space.layers from 0). Until a trial learns, the report draws no conclusion about any "
        "hyperparameter's effect."
    )
    assert found[0].edits == ()


def test_importance_is_not_estimated_from_scores_within_one_scores_noise() -> None:
    records = tied(7)
    for i, record in enumerate(records):
        record["score"] = 1.0 if i % 3 else 6 / 7  # one sample apart
    varying = ["learning_rate", "activation"]
    result = estimate(records, varying, PARAMS, samples=7)
    assert not result.shown
    assert result.statement == (
        "No importance estimate: every completed trial scored within one score's noise of the "
        "others (0.14 apart, ±0.35 at 95%), so a forest would rank noise."
    )


def test_lstm_beating_gru_on_four_validation_samples_is_no_verdict() -> None:
    """The issue's "LSTM beat GRU by 0.375 … more than the noise" on 4 validation samples."""
    rows = [("lstm", 1.0), ("lstm", 1.0), ("lstm", 1.0), ("gru", 0.5), ("gru", 0.75), ("gru", 0.75)]
    records = scored_trials([1e-3, 1e-2, 3e-2] * 2, [score for _, score in rows])
    for record, (cell, _) in zip(records, rows, strict=True):
        record["hyperparameters"]["cell"] = cell
    ctx = context(records, varying=["cell", "learning_rate"], validation_samples=4)
    assert only(space_checks.comparisons(ctx), "comparison").suggestion == (
        "No verdict: 4 validation samples cannot separate lstm from gru: 0.333 in mean "
        "val_accuracy, within the scores' own noise (±0.45 at 95%, 3 pairs of trials that differ "
        "only in cell; binomial noise of 4 validation samples). Use search.cv (e.g. folds: 5, so "
        "every training sample is validated once) or a larger data.validation_split."
    )


def test_a_loss_gap_within_the_noise_of_few_samples_is_not_a_gap() -> None:
    record = trial("g", val_accuracy=[0.5, 0.6, 0.7], objective="val_loss", score=0.55)
    record["history"]["loss"] = [0.5, 0.4, 0.3]
    record["history"]["val_loss"] = [0.6, 0.55, 0.56]
    assert overfitting.wide_gap(record).startswith("val_loss 87% above the training value")
    assert overfitting.wide_gap(record, 1000) != ""  # 0.26 apart, noise ±0.034
    assert overfitting.wide_gap(record, 10) == ""  # noise ±0.34


def test_with_folds_the_fold_spread_and_the_pool_set_the_noise() -> None:
    """Cross-validated trials (search.cv, 5 folds over a pool of 40): close means whose folds
    scatter widely cannot be told apart, and the sentence names the folds."""
    records = scored_trials([1e-4, 1e-3, 1e-2], [0.8, 0.78, 0.76])
    for record, folds in zip(records, [[1.0, 0.6, 0.9, 0.6, 0.9]] * 3, strict=True):
        record["folds"] = [{"fold": i, "score": s} for i, s in enumerate(folds)]
    found = only(training.diagnose(context(records, validation_samples=40)), "indistinct")
    assert found.evidence.endswith(
        "while two scores differ by up to ±0.23 at 95% by chance (binomial noise of 40 "
        "validation samples, or the spread between each trial's 5 folds where larger)."
    )
    assert found.suggestion.startswith("5 folds over 40 samples cannot separate these trials")
    assert found.suggestion.endswith(
        "The 5 folds already validate each of the 40 samples once, so only more labelled data will."
    )
    assert found.edits == ()  # no config can add labelled data


def test_did_not_learn_claims_nothing_about_an_accuracy_it_was_not_given() -> None:
    flat = at_chance("flat")
    del flat["history"]["val_accuracy"], flat["history"]["accuracy"]
    found = only(evidence.did_not_learn(context([trial("ok"), flat], classes=2)), "did_not_learn")
    assert found.evidence == (
        "Trial flat did not learn: its training or validation loss never fell more than 5% below "
        "ln 2 = "
        "0.693, the loss of a uniform guess over 2 classes (trial flat: validation loss "
        "0.692–0.702 at every one of its 6 epochs)."
    )
    for key in ("val_loss", "loss"):
        flat["history"][key] = flat["history"][key][:1]
    found = only(evidence.did_not_learn(context([trial("ok"), flat], classes=2)), "did_not_learn")
    assert found.evidence.endswith("(trial flat: validation loss 0.693 at its one epoch).")
    guess = at_chance("x")
    assert evidence.did_not_learn(context([guess], classes=2)) == []  # 0.6 > 0.5, noise unknown
    guess["history"]["val_accuracy"] = [0.5] * 6
    unknown = only(evidence.did_not_learn(context([guess], classes=2)), "did_not_learn")
    assert unknown.evidence.endswith(
        "validation accuracy never rose above 1/2 = 0.5 (a guess's accuracy, at most the largest "
        "class's share) at all (run.json gives no validation sample count to allow for its "
        "noise)."
    )


def test_a_cross_validated_curve_is_judged_on_one_folds_samples() -> None:
    """The history of a cross-validated record is its first fold's: the still-improving
    sentence names that fold's samples (60 of a pool of 300 in 5 folds), not the pool's."""
    rising = trial("0", val_accuracy=[0.2, 0.28, 0.4], epochs_requested=3, stopped_early=False)
    rising["folds"] = [{"fold": i, "score": 0.4} for i in range(5)]
    found = only(
        training.still_improving(context([rising], validation_samples=300)), "still_improving"
    )
    assert "within the noise of 60 validation samples (one fold's) (±" in found.suggestion
