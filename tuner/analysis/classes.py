"""Per-class numbers of the best classifier on the test split: the confusion matrix, and each
class's precision and recall (scikit-learn's definitions; a class never predicted has no
precision, said as NaN rather than 0)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tuner.run.results import ClassPredictions


def confusion(predictions: ClassPredictions) -> np.ndarray:
    """counts[actual, predicted], every class on both axes."""
    count = len(predictions.classes)
    counts = np.zeros((count, count), dtype=int)
    np.add.at(counts, (predictions.actual, predictions.predicted), 1)
    return counts


def per_class(predictions: ClassPredictions) -> pd.DataFrame:
    """One row per class (per label, multi-label): its name, test samples (of the class; with
    the label), precision and recall."""
    if predictions.multilabel:
        actual, called = predictions.actual, predictions.predicted
        right = (actual * called).sum(axis=0).astype(float)
        found, calls = actual.sum(axis=0), called.sum(axis=0)
    else:
        counts = confusion(predictions)
        right = np.diag(counts).astype(float)
        found, calls = counts.sum(axis=1), counts.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(calls > 0, right / calls, np.nan)
        recall = np.where(found > 0, right / found, np.nan)
    return pd.DataFrame(
        {
            "class": list(predictions.classes),
            "samples": found,
            "precision": precision,
            "recall": recall,
        }
    )
