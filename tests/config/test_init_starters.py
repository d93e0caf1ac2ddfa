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

from tuner.config.starter import FILE_STARTERS, STARTERS


def small_file(folder: Path, dataset: str) -> str:
    """A small file of the user's for a starter of FILE_STARTERS, with the column names the
    starter's comments ask for (sequence, label; value); its name."""
    if dataset == "sequences":
        rows = [
            f"s{n},{n % 2 + step * 0.1:.1f},{step},{'up' if n % 2 else 'down'}"
            for n in range(40)
            for step in range(5)
        ]
        (folder / "mine.csv").write_text("sequence,x,t,label\n" + "\n".join(rows) + "\n")
    else:
        rows = [f"{i},{10 + i % 7 + i * 0.01:.2f}" for i in range(400)]
        (folder / "mine.csv").write_text("day,value\n" + "\n".join(rows) + "\n")
    return "mine.csv"


@pytest.mark.parametrize("dataset", sorted(STARTERS))
def test_every_starter_validates(tmp_path: Path, dataset: str) -> None:
    made = run_tuner("init", "--dataset", dataset, "configs/mine.yaml", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    first = "point its data.path at your file; then " if dataset in FILE_STARTERS else ""
    assert made.stdout == (
        f"wrote configs/mine.yaml; next: {first}tuner validate configs/mine.yaml, "
        "then tuner search configs/mine.yaml\n"
    )
    written = tmp_path / "configs" / "mine.yaml"
    text = written.read_text()
    assert text.startswith("# A starter search written by `tuner init`")
    if dataset in FILE_STARTERS:  # the user fills in the path, and nothing else
        placeholder = {"sequences": "my_sequences.csv", "csv": "my_series.csv"}[dataset]
        assert f"  path: {placeholder}  " in text
        written.write_text(text.replace(placeholder, small_file(tmp_path, dataset)))
    checked = run_tuner("validate", "configs/mine.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "link.yaml",
            "link.yaml is a symbolic link (to elsewhere.yaml); give the path of a new file",
        ),
        (
            "two\nlines.yaml",
            "the path 'two\\nlines.yaml' holds the control character '\\n'; give a plain file "
            "name, e.g. my_search.yaml",
        ),
    ],
    ids=["dangling-symlink", "newline"],
)
def test_a_link_or_a_control_character_is_refused(tmp_path: Path, path: str, message: str) -> None:
    (tmp_path / "link.yaml").symlink_to("elsewhere.yaml")  # dangling: points at nothing
    refused = run_tuner("init", path, cwd=tmp_path)
    assert (refused.returncode, refused.stderr) == (2, f"error: {message}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.yaml"]  # nothing written


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
