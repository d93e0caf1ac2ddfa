"""Pick the Keras backend and import Keras once, quietly.

KERAS_BACKEND must be set before the first ``import keras``; the environment wins over the
config. TensorFlow's C++ runtime prints several lines of start-up notices on stderr that no
setting silences, so the import runs with stderr captured, and the capture is shown only if
the import fails. TensorFlow's Python logger warns that a tf.function "triggered retracing"
each time a new model (every trial, every repeat) runs its first batch: expected in a search,
and nothing a user can act on, so those records are dropped; its other warnings still show.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import tempfile

RETRACING = "triggered tf.function retracing"


def activate(backend: str) -> str:
    """Import Keras on ``backend`` unless KERAS_BACKEND says otherwise; returns the one in use."""
    os.environ.setdefault("KERAS_BACKEND", backend)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "keras" not in sys.modules:
        _quiet_import()
    import keras

    if not gc.get_freeze_count():
        _freeze_imported_objects()

    if keras.backend.backend() == "tensorflow":
        _drop_retracing_warnings(logging.getLogger("tensorflow"))

    return str(keras.backend.backend())


def _freeze_imported_objects() -> None:
    """Leave the objects alive at Keras' first activation, mostly what the imports made
    (TensorFlow's alone are about half a million), out of every later garbage collection.
    keras.backend.clear_session(), which keras-tuner calls before building each trial's model
    and loading each exported one, runs gc.collect(): 0.2 s a call over that heap on 2 cores,
    60 microseconds once it is frozen. The imports live as long as the process; of the few
    other objects (a script's own, before its first tuner.search), only a reference cycle
    dropped later stays in memory: reference counting still frees everything else."""
    gc.collect()
    gc.freeze()


def _quiet_import() -> None:
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import keras

            # The first tensor starts the runtime, which probes for GPUs and complains too.
            keras.ops.convert_to_tensor(0.0)
        except BaseException:
            os.dup2(saved, 2)
            capture.seek(0)
            sys.stderr.write(capture.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _drop_retracing_warnings(logger: logging.Logger) -> None:
    if not any(isinstance(f, _NotRetracing) for f in logger.filters):
        logger.addFilter(_NotRetracing())


class _NotRetracing(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return RETRACING not in record.getMessage()
