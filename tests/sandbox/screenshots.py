"""The README's picture of the sandbox, made again on purpose (never by the test suite):

    python -m tests.sandbox.screenshots            # writes docs/sandbox.png
    python -m tests.sandbox.screenshots --out x.png

It starts the sandbox as a person does, drives it in Debian's Chromium (a report with a photo,
confirmed, published and ended) and saves the whole page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.sandbox.browser import CHROMIUM, end, open_page, publish
from tests.sandbox.conftest import ROOT, start_sandbox

SCREENSHOT = ROOT / "docs" / "sandbox.png"


def make_screenshot(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="vigil-screenshot-") as workdir:
        sandbox = start_sandbox(Path(workdir), "sandbox", "--port", "0")
        try:
            with open_page(sandbox.address) as page:
                publish(page)
                end(page)
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out))
        finally:
            sandbox.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.sandbox.screenshots", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=SCREENSHOT, help=f"where to write it (default: {SCREENSHOT})")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"Debian's chromium is needed ({CHROMIUM} is missing): apt-get install chromium", file=sys.stderr)
        return 2
    make_screenshot(args.out)
    print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
