"""What a search prints: a line per finished epoch of the running trial (overwritten in place
on a terminal), one line per finished trial, and a bar with the time left."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tuner.run.records import TrialRecord, score_of
from tuner.text import decimals, percent, value_text

BAR_WIDTH = 24


def format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    """Prints to ``stream`` (stderr by default) as trials finish; resumed trials count as done."""

    def __init__(self, total: int, varying: list[str], done: int = 0, stream: TextIO | None = None):
        self.total = total
        self.varying = varying
        self.done_before = done
        self.done = done
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.in_place = self.stream.isatty()  # a terminal: the epoch line overwrites itself
        self._epoch_shown = False

    def trial_line(self, record: TrialRecord, best: TrialRecord | None) -> str:
        params = " ".join(
            f"{name}={value_text(name, record['hyperparameters'][name])}"
            for name in self.varying
            if name in record["hyperparameters"]
        )
        if record["status"] == "completed":
            outcome = f"{record['objective']}={decimals(score_of(record), 4)}"
        elif record["status"] == "pruned":
            outcome = f"{record['objective']}={decimals(score_of(record), 4)}, pruned"
        else:
            outcome = f"FAILED ({record['error']})"
        stopped = record["stopped_early"] and record["status"] != "pruned"
        early = ", stopped early" if stopped else ""
        best_text = (
            f"best {decimals(score_of(best), 4)} (trial {best['trial_id']})"
            if best
            else "no best yet"
        )
        width = len(str(self.total))
        seconds = format_seconds(record["seconds"])
        return (
            f"[{self.done:>{width}}/{self.total}] trial {record['trial_id']} {params} -> {outcome} "
            f"| {record['epochs_run']} epochs{early} | {seconds} | {best_text}"
        )

    def bar(self) -> str:
        fraction = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = int(round(fraction * BAR_WIDTH))
        elapsed = time.monotonic() - self.started
        ran = self.done - self.done_before
        left = ""
        if ran > 0 and self.done < self.total:
            left = f", ~{format_seconds(elapsed / ran * (self.total - self.done))} left"
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        return f"  [{bar}] {percent(fraction):>4} {format_seconds(elapsed)} elapsed{left}"

    def epoch_line(
        self, trial_id: str, epoch: int, epochs: int, metrics: dict[str, float], objective: str
    ) -> str:
        shown = [name for name in dict.fromkeys((objective, "loss")) if name in metrics]
        values = " ".join(f"{name} {decimals(metrics[name], 4)}" for name in shown)
        return f"  trial {trial_id} epoch {epoch}/{epochs}: {values}"

    def epoch_finished(
        self, trial_id: str, epoch: int, epochs: int, metrics: dict[str, float], objective: str
    ) -> None:
        """On a terminal, one line rewritten at every epoch; elsewhere a plain line each."""
        line = self.epoch_line(trial_id, epoch, epochs, metrics, objective)
        if self.in_place:
            print(f"\r\033[K{line}", end="", file=self.stream, flush=True)
            self._epoch_shown = True
        else:
            print(line, file=self.stream, flush=True)

    def trial_finished(self, record: TrialRecord, best: TrialRecord | None) -> None:
        self.done += 1
        if self._epoch_shown:  # clear the epoch line before the trial's own
            print("\r\033[K", end="", file=self.stream)
            self._epoch_shown = False
        print(self.trial_line(record, best), file=self.stream)
        print(self.bar(), file=self.stream, flush=True)
