"""The Classes section of a classification run's report: the best model's confusion matrix on
the test split and each class's precision and recall. Reads best/test_classes.npz."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tuner.analysis.classes import confusion, per_class
from tuner.reporting.figures.canvas import to_png
from tuner.reporting.figures.confusion import draw
from tuner.reporting.html import Block, Image
from tuner.run.results import load_class_predictions
from tuner.text import decimals, plural


def class_blocks(run_dir: Path) -> list[Block]:
    """Empty when the run has no test predictions (still searching, or written by an older
    version); else the sentence, the per-class table and the confusion matrix."""
    predictions = load_class_predictions(run_dir)
    if predictions is None:
        return []
    table = per_class(predictions)
    samples = len(predictions.actual)
    exact = (predictions.actual == predictions.predicted).reshape(samples, -1).all(axis=1)
    right = int(exact.sum())
    worst = table.sort_values("recall").iloc[0]
    what = "with every label right" if predictions.multilabel else "correctly"
    text = (
        f"The best model classifies {right} of {plural(samples, 'test sample')} {what} "
        f"({decimals(right / samples, 3)}). Recall is the share of a class's samples found; "
        "precision the share of the model's calls of that class that were right. Lowest recall: "
        f"{worst['class']} ({decimals(worst['recall'], 2)} of "
        f"{plural(int(worst['samples']), 'sample')})."
    )
    shown = pd.DataFrame(
        {
            "label" if predictions.multilabel else "class": table["class"],
            "test samples": table["samples"],
            "precision": [_share(v) for v in table["precision"]],
            "recall": [_share(v) for v in table["recall"]],
        }
    )
    if predictions.multilabel:  # labels are not exclusive: no single matrix of classes
        return [text, shown]
    figure = draw(confusion(predictions), predictions.classes)
    return [text, shown, Image("confusion", "Confusion matrix (test split)", to_png(figure))]


def _share(value: float) -> str:
    return "—" if pd.isna(value) else decimals(value, 2)
