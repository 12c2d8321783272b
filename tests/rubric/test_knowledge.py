"""The knowledge base is validated at load: every bad edit gives one line naming the entry."""
from __future__ import annotations

import shutil

import pytest
import yaml

from rubric import knowledge
from rubric.knowledge import DATA_DIR, KnowledgeError


def test_shipped_knowledge_loads_and_every_figure_has_a_source():
    kb = knowledge.load()
    assert set(kb.families) == {"gan", "diffusion", "hybrid"}
    for arch in kb.architectures.values():
        assert arch.source.strip()
    for device in kb.devices.values():
        assert device.source.strip()
    for family in kb.families.values():
        for variant in family.variants:
            for cost in variant.training.values():
                assert cost.source.strip()
    assert {"latency", "inference_cost", "training_stability", "conditioning", "data", "diversity",
            "fidelity", "training_budget", "maintenance", "deadline"} <= set(kb.criteria)


def _variant(raw: dict, variant_id: str) -> dict:
    return next(v for f in raw["families"].values() for v in f["variants"] if v["id"] == variant_id)


def _edit(tmp_path, filename, change):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    raw = yaml.safe_load((data / filename).read_text())
    change(raw)
    (data / filename).write_text(yaml.safe_dump(raw))
    knowledge.load.cache_clear()
    try:
        return knowledge.load(data)
    finally:
        knowledge.load.cache_clear()


@pytest.mark.parametrize("filename, change, needle", [
    ("criteria.yaml", lambda r: r["criteria"]["latency"].update(colour="red"), "latency: unknown key(s) colour"),
    ("criteria.yaml", lambda r: r["criteria"]["latency"]["weight"].update(base=-1), "latency.weight.base"),
    ("criteria.yaml", lambda r: r["criteria"]["data"]["utility"].update(kind="magic"), "data.utility.kind"),
    ("candidates.yaml", lambda r: r["families"]["gan"].update(fidelity=1.5), "gan.fidelity: a score must be in [0, 1]"),
    ("candidates.yaml", lambda r: r["families"]["gan"]["variants"][0].update(denoiser="nope"), "unknown architecture 'nope'"),
    ("candidates.yaml", lambda r: r["families"]["hybrid"]["variants"][0].update(teacher="ghost"), "unknown variant 'ghost'"),
    ("candidates.yaml", lambda r: r["families"]["diffusion"]["variants"][1].update(id="pixel_unet"), "variant ids must be unique"),
    ("architectures.yaml", lambda r: r["architectures"]["sd15_unet"].pop("source"), "sd15_unet: missing key(s) source"),
    ("hardware.yaml", lambda r: r["devices"]["t4"].update(peak_flop_per_s=0), "t4.peak_flop_per_s"),
    ("hardware.yaml", lambda r: r["devices"]["t4"].update(match="T4("), "t4.match: not a regular expression"),
    ("candidates.yaml", lambda r: _variant(r, "sd15")["checkpoint"].pop("domain_fit"), "an as-is checkpoint needs domain_fit"),
    ("candidates.yaml", lambda r: _variant(r, "sd15").pop("checkpoint"), "a fine-tune needs a public checkpoint"),
    ("candidates.yaml", lambda r: _variant(r, "sd_turbo").pop("scores_source"), "overrides need their source"),
    ("candidates.yaml", lambda r: _variant(r, "sd_turbo").update(tasks=["painting"]), ".tasks: expected a non-empty list"),
    ("candidates.yaml", lambda r: _variant(r, "sd_turbo")["checkpoint"].update(commercial_use="yes"), "must be true or false"),
    ("candidates.yaml", lambda r: _variant(r, "sd15")["training"].update(pretrained={"source": "x"}), "expected keys among"),
])
def test_bad_knowledge_is_rejected(tmp_path, filename, change, needle):
    with pytest.raises(KnowledgeError) as err:
        _edit(tmp_path, filename, change)
    assert needle in str(err.value) and "\n" not in str(err.value)


def _rules(raw: dict, criterion: str) -> list:
    return raw["criteria"][criterion]["weight"]["rules"]


@pytest.mark.parametrize("filename, change, needle", [
    ("criteria.yaml", lambda r: _rules(r, "latency")[1].update(when={"latency_budget": {"max": 1000}}),
     "criteria.yaml: latency.weight.rules[1].when: unknown answer field 'latency_budget'"),
    ("criteria.yaml", lambda r: _rules(r, "training_stability")[1].update(field="risk_tolerance"),
     "criteria.yaml: training_stability.weight.rules[1].field: unknown answer field 'risk_tolerance'"),
    ("criteria.yaml", lambda r: _rules(r, "fidelity")[0]["factors"].pop("medium"),
     "criteria.yaml: fidelity.weight.rules[0].field: give a value for each answer of fidelity_priority: low, medium, high"),
    ("criteria.yaml", lambda r: r["criteria"]["latency"]["utility"].update(limit="latency_ms"),
     "criteria.yaml: latency.utility.limit: unknown answer field 'latency_ms'"),
    ("criteria.yaml", lambda r: r["criteria"]["maintenance"]["utility"]["standard"]["gan"].update(by="gan_experience"),
     "criteria.yaml: maintenance.utility.standard.gan.by: unknown answer field 'gan_experience'"),
    ("criteria.yaml", lambda r: _rules(r, "latency")[0]["when"].update(task="generation"),
     "criteria.yaml: latency.weight.rules[0].when: test exactly one answer field"),
    ("questions.yaml", lambda r: r["questions"].pop("deadline_weeks"),
     "criteria.yaml: deadline.weight.rules[0].when: unknown answer field 'deadline_weeks'"),
])
def test_criteria_name_only_answer_fields_that_exist(tmp_path, filename, change, needle):
    """A misspelt answer field in the rubric would otherwise fail at decide time, or never match."""
    with pytest.raises(KnowledgeError) as err:
        _edit(tmp_path, filename, change)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_a_new_family_is_data_only(tmp_path):
    def add_vae(raw):
        vae = dict(raw["families"]["gan"], name="VAE", variants=[dict(raw["families"]["gan"]["variants"][0], id="vae_a")])
        raw["families"]["vae"] = vae
    kb = _edit(tmp_path, "candidates.yaml", add_vae)
    from rubric import answers, engine
    d = engine.decide(answers.defaults(), kb)
    assert "vae" in d.ranking and "vae" in d.estimates
