"""W&B sweep files as configs: `tuner search sweep.yaml` and `tuner convert sweep.yaml`.

A sweep file (``method``, ``metric``, ``parameters``, ...) is rewritten into this toolkit's own
format before validation, key by key, keeping each key's line for the messages:

    method: grid | random | bayes        -> search.algorithm: grid | random | bayesian
    metric: {name, goal}                 -> search.objective (the goal must match its direction)
    parameters.<name>: {value: v}        -> space.<name>: v
    parameters.<name>: {values: [...]}   -> space.<name>: [...]
    parameters.<name>: {min, max}        -> space.<name>: {min, max} (distribution uniform or
                                            int_uniform; log_uniform_values adds sampling: log;
                                            q_uniform and int_uniform with q add step: q)
    parameters.<group>: {parameters: {...}}  nested: the group's names, flattened
    parameters.epochs: {value: n}        -> search.epochs: n
    early_terminate: {type: hyperband, min_iter, eta}  -> search.pruning: asha at min_iter, eta
    run_cap                              -> search.max_trials
    name                                 -> name

This toolkit's own sections (``seed``, ``backend``, ``data``, ``model``, ``search``, ``report``)
may sit alongside; a key given in ``search`` wins over the one derived from the sweep. Anything
that does not map (``program``, ``command``, a distribution with no counterpart here) is a
one-line error naming its key.
"""

from __future__ import annotations

from typing import Any

from tuner.config.sections import direction_of
from tuner.config.yaml_lines import Path_, Source
from tuner.text import plural, thousands

SWEEP_KEYS = ("method", "metric", "parameters", "early_terminate", "run_cap", "name", "description")
OWN_SECTIONS = ("seed", "backend", "data", "model", "search", "report")
METHODS = {"grid": "grid", "random": "random", "bayes": "bayesian"}
RANGES = ("uniform", "int_uniform", "log_uniform_values", "q_uniform")
SPEC_KEYS = ("value", "values", "min", "max", "distribution", "q", "parameters", "probabilities")
# Bounds checked before anything is built from a list: a search tries tens or hundreds of
# points, and a list of 100,000 values or parameters is a mistake (or an attack), refused at
# once with its length rather than after a minute of work.
MAX_VALUES = 10_000  # values of one parameter
MAX_PARAMETERS = 1_000  # parameters of the whole sweep, nested groups included


def is_sweep(data: Any) -> bool:
    """A W&B sweep file: a mapping with ``method`` and ``parameters`` at the top."""
    return isinstance(data, dict) and "method" in data and "parameters" in data


def from_sweep(src: Source) -> Source:
    """The sweep in ``src`` as this toolkit's config, with each new key on its sweep line."""
    data: dict[str, Any] = src.data
    converter = _Converter(src)
    for key in data:
        if key not in SWEEP_KEYS and key not in OWN_SECTIONS:
            raise src.error(
                (key,),
                f"the sweep key '{key}' has no counterpart here (the search trains the models "
                f"itself); remove it. Sweep keys read: {', '.join(SWEEP_KEYS[:-1])}",
            )
    out: dict[str, Any] = {k: data[k] for k in OWN_SECTIONS if k in data and k != "search"}
    if "name" in data:
        out["name"] = converter.copy(("name",), ("name",), data["name"])
    search = converter.search(data)
    given = data.get("search") or {}
    if not isinstance(given, dict):
        raise src.error(("search",), "expected a mapping of search keys")
    space = converter.space(data["parameters"])
    if "epochs" in space:  # sweeps often fix the epochs as a parameter: ours is search.epochs
        if isinstance(space["epochs"], dict | list):
            raise src.error(
                ("parameters", "epochs"), "epochs must be one value here (search.epochs)"
            )
        search["epochs"] = converter.copy(
            ("search", "epochs"), ("parameters", "epochs"), space.pop("epochs")
        )
    out["search"] = {**search, **given}  # the user's own search keys win
    out["space"] = space
    lines = {**src.lines, **converter.lines}
    return Source(file=src.file, data=out, lines=lines, overrides=dict(src.overrides))


class _Converter:
    def __init__(self, src: Source) -> None:
        self.src = src
        self.lines: dict[Path_, int] = {}
        self.parameters = 0  # counted as groups are read, against MAX_PARAMETERS

    def copy(self, new: Path_, old: Path_, value: Any) -> Any:
        """``value`` now lives at ``new``; its messages point at the sweep's ``old`` line."""
        line = self.src.line_of(old)
        if line is not None:
            self.lines[new] = line
        return value

    def search(self, data: dict[str, Any]) -> dict[str, Any]:
        src, search = self.src, {}
        method = data["method"]
        if not isinstance(method, str):
            raise src.error(
                ("method",),
                f"expected one method name, got {_kind(method)}; use one of {', '.join(METHODS)}",
            )
        if "description" in data and not isinstance(data["description"], str | None):
            raise src.error(("description",), f"expected text, got {_kind(data['description'])}")
        if method not in METHODS:
            raise src.error(
                ("method",),
                f"the sweep method '{method}' has no counterpart here; use one of "
                f"{', '.join(METHODS)}",
            )
        search["algorithm"] = self.copy(("search", "algorithm"), ("method",), METHODS[method])
        if "metric" in data:
            search["objective"] = self._metric(data["metric"])
        if "run_cap" in data:
            search["max_trials"] = self.copy(
                ("search", "max_trials"), ("run_cap",), data["run_cap"]
            )
        if "early_terminate" in data:
            search["pruning"] = self._early_terminate(data["early_terminate"])
        return search

    def _metric(self, metric: Any) -> str:
        src, path = self.src, ("metric",)
        if not isinstance(metric, dict) or "name" not in metric:
            raise src.error(path, "expected {name: val_accuracy, goal: maximize}")
        unknown = [k for k in metric if k not in ("name", "goal")]
        if unknown:
            raise src.error(
                (*path, unknown[0]),
                f"the metric key '{unknown[0]}' has no counterpart here; remove it",
            )
        name, goal = metric["name"], metric.get("goal")
        if goal not in (None, "maximize", "minimize"):
            raise src.error((*path, "goal"), f"goal must be maximize or minimize, got {goal!r}")
        if goal is not None and isinstance(name, str):
            wanted = "max" if goal == "maximize" else "min"
            if direction_of(name) != wanted:
                raise src.error(
                    (*path, "goal"),
                    f"{name} is to be {'maximized' if wanted == 'min' else 'minimized'} here, "
                    f"not {goal}d; fix the goal or the metric",
                )
        return self.copy(("search", "objective"), (*path, "name"), name)

    def _early_terminate(self, rule: Any) -> dict[str, Any]:
        src, path = self.src, ("early_terminate",)
        if not isinstance(rule, dict) or rule.get("type") != "hyperband":
            raise src.error(path, "only {type: hyperband, min_iter, eta} maps (to asha pruning)")
        unknown = [k for k in rule if k not in ("type", "min_iter", "eta")]
        if unknown:
            raise src.error(
                (*path, unknown[0]),
                f"early_terminate.{unknown[0]} has no counterpart here; use min_iter and eta",
            )
        pruning: dict[str, Any] = {"rule": "asha"}
        self.copy(("search", "pruning"), path, None)
        if "min_iter" in rule:
            pruning["warmup_epochs"] = self.copy(
                ("search", "pruning", "warmup_epochs"), (*path, "min_iter"), rule["min_iter"]
            )
        if "eta" in rule:
            pruning["reduction"] = self.copy(
                ("search", "pruning", "reduction"), (*path, "eta"), rule["eta"]
            )
        return pruning

    def space(self, parameters: Any, at: Path_ = ("parameters",)) -> dict[str, Any]:
        if not isinstance(parameters, dict):
            raise self.src.error(at, "expected a mapping of parameter names to their specs")
        groups = sum(
            isinstance(spec, dict) and "parameters" in spec for spec in parameters.values()
        )
        self.parameters += len(parameters) - groups  # a group counts by the ones it holds
        if self.parameters > MAX_PARAMETERS:
            raise self.src.error(
                at,
                f"{thousands(self.parameters)} parameters so far; a sweep takes at most "
                f"{thousands(MAX_PARAMETERS)} (a search tries tens or hundreds of points): keep "
                "the ones worth tuning",
            )
        space: dict[str, Any] = {}
        for name, spec in parameters.items():
            path = (*at, name)
            if isinstance(spec, dict) and "parameters" in spec:  # a nested group: flattened
                for inner, value in self.space(spec["parameters"], (*path, "parameters")).items():
                    if inner in space:
                        raise self.src.error(path, f"'{inner}' is given twice; keep one")
                    space[inner] = value
                continue
            if name in space:
                raise self.src.error(path, f"'{name}' is given twice; keep one")
            space[name] = self._parameter(path, spec)
        return space

    def _parameter(self, path: Path_, spec: Any) -> Any:
        src, name = self.src, str(path[-1])
        if not isinstance(spec, dict):
            raise src.error(path, "expected {value: ...}, {values: [...]} or {min: ..., max: ...}")
        unknown = [k for k in spec if k not in SPEC_KEYS]
        if unknown or "probabilities" in spec:
            key = unknown[0] if unknown else "probabilities"
            raise src.error(
                (*path, key), f"the sweep key '{key}' has no counterpart here; remove it"
            )
        new: Path_ = ("space", name)
        self.copy(new, path, None)
        distribution = spec.get("distribution")
        if not isinstance(distribution, str | None):
            raise src.error(
                (*path, "distribution"),
                f"expected one distribution name, got {_kind(distribution)}",
            )
        if "value" in spec or distribution == "constant":
            return self._value(path, spec.get("value"))
        if "values" in spec or distribution == "categorical":
            return self._values(path, spec.get("values"))
        if distribution is None:
            distribution = "int_uniform" if _whole(spec.get("min"), spec.get("max")) else "uniform"
        if distribution not in RANGES:
            raise src.error(
                (*path, "distribution"),
                f"the distribution '{distribution}' has no counterpart here; use one of "
                f"{', '.join(RANGES)}, values or value",
            )
        if "min" not in spec or "max" not in spec:
            raise src.error(path, f"a {distribution} range needs min and max")
        out: dict[str, Any] = {"min": spec["min"], "max": spec["max"]}
        if distribution == "log_uniform_values":
            out["sampling"] = "log"
            if "q" in spec:
                raise src.error((*path, "q"), "q does not map onto a log range here; remove it")
        elif "q" in spec:
            out["step"] = spec["q"]
        for key in out:
            self.copy((*new, key), (*path, key if key in spec else "distribution"), None)
        return out

    def _value(self, path: Path_, value: Any) -> Any:
        """``value``: one value (here a list is a choice and a mapping a range)."""
        if isinstance(value, list | dict):
            raise self.src.error(
                (*path, "value"),
                f"expected one value, got {_kind(value)}; for a choice write values: [a, b], "
                "for a range min and max",
            )
        return value

    def _values(self, path: Path_, values: Any) -> list[Any]:
        """``values``: a list, bounded by MAX_VALUES before anything reads its items."""
        if not isinstance(values, list):
            raise self.src.error(
                (*path, "values"), f"expected a list like [a, b], got {_kind(values)}"
            )
        if len(values) > MAX_VALUES:
            raise self.src.error(
                (*path, "values"),
                f"{thousands(len(values))} values; a parameter takes at most "
                f"{thousands(MAX_VALUES)} (a search tries tens or hundreds): use "
                "{min: ..., max: ...} for a range",
            )
        return values


def _kind(value: Any) -> str:
    """A wrong value for a message: a list or mapping by its kind and length, else as YAML
    would show it."""
    if isinstance(value, list):
        return f"a list of {plural(len(value), 'item')}"
    if isinstance(value, dict):
        return f"a mapping of {plural(len(value), 'key')}"
    return repr(value)


def _whole(*values: Any) -> bool:
    """W&B's rule: a range of whole numbers is int_uniform unless a distribution says else."""
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)
