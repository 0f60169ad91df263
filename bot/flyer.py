"""A printable one-page flyer for a neighborhood: scan to report, scan to get alerts, the hotline,
and three lines of know-your-rights.

QR codes come from segno, the page is drawn with Pillow (A4 at 150 dpi) and saved as PNG, or as
PDF when the file name ends in .pdf (Pillow's PDF writer, one page). The links name the bot as
Telegram knows it (getMe), passed in by the command line.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from bot.domain.deep_links import DeepLinks
from bot.i18n import Translator
from bot.network import Neighborhood, Network
from bot.rendering.rights import flyer_rights_lines

DPI = 150
PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN = 90
QR_SIZE = 470  # about 8 cm: scans from arm's length on a wall or a door


@dataclass(frozen=True)
class FlyerLinks:
    report: str
    subscribe: str


def flyer_links(links: DeepLinks, neighborhood: Neighborhood) -> FlyerLinks:
    return FlyerLinks(report=links.report(neighborhood.key), subscribe=links.subscribe(neighborhood.key))


def render_flyer(tr: Translator, network: Network, neighborhood: Neighborhood, links: DeepLinks) -> Image.Image:
    page = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(page)
    urls = flyer_links(links, neighborhood)
    width = PAGE[0] - 2 * MARGIN
    y = MARGIN
    y = _paragraph(draw, tr.gettext("Rapid response"), _font(40), MARGIN, y, width, fill="#b00020")
    y = _paragraph(draw, neighborhood.name(tr.language), _font(84), MARGIN, y + 6, width)
    y = _paragraph(
        draw,
        tr.gettext("Seeing immigration agents? Two trained verifiers check every report before an alert goes out."),
        _font(34),
        MARGIN,
        y + 20,
        width,
    )
    y += 40
    captions = (tr.gettext("Scan to report what you see"), tr.gettext("Scan to get alerts by direct message"))
    gap = width - 2 * QR_SIZE
    for index, (url, caption) in enumerate(zip((urls.report, urls.subscribe), captions, strict=True)):
        x = MARGIN + index * (QR_SIZE + gap)
        page.paste(_qr(url), (x, y))
        _paragraph(draw, caption, _font(32), x, y + QR_SIZE + 14, QR_SIZE)
    y += QR_SIZE + 14 + 2 * 44 + 30
    hotline = tr.gettext("Hotline, 24 hours: {hotline}", hotline=network.hotline)
    y = _paragraph(draw, hotline, _font(52), MARGIN, y, width)
    y += 36
    y = _paragraph(draw, tr.gettext("Know your rights"), _font(46), MARGIN, y, width, fill="#b00020")
    for line in flyer_rights_lines(tr):
        y = _paragraph(draw, "- " + line, _font(38), MARGIN, y + 12, width)  # the font has no bullet
    _paragraph(draw, urls.report, _font(24), MARGIN, PAGE[1] - MARGIN - 30, width, fill="#555555")
    return page


def save_flyer(image: Image.Image, out: Path) -> None:
    if out.suffix.lower() == ".pdf":
        image.save(out, "PDF", resolution=DPI)
    else:
        image.save(out, "PNG", dpi=(DPI, DPI))


def _qr(url: str) -> Image.Image:
    buffer = io.BytesIO()
    # Error correction M survives a crease or a smudge; the quiet zone of 4 modules is the standard's.
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=10, border=4)
    buffer.seek(0)
    with Image.open(buffer) as code:
        return code.convert("RGB").resize((QR_SIZE, QR_SIZE), Image.Resampling.NEAREST)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's own font (no system font needed); it covers the Latin letters of every catalog.
    return ImageFont.load_default(size=size)


def _paragraph(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    x: int,
    y: int,
    width: int,
    *,
    fill: str = "black",
) -> int:
    """Draw `text` wrapped to `width`; returns the y below it."""
    line = ""
    lines = []
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    size = getattr(font, "size", 12)
    for text_line in lines:
        draw.text((x, y), text_line, font=font, fill=fill)
        y += int(size * 1.25)
    return y
