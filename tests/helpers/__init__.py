"""What the tests share, one module a subject: ``paths`` (the repository), ``cli`` (the CLI as
a subprocess), ``configs`` (a tiny search, the malformed configs), ``records`` (the one
trial-record factory and hand-made run folders), ``reports`` (a run's report and its tables),
``browser`` (the report in headless Chromium), ``resume`` (the kill tests' search and checks),
``tables`` (the message tables in tests/tables/) and ``crash_driver`` (``python -m tuner`` with
a fault at one moment, run as a subprocess).

Test modules import these (pyproject.toml puts tests/ on the path); no test module imports
another, and tests/conftest.py holds fixtures only.
"""
