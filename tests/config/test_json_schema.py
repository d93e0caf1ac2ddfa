"""tuner schema: the config's JSON Schema, read by the jsonschema package as an editor's YAML
language server would: every shipped config passes, bad ones fail, the shipped copy is current."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run_tuner
from helpers.paths import REPO
from jsonschema import Draft202012Validator

from tuner.config import yaml_lines
from tuner.config.json_schema import config_schema

SHIPPED = sorted((REPO / "configs").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = config_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_tuner_schema_prints_the_shipped_schema(tmp_path: Path) -> None:
    printed = run_tuner("schema", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == config_schema()
    shipped = (REPO / "configs" / "config.schema.json").read_text()
    assert printed.stdout == shipped, "configs/config.schema.json is stale: tuner schema > it"


def test_the_version_is_the_packages(tmp_path: Path) -> None:
    from importlib.metadata import version

    printed = run_tuner("--version", cwd=tmp_path)
    assert printed.returncode == 0 and printed.stdout == f"tuner {version('rnn-tuner')}\n"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_config_passes(validator: Draft202012Validator, path: Path) -> None:
    errors = [e.message for e in validator.iter_errors(yaml_lines.load_file(path).data)]
    assert errors == []


GOOD: dict[str, Any] = {
    "name": "x",
    "space": {
        "units": [32, 64],
        "learning_rate": {"min": 1.0e-4, "max": 1.0e-2, "sampling": "log"},
        "momentum": {"values": [0.8, 0.9], "when": {"optimizer": "sgd"}},
        "optimizer": ["sgd", "adam"],
        "nesterov": {"value": True, "when": {"optimizer": ["sgd"]}},
    },
    "search": {"algorithm": "tpe", "pruning": {"rule": "median"}},
}
BAD = {
    "unknown-top-key": {"nme": "x"},
    "unknown-tunable": {"space": {"unit": 32}},
    "unknown-sampling": {"space": {"l2": {"min": 1.0e-6, "max": 1.0e-3, "sampling": "logs"}}},
    "dropout-past-1": {"space": {"dropout": 1.5}},
    "unknown-optimizer": {"space": {"optimizer": ["sgd", "adamw"]}},
    "range-without-max": {"space": {"units": {"min": 8}}},
    "text-for-a-count": {"search": {"max_trials": "ten"}},
    "unknown-algorithm": {"search": {"algorithm": "annealing"}},
}


def test_a_good_config_passes(validator: Draft202012Validator) -> None:
    assert [e.message for e in validator.iter_errors(GOOD)] == []


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_config_fails(validator: Draft202012Validator, case: str) -> None:
    assert not validator.is_valid(BAD[case])


def test_a_factorys_own_names_pass_only_with_a_factory(validator: Draft202012Validator) -> None:
    own = {"space": {"filters": [16, 32], "kernel": {"min": 2, "max": 5}}}
    assert not validator.is_valid(own)
    assert validator.is_valid({**own, "model": {"factory": "my_models:build"}})
