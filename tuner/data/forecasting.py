"""A forecasting dataset's windows and what its test results need: the sine or the user's CSV
(one series, tuner.data.series; many, tuner.data.panel), split in time order, with the
scaling statistics of what the model sees and each series' baselines and MASE scale. No
Keras here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuner.config.sections import DataSection
from tuner.data import covariates, limits, panel, series, series_csv, transforms
from tuner.errors import DataError
from tuner.text import significant


@dataclass(frozen=True)
class Forecast:
    """What a regression dataset adds: its target, that target's training statistics, and
    for the test split the time of each target and the naive baselines' forecasts."""

    target: str
    window: int
    horizon: int
    period: int | None  # the seasonal naive baseline's season, in steps
    scale: series.TargetScale
    time_test: np.ndarray  # (test samples, horizon) labels of the predicted time steps
    baselines: dict[str, np.ndarray]  # name -> (test samples, horizon), in target units
    relative: bool = False  # data.scaling: window (the model sees windows relative to a level)
    # every series as the statistical baseline and MASE need it (tuner.data.statistical): its
    # whole target, its training part's length, its test windows' last input steps
    histories: tuple[series.SeriesHistory, ...] = ()
    scaling: str = "series"  # data.scaling, as the report's advice needs it
    # data.series: (test samples,) each test window's index in ``histories``; None: one series
    test_series: np.ndarray | None = None
    transform: tuple[str, ...] = ()  # data.transform, in order (tuner.data.transforms)
    standardize: bool = True  # data.normalize, and data.scaling is not none
    # (training + validation windows,) each one's first target in steps after the test span's
    # start (negative): where data.backtest cuts its rolling origins (tuner.data.backtest)
    pool_offsets: np.ndarray | None = None
    # data.series: (training + validation windows,) each one's index in ``histories``
    pool_series: np.ndarray | None = None

    @property
    def naive_mae(self) -> float:
        """One series' MASE denominator; NaN with many (each has its own: histories)."""
        return self.histories[0].naive_mae if len(self.histories) == 1 else float("nan")

    def mase_scales(self) -> tuple[np.ndarray | float, np.ndarray | None]:
        """(MASE's denominators, each test window's series): tuner.analysis.forecast.errors'
        naive_mae and series arguments."""
        if self.test_series is None:
            return self.naive_mae, None
        return np.array([h.naive_mae for h in self.histories]), self.test_series

    def pool_mase_scales(
        self, positions: np.ndarray
    ) -> tuple[np.ndarray | float, np.ndarray | None]:
        """mase_scales for the pool windows (training + validation) at ``positions``: what
        val_mase needs of the windows a fit validates on."""
        if self.pool_series is None:
            return self.naive_mae, None
        return np.array([h.naive_mae for h in self.histories]), self.pool_series[positions]


@dataclass(frozen=True)
class Windows:
    """What load_dataset makes of a series config: the three parts' windows, the input
    statistics (None: unscaled), the Forecast, where the data came from, and whether some
    window holds NaN steps before a short series' start."""

    parts: tuple[series.Part, series.Part, series.Part]
    mean: np.ndarray | None
    variance: np.ndarray | None
    forecast: Forecast
    origin: str
    padded: bool = False


def series_table(cfg: DataSection, seed: int) -> tuple[series.Table, str, int | None]:
    """The series a sine or csv config names: (its table, where it came from, its period)."""
    period: int | None = cfg.period
    if cfg.dataset == "sine":
        period = cfg.period or series.SINE_PERIOD
        with np.errstate(over="ignore", invalid="ignore"):  # said below, in one line
            wave = series.sine(cfg.length, period, cfg.noise, cfg.trend, seed)
        if not np.isfinite(wave).all():  # float32: a trend or noise past about 3.4e38
            raise DataError(
                f"noise {significant(cfg.noise, 6)} and trend {significant(cfg.trend, 6)} make "
                "values beyond the largest 32-bit float (about 3.4e38); give smaller ones",
                key="data.trend",
            )
        _, value = limits.largest(wave)
        noise, trend = significant(cfg.noise, 6), significant(cfg.trend, 6)
        too_large = limits.magnitude_problem(
            value, f"noise {noise} and trend {trend} make values up to", "give smaller ones"
        )
        if too_large:
            raise DataError(too_large, key="data.trend")
        table = series.Table(("value",), wave[:, None], np.arange(len(wave)).astype(str))
        return table, f"a seeded sine of {cfg.length} steps, period {period}", period
    assert cfg.path is not None and cfg.target is not None  # tuner.config checks both
    ahead = tuple(cfg.covariates.future) if cfg.covariates and cfg.covariates.future else None
    return series_csv.read_csv(cfg.path, cfg.target, cfg.series, ahead), cfg.path, period


def windows_of(cfg: DataSection, seed: int) -> Windows:
    """The windows of a sine or a CSV: one series split by shares or a test span
    (tuner.data.series.split), or many, each split by steps (tuner.data.panel)."""
    table, origin, period = series_table(cfg, seed)
    table = covariates.with_roles(table, cfg.covariates, cfg.horizon, cfg.path)
    table = table.rows(~np.isnan(table.values[:, 0]))  # rows ahead only lent their covariates
    which: np.ndarray | None = None  # many series: each test window's, each pool window's
    owners: np.ndarray | None = None
    if table.ids is not None:
        assert cfg.test_steps is not None  # tuner.config requires it with data.series
        made = panel.split_panel(
            table, cfg.window, cfg.horizon, cfg.validation_split, cfg.test_steps, period,
            cfg.path,
        )  # fmt: skip
        count = len(made.histories)
        origin = f"{origin} ({count} series)"
        parts, rows, histories = made.parts, made.train_rows, made.histories
        times, baselines, which = made.time_test, made.baselines, made.test_series
        offsets, owners = made.pool_offsets, made.pool_series
    else:
        target = table.values[:, 0]
        fractions = (cfg.validation_split, cfg.test_split)
        train, val, test = series.split(
            table.values, target, cfg.window, cfg.horizon, fractions, cfg.path, cfg.test_steps
        )
        parts = (train, val, test)
        cuts = series.bounds(len(target), *fractions, cfg.test_steps)
        rows = table.values[: cuts[0][1]]
        offsets = np.concatenate([train.starts, val.starts]) + cfg.window - cuts[2][0]
        origins = test.starts + cfg.window - 1
        naive = series.naive_mae(rows[:, 0], period)
        histories = (series.SeriesHistory(table.columns[0], target, len(rows), origins, naive),)
        times = series.target_times(table.time, test.starts, cfg.window, cfg.horizon)
        baselines = series.baselines(target, test.starts, cfg.window, cfg.horizon, period)
    standardize = cfg.normalize and cfg.scaling != "none"
    relative = cfg.scaling == "window"
    chain = tuple(cfg.transform)
    check_transform(chain, histories, cfg)
    if chain or relative:
        mean, variance, scale = seen_statistics(parts[0], chain, period, relative, standardize)
    else:  # the training part's own rows (a window-free mean and deviation)
        mean, variance = statistics(rows[:, None])
        scale = series.target_scale(rows[:, 0], standardize)
    forecast = Forecast(
        target=table.columns[0],
        window=cfg.window,
        horizon=cfg.horizon,
        period=period,
        scale=scale,
        relative=relative,
        histories=histories,
        scaling=cfg.scaling,
        time_test=times,
        baselines=baselines,
        test_series=which,
        pool_offsets=offsets,
        pool_series=owners,
        transform=chain,
        standardize=standardize,
    )
    padded = bool(np.isnan(parts[0].x).any())
    if not standardize:
        return Windows(parts, None, None, forecast, origin, padded)
    return Windows(parts, mean, variance, forecast, origin, padded)


def seen_statistics(
    train: series.Part,
    chain: tuple[str, ...],
    period: int | None,
    relative: bool,
    standardize: bool,
) -> tuple[np.ndarray, np.ndarray, series.TargetScale]:
    """The input statistics and target scale of what the model sees of the training windows:
    transformed (data.transform) and, under data.scaling: window, relative to each window's
    level. A trial that tunes space.transform gets its own (tuner.engine.model)."""
    seen_x, seen_y = transforms.transform_windows(train.x, train.y, chain, period)
    assert seen_y is not None
    if relative:
        seen_x, seen_y = series.relative_windows(seen_x), series.relative_targets(seen_x, seen_y)
    mean, variance = statistics(seen_x)
    return mean, variance, series.target_scale(seen_y.ravel(), standardize)


def check_transform(
    chain: tuple[str, ...], histories: tuple[series.SeriesHistory, ...], cfg: DataSection
) -> None:
    """log needs a positive target; seasonal_difference a window of at least one season (the
    chain of data.transform, or every chain space.transform may choose)."""
    if "log" in chain:
        for history in histories:
            at = transforms.non_positive(history.target)
            if at is not None:
                where = f"series '{history.id}' has" if len(histories) > 1 else "the target has"
                raise DataError(
                    f"{where} {significant(float(history.target[at]), 6)} at its step {at + 1}, "
                    "and log takes positive values only; remove log from the transforms "
                    "(data.transform, space.transform)",
                    file=cfg.path,
                    key="data.transform",
                )
    period = cfg.period or (series.SINE_PERIOD if cfg.dataset == "sine" else None)
    if "seasonal_difference" in chain and period and cfg.window < period:
        raise DataError(
            f"seasonal_difference looks {period} steps back (data.period), more than the "
            f"window's {cfg.window}; raise data.window to at least {period}",
            file=cfg.path,
            key="data.window",
        )


def statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each feature's mean and variance over samples and steps of (n, steps, features), NaN
    padding left out, summed in float64 (squares of values up to limits.MAX_MAGNITUDE
    overflow a float32 sum)."""
    mean = np.nanmean(x, axis=(0, 1), dtype="float64")
    variance = np.nanvar(x, axis=(0, 1), dtype="float64")
    return mean.astype("float32"), variance.astype("float32")
