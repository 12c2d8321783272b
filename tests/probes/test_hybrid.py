"""The hybrid probe: a 1–4 step student is distilled and measured against its teacher and the GAN."""
from __future__ import annotations


import pytest
import torch

from tests.probes.conftest import run_probe_in_memory

pytest.importorskip("torch_fidelity")

from probes.control_models import clipped_ddim, control_data, reference_model  # noqa: E402
from probes.summaries.control_summary import hybrid_evidence  # noqa: E402
from probes.models.distillation import (_Schedule, grid, progressive_distill, student_scheduler, to_x,  # noqa: E402
                                 two_step_target)
from probes.control_settings import HybridSettings, hybrid_settings  # noqa: E402
from probes.hybrid import run_hybrid  # noqa: E402
from probes.models.ref_diffusion import Denoiser  # noqa: E402
from probes.models.sampling import count_forwards, sample  # noqa: E402

# Reference models as test_steering's (one training per pytest process); teacher 4 -> 2 -> 1.
TINY = HybridSettings(resolution=16, gan_steps=100, diffusion_steps=100, teacher_nfe=4, student_nfes=(2, 1),
                      teacher_nfes=(1, 4), distill_steps_per_stage=10, samples=80, extractor_epochs=2)


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    return run_probe_in_memory(run_hybrid, "hybrid", TINY, tmp_path_factory.mktemp("hybrid"))


def test_student_is_measured_against_its_teacher_and_the_gan(measured):
    section = measured["hybrid"]
    assert section["complete"]
    seen = {(r["role"], r["nfe"]) for r in section["rows"]}
    assert seen == {("teacher", 1), ("teacher", 4), ("student", 2), ("student", 1), ("reference", 1)}
    for row in section["rows"]:
        assert row["latency_ms_per_sample"] > 0 and row["samples"] == 80 and row["quality"]["fid"] >= 0
    stages = section["distillation"]["stages"]
    assert [s["nfe"] for s in stages] == [2, 1] and section["distillation"]["train_s"] > 0
    assert section["distillation"]["teacher_forwards"] == 2 * 2 * 10 * TINY.distill_batch
    # real images at the same sample count: above 0 (FID's small-sample bias), below the 1-step teacher
    floor = section["real_floor"]
    one_step = next(r for r in section["rows"] if (r["role"], r["nfe"]) == ("teacher", 1))
    assert floor["samples"] == 80 and 0 < floor["fid"] < one_step["quality"]["fid"]


def test_one_step_student_reproduces_the_teachers_four_step_samples():
    """What distillation is for: from the same noise, the 1-step student lands near the teacher's
    4-step sample, where the teacher's own 1-step sampler does not (measured ~10× apart). A
    trajectory property, so it holds for a barely trained teacher; FID at 1 teacher step does not."""
    data = control_data(None, 16, 0)
    teacher = reference_model("diffusion", data, TINY.reference("diffusion"), 0, "cpu").model
    stages = progressive_distill(teacher, data.train, 4, (2, 1), steps_per_stage=30, batch=64, lr=5e-4)

    def draw(unet, scheduler, nfe):
        return sample(Denoiser(unet), scheduler, nfe, (64, 1, 16, 16), generator=torch.Generator().manual_seed(5))

    target = draw(teacher, clipped_ddim(), 4)
    teacher_gap = (draw(teacher, clipped_ddim(), 1) - target).pow(2).mean()
    student_gap = (draw(stages[-1].unet, student_scheduler(), 1) - target).pow(2).mean()
    assert student_gap < 0.25 * teacher_gap


def test_evidence_compares_student_with_teacher(measured):
    evidence = hybrid_evidence(measured)
    assert evidence.teacher_nfe == 4 and evidence.student_nfe in (1, 2)
    assert evidence.speedup == pytest.approx(evidence.teacher_latency_ms_per_sample
                                             / evidence.student_latency_ms_per_sample)
    assert evidence.distillation_train_s > 0 and evidence.gan_fid is not None


def test_two_step_target_of_an_exact_teacher_is_the_clean_image():
    """DDIM with a teacher that knows x exactly lands on x, so the distillation target is x."""
    sched = _Schedule()
    x = torch.rand(4, 1, 8, 8) * 2 - 1
    eps = torch.randn_like(x)
    t = grid(4)  # one example at each student step: 999, 749, 499, 249
    a, s = sched.alpha_sigma(t, x)
    z = a * x + s * eps

    def oracle(z_t, t_now, return_dict=False):  # epsilon implied by the true x at every step
        a_t, s_t = sched.alpha_sigma(t_now, z_t)
        return ((z_t - a_t * x) / s_t,)

    target = two_step_target(oracle, "epsilon", z, t, student_nfe=4, sched=sched)
    assert torch.allclose(target, x, atol=1e-4)


def test_grids_and_stage_plan_are_checked():
    assert grid(4).tolist() == [999, 749, 499, 249] and grid(1).tolist() == [999]
    with pytest.raises(ValueError):
        grid(3)
    with pytest.raises(ValueError, match="halve"):
        progressive_distill(None, torch.zeros(1, 1, 8, 8), 8, (2, 1), 1, 1, 1e-3)
    for teacher_nfe, students in ((16, (8, 4, 2, 1)), (8, (4, 1)), (8, ())):
        with pytest.raises(ValueError, match="teacher_nfe"):
            HybridSettings(teacher_nfe=teacher_nfe, student_nfes=students)
    for profile in ("quick", "full"):
        for device in ("cpu", "cuda"):
            hybrid_settings(profile, device)  # every preset is a valid plan


def test_student_sampler_makes_exactly_nfe_calls():
    for nfe in (1, 2, 4):
        assert count_forwards(student_scheduler(), nfe, (1, 1, 8, 8)) == nfe


@pytest.mark.parametrize("prediction", ["epsilon", "sample", "v_prediction"])
def test_parameterizations_agree_on_the_clean_image(prediction):
    sched = _Schedule()
    x, eps, t = torch.rand(3, 1, 4, 4) * 2 - 1, torch.randn(3, 1, 4, 4), torch.tensor([999, 500, 10])
    a, s = sched.alpha_sigma(t, x)
    z = a * x + s * eps
    out = {"epsilon": eps, "sample": x, "v_prediction": a * eps - s * x}[prediction]
    assert torch.allclose(to_x(out, z, t, prediction, sched), x, atol=1e-3 if prediction == "epsilon" else 1e-5)
