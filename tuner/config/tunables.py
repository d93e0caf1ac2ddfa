"""What each tunable accepts: its kind, default and sensible values (the built-in model's
names, TUNABLES), and for a user's model factory the same inferred from the YAML form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuner.config.yaml_lines import Path_, Source
from tuner.numbers import is_finite_number
from tuner.text import did_you_mean

CELLS = ("lstm", "gru", "simple_rnn")
HEADS = ("softmax", "linear", "sigmoid")  # per task: tuner.config.sections.TASK_HEADS
OPTIMIZERS = ("sgd", "adam", "rmsprop", "adagrad", "nadam")
ACTIVATIONS = (
    "tanh", "softsign", "relu", "sigmoid", "hard_sigmoid", "elu", "selu",
    "gelu", "swish", "softplus", "linear",
)  # fmt: skip
POOLINGS = ("last", "mean", "max", "attention")  # over time: tuner.engine.long_sequences
# space.transform: data.transform's lists as names, "+" between the steps (tuner.data.transforms)
TRANSFORM_CHAINS = (
    "none", "log", "difference", "seasonal_difference", "log+difference",
    "log+seasonal_difference", "difference+seasonal_difference",
    "log+difference+seasonal_difference",
)  # fmt: skip
SAMPLINGS = ("linear", "log", "reverse_log")
GRID_POINTS_PER_FLOAT = 10  # keras-tuner's GridSearch samples a stepless Float range at 10 points
# An LSTM layer of 4096 units holds 4 * 4096 * (2 * 4096 + 1), about 134M weights (0.5 GB in
# float32, 2 GB with Adam's state): past that one layer no longer fits a GPU, and these
# datasets are far too small to train it.
MAX_UNITS = 4096
MAX_WINDOW = 100_000  # space.window: steps a forecast reads (data.window holds the windows)


@dataclass(frozen=True)
class Tunable:
    """What one tunable accepts: its kind, default and the values that make sense."""

    kind: str  # "int" | "float" | "str" | "bool"
    default: Any
    names: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    high_open: bool = False
    hint: str = ""

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not acceptable, or None."""
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"expected true or false, got {value!r}"
        if self.kind == "str":
            if not isinstance(value, str):
                return f"expected a name, got {value!r}; use one of {', '.join(self.names)}"
            if value not in self.names:
                tip = did_you_mean(value, self.names, f"use one of {', '.join(self.names)}")
                return f"unknown name '{value}'; {tip}"
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number, got {value!r}"
        if self.kind == "int" and not isinstance(value, int):
            return f"expected a whole number, got {value!r}"
        if not is_finite_number(value):  # YAML's .nan, .inf
            return f"must be a finite number, got {value!r}"
        if self.low is not None and value < self.low:
            return f"must be >= {self.low}, got {value!r}{self.hint}"
        too_high = self.high is not None and (
            value >= self.high if self.high_open else value > self.high
        )
        if too_high:
            return (
                f"must be {'<' if self.high_open else '<='} {self.high}, got {value!r}{self.hint}"
            )
        return None


_PROBABILITY = {"low": 0.0, "high": 1.0, "high_open": True}
TUNABLES: dict[str, Tunable] = {
    "cell": Tunable("str", "lstm", names=CELLS),
    "head": Tunable("str", "softmax", names=HEADS),  # default: model.head resolved per task
    "units": Tunable("int", 64, low=1, high=MAX_UNITS),
    # 0: no recurrent layer, the pooling reads the conv front end's output (an FCN-style model)
    "layers": Tunable("int", 1, low=0, high=16),
    "dropout": Tunable("float", 0.0, **_PROBABILITY),  # type: ignore[arg-type]
    "recurrent_dropout": Tunable("float", 0.0, **_PROBABILITY),  # type: ignore[arg-type]
    "l1": Tunable("float", 0.0, low=0.0, hint="; regularization weights cannot be negative"),
    "l2": Tunable("float", 0.0, low=0.0, hint="; regularization weights cannot be negative"),
    "activation": Tunable("str", "tanh", names=ACTIVATIONS),
    "recurrent_activation": Tunable("str", "sigmoid", names=ACTIVATIONS),
    "optimizer": Tunable("str", "adam", names=OPTIMIZERS),
    "learning_rate": Tunable("float", 1.0e-3, low=1e-12, hint="; the learning rate must be > 0"),
    "momentum": Tunable("float", 0.0, **_PROBABILITY),  # type: ignore[arg-type]
    "nesterov": Tunable("bool", False),
    "clipnorm": Tunable("float", 0.0, low=0.0, hint="; 0 turns gradient clipping off"),
    "batch_size": Tunable("int", 128, low=1),
    "bidirectional": Tunable("bool", False),
    # Long sequences: a Conv1D front end (0 filters: none) shortens the sequence stride times
    # before the recurrent layers; pooling over time replaces the last state.
    "conv_filters": Tunable(
        "int", 0, low=0, high=MAX_UNITS, hint="; 0 turns the convolutional front end off"
    ),
    "conv_kernel": Tunable("int", 3, low=1, high=1024),
    "conv_stride": Tunable("int", 1, low=1, high=1024),
    "pooling": Tunable("str", "last", names=POOLINGS),
    # Forecasting: the steps each forecast reads, the last `window` of data.window (which the
    # config sets to the space's longest); 0: all of data.window.
    "window": Tunable("int", 0, low=1, high=MAX_WINDOW),
    # Forecasting: data.transform as one name (log+seasonal_difference); none: no transform.
    "transform": Tunable("str", "none", names=TRANSFORM_CHAINS),
}


def free_tunable(source: Source, path: Path_, raw: Any) -> Tunable:
    """What a factory's own parameter accepts, from the values written: names (a Choice),
    true/false (a Boolean), whole numbers (Int) or numbers (Float)."""
    name = str(path[-1])
    if not isinstance(path[-1], str) or not name.isidentifier():
        raise source.error(path, f"{name!r} cannot name a hyperparameter; use letters, digits, _")
    written: Any = raw
    if isinstance(raw, dict):
        written = raw.get("values", [raw[k] for k in ("value", "min", "max") if k in raw])
    values = written if isinstance(written, list) else [written]
    if not values:
        return Tunable("str", None)  # the choice's own check says the list is empty
    kinds = {_kind_of(v) for v in values}
    if kinds == {"int", "float"}:
        kinds = {"float"}  # keras-tuner's Choice takes one type: [1, 0.5] is a float choice
    if len(kinds) != 1 or None in kinds:
        shown = ", ".join(repr(v) for v in values[:4])
        raise source.error(
            path,
            f"mixes kinds or holds a value keras-tuner cannot tune ({shown}); give all "
            "names, all true/false or all numbers",
        )
    kind = kinds.pop()
    assert kind is not None
    names = tuple(str(v) for v in values) if kind == "str" else ()
    return Tunable(kind, values[0], names=names)


def _kind_of(value: Any) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str" if isinstance(value, str) else None
