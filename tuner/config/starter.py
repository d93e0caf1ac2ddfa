"""`tuner init`: a commented starter config for a dataset, from the templates shipped inside
the package (tuner/config/templates/), so an installed wheel has them too."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from string import Template

from tuner.errors import UserInputError

# dataset: (template, what it searches). The first four work as written; the starters of
# FILE_STARTERS validate once data.path names the user's file (and its columns).
STARTERS = {
    "mnist": ("classification", "MNIST images read row by row (28 steps of 28 pixels)"),
    "fashion_mnist": ("classification", "Fashion-MNIST images read row by row"),
    "digits": ("classification", "scikit-learn's 8x8 digits read row by row"),
    "sine": ("regression", "a noisy sine wave, the next step from the last 32"),
    "sequences": ("sequences", "your own labelled sequences"),
    "csv": ("csv", "your own time series, the next step from the last 32"),
}
FILE_STARTERS = ("sequences", "csv")
DEFAULT_ALGORITHM = "tpe"
DEFAULT_PRUNING = "{rule: median, warmup_epochs: 2, min_trials: 5}   # or asha, or null"


def starter_text(dataset: str, file: str) -> str:
    """The starter config for ``dataset``, naming itself ``file`` in its comments."""
    kind, what = STARTERS[dataset]
    template = resources.files("tuner.config").joinpath("templates", f"{kind}.yaml")
    return Template(template.read_text(encoding="utf-8")).substitute(
        dataset=dataset,
        name=f"{dataset.replace('_', '-')}-starter",
        what=what,
        file=file,
        algorithm=f"{DEFAULT_ALGORITHM}  # random | bayesian | hyperband | grid | tpe",
        pruning=DEFAULT_PRUNING,
    )


def write_starter(dataset: str, path: Path) -> Path:
    """Write the starter to ``path``; an existing file is refused, never replaced, and so are
    a symbolic link (even one to nothing: the file would land where it points) and a name with
    a control character (a newline in a file name breaks every command line that names it)."""
    control = next((c for c in str(path) if ord(c) < 32 or ord(c) == 127), None)
    if control is not None:
        raise UserInputError(
            f"the path {str(path)!r} holds the control character {control!r}; give a plain "
            "file name, e.g. my_search.yaml"
        )
    if path.is_symlink():
        raise UserInputError(
            f"{path} is a symbolic link (to {os.readlink(path)}); give the path of a new file"
        )
    if path.exists():
        raise UserInputError(
            f"{path} exists; give another path (tuner init --dataset {dataset} PATH) or move it"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as out:  # "x": never through a link made since
            out.write(starter_text(dataset, str(path)))
    except FileExistsError:
        raise UserInputError(f"{path} appeared while writing; give another path") from None
    except OSError as exc:
        raise UserInputError(
            f"cannot write {path}: {exc.strerror or exc}; check the path"
        ) from None
    return path
