"""Run every benchmark and print its figures next to the limits they chase.

python -m benchmarks            # all of them
python -m benchmarks surge      # only the named modules
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import time

os.environ.setdefault("PTB_TIMEDELTA", "true")

MODULES = ["surge", "storm", "raid", "fanout", "feed", "drill", "backup", "web_desk", "postgresql"]


async def main(names: list[str]) -> None:
    started = time.monotonic()
    rows: list[tuple[str, str, str]] = []
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        for figure in await module.run():
            rows.append((figure.name, figure.value, figure.target))
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(f"\n{'figure'.ljust(width)}  {'measured'.ljust(value_width)}  target / limit")
    for name, value, target in rows:
        print(f"{name.ljust(width)}  {value.ljust(value_width)}  {target}")
    print(f"\n({time.monotonic() - started:.0f} s in all)")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:] or MODULES))
