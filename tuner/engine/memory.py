"""The search process's resident memory, for each trial's record: its peak during the trial.

On Linux the kernel keeps the peak resident set (VmHWM in /proc/self/status) and resets it
when "5" is written to /proc/self/clear_refs, so each trial's peak is its own. Elsewhere (or
where /proc cannot be written) the peak is the process's since it began (getrusage), which
still shows growth across trials but not a trial's own peak: ``peak_is_own`` says which.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
_KB = re.compile(r"^(VmHWM|VmRSS):\s+(\d+)\s+kB", re.MULTILINE)


def reset_peak() -> bool:
    """Start a new peak (Linux); False where the peak cannot be reset."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def peak_mb() -> float | None:
    """The peak resident memory since the last reset_peak (else since the process began), in
    MB (10^6 bytes); None where neither /proc nor getrusage answers."""
    found = _status()
    if "VmHWM" in found:
        return found["VmHWM"]
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6, 1)


def resident_mb() -> float | None:
    """The resident memory now, in MB; None without /proc."""
    return _status().get("VmRSS")


def _status() -> dict[str, float]:
    try:
        text = _STATUS.read_text()
    except OSError:
        return {}
    return {name: round(int(kb) * 1024 / 1e6, 1) for name, kb in _KB.findall(text)}
