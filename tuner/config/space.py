"""The search space: what to try. YAML ``space`` section -> typed parameters (declared to
keras-tuner by tuner.engine.hyperparameters).

A scalar is fixed, a list is a choice, a mapping is a range (``min``/``max``/``step``/
``sampling``), a choice (``values``) or a fixed value (``value``), each optionally
conditional on another parameter (``when``). Every tunable is declared, the ones the user
left out as fixed at their defaults, so the model factory can read every name with
``hp.get`` and keras-tuner never meets a new entry mid-search.
"""

from __future__ import annotations

import collections
import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tuner.config.tunables import GRID_POINTS_PER_FLOAT, SAMPLINGS, TUNABLES, Tunable, free_tunable
from tuner.config.yaml_lines import Path_, Source, dotted
from tuner.errors import ConfigError
from tuner.numbers import is_finite_number
from tuner.text import did_you_mean, plural, thousands, unknown_keys, value_text

# Parent value combinations a group of linked parameters enumerates to count its distinct
# points exactly (a fraction of a second); past it the count is an upper bound.
MAX_ENUMERATED = 100_000


@dataclass(frozen=True)
class Condition:
    """Active only while ``parent`` takes one of ``values``."""

    parent: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Param:
    """One declared hyperparameter. ``kind``: fixed | choice | int | float."""

    name: str
    kind: str
    values: tuple[Any, ...] = ()  # fixed: one value; choice: the options
    min: float = 0
    max: float = 0
    step: float | None = None
    sampling: str = "linear"
    when: tuple[Condition, ...] = ()
    given: bool = True  # written in the YAML, or a default filled in

    @property
    def varies(self) -> bool:
        return self.kind != "fixed" and not (self.kind == "choice" and len(self.values) == 1)

    def count(self, grid: bool = False) -> float:
        """How many distinct values (an int, exact); a stepless float range is continuous (inf)
        except on a grid."""
        if self.kind in ("fixed", "choice"):
            return len(self.values)
        if self.kind == "float" and self.step is None:
            return GRID_POINTS_PER_FLOAT if grid else math.inf
        step = self.step or 1
        whole = all(isinstance(v, int) for v in (self.min, self.max, step))
        if self.sampling == "linear" and whole:  # exact, however large (batch_size up to 10**400)
            return (int(self.max) - int(self.min)) // int(step) + 1
        try:
            if self.sampling != "linear" and self.step:  # keras-tuner: a log step is a factor
                steps = math.log(self.max / self.min) / math.log(step)
            else:
                steps = (self.max - self.min) / step
        except OverflowError:  # a range past a float's reach, e.g. batch_size up to 10**400
            return math.inf
        return math.floor(steps + 1e-9) + 1 if is_finite_number(steps) else math.inf

    def describe(self) -> str:
        """How `tuner validate` shows the parameter, in the YAML the user wrote: `[tanh, softsign]`,
        `true (fixed)`, `float in [1.00e-04, 1.00e-02] log`."""
        cond = "".join(
            f" when {c.parent} in {self._yaml_list(c.parent, c.values)}" for c in self.when
        )
        if not self.varies:
            return f"{value_text(self.name, self.values[0], self)} (fixed){cond}"
        if self.kind == "choice":
            return f"one of {self._yaml_list(self.name, self.values)}{cond}"
        low, high = (value_text(self.name, v, self) for v in (self.min, self.max))
        step = f" step {value_text(self.name, self.step, self)}" if self.step else ""
        return f"{self.kind} in [{low}, {high}]{step} {self.sampling}{cond}"

    def _yaml_list(self, name: str, values: Sequence[Any]) -> str:
        return (
            "["
            + ", ".join("null" if v is None else value_text(name, v, self) for v in values)
            + "]"
        )


@dataclass(frozen=True)
class Space:
    params: tuple[Param, ...] = field(default_factory=tuple)

    def __getitem__(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    @property
    def varying(self) -> list[str]:
        return [p.name for p in self.params if p.varies]

    def size(self, grid: bool = False) -> float:
        """Distinct configurations, counting a conditional parameter only where it is active:
        an exact int however large (2**1100 for 1,100 two-value choices), or math.inf where a
        range is continuous. Never a float product, which overflows past 1.8e308.

        Parameters that no condition links are independent, so the size is the product over
        the groups that conditions link; each group enumerates its parents' values, up to
        MAX_ENUMERATED combinations, past which its size is the product of its parameters'
        counts (an upper bound: it counts inactive values too)."""
        total = 1
        for group in self._linked_groups():
            size = self._group_size(group, grid)
            if size == math.inf:
                return math.inf
            total *= int(size)
        return total

    def _linked_groups(self) -> list[list[Param]]:
        """The parameters in groups that `when` links (a parameter with its parents)."""
        root = {p.name: p.name for p in self.params}

        def find(name: str) -> str:
            while root[name] != name:
                root[name] = root[root[name]]
                name = root[name]
            return name

        for param in self.params:
            for cond in param.when:
                root[find(param.name)] = find(cond.parent)
        groups: dict[str, list[Param]] = {}
        for param in self.params:
            groups.setdefault(find(param.name), []).append(param)
        return list(groups.values())

    def _group_size(self, group: list[Param], grid: bool) -> float:
        counts = [p.count(grid) for p in group]
        if math.inf in counts:
            return math.inf
        parents = sorted({c.parent for p in group for c in p.when})
        if math.prod(len(self[name].values) for name in parents) > MAX_ENUMERATED:
            return math.prod(int(n) for n in counts)
        seen: set[tuple[Any, ...]] = set()
        total = 0
        for combo in itertools.product(*(self[name].values for name in parents)):
            assignment = dict(zip(parents, combo, strict=True))
            active = [p for p in group if self._active(p, assignment)]
            key = tuple(assignment[p.name] for p in active if p.name in assignment)
            if key in seen:
                continue
            seen.add(key)
            total += math.prod(int(p.count(grid)) for p in active if p.name not in assignment)
        return total

    def _active(self, param: Param, assignment: Mapping[str, Any]) -> bool:
        return all(
            assignment[c.parent] in c.values and self._active(self[c.parent], assignment)
            for c in param.when
        )


def points_text(points: float) -> str:
    """A space's size for a message: '1,024'; past 10**15 its order of magnitude, 'about
    10^331' (an exact int of hundreds of digits says no more, and str() refuses past 4,300)."""
    if points == math.inf or points < 10**15:
        return thousands(points)
    return f"about 10^{int(int(points).bit_length() * math.log10(2))}"


def short_space_note(space: Space, max_trials: int, algorithm: str) -> str | None:
    """The line saying what a search does when its space holds fewer distinct points than
    max_trials, which keras-tuner does silently: grid and random stop (random once its draws
    keep landing on tried points, so at most that many), bayesian stops the same way while it
    draws at random and may train a point again once its model proposes, tpe trains points
    again. None where the space holds enough, is continuous, or the algorithm is hyperband,
    whose trials train a point again with more epochs by design."""
    if algorithm == "hyperband":
        return None
    points = space.size(grid=algorithm == "grid")
    if points >= max_trials:
        return None
    holds = f"the space holds only {plural(int(points), 'distinct point')}"
    trials = plural(int(points), "trial")
    if algorithm == "grid":
        return f"{holds}, so the search stops after {trials}, not {max_trials}"
    if algorithm == "random":
        return f"{holds}, so the search stops after at most {trials}, not {max_trials}"
    again = "trains some of them more than once"
    if algorithm == "tpe":
        return f"{holds}, so the search {again} to make {max_trials} trials"
    stops = f"either stops after at most {trials} or {again}"
    return f"{holds}, so the search {stops} to make {max_trials}"


# Tunables that a space holds only where it names them: a forecaster's window and transform
# mean nothing to a classifier, whose trials' records should not list them.
ONLY_WHEN_WRITTEN = ("window", "transform")


def parse_space(source: Source, raw: Any, defaults: Mapping[str, Any], free: bool = False) -> Space:
    """The ``space`` mapping -> Space; ``defaults`` override TUNABLES' defaults (model.cell,
    model.head). ``free``: the space of a user's model factory, whose names are its own (each
    kind following the YAML form); only batch_size keeps its meaning, as fit reads it."""
    path: Path_ = ("space",)
    if raw is None or raw == {}:
        raise source.error(
            path, "the space is empty; give at least one tunable, e.g. 'units: [32, 64]'"
        )
    if not isinstance(raw, dict):
        raise source.error(path, f"expected a mapping of tunable names, got {type(raw).__name__}")
    if not free:
        _only(source, path, raw, tuple(TUNABLES))
    params = {name: _parse_param(source, name, value, free) for name, value in raw.items()}
    for name, tunable in TUNABLES.items():
        if free and name != "batch_size":
            continue
        if name not in params and name not in ONLY_WHEN_WRITTEN:
            default = defaults.get(name, tunable.default)
            params[name] = Param(name, "fixed", (default,), given=False)
    _check_conditions(source, params)
    return Space(tuple(_parents_first(params)))


_RANGE_KEYS = ("min", "max", "step", "sampling", "when")
_CHOICE_KEYS = ("values", "when")
_FIXED_KEYS = ("value", "when")


def _parse_param(source: Source, name: str, raw: Any, free: bool = False) -> Param:
    path: Path_ = ("space", name)
    own = free and name != "batch_size"  # a factory's own name
    tunable = free_tunable(source, path, raw) if own else TUNABLES[name]
    if isinstance(raw, list):
        return Param(name, "choice", _choices(source, path, tunable, raw))
    if not isinstance(raw, dict):
        return Param(name, "fixed", (_value(source, path, tunable, raw),))
    if "values" in raw:
        _only(source, path, raw, _CHOICE_KEYS)
        values = raw["values"]
        if not isinstance(values, list):
            raise source.error(
                (*path, "values"), f"expected a list, got {values!r}; write e.g. [a, b]"
            )
        choices = _choices(source, (*path, "values"), tunable, values)
        return Param(name, "choice", choices, when=_when(source, path, raw.get("when")))
    if "value" in raw:
        _only(source, path, raw, _FIXED_KEYS)
        value = _value(source, (*path, "value"), tunable, raw["value"])
        return Param(name, "fixed", (value,), when=_when(source, path, raw.get("when")))
    _only(source, path, raw, _RANGE_KEYS)
    return _range(source, path, tunable, raw)


def _only(source: Source, path: Path_, raw: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = [str(k) for k in raw if k not in allowed]
    if unknown:  # named by the mapping that holds them, on the line of the first
        file, line = source.where((*path, unknown[0]))
        problem = unknown_keys(unknown, allowed)
        raise ConfigError(problem, file=file, line=line, key=dotted(path))


def _value(source: Source, path: Path_, tunable: Tunable, value: Any) -> Any:
    problem = tunable.problem(value)
    if problem:
        raise source.error(path, problem)
    return float(value) if tunable.kind == "float" else value


def _choices(source: Source, path: Path_, tunable: Tunable, raw: list[Any]) -> tuple[Any, ...]:
    if not raw:
        raise source.error(path, "an empty list of choices; give at least one value")
    # keras-tuner's Choice rejects mixed int and float values, so float tunables coerce all.
    values = tuple(_value(source, (*path, i), tunable, v) for i, v in enumerate(raw))
    counts = collections.Counter(values)  # linear: a choice list can be long
    duplicates = sorted(repr(v) for v, n in counts.items() if n > 1)
    if duplicates:
        raise source.error(path, f"repeated choice {', '.join(duplicates)}; list each value once")
    return values


def _range(source: Source, path: Path_, tunable: Tunable, raw: dict[str, Any]) -> Param:
    name = path[-1]
    if tunable.kind in ("str", "bool"):
        example = f"[{', '.join(tunable.names[:2])}]" if tunable.kind == "str" else "[true, false]"
        raise source.error(path, f"{name} takes names, not a range; write a list like {example}")
    for key in ("min", "max"):
        if key not in raw:
            raise source.error(path, f"a range needs '{key}'; write {{min: ..., max: ...}}")
    low = _value(source, (*path, "min"), tunable, raw["min"])
    high = _value(source, (*path, "max"), tunable, raw["max"])
    if low > high:
        raise source.error(path, f"`min <= max` must hold, but got min={low!r}, max={high!r}")
    sampling = raw.get("sampling", "linear")
    if sampling not in SAMPLINGS:
        raise source.error(
            (*path, "sampling"), f"unknown sampling {sampling!r}; use one of {', '.join(SAMPLINGS)}"
        )
    if sampling != "linear" and low <= 0:
        raise source.error(
            (*path, "min"), f"{sampling} sampling needs min > 0, got {low!r}; raise min"
        )
    step = raw.get("step")
    if step is not None:
        whole = tunable.kind != "int" or isinstance(step, int)
        if not is_finite_number(step) or step <= 0 or not whole:
            kind = "a whole number" if tunable.kind == "int" else "a number"
            raise source.error((*path, "step"), f"step must be {kind} > 0, got {step!r}")
        if sampling != "linear" and step <= 1:  # keras-tuner multiplies by a log step
            raise source.error(
                (*path, "step"),
                f"with {sampling} sampling the step is a factor and must be > 1, got {step!r}; "
                "e.g. step: 2 doubles each value",
            )
        step = float(step) if tunable.kind == "float" else step
    when = _when(source, path, raw.get("when"))
    return Param(
        str(name), tunable.kind, min=low, max=high, step=step, sampling=sampling, when=when
    )


def _when(source: Source, path: Path_, raw: Any) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    where = (*path, "when")
    if not isinstance(raw, dict) or not raw:
        raise source.error(where, f"expected a mapping like {{optimizer: sgd}}, got {raw!r}")
    conditions = []
    for parent, values in raw.items():
        values = values if isinstance(values, list) else [values]
        conditions.append(Condition(str(parent), tuple(values)))
    return tuple(conditions)


def _check_conditions(source: Source, params: dict[str, Param]) -> None:
    for param in params.values():
        for cond in param.when:
            where: Path_ = ("space", param.name, "when", cond.parent)
            if cond.parent == param.name:
                problem = f"{param.name} cannot depend on itself; name another parameter"
                raise source.error(where, problem)
            if cond.parent not in params:
                tip = did_you_mean(cond.parent, params, f"use one of {', '.join(TUNABLES)}")
                raise source.error(where, f"'{cond.parent}' is not a parameter; {tip}")
            parent = params[cond.parent]
            if parent.kind not in ("fixed", "choice"):
                raise source.error(
                    where, f"{cond.parent} is a range; `when` needs a list of choices"
                )
            missing = [v for v in cond.values if v not in parent.values]
            if missing and not parent.given:
                raise source.error(
                    where,
                    f"{cond.parent} is not in the space (fixed at {parent.values[0]!r}); "
                    f"add it, e.g. {cond.parent}: [{parent.values[0]}, {missing[0]}]",
                )
            if missing:
                raise source.error(
                    where,
                    f"{missing[0]!r} is not a value of {cond.parent} ({list(parent.values)}); "
                    "use one of those",
                )
    for name in params:
        list(_parents_first(params, check_cycle_from=name, source=source))


def _parents_first(
    params: dict[str, Param], check_cycle_from: str | None = None, source: Source | None = None
) -> Iterator[Param]:
    """Yield params so that each comes after the parents its conditions name."""
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> Iterator[Param]:
        if name in trail and source is not None:
            loop = " -> ".join((*trail, name))
            raise source.error(
                ("space", name, "when"), f"conditions form a loop ({loop}); break it"
            )
        if name in done:
            return
        for cond in params[name].when:
            yield from visit(cond.parent, (*trail, name))
        done.add(name)
        yield params[name]

    start = [check_cycle_from] if check_cycle_from else list(params)
    for name in start:
        yield from visit(name, ())
