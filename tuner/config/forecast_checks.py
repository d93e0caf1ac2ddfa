"""The config checks of a forecasting run: many series, covariate roles, the space's window
and transform (tuner.config.schema calls them in order)."""

from __future__ import annotations

from tuner.config import yaml_lines
from tuner.config.sections import REGRESSION_DATASETS, DataSection
from tuner.config.space import Space


def check_covariates(src: yaml_lines.Source, data: DataSection) -> None:
    """data.covariates: each input column under one role at most, none the target or series."""
    assert data.covariates is not None
    both = set(data.covariates.future) & set(data.covariates.static)
    named = [data.target, data.series]
    for key, names in (("future", data.covariates.future), ("static", data.covariates.static)):
        clash = next((n for n in names if n in both or n in named), None)
        if clash is not None:
            what = (
                "the target"
                if clash == data.target
                else "the series column"
                if clash == data.series
                else "both future and static"
            )
            raise src.error(
                ("data", "covariates", key),
                f"'{clash}' is {what}; list each input column under one role at most",
            )


def check_transform(src: yaml_lines.Source, data: DataSection) -> None:
    """data.transform: a seasonal difference needs a season (the sine has its own)."""
    if "seasonal_difference" in data.transform and data.dataset == "csv" and data.period is None:
        raise src.error(
            ("data", "transform"),
            "seasonal_difference takes each value's change from one season before; set "
            "data.period to the season's length in steps",
        )


def check_many_series(src: yaml_lines.Source, data: DataSection) -> None:
    """data.series: series of different lengths are split by steps, not shares of a length."""
    if data.test_steps is None:
        raise src.error(
            ("data", "series"),
            "many series are tested on the last steps of each; set data.test_steps: N (e.g. "
            "data.horizon) to make every series' last N steps its test span",
        )
    if data.scaling == "series":
        raise src.error(
            ("data", "scaling"),
            "scaling: series standardizes by one series' training statistics, and data.series "
            "names many; use scaling: window (each window scaled by its own level and steps)",
        )


def window_in_steps(src: yaml_lines.Source, raw: object, data: DataSection) -> object:
    """The space as written, with ``window: {horizons: [k, ...]}`` (windows of k times
    data.horizon, NeuralForecast's input_size_multiplier) made the choice of those steps."""
    window = raw.get("window") if isinstance(raw, dict) else None
    if not isinstance(window, dict) or "horizons" not in window:
        return raw
    path = ("space", "window", "horizons")
    extra = sorted(set(window) - {"horizons", "when"})
    if extra:
        raise src.error(
            ("space", "window", extra[0]),
            "window: {horizons: [...]} takes no other key but when; give the multiples only",
        )
    multiples = window["horizons"]
    if (
        not isinstance(multiples, list)
        or not multiples
        or not all(isinstance(k, int) and not isinstance(k, bool) and k >= 1 for k in multiples)
    ):
        raise src.error(
            path, "expected a list of whole multiples of data.horizon, each >= 1, e.g. [2, 4, 8]"
        )
    steps = [k * data.horizon for k in dict.fromkeys(multiples)]
    written = {"values": steps, **({"when": window["when"]} if "when" in window else {})}
    assert isinstance(raw, dict)
    return {**raw, "window": written if len(steps) > 1 or "when" in window else steps[0]}


def windows_for(src: yaml_lines.Source, space: Space, data: DataSection) -> DataSection:
    """space.window: each trial reads the last `window` steps of windows of data.window
    steps, which is set to the space's longest (a longer data.window as written is kept)."""
    param = next((p for p in space.params if p.name == "window"), None)
    if param is None:
        return data
    if data.dataset not in REGRESSION_DATASETS:
        raise src.error(
            ("space", "window"),
            f"window is for forecasting (sine, csv), not {data.dataset}; remove it",
        )
    longest = int(max(param.values) if param.kind in ("fixed", "choice") else param.max)
    if "window" in data.model_fields_set and data.window < longest:
        raise src.error(
            ("data", "window"),
            f"{data.window} is shorter than space.window's longest ({longest}), which it must "
            "hold; remove data.window (it follows the space) or raise it",
        )
    return data.model_copy(
        update={"window": max(longest, data.window if "window" in data.model_fields_set else 0)}
    )


def check_space_transforms(src: yaml_lines.Source, space: Space, data: DataSection) -> None:
    """space.transform: a forecaster's, not beside data.transform, a period for a season."""
    param = next((p for p in space.params if p.name == "transform"), None)
    if param is None:
        return
    if data.dataset not in REGRESSION_DATASETS:
        raise src.error(
            ("space", "transform"),
            f"transform is for forecasting (sine, csv), not {data.dataset}; remove it",
        )
    if data.transform:
        raise src.error(
            ("space", "transform"),
            "transform is set in data.transform and in space.transform; keep one",
        )
    seasonal = any("seasonal_difference" in str(v) for v in param.values)
    if seasonal and data.dataset == "csv" and data.period is None:
        raise src.error(
            ("space", "transform"),
            "seasonal_difference takes each value's change from one season before; set "
            "data.period to the season's length in steps",
        )
