"""Probe data: built-in digits and a folder of images made here, corrupt files included."""
from __future__ import annotations

import numpy as np
import pytest

from probes.measure.data import MIN_HELD_OUT, load_builtin_digits, load_image_folder, minimum_images, to_uint8
from rubric.errors import InputError


def _folder(tmp_path, n_rgb=0, n_grey=0, classes=None, size=20):
    from PIL import Image

    rng = np.random.default_rng(0)
    paths = []
    for i in range(n_rgb + n_grey):
        sub = tmp_path / (classes[i % len(classes)] if classes else "") / ("nested" if i % 3 == 0 else "")
        sub.mkdir(parents=True, exist_ok=True)
        if i < n_rgb:
            img = Image.fromarray(rng.integers(0, 255, (size, size + 6, 3), dtype=np.uint8), "RGB")
            path = sub / f"img{i}.jpg"
        else:
            img = Image.fromarray(rng.integers(0, 255, (size + 4, size), dtype=np.uint8), "L")
            path = sub / f"img{i}.png"
        img.save(path)
        paths.append(path)
    return paths


def test_digits_are_split_scaled_and_labelled():
    data = load_builtin_digits(resolution=16, seed=0)
    assert data.train.shape[1:] == (1, 16, 16) and len(data.train) + len(data.held_out) == 1797
    assert len(data.held_out) >= MIN_HELD_OUT
    assert data.train.min() >= -1 and data.train.max() <= 1
    assert set(data.train_labels.tolist()) == set(range(10))
    # the same seed gives the same split; subsets are nested across fractions
    again = load_builtin_digits(resolution=16, seed=0)
    assert (again.held_out == data.held_out).all()
    small, _ = data.subset(0.1, seed=3)
    large, _ = data.subset(0.3, seed=3)
    assert (large[: len(small)] == small).all() and len(small) == round(0.1 * len(data.train))


def test_folder_mixed_grey_and_rgb_with_corrupt_files(tmp_path):
    _folder(tmp_path, n_rgb=200, n_grey=150)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    good = next(tmp_path.rglob("img1.jpg")).read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(good[: len(good) // 3])
    (tmp_path / "notes.txt").write_text("ignored: not an image suffix")
    data = load_image_folder(tmp_path, resolution=16, seed=0)
    assert data.skipped_files == 2 and "broken.png" in data.skipped_examples
    assert len(data.train) + len(data.held_out) == 350
    assert data.channels == 3 and data.resolution == 16  # one colour image makes the set RGB
    assert data.train_labels is None


def test_all_grey_folder_stays_one_channel_and_class_folders_give_labels(tmp_path):
    _folder(tmp_path, n_grey=330, classes=["cats", "dogs", "owls"])
    data = load_image_folder(tmp_path, resolution=8, seed=0)
    assert data.channels == 1 and data.class_names == ["cats", "dogs", "owls"]
    assert data.train_labels is not None and data.train_labels.max() == 2


def test_too_few_images_names_the_minimum(tmp_path):
    _folder(tmp_path, n_rgb=30)
    with pytest.raises(InputError) as err:
        load_image_folder(tmp_path, resolution=16)
    assert f"needs at least {minimum_images((0.1, 0.3, 1.0))}" in str(err.value)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="not a directory"):
        load_image_folder(tmp_path / "nope")


def test_to_uint8_repeats_grey_to_rgb():
    data = load_builtin_digits(resolution=8)
    x = to_uint8(data.held_out[:4])
    assert x.dtype.is_floating_point is False and x.shape == (4, 3, 8, 8)
    assert (x[:, 0] == x[:, 2]).all()
