"""The config's JSON Schema, for editors (the YAML language server) and other tools.

The sections come from the pydantic models themselves; ``space`` is written here from the
tunables, in each of the forms a parameter takes: a fixed value, a list of choices, a range
``{min, max, step, sampling}``, ``{value}`` or ``{values}``, each optionally with ``when``.
With ``model.factory`` the space may hold the factory's own names, of any of those forms.
"""

from __future__ import annotations

import json
from typing import Any

from tuner.config.sections import Document
from tuner.config.tunables import SAMPLINGS, TUNABLES, Tunable

SCHEMA_ID = "https://github.com/rnn-tuner/rnn-tuner/config.schema.json"
ANY_SCALAR: dict[str, Any] = {"type": ["integer", "number", "string", "boolean"]}


def config_schema() -> dict[str, Any]:
    """The whole config's JSON Schema (draft 2020-12)."""
    schema = Document.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "rnn-tuner config"
    schema["properties"]["space"] = _space()
    # A model factory names its own hyperparameters: any name then, in any form.
    schema["allOf"] = [
        {
            "if": {
                "required": ["model"],
                "properties": {"model": {"required": ["factory"]}},
            },
            "then": {"properties": {"space": {"additionalProperties": _forms(ANY_SCALAR)}}},
            # propertyNames, not additionalProperties: that would not see the names above.
            "else": {"properties": {"space": {"propertyNames": {"enum": list(TUNABLES)}}}},
        }
    ]
    return schema


def schema_text() -> str:
    return json.dumps(config_schema(), indent=2, sort_keys=True) + "\n"


def _space() -> dict[str, Any]:
    properties = {name: _forms(_scalar(t)) for name, t in TUNABLES.items()}
    multiples = {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1}
    horizons = _object({"horizons": multiples, "when": _when()}, ["horizons"])
    horizons["description"] = "windows of these multiples of data.horizon"
    properties["window"]["anyOf"].append(horizons)  # tuner.config.forecast_checks
    return {
        "type": ["object", "null"],
        "description": "The hyperparameters: each fixed, a list of choices or a range.",
        "properties": properties,
    }


def _scalar(tunable: Tunable) -> dict[str, Any]:
    if tunable.kind == "bool":
        return {"type": "boolean"}
    if tunable.kind == "str":
        return {"enum": list(tunable.names)}
    out: dict[str, Any] = {"type": "integer" if tunable.kind == "int" else "number"}
    if tunable.low is not None:
        out["minimum"] = tunable.low
    if tunable.high is not None:
        out["exclusiveMaximum" if tunable.high_open else "maximum"] = tunable.high
    return out


def _forms(scalar: dict[str, Any]) -> dict[str, Any]:
    """Every form of one parameter whose single values follow ``scalar``."""
    choices = {"type": "array", "items": scalar, "minItems": 1}
    when = _when()
    forms: list[dict[str, Any]] = [
        scalar,
        choices,
        _object({"value": scalar, "when": when}, ["value"]),
        _object({"values": choices, "when": when}, ["values"]),
    ]
    if scalar.get("type") in ("integer", "number") or scalar is ANY_SCALAR:
        step = {"type": "number", "exclusiveMinimum": 0}
        sampling = {"enum": list(SAMPLINGS)}
        bounds = {"min": scalar, "max": scalar, "step": step, "sampling": sampling, "when": when}
        forms.append(_object(bounds, ["min", "max"]))
    return {"anyOf": forms}


def _when() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "active only while another parameter takes one of these values",
        "minProperties": 1,
        "additionalProperties": {"anyOf": [ANY_SCALAR, {"type": "array", "items": ANY_SCALAR}]},
    }


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
