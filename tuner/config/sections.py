"""The config file's sections as pydantic models (strict: unknown keys, wrong types and
out-of-range values refused), and pydantic's errors turned into the house's one-line form."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from tuner.config.storage import STORAGE_SCHEMA, TOOLKIT_ERROR, StorageSection
from tuner.config.storage import from_text as storage_from_text

REGRESSION_DATASETS = ("sine", "csv")
# Classification scores beyond accuracy (tuner.engine.metrics): macro over classes.
SCORES = ("auc", "precision", "recall", "f1")
FORECAST_SCORES = ("val_mase", "val_smape")
METRICS = {
    "classification": (
        *("loss", "accuracy", "val_loss", "val_accuracy"),
        *SCORES,
        *(f"val_{score}" for score in SCORES),
    ),
    # val_mase and val_smape: the forecasters' scores, of the validation windows only
    # (tuner.engine.forecast_scores)
    "regression": (
        *("loss", "val_loss", "mae", "val_mae", "rmse", "val_rmse"),
        *FORECAST_SCORES,
    ),
}
TASK_HEADS = {"classification": ("softmax",), "regression": ("linear", "sigmoid")}
# The data keys each dataset reads; any other written key is an error, and to_dict leaves
# the others out, so a classification run's config.yaml has no series keys.
_COMMON_KEYS = ("dataset", "validation_split", "test_split", "normalize")
CSV_KEYS = ("id", "order", "label", "group", "features")  # sequences: a long .csv's columns
DATA_KEYS = {
    **dict.fromkeys(
        ("mnist", "fashion_mnist"), (*_COMMON_KEYS, "source", "path", "limit", "class_weight")
    ),
    "digits": (*_COMMON_KEYS, "limit", "class_weight"),  # scikit-learn's copy: no file
    "sequences": (
        *_COMMON_KEYS,
        *("path", "test_path", *CSV_KEYS, "limit", "class_weight"),
    ),
    "sine": (
        *_COMMON_KEYS,
        "scaling",
        "window",
        "horizon",
        "period",
        "transform",
        "test_steps",
        "backtest",
        "length",
        "noise",
        "trend",
    ),  # fmt: skip
    "csv": (
        *_COMMON_KEYS,
        "path",
        "target",
        "covariates",
        "series",
        "scaling",
        "window",
        "horizon",
        "period",
        "transform",
        "test_steps",
        "backtest",
    ),
}
# The name is a folder (runs/NAME.old-STAMP/trials/...) and a prefix of report files; 100 keeps
# every path well inside a file system's 255 bytes per name.
MAX_NAME = 100
# `search --fresh` moves a run aside as NAME.old-STAMP, and reports leave such folders out
# (tuner.run.run imports this pattern), so a config may not take such a name.
MOVED_ASIDE = re.compile(r"\.old-\d")
SEED_MAX = 2**32 - 1  # NumPy's and keras.utils.set_random_seed's seeds are 0 .. 2**32 - 1
MAX_WORKERS = 64  # search.workers and --workers


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class Backtest(_Section):
    """data.backtest: each trial scored on ``windows`` rolling origins before the test span,
    ``step`` steps apart (tuner.data.backtest): the forecasting form of cross-validation."""

    windows: int = Field(default=3, ge=2, le=20)
    step: int = Field(ge=1)


class Covariates(_Section):
    """data.covariates: the roles of a csv's other columns. Every column not named here is
    past-only: known up to each forecast's origin."""

    future: list[str] = Field(default_factory=list)  # known ahead: calendar, planned promotions
    static: list[str] = Field(default_factory=list)  # one value per series (data.series)


class DataSection(_Section):
    dataset: Literal["mnist", "fashion_mnist", "digits", "sequences", "sine", "csv"] = "mnist"
    source: Literal["auto", "keras", "bundled"] = "auto"
    path: str | None = None
    target: str | None = None  # csv: the column to forecast
    # csv: columns known ahead of the origin (future) or constant per series (static); the
    # others are known only up to it (tuner.data.covariates)
    covariates: Covariates | None = None
    # csv: the column naming each row's series in a long file of many series; one model is
    # trained on the windows of every series (tuner.data.panel); needs data.test_steps
    series: str | None = None
    test_path: str | None = None  # sequences: the user's own test set, else a test_split
    id: str | None = None  # sequences (.csv): the column naming each sequence
    order: str | None = None  # sequences (.csv): each row's position; else file order
    label: str | None = None  # sequences (.csv): the label column, constant in a sequence
    # sequences (.csv): a column naming each sequence's group (a subject, a recording session),
    # constant in a sequence; every split and fold keeps a group whole (no group both trained
    # and validated or tested on)
    group: str | None = None
    features: list[str] | None = None  # sequences (.csv): default every other numeric
    # sine/csv: window: each window relative to its last target value, the target predicted
    # relative to it (lets a forecast leave the training range); series: the training part's
    # mean and deviation for every window; none: raw values (tuner.engine.window_scaling)
    scaling: Literal["window", "series", "none"] = "window"
    window: int = Field(default=32, ge=1)  # sine/csv: time steps per sample
    horizon: int = Field(default=1, ge=1)  # sine/csv: predict steps 1..horizon ahead
    period: int | None = Field(default=None, ge=2)  # seasonal naive; sine: 40 (series)
    # sine/csv: the target as the model sees it, in order (tuner.data.transforms): log,
    # difference, seasonal_difference (data.period steps back); forecasts are undone in-model
    transform: list[Literal["log", "difference", "seasonal_difference"]] = Field(
        default_factory=list
    )
    # sine/csv: the last N steps are the test span, each of its origins forecast from the
    # steps before it (walk-forward); null: the test_split share, holding whole windows
    test_steps: int | None = Field(default=None, ge=1)
    # sine/csv: score each trial on K rolling origins before the test span instead of the
    # validation split; the mean over them is its score, each one's kept in its record
    backtest: Backtest | None = None
    length: int = Field(default=2000, ge=10)  # sine: time steps generated
    noise: float = Field(default=0.1, ge=0.0)  # sine: std of the Gaussian noise
    trend: float = 0.0  # sine: total linear rise over the series
    validation_split: float = Field(default=0.1, gt=0.0, lt=1.0)
    test_split: float = Field(default=0.2, gt=0.0, lt=1.0)
    limit: int | None = Field(default=None, ge=20)
    normalize: bool = True
    # classification: "balanced" weighs each class's loss by n / (classes x its count)
    class_weight: Literal["balanced"] | None = None


class ModelSection(_Section):
    cell: Literal["lstm", "gru", "simple_rnn"] = "lstm"
    head: Literal["auto", "softmax", "linear", "sigmoid"] = "auto"
    # "module:function", the user's keras-tuner style build(hp) -> compiled keras.Model,
    # imported from the config's folder, the current folder or the Python path.
    factory: str | None = None


class EarlyStopping(_Section):
    monitor: str = "val_loss"
    # null: max(3, search.epochs // 3), the epochs a trial may go without improving (README,
    # "Validation": at 3 a small set's trials stopped at chance, before their first real step)
    patience: int | None = Field(default=None, ge=0)
    min_delta: float = Field(default=0.0, ge=0.0)


class PruningSection(_Section):
    """Stop hopeless trials at an epoch's end (tuner.engine.pruning)."""

    rule: Literal["median", "asha"] = "median"
    warmup_epochs: int = Field(default=2, ge=0)  # no pruning up to this epoch
    min_trials: int = Field(default=5, ge=1)  # trials recorded before any pruning
    reduction: int = Field(default=3, ge=2)  # asha: keep the best 1/reduction at each rung


# The ways to make the exported model from the best trial (tuner.engine.final_model).
FINAL_RECIPES = ("checkpoint", "refit", "refit_stopped", "ensemble")


class CrossValidation(_Section):
    """search.cv: each trial trains once per fold of training + validation data and scores the
    mean over folds (tuner.data.folds, tuner.engine.recorder)."""

    folds: int = Field(default=5, ge=2, le=20)


class SearchSection(_Section):
    algorithm: Literal["random", "bayesian", "hyperband", "grid", "tpe"] = "bayesian"
    objective: str | None = None
    max_trials: int = Field(default=10, ge=1)
    epochs: int = Field(default=10, ge=1)
    executions_per_trial: int = Field(default=1, ge=1)
    # auto: K-fold when the validation split would be too small to rank trials (README,
    # "Validation"); {folds: K} (or just K): always; null: the validation split (holdout).
    cv: Any = Field(
        default="auto",
        json_schema_extra={
            "anyOf": [
                {"const": "auto"},
                {"type": "null"},
                {"type": "integer", "minimum": 2, "maximum": 20},
                {
                    "type": "object",
                    "properties": {"folds": {"type": "integer", "minimum": 2, "maximum": 20}},
                    "additionalProperties": False,
                },
            ]
        },
    )

    @field_validator("cv", mode="before")
    @classmethod
    def _cross_validation(cls, value: Any) -> Literal["auto"] | CrossValidation | None:
        if value is None or value == "auto":
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            value = {"folds": value}
        if isinstance(value, dict) and set(value) <= {"folds"}:
            folds = value.get("folds", CrossValidation().folds)
            low, high = CrossValidation.model_fields["folds"].metadata[0].ge, 20
            if isinstance(folds, int) and not isinstance(folds, bool) and low <= folds <= high:
                return CrossValidation(folds=folds)
            raise PydanticCustomError(
                TOOLKIT_ERROR, f"folds must be a whole number from {low} to {high}, got {folds!r}"
            )
        raise PydanticCustomError(
            TOOLKIT_ERROR,
            f"expected auto, null (the validation split) or {{folds: K}}, got {value!r}",
        )

    early_stopping: EarlyStopping | None = EarlyStopping()
    pruning: PruningSection | None = None
    # After the search, train the best configuration again on training + validation data
    # (tuner.engine.refit); `tuner refit RUN` does the same later. The same as final_model: refit.
    refit: bool = False
    # How best/model.keras is made from the best trial (tuner.engine.final_model): auto, one
    # recipe, or a list of them: the first is exported, the others are tested beside it.
    final_model: Any = Field(
        default="auto",
        json_schema_extra={
            "anyOf": [
                {"enum": ["auto", *FINAL_RECIPES]},
                {
                    "type": "array",
                    "items": {"enum": list(FINAL_RECIPES)},
                    "minItems": 1,
                    "uniqueItems": True,
                },
            ]
        },
    )

    @field_validator("gpus", mode="before")
    @classmethod
    def _gpus(cls, value: Any) -> Any:
        """A list of distinct GPU numbers, or "0,1" as --gpus takes them."""
        if isinstance(value, str):
            value = parse_gpus(value)
        if isinstance(value, list) and (not value or len(set(map(str, value))) < len(value)):
            raise PydanticCustomError(
                TOOLKIT_ERROR, f"expected distinct GPU numbers, e.g. [0, 1], got {value!r}"
            )
        return value

    @field_validator("isolate", mode="before")
    @classmethod
    def _isolate(cls, value: Any) -> bool | int:
        if isinstance(value, bool) or (isinstance(value, int) and value >= 1):
            return value
        raise PydanticCustomError(
            TOOLKIT_ERROR,
            f"expected true (each trial in a fresh process), false, or the trials per "
            f"process (a whole number >= 1), got {value!r}",
        )

    @field_validator("final_model", mode="before")
    @classmethod
    def _final_model(cls, value: Any) -> str | list[str]:
        if value == "auto" or value in FINAL_RECIPES:
            return str(value)
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, str) and v in FINAL_RECIPES for v in value)
            and len(set(value)) == len(value)
        ):
            return list(value)
        raise PydanticCustomError(
            TOOLKIT_ERROR,
            f"expected auto, a recipe or a list of distinct recipes (the first is exported) of "
            f"{', '.join(FINAL_RECIPES)}; got {value!r}",
        )

    def final_model_request(self) -> str | list[str]:
        """final_model as written (test.json keeps it: a resume redoes the step when the
        config asks for another)."""
        request: str | list[str] = self.final_model  # the validator made it one of these
        return list(request) if isinstance(request, list) else request

    def final_recipes(self, cross_validates: bool) -> tuple[str, ...]:
        """The recipes to run after the search, the exported one first. auto: the fold
        ensemble when the trials were cross-validated, else the search's checkpoint (README,
        "Final model": the measured choice); refit: true is final_model: refit."""
        if self.refit:
            return ("refit",)
        request = self.final_model_request()
        if request == "auto":
            return ("ensemble",) if cross_validates else ("checkpoint",)
        return tuple(request) if isinstance(request, list) else (request,)

    # Numbers, .inf included, are rejected with the duration message.
    time_budget: str | int | Annotated[float, AllowInfNan(True)] | None = None
    workers: int = Field(default=1, ge=1, le=MAX_WORKERS)  # --workers overrides it
    # One worker per GPU, each seeing only its own (CUDA_VISIBLE_DEVICES) with memory growth
    # on; --gpus overrides it. The workers are keras-tuner's crew (tuner.engine.workers).
    gpus: list[Annotated[int, Field(ge=0)]] | None = None
    # Train trials in fresh `tuner search` processes (tuner.service.isolated), one at a time:
    # true, one trial each; N, N trials each. TensorFlow keeps every traced graph (about 12 MB
    # a trial of a small LSTM), so memory grows across trials in one process; a fresh process
    # bounds it, at the cost of a process start per process.
    isolate: bool | int = False
    # Optuna's storage that coordinates processes without a chief (tuner.config.storage)
    storage: StorageSection | None = Field(default=None, json_schema_extra=STORAGE_SCHEMA)

    @field_validator("storage", mode="before")
    @classmethod
    def _storage(cls, value: Any) -> Any:
        return storage_from_text(value)

    @property
    def trials_per_process(self) -> int | None:
        """search.isolate as a count: None when trials share the search's process."""
        if self.isolate is False:
            return None
        return 1 if self.isolate is True else int(self.isolate)

    # Write TensorBoard logs to runs/<name>/tensorboard/ as trials finish (tuner.export).
    tensorboard: bool = False


class ReportSection(_Section):
    top_k: int = Field(default=5, ge=1)
    # Train each of the top_k again with this many other seeds after the search: their scores
    # as mean and standard deviation (tuner.engine.repeats). 0: off.
    repeats: int = Field(default=0, ge=0, le=50)


class Document(_Section):
    name: str | None = None
    seed: int = Field(default=42, ge=0, le=SEED_MAX)
    backend: Literal["tensorflow", "jax", "torch"] = "tensorflow"
    data: DataSection = DataSection()
    model: ModelSection = ModelSection()
    space: Any = None
    search: SearchSection = SearchSection()
    report: ReportSection = ReportSection()


_MINIMIZED = ("loss", "error", "mae", "mse", "rmse", "mase", "smape")


def direction_of(metric: str) -> str:
    """loss/error/mae/mse/mase/smape are minimized, everything else (accuracy, auc)
    maximized."""
    return "min" if any(word in metric for word in _MINIMIZED) else "max"


def parse_gpus(text: str) -> list[int] | str:
    """--gpus 0,1,2 -> [0, 1, 2]; the text itself where it is not that, for the message."""
    parts = [p.strip() for p in text.split(",")]
    return [int(p) for p in parts] if all(p.isdigit() for p in parts) else text
