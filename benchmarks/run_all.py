"""make bench: run every CPU benchmark, then write benchmarks/RESULTS.md from their tables.

RESULTS.md = decisions.md (the conclusions, written by a person from the numbers) followed by
every results/*.md in order; the GPU sections come from benchmarks/gpu.sh, run on a GPU
machine, and are kept until it is run again.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import common

HERE = Path(__file__).parent
CPU_BENCHMARKS = (
    "overhead.py",
    "throughput.py",
    "efficiency.py",
    "workers.py",
    "search_quality.py",
    "long_sequences.py",
    "small_data.py",
    "final_models.py",
    "forecasting.py",
    "memory.py",
)


def main() -> None:
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    for script in CPU_BENCHMARKS:
        command = [sys.executable, str(HERE / script), "--out", str(args.out)]
        subprocess.run(command + (["--smoke"] if args.smoke else []), check=True)
    if args.smoke:
        return
    parts = [(HERE / "decisions.md").read_text()]
    sections = sorted(args.out.glob("*.md"), key=lambda p: int(p.name.split("-", 1)[0]))
    parts += [p.read_text() for p in sections]  # 2 before 10: by section number
    (HERE / "RESULTS.md").write_text("\n".join(parts))
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
