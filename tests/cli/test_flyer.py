"""`vigil flyer`: a printable page whose QR codes, read back from the image, lead to the right links."""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image

from bot.fake_telegram import FakeTelegram
from tests.cli.conftest import environment, settings_for, vigil


def qr_links(image: Image.Image) -> set[str]:
    return {code.text for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.BarcodeFormat.QRCode}


async def test_a_flyer_carries_the_report_and_subscribe_links(workdir: Path, fake: FakeTelegram):
    result = await vigil(
        "flyer",
        "clovis",
        "--language",
        "es",
        "--out",
        "clovis.png",
        cwd=workdir,
        env=environment(**settings_for(fake, workdir)),
    )
    assert result.code == 0, result.output
    assert "@vigil_test_bot" in result.stdout  # the username Telegram gave, not a configured one
    assert [name for name, _ in fake.requests] == ["getMe"]
    with Image.open(workdir / "clovis.png") as page:
        assert page.size == (1240, 1754)  # A4 at 150 dpi
        assert qr_links(page) == {
            "https://t.me/vigil_test_bot?start=report-clovis",
            "https://t.me/vigil_test_bot?start=sub-clovis",
        }
    result.assert_no_secrets()


async def test_a_pdf_flyer_in_the_default_language(workdir: Path, fake: FakeTelegram):
    env = environment(**settings_for(fake, workdir))
    result = await vigil("flyer", "vado", "--out", "vado.pdf", cwd=workdir, env=env)
    assert result.code == 0, result.output
    data = (workdir / "vado.pdf").read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") <= 1


async def test_an_unknown_neighborhood_or_language_is_one_sentence(workdir: Path, fake: FakeTelegram):
    env = environment(**settings_for(fake, workdir))
    unknown = await vigil("flyer", "roswell", cwd=workdir, env=env)
    assert unknown.code == 2 and "no neighborhood 'roswell'" in unknown.stderr and "clovis" in unknown.stderr
    french = await vigil("flyer", "clovis", "--language", "fr", cwd=workdir, env=env)
    assert french.code == 2 and "'fr'" in french.stderr
    assert not list(workdir.glob("flyer-*"))
