"""Noise that reached the terminal and said nothing a user can act on: keras-tuner's
"Reloading Tuner from ..." on every resume, and TensorFlow's tf.function retracing warning
each time a new model runs. Both are held back; everything else printed or logged still shows."""

from __future__ import annotations

import logging

import pytest

from tuner.engine import backend, kt_compat


def test_the_reload_line_is_held_back_and_other_output_is_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with kt_compat.without_reload_line():
        print("Reloading Tuner from runs/x/kt/tuner0.json")
        print("Search: Running Trial #3")
    assert capsys.readouterr().out == "Search: Running Trial #3\n"


def test_output_before_an_error_is_still_shown(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RuntimeError), kt_compat.without_reload_line():
        print("built the model")
        raise RuntimeError("boom")
    assert capsys.readouterr().out == "built the model\n"


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_tensorflows_retracing_warning_is_dropped_and_its_others_are_kept() -> None:
    assert backend.activate("tensorflow") == "tensorflow"
    logger, kept = logging.getLogger("tensorflow"), _Kept()
    logger.addHandler(kept)
    try:
        logger.warning(
            "5 out of the last 5 calls to <function f> triggered tf.function retracing. "
            "Tracing is expensive."
        )
        logger.warning("another warning")
    finally:
        logger.removeHandler(kept)
    assert kept.messages == ["another warning"]
