"""A tiny digit simulator: render 0-9 from the fonts that ship with matplotlib, MNIST-style.

Synthetic data is the cheap answer to "not enough varied data" (Paleyes et al. 2022, data
augmentation): render as many labelled digits as you like. The catch is that rendered digits
are not handwriting, so a model trained on them scores high on more rendered digits and much
lower on real ones (the sim-to-real gap of Tobin et al., IROS 2017; Ganin et al., JMLR 2016).

Each digit is drawn with Pillow in a random font (DejaVu, STIX and Computer Modern files from
``matplotlib/mpl-data/fonts/ttf``), thickened, rotated, fitted into a 20x20 box and centred
by its centre of mass in a 28x28 frame like MNIST (LeCun et al. 1998), then shifted, blurred
and given noise. ``Jitter`` holds the ranges; wider ranges are domain randomisation.

``render_glyphs`` draws any other characters (letters) the same way: inputs that look like
MNIST but are not digits, the near out-of-distribution set of ``13_monitoring-ood``;
``image_patches`` cuts 28x28 grayscale crops from photographs, a far one.

Taught in ``notebooks/03_data-augmentation.ipynb`` and ``notebooks/13_monitoring-ood.ipynb``.

Examples
--------
>>> X, y = render_digits(20, seed=0)
>>> X.shape, X.dtype, float(X.min()) >= 0.0, float(X.max()) <= 1.0
((20, 28, 28), dtype('float32'), True, True)
>>> sorted(set(y.tolist())) == list(range(10))
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kit._validate import as_array, check_range, check_seed, same_length

# matplotlib font files whose digits are ordinary glyphs (math-symbol and display-only fonts left out)
FONT_FILES = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf",
    "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf",
    "DejaVuSansMono-BoldOblique.ttf", "STIXGeneral.ttf", "STIXGeneralBol.ttf",
    "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf", "cmr10.ttf", "cmss10.ttf", "cmtt10.ttf",
    "cmb10.ttf",
)


def font_paths() -> list[Path]:
    """The font files used by default: matplotlib's bundled DejaVu, STIX and Computer Modern.

    >>> len(font_paths()) >= 10
    True
    """
    import matplotlib

    root = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    found = [root / f for f in FONT_FILES if (root / f).exists()]
    if not found:
        raise FileNotFoundError(f"no font files found under {root}; is matplotlib installed?")
    return found


@dataclass(frozen=True)
class Jitter:
    """Ranges the simulator draws from, uniformly, for each digit.

    Parameters
    ----------
    shift : float
        Largest shift of the centre of mass, pixels (each axis).
    scale : (float, float)
        Size of the digit's bounding box relative to MNIST's 20-pixel box.
    rotation : float
        Largest rotation, degrees (either way).
    stroke : (int, int)
        Extra stroke width in pixels at the 48-point rendering size (before shrinking).
    blur : (float, float)
        Gaussian blur sigma in final pixels.
    noise : float
        Standard deviation of additive Gaussian pixel noise.
    widen : (float, float)
        Horizontal stretch of the glyph before it is fitted into the box (font digits are
        narrower than handwritten ones; 1 leaves it as drawn).
    shear : float
        Largest horizontal shear, pixels per pixel of height (either way): slant.

    Examples
    --------
    >>> Jitter()
    Jitter(shift=1.0, scale=(0.8, 1.0), rotation=8.0, stroke=(1, 4), blur=(0.0, 0.5), noise=0.0, widen=(1.0, 1.0), shear=0.0)
    """

    shift: float = 1.0
    scale: tuple[float, float] = (0.8, 1.0)
    rotation: float = 8.0
    stroke: tuple[int, int] = (1, 4)
    blur: tuple[float, float] = (0.0, 0.5)
    noise: float = 0.0
    widen: tuple[float, float] = (1.0, 1.0)
    shear: float = 0.0

    def __post_init__(self) -> None:
        check_range(self.shift, "shift", low=0, high=6)
        check_range(self.rotation, "rotation", low=0, high=180)
        check_range(self.noise, "noise", low=0, high=1)
        check_range(self.shear, "shear", low=0, high=1)
        for name, pair, low in (("scale", self.scale, 0.2), ("stroke", self.stroke, 0), ("blur", self.blur, 0),
                                ("widen", self.widen, 0.5)):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"{name}: expected a (low, high) pair of numbers, got {type(pair).__name__}")
            lo, hi = pair
            check_range(lo, name, low=low)
            check_range(hi, name, low=lo)

    @classmethod
    def none(cls) -> Jitter:
        """Every digit drawn the same way per font: no randomness beyond the font."""
        return cls(shift=0.0, scale=(1.0, 1.0), rotation=0.0, stroke=(2, 2), blur=(0.0, 0.0), noise=0.0)

    @classmethod
    def randomized(cls) -> Jitter:
        """Wide ranges: domain randomisation in the spirit of Tobin et al. 2017."""
        return cls(shift=2.0, scale=(0.6, 1.05), rotation=20.0, stroke=(0, 7), blur=(0.0, 1.0), noise=0.05)


def _render_one(font, digit: int | str, stroke: int, angle: float, box: float, dx: float, dy: float,
                blur: float, size: int, widen: float = 1.0, shear: float = 0.0) -> np.ndarray:
    from PIL import Image, ImageDraw
    from scipy import ndimage

    canvas = Image.new("L", (96, 96), 0)
    ImageDraw.Draw(canvas).text((48, 48), str(digit), fill=255, font=font, anchor="mm",
                                stroke_width=stroke, stroke_fill=255)
    if shear:  # x_in = x_out + shear * (y_out - 48): the top leans right for shear > 0
        canvas = canvas.transform(canvas.size, Image.Transform.AFFINE, (1, shear, -48 * shear, 0, 1, 0),
                                  resample=Image.Resampling.BILINEAR)
    canvas = canvas.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True)
    canvas = canvas.crop(canvas.getbbox())
    if widen != 1.0:
        canvas = canvas.resize((max(1, round(canvas.size[0] * widen)), canvas.size[1]), Image.Resampling.BILINEAR)
    w, h = canvas.size
    f = box / max(w, h)
    canvas = canvas.resize((max(1, round(w * f)), max(1, round(h * f))), Image.Resampling.LANCZOS)
    glyph = np.asarray(canvas, dtype=np.float32) / 255.0
    out = np.zeros((size, size), dtype=np.float32)
    gh, gw = glyph.shape
    cy, cx = ndimage.center_of_mass(glyph) if glyph.sum() > 0 else (gh / 2, gw / 2)
    top = int(np.clip(round(size / 2 - cy + dy), 0, size - gh))
    left = int(np.clip(round(size / 2 - cx + dx), 0, size - gw))
    out[top:top + gh, left:left + gw] = glyph
    if blur > 0:
        out = ndimage.gaussian_filter(out, blur)
    return out


def _pose_draws(rng: np.random.Generator, n: int, jitter: Jitter, size: int) -> tuple[np.ndarray, ...]:
    """Stroke, angle, box, shifts and blur of ``n`` renders, in this order (shared plumbing)."""
    stroke = rng.integers(jitter.stroke[0], jitter.stroke[1] + 1, size=n)
    angle = rng.uniform(-jitter.rotation, jitter.rotation, size=n)
    box = rng.uniform(*jitter.scale, size=n) * 20 * size / 28
    dx, dy = rng.uniform(-jitter.shift, jitter.shift, size=(2, n))
    blur = rng.uniform(*jitter.blur, size=n)
    return stroke, angle, box, dx, dy, blur


def render_digits(n: int, *, seed: int = 0, jitter: Jitter | None = None,
                  fonts: list[Path] | None = None, size: int = 28) -> tuple[np.ndarray, np.ndarray]:
    """Render ``n`` labelled digits, balanced over 0-9, as white-on-black images like MNIST.

    Parameters
    ----------
    n : int
        Number of images (classes are balanced: label ``i % 10``, then shuffled).
    seed : int
        Draws labels, fonts and jitter; the same seed gives the same images.
    jitter : Jitter, optional
        Ranges of the random variation; default ``Jitter()``.
    fonts : list of Path, optional
        TrueType files; default ``font_paths()``.
    size : int
        Side of the output images (MNIST: 28; the glyph fills ``20 / 28`` of it).

    Returns
    -------
    X : np.ndarray, shape (n, size, size), float32 in [0, 1]
    y : np.ndarray, shape (n,), int64

    Examples
    --------
    >>> X1, y1 = render_digits(10, seed=3)
    >>> X2, y2 = render_digits(10, seed=3)
    >>> bool((X1 == X2).all() and (y1 == y2).all())
    True
    """
    from PIL import ImageFont

    check_range(n, "n", low=1, high=10**7, integer=True)
    seed = check_seed(seed)
    check_range(size, "size", low=8, high=4096, integer=True)
    jitter = Jitter() if jitter is None else jitter
    if not isinstance(jitter, Jitter):
        raise TypeError(f"jitter: expected a kit.data.synth.Jitter, got {type(jitter).__name__}")
    if fonts is not None and (not isinstance(fonts, (list, tuple))
                              or not all(isinstance(p, (str, Path)) for p in fonts)):
        raise TypeError(f"fonts: expected a list of font file paths, got {type(fonts).__name__}")
    paths = font_paths() if fonts is None else [Path(p) for p in fonts]
    if not paths:
        raise ValueError("fonts: expected at least one font file")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"fonts: no such file(s): {missing}")
    loaded = [ImageFont.truetype(str(p), 48) for p in paths]
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % 10).astype(np.int64)
    font_idx = rng.integers(len(loaded), size=n)
    stroke, angle, box, dx, dy, blur = _pose_draws(rng, n, jitter, size)
    noise = rng.normal(0, jitter.noise, size=(n, size, size)).astype(np.float32) if jitter.noise > 0 else None
    # drawn last, and only when used, so that renders without them are unchanged
    widen = rng.uniform(*jitter.widen, size=n) if jitter.widen != (1.0, 1.0) else np.ones(n)
    shear = rng.uniform(-jitter.shear, jitter.shear, size=n) if jitter.shear > 0 else np.zeros(n)
    X = np.stack([_render_one(loaded[font_idx[i]], int(y[i]), int(stroke[i]), float(angle[i]),
                              float(box[i]), float(dx[i]), float(dy[i]), float(blur[i]), size,
                              float(widen[i]), float(shear[i]))
                  for i in range(n)])
    if noise is not None:
        X = X + noise
    X = X / np.maximum(X.max(axis=(1, 2), keepdims=True), 1e-6)
    return np.clip(X, 0, 1).astype(np.float32), y


def mix_real(X_syn, y_syn, X_real, y_real, *, real_share: float | None = None,
             seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pool synthetic and real examples, optionally oversampling the real ones to a share.

    ``real_share=None`` is the naive pool: 2,000 rendered digits and 100 real ones make
    batches that are 95% synthetic, so the real signal is drowned. ``real_share=0.5``
    repeats the real rows (each at least once, some once more to hit the share) until they
    are half of the pool: every batch then sees as much real as synthetic data. The result is
    shuffled.

    Parameters
    ----------
    X_syn : array-like, shape (n_syn, H, W)
    y_syn : array-like of int, shape (n_syn,)
    X_real : array-like, shape (n_real, H, W)
    y_real : array-like of int, shape (n_real,)
    real_share : float in (0, 1), optional
    seed : int
        Seeds the shuffle.

    Returns
    -------
    X : np.ndarray, shape (n, H, W)
    y : np.ndarray, shape (n,)
    is_real : np.ndarray of bool, shape (n,)

    Examples
    --------
    >>> Xs, ys = np.zeros((90, 4, 4)), np.zeros(90, dtype=int)
    >>> Xr, yr = np.ones((10, 4, 4)), np.ones(10, dtype=int)
    >>> _, _, is_real = mix_real(Xs, ys, Xr, yr)
    >>> round(float(is_real.mean()), 2)
    0.1
    >>> X, y, is_real = mix_real(Xs, ys, Xr, yr, real_share=0.5)
    >>> len(X), round(float(is_real.mean()), 2)
    (180, 0.5)
    """
    Xs, Xr = as_array(X_syn, "X_syn", ndim=3), as_array(X_real, "X_real", ndim=3)
    for name, arr in (("X_syn", Xs), ("X_real", Xr)):
        if arr.size and np.abs(arr).max() > np.finfo(np.float32).max:
            raise ValueError(f"{name}: expected pixel values that fit in float32, got up to {np.abs(arr).max():g}")
    ys = as_array(y_syn, "y_syn", ndim=1, dtype=None)
    yr = as_array(y_real, "y_real", ndim=1, dtype=None)
    same_length(X_syn=Xs, y_syn=ys)
    same_length(X_real=Xr, y_real=yr)
    if Xs.shape[1:] != Xr.shape[1:]:
        raise ValueError(f"X_real: expected images shaped like X_syn {Xs.shape[1:]}, got {Xr.shape[1:]}")
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    take = np.arange(len(Xr))
    if real_share is not None:
        check_range(real_share, "real_share", low=0.01, high=0.99)
        target = max(len(Xr), round(real_share / (1 - real_share) * len(Xs)))
        extra = rng.choice(len(Xr), size=target % len(Xr), replace=False)
        take = np.r_[np.tile(take, target // len(Xr)), extra]
    X = np.concatenate([Xs, Xr[take]]).astype(np.float32)
    y = np.concatenate([ys, yr[take]]).astype(np.int64)
    is_real = np.r_[np.zeros(len(Xs), dtype=bool), np.ones(len(take), dtype=bool)]
    order = rng.permutation(len(X))
    return X[order], y[order], is_real[order]


def render_glyphs(n: int, chars: str = "ACEFHKLMNPRTUVWXY", *, seed: int = 0,
                  jitter: Jitter | None = None, size: int = 28) -> tuple[np.ndarray, np.ndarray]:
    """Render ``n`` characters of ``chars`` (default: capital letters unlike any digit), MNIST-style.

    The same pipeline as ``render_digits`` (random font, stroke, rotation, 20-pixel box centred
    by mass, white on black) with other glyphs: images that share MNIST's format and strokes but
    belong to no digit class, a *near* out-of-distribution set (Hendrycks & Gimpel 2017 use
    letters of notMNIST against an MNIST model). Taught in ``13_monitoring-ood``.

    Parameters
    ----------
    n : int
        Number of images (characters balanced: ``chars[i % len(chars)]``, then shuffled).
    chars : str
        The characters to draw (default leaves out B, D, G, I, J, O, Q, S, Z, which can pass for digits).
    seed : int
    jitter : Jitter, optional
        Default ``Jitter()``.
    size : int

    Returns
    -------
    X : np.ndarray, shape (n, size, size), float32 in [0, 1]
    y : np.ndarray, shape (n,), int64: index of each image's character in ``chars``

    Examples
    --------
    >>> X, y = render_glyphs(6, "AB", seed=0)
    >>> X.shape, sorted(y.tolist())
    ((6, 28, 28), [0, 0, 0, 1, 1, 1])
    """
    from PIL import ImageFont

    check_range(n, "n", low=1, high=10**7, integer=True)
    if not isinstance(chars, str) or not chars or any(c.isspace() for c in chars):
        raise TypeError(f"chars: expected a non-empty str of visible characters, got {chars!r}")
    seed = check_seed(seed)
    check_range(size, "size", low=8, high=4096, integer=True)
    jitter = Jitter() if jitter is None else jitter
    if not isinstance(jitter, Jitter):
        raise TypeError(f"jitter: expected a kit.data.synth.Jitter, got {type(jitter).__name__}")
    loaded = [ImageFont.truetype(str(p), 48) for p in font_paths()]
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % len(chars)).astype(np.int64)
    font_idx = rng.integers(len(loaded), size=n)
    stroke, angle, box, dx, dy, blur = _pose_draws(rng, n, jitter, size)
    X = np.stack([_render_one(loaded[font_idx[i]], chars[y[i]], int(stroke[i]), float(angle[i]), float(box[i]),
                              float(dx[i]), float(dy[i]), float(blur[i]), size) for i in range(n)])
    if jitter.noise > 0:
        X = X + rng.normal(0, jitter.noise, size=X.shape).astype(np.float32)
    X = X / np.maximum(X.max(axis=(1, 2), keepdims=True), 1e-6)
    return np.clip(X, 0, 1).astype(np.float32), y


def image_patches(images, n: int, *, size: int = 28, crop: tuple[int, int] = (28, 112),
                  seed: int = 0) -> np.ndarray:
    """Cut ``n`` random square crops from grayscale photographs and resize them to ``size``.

    Each crop picks an image, a side in ``crop`` (pixels of the photograph) and a position,
    all uniformly; it is resized with Pillow's bilinear filter and rescaled to [0, 1] by its
    own maximum, like the rendered digits. Natural-image patches are a *far*
    out-of-distribution set for a digit model (Hendrycks & Gimpel 2017). Taught in
    ``13_monitoring-ood``.

    Parameters
    ----------
    images : array-like, shape (m, H, W), values in [0, 1]
        E.g. ``kit.data.load("sample_images")``.
    n : int
    size : int
        Side of the output patches.
    crop : (int, int)
        Smallest and largest side of a crop, in pixels of the photograph (at most min(H, W)).
    seed : int

    Returns
    -------
    np.ndarray, shape (n, size, size), float32 in [0, 1]

    Examples
    --------
    >>> photos = np.random.default_rng(0).random((2, 60, 80))
    >>> image_patches(photos, 5, crop=(20, 40)).shape
    (5, 28, 28)
    """
    from PIL import Image

    imgs = as_array(images, "images", ndim=3)
    if imgs.min() < 0 or imgs.max() > 1:
        raise ValueError(f"images: expected values in [0, 1], got [{imgs.min():.3g}, {imgs.max():.3g}]")
    check_range(n, "n", low=1, high=10**7, integer=True)
    check_range(size, "size", low=4, high=4096, integer=True)
    if not isinstance(crop, (tuple, list)) or len(crop) != 2:
        raise TypeError(f"crop: expected a (low, high) pair of ints, got {type(crop).__name__}")
    check_range(crop[0], "crop", low=2, integer=True)
    check_range(crop[1], "crop", low=crop[0], high=min(imgs.shape[1:]), integer=True)
    rng = np.random.default_rng(check_seed(seed))
    which = rng.integers(len(imgs), size=n)
    side = rng.integers(crop[0], crop[1] + 1, size=n)
    top = (rng.random(n) * (imgs.shape[1] - side + 1)).astype(int)
    left = (rng.random(n) * (imgs.shape[2] - side + 1)).astype(int)
    out = np.empty((n, size, size), dtype=np.float32)
    for i in range(n):
        patch = imgs[which[i], top[i]:top[i] + side[i], left[i]:left[i] + side[i]].astype(np.float32)
        out[i] = np.asarray(Image.fromarray(patch).resize((size, size), Image.Resampling.BILINEAR))
    out = np.clip(out, 0, None)
    return (out / np.maximum(out.max(axis=(1, 2), keepdims=True), 1e-6)).astype(np.float32)
