"""What a search prints while it runs: a line per finished epoch, overwritten in place on a
terminal and plain elsewhere, then one line per finished trial."""

from __future__ import annotations

import io

from helpers.records import make_record

from tuner.engine.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_epoch_lines_are_plain_lines_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(3, ["units"], stream=stream)
    for epoch in (1, 2):
        progress.epoch_finished("04", epoch, 20, {"loss": 0.5, "val_accuracy": 0.9}, "val_accuracy")
    assert stream.getvalue().splitlines() == [
        "  trial 04 epoch 1/20: val_accuracy 0.9000 loss 0.5000",
        "  trial 04 epoch 2/20: val_accuracy 0.9000 loss 0.5000",
    ]


def test_on_a_terminal_the_epoch_line_is_rewritten_and_cleared_before_the_trial_line() -> None:
    stream = Terminal()
    progress = Progress(3, ["units"], stream=stream)
    progress.epoch_finished("0", 1, 2, {"loss": 0.7}, "val_loss")
    progress.epoch_finished("0", 2, 2, {"loss": 0.6}, "val_loss")
    progress.trial_finished(make_record("0", 1, 0.5, hyperparameters={"units": 8}), None)
    out = stream.getvalue()
    assert out.startswith("\r\x1b[K  trial 0 epoch 1/2: loss 0.7000\r\x1b[K  trial 0 epoch 2/2")
    assert "\n" not in out.split("[1/3]")[0]  # no epoch line was left standing
    assert "\r\x1b[K[1/3] trial 0 units=8 -> val_accuracy=0.5000" in out
