"""The training probe end to end on tiny settings: runs, curves, stability, data needs, resume."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

pytest.importorskip("torch_fidelity")

from probes.config import TrainingSettings, resolve_config  # noqa: E402
from probes.measure.data import load_builtin_digits  # noqa: E402
from probes.measure.fidelity import train_domain_extractor  # noqa: E402
from probes.results import load_probe_results  # noqa: E402
from probes.runner import run_probes  # noqa: E402
from probes.training import train_run  # noqa: E402

# Seconds, not minutes: the point is behaviour (what is recorded, resumed, detected), not quality.
TINY = TrainingSettings(resolution=8, fractions=(0.3, 1.0), seeds=(0, 1), images_seen=96, batch=32,
                        checkpoints=1, eval_nfe=2, gan_width=8, diffusion_width=8, extractor_epochs=1)


def tiny_training_config(budget_s=None, **changes):
    config = resolve_config("quick", ("training",), "cpu", ("fp32",), budget_s=budget_s, seed=0)
    return dataclasses.replace(config, training=dataclasses.replace(TINY, **changes))


def test_training_probe_records_runs_stability_and_data_needs(tmp_path):
    path = tmp_path / "probe-results.json"
    results = run_probes(tiny_training_config(), str(path), show_progress=False)
    assert results["complete"]
    stored = load_probe_results(path)
    runs = stored["training"]["runs"]
    assert {(r["architecture"], r["fraction"], r["seed"]) for r in runs} == {
        (f, fr, s) for f in ("gan", "diffusion") for fr in (0.3, 1.0) for s in (0, 1)}
    for run in runs:
        assert run["images_seen"] == 96 and run["steps"] == 3 and run["images_per_s"] > 0
        assert run["curve"] and {"fid", "kid", "precision", "recall", "train_s"} <= set(run["curve"][-1])
        assert run["losses"]
        assert run["mode_coverage"]["classes"] == 10
    assert sum("sample_grid_png_base64" in r for r in runs) == 2  # one grid per family
    stability = stored["training"]["stability"]
    assert set(stability) == {"gan", "diffusion"} and stability["gan"]["runs"] == 4
    needs = stored["data_needs"]
    assert needs["target_fid"] > 0 and needs["feature_extractor"] == "genarch-domain"
    assert needs["families"]["gan"]["fit"]["sizes_measured"] == sorted({r["train_images"] for r in runs})
    assert stored["training"]["extractor"]["task"] == "classes"


def test_interrupted_training_resumes_without_repeating_runs(tmp_path):
    path = tmp_path / "probe-results.json"
    partial = run_probes(tiny_training_config(budget_s=1e-9), str(path), show_progress=False)
    assert not partial["complete"] and partial["stop_reason"] == "budget"
    before = len(load_probe_results(path).get("training", {}).get("runs", []))
    resumed = run_probes(tiny_training_config(), str(path), resume=True, show_progress=False)
    assert resumed["complete"]
    runs = resumed["training"]["runs"]
    keys = [(r["architecture"], r["fraction"], r["seed"]) for r in runs]
    assert len(keys) == len(set(keys)) == 8 and before < 8


def test_a_diverging_gan_is_a_result_not_a_crash():
    torch.manual_seed(0)
    data = load_builtin_digits(resolution=8)
    extractor = train_domain_extractor(data, epochs=1)
    settings = dataclasses.replace(TINY, gan_lr=1e4, images_seen=320)  # an absurd step size
    row = train_run("gan", data, 1.0, 0, settings, extractor, torch.device("cpu"))
    assert row["diverged"]
    d = row["divergence"]
    assert d["nan_at_step"] is not None or d["d_loss_collapsed"] or d["d_loss_exploded"]
    assert row["losses"]["d"]  # the curve that shows it is kept


def test_a_sane_gan_is_not_flagged():
    torch.manual_seed(0)
    data = load_builtin_digits(resolution=8)
    extractor = train_domain_extractor(data, epochs=1)
    row = train_run("gan", data, 1.0, 0, dataclasses.replace(TINY, images_seen=320), extractor,
                    torch.device("cpu"))
    assert not row["diverged"] and row["final"] is not None


def test_folder_of_images_end_to_end(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    folder = tmp_path / "images"
    for cls in ("bright", "dark"):
        (folder / cls).mkdir(parents=True)
        for i in range(170):
            base = 200 if cls == "bright" else 40
            pixels = np.clip(base + rng.normal(0, 20, (12, 12, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels, "RGB").save(folder / cls / f"{i}.png")
    (folder / "bright" / "corrupt.png").write_bytes(b"not an image")
    path = tmp_path / "out" / "probe-results.json"
    results = run_probes(tiny_training_config(data_dir=str(folder)), str(path), show_progress=False)
    data = results["training"]["data"]
    assert data["skipped_files"] == 1 and data["channels"] == 3 and data["classes"] == 2
    assert results["complete"] and len(results["training"]["runs"]) == 8
    json.dumps(results, allow_nan=False)


def test_sample_grid_separates_its_tiles():
    import base64
    import io

    from PIL import Image

    from probes.training import GRID_GAP_GREY, sample_grid_png

    images = torch.ones(10, 1, 16, 16)  # all white: only the gaps are grey
    grid = Image.open(io.BytesIO(base64.b64decode(sample_grid_png(images, columns=4)))).convert("L")
    assert grid.size == (4 * 16 + 3 * 2, 3 * 16 + 2 * 2)  # 10 images: 3 rows of 4, gaps of 2 px between
    assert grid.getpixel((16, 5)) == grid.getpixel((5, 17)) == GRID_GAP_GREY  # a vertical and a horizontal gap
    assert grid.getpixel((5, 5)) == 255 and grid.getpixel((18, 18)) == 255  # the first and the sixth tile
