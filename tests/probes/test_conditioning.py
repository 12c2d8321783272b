"""The conditioning probe: conditional models beat chance, guidance moves accuracy the right way.

The end-to-end run trains both conditional models on the built-in digits at their native 8×8
(CPU-sized: ~30 s on one thread); the metric and guidance-wrapper tests need no training.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch

pytest.importorskip("torch_fidelity")

from probes.conditioning import class_metrics, run_conditioning  # noqa: E402
from probes.control_settings import ConditioningSettings, conditioning_settings  # noqa: E402
from probes.control_models import control_data, domain_classifier  # noqa: E402
from probes.summaries.control_summary import conditioning_evidence  # noqa: E402
from probes.models.ref_cond_diffusion import CondDenoiserConfig, GuidedDenoiser, drop_labels, forwards_per_step  # noqa: E402
from probes.models.ref_diffusion import DenoiserConfig  # noqa: E402
from probes.results import write_probe_results  # noqa: E402
from probes.runner import ProbeContext  # noqa: E402

SCALES = (0.0, 1.0, 3.0)
TINY = ConditioningSettings(resolution=8, gan_steps=800, diffusion_steps=200, guidance_scales=SCALES, nfe=10,
                            samples_per_class=10, extractor_epochs=2)


def run_probe(settings, tmp_path, data_dir=None):
    results = {}
    config = SimpleNamespace(device="cpu", seed=0, conditioning=settings)
    path = tmp_path / "probe-results.json"
    ctx = ProbeContext(config, set(), results, lambda: write_probe_results(path, results))  # JSON, no NaN
    run_conditioning(ctx)
    return results, ctx


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    results, _ = run_probe(TINY, tmp_path_factory.mktemp("cond"))
    return results


def test_conditional_models_beat_chance_by_a_clear_margin(measured):
    section = measured["conditioning"]
    assert section["complete"] and section["classifier"]["chance_accuracy"] == pytest.approx(0.1)
    gan = next(r for r in section["rows"] if r["architecture"] == "gan")
    guided = next(r for r in section["rows"] if r["guidance_scale"] == 3.0)
    assert gan["conditional_accuracy"] >= 0.3  # ≥ 3× chance
    assert guided["conditional_accuracy"] >= 0.3
    assert len(gan["per_class"]) == 10 and all(0 <= c["accuracy"] <= 1 for c in gan["per_class"])
    assert all(0 <= c["precision"] <= 1 and 0 <= c["recall"] <= 1 for c in gan["per_class"])


def test_real_images_set_the_fid_floor_below_the_unguided_denoiser(measured):
    section = measured["conditioning"]
    unguided = next(r for r in section["rows"] if r["guidance_scale"] == 0.0)
    floor = section["real_floor"]
    assert floor["samples"] == unguided["samples"] and 0 < floor["fid"] < unguided["quality"]["fid"]


def test_the_classifier_is_judged_per_class_on_real_images(measured):
    classifier = measured["conditioning"]["classifier"]
    per_class = classifier["held_out_per_class"]
    assert [c["class"] for c in per_class] == [str(d) for d in range(10)]
    # per class, weighted by the held-out images of each, adds up to the overall accuracy
    images = sum(c["images"] for c in per_class)
    assert sum(c["accuracy"] * c["images"] for c in per_class) / images == pytest.approx(
        classifier["held_out_accuracy"], abs=1e-6)


def test_higher_guidance_gives_higher_accuracy_and_costs_two_forwards(measured):
    rows = {r["guidance_scale"]: r for r in measured["conditioning"]["rows"] if r["architecture"] == "diffusion"}
    acc = [rows[s]["conditional_accuracy"] for s in SCALES]
    assert acc[0] < 0.25  # s = 0 is the unconditional model: near chance whatever is asked
    assert acc[1] > acc[0] + 0.15 and acc[2] > acc[1] + 0.05
    assert [rows[s]["forwards_per_sample"] for s in SCALES] == [10, 10, 20]
    evidence = conditioning_evidence(measured)
    assert evidence.diffusion.guidance_raises_accuracy is True
    assert evidence.diffusion.guidance_scale == 3.0 and evidence.gan.accuracy_over_chance >= 3


def test_accuracy_metric_can_fail_on_mismatched_labels():
    """Planted: real held-out digits score near the classifier's accuracy with their own labels
    and near chance with the labels shuffled, so the accuracy is not a constant."""
    data = control_data(None, 8, 0)
    extractor, _ = domain_classifier(data, 0, 2)
    images, labels = data.held_out[:200], data.held_out_labels[:200]
    right = class_metrics(images, labels, extractor, data)["conditional_accuracy"]
    wrong = class_metrics(images, labels[torch.randperm(200, generator=torch.Generator().manual_seed(0))],
                          extractor, data)["conditional_accuracy"]
    assert right > 0.6 and wrong < 0.25


def test_per_class_quality_detects_samples_of_the_wrong_class():
    """Planted: train images of the class asked for sit on that class's real manifold (precision
    high); images of the next class, asked for as this one, do not (precision low)."""
    data = control_data(None, 8, 0)
    extractor, _ = domain_classifier(data, 0, 2)
    labels = torch.arange(10).repeat_interleave(12)
    own = torch.cat([data.train[data.train_labels == c][:12] for c in range(10)])
    other = torch.cat([data.train[data.train_labels == (c + 1) % 10][:12] for c in range(10)])
    right, wrong = class_metrics(own, labels, extractor, data), class_metrics(other, labels, extractor, data)
    mean = lambda m, key: sum(c[key] for c in m["per_class"]) / 10  # noqa: E731
    assert mean(right, "precision") > 0.7 and mean(wrong, "precision") < 0.4
    assert right["precision_worst_class"] > wrong["precision_worst_class"]
    assert all(c["recall"] is not None for c in right["per_class"])


def test_diversity_ratio_detects_one_image_per_class():
    data = control_data(None, 8, 0)
    extractor, _ = domain_classifier(data, 0, 2)
    labels = torch.arange(10).repeat_interleave(8)
    varied = torch.cat([data.train[data.train_labels == c][:8] for c in range(10)])
    collapsed = torch.cat([data.train[data.train_labels == c][:1].repeat(8, 1, 1, 1) for c in range(10)])
    assert class_metrics(varied, labels, extractor, data)["diversity_ratio_mean"] > 0.5
    assert class_metrics(collapsed, labels, extractor, data)["diversity_ratio_mean"] < 1e-3


class RecordingUNet(torch.nn.Module):
    """Returns the class label as the 'noise', so guidance arithmetic is visible."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x, t, class_labels=None, return_dict=False):
        self.calls.append(class_labels.tolist())
        return (class_labels.float().view(-1, 1, 1, 1).expand_as(x),)


def test_guided_denoiser_combines_predictions_as_diffusers_does():
    labels, null = torch.tensor([2, 5]), 10
    x = torch.zeros(2, 1, 4, 4)
    for scale, expected_calls in ((0.0, [[10, 10]]), (1.0, [[2, 5]]), (3.0, [[2, 5, 10, 10]])):
        unet = RecordingUNet()
        eps = GuidedDenoiser(unet, labels, scale, null)(x, 0)
        assert unet.calls == expected_calls
        want = null + scale * (labels.float() - null)  # uncond + s (cond − uncond)
        assert torch.allclose(eps[:, 0, 0, 0], want)
    assert [forwards_per_step(s) for s in (0.0, 1.0, 3.0)] == [1, 1, 2]
    with pytest.raises(ValueError):
        GuidedDenoiser(RecordingUNet(), labels, -1.0, null)


def test_label_dropout_rate():
    cfg = CondDenoiserConfig(DenoiserConfig(resolution=8, base_width=8, channel_mults=(1, 2), norm_groups=8),
                             num_classes=10, p_uncond=0.2)
    dropped = drop_labels(torch.zeros(20000, dtype=torch.long), cfg, torch.Generator().manual_seed(0))
    assert set(dropped.unique().tolist()) == {0, 10}
    assert (dropped == 10).float().mean().item() == pytest.approx(0.2, abs=0.01)
    with pytest.raises(ValueError):
        CondDenoiserConfig(cfg.denoiser, num_classes=10, p_uncond=0.0)


def test_unlabelled_folder_is_skipped_with_a_note(tmp_path, monkeypatch):
    import probes.conditioning as conditioning

    data = control_data(None, 8, 0)
    unlabelled = SimpleNamespace(train_labels=None, summary=data.summary)
    monkeypatch.setattr(conditioning, "control_data", lambda *a: unlabelled)
    results, ctx = run_probe(TINY, tmp_path)
    assert results["conditioning"]["complete"] and "labels" in results["conditioning"]["skipped"]
    assert any("conditioning" in n for n in ctx.notes) and conditioning_evidence(results) is None


def test_presets_and_results_are_plain_json(measured):
    assert conditioning_settings("quick", "cpu").resolution == 16
    assert conditioning_settings("full", "cuda", data_dir="x").data_dir == "x"
    json.dumps(measured, allow_nan=False)


def test_a_labelled_folder_gives_the_classes(tmp_path):
    """`--data DIR` with DIR/<class>/*.png: the probe trains on those classes and the conditional
    GAN draws the one asked for (three classes of stripes and a blob, made here)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    grid = np.indices((8, 8))
    patterns = {"rows": (grid[0] % 4 < 2), "columns": (grid[1] % 4 < 2),
                "blob": ((grid[0] - 3.5) ** 2 + (grid[1] - 3.5) ** 2 < 8)}
    for name, pattern in patterns.items():
        (tmp_path / "data" / name).mkdir(parents=True)
        for i in range(110):  # the folder loader asks for at least 320 images
            noisy = np.clip(pattern * 200 + rng.normal(25, 20, (8, 8)), 0, 255).astype(np.uint8)
            Image.fromarray(noisy, mode="L").save(tmp_path / "data" / name / f"{i}.png")
    settings = ConditioningSettings(**{**TINY.__dict__, "data_dir": str(tmp_path / "data"), "guidance_scales": (3.0,)})
    results, _ = run_probe(settings, tmp_path)
    section = results["conditioning"]
    assert section["classifier"]["classes"] == 3 and section["classifier"]["chance_accuracy"] == pytest.approx(1 / 3)
    assert sorted(c["class"] for c in section["rows"][0]["per_class"]) == sorted(patterns)
    gan = next(r for r in section["rows"] if r["architecture"] == "gan")
    assert gan["conditional_accuracy"] >= 0.8  # chance is 0.33
