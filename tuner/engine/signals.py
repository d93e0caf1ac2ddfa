"""Ctrl-C and SIGTERM stop a search cleanly.

A KeyboardInterrupt raised at an arbitrary point can land inside a weakref callback deep in
TensorFlow, where Python only prints "Exception ignored" and training goes on. So the first
signal only sets a flag and asks the model being trained to stop (``model.stop_training``,
which every Keras backend reads after each batch); once fit returns, the search raises
Interrupted from a known place, which keras-tuner lets through (it catches Exception, not
BaseException), leaving the unfinished trial for keras-tuner to re-run on resume. A second
Ctrl-C stops at once.

No per-batch callback does the checking: a batch-level callback makes Keras wait for every
step to finish before starting the next (measured 1.5x slower per epoch on an H100 with JAX).
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
_received: list[int] = []
_training: list[Any] = []  # the model being trained now, if any


class Interrupted(KeyboardInterrupt):
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = EXIT_CODES.get(signal.Signals(signum), 130)


@contextlib.contextmanager
def installed() -> Iterator[None]:
    """Route SIGINT and SIGTERM to the flag while the block runs (main thread only, as Python
    requires), then put the previous handlers back."""
    _received.clear()
    previous = {signum: signal.getsignal(signum) for signum in EXIT_CODES}
    for signum in EXIT_CODES:
        signal.signal(signum, _handle)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _training.clear()


def _handle(signum: int, frame: FrameType | None) -> None:
    if _received:  # the second signal: stop now, wherever we are
        raise Interrupted(signum)
    _received.append(signum)
    for model in _training:
        model.stop_training = True
    print(
        f"\n{signal.Signals(signum).name}: stopping after this batch; finished trials are kept",
        file=sys.stderr,
        flush=True,
    )


def watch(model: Any) -> None:
    """Make ``model`` the one a signal stops (and stop it now if one already came)."""
    _training[:] = [model]
    if _received:
        model.stop_training = True


def from_user(exc: KeyboardInterrupt) -> bool:
    """Whether ``exc`` is the user's Ctrl-C or SIGTERM, not a KeyboardInterrupt some code
    raised itself (a model factory's ``raise KeyboardInterrupt``). While our handlers are
    installed a real signal only sets the flag, or raises Interrupted on the second one;
    without them (an import outside a search) every KeyboardInterrupt is taken as real."""
    ours = signal.getsignal(signal.SIGINT) is _handle
    return isinstance(exc, Interrupted) or bool(_received) or not ours


def received() -> tuple[int, ...]:
    """The signals that came while the handlers were installed, in order."""
    return tuple(_received)


def check() -> None:
    """Raise Interrupted if a stop was asked for."""
    if _received:
        raise Interrupted(_received[0])
