"""The report in a real browser: headless Chromium with the network cut off, the page's DOM
after its load events, and a screenshot."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: any host name fails to resolve
    "--virtual-time-budget=10000",  # run the page's load events before dumping or shooting
)


@dataclass(frozen=True)
class Opened:
    dom: str
    images: tuple[int, int]  # decoded, present
    screenshot: Path


def open_page(page: Path, workdir: Path) -> Opened:
    """Load ``page`` in a fresh Chromium profile: its DOM after load, and a screenshot."""
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; "
        ".ci/run does it) to test the reports in a browser"
    )
    workdir.mkdir(parents=True, exist_ok=True)
    dom = _chromium(page, workdir / "profile-dom", "--dump-dom").stdout
    shot = workdir / f"{page.parent.name}.png"
    size = "--window-size=1200,2400"
    _chromium(page, workdir / "profile-shot", size, "--hide-scrollbars", f"--screenshot={shot}")
    found = re.search(r'<body[^>]*data-images="(\d+)/(\d+)"', dom)
    assert found, f"the page's load script did not run in {page}: {dom[:300]!r}"
    return Opened(dom, (int(found[1]), int(found[2])), shot)


def _chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def assert_every_image_loaded(opened: Opened, expected: int) -> None:
    ok, present = opened.images
    assert present == expected and ok == present, f"{ok} of {present} images decoded"
    assert opened.screenshot.read_bytes().startswith(b"\x89PNG")
    assert opened.screenshot.stat().st_size > 10_000  # a page, not a blank
