"""syndigits: rendered colour digits in the manner of SVHN crops, generated from a seed.

Each image is a digit in one of the fonts shipped with matplotlib, in a random colour that
contrasts with a random two-colour gradient background, jittered in position, size, rotation
and slant, often with neighbour digits cut off at the left and right edges (as in SVHN crops),
then blurred and lightly noised. Image ``i`` depends only on ``(seed, i)``, so the first ``n``
images of a larger set are the set of size ``n``.

Glyphs are rendered once per process with PIL; an image is three affine warps of glyph masks
at twice the final resolution, composited and box-filtered down: about 1,700 images a second
on one (shared) CPU core.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from minimaxlab.data.images import ImageSet, from_arrays
from minimaxlab.errors import MinimaxlabError

# Fonts of matplotlib's mpl-data whose digits look different enough to be worth having:
# sans, serif, monospace, Computer Modern and STIX, upright, bold and slanted.
FONT_FILES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf",
    "STIXGeneral.ttf",
    "STIXGeneralBol.ttf",
    "STIXGeneralItalic.ttf",
    "cmr10.ttf",
    "cmb10.ttf",
    "cmss10.ttf",
    "cmtt10.ttf",
)
GLYPH_PIXELS = 80  # font size of the pre-rendered glyphs; they are only ever scaled down
SUPERSAMPLE = 2  # images are drawn at twice their size, then averaged down 2×2
MIN_CONTRAST = 70  # least |luma(digit) − luma(background)| on the 0–255 scale
CLASS_NAMES = tuple(str(d) for d in range(10))
# Fixed, so that every run sees the same syndigits; the splits are drawn from different seeds.
SPLIT_SEEDS = {"train": 0, "test": 1}
DEFAULT_SIZES = {"train": 50_000, "test": 10_000}


def font_dir() -> Path:
    """The folder of TrueType fonts that matplotlib ships (mpl-data/fonts/ttf)."""
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@functools.lru_cache(maxsize=1)
def glyphs() -> tuple[tuple[Image.Image, ...], ...]:
    """Per font, the ten digits as tightly cropped 8-bit coverage masks (white on black)."""
    fonts = []
    for name in FONT_FILES:
        path = font_dir() / name
        try:
            font = ImageFont.truetype(str(path), GLYPH_PIXELS)
        except OSError:
            raise MinimaxlabError(
                f"cannot load the font {path} that syndigits draws with; reinstall matplotlib"
            ) from None
        masks = []
        for digit in CLASS_NAMES:
            canvas = Image.new("L", (2 * GLYPH_PIXELS, 2 * GLYPH_PIXELS), 0)
            ImageDraw.Draw(canvas).text((GLYPH_PIXELS // 2, GLYPH_PIXELS // 4), digit, 255, font)
            box = canvas.getbbox()
            if box is None:
                raise MinimaxlabError(f"the font {path} has no glyph for {digit}")
            masks.append(canvas.crop(box))
        fonts.append(tuple(masks))
    return tuple(fonts)


def _luma(rgb: np.ndarray) -> float:
    return float(rgb @ np.array([0.299, 0.587, 0.114]))


def _colours(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two background colours for a gradient and a digit colour that stands out from both."""
    while True:
        background = rng.uniform(0, 255, 3)
        # the second end of the gradient is a shade of the first, as lighting varies on a wall
        shade = np.clip(background * rng.uniform(0.6, 1.4) + rng.normal(0, 15, 3), 0, 255)
        digit = rng.uniform(0, 255, 3)
        contrast = min(abs(_luma(digit) - _luma(background)), abs(_luma(digit) - _luma(shade)))
        if contrast >= MIN_CONTRAST:
            return background, shade, digit


def _warp(
    glyph: Image.Image, canvas: int, cx: float, cy: float, height: float, angle: float, slant: float
) -> np.ndarray:
    """The glyph scaled to ``height`` pixels, slanted, rotated by ``angle`` and centred at
    (cx, cy) on a canvas×canvas coverage mask in [0, 1]."""
    scale = height / glyph.height
    cos, sin = math.cos(angle), math.sin(angle)
    # Forward map from glyph coordinates (centred) to canvas: rotation · shear · scale.
    forward = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1.0, slant], [0.0, 1.0]]) * scale
    inverse = np.linalg.inv(forward)
    centre = np.array([glyph.width / 2, glyph.height / 2])
    offset = centre - inverse @ np.array([cx, cy])
    coefficients = (*inverse[0], offset[0], *inverse[1], offset[1])
    warped = glyph.transform((canvas, canvas), Image.AFFINE, coefficients, Image.BILINEAR)
    return np.asarray(warped, dtype=np.float32) / 255.0


def render_digit(rng: np.random.Generator, label: int, size: int = 32) -> np.ndarray:
    """One size×size×3 uint8 image of ``label``, every random choice drawn from ``rng``."""
    font = glyphs()[rng.integers(len(FONT_FILES))]
    canvas = size * SUPERSAMPLE
    background, shade, colour = _colours(rng)

    height = canvas * rng.uniform(0.5, 0.8)
    angle = math.radians(rng.uniform(-12, 12))
    slant = rng.uniform(-0.2, 0.2)
    cx = canvas / 2 + canvas * rng.uniform(-0.06, 0.06)
    cy = canvas / 2 + canvas * rng.uniform(-0.06, 0.06)
    main = font[label]
    coverage = _warp(main, canvas, cx, cy, height, angle, slant)
    # Neighbours of the same style, as on a house-number plate, cut off by the crop.
    half_width = main.width * height / main.height / 2
    gap = height * rng.uniform(0.05, 0.25)
    for side in (-1, 1):
        if rng.uniform() < 0.7:
            neighbour = font[rng.integers(10)]
            neighbour_half = neighbour.width * height / neighbour.height / 2
            nx = cx + side * (half_width + gap + neighbour_half) * math.cos(angle)
            ny = cy + side * (half_width + gap + neighbour_half) * math.sin(angle)
            coverage = np.maximum(coverage, _warp(neighbour, canvas, nx, ny, height, angle, slant))

    # A linear gradient between the two background colours in a random direction.
    direction = rng.uniform(0, 2 * math.pi)
    ramp = np.linspace(-1, 1, canvas, dtype=np.float32)
    along = (np.cos(direction) * ramp[None, :] + np.sin(direction) * ramp[:, None] + 1) / 2
    back = background + (shade - background) * along[..., None]
    image = back * (1 - coverage[..., None]) + colour * coverage[..., None]
    image = image.reshape(size, SUPERSAMPLE, size, SUPERSAMPLE, 3).mean(axis=(1, 3))

    blurred = Image.fromarray(image.clip(0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(rng.uniform(0, 1.2))
    )
    noisy = np.asarray(blurred, dtype=np.float32) + rng.normal(
        0, rng.uniform(0, 6), (size, size, 3)
    )
    return np.rint(noisy).clip(0, 255).astype(np.uint8)


def generate(n: int, seed: int, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images (uint8 N×3×size×size) with uniform labels (int64 N); image i depends only
    on (seed, i)."""
    if n < 0 or size < 8:
        raise MinimaxlabError(f"syndigits needs n ≥ 0 and size ≥ 8 (got n={n}, size={size})")
    images = np.empty((n, 3, size, size), np.uint8)
    labels = np.empty(n, np.int64)
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        labels[i] = rng.integers(10)
        images[i] = render_digit(rng, int(labels[i]), size).transpose(2, 0, 1)
    return images, labels


def load_syndigits(split: str = "train", n: int | None = None) -> ImageSet:
    """The split's first ``n`` syndigits (default: 50,000 train, 10,000 test), on the CPU."""
    n = DEFAULT_SIZES[split] if n is None else n
    images, labels = generate(n, SPLIT_SEEDS[split])
    return from_arrays("syndigits", split, images, labels, CLASS_NAMES)
