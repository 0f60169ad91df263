"""The pictures of drill scenarios, drawn at run time: the same name always draws the same picture,
so an old photo "going round again" has the fingerprint of the one sent before (re-saved smaller,
as a copy passed around would be)."""

from __future__ import annotations

import hashlib
import io
import random

from PIL import Image, ImageDraw

SIZE = (480, 360)


def draw(name: str, *, copy: bool = False) -> bytes:
    """A JPEG of a street scene: sky, road, and vehicles placed by `name`. `copy`: the same picture
    re-saved smaller and more compressed."""
    seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    image = Image.new("RGB", SIZE)
    pen = ImageDraw.Draw(image)
    width, height = SIZE
    # Buildings and shadows: light and dark blocks laid out by the name, so that two names never
    # draw pictures a perceptual fingerprint would take for the same one.
    columns, rows = 6, 4
    for column in range(columns):
        for row in range(rows):
            shade = rng.randrange(30, 230)
            box = (
                column * width // columns,
                row * height // rows,
                (column + 1) * width // columns,
                (row + 1) * height // rows,
            )
            pen.rectangle(box, fill=(shade, shade - 10 if shade > 10 else shade, min(shade + 15, 255)))
    pen.rectangle((0, height * 4 // 5, width, height), fill=(70 + rng.randrange(30),) * 3)
    for _ in range(3 + rng.randrange(4)):
        x = rng.randrange(0, width - 120)
        y = rng.randrange(height // 2, height - 60)
        colour = rng.choice([(20, 20, 20), (240, 240, 240), (40, 40, 90), (120, 120, 120)])
        pen.rectangle((x, y, x + 90 + rng.randrange(40), y + 40 + rng.randrange(20)), fill=colour)
        pen.ellipse((x + 10, y + 45, x + 30, y + 65), fill=(10, 10, 10))
        pen.ellipse((x + 60, y + 45, x + 80, y + 65), fill=(10, 10, 10))
    for _ in range(2 + rng.randrange(3)):
        x = rng.randrange(0, width - 20)
        y = rng.randrange(height // 3, height // 2)
        pen.rectangle((x, y, x + 14, y + 50), fill=(30 + rng.randrange(60), 40, 50))
    if copy:
        image = image.resize((width * 3 // 4, height * 3 // 4))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70 if copy else 88)
    return out.getvalue()
