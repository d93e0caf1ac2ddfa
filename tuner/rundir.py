"""The run folder runs/<name>/: its resolved config, drift check on resume, --fresh.

No Keras here: the report reads run folders too.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import yaml

from tuner import storage
from tuner.config import SEARCH_DEFINING, Config
from tuner.errors import ConfigError

RUNS = Path("runs")
CONFIG_FILE = "config.yaml"
RUN_FILE = "run.json"


def run_dir_for(config: Config, root: Path = RUNS) -> Path:
    return root / config.name


def prepare(config: Config, fresh: bool, root: Path = RUNS) -> Path:
    """Create or reopen runs/<name>; a changed config is refused unless --fresh moves it aside."""
    run_dir = run_dir_for(config, root)
    saved = run_dir / CONFIG_FILE
    if saved.exists():
        changed = changed_keys(yaml.safe_load(saved.read_text()) or {}, config.to_dict())
        if fresh:
            aside = run_dir.with_name(f"{run_dir.name}.old-{time.strftime('%Y%m%d-%H%M%S')}")
            shutil.move(str(run_dir), str(aside))
            print(f"note: moved the previous run to {aside}")
        elif changed:
            raise ConfigError(
                f"differs from the run in {run_dir} in {', '.join(changed)}; "
                "add --fresh to start over (the old run is moved aside) or restore those keys",
                file=config.file,
            )
    storage.write_yaml(
        run_dir / CONFIG_FILE,
        config.to_dict(),
        header=f"# The config as run (defaults resolved), from {config.file}\n",
    )
    return run_dir


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Dotted keys under the search-defining sections whose values differ."""
    out: list[str] = []
    for key in SEARCH_DEFINING:
        _diff(old.get(key), new.get(key), key, out)
    return out


def _diff(old: Any, new: Any, path: str, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            _diff(old.get(key), new.get(key), f"{path}.{key}", out)
    elif old != new:
        out.append(path)


def read_run_info(run_dir: Path) -> dict[str, Any]:
    try:
        info = json.loads((run_dir / RUN_FILE).read_text())
        return info if isinstance(info, dict) else {}
    except (OSError, ValueError):
        return {}


def record_session(
    run_dir: Path, dataset_summary: dict[str, Any], started: float, status: str
) -> None:
    """Append this search session (start, end, status) to run.json; wall time sums sessions."""
    info = read_run_info(run_dir)
    sessions = [s for s in info.get("sessions", []) if s.get("started") != started]
    sessions.append({"started": started, "finished": time.time(), "status": status})
    info.update(dataset=dataset_summary, sessions=sessions)
    storage.write_json(run_dir / RUN_FILE, info)


def read_backend(run_dir: Path) -> str:
    """The backend a run was configured with (tensorflow when unknown)."""
    try:
        saved = yaml.safe_load((run_dir / CONFIG_FILE).read_text()) or {}
    except (OSError, yaml.YAMLError):
        return "tensorflow"
    return str(saved.get("backend", "tensorflow")) if isinstance(saved, dict) else "tensorflow"
