"""The Dockerfile's base image, `debian:bookworm-slim`, made here from Debian's archive.

The tests build the image on machines that reach Debian's archive and PyPI, not Docker Hub. Debian's
own `debian:bookworm-slim` is made by debuerreotype: `debootstrap --variant=minbase`, then its
"slimify" step (no documentation, manual pages or translations, now or in later installs) and apt's
settings for containers. This does the same, so the image the tests build and measure is the one an
organizer builds from Docker Hub's base, give or take the packages Debian updated since.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"

# debuerreotype's .slimify-excludes and .slimify-includes, as dpkg reads them.
DPKG_SLIM = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
"""

# debuerreotype-minimizing-config: apt keeps no packages, no translations, no suggested packages.
APT_SETTINGS = {
    "docker-clean": (
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb'
        ' /var/cache/apt/*.bin || true"; };\n'
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb'
        ' /var/cache/apt/*.bin || true"; };\n'
        'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n'
    ),
    "docker-no-languages": 'Acquire::Languages "none";\n',
    "docker-gzip-indexes": 'Acquire::GzipIndexes "true";\n',
    "docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
}

SOURCES = f"""\
Types: deb
URIs: {MIRROR}
Suites: {SUITE} {SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: {SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


def why_no_debian_base() -> str | None:
    """Why this machine cannot make the base (debootstrap needs root), or None."""
    if shutil.which("debootstrap") is None:
        return "debootstrap is not installed (Debian's package debootstrap)"
    if os.geteuid() != 0:
        return "debootstrap needs root"
    return None


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def slimmed(root: Path) -> None:
    """What debuerreotype-slimify and its minimizing config do to a fresh minbase tree."""
    (root / "etc/dpkg/dpkg.cfg.d/docker").write_text(DPKG_SLIM)
    for name, text in APT_SETTINGS.items():
        (root / "etc/apt/apt.conf.d" / name).write_text(text)
    (root / "etc/apt/sources.list").unlink(missing_ok=True)
    (root / "etc/apt/sources.list.d/debian.sources").write_text(SOURCES)
    for pattern in ("usr/share/groff/*", "usr/share/info/*", "usr/share/linda/*", "usr/share/man/*"):
        for path in root.glob(pattern):
            _remove(path)
    for path in (root / "usr/share/lintian/overrides").glob("*"):
        path.unlink()
    for path in (root / "usr/share/locale").glob("*"):
        if path.name != "locale.alias":
            _remove(path)
    for path in (root / "usr/share/doc").rglob("*"):
        if path.is_file() and path.name != "copyright" or path.is_symlink():
            path.unlink()
    for folder in ("var/cache/apt", "var/lib/apt/lists", "var/log"):
        for path in (root / folder).rglob("*"):
            if path.is_file() or path.is_symlink():
                path.unlink()


def make_debian_base(engine: str, tag: str, work: Path) -> None:
    """Debootstrap a minbase Debian, slim it as Debian's own image is, and import it as `tag`."""
    root = work / "rootfs"
    subprocess.run(
        ["debootstrap", "--variant=minbase", SUITE, str(root), MIRROR],
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    slimmed(root)
    archive = work / "rootfs.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(root, arcname=".")
    subprocess.run(
        [engine, "import", "--change", 'CMD ["bash"]', str(archive), tag],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    shutil.rmtree(root)
    archive.unlink()
