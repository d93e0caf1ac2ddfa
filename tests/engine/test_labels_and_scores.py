"""Binary and multi-label targets, and the scores beyond accuracy (auc, precision, recall,
f1): sigmoid heads with binary cross-entropy, the scores as Keras measures them against
scikit-learn's, and real searches that rank trials by them, through tuner.search with arrays."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers.reports import table_rows

from tuner.config.schema import from_source
from tuner.config.yaml_lines import load_text
from tuner.errors import ConfigError, DataError

SEARCH = {"algorithm": "random", "max_trials": 1, "epochs": 2, "cv": None}
SPACE = {"units": 4, "batch_size": 16}


def ragged(n: int, seed: int) -> np.ndarray:
    """(n, 8, 2) sequences of 4..8 steps, NaN after each one's end."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8, 2)).astype("float32")
    for i in range(n):
        x[i, int(rng.integers(4, 9)) :] = np.nan
    return x


def rising(x: np.ndarray) -> np.ndarray:
    return np.nanmean(x[:, :, 0], axis=1) > 0


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two real one-trial searches sharing this module's Keras: a binary target with text
    labels and balanced class weights ranked by val_f1, and a multi-label one by val_auc."""
    import tuner

    root = tmp_path_factory.mktemp("labels")
    x = ragged(72, seed=1)
    words = np.where(rising(x), "up", "down")
    words[:6] = "down"  # imbalanced, for the weights
    binary = tuner.search(
        {
            "name": "binary",
            "data": {"class_weight": "balanced"},
            "space": SPACE,
            "search": {**SEARCH, "objective": "val_f1"},
        },
        x=x,
        y=words,
        test_data=(x[:20], words[:20]),
        runs=root / "runs",
    )
    labels = np.stack([rising(x), x[:, 0, 1] > 0, x[:, 1, 0] > 0], axis=1).astype(int)
    multi = tuner.search(
        {"name": "multi", "space": SPACE, "search": {**SEARCH, "objective": "val_auc"}},
        x=x,
        y=labels,
        runs=root / "runs",
    )
    tuner.report(multi, out=root / "reports")
    return {"root": root, "binary": binary, "multi": multi, "x": x, "y": labels}


@pytest.mark.slow
def test_a_binary_target_gets_one_sigmoid_and_keeps_its_text_labels(
    searched: dict[str, Any],
) -> None:
    import keras

    import tuner.engine.model  # noqa: F401  registers the toolkit's layers and metrics

    run = searched["binary"]
    assert json.loads((run / "best" / "classes.json").read_text()) == ["down", "up"]
    model = keras.saving.load_model(run / "best" / "model.keras")
    assert model.output_shape == (None, 1) and model.layers[-1].activation.__name__ == "sigmoid"
    assert model.loss == "binary_crossentropy"
    test = json.loads((run / "best" / "test.json").read_text())
    assert test["labels"] == "binary"
    assert {"accuracy", "f1", "loss"} <= set(test["trials"][0]["test"])
    record = json.loads(next((run / "trials").glob("*.json")).read_text())
    assert record["objective"] == "val_f1" and len(record["history"]["val_f1"]) >= 1
    # The exported model on the raw padded test sequences: the predictions the search kept.
    kept = np.load(run / "best" / "test_classes.npz")
    called = (model.predict(searched["x"][:20], verbose=0)[:, 0] >= 0.5).astype(int)
    assert np.array_equal(called, kept["predicted"])
    from sklearn.metrics import f1_score

    f1 = f1_score(kept["actual"], kept["predicted"], zero_division=0)
    assert test["trials"][0]["test"]["f1"] == pytest.approx(f1, abs=1e-6)


@pytest.mark.slow
def test_a_multilabel_target_gets_a_sigmoid_per_label_and_a_per_label_report(
    searched: dict[str, Any],
) -> None:
    import keras

    import tuner.engine.model  # noqa: F401
    from tuner.engine.scoring import evaluate_arrays

    run = searched["multi"]
    model = keras.saving.load_model(run / "best" / "model.keras")
    assert model.output_shape == (None, 3) and model.layers[-1].activation.__name__ == "sigmoid"
    kept = np.load(run / "best" / "test_classes.npz")
    assert kept["actual"].shape == kept["predicted"].shape and kept["actual"].shape[1] == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NaN padding is not a range problem
        scores = evaluate_arrays(run, searched["x"], searched["y"])
    assert set(scores) == {"loss", "accuracy", "auc"} and 0 <= scores["auc"] <= 1
    with pytest.raises(DataError, match=r"\(n, 3\) 0/1 labels is expected"):
        evaluate_arrays(run, searched["x"], searched["y"][:, 0])
    markdown = (searched["root"] / "reports" / "multi" / "report.md").read_text()
    rows = table_rows(markdown, "Classes")
    assert [row[0] for row in rows] == ["0", "1", "2"]
    assert "with every label right" in markdown
    assert not (searched["root"] / "reports" / "multi" / "figures" / "confusion.png").exists()


def test_class_weights_are_refused_for_a_multilabel_target(tmp_path: Path) -> None:
    import tuner

    x = ragged(30, seed=2)
    y = np.stack([rising(x), ~rising(x)], axis=1).astype(int)
    config = {"name": "w", "data": {"class_weight": "balanced"}, "space": SPACE, "search": SEARCH}
    with pytest.raises(DataError) as refused:
        tuner.search(config, x=x, y=y, runs=tmp_path / "runs")
    assert str(refused.value) == (
        "the arrays: data.class_weight: class_weight: balanced weighs one label per sequence; a "
        "multi-label y has several, remove data.class_weight"
    )


@pytest.mark.parametrize("labels", ["multiclass", "binary", "multilabel"])
def test_the_scores_agree_with_scikit_learn(labels: str) -> None:
    from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

    from tuner.engine.metrics import score_metrics

    rng = np.random.default_rng(5)
    n, classes = 300, 4 if labels != "binary" else 2
    if labels == "multiclass":
        actual = rng.integers(0, classes, n)
        outputs = rng.dirichlet(np.ones(classes), n) + np.eye(classes)[actual] * 0.3
        outputs /= outputs.sum(axis=1, keepdims=True)
        called, average, scored = outputs.argmax(1), "macro", np.eye(classes)[actual]
    elif labels == "binary":
        actual = rng.integers(0, 2, n)
        outputs = np.clip(rng.random((n, 1)) * 0.8 + actual[:, None] * 0.2, 0, 1)
        called, average, scored = (outputs[:, 0] >= 0.5).astype(int), "binary", actual
    else:
        actual = rng.integers(0, 2, (n, classes))
        outputs = np.clip(rng.random((n, classes)) * 0.8 + actual * 0.2, 0, 1)
        called, average, scored = (outputs >= 0.5).astype(int), "macro", actual
    expected = {
        "precision": precision_score(actual, called, average=average, zero_division=0),
        "recall": recall_score(actual, called, average=average, zero_division=0),
        "f1": f1_score(actual, called, average=average, zero_division=0),
        "auc": roc_auc_score(scored, outputs if labels != "binary" else outputs[:, 0]),
    }
    for metric in score_metrics(("auc", "precision", "recall", "f1"), labels, classes):
        for half in (slice(0, n // 2), slice(n // 2, n)):  # two batches: counts accumulate
            metric.update_state(actual[half], outputs[half].astype("float32"))
        tolerance = 0.01 if metric.name == "auc" else 1e-5  # Keras' AUC: 200 thresholds
        assert float(metric.result()) == pytest.approx(expected[metric.name], abs=tolerance)


@pytest.mark.parametrize("objective", ["val_auc", "precision", "val_recall", "f1"])
def test_the_new_objectives_are_maximized_for_classification_only(objective: str) -> None:
    text = f"data: {{dataset: digits}}\nspace: {{units: 4}}\nsearch: {{objective: {objective}}}\n"
    config = from_source(load_text(text, file="c.yaml"))
    assert config.objective == objective and config.direction == "max"
    series = text.replace("digits", "sine")
    with pytest.raises(ConfigError, match=f"{objective} is not measured on sine"):
        from_source(load_text(series, file="c.yaml"))
