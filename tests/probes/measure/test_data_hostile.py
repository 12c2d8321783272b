"""`--data` with hostile content: files reached through symlinks out of the folder
and decompression bombs are skipped and counted, never read; the good images still load."""
from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from probes.measure.data import load_image_folder, minimum_images
from rubric.errors import InputError

FRACTIONS = (1.0,)  # the smallest folder the loader accepts: minimum_images((1.0,)) images
NEEDED = minimum_images(FRACTIONS)


def _good_images(folder, n):
    from PIL import Image

    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (8, 8), dtype=np.uint8), "L").save(folder / f"img{i}.png")


def _bomb_png(width=100_000, height=100_000) -> bytes:
    """A PNG of a few dozen bytes whose header claims width × height pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 16))
            + chunk(b"IEND", b""))


def test_symlinks_out_of_the_folder_and_bombs_are_skipped_and_counted(tmp_path):
    from PIL import Image

    outside = tmp_path / "outside"
    outside.mkdir()
    Image.fromarray(np.zeros((8, 8), dtype=np.uint8), "L").save(outside / "secret.png")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    _good_images(data_dir, NEEDED)
    (data_dir / "link-out.png").symlink_to(outside / "secret.png")  # a file out of the folder
    (data_dir / "escape").symlink_to(outside, target_is_directory=True)  # a folder out: not entered
    (data_dir / "bomb.png").write_bytes(_bomb_png())  # beyond 2 × MAX_IMAGE_PIXELS: DecompressionBombError
    (data_dir / "link-in.png").symlink_to(data_dir / "img0.png")  # inside the folder: read
    (data_dir / "loop.png").symlink_to(data_dir / "loop.png")  # not a file: passed over, no traceback
    data = load_image_folder(data_dir, resolution=8, seed=0, fractions=FRACTIONS)
    assert len(data.train) + len(data.held_out) == NEEDED + 1
    assert data.skipped_files == 2
    assert data.skipped_reasons == {"outside the folder": 1, "decompression bomb": 1}
    assert set(data.skipped_examples) == {"link-out.png", "bomb.png"}
    assert data.summary()["skipped_reasons"]["decompression bomb"] == 1


def test_the_bomb_warning_counts_as_a_bomb(tmp_path, monkeypatch):
    from PIL import Image

    _good_images(tmp_path, 3)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 40)  # 8×8 = 64 pixels: over the limit, not twice it
    with pytest.raises(InputError, match=r"0 readable images \(3 skipped: 3 decompression bomb\)"):
        load_image_folder(tmp_path, resolution=8, seed=0, fractions=FRACTIONS)


def test_a_fifo_named_like_an_image_does_not_hang(tmp_path):
    import os

    _good_images(tmp_path, 2)
    os.mkfifo(tmp_path / "pipe.png")
    (tmp_path / "link-to-pipe.png").symlink_to(tmp_path / "pipe.png")
    with pytest.raises(InputError, match=r"2 readable images"):
        load_image_folder(tmp_path, resolution=8, seed=0, fractions=FRACTIONS)
