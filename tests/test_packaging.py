"""A plain `pip install .` must carry the migrations and catalogs, and work from any directory."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# What a build leaves in the tree it runs in: setuptools writes build/ and vigil.egg-info/ there.
BUILD_LEFTOVERS = ("build", "*.egg-info", "dist")
# Never copied into the build: the repository, environments, caches, databases, earlier builds.
NOT_SOURCE = (".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".hypothesis", "*.sqlite3*", *BUILD_LEFTOVERS)


def leftovers(root: Path) -> set[str]:
    return {path.name for pattern in BUILD_LEFTOVERS for path in root.glob(pattern)}


@dataclass(frozen=True)
class Build:
    wheel: Path
    checkout_before: set[str]
    checkout_after: set[str]


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Build:
    """Built from a copy of the source tree, so running the tests leaves nothing in the checkout
    (an editable install's vigil.egg-info may be there already; it is the developer's)."""
    before = leftovers(ROOT)
    source = tmp_path_factory.mktemp("source") / "vigil"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("vigil-*.whl")
    return Build(built, before, leftovers(ROOT))


@pytest.fixture(scope="module")
def wheel(build) -> Path:
    return build.wheel


def test_building_the_wheel_leaves_no_build_directory_or_egg_info_in_the_checkout(build):
    assert build.checkout_after == build.checkout_before


def test_wheel_contains_the_data_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "storage/migrations/0001_initial.sql" in names
    assert "bot/locales/es/LC_MESSAGES/vigil.po" in names
    assert "bot/locales/en/LC_MESSAGES/vigil.po" in names
    assert "bot/feed/CAP-v1.2.xsd" in names  # OASIS's schema, read by bot.feed.cap.schema()
    assert not any(name.startswith("tests/") for name in names)


def test_installed_package_runs_migrations_and_loads_catalogs_from_another_directory(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import asyncio, bot, storage\n"
        "from bot.i18n import Catalogs\n"
        "from storage.database import Database\n"
        f"assert bot.__file__.startswith({str(target)!r}), bot.__file__\n"
        "print(Catalogs.load()('es').gettext('This button is no longer valid.'))\n"
        "async def main():\n"
        "    db = await Database.open('vigil.sqlite3')\n"
        "    print(await db.integrity_check())\n"
        "    await db.close()\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=elsewhere,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Este botón ya no es válido.", "ok"]


def test_wheel_carries_the_sandbox_page_and_its_sample_network(wheel):
    """`pip install .` alone must give a working sandbox (`vigil` with no token)."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("index.html", "sandbox.js", "sandbox.css"):
        assert f"bot/sandbox/static/{name}" in names
    assert "bot/sandbox/sample_network.toml" in names
    assert "bot/sandbox/static/desk-pane.js" in names


def test_wheel_carries_the_web_desk_page(wheel):
    """The web desk's page is served from the installed package, like the sandbox's."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("index.html", "desk.js", "desk.css", "icon.svg"):
        assert f"bot/web/static/desk/{name}" in names


def test_a_plain_install_has_what_the_sandbox_and_the_command_line_need():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = {dependency.split(">")[0].split("[")[0] for dependency in project["dependencies"]}
    assert {"aiohttp", "click"} <= required
    assert project["scripts"]["vigil"] == "bot.cli:main"
