"""Training data for the probes: scikit-learn's bundled digits, or a folder of the user's images.

    data = load_builtin_digits(resolution=16, seed=0)            # no download: ships in the wheel
    data = load_image_folder("photos/", resolution=32, seed=0)   # PNG/JPEG, searched recursively
    train, held_out = data.train, data.held_out                  # tensors in [-1, 1], N×C×H×W

Digits are 8×8 with 16 grey levels (1,797 images, 10 classes; UCI optdigits via scikit-learn),
upsampled bilinearly to the probe resolution. Folder images are resized (shorter side) and
centre-cropped; grayscale and RGB both load (a folder with any colour image loads as RGB).
Unreadable or corrupt files are skipped and counted, and so are files that resolve outside the folder
(a symlink out of it: only what is inside the folder is read; symlinked sub-folders are not entered)
and decompression bombs (PIL's DecompressionBombError, and its warning treated as an error: an image
whose header claims more pixels than Image.MAX_IMAGE_PIXELS). A folder laid out as DIR/<class>/*.png gives
class labels (used by mode coverage and the conditioning probe); otherwise labels are None.
A held-out real split (default 20%) is kept apart for evaluation.
"""
from __future__ import annotations

import math
import os
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from rubric.errors import InputError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
HELD_OUT_FRACTION = 0.2
# Feature statistics need more held-out images than a handful: FID with fewer samples than feature
# dimensions is silently meaningless (torch-fidelity has no check; ../reference note), and the
# domain extractor has 64 feature dimensions.
MIN_HELD_OUT = 64
MIN_TRAIN_SUBSET = 16


@dataclass
class ImageData:
    """Images in [-1, 1], N×C×H×W float32, split once into train and held-out."""
    name: str
    train: torch.Tensor
    held_out: torch.Tensor
    train_labels: torch.Tensor | None
    held_out_labels: torch.Tensor | None
    class_names: list[str] = field(default_factory=list)
    skipped_files: int = 0
    skipped_examples: list[str] = field(default_factory=list)
    skipped_reasons: dict[str, int] = field(default_factory=dict)  # reason -> files skipped for it

    @property
    def channels(self) -> int:
        return int(self.train.shape[1])

    @property
    def resolution(self) -> int:
        return int(self.train.shape[-1])

    def subset(self, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The first `fraction` of a seeded permutation of the train split: nested across
        fractions for one seed, so larger subsets contain the smaller ones."""
        n = max(1, round(fraction * len(self.train)))
        order = torch.randperm(len(self.train), generator=torch.Generator().manual_seed(seed))[:n]
        labels = self.train_labels[order] if self.train_labels is not None else None
        return self.train[order], labels

    def summary(self) -> dict:
        return {"name": self.name, "train_images": len(self.train), "held_out_images": len(self.held_out),
                "resolution": self.resolution, "channels": self.channels,
                "classes": len(self.class_names) or None, "skipped_files": self.skipped_files,
                "skipped_examples": self.skipped_examples, "skipped_reasons": dict(self.skipped_reasons)}


def minimum_images(fractions: tuple[float, ...]) -> int:
    """Fewest images for which the smallest subset and the held-out split are both usable."""
    train_needed = math.ceil(MIN_TRAIN_SUBSET / min(fractions))
    total_for_held_out = math.ceil(MIN_HELD_OUT / HELD_OUT_FRACTION)
    return max(math.ceil(train_needed / (1 - HELD_OUT_FRACTION)), total_for_held_out)


def _split(name, images, labels, seed, class_names=(), skipped=0, examples=(), reasons=None) -> ImageData:
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    n_held = max(MIN_HELD_OUT, round(HELD_OUT_FRACTION * len(images)))
    held, train = order[:n_held], order[n_held:]
    pick = (lambda idx: labels[idx]) if labels is not None else (lambda idx: None)
    return ImageData(name, images[train], images[held], pick(train), pick(held), list(class_names),
                     skipped, list(examples), dict(reasons or {}))


def load_builtin_digits(resolution: int = 16, seed: int = 0) -> ImageData:
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.from_numpy(digits.images.astype(np.float32) / 16.0).unsqueeze(1)  # 0..16 grey levels
    x = F.interpolate(x, size=(resolution, resolution), mode="bilinear", align_corners=False)
    images = x.clamp(0, 1) * 2 - 1
    labels = torch.from_numpy(digits.target.astype(np.int64))
    return _split("digits (scikit-learn, 1,797 images, 10 classes)", images, labels, seed,
                  [str(i) for i in range(10)])


class _Outside(Exception):
    """The file resolves outside the folder (a symlink out of it)."""


def _inside(path: Path, root_real: Path) -> Path:
    """The real path of `path` when it lies inside the folder; _Outside otherwise."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling link, loop (RuntimeError before Python 3.13)
        raise OSError("cannot resolve") from None
    if not real.is_relative_to(root_real):
        raise _Outside(str(real))
    return real


def _load_one(path: Path, resolution: int):
    from PIL import Image

    # O_NOFOLLOW on the resolved path: a link swapped in since the check is not followed; O_NONBLOCK:
    # a FIFO cannot hang the open, and only a regular file is read.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError("not a regular file")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # a bomb is skipped, never decoded
            with Image.open(f) as image:
                image.load()  # decode now: a truncated file fails here, not later
                array, grey = _to_array(image, resolution)
    return array, grey


def _to_array(image, resolution: int):
    from PIL import Image, ImageOps

    grey = image.mode in ("L", "LA", "I", "I;16", "1") or (image.mode == "P" and not image.getpalette())
    image = image.convert("L" if grey else "RGB")
    image = ImageOps.fit(image, (resolution, resolution), method=Image.Resampling.BICUBIC)
    array = np.asarray(image, dtype=np.float32) / 255.0
    return (array[None] if array.ndim == 2 else array.transpose(2, 0, 1)), grey


def load_image_folder(directory: str | Path, resolution: int = 32, seed: int = 0,
                      fractions: tuple[float, ...] = (0.1, 0.3, 1.0)) -> ImageData:
    from PIL import Image, UnidentifiedImageError

    root = Path(directory)
    if not root.is_dir():
        raise InputError(f"--data {directory}: not a directory")
    root_real = root.resolve()
    # rglob does not enter symlinked sub-folders; symlinked files are checked one by one below
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    arrays, greys, class_of, skipped, reasons = [], [], [], [], {}
    for path in files:
        try:
            array, grey = _load_one(_inside(path, root_real), resolution)
        except _Outside:
            reason = "outside the folder"
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            reason = "decompression bomb"
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, MemoryError):
            reason = "unreadable"
        else:
            reason = None
        if reason is not None:
            skipped.append(str(path.relative_to(root)))
            reasons[reason] = reasons.get(reason, 0) + 1
            continue
        arrays.append(array)
        greys.append(grey)
        class_of.append(path.parent.relative_to(root).parts[0] if path.parent != root else None)
    needed = minimum_images(fractions)
    if len(arrays) < needed:
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
        raise InputError(f"--data {directory}: {len(arrays)} readable images ({len(skipped)} skipped"
                         f"{': ' + why if why else ''}); "
                         f"the curve at fractions {', '.join(map(str, fractions))} needs at least {needed}")
    if not all(greys):  # any colour image: everything as RGB (grey replicated to 3 channels)
        arrays = [np.repeat(a, 3, axis=0) if a.shape[0] == 1 else a for a in arrays]
    images = torch.from_numpy(np.stack(arrays)) * 2 - 1
    labels, class_names = None, []
    if all(c is not None for c in class_of) and len(set(class_of)) > 1:  # DIR/<class>/*.png
        class_names = sorted(set(class_of))
        labels = torch.tensor([class_names.index(c) for c in class_of])
    return _split(f"folder {root} ({len(arrays)} images)", images, labels, seed, class_names,
                  len(skipped), skipped[:5], reasons)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] N×C×H×W -> uint8 N×3×H×W, the input torch-fidelity expects (grey repeated)."""
    x = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.repeat(1, 3, 1, 1) if x.shape[1] == 1 else x
