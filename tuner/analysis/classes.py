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
    """One row per class: its name, test samples, precision and recall."""
    counts = confusion(predictions)
    right = np.diag(counts).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(counts.sum(axis=0) > 0, right / counts.sum(axis=0), np.nan)
        recall = np.where(counts.sum(axis=1) > 0, right / counts.sum(axis=1), np.nan)
    return pd.DataFrame(
        {
            "class": list(predictions.classes),
            "samples": counts.sum(axis=1),
            "precision": precision,
            "recall": recall,
        }
    )
