"""`vigil flyer`: a printable page whose QR codes, read back from the image, lead to the right links."""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image

from bot.fake_telegram import FakeTelegram
from tests.cli.conftest import environment, no_dns, settings_for, vigil


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


async def test_a_flyer_needs_only_the_token_and_the_network_file(workdir: Path, fake: FakeTelegram):
    settings = settings_for(fake, workdir)
    del settings["VIGIL_SECRET_KEY"], settings["VIGIL_DATABASE"]
    result = await vigil("flyer", "clovis", "--out", "clovis.png", cwd=workdir, env=environment(**settings))
    assert result.code == 0, result.output
    assert (workdir / "clovis.png").exists()
    result.assert_no_secrets()


async def test_with_bot_username_a_flyer_is_made_offline_with_no_token(workdir: Path, tmp_path: Path):
    env = environment()  # no token, no secret key: the network file in the current directory
    env["PYTHONPATH"] = no_dns(tmp_path / "offline", no_network=True)  # and no way to reach Telegram
    result = await vigil("flyer", "vado", "--bot-username", "@VadoAlertsBot", "--out", "vado.png", cwd=workdir, env=env)
    assert result.code == 0, result.output
    assert result.stdout.strip() == "Wrote vado.png (Vado, en, for @VadoAlertsBot)."
    with Image.open(workdir / "vado.png") as page:
        assert qr_links(page) == {
            "https://t.me/VadoAlertsBot?start=report-vado",
            "https://t.me/VadoAlertsBot?start=sub-vado",
        }


async def test_a_username_that_is_not_a_bots_is_one_sentence(workdir: Path):
    for wrong in ("vado_alerts", "a b bot", "x" * 40 + "bot"):
        result = await vigil("flyer", "vado", "--bot-username", wrong, cwd=workdir, env=environment())
        assert result.code == 2, result.output
        assert len(result.stderr.strip().splitlines()) == 1 and "is not a bot's username" in result.stderr
    assert not list(workdir.glob("flyer-*"))
