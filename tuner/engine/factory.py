"""Bring your own model: ``model: {factory: "my_models:build"}`` names a keras-tuner style
``build(hp) -> compiled keras.Model`` (or ``build(hp, data)``, where ``data`` is the
tuner.engine.model.ModelSpec: input shape, classes, label kind, the training split's feature
mean and variance). The factory reads the space's names with ``hp.get`` (or declares them
inline, as in keras-tuner: a name the space declares returns its trial value).

The module is looked up beside the config (tuner.config writes that as a file path,
relative to the current folder), then in the current folder and on the Python path. It
gets raw inputs as the data holds them, NaN padding included: scaling and masking are the
factory's to do.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import keras
import keras_tuner as kt
import numpy as np

from tuner.config import yaml_lines
from tuner.config.schema import Config
from tuner.data.datasets import Dataset
from tuner.engine import signals
from tuner.engine.hyperparameters import to_hyperparameters
from tuner.engine.model import ModelSpec
from tuner.errors import ConfigError
from tuner.run import layout
from tuner.text import join_words

Build = Callable[[Any], keras.Model]
KEY = ("model", "factory")


class FactoryError(ConfigError, kt.errors.FatalError):
    """The factory's fault, which no trial may absorb as a failed trial: it exited, raised
    KeyboardInterrupt itself, or built a model of the wrong output shape. keras-tuner lets a
    FatalError through, so the search stops with this one line (exit 2); the trial it was
    building stays unfinished and is built again on resume."""


def load_factory(config: Config, spec: ModelSpec) -> Build:
    """The user's factory as a one-argument build(hp) whose model's output shape is checked
    against the data, or a one-line ConfigError at model.factory."""
    reference = config.model.factory
    assert reference is not None
    module_name, function_name = reference.rsplit(":", 1)
    module = _import(config, module_name)
    build = getattr(module, function_name, None)
    if not callable(build):
        raise _error(config, f"{module_name} has no function {function_name!r}; define it")
    two = len(inspect.signature(build).parameters) >= 2
    called = f"{function_name}(hp, data)" if two else f"{function_name}(hp)"

    def guarded(hp: Any) -> keras.Model:
        with _user_code(config, called):
            model = build(hp, spec) if two else build(hp)
        if isinstance(model, keras.Model):
            _check_outputs(config, called, _declared_shape(model), spec)
        return model

    return guarded


@contextlib.contextmanager
def _user_code(config: Config, doing: str, importing: bool = False) -> Iterator[None]:
    """Around the factory's own code (its import, its build): sys.exit() or a KeyboardInterrupt
    it raises itself is its fault, in one line; the user's real Ctrl-C passes through."""
    try:
        yield
    except SystemExit as exc:
        raise _error(
            config,
            f"{doing} called sys.exit({exc.code!r}); "
            + (
                "a factory module must not exit when imported: only define functions there"
                if importing
                else "a factory must return a compiled keras.Model or raise an exception, "
                "never exit"
            ),
            FactoryError,
        ) from None
    except KeyboardInterrupt as exc:
        if signals.from_user(exc):
            raise
        raise _error(
            config,
            f"{doing} raised KeyboardInterrupt, which stands for Ctrl-C; raise another "
            "exception to report a problem",
            FactoryError,
        ) from None


def expected_width(spec: ModelSpec) -> tuple[int, ...]:
    """The output widths the data can train: one per class (multiclass), one sigmoid or a
    two-class softmax (binary), one per label (multi-label), one per step ahead (regression)."""
    if spec.num_classes == 0:
        return (spec.horizon,)
    return (1, 2) if spec.labels == "binary" else (spec.num_classes,)


def _check_outputs(
    config: Config, called: str, shape: tuple[int | None, ...] | None, spec: ModelSpec
) -> None:
    """A model whose output does not fit the targets is the factory's fault, named before
    fit (where TensorFlow's failure is a node dump, or MSE broadcasts a wrong width
    silently). ``shape`` None: not known without running the model."""
    widths = expected_width(spec)
    if shape is None or (len(shape) == 2 and shape[1] in widths):
        return
    expected = join_words([f"(None, {w})" for w in widths], "or")
    if spec.num_classes == 0:
        why = f"one output per step ahead (horizon {spec.horizon})"
    elif spec.labels == "binary":
        why = "one sigmoid or a softmax over the 2 classes"
    else:
        kind = "label" if spec.labels == "multilabel" else "class"
        why = f"one output per {kind} ({spec.num_classes} {kind}{'es' if kind == 'class' else 's'})"
    received = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    raise _error(
        config,
        f"{called} built a model whose output has shape {received}; expected {expected}, "
        f"{why}: end the model in Dense({widths[-1]})",
        FactoryError,
    )


def _declared_shape(model: keras.Model) -> tuple[Any, ...] | None:
    """The output shape a functional or Sequential model declares, None for a subclassed one
    (known only once it runs); several outputs as a tuple of their shapes, which fails."""
    try:
        shape = model.output_shape
    except (AttributeError, ValueError, RuntimeError):
        return None
    if isinstance(shape, list | dict):
        return tuple(shape.values() if isinstance(shape, dict) else shape)
    return tuple(shape) if isinstance(shape, tuple) else None


def _import(config: Config, name: str) -> ModuleType:
    """A module by file path (path/to/my_models.py, relative to the current folder) or by name
    (from the current folder or the Python path). Importing runs its code: the file is named
    on stderr first (once per process), and one inside a run folder is refused."""
    try:
        if name.endswith(".py"):
            path = Path(name)
            if not path.is_file():
                where = f"relative to the current folder {Path.cwd()}"
                raise _error(config, f"no file {name} ({where}); fix model.factory")
            _check_origin(config, path)
            spec = importlib.util.spec_from_file_location(path.stem, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            with (
                _looking_in([str(path.resolve().parent)]),
                _user_code(config, f"importing {name}", importing=True),
            ):
                spec.loader.exec_module(module)  # _looking_in: for its own imports
            return module
        with _looking_in([str(Path.cwd())]):
            found = importlib.util.find_spec(name)
            if found is not None and found.origin and Path(found.origin).is_file():
                _check_origin(config, Path(found.origin))
            with _user_code(config, f"importing {name}", importing=True):
                return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not name.startswith(exc.name):
            raise _error(config, f"importing {name} failed: {exc}") from None
        raise _error(
            config,
            f"no module {name!r} beside the config, in the current folder or on the Python path; "
            "put my_models.py beside the config or fix the name",
        ) from None
    except ConfigError:
        raise
    except Exception as exc:  # a bug in the user's module: a syntax error, say
        raise _error(config, f"importing {name} failed ({exc.__class__.__name__}: {exc})") from None


_announced: set[Path] = set()  # factory files this process named before importing them


def _check_origin(config: Config, path: Path) -> None:
    """Refuse a factory file inside a run folder (a folder received from someone else must
    not run its code here); name any other on stderr before it runs."""
    resolved = path.resolve()
    for folder in resolved.parents:
        if layout.config_file(folder).is_file() and layout.trials_dir(folder).is_dir():
            raise _error(
                config,
                f"{path} lies inside the run folder {folder}; a factory is imported only from "
                "where you keep your own code: move it beside your config",
            )
    if resolved not in _announced:
        _announced.add(resolved)
        print(f"note: importing the model factory {path} (its code runs)", file=sys.stderr)


def check_factory_model(config: Config, dataset: Dataset, build: Build) -> None:
    """Build once with the space's defaults, before any trial: a name the space does not
    declare, a result that is not a compiled model, or an objective it does not measure is
    a one-line error naming it."""
    hp = to_hyperparameters(config.space)
    declared = {p.name for p in hp.space}
    try:
        model = build(hp)
    except KeyError as exc:  # keras-tuner's hp.get: "NAME does not exist."
        name = str(exc.args[0]).removesuffix(" does not exist.") if exc.args else "?"
        raise _undeclared(config, name) from None
    except ConfigError:  # the factory's fault, said already (it exited, a wrong output shape)
        raise
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [""])[0][:200]
        raise _error(
            config,
            f"building the model with the space's default values failed "
            f"({exc.__class__.__name__}: {reason})",
        ) from None
    new = [p.name for p in hp.space if p.name not in declared]
    if new:
        raise _undeclared(config, new[0])
    if not isinstance(model, keras.Model) or getattr(model, "optimizer", None) is None:
        raise _error(config, f"returned {type(model).__name__}, not a compiled keras.Model")
    measured = _try_on_two(config, model, dataset)
    names = [*measured, *(f"val_{name}" for name in measured)]
    for metric in config.metrics:
        if metric not in names:
            raise ConfigError(
                f"{metric} is not measured by the factory's model, which compiles "
                f"{', '.join(measured)}; add it to compile(metrics=...) or set search.objective",
                file=config.file,
                key="search.objective",
            )


def _try_on_two(config: Config, model: keras.Model, dataset: Dataset) -> dict[str, Any]:
    """The model run on two validation samples: its output shape checked (a subclassed model
    declares none before it runs), then evaluated, for the names of the metrics it measures.
    A failure is one line (TensorFlow's own message is a node dump)."""
    x, y = dataset.x_val[:2], dataset.y_val[:2]
    try:
        outputs = model.predict(x, verbose=0)
        shape = (None, *np.shape(outputs)[1:]) if not isinstance(outputs, list | dict) else None
        if shape is None:  # several outputs
            shape = tuple(outputs.values() if isinstance(outputs, dict) else outputs)
            shape = tuple((None, *np.shape(o)[1:]) for o in shape)
        _check_outputs(config, "the factory", shape, ModelSpec.of(dataset))
        measured: dict[str, Any] = model.evaluate(x, y, verbose=0, return_dict=True)
    except ConfigError:
        raise
    except Exception as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        reason = next((ln for ln in lines if not ln.startswith(("Graph execution", "["))), "")
        raise _error(
            config,
            f"the factory's model failed on two validation samples ({exc.__class__.__name__}: "
            f"{reason[:200]}); check its input shape {dataset.input_shape} and its output",
        ) from None
    return measured


def _undeclared(config: Config, name: str) -> ConfigError:
    return _error(
        config,
        f"the factory reads {name!r}, which the space does not declare; add it to space, "
        f"e.g. {name}: [a, b]",
    )


def _error(config: Config, problem: str, kind: type[ConfigError] = ConfigError) -> ConfigError:
    file, line = config.file, None
    with contextlib.suppress(Exception):  # the line is a courtesy; the key says where
        file, line = yaml_lines.load_file(config.file).where(KEY)
    return kind(problem, file=file, line=line, key="model.factory")


@contextlib.contextmanager
def _looking_in(folders: list[str]) -> Iterator[None]:
    """sys.path with ``folders`` first, for the import only."""
    saved = list(sys.path)
    sys.path[:0] = [f for f in folders if f not in sys.path]
    try:
        yield
    finally:
        sys.path[:] = saved
