"""A factory module is Python that runs when imported: it is imported only from where the
user named it, named on stderr first, and never from inside a run folder (issue 20, item 18).
A module that would run leaves a marker file, so a test sees whether its code ran."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import run_tuner

from tuner.config.schema import load_config
from tuner.errors import ConfigError
from tuner.run import folder as run_folder

FACTORY = """\
from pathlib import Path
Path(__file__).with_name("ran.txt").write_text("its code ran")

def build(hp):
    raise RuntimeError("never reached in these tests")
"""


def _run_with_factory(tmp_path: Path, factory_file: Path) -> Path:
    """runs/own/ whose config names ``factory_file`` (as `tuner search` would save it)."""
    factory_file.parent.mkdir(parents=True, exist_ok=True)
    factory_file.write_text(FACTORY)
    source = tmp_path / "own.yaml"
    source.write_text(
        f"name: own\ndata: {{dataset: digits}}\nmodel: {{factory: '{factory_file}:build'}}\n"
        "space: {units: 8, batch_size: 32}\nsearch: {algorithm: random, max_trials: 1, cv: null}\n"
    )
    return run_folder.prepare(load_config(source), fresh=False, root=tmp_path / "runs")


def test_refit_of_a_factory_run_asks_the_user_to_name_the_factory(tmp_path: Path) -> None:
    factory = tmp_path / "theirs" / "models.py"
    run_dir = _run_with_factory(tmp_path, factory)
    done = run_tuner("refit", str(run_dir), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"error: {run_dir}: model.factory: its model comes from the factory {factory}:build, "
        f"Python code that retraining runs; name the factory you trust: tuner refit {run_dir} "
        f"--factory {factory}:build\n"
    )
    assert not factory.with_name("ran.txt").exists()


@pytest.mark.slow  # imports the engine (Keras)
def test_a_factory_inside_a_run_folder_is_never_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tuner.data.datasets import load_dataset
    from tuner.engine.factory import load_factory
    from tuner.engine.model import ModelSpec

    planted = tmp_path / "runs" / "own" / "models.py"
    run_dir = _run_with_factory(tmp_path, planted)
    (run_dir / "trials").mkdir()
    config = load_config(tmp_path / "own.yaml")
    spec = ModelSpec.of(load_dataset(config.data, config.seed), config.metrics)
    with pytest.raises(ConfigError, match=f"lies inside the run folder {run_dir}"):
        load_factory(config, spec)
    assert not planted.with_name("ran.txt").exists()

    own = tmp_path / "mine" / "models.py"  # the user's own: named on stderr, then imported
    _run_with_factory(tmp_path, own)
    load_factory(load_config(tmp_path / "own.yaml"), spec)
    assert f"note: importing the model factory {own} (its code runs)" in capsys.readouterr().err
    assert own.with_name("ran.txt").read_text() == "its code ran"
