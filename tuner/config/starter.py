"""`tuner init`: a commented starter config for a dataset, from the templates shipped inside
the package (tuner/config/templates/), so an installed wheel has them too."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from string import Template

from tuner.errors import UserInputError

# The datasets a starter works for as written: no data file of the user's to name.
STARTERS = {
    "mnist": ("classification", "MNIST images read row by row (28 steps of 28 pixels)"),
    "fashion_mnist": ("classification", "Fashion-MNIST images read row by row"),
    "digits": ("classification", "scikit-learn's 8x8 digits read row by row"),
    "sine": ("regression", "a noisy sine wave, the next step from the last 32"),
}
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
    """Write the starter to ``path``; an existing file is refused, never replaced."""
    if path.exists():
        raise UserInputError(
            f"{path} exists; give another path (tuner init --dataset {dataset} PATH) or move it"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(starter_text(dataset, str(path)), encoding="utf-8")
    except OSError as exc:
        raise UserInputError(
            f"cannot write {path}: {exc.strerror or exc}; check the path"
        ) from None
    return path
