"""A factory model that Keras cannot load back (a Lambda layer) is refused at export in one
line that says what to do, and leaves no best/model.keras that only looks exported; with the
layer written as a registered class, the same search (its trials kept) exports a model that
tuner.best_model loads, and that the CLI loads once told the factory to import."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers.cli import run_tuner

from tuner.errors import ConfigError

FACTORY = """
import keras
from keras import ops

{layer}

def build(hp):
    inputs = keras.Input(shape=(8, 8))
    x = {flip}(inputs)
    x = keras.layers.GRU(hp.get("units"))(x)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""
LAMBDA = FACTORY.format(layer="", flip="keras.layers.Lambda(lambda t: ops.flip(t, axis=1))")
REGISTERED = FACTORY.format(
    layer=(
        '@keras.saving.register_keras_serializable(package="lambda_test")\n'
        "class Flip(keras.layers.Layer):\n"
        "    def call(self, t):\n"
        "        return ops.flip(t, axis=1)\n"
    ),
    flip="Flip()",
)


@pytest.mark.slow
def test_a_lambda_layer_is_refused_at_export_and_a_registered_layer_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tuner

    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    factory = tmp_path / "flip.py"
    factory.write_text(LAMBDA)
    config = {
        "name": "flip",
        "data": {"dataset": "digits", "limit": 60},
        "model": {"factory": f"{factory}:build"},
        "space": {"units": 4, "batch_size": 32},
        "search": {"algorithm": "random", "max_trials": 1, "epochs": 1, "cv": None},
        "report": {"top_k": 1},
    }
    run = tmp_path / "runs" / "flip"
    with pytest.raises(ConfigError) as refused:
        tuner.search(config, runs=tmp_path / "runs")
    model = run / "best" / "model.keras"
    message = str(refused.value)
    assert message.startswith(
        f"the config dict: model.factory: the best model, saved to {model}, cannot be loaded "
        "back by Keras (ValueError: Requested the deserialization of a `Lambda` layer whose "
        "`function` is a Python lambda."
    )
    assert message.endswith(
        "so it was not kept; in the factory, replace each Lambda layer with a small "
        "keras.layers.Layer subclass and register every custom layer with "
        "@keras.saving.register_keras_serializable(), then run the same search again (the "
        "trials are kept and best/ is exported anew)"
    )
    assert "\n" not in message and "\x1b" not in message
    assert not model.exists() and not (run / "best" / "test.json").exists()
    assert len(list((run / "trials").glob("*.json"))) == 1  # the trial is kept
    with pytest.raises(tuner.errors.UserInputError, match="no best model at"):
        tuner.best_model(run)

    factory.write_text(REGISTERED)
    assert tuner.search(config, runs=tmp_path / "runs") == run  # resumed: exported anew
    assert len(list((run / "trials").glob("*.json"))) == 1
    loaded = tuner.best_model(run)
    assert type(loaded.layers[1]).__name__ == "Flip"

    # In a fresh process Keras knows the layer once the factory module is imported, and only
    # a module the user names is imported.
    from sklearn.datasets import load_digits

    from tuner import service

    digits = load_digits()
    np.savez(tmp_path / "digits.npz", x=digits.images[:20], y=digits.target[:20])
    images = digits.images[:20].copy()
    images[0, 7] = np.nan  # a model trained on 8 steps without padding does not mask it
    np.savez(tmp_path / "nan.npz", x=images, y=digits.target[:20])
    with pytest.raises(tuner.errors.DataError) as refused:
        service.evaluate(run, tmp_path / "nan.npz")
    assert str(refused.value) == (
        f"{tmp_path / 'nan.npz'}: x: x holds NaN, but the model was trained on sequences of 8 "
        "steps without padding and does not mask it; give numbers only (clean them first)"
    )
    plain = run_tuner("evaluate", str(run), "--data", "digits.npz", cwd=tmp_path)
    assert plain.returncode == 2
    assert plain.stderr.splitlines()[-1] == (
        f"error: {run}: {model} uses the custom class 'Flip', which Keras knows only "
        "once the module that registers it is imported: name the run's model factory (tuner "
        "evaluate or predict RUN --factory MODULE:FUNCTION), or in Python import that module "
        "before loading"
    )
    named = run_tuner(
        "predict", str(run), "--data", "digits.npz", "--factory", f"{factory}:build", cwd=tmp_path
    )
    assert named.returncode == 0, named.stderr
    assert f"note: importing the model factory {factory} (its code runs)" in named.stderr
    assert named.stdout.splitlines()[0].startswith("index,class,probability_0,probability_1,")
    assert len(named.stdout.splitlines()) == 21
