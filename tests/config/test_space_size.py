"""A space's size is exact however large (no float overflow), written short past 10**15, and a
space with fewer distinct points than max_trials says so before the search (issue 20 item 5,
issue 24 item 9)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from helpers.cli import run_tuner

from tuner.config.schema import from_source
from tuner.config.space import Space, points_text, short_space_note
from tuner.config.yaml_lines import load_text


def factory_space(lines: list[str]) -> Space:
    text = "data: {dataset: digits}\nmodel: {factory: 'mod:build'}\nspace:\n" + "".join(
        f"  {line}\n" for line in lines
    )
    return from_source(load_text(text, "t.yaml")).space


def test_eleven_hundred_two_value_choices_count_exactly() -> None:
    lines = [f"p{i}: [1, 2]" for i in range(1100)]
    assert factory_space(lines).size() == 2**1100
    # A continuous range after them: inf, not an OverflowError from inf * 2**1100.
    assert factory_space([*lines, "last: {min: 0.0, max: 1.0}"]).size() == math.inf
    assert factory_space([*lines, "last: {min: 0.0, max: 1.0}"]).size(grid=True) == 10 * 2**1100


def test_an_int_range_past_a_floats_reach_counts_exactly() -> None:
    space = factory_space(["batch_size: {min: 1, max: " + "9" * 400 + "}"])
    assert space.size() == 10**400 - 1


@pytest.mark.parametrize(
    ("points", "text"),
    [(12, "12"), (10**15 - 1, "999,999,999,999,999"), (2**1100, "about 10^331"), (math.inf, "inf")],
)
def test_points_text(points: float, text: str) -> None:
    assert points_text(points) == text


def test_points_text_of_a_size_past_pythons_4300_digit_str() -> None:
    assert points_text(2**20000) == "about 10^6020"


@pytest.mark.parametrize(
    ("algorithm", "max_trials", "note"),
    [
        ("random", 3, "the space holds only 2 distinct points, so the search stops after at "
         "most 2 trials, not 3"),
        ("grid", 5, "the space holds only 2 distinct points, so the search stops after 2 "
         "trials, not 5"),
        # keras-tuner's Bayesian oracle stops while it draws at random, and may propose a
        # tried point once its model runs; tpe proposes tried points until max_trials
        ("bayesian", 5, "the space holds only 2 distinct points, so the search either stops "
         "after at most 2 trials or trains some of them more than once to make 5"),
        ("tpe", 5, "the space holds only 2 distinct points, so the search trains some of "
         "them more than once to make 5 trials"),
        ("random", 2, None),
        ("hyperband", 3, None),  # hyperband trains a point again with more epochs
    ],
)  # fmt: skip
def test_short_space_note(algorithm: str, max_trials: int, note: str | None) -> None:
    space = factory_space(["units: [8, 16]"])
    assert short_space_note(space, max_trials, algorithm) == note


def test_one_point_and_a_continuous_space() -> None:
    one = factory_space(["units: 8"])
    assert short_space_note(one, 30, "random") == (
        "the space holds only 1 distinct point, so the search stops after at most 1 trial, not 30"
    )
    assert short_space_note(factory_space(["lr: {min: 0.1, max: 1.0}"]), 30, "random") is None


def test_validate_notes_a_short_space_and_a_huge_grid_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("def build(hp):\n    pass\n")
    head = "data: {dataset: digits}\nmodel: {factory: 'mod:build'}\n"
    (tmp_path / "short.yaml").write_text(
        head + "space: {units: [8, 16]}\nsearch: {algorithm: random, max_trials: 3}\n"
    )
    ran = run_tuner("validate", "short.yaml", cwd=tmp_path, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[1] == (
        "  note: the space holds only 2 distinct points, so the search stops after at most 2 "
        "trials, not 3"
    )
    choices = "".join(f"  p{i}: [1, 2]\n" for i in range(1100))
    (tmp_path / "grid.yaml").write_text(
        head + "space:\n" + choices + "search: {algorithm: grid, max_trials: 10}\n"
    )
    ran = run_tuner("validate", "grid.yaml", cwd=tmp_path, timeout=60)
    assert ran.returncode == 2
    assert ran.stderr == (
        "error: grid.yaml:1104: search.max_trials: the grid has about 10^331 points but "
        "max_trials is 10; raise max_trials to about 10^331 or shrink the space\n"
    )


def test_independent_conditional_pairs_count_exactly_and_fast() -> None:
    """Each (p, c) pair is its own group: 3 points (p=a with c 1 or 2, p=b), 3**18 in all,
    without enumerating 2**18 parent combinations at once (that took 16 s)."""
    import time

    lines = []
    for i in range(18):
        lines += [f"p{i}: [a, b]", f"c{i}: {{values: [1, 2], when: {{p{i}: a}}}}"]
    started = time.perf_counter()
    assert factory_space(lines).size() == 3**18
    assert time.perf_counter() - started < 1.0


def test_a_child_of_twenty_parents_gets_an_upper_bound_at_once() -> None:
    """2**20 parent combinations are past MAX_ENUMERATED: the group counts every value (the
    exact count, 2**20 + 1, would take seconds to enumerate; 2**30 would take hours)."""
    import time

    parents = [f"p{i}: [a, b]" for i in range(20)]
    when = ", ".join(f"p{i}: a" for i in range(20))
    started = time.perf_counter()
    size = factory_space([*parents, f"c: {{values: [1, 2], when: {{{when}}}}}"]).size()
    assert time.perf_counter() - started < 1.0
    assert size == 2**20 * 2
