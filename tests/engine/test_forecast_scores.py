"""val_mase and val_smape as objectives: each epoch's value is the test's formula
(tuner.analysis.forecast.errors) applied to the validation windows of the fit, split or
backtest window, with each series' own MASE scale; early stopping minimizes them. Real Keras
on generated series, two epochs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tuner.config.schema import from_source
from tuner.config.yaml_lines import load_text
from tuner.data.synthetic_series import write_many_monthly

pytestmark = pytest.mark.slow

CONFIG = """\
name: scores
seed: 3
data: {{dataset: csv, path: {path}, target: value, series: series, window: 12, horizon: 2,
        period: 12, test_steps: 4{extra}}}
space: {{units: 4, batch_size: 16}}
search: {{algorithm: random, max_trials: 1, epochs: 2, objective: val_mase,
          early_stopping: {{monitor: val_smape, patience: 5}}}}
"""


@pytest.mark.parametrize("backtest", [False, True], ids=["split", "backtest window"])
def test_val_mase_is_the_mase_of_the_windows_the_fit_validates_on(
    tmp_path: Path, backtest: bool
) -> None:
    from tuner.analysis.forecast import errors
    from tuner.data import folds
    from tuner.data.datasets import load_dataset
    from tuner.engine import recipe
    from tuner.engine.hyperparameters import to_hyperparameters

    path = write_many_monthly(4, tmp_path / "many.csv", count=3, shortest=40, longest=60)
    extra = ", backtest: {windows: 2, step: 3}" if backtest else ""
    config = from_source(load_text(CONFIG.format(path=path, extra=extra), file="s.yaml"))
    assert config.direction == "min"
    dataset = load_dataset(config.data, config.seed)
    forecast = dataset.forecast
    assert forecast is not None and forecast.pool_series is not None
    plan = recipe.validation_plan(config, dataset)
    fold = plan.folds[1] if backtest else None
    record = {"trial_id": "0", "hyperparameters": to_hyperparameters(config.space).values}
    model, history = recipe.train_again(
        config,
        dataset,
        record,
        epochs=2,
        validate=True,
        fold=fold,  # type: ignore[arg-type]
    )
    if fold is None:
        x, y = dataset.x_val, dataset.y_val
        series = forecast.pool_series[len(dataset.x_train) :]
    else:
        _, _, x, y = folds.fold_arrays(dataset, fold)
        series = forecast.pool_series[fold.validation]
    assert len(np.unique(series)) == 3  # every series validates
    scales = np.array([h.naive_mae for h in forecast.histories])
    expected = errors(y, model.predict(x, verbose=0), scales, series)
    assert history.history["val_mase"][-1] == pytest.approx(expected["mase"], rel=1e-5)
    assert history.history["val_smape"][-1] == pytest.approx(expected["smape"], rel=1e-5)
    # Not the pooled MAE over one scale: the series' own scales matter (sizes differ 10x+).
    pooled = errors(y, model.predict(x, verbose=0), float(scales.mean()))["mase"]
    assert history.history["val_mase"][-1] != pytest.approx(pooled, rel=1e-3)


def test_val_mase_is_refused_in_one_line_for_a_classifier(tmp_path: Path) -> None:
    from tuner.errors import ConfigError

    text = (
        "name: c\ndata: {dataset: digits}\nspace: {units: [4, 8]}\nsearch: {objective: val_mase}\n"
    )
    with pytest.raises(ConfigError, match="val_mase is not measured on digits"):
        from_source(load_text(text, file="c.yaml"))
