"""kit.synth: rendered digits look like MNIST digits in format, carry the right labels, and mix."""

import numpy as np
import pytest
from scipy import ndimage
from sklearn.linear_model import LogisticRegression

from kit.data import synth
from kit.data.synth import Jitter


def test_format_like_mnist():
    X, y = synth.render_digits(50, seed=0)
    assert X.shape == (50, 28, 28) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() >= 0 and X.max() <= 1
    assert np.bincount(y, minlength=10).tolist() == [5] * 10
    assert (X.reshape(50, -1).max(axis=1) > 0.9).all()  # every image has ink
    assert (X[:, :2].max() < 0.05) and (X[:, :, :2].max() < 0.05)  # MNIST-like empty border


def test_centred_by_mass_in_a_20_pixel_box():
    X, _ = synth.render_digits(40, seed=1, jitter=Jitter.none())
    for img in X:
        cy, cx = ndimage.center_of_mass(img)
        assert abs(cy - 14) < 1.0 and abs(cx - 14) < 1.0
        rows, cols = np.nonzero(img > 0.1)
        extent = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
        assert 16 <= extent <= 22


def test_seeded_and_varied():
    X1, y1 = synth.render_digits(30, seed=2)
    X2, y2 = synth.render_digits(30, seed=2)
    X3, _ = synth.render_digits(30, seed=3)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    strong, _ = synth.render_digits(30, seed=2, jitter=Jitter.randomized())
    assert not np.array_equal(X1, strong)


def test_every_font_draws_ten_different_digits():
    fonts = synth.font_paths()
    assert len(fonts) == len(synth.FONT_FILES)
    for font in fonts:
        X, y = synth.render_digits(10, seed=0, fonts=[font], jitter=Jitter.none())
        flat = X[np.argsort(y)].reshape(10, -1)
        dists = np.linalg.norm(flat[:, None] - flat[None], axis=-1)
        assert dists[np.triu_indices(10, k=1)].min() > 1.0, font.name


def test_labels_match_the_glyphs():
    X, y = synth.render_digits(700, seed=4)
    clf = LogisticRegression(max_iter=500, C=0.1).fit(X[:500].reshape(500, -1), y[:500])
    assert clf.score(X[500:].reshape(200, -1), y[500:]) > 0.85


def test_mix_real_shares():
    Xs, ys = np.zeros((200, 4, 4), dtype=np.float32), np.zeros(200, dtype=np.int64)
    Xr, yr = np.ones((20, 4, 4), dtype=np.float32), np.ones(20, dtype=np.int64)
    X, y, is_real = synth.mix_real(Xs, ys, Xr, yr, seed=0)
    assert len(X) == 220 and is_real.sum() == 20
    assert np.array_equal(X[:, 0, 0] == 1, is_real) and np.array_equal(y == 1, is_real)
    X, y, is_real = synth.mix_real(Xs, ys, Xr, yr, real_share=0.5, seed=0)
    assert is_real.mean() == pytest.approx(0.5)
    assert not is_real[:20].all()  # shuffled
    _, _, quarter = synth.mix_real(Xs, ys, Xr, yr, real_share=0.2, seed=0)
    assert quarter.mean() == pytest.approx(0.2, abs=0.02)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="rotation"):
        Jitter(rotation=500)
    with pytest.raises(ValueError, match="scale"):
        Jitter(scale=(1.0, 0.5))
    with pytest.raises(TypeError, match="jitter"):
        synth.render_digits(5, jitter={"shift": 1})
    with pytest.raises(FileNotFoundError, match="fonts"):
        synth.render_digits(5, fonts=["no-such-font.ttf"])
    with pytest.raises(ValueError, match="n: expected a value >= 1"):
        synth.render_digits(0)
    with pytest.raises(ValueError, match="X_real"):
        synth.mix_real(np.zeros((5, 4, 4)), np.zeros(5, int), np.zeros((5, 3, 3)), np.zeros(5, int))
    with pytest.raises(ValueError, match="real_share"):
        synth.mix_real(np.zeros((5, 4, 4)), np.zeros(5, int), np.zeros((5, 4, 4)), np.zeros(5, int),
                       real_share=1.0)


def test_bad_ranges_and_fonts_name_the_argument():
    with pytest.raises(TypeError, match="^stroke: "):
        Jitter(stroke=3)
    with pytest.raises(TypeError, match="^blur: "):
        Jitter(blur=(0.0, 0.5, 1.0))
    with pytest.raises(TypeError, match="^fonts: "):
        synth.render_digits(2, fonts="DejaVuSans.ttf")
    with pytest.raises(ValueError, match="^size: "):
        synth.render_digits(2, size=2**70)
    with pytest.raises(ValueError, match="^n: "):
        synth.render_digits(2**70)


def test_mix_real_refuses_pixels_beyond_float32():
    big = np.full((2, 4, 4), 1e154)
    with pytest.raises(ValueError, match="^X_real: "):
        synth.mix_real(np.zeros((3, 4, 4)), np.zeros(3, int), big, np.ones(2, int))


def test_render_glyphs_draws_letters_like_the_digits():
    from kit.data.synth import render_glyphs

    X, y = render_glyphs(30, "AKX", seed=1)
    assert X.shape == (30, 28, 28) and X.dtype == np.float32 and X.min() >= 0 and X.max() == 1
    assert np.bincount(y).tolist() == [10, 10, 10]
    X2, y2 = render_glyphs(30, "AKX", seed=1)
    assert (X == X2).all() and (y == y2).all()
    means = [X[y == k].mean(axis=0) for k in range(3)]  # different letters, different mean images
    assert min(np.abs(means[i] - means[j]).sum() for i in range(3) for j in range(i + 1, 3)) > 5
    with pytest.raises(TypeError, match="chars"):
        render_glyphs(3, "")
    with pytest.raises(TypeError, match="chars"):
        render_glyphs(3, "A B")


def test_image_patches_crop_resize_and_validate():
    from kit.data.synth import image_patches

    photos = np.zeros((1, 50, 60), dtype=np.float32)
    photos[0, :, 30:] = 1.0  # left half black, right half white
    P = image_patches(photos, 40, size=10, crop=(10, 20), seed=0)
    assert P.shape == (40, 10, 10) and P.min() >= 0 and P.max() <= 1
    assert (P == image_patches(photos, 40, size=10, crop=(10, 20), seed=0)).all()
    assert 0 < (P.max(axis=(1, 2)) > 0).mean() < 1  # some crops fall in the black half, some do not
    with pytest.raises(ValueError, match="images"):
        image_patches(photos * 2, 3)
    with pytest.raises(ValueError, match="crop"):
        image_patches(photos, 3, crop=(10, 80))
    with pytest.raises(ValueError, match="images"):
        image_patches(np.zeros((5, 5)), 3)
