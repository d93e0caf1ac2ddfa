"""YAML config -> a typed, validated, frozen Config. No Keras import here.

The sections ``data``, ``model``, ``search`` and ``report`` are pydantic models (strict,
unknown keys forbidden); ``space`` is parsed by tuner.config.space. Every rejection becomes a
one-line ConfigError naming the file, line and key path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tuner.config import storage, sweep, yaml_lines
from tuner.config.data_checks import check_sequences, check_validation
from tuner.config.forecast_checks import (
    check_covariates,
    check_many_series,
    check_space_transforms,
    check_transform,
    window_in_steps,
    windows_for,
)
from tuner.config.sections import (
    DATA_KEYS,
    MAX_NAME,
    METRICS,
    MOVED_ASIDE,
    REGRESSION_DATASETS,
    TASK_HEADS,
    DataSection,
    Document,
    ModelSection,
    ReportSection,
    SearchSection,
    direction_of,
)
from tuner.config.space import Space, parse_space, points_text
from tuner.config.validation_errors import translate
from tuner.text import did_you_mean, join_words

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)\s*$")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # fullmatch: `$` would allow a final "\n"
# module.path:function, or path/to/file.py:function
_FACTORY = re.compile(r"([A-Za-z_]\w*(\.[A-Za-z_]\w*)*|[^:]+\.py):[A-Za-z_]\w*")


@dataclass(frozen=True)
class Config:
    """A validated config with every default resolved."""

    name: str
    seed: int
    backend: str
    data: DataSection
    model: ModelSection
    space: Space
    search: SearchSection
    report: ReportSection
    objective: str
    direction: str  # "min" | "max"
    time_budget_s: float | None
    file: str
    raw_space: dict[str, Any]

    @property
    def task(self) -> str:
        return task_of(self.data.dataset)

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics the search reads: the objective and early stopping's monitor."""
        stop = self.search.early_stopping
        return (self.objective, *((stop.monitor,) if stop is not None else ()))

    def to_dict(self) -> dict[str, Any]:
        """The resolved config as plain data, in the YAML layout (written next to the results)."""
        search = self.search.model_dump()
        search["objective"] = self.objective
        return {
            "name": self.name,
            "seed": self.seed,
            "backend": self.backend,
            "data": self.data.model_dump(include=set(DATA_KEYS[self.data.dataset])),
            "model": (
                {"factory": self.model.factory}  # the built-in model's keys do not apply
                if self.model.factory
                else self.model.model_dump(exclude_none=True)
            ),
            "space": self.raw_space,
            "search": search,
            "report": self.report.model_dump(),
        }


MAX_SINE_LENGTH = 1_000_000  # data.length: steps of the generated sine

# Keys whose change makes an existing run's results incomparable with the new config.
SEARCH_DEFINING = ("seed", "data", "model", "space", "search")
# Keys under those sections that change how fast a search runs, not what it finds.
RUN_ONLY = (
    "search.workers",
    "search.isolate",
    "search.gpus",
    "search.storage",  # the run remembers its study (tuner.run.study_file)
    "search.time_budget",
    "search.max_trials",
    "search.refit",
    "search.final_model",
    "search.tensorboard",
)


def load_config(path: str | Path) -> Config:
    return from_source(yaml_lines.load_file(path))


def from_source(src: yaml_lines.Source) -> Config:
    if sweep.is_sweep(src.data):  # a W&B sweep file: read as the config it maps onto
        src = sweep.from_sweep(src)
    try:
        doc = Document.model_validate(src.data)
    except ValidationError as exc:
        raise translate(src, exc) from None
    name = doc.name if doc.name is not None else Path(src.file).stem
    _check_name(src, name)
    if doc.model.cell != "lstm" and isinstance(doc.space, dict) and "cell" in doc.space:
        raise src.error(("model", "cell"), "cell is set in model.cell and in space.cell; keep one")
    _check_data(src, doc.data)
    check_validation(src, doc)
    if doc.model.factory is not None:
        space = _factory_space(src, doc)
        doc = doc.model_copy(update={"model": _factory_file(src, doc.model)})
        objective = doc.search.objective or _default_objective(doc.data.dataset, tuned_head=False)
    else:
        head = _default_head(src, doc)
        raw = window_in_steps(src, doc.space, doc.data)
        space = parse_space(src, raw, {"cell": doc.model.cell, "head": head})
        _check_space_heads(src, space, doc.data)
        doc = doc.model_copy(update={"data": windows_for(src, space, doc.data)})
        check_space_transforms(src, space, doc.data)
        objective = _objective(src, doc, space)
        if doc.search.early_stopping is not None:
            monitor = doc.search.early_stopping.monitor
            _check_metric(src, ("search", "early_stopping", "monitor"), monitor, doc.data.dataset)
    if doc.search.algorithm == "grid":
        _check_grid(src, space, doc.search.max_trials)
    if doc.search.storage is not None:
        _check_storage(src, doc.search)
    return Config(
        name=name,
        seed=doc.seed,
        backend=doc.backend,
        data=doc.data,
        model=doc.model,
        space=space,
        search=doc.search,
        report=doc.report,
        objective=objective,
        direction=direction_of(objective),
        time_budget_s=_duration(src, doc.search.time_budget),
        file=src.file,
        raw_space=dict(doc.space),
    )


def _factory_space(src: yaml_lines.Source, doc: Document) -> Space:
    """The space of a user's model factory: any names, their kinds from the YAML form. The
    factory compiles its own metrics, so the objective is checked once the model is built."""
    factory = doc.model.factory
    assert factory is not None
    if not _FACTORY.fullmatch(factory):
        raise src.error(
            ("model", "factory"),
            f"{factory!r} does not name a function; write module:function, e.g. my_models:build",
        )
    for key in ("cell", "head"):
        if key in doc.model.model_fields_set:
            raise src.error(
                ("model", key),
                f"model.{key} configures the built-in model; the factory builds its own, remove it",
            )
    return parse_space(src, doc.space, {}, free=True)


def _factory_file(src: yaml_lines.Source, model: ModelSection) -> ModelSection:
    """A factory module beside the config, as a file path (relative to the current folder,
    as data paths are): the run's copy of the config, in runs/<name>/, then finds it too."""
    assert model.factory is not None
    module, function = model.factory.rsplit(":", 1)
    beside = Path(src.file).parent / f"{module.replace('.', '/')}.py"
    if module.endswith(".py") or not beside.is_file():
        return model
    try:
        shown = beside.resolve().relative_to(Path.cwd().resolve())
    except ValueError:  # outside the current folder
        shown = beside.resolve()
    return model.model_copy(update={"factory": f"{shown}:{function}"})


def _check_name(src: yaml_lines.Source, name: str) -> None:
    if len(name) > MAX_NAME:
        raise src.error(
            ("name",), f"the name is {len(name)} characters long; shorten it to {MAX_NAME} or less"
        )
    if not _NAME.fullmatch(name):
        raise src.error(
            ("name",), f"{name!r} cannot name a folder; use letters, digits, '.', '_', '-'"
        )
    if MOVED_ASIDE.search(name):
        fixed = name.replace(".old-", "-old-")
        raise src.error(
            ("name",),
            f"{name!r} looks like a run moved aside by `search --fresh` (NAME.old-N), which "
            f"reports leave out; rename it, e.g. {fixed!r}",
        )


def task_of(dataset: str) -> str:
    return "regression" if dataset in REGRESSION_DATASETS else "classification"


def _check_data(src: yaml_lines.Source, data: DataSection) -> None:
    """Keys that the dataset does not read, a csv without its file or target, no training part."""
    for key in DataSection.model_fields:
        if key in data.model_fields_set and key not in DATA_KEYS[data.dataset]:
            users = join_words([name for name, keys in DATA_KEYS.items() if key in keys])
            raise src.error(
                ("data", key), f"{key} is for the {users} datasets, not {data.dataset}; remove it"
            )
    if data.dataset == "sine" and data.length > MAX_SINE_LENGTH:  # its windows take memory
        raise src.error(("data", "length"), f"must be <= {MAX_SINE_LENGTH}, got {data.length}")
    if data.dataset == "csv" and data.path is None:
        raise src.error(("data", "path"), "the csv dataset reads a file; set data.path: FILE.csv")
    check_sequences(src, data)
    if data.dataset == "csv" and data.target is None:
        raise src.error(
            ("data", "target"), "the csv dataset needs the column to forecast; set data.target"
        )
    if data.series is not None:
        check_many_series(src, data)
    if data.covariates is not None:
        check_covariates(src, data)
    check_transform(src, data)
    if task_of(data.dataset) == "regression" and data.validation_split + data.test_split >= 1:
        raise src.error(
            ("data", "test_split"),
            f"validation_split + test_split must be < 1 to leave a training part, got "
            f"{data.validation_split} + {data.test_split}; lower them",
        )


def _default_head(src: yaml_lines.Source, doc: Document) -> str:
    """model.head resolved for the task: auto is softmax for classification, else linear."""
    dataset, head = doc.data.dataset, doc.model.head
    if head == "auto":
        return TASK_HEADS[task_of(dataset)][0]
    problem = _head_problem(head, dataset, ("auto",))
    if problem:
        raise src.error(("model", "head"), problem)
    if isinstance(doc.space, dict) and "head" in doc.space:
        raise src.error(("model", "head"), "head is set in model.head and in space.head; keep one")
    return head


def _check_space_heads(src: yaml_lines.Source, space: Space, data: DataSection) -> None:
    for head in space["head"].values:
        problem = _head_problem(head, data.dataset)
        if problem:
            raise src.error(("space", "head"), problem)
        if head == "sigmoid" and data.dataset in REGRESSION_DATASETS and data.scaling == "window":
            written = ("space", "head") in src.lines or ("space", "head") in src.overrides
            raise src.error(
                ("space", "head") if written else ("model", "head"),
                "the sigmoid head maps the training range onto [0, 1], and data.scaling: window "
                "forecasts relative to each window's last value, beyond any fixed range; use the "
                "linear head, or set data.scaling: series",
            )


def _head_problem(head: str, dataset: str, also: tuple[str, ...] = ()) -> str | None:
    task = task_of(dataset)
    if head in TASK_HEADS[task]:
        return None
    other = "classification" if task == "regression" else "regression"
    use = join_words([*also, *TASK_HEADS[task]], "or")
    return f"{head} is a {other} head, but {dataset} is a {task} dataset; use {use}"


def _objective(src: yaml_lines.Source, doc: Document, space: Space) -> str:
    """search.objective, or the task's default: val_accuracy; for regression val_loss, or
    val_mae (target units) when space.head is tuned, as the heads' losses are not comparable."""
    tuned_head = space["head"].varies
    objective = doc.search.objective or _default_objective(doc.data.dataset, tuned_head)
    _check_metric(src, ("search", "objective"), objective, doc.data.dataset)
    if tuned_head and objective in ("loss", "val_loss"):
        raise src.error(
            ("search", "objective"),
            f"{objective} cannot rank trials with different heads (space.head: mean squared "
            "error and cross-entropy are not on one scale); use val_mae or val_rmse",
        )
    return objective


def _default_objective(dataset: str, tuned_head: bool) -> str:
    if task_of(dataset) == "classification":
        return "val_accuracy"
    return "val_mae" if tuned_head else "val_loss"


def _check_metric(
    src: yaml_lines.Source, path: yaml_lines.Path_, metric: str, dataset: str
) -> None:
    task = task_of(dataset)
    known = METRICS[task]
    if metric in known:
        return
    if any(metric in names for names in METRICS.values()):
        problem = f"{metric} is not measured on {dataset}, a {task} dataset; use one of "
        raise src.error(path, problem + ", ".join(known))
    # A known name it begins (val_acc: val_accuracy) before the closest spelling (val_auc).
    tip = did_you_mean(metric, known, "use one of " + ", ".join(known), prefix_first=True)
    raise src.error(path, f"unknown metric '{metric}'; {tip}")


def _check_grid(src: yaml_lines.Source, space: Space, max_trials: int) -> None:
    points = space.size(grid=True)
    if points > max_trials:
        raise src.error(
            ("search", "max_trials"),
            f"the grid has {points_text(points)} points but max_trials is {max_trials}; "
            f"raise max_trials to {points_text(points)} or shrink the space",
        )


def _check_storage(src: yaml_lines.Source, search: SearchSection) -> None:
    if search.algorithm not in storage.ALGORITHMS:
        raise src.error(
            ("search", "storage"),
            f"a shared study drives {', '.join(storage.ALGORITHMS)} searches, not "
            f"{search.algorithm}; use one of those, or remove storage and scale {search.algorithm} "
            "with keras-tuner's chief and workers (--workers N, README: Scale)",
        )
    if search.trials_per_process:
        raise src.error(
            ("search", "isolate"),
            "search.isolate cannot run with search.storage (each storage process already runs "
            "its own trials); remove one of them",
        )


def _duration(src: yaml_lines.Source, text: str | float | None) -> float | None:
    if text is None:
        return None
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match:
        raise src.error(
            ("search", "time_budget"), f"{text!r} is not a duration; write e.g. 90s, 30m or 2h"
        )
    return float(match[1]) * {"s": 1, "m": 60, "h": 3600}[match[2]]
