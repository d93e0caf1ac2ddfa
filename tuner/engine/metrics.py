"""Classification scores beyond accuracy: auc, precision, recall and f1, as Keras metrics so
they are measured every epoch on the validation split (val_f1), can rank trials and stop
them early, and are measured on the test split by the same code (test f1).

Multi-class scores are macro averages over the classes (scikit-learn's average="macro"); a
binary model's are those of the positive class (the second name in classes.json); a
multi-label model's are macro averages over the labels. A class with no predicted or no
actual samples counts as 0, as scikit-learn's zero_division=0 does. AUC is Keras' own (200
thresholds), one-vs-rest and macro for several classes.

Backend-neutral (keras.ops). Registered, so a saved model that holds them loads after
`import tuner.engine.model`.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


def score_metrics(names: tuple[str, ...], labels: str, classes: int) -> list[keras.metrics.Metric]:
    """The metrics named (each of SCORES), for a model whose labels are of kind ``labels``."""
    out: list[keras.metrics.Metric] = []
    for name in names:
        if name == "auc":
            out.append(ClassAUC(labels=labels, classes=classes, name="auc"))
        else:
            out.append(MacroScore(score=name, labels=labels, classes=classes, name=name))
    return out


def _truth_and_calls(y_true: Any, y_pred: Any, labels: str, classes: int) -> tuple[Any, Any]:
    """(actual, predicted) as 0/1 matrices of one column per class (one for binary)."""
    if labels == "multiclass":
        actual = ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), classes)
        called = ops.one_hot(ops.argmax(y_pred, axis=-1), classes)
        return actual, called
    width = 1 if labels == "binary" else classes
    actual = ops.reshape(ops.cast(y_true, "float32"), (-1, width))
    called = ops.cast(ops.reshape(y_pred, (-1, width)) > 0.5, "float32")
    return actual, called


@keras.saving.register_keras_serializable(package="tuner")
class MacroScore(keras.metrics.Metric):
    """Precision, recall or f1 from per-class true-positive, false-positive and false-negative
    counts over the whole epoch (a mean of per-batch scores would be biased)."""

    def __init__(
        self, score: str = "f1", labels: str = "multiclass", classes: int = 2, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.score, self.labels, self.classes = score, labels, int(classes)
        width = 1 if labels == "binary" else self.classes
        self.true_positives = self.add_variable((width,), "zeros", name="true_positives")
        self.false_positives = self.add_variable((width,), "zeros", name="false_positives")
        self.false_negatives = self.add_variable((width,), "zeros", name="false_negatives")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        # sample_weight (class_weight during training) is not applied: each sample counts once,
        # as on the validation and test splits, which carry no weights.
        actual, called = _truth_and_calls(y_true, y_pred, self.labels, self.classes)
        actual, called = ops.cast(actual, self.dtype), ops.cast(called, self.dtype)
        self.true_positives.assign_add(ops.sum(actual * called, axis=0))
        self.false_positives.assign_add(ops.sum((1 - actual) * called, axis=0))
        self.false_negatives.assign_add(ops.sum(actual * (1 - called), axis=0))

    def result(self) -> Any:
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        if self.score == "precision":
            numerator, denominator = tp, tp + fp
        elif self.score == "recall":
            numerator, denominator = tp, tp + fn
        else:
            numerator, denominator = 2 * tp, 2 * tp + fp + fn
        per_class = ops.where(denominator > 0, numerator / ops.maximum(denominator, 1), 0.0)
        return ops.mean(per_class)

    def reset_state(self) -> None:
        for variable in (self.true_positives, self.false_positives, self.false_negatives):
            variable.assign(ops.zeros_like(variable))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "score": self.score,
            "labels": self.labels,
            "classes": self.classes,
        }


@keras.saving.register_keras_serializable(package="tuner")
class ClassAUC(keras.metrics.AUC):
    """Keras' AUC for our label kinds: integer class labels become one-vs-rest columns."""

    def __init__(self, labels: str = "multiclass", classes: int = 2, **kwargs: Any) -> None:
        if labels != "binary":  # one AUC per class or label, averaged (macro)
            kwargs.update(multi_label=True, num_labels=int(classes))
        super().__init__(**kwargs)
        self.labels, self.classes = labels, int(classes)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        if self.labels == "multiclass":
            y_true = ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), self.classes)
        elif self.labels == "binary":
            y_true = ops.reshape(y_true, (-1, 1))
        return super().update_state(y_true, y_pred)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "labels": self.labels, "classes": self.classes}
