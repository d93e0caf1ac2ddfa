"""tuner export: a real run's trials read back by TensorBoard's own event reader (scalars and
the HParams experiment and sessions) and by Optuna's own load_study (parameters where active,
intermediate values, states), and Optuna's importance evaluator runs on the study."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run_tuner

pytestmark = pytest.mark.slow
VARYING = {"optimizer", "momentum", "learning_rate"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A grid search with a conditional parameter (momentum under SGD), a diverging learning
    rate (failed trials) and median pruning, exported through the CLI into both tools."""
    import yaml

    root = tmp_path_factory.mktemp("export")
    config = {
        "name": "exported",
        "seed": 5,
        "data": {"dataset": "digits", "limit": 160},
        "space": {
            "units": 8,
            "optimizer": ["sgd", "adam"],
            "momentum": {"values": [0.8, 0.95], "when": {"optimizer": "sgd"}},
            "learning_rate": [3.0e-2, 1.0e-5, 1.0e38],  # good, hopeless, diverging
            "batch_size": 32,
        },
        "search": {
            "algorithm": "grid",
            "max_trials": 9,
            "epochs": 2,
            "early_stopping": None,
            "pruning": {"rule": "median", "warmup_epochs": 0, "min_trials": 1},
            "tensorboard": True,
            "cv": None,
        },
        "report": {"top_k": 2},
    }
    (root / "exported.yaml").write_text(yaml.safe_dump(config))
    searched = run_tuner("search", "exported.yaml", cwd=root, timeout=300)
    assert searched.returncode == 0, searched.stderr
    run = root / "runs" / "exported"
    records = [json.loads(p.read_text()) for p in (run / "trials").glob("*.json")]
    storage = f"sqlite:///{root / 'study.db'}"
    done = run_tuner(
        "export", str(run), "--tensorboard", str(root / "tb"), "--optuna", storage, cwd=root
    )
    assert done.returncode == 0, done.stderr
    assert f"next: tensorboard --logdir {root / 'tb'}" in done.stdout
    assert f"next: optuna-dashboard {storage}" in done.stdout
    test = json.loads((run / "best" / "test.json").read_text())
    return {"root": root, "run": run, "records": records, "storage": storage, "test": test}


def test_the_run_has_every_trial_state(exported: dict[str, Any]) -> None:
    statuses = {r["status"] for r in exported["records"]}
    assert statuses == {"completed", "pruned", "failed"}, statuses


def _accumulator(folder: Path) -> Any:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    accumulator.Reload()
    return accumulator


def _plugin_data(accumulator: Any, tag: str) -> Any:
    from tensorboard.plugins.hparams import plugin_data_pb2

    content = accumulator.PluginTagToContent("hparams")[tag]
    return plugin_data_pb2.HParamsPluginData.FromString(content)


def test_tensorboard_reads_every_trials_scalars_and_hparams_session(
    exported: dict[str, Any],
) -> None:
    from tensorboard.util import tensor_util

    tb = exported["root"] / "tb"
    experiment = _plugin_data(_accumulator(tb), "_hparams_/experiment").experiment
    domains = {info.name: info for info in experiment.hparam_infos}
    assert set(domains) == {"optimizer", "momentum", "learning_rate"}  # what varies
    assert {v.string_value for v in domains["optimizer"].domain_discrete.values} == {"sgd", "adam"}
    assert domains["learning_rate"].domain_discrete.values[-1].number_value == 1.0e38
    metric_tags = [m.name.tag for m in experiment.metric_infos]
    assert metric_tags[0] == "score" and "val_accuracy" in metric_tags
    assert "test_accuracy" in metric_tags

    tested = {str(t["trial_id"]) for t in exported["test"]["trials"]}
    for record in exported["records"]:
        accumulator = _accumulator(tb / record["trial_id"])
        session = _plugin_data(accumulator, "_hparams_/session_start_info").session_start_info
        written = {k: v.WhichOneof("kind") for k, v in session.hparams.items()}
        active = {k for k, v in record["hyperparameters"].items() if v is not None}
        assert set(written) == active  # momentum only for SGD
        assert session.hparams["optimizer"].string_value == record["hyperparameters"]["optimizer"]
        for name, values in record["history"].items():
            events = accumulator.Tensors(name)
            assert [e.step for e in events] == list(range(1, len(values) + 1))
            read = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]
            for got, written_value in zip(read, values, strict=True):
                want = math.nan if written_value is None else written_value  # null on disk
                assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want)
        tags = accumulator.Tags()["tensors"]
        assert ("score" in tags) == (record["score"] is not None)
        assert ("test_accuracy" in tags) == (record["trial_id"] in tested)


def test_search_tensorboard_writes_the_same_logs_during_the_search(
    exported: dict[str, Any],
) -> None:
    live, exported_tb = exported["run"] / "tensorboard", exported["root"] / "tb"
    assert sorted(p.name for p in live.iterdir() if p.is_dir()) == sorted(
        r["trial_id"] for r in exported["records"]
    )
    for record in exported["records"]:
        during, after = (
            _accumulator(live / record["trial_id"]),
            _accumulator(exported_tb / record["trial_id"]),
        )
        assert during.Tags()["tensors"] == after.Tags()["tensors"]
    assert len(list(live.glob("events.out.tfevents.*"))) == 1  # one experiment, the last


def test_optuna_loads_every_trial_with_its_params_values_and_state(
    exported: dict[str, Any],
) -> None:
    import optuna

    study = optuna.load_study(study_name="exported", storage=exported["storage"])
    assert study.direction == optuna.study.StudyDirection.MAXIMIZE
    assert study.metric_names == ["val_accuracy"]
    by_id = {t.user_attrs["trial_id"]: t for t in study.trials}
    assert len(study.trials) == len(exported["records"]) == len(by_id)
    states = {"completed": "COMPLETE", "pruned": "PRUNED", "failed": "FAIL"}
    for record in exported["records"]:
        trial = by_id[record["trial_id"]]
        assert trial.state.name == states[record["status"]]
        active = {k: v for k, v in record["hyperparameters"].items() if v is not None}
        assert trial.params == {k: v for k, v in active.items() if k in VARYING}  # momentum: SGD
        history = record["history"].get("val_accuracy", [])
        assert trial.intermediate_values == {
            e: v for e, v in enumerate(history, start=1) if v is not None and math.isfinite(v)
        }
        if record["status"] == "completed":
            assert trial.value == pytest.approx(record["score"])
        assert trial.datetime_complete is not None and trial.datetime_start is not None
        assert trial.datetime_complete.timestamp() == pytest.approx(record["finished_at"])
    best = exported["test"]["trials"][0]
    assert by_id[str(best["trial_id"])].user_attrs["test_accuracy"] == pytest.approx(
        best["test"]["accuracy"]
    )
    importances = optuna.importance.get_param_importances(study)
    assert set(importances) <= VARYING
    assert study.user_attrs["fixed"]["units"] == 8


def test_an_existing_study_is_refused_and_a_missing_target_named(
    exported: dict[str, Any],
) -> None:
    again = run_tuner(
        "export", str(exported["run"]), "--optuna", exported["storage"], cwd=exported["root"]
    )
    assert again.returncode == 2
    assert again.stderr == (
        f"error: {exported['storage']} already holds a study named 'exported'; give another "
        "with --study, or delete that one (optuna delete-study)\n"
    )
    bare = run_tuner("export", str(exported["run"]), cwd=exported["root"])
    assert bare.returncode == 2
    assert bare.stderr == "error: export needs --tensorboard DIR, --optuna URL or both\n"


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        (["--optuna", "sqlite:////no/such/folder/x.db"],
         "cannot open it ((sqlite3.OperationalError) unable to open database file)"),
        (["--optuna", "bogus://x"],
         "cannot open it (Can't load plugin: sqlalchemy.dialects:bogus)"),
        (["--optuna", "study.db"],
         "cannot open it (Could not parse SQLAlchemy URL from given URL string)"),
        (["--tensorboard", "exported.yaml/tb"], "cannot write there (Not a directory)"),
    ],
    ids=["folder-missing", "unknown-dialect", "a-path", "tensorboard-under-a-file"],
)  # fmt: skip
def test_a_storage_or_folder_that_cannot_be_written_is_one_line_and_exit_2(
    exported: dict[str, Any], where: list[str], reason: str
) -> None:
    refused = run_tuner("export", str(exported["run"]), *where, cwd=exported["root"])
    assert refused.returncode == 2
    hint = ("give a storage URL such as sqlite:///study.db" if where[0] == "--optuna"
            else "give a folder you can write to")  # fmt: skip
    assert refused.stderr == f"error: {where[0]} {where[1]}: {reason}; {hint}\n"


def test_a_storage_password_is_never_repeated_in_the_message(exported: dict[str, Any]) -> None:
    from tuner.errors import UserInputError
    from tuner.export.optuna_study import write_study
    from tuner.run.run import load_run

    url = "postgresql://tuner:s3cret@127.0.0.1:1/nowhere?password=s3cret"
    with pytest.raises(UserInputError) as refused:
        write_study(load_run(exported["run"]), url)
    message = str(refused.value)
    assert message.startswith(
        "--optuna postgresql://tuner:***@127.0.0.1:1/nowhere?password=***: cannot open it ("
    )
    assert "s3cret" not in message


def test_a_record_keras_tuner_never_created_is_left_out_of_report_and_export(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    """A trials/99.json no search of this run wrote (a copy from elsewhere, scoring 0.999) is
    not shown as the best trial nor exported: keras-tuner's state never created trial 99."""
    import shutil

    run = tmp_path / "runs" / "exported"
    shutil.copytree(exported["run"], run)
    forged = {**exported["records"][0], "trial_id": "99", "score": 0.999, "number": 99}
    (run / "trials" / "99.json").write_text(json.dumps(forged))
    reported = run_tuner("report", str(run), "--out", str(tmp_path / "reports"), cwd=tmp_path)
    assert reported.returncode == 0, reported.stderr
    markdown = (tmp_path / "reports" / "exported" / "report.md").read_text()
    assert "Left out 1 record in trials/ of trials keras-tuner's state (kt/oracle.json) " in (
        markdown
    )
    assert "never created, so not trials of this search: 99" in markdown
    assert "trial 99" not in markdown.replace("search: 99", "")
    storage = f"sqlite:///{tmp_path / 'forged.db'}"
    done = run_tuner("export", str(run), "--optuna", storage, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"wrote {len(exported['records'])} trials" in done.stdout
