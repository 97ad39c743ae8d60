"""Draw the Teams app icons (run once; the PNGs are committed): `python deploy/teams/make_icons.py`.

color.png: 192x192, full colour. outline.png: 32x32, white on a transparent background (Teams' rules).
Needs Pillow (installed with sentence-transformers); the server never imports it.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
NHS_BLUE = (0, 94, 184, 255)
WHITE = (255, 255, 255, 255)


def _bubble(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    tail: list[tuple[int, int]],
    *,
    fill=None,
    outline=None,
    width: int = 1,
    radius: int = 8,
) -> None:
    draw.rounded_rectangle(box, radius=radius, fill=fill, outline=outline, width=width)
    draw.polygon(tail, fill=fill or outline)


def color_icon(size: int = 192) -> Image.Image:
    img = Image.new("RGBA", (size, size), NHS_BLUE)
    d = ImageDraw.Draw(img)
    # A white speech bubble with three "quote" bars: an answer built from quoted sources.
    _bubble(d, (28, 36, 164, 132), [(56, 128), (56, 160), (88, 128)], fill=WHITE, radius=22)
    for i, w in enumerate((100, 84, 60)):
        y = 58 + i * 22
        d.rounded_rectangle((46, y, 46 + w, y + 10), radius=5, fill=NHS_BLUE)
    return img


def outline_icon(size: int = 32) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((3, 5, 28, 21), radius=4, outline=WHITE, width=2)
    d.polygon([(8, 20), (8, 27), (14, 20)], fill=WHITE)
    for i, w in enumerate((14, 10)):
        y = 10 + i * 5
        d.rectangle((8, y, 8 + w, y + 1), fill=WHITE)
    return img


def main() -> None:
    color_icon().save(HERE / "color.png", optimize=True)
    outline_icon().save(HERE / "outline.png", optimize=True)
    print(f"wrote {HERE / 'color.png'} and {HERE / 'outline.png'}")


if __name__ == "__main__":
    main()
