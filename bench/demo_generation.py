"""How long the demo generator takes and how much it writes, at a given scale.

Run: .venv/bin/python bench/demo_generation.py [SCALE]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from svduty.demo.generate import generate_demo


def main() -> None:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        manifest = generate_demo(out_dir=Path(folder), scale=scale)
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
        files = sum(len(paths) for paths in manifest.files.values())
    print(f"demo generation at scale {scale}: {seconds:.2f} s, {files} files, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
