"""One value of a parameter against another (tanh against softsign, adam against rmsprop), in a
sentence that claims only what the trials support.

Like with like first: trials that differ in that parameter alone (its dependants aside) give
paired differences, which hold everything else fixed. Without enough pairs, every trial of each
side is compared, but only when no other parameter moved together with this one (then their
effects cannot be separated, and the sentence says exactly that). The noise band is the larger
of the spread between trials, which includes seed noise (each trial trains once with its own
seed, so seed noise is not estimated apart from it), and the scores' own noise on the
validation samples (tuner.analysis.noise): identical scores on a few samples are not a tie
measured to ±0. When that own noise is what stops a verdict, the sentence says the validation
data cannot separate the two, and how to get data that can.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tuner.analysis.effects import label, paired, scored
from tuner.analysis.noise import basis, cannot_separate, folds_of, means_floor, remedy
from tuner.analysis.stats import Interval, difference_interval, paired_interval
from tuner.config.space import Param
from tuner.run.records import TrialRecord, score_of
from tuner.text import join_words, significant

# Fewer trials than this on a side and a mean is one or two draws: no verdict from all trials.
MIN_PER_SIDE = 3
# Fewer groups of trials that differ in the parameter alone: pairs cannot stand in for a model.
MIN_PAIRS = 3
# Another parameter "moved together" with this one when each side (of two trials or more) has
# a most common value of it covering at least this share of the side, and the two sides' most
# common values differ: the sides then differ in both, and all-trial means mix the two effects.
TOGETHER_SHARE = 0.75
SEED_NOTE = (
    "The noise band is the larger of the spread between trials, seed noise included (each trial "
    "trained once, so seed noise is not estimated on its own), and the scores' own noise on the "
    "validation samples."
)
UNCOUNTED_NOTE = (
    "The noise band is the spread between trials, seed noise included; run.json gives no "
    "validation sample count, so the scores' own noise on the validation samples is not in it."
)


@dataclass(frozen=True)
class Comparison:
    name: str
    first: str  # the value with the better mean, as the report writes it
    second: str
    first_ids: tuple[str, ...]
    second_ids: tuple[str, ...]
    sentence: str  # the verdict, or why there is none
    clear: bool  # the difference is more than the noise
    together_with: tuple[str, ...] = ()  # parameters that moved together with this one
    difference: float | None = None  # first's mean minus second's, "better" positive
    half_width: float | None = None  # its 95% half-width


def compare(
    records: list[TrialRecord],
    name: str,
    varying: list[str],
    params: dict[str, Param],
    objective: str,
    samples: int | None = None,
) -> Comparison | None:
    """The two best-scoring values of ``name`` (by mean), compared; None below two values.
    ``samples``: validation samples per score (with folds, the pool), for the scores' own
    noise."""
    done = [r for r in scored(records) if r["hyperparameters"].get(name) is not None]
    sides: dict[str, list[TrialRecord]] = {}
    for record in done:
        sides.setdefault(label(record["hyperparameters"][name]), []).append(record)
    if len(sides) < 2:
        return None
    maximize = done[0]["direction"] == "max"
    sign = 1.0 if maximize else -1.0  # differences are "how much better", whatever the direction
    order = sorted(sides, key=lambda v: -sign * _mean(sides[v]))
    first, second = order[0], order[1]
    a, b = sides[first], sides[second]
    children = tuple(p.name for p in params.values() if any(c.parent == name for c in p.when))
    others = [v for v in varying if v not in (name, *children) and _categorical(params.get(v))]
    together = _moved_together(a, b, others) if min(len(a), len(b)) >= 2 else []
    pairs = _pair_differences(records, name, children, first, second)
    ids = (_ids(a), _ids(b))
    noise = _Noise(samples, objective, maximize, folds_of(done))
    if len(pairs) >= MIN_PAIRS:
        on = f"{len(pairs)} pairs of trials that differ only in {name}"
        found = paired_interval([sign * d for d in pairs])
        floor = means_floor(a, b, samples)
        return _verdict(name, first, second, ids, on, found, floor, noise, together)
    if together:
        shown = join_words([first, *_together_parts(together, a, b)])
        sentence = (
            f"{shown} appeared together, so their effects cannot be separated: no verdict on "
            f"{name} (fewer than {MIN_PAIRS} pairs of trials that differ in {name} alone)."
        )
        return Comparison(name, first, second, *ids, sentence, False, tuple(together))
    if len(a) < MIN_PER_SIDE or len(b) < MIN_PER_SIDE:
        sentence = (
            f"No verdict: {first} has {_trials(len(a))} and {second} {_trials(len(b))}; a "
            f"verdict needs at least {MIN_PER_SIDE} on each side, or {MIN_PAIRS} pairs of "
            f"trials that differ in {name} alone."
        )
        return Comparison(name, first, second, *ids, sentence, False)
    found = difference_interval([sign * score_of(r) for r in a], [sign * score_of(r) for r in b])
    on = f"all {len(a)} and {len(b)} trials"
    floor = means_floor(a, b, samples)
    return _verdict(name, first, second, ids, on, found, floor, noise, [])


@dataclass(frozen=True)
class _Noise:
    samples: int | None
    objective: str
    maximize: bool
    folds: int


def _verdict(
    name: str,
    first: str,
    second: str,
    ids: tuple[tuple[str, ...], tuple[str, ...]],
    on: str,
    found: Interval | None,
    floor: float | None,
    noise: _Noise,
    together: list[str],
) -> Comparison:
    """The verdict at the larger of the trials' spread and the scores' own noise (``floor``);
    no verdict when both are 0 (identical scores, own noise unknown)."""
    assert found is not None  # both sides hold at least two scores here
    diff, spread = found
    half = max(spread, floor or 0.0)
    objective = noise.objective
    by, band = significant(diff, 3), f"±{significant(half, 2)} at 95%, {on}"

    def result(sentence: str, clear: bool) -> Comparison:
        return Comparison(name, first, second, *ids, sentence, clear, tuple(together), diff, half)

    if half == 0:
        sentence = (
            f"No verdict: {first} and {second} differ by {by} in mean {objective} with no spread "
            "between trials, and run.json gives no validation sample count to measure the "
            "scores' own noise."
        )
        return result(sentence, False)
    note = SEED_NOTE if floor is not None else UNCOUNTED_NOTE
    if diff > half:
        sentence = (
            f"Verdict: {first} beat {second} by {by} in mean {objective} ({band}), more than the "
            f"noise. {note}"
        )
        return result(sentence, True)
    if floor is not None and floor >= spread:
        source = basis(noise.samples, objective, noise.maximize, noise.folds)
        what = f"{first} from {second}"
        sentence = (
            f"No verdict: {cannot_separate(noise.samples, what, noise.folds)}: {by} in mean "
            f"{objective}, within the scores' own noise ({band}; {source}). "
            f"{remedy(noise.folds, noise.samples)}"
        )
        return result(sentence, False)
    sentence = (
        f"Verdict: no clear difference between {first} and {second}: {by} in mean {objective}, "
        f"within the noise ({band}). {note}"
    )
    return result(sentence, False)


def _categorical(param: Param | None) -> bool:
    """Choices and integer ranges have usual values; a float range (a learning rate) has none."""
    return param is None or param.kind != "float"


def _moved_together(a: list[TrialRecord], b: list[TrialRecord], others: list[str]) -> list[str]:
    """The other parameters whose usual value differs between the two sides."""
    out = []
    for other in others:
        values = [r["hyperparameters"].get(other) for r in [*a, *b]]
        if all(isinstance(v, float) for v in values):
            continue  # a continuous value (no config to say so): no usual value to compare
        common_a, share_a = _usual(a, other)
        common_b, share_b = _usual(b, other)
        if common_a is None or common_b is None or common_a == common_b:
            continue
        if share_a >= TOGETHER_SHARE and share_b >= TOGETHER_SHARE:
            out.append(other)
    return out


def _usual(side: list[TrialRecord], name: str) -> tuple[str | None, float]:
    counts = Counter(label(r["hyperparameters"].get(name)) for r in side)
    value, count = counts.most_common(1)[0]
    return (None if value == "None" else value), count / len(side)


def _together_parts(together: list[str], a: list[TrialRecord], b: list[TrialRecord]) -> list[str]:
    """'optimizer adam (against rmsprop)': the first side's usual value of each parameter that
    moved with it, against the second side's."""
    parts = []
    for other in together:
        value_a, _ = _usual(a, other)
        value_b, _ = _usual(b, other)
        parts.append(f"{other} {value_a} (against {value_b})")
    return parts


def _pair_differences(
    records: list[TrialRecord], name: str, children: tuple[str, ...], first: str, second: str
) -> list[float]:
    """first - second in each group of trials that differ only in ``name``."""
    pairs = paired(records, name, children)
    if pairs.empty:
        return []
    table = pairs.pivot_table(index="group", columns="label", values="score", aggfunc="mean")
    if first not in table or second not in table:
        return []
    both = table[[first, second]].dropna()
    return [float(d) for d in both[first] - both[second]]


def _mean(side: list[TrialRecord]) -> float:
    return sum(score_of(r) for r in side) / len(side)


def _ids(side: list[TrialRecord]) -> tuple[str, ...]:
    return tuple(str(r["trial_id"]) for r in side)


def _trials(n: int) -> str:
    return "1 trial" if n == 1 else f"{n} trials"
