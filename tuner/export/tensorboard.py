"""A run's trials as TensorBoard logs: per-epoch scalars and the HParams dashboard.

Written after the fact from the records (nothing during training), with TensorBoard's own
summary protobufs and event writer: TensorFlow is not needed (TensorBoard uses it where it is
installed), so any Keras backend works:

    DIR/                 the HParams experiment: every hyperparameter with its domain from
                         the space, and the metrics (objective, other scores, test scores)
    DIR/<trial_id>/      one session per trial: its hyperparameters, every history metric
                         per epoch (step = epoch, from 1), its score and any test metrics

`tensorboard --logdir DIR` then shows the scalars and, under HPARAMS, the runs table and
parallel coordinates. Writing again replaces the experiment file and these trials' folders in
DIR, and nothing else there. With search.tensorboard the search writes each trial's session to
runs/<name>/tensorboard/ as it finishes, and everything again (test scores too) at its end.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.hparams import summary_v2 as hparams
from tensorboard.plugins.scalar.summary_v2 import scalar_pb
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from tuner.config.space import Param
from tuner.numbers import is_finite_number
from tuner.run.records import TrialRecord
from tuner.run.run import Run

EVENTS_PREFIX = "events.out.tfevents."  # the files TensorBoard's writer makes

SCORE = "score"  # the objective at the best epoch (the search's ranking), one scalar per trial


def write_tensorboard(run: Run, out: Path) -> int:
    """Write ``run``'s experiment and every trial's session under ``out``; returns the count."""
    for record in run.records:
        _remove_earlier_session(out / record["trial_id"])
        write_trial(out, record, (run.test or {}).get(record["trial_id"]))
    write_experiment(run, out)
    return len(run.records)


def _remove_earlier_session(folder: Path) -> None:
    """An earlier export's session of a trial (a folder of TensorBoard event files only) is
    replaced; a folder holding anything else is not ours, and stays."""
    if folder.is_symlink() or not folder.is_dir():
        return
    files = [p for p in folder.rglob("*") if not p.is_dir()]
    if all(p.name.startswith(EVENTS_PREFIX) and not p.is_symlink() for p in files):
        shutil.rmtree(folder, ignore_errors=True)


def write_experiment(run: Run, out: Path) -> None:
    """The HParams experiment in ``out`` itself, replacing an earlier one."""
    for old in out.glob(f"{EVENTS_PREFIX}*"):
        old.unlink(missing_ok=True)  # a worker may have replaced it just now
    params = [p for p in run.config.space.params if p.varies] if run.config else []
    metrics = _metric_names(run)
    created = min((r.get("finished_at", time.time()) for r in run.records), default=time.time())
    experiment = hparams.hparams_config_pb(
        hparams=[hparams.HParam(p.name, _domain(p)) for p in params],
        metrics=[hparams.Metric(name) for name in metrics],
        time_created_secs=created,
    )
    _write(out, [(0, experiment)], created)


def _metric_names(run: Run) -> list[str]:
    """The objective's score first, then every history metric, then the test metrics."""
    history = dict.fromkeys(name for r in run.records for name in r["history"])
    tests = dict.fromkeys(f"test_{m}" for scores in (run.test or {}).values() for m in scores)
    return [SCORE, *history, *tests]


def _domain(param: Param) -> Any:
    if param.kind == "int":
        return hparams.IntInterval(int(param.min), int(param.max))
    if param.kind == "float":
        return hparams.RealInterval(float(param.min), float(param.max))
    values = list(param.values)
    if all(map(is_finite_number, values)):
        values = [float(v) for v in values]  # [0, 1.0e-5]: one type, as HParams requires
    elif not all(isinstance(v, type(values[0])) for v in values):
        values = [str(v) for v in values]
    return hparams.Discrete(values)


def _session_values(record: TrialRecord) -> dict[str, Any]:
    """The trial's values HParams can hold: an inactive conditional (None) is left out."""
    return {k: v for k, v in record["hyperparameters"].items() if v is not None}


def write_trial(out: Path, record: TrialRecord, test: dict[str, float] | None = None) -> None:
    """One trial's session in out/<trial_id>/: hyperparameters, scalars, score, test metrics."""
    started = float(record.get("finished_at", time.time())) - float(record["seconds"] or 0)
    session = hparams.hparams_pb(
        _session_values(record), trial_id=record["trial_id"], start_time_secs=started
    )
    summaries: list[tuple[int, summary_pb2.Summary]] = [(0, session)]
    for name, values in record["history"].items():
        summaries += [(epoch, scalar_pb(name, v)) for epoch, v in enumerate(values, start=1)]
    last = max(record["epochs_run"], 1)
    if record["score"] is not None:
        summaries.append((last, scalar_pb(SCORE, record["score"])))
    for name, value in (test or {}).items():
        if is_finite_number(value):
            summaries.append((last, scalar_pb(f"test_{name}", value)))
    _write(out / record["trial_id"], summaries, started)


def _write(folder: Path, summaries: list[tuple[int, summary_pb2.Summary]], wall: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    writer = EventFileWriter(str(folder))
    try:
        for step, summary in summaries:
            writer.add_event(event_pb2.Event(wall_time=wall, step=step, summary=summary))
    finally:
        writer.close()
