"""The statistical baseline of a forecast: exponential smoothing (ETS) from statsmodels.

Why statsmodels' ETSModel and not statsforecast's AutoETS: it installs with scipy and pandas
alone (statsforecast brings numba, whose compilation costs each new process seconds), and its
``smooth`` runs the fitted model's filter over any series with fixed parameters, which is what
a forecast from many origins needs. The model: additive errors, an additive damped trend
(Gardner and McKenzie; damping keeps long horizons from running away) and, with a period and
two full seasons of training data, an additive season: the usual strong default in the M3 and
M4 comparisons.

Fitted on the training part only; its filter then runs over the whole series with those
parameters. A filter is causal, so its state at an origin has seen nothing after it, and each
test window's forecast is the ETS forecast from that window's last step.
"""

from __future__ import annotations

import warnings

import numpy as np

NAME = "ets"


def ets_forecasts(
    target: np.ndarray, train_steps: int, origins: np.ndarray, horizon: int, period: int | None
) -> np.ndarray | None:
    """(origins, horizon) ETS forecasts, each from the step ``origins[i]`` on; None where
    the training part is too short for the model or the fit fails."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    history = np.asarray(target, "float64")
    seasonal = period is not None and train_steps >= 2 * period + 2
    spec = {
        "error": "add",
        "trend": "add",
        "damped_trend": True,
        "seasonal": "add" if seasonal else None,
        "seasonal_periods": period if seasonal else None,
    }
    if train_steps < 10 or len(origins) == 0:
        return None
    try:
        with warnings.catch_warnings():  # convergence chatter: the fit is used as it ends
            warnings.simplefilter("ignore")
            fitted = ETSModel(history[:train_steps], **spec).fit(disp=False)
            states = ETSModel(history, **spec).smooth(fitted.params)
    except (ValueError, np.linalg.LinAlgError):
        return None
    level, slope = np.asarray(states.level), np.asarray(states.slope)
    phi = float(states.damping_trend)
    ahead = np.arange(1, horizon + 1)
    damped = np.cumsum(phi**ahead)  # phi + phi^2 + ... + phi^h
    out = level[origins][:, None] + damped[None, :] * slope[origins][:, None]
    if seasonal:
        assert period is not None
        season = np.asarray(states.season)
        back = origins[:, None] + ahead[None, :] - period * ((ahead[None, :] - 1) // period + 1)
        out = out + season[back]
    return out.astype("float32")
