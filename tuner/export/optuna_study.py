"""A run's trials as an Optuna study, for optuna-dashboard and Optuna's own analysis.

Every trial becomes a study trial through Optuna's API (``create_trial``, ``add_trials``):
the parameters that vary, with their distributions from the space (a conditional one only
where it was active; the fixed ones are the study's user attribute ``fixed``), the objective
per epoch as intermediate values, the score as the value, the state (completed, pruned,
failed) and, as user attributes, our trial id, epochs and test metrics. The study is created
in the storage the user names (``sqlite:///study.db``); one of the same name already there is
refused rather than mixed with.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import optuna
from sqlalchemy.exc import SQLAlchemyError

from tuner.config.optuna_space import distribution, quiet
from tuner.config.space import Param
from tuner.config.storage import without_password
from tuner.errors import UserInputError
from tuner.numbers import is_finite_number
from tuner.run import records
from tuner.run.records import TrialRecord
from tuner.run.run import Run

STATES = {
    records.COMPLETED: optuna.trial.TrialState.COMPLETE,
    records.PRUNED: optuna.trial.TrialState.PRUNED,
    records.FAILED: optuna.trial.TrialState.FAIL,
}


def write_study(run: Run, storage: str, study_name: str | None = None) -> optuna.Study:
    """Create the study ``study_name`` (default: the run's name) in ``storage`` holding every
    trial of ``run``; returns it."""
    name = study_name or run.name
    shown = without_password(storage)  # messages name the storage, never its password
    direction: Literal["maximize", "minimize"] = "maximize" if _maximize(run) else "minimize"
    space = run.config.space.params if run.config else ()
    params = {p.name: p for p in space if p.varies}
    with quiet():
        try:
            study = optuna.create_study(storage=storage, study_name=name, direction=direction)
        except optuna.exceptions.DuplicatedStudyError:
            raise UserInputError(
                f"{shown} already holds a study named {name!r}; give another with --study, "
                "or delete that one (optuna delete-study)"
            ) from None
        except (ValueError, ImportError, SQLAlchemyError) as exc:  # a URL it cannot open
            lines = str(exc).strip().splitlines()
            reason = without_password(lines[0]) if lines else exc.__class__.__name__
            raise UserInputError(
                f"--optuna {shown}: cannot open it ({reason}); give a storage URL such as "
                "sqlite:///study.db"
            ) from None
        study.set_metric_names([run.objective])  # the dashboard's axis: val_accuracy, say
        study.set_user_attr("objective", run.objective)
        study.set_user_attr("run", str(run.path))
        study.set_user_attr("fixed", {p.name: p.values[0] for p in space if not p.varies})
        test = run.test or {}
        study.add_trials(
            [_trial(r, params, run.objective, test.get(r["trial_id"])) for r in run.records]
        )
    return study


def _maximize(run: Run) -> bool:
    if run.config is not None:
        return run.config.direction == "max"
    return bool(run.records) and run.records[0]["direction"] == "max"


def _trial(
    record: TrialRecord, params: dict[str, Param], objective: str, test: dict[str, float] | None
) -> optuna.trial.FrozenTrial:
    values = {k: v for k, v in record["hyperparameters"].items() if v is not None}
    mapped = {name: distribution(params[name]) for name in values if name in params}
    found = {name: d for name, d in mapped.items() if d is not None}
    state = STATES[record["status"]]
    score = record["score"]
    if state == optuna.trial.TrialState.COMPLETE and not is_finite_number(score):
        state = optuna.trial.TrialState.FAIL  # Optuna's COMPLETE needs a number
    history = record["history"].get(objective, [])
    attrs: dict[str, Any] = {
        "trial_id": record["trial_id"],
        "epochs_run": record["epochs_run"],
        "best_epoch": record["best_epoch"],
        "seconds": record["seconds"],
    }
    attrs.update({f"test_{k}": v for k, v in (test or {}).items() if is_finite_number(v)})
    if record.get("error"):
        attrs["error"] = record["error"]
    if record.get("pruned"):
        attrs["pruned"] = record["pruned"]
    trial = optuna.trial.create_trial(
        state=state,
        value=score if state == optuna.trial.TrialState.COMPLETE else None,
        params={name: values[name] for name in found},
        distributions=found,
        user_attrs=attrs,
        intermediate_values={e: v for e, v in enumerate(history, start=1) if is_finite_number(v)},
    )
    finished, seconds = record.get("finished_at"), record["seconds"]
    if (
        finished is not None and is_finite_number(finished) and is_finite_number(seconds)
    ):  # for the timeline
        trial.datetime_start = datetime.fromtimestamp(finished - seconds)
        trial.datetime_complete = datetime.fromtimestamp(finished)
    return trial
