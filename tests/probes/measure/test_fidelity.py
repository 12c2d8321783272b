"""Quality metrics through torch-fidelity with the domain extractor genarch trains itself."""
from __future__ import annotations

import pytest
import torch

pytest.importorskip("torch_fidelity")

from probes.measure.data import load_builtin_digits  # noqa: E402
from probes.measure.fidelity import mode_coverage, quality_metrics, train_domain_extractor  # noqa: E402


@pytest.fixture(scope="module")
def digits_and_extractor(tmp_path_factory):
    data = load_builtin_digits(resolution=16, seed=0)
    extractor = train_domain_extractor(data, seed=0, directory=str(tmp_path_factory.mktemp("x")))
    return data, extractor


def test_extractor_learns_the_classes(digits_and_extractor):
    _, extractor = digits_and_extractor
    assert extractor.task == "classes" and extractor.held_out_accuracy > 0.8


def test_metrics_order_real_lightly_corrupted_noise(digits_and_extractor):
    data, extractor = digits_and_extractor
    gen = torch.Generator().manual_seed(0)
    real = data.train[: len(data.held_out)]
    light = (real + 0.5 * torch.randn(real.shape, generator=gen)).clamp(-1, 1)
    noise = torch.rand(real.shape, generator=gen) * 2 - 1
    m = {name: quality_metrics(x, data.held_out, extractor) for name, x in
         (("real", real), ("light", light), ("noise", noise))}
    assert m["real"]["fid"] < m["light"]["fid"] < m["noise"]["fid"]
    assert m["real"]["kid"] < m["light"]["kid"] < m["noise"]["kid"]
    assert m["real"]["precision"] > m["noise"]["precision"] and m["real"]["recall"] > m["noise"]["recall"]
    assert all(r["feature_extractor"] == "genarch-domain" for r in m.values())


def test_metrics_do_not_depend_on_input_order(digits_and_extractor):
    data, extractor = digits_and_extractor
    real = data.train[:200]
    a = quality_metrics(real, data.held_out, extractor)
    b = quality_metrics(real.flip(0), data.held_out, extractor)
    assert a["fid"] == pytest.approx(b["fid"], rel=1e-4)


def test_planted_mode_collapse_is_detected(digits_and_extractor):
    data, extractor = digits_and_extractor
    one_class = data.train[data.train_labels == 3]  # a generator that only ever emits a "3"
    collapsed = mode_coverage(one_class, extractor, data)
    healthy = mode_coverage(data.train[:400], extractor, data)
    assert collapsed["classes_covered"] <= 2 and healthy["classes_covered"] == 10
    assert collapsed["kl_real_to_generated"] > 1.5 > 0.2 > healthy["kl_real_to_generated"]


def test_unlabelled_data_trains_a_rotation_extractor(digits_and_extractor, tmp_path):
    data, _ = digits_and_extractor
    data.train_labels = data.held_out_labels = None
    extractor = train_domain_extractor(data, seed=0, epochs=2, directory=str(tmp_path))
    assert extractor.task == "rotation" and extractor.held_out_accuracy > 0.5
    assert mode_coverage(data.train[:50], extractor, data) is None
