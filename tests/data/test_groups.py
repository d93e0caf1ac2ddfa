"""data.group: a long CSV that names each sequence's group (a subject) keeps every group
whole in the test, validation and training splits and in every fold, and `tuner validate`
says so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml
from helpers.cli import run_tuner

from tuner.config.schema import load_config
from tuner.data.datasets import load_dataset
from tuner.data.folds import fold_arrays, plan, pool


def _write_subjects(path: Path, subjects: int = 15, per_subject: int = 4) -> None:
    """Each subject records ``per_subject`` sequences of 3 steps, half of each class; a
    subject's sequences share its offset (what makes a group worth keeping whole)."""
    rng = np.random.default_rng(0)
    lines = ["id,t,a,label,subject"]
    for s in range(subjects):
        offset = rng.normal() * 5
        for k in range(per_subject):
            label = "up" if k % 2 else "down"
            for t in range(3):
                value = offset + (t if label == "up" else -t) + rng.normal() * 0.1
                lines.append(f"s{s}-{k},{t},{value:.3f},{label},subject{s}")
    path.write_text("\n".join(lines) + "\n")


def _config(tmp_path: Path) -> Path:
    _write_subjects(tmp_path / "subjects.csv")
    config = {
        "name": "grouped",
        "data": {
            "dataset": "sequences",
            "path": str(tmp_path / "subjects.csv"),
            "id": "id",
            "order": "t",
            "label": "label",
            "group": "subject",
            "validation_split": 0.2,
        },
        "space": {"units": 4},
        "search": {"cv": {"folds": 3}},
    }
    (tmp_path / "grouped.yaml").write_text(yaml.safe_dump(config))
    return tmp_path / "grouped.yaml"


def _subjects_of(x: np.ndarray, x_all: np.ndarray, groups: np.ndarray) -> set[str]:
    """The subjects whose sequences are in ``x`` (matched by their values)."""
    found = set()
    for sequence in x:
        match = np.flatnonzero(np.all(np.isclose(x_all, sequence), axis=(1, 2)))
        found.update(groups[match].tolist())
    return found


def test_splits_and_folds_keep_each_group_whole(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    dataset = load_dataset(config.data, config.seed)
    assert dataset.groups is not None
    x_pool, _ = pool(dataset.x_train, dataset.y_train, dataset.x_val, dataset.y_val)
    assert len(dataset.groups) == len(x_pool) == 60 - len(dataset.x_test)
    train = set(dataset.groups[: len(dataset.x_train)])
    validation = set(dataset.groups[len(dataset.x_train) :])
    assert train and validation and not train & validation
    # The test split's sequences belong to subjects the pool does not hold.
    everything = np.concatenate([x_pool, dataset.x_test])
    labels = np.concatenate([dataset.groups, np.array(["?"] * len(dataset.x_test))])
    tested = _subjects_of(dataset.x_test, everything, labels)
    assert tested == {"?"}, "a tested sequence matched a sequence of the pool's subjects"
    assert len(dataset.x_test) % 4 == 0  # whole subjects of 4 sequences
    scheme = plan(config.search.cv, dataset, config.seed)
    assert len(scheme.folds) == 3
    for fold in scheme.folds:
        assert not set(dataset.groups[fold.train]) & set(dataset.groups[fold.validation])
        x_train, _, x_val, _ = fold_arrays(dataset, fold)
        assert len(x_train) + len(x_val) == len(x_pool)
    assert "each of the" in scheme.why and "groups (data.group) inside one fold" in scheme.why


def test_validate_says_the_folds_keep_groups_whole(tmp_path: Path) -> None:
    path = _config(tmp_path)
    done = run_tuner("validate", path.name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("  validation: "))
    assert line.endswith("groups (data.group) inside one fold")
