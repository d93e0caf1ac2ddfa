"""tuner init: each starter config validates, an existing file is kept, and the templates come
with the package: a wheel built from this tree, installed in a fresh virtual environment,
writes a starter that validates there."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from helpers.cli import run_tuner
from helpers.paths import REPO

from tuner.config.starter import STARTERS


@pytest.mark.parametrize("dataset", sorted(STARTERS))
def test_every_starter_validates(tmp_path: Path, dataset: str) -> None:
    made = run_tuner("init", "--dataset", dataset, "configs/mine.yaml", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout == (
        "wrote configs/mine.yaml; next: tuner validate configs/mine.yaml, "
        "then tuner search configs/mine.yaml\n"
    )
    text = (tmp_path / "configs" / "mine.yaml").read_text()
    assert text.startswith("# A starter search written by `tuner init`")
    checked = run_tuner("validate", "configs/mine.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr


def test_an_existing_file_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "mnist.yaml").write_text("mine\n")
    again = run_tuner("init", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr == (
        "error: mnist.yaml exists; give another path (tuner init --dataset mnist PATH) or move it\n"
    )
    assert (tmp_path / "mnist.yaml").read_text() == "mine\n"


@pytest.mark.slow
def test_an_installed_wheel_writes_a_starter_that_validates(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(REPO)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("rnn_tuner-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    # The dependencies from this environment (installing TensorFlow again would take minutes);
    # the toolkit itself only from the wheel, unpacked as pip would install it.
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TUNER_DEBUG")}
    work = tmp_path / "work"
    work.mkdir()
    for command in (["init", "--dataset", "digits", "d.yaml"], ["validate", "d.yaml"]):
        done = subprocess.run(
            [python, "-m", "tuner", *command], cwd=work, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    where = subprocess.run(
        [python, "-c", "import tuner; print(tuner.__file__)"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert where.startswith(site), where  # the wheel's copy, not this source tree
