"""The run folder, the only contract between the engine that writes it and the report that
reads it: layout (every path), atomic (crash-safe writes), records (TrialRecord, one per trial),
folder (creating, locking and resuming a run; run.json), results (best/test.json and
predictions.npz), run (Run: a whole folder as the report reads it)."""

from tuner.run.records import TrialRecord, read_records
from tuner.run.run import Run, load_run

__all__ = ["Run", "TrialRecord", "load_run", "read_records"]
