"""`genarch recommend`: the JSON contract, the text output, and the torch-free start."""
from __future__ import annotations

import json
import subprocess
import sys

from app.cli import main
from rubric import knowledge

from tests.conftest import EXAMPLES, ROOT


def test_json_contract(capsys):
    assert main(["recommend", str(EXAMPLES / "hybrid-text-realtime.yaml"), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    families = set(knowledge.load().families)
    assert result["schema_version"] == 1
    assert result["recommendation"] == "hybrid" and result["feasible"] is True
    assert result["binding_constraint"] == "latency"
    assert {r["architecture"] for r in result["ranking"]} == families
    first = result["ranking"][0]
    assert first["architecture"] == "hybrid" and not first["eliminated"]
    assert {r["criterion"] for r in first["reasons"]} == set(knowledge.load().criteria)
    diffusion = next(r for r in result["ranking"] if r["architecture"] == "diffusion")
    assert diffusion["eliminated"] and "latency limit" in diffusion["elimination_reason"]
    assert result["runner_up"] == result["ranking"][1]["architecture"]
    assert {r["status"] for r in result["ranking"]} <= {"ok", "at risk", "over limit", "eliminated", "infeasible"}
    assert set(result["alternatives"]) == families
    for family, est in result["estimates"].items():
        assert {"latency_ms_per_sample", "usd_per_1k_samples", "nfe", "assumptions", "plan", "licence",
                "off_the_shelf"} <= set(est)
        assert est["assumptions"] and est["latency_ms_per_sample"] > 0
    assert result["estimates"]["diffusion"]["nfe"] == 25 and result["estimates"]["gan"]["nfe"] == 1
    assert 0 <= result["robustness"]["top_choice_share"] <= 1
    assert set(result["robustness"]["flip_weight_change"]) == set(result["weights"])
    for reason in result["top_reasons"]:
        for figure in reason["figures"]:
            assert figure["source"]


def test_text_output_has_table_reasons_robustness(capsys):
    assert main(["recommend", str(EXAMPLES / "latency-bound.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("genarch recommends: GAN")
    assert "latency limit" in out
    diffusion = next(line for line in out.splitlines() if line.startswith("diffusion "))
    assert "eliminated: " in diffusion and "latency limit" in diffusion
    assert "why gan over " in out and "source:" in out and " points]" in out
    assert "runner-up: " in out and "plans (how each candidate's weights are obtained):" in out
    assert "robustness: gan stays on top" in out and "assumptions behind" in out


def test_text_output_leads_with_the_verdict_cards_and_what_ifs(capsys):
    """Within the first screen: the verdict, the five figures against the runner-up, and the
    answers that would change the decision, each as in the JSON's what_if."""
    path = EXAMPLES / "hybrid-text-realtime.yaml"
    assert main(["recommend", str(path), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert main(["recommend", str(path)]) == 0
    head = capsys.readouterr().out.splitlines()[:24]
    assert any(line.startswith("Hybrid (SD-Turbo") and "latency as the binding constraint" in line for line in head)
    for label in ("Latency per image", "USD per 1,000 images", "USD per month", "Training GPU-hours",
                  "Weeks to production"):
        assert any(line.strip().startswith(label) and "diffusion" in line for line in head), label
    assert result["what_if"]
    for item in result["what_if"]:
        assert any(item["text"] in line and f"(yours: {item['current_text']})" in line for line in head), item["text"]


def test_defaults_without_a_file(capsys):
    assert main(["recommend"]) == 0
    captured = capsys.readouterr()
    assert "genarch recommends:" in captured.out and "built-in defaults" in captured.err


def test_recommend_imports_neither_torch_nor_streamlit():
    code = ("import sys, io, contextlib; from app.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): rc = main(['recommend', '--format', 'json'])\n"
            "bad = [m for m in ('torch', 'streamlit', 'diffusers') if m in sys.modules]\n"
            "assert rc == 0 and not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
