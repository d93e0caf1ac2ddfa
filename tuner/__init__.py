"""Hyperparameter search for recurrent Keras models, declared in YAML.

The Python API (tuner.api) is imported on first use, so `import tuner` stays instant and
imports neither Keras nor pandas: tuner.search, load_trials, load_history, report,
best_model, predict and forecast.
"""

from typing import Any

__version__ = "0.1.0"
__all__ = [
    "best_model",
    "forecast",
    "load_history",
    "load_trials",
    "predict",
    "report",
    "search",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from tuner import api

        return getattr(api, name)
    raise AttributeError(f"module 'tuner' has no attribute {name!r}")
