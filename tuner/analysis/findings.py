"""What a diagnostic finds: the kind, the trials it names, a sentence of evidence, a
suggestion, and the edits the suggestion makes to the next config (see tuner.analysis.next_config).

Also what every detector reads: a Context built from a run, and a few wording helpers.
Plain data; never imports Keras.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tuner.analysis.importance import Importance
from tuner.config.space import Param
from tuner.run.records import TrialRecord, best_epoch_metrics, ranked
from tuner.text import join_words

NAMED = 5  # trials named in one sentence; the rest are counted ("and 4 others")
TITLES = {
    "did_not_learn": "Did not learn",
    "indistinct": "Trials within the noise",
    "diverged": "Diverged",
    "overfitting": "Overfitting",
    "gap": "Train-validation gap",
    "still_improving": "Still improving",
    "first_epoch": "Best at the first epoch",
    "edge": "Best on the edge of its range",
    "no_effect": "No measurable effect",
    "failures": "Failures",
    "comparison": "Comparison",
}


@dataclass(frozen=True)
class Edit:
    """Set ``path`` (keys from the config's top, e.g. ("space", "learning_rate", "max"))."""

    path: tuple[str, ...]
    value: Any


@dataclass(frozen=True)
class Finding:
    kind: str  # a key of TITLES
    trials: tuple[str, ...]  # the trials it names, most relevant first
    evidence: str  # one sentence: what the records show
    suggestion: str = ""  # what to change, in words
    edits: tuple[Edit, ...] = ()  # the same change, for next.yaml
    param: str | None = None  # the hyperparameter it is about, if one

    @property
    def sentence(self) -> str:
        tail = f" {self.suggestion}" if self.suggestion else ""
        return f"**{TITLES[self.kind]}.** {self.evidence}{tail}"


@dataclass(frozen=True)
class Context:
    """What the detectors read; ``params`` and ``raw_space`` are empty without a config."""

    records: list[TrialRecord]
    varying: list[str]
    params: dict[str, Param] = field(default_factory=dict)
    raw_space: dict[str, Any] = field(default_factory=dict)
    epochs: int | None = None
    algorithm: str | None = None
    importance: Importance | None = None
    validation_samples: int | None = None
    series: bool = False  # regression on a series: validation is a later stretch of time
    factory: bool = False  # the user's own model: the built-in names (dropout, l2) mean nothing
    classes: int | None = None  # classification: the number of classes (chance is ln k)

    @property
    def ranked(self) -> list[TrialRecord]:
        return ranked(self.records)

    @property
    def objective(self) -> str:
        return str(self.records[0]["objective"]) if self.records else "score"

    @property
    def maximize(self) -> bool:
        return bool(self.records) and self.records[0]["direction"] == "max"


def trial_list(ids: list[str] | tuple[str, ...]) -> str:
    """'trial 3', 'trials 3 and 5', '8 trials (3, 1, 2, 5, 4 and 3 others)': most relevant
    first, as the finding ordered them."""
    ids = [str(i) for i in ids]
    if len(ids) == 1:
        return f"trial {ids[0]}"
    shown, rest = ids[:NAMED], len(ids) - NAMED
    if rest > 0:
        others = "1 other" if rest == 1 else f"{rest} others"
        return f"{len(ids)} trials ({join_words([*shown, others])})"
    return f"trials {join_words(shown)}"


def train_validation_gap(record: TrialRecord) -> float | None:
    """Train minus validation score of the objective's metric at the best epoch, signed so that
    a positive gap means overfitting (val_loss - loss for a minimized objective)."""
    metrics = best_epoch_metrics(record)
    objective = str(record["objective"])
    base = objective.removeprefix("val_")
    if objective == base or base not in metrics or objective not in metrics:
        return None
    gap = metrics[base] - metrics[objective]
    return gap if record["direction"] == "max" else -gap


def each_trial(hits: list[tuple[TrialRecord, str]]) -> str:
    """The evidence of up to three trials, each named unless there is only one."""
    if len(hits) == 1:
        return hits[0][1]
    return "; ".join(f"trial {r['trial_id']}: {text}" for r, text in hits[:3])
