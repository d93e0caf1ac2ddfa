"""`tuner validate` is the full check of the data (issue 20, item 3): each bad data file of
tests/tables/bad_data_files.yaml is refused by validate with the same one line, exit 2, as by
`tuner search`, because both run the same loading code (tuner.data.datasets), validate without
Keras.

Every row runs through the CLI's entry point in this process (no Keras is imported for bad
data), the rows marked `search: true` also as real `tuner validate` and `tuner search`
processes: the data is refused before Keras' import, so each takes about a second.
"""

from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from helpers.cli import run_tuner
from helpers.tables import load_table

from tuner import cli

SEQ = """\
id,t,a,b,label
s1,0,1,10,up
s1,1,2,20,up
s2,0,1,1,down
s2,1,2,2,down
s3,0,1,10,up
s3,1,2,20,up
s4,0,1,1,down
s4,1,2,2,down
s5,0,1,10,up
s5,1,2,20,up
s6,0,1,1,down
s6,1,2,2,down
"""
SERIES = "time,demand\n" + "".join(f"{t},{10 + (t * 7) % 5}\n" for t in range(100))
CASES = load_table("bad_data_files", "cases", ("id", "data", "files", "message", "search"))
IDS = [row[0] for row in CASES]
TEXTS = {"SEQ": SEQ, "SERIES": SERIES}


def array(spec: Any) -> np.ndarray:
    """A table's array: a list, or {shape, fill, dtype, set: [[index..., value], ...]}."""
    if isinstance(spec, list):
        return np.array(spec)
    values = np.full(spec["shape"], spec.get("fill", 0.0), dtype=spec.get("dtype", "float64"))
    for *index, value in spec.get("set", []):
        values[tuple(index)] = value
    return values


def write_case(folder: Path, data: dict[str, Any], files: dict[str, Any]) -> None:
    """``folder``/c.yaml (a one-trial search on ``data``) and the files it reads."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, str):
            (folder / name).write_text(_substituted(content), encoding="utf-8")
            continue
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
            continue
        buffer = io.BytesIO()
        np.savez(buffer, **{key: array(spec) for key, spec in content["npz"].items()})
        raw = buffer.getvalue()
        (folder / name).write_bytes(raw[: content.get("truncate", len(raw))])
    config = {
        "name": "c",
        "data": data,
        "space": {"units": 4},
        "search": {"max_trials": 1, "epochs": 1},
    }
    (folder / "c.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def _substituted(text: str) -> str:
    """${SEQ} and ${SERIES} in a file's text (load_table substitutes a row's own text only)."""
    for name, value in TEXTS.items():
        text = text.replace(f"${{{name}}}", value)
    assert "${" not in text, text
    return text


@pytest.mark.parametrize(("data", "files", "message"), [r[1:4] for r in CASES], ids=IDS)
def test_validate_refuses_each_bad_data_file_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    data: dict[str, Any],
    files: dict[str, Any],
    message: str,
) -> None:
    write_case(tmp_path, data, files)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["validate", "c.yaml"]) == 2
    assert capsys.readouterr() == ("", f"error: {message}\n")


def test_validate_and_search_processes_refuse_the_same_files_alike(tmp_path: Path) -> None:
    rows = [row for row in CASES if row[4]]
    assert len(rows) >= 6

    def both(row: tuple[Any, ...]) -> list[subprocess.CompletedProcess[str]]:
        folder = tmp_path / row[0]
        write_case(folder, row[1], row[2])
        return [run_tuner(command, "c.yaml", cwd=folder, timeout=120)
                for command in ("validate", "search")]  # fmt: skip

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(both, rows))
    wrong = []
    for row, pair in zip(rows, results, strict=True):
        for result in pair:
            said = (result.returncode, result.stdout, result.stderr)
            if said != (2, "", f"error: {row[3]}\n"):
                wrong.append(f"{row[0]}: {result.args[3]}: {said}")
        assert not (tmp_path / row[0] / "runs" / "c" / "trials").exists(), row[0]
    assert not wrong, "\n".join(wrong)


def test_a_good_data_file_validates_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = {"dataset": "sequences", "path": "seq.csv", "id": "id", "label": "label", "order": "t"}
    write_case(tmp_path, data, {"seq.csv": "${SEQ}"})
    monkeypatch.chdir(tmp_path)
    assert cli.main(["validate", "c.yaml"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("c.yaml: ok: run 'c'") and err == ""


def test_validate_reads_the_data_without_keras(tmp_path: Path) -> None:
    data = {"dataset": "sequences", "path": "seq.csv", "id": "id", "label": "label", "order": "t"}
    write_case(tmp_path, data, {"seq.csv": "${SEQ}"})
    code = (
        "import sys\n"
        "from tuner.cli import main\n"
        "assert main(['validate', 'c.yaml']) == 0\n"
        "assert 'tuner.data.sequences' in sys.modules  # the data was read\n"
        "loaded = [m for m in ('keras', 'tensorflow', 'keras_tuner', 'jax', 'torch')"
        " if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    result = run_tuner("-c", code, cwd=tmp_path, timeout=120, program=[sys.executable])
    assert result.returncode == 0, result.stderr
