"""Sample quality with torch-fidelity: FID, KID and precision/recall, on a domain feature extractor.

    extractor = train_domain_extractor(data, seed=0)        # seconds on a CPU; saved to a file
    metrics = quality_metrics(generated, data.held_out, extractor)   # {"fid": .., "kid": .., ...}
    coverage = mode_coverage(generated, extractor, data)     # classes covered, KL to real histogram

InceptionV3 (torch-fidelity's default) is downloaded on first use and costs ~0.25 s an image on
2 CPU cores, and it never saw 16×16 digits. The CPU path instead trains a small CNN on the real
training images — a classifier when labels exist (the "MNIST FID with a LeNet" practice), else a
rotation predictor (Gidaris et al. 2018, arxiv 1803.07728) — and registers it with torch-fidelity
as a feature extractor. Its 64-d features are scaled to unit RMS over the real data (a stored
constant): KID's polynomial kernel is scale-sensitive. Numbers from the two extractors are not
comparable, so every result names its extractor.
"""
from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from probes.measure.data import ImageData, to_uint8

EXTRACTOR_NAME = "genarch-domain"
FEATURE_DIM = 64
INPUT_SIDE = 32  # the extractor resizes every input to 32×32 RGB


class DomainNet(nn.Module):
    """A LeNet-sized CNN: 3×32×32 -> 64-d features -> `classes` logits."""

    def __init__(self, classes: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
            nn.Flatten(), nn.Linear(256, FEATURE_DIM), nn.ReLU())
        self.head = nn.Linear(FEATURE_DIM, classes)
        self.register_buffer("feature_scale", torch.ones(()))

    @staticmethod
    def prepare(images_uint8: torch.Tensor) -> torch.Tensor:
        x = images_uint8.float() / 127.5 - 1
        if x.shape[1] == 1:
            x = x.repeat(1, 3, 1, 1)
        return F.interpolate(x, size=(INPUT_SIDE, INPUT_SIDE), mode="bilinear", align_corners=False)

    def features(self, images_uint8: torch.Tensor) -> torch.Tensor:
        return self.body(self.prepare(images_uint8)) * self.feature_scale

    def forward(self, images_uint8: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(self.prepare(images_uint8)))


def _registered_class():
    """Register our extractor with torch-fidelity once per process (names cannot be re-registered)."""
    from torch_fidelity.feature_extractor_base import FeatureExtractorBase
    from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY, register_feature_extractor

    if EXTRACTOR_NAME in FEATURE_EXTRACTORS_REGISTRY:
        return FEATURE_EXTRACTORS_REGISTRY[EXTRACTOR_NAME]

    class GenarchDomainExtractor(FeatureExtractorBase):
        def __init__(self, name, features_list, feature_extractor_weights_path=None, **kwargs):
            super().__init__(name, features_list)
            state = torch.load(feature_extractor_weights_path, map_location="cpu", weights_only=True)
            self.net = DomainNet(classes=state["head.weight"].shape[0])
            self.net.load_state_dict(state)
            self.net.eval().requires_grad_(False)

        @staticmethod
        def get_provided_features_list():
            return ("features", "logits")

        @staticmethod
        def get_default_feature_layer_for_metric(metric):
            return {"isc": "logits", "fid": "features", "kid": "features", "prc": "features"}[metric]

        @staticmethod
        def can_be_compiled():
            return False

        @staticmethod
        def get_dummy_input_for_compile():
            return None

        def forward(self, x):
            feats = self.net.features(x)
            logits = self.net.head(feats / self.net.feature_scale)
            return tuple({"features": feats, "logits": logits}[name] for name in self.features_list)

    register_feature_extractor(EXTRACTOR_NAME, GenarchDomainExtractor)
    return GenarchDomainExtractor


@dataclass
class DomainExtractor:
    net: DomainNet
    weights_path: str
    task: str  # "classes" or "rotation"
    held_out_accuracy: float
    name: str = EXTRACTOR_NAME
    # labelled data: per class name, (accuracy on its real held-out images, how many there are)
    held_out_per_class: dict[str, tuple[float, int]] | None = None


INCEPTION = DomainExtractor(net=None, weights_path=None, task="inception", held_out_accuracy=None,
                            name="inception-v3-compat")


def inception_unavailable_reason() -> str | None:
    """None when torch-fidelity's InceptionV3 can be built (its weights are cached or could be
    downloaded now); otherwise why not, in a few words (offline machines land here)."""
    try:
        from torch_fidelity.utils import create_feature_extractor

        create_feature_extractor(INCEPTION.name, ["2048"], cuda=torch.cuda.is_available())
    except Exception as err:  # URLError offline, HTTP errors, a corrupt cache: all mean "use ours"
        return f"{type(err).__name__}: {str(err)[:120]}"
    return None


def _rotations(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    k = torch.arange(len(x)) % 4
    return torch.stack([torch.rot90(img, int(r), dims=(1, 2)) for img, r in zip(x, k)]), k


def train_domain_extractor(data: ImageData, seed: int = 0, epochs: int = 8,
                           directory: str | None = None) -> DomainExtractor:
    """Train the extractor on the real train split; accuracy is measured on the held-out split."""
    torch.manual_seed(seed)
    labelled = data.train_labels is not None
    classes = len(data.class_names) if labelled else 4
    net = DomainNet(classes)
    x, y = to_uint8(data.train), data.train_labels
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen).split(64):
            xb, yb = (x[idx], y[idx]) if labelled else _rotations(x[idx])
            loss = F.cross_entropy(net(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        hx, hy = (to_uint8(data.held_out), data.held_out_labels) if labelled else _rotations(to_uint8(data.held_out))
        right = net(hx).argmax(1) == hy
        accuracy = float(right.float().mean())
        per_class = ({name: (float(right[hy == c].float().mean()), int((hy == c).sum()))
                      for c, name in enumerate(data.class_names) if (hy == c).any()} if labelled else None)
        feats = net.features(x)
        net.feature_scale.fill_(1.0 / float(feats.pow(2).mean().sqrt().clamp_min(1e-8)))
    fd, path = tempfile.mkstemp(prefix="genarch-extractor-", suffix=".pt", dir=directory)
    os.close(fd)
    torch.save(net.state_dict(), path)
    return DomainExtractor(net, path, "classes" if labelled else "rotation", accuracy,
                           held_out_per_class=per_class)


class _Uint8Dataset(torch.utils.data.Dataset):
    """torch-fidelity wants a Dataset whose items are bare uint8 3×H×W tensors."""

    def __init__(self, images: torch.Tensor):
        self.images = to_uint8(images)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i]


def quality_metrics(generated: torch.Tensor, real: torch.Tensor, extractor: DomainExtractor,
                    kid_subsets: int = 10) -> dict:
    """FID, KID (mean ± std) and precision/recall of generated against real images."""
    import torch_fidelity

    n = min(len(generated), len(real))
    if extractor.weights_path is not None:
        _registered_class()
    result = torch_fidelity.calculate_metrics(
        input1=_Uint8Dataset(generated), input2=_Uint8Dataset(real),  # generated first (issue #58)
        cuda=torch.cuda.is_available(), fid=True, kid=True, prc=True,
        # named explicitly: prc would otherwise default to vgg16 (a second download)
        feature_extractor=extractor.name, feature_extractor_weights_path=extractor.weights_path,
        kid_subset_size=min(1000, max(2, n // 2)), kid_subsets=kid_subsets, prc_neighborhood=min(3, n - 1),
        batch_size=256, save_cpu_ram=True, cache=False, verbose=False)
    return {"fid": float(result["frechet_inception_distance"]),
            "kid": float(result["kernel_inception_distance_mean"]),
            "kid_std": float(result["kernel_inception_distance_std"]),
            "precision": float(result["precision"]), "recall": float(result["recall"]),
            "f_score": float(result["f_score"]), "feature_extractor": extractor.name,
            "samples": len(generated)}


def real_floor(train: torch.Tensor, reference: torch.Tensor, samples: int, extractor: DomainExtractor,
               seed: int = 0) -> dict:
    """quality_metrics of `samples` real training images (a seeded draw) against `reference`: what
    a model that draws exactly from the data would score with this many samples. FID is biased
    upward at small sample counts (Chong & Forsyth 2020, arxiv 1911.07023), so this floor, not 0,
    is what the measured FIDs of a section sit above."""
    pick = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))[:samples]
    return quality_metrics(train[pick].float().cpu(), reference, extractor)


MIN_PRC_SAMPLES = 4  # k = 3 nearest neighbours need at least 4 points on each side


def precision_recall(generated_features: torch.Tensor, real_features: torch.Tensor) -> dict | None:
    """Precision and recall alone (Kynkäänniemi et al. 2019, torch-fidelity's implementation) on
    features already extracted (DomainNet.features, the layer torch-fidelity's prc reads): for
    small sets, such as one class's samples, where FID and KID would be dominated by bias. None
    when either side has fewer than MIN_PRC_SAMPLES images."""
    from torch_fidelity.metric_prc import prc_features_to_metric

    n = min(len(generated_features), len(real_features))
    if n < MIN_PRC_SAMPLES:
        return None
    result = prc_features_to_metric(generated_features, real_features,
                                    prc_neighborhood=min(3, n - 1), save_cpu_ram=True, verbose=False)
    return {"precision": float(result["precision"]), "recall": float(result["recall"])}


def mode_coverage(generated: torch.Tensor, extractor: DomainExtractor, data: ImageData) -> dict | None:
    """Classes covered and KL(real class histogram ‖ generated), from the domain classifier.

    A class counts as covered when it gets at least a quarter of its real share. KL uses
    add-half smoothing so an empty class costs a large but finite penalty. None without labels.
    """
    if extractor.task != "classes" or data.train_labels is None:
        return None
    classes = len(data.class_names)
    with torch.no_grad():
        predicted = extractor.net(to_uint8(generated)).argmax(1)
    gen = torch.bincount(predicted, minlength=classes).double()
    real = torch.bincount(data.train_labels, minlength=classes).double()
    p_real, p_gen = real / real.sum(), (gen + 0.5) / (gen.sum() + 0.5 * classes)
    kl = float((p_real * (p_real / p_gen).log()).sum())
    covered = int(((gen / gen.sum()) >= 0.25 * p_real).sum())
    return {"classes_covered": covered, "classes": classes, "kl_real_to_generated": kl,
            "generated_histogram": [int(v) for v in gen], "classifier_accuracy": extractor.held_out_accuracy,
            "max_kl": math.log(2 * classes)}
