"""Hooks and fixtures only: the order of the files (below); no fixture is shared by the whole
suite yet (a folder's own conftest.py holds what only its tests use).

What the tests share besides is in tests/helpers/, a package that pyproject.toml's
`pythonpath` puts on the path (import it as ``from helpers.records import make_record``), and
the message tables in tests/tables/, read by helpers.tables.
"""

from __future__ import annotations

import pytest

# The helpers assert (a page loaded, every image decoded): rewrite their asserts as in tests.
pytest.register_assert_rewrite("helpers")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files holding slow (end-to-end) tests first. make test's two workers take a file at
    a time (--dist loadfile), so a long file collected last would leave one worker running it
    alone while the other has nothing left; started first, the long files overlap with each
    other and the many short ones fill the gaps. The order within a file is kept."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # a stable sort
