"""Fixtures and hooks only (none is shared by the whole suite yet; a folder's own conftest.py
holds what only its tests use).

What the tests share besides is in tests/helpers/, a package that pyproject.toml's
`pythonpath` puts on the path (import it as ``from helpers.records import make_record``), and
the message tables in tests/tables/, read by helpers.tables.
"""

from __future__ import annotations

import pytest

# The helpers assert (a page loaded, every image decoded): rewrite their asserts as in tests.
pytest.register_assert_rewrite("helpers")
