"""'What would change this decision': sentences from the contract, checked on literal contracts."""
from reports.whatif import what_would_change

from tests.reports.conftest import literal_contract


def test_eliminated_candidate_that_would_win_if_the_constraint_moved():
    lines = what_would_change(literal_contract(eliminated_score=0.9))
    line = next(x for x in lines if x.startswith("c is out"))
    assert "900 ms predicted > 100 ms latency limit" in line
    assert "0.900 against a's 0.800" in line and "would become the recommendation" in line


def test_eliminated_candidate_that_would_still_lose():
    line = next(x for x in what_would_change(literal_contract(eliminated_score=0.5)) if x.startswith("c is out"))
    assert "0.500 against a's 0.800" in line and "still below it" in line


def test_flips_sorted_smallest_first_with_sign_and_factor():
    lines = what_would_change(literal_contract(flips={"speed": -0.6, "risk": 1.5}))
    speed = next(i for i, x in enumerate(lines) if x.startswith("Speed:"))
    risk = next(i for i, x in enumerate(lines) if x.startswith("Risk:"))
    assert speed < risk  # |−60%| before |+150%|
    assert "−60% (×0.4)" in lines[speed] and "make b the recommendation" in lines[speed]
    assert "+150% (×2.5)" in lines[risk]
    assert not any(x.startswith("No change of a single weight") for x in lines)


def test_criteria_that_cannot_flip_are_named():
    lines = what_would_change(literal_contract(flips={"speed": 0.5}))
    assert "within ×4 or ÷4 flips the choice for: Risk." in next(x for x in lines if x.startswith("No change"))


def test_infeasible_is_said_and_the_evidence_is_left_to_its_own_lines():
    lines = what_would_change(literal_contract(feasible=False))
    assert lines[0].startswith("No candidate meets the binding constraint (latency)")
    # catalog or measured is said once, by reports.text.evidence_lines
    assert not any("catalog" in x for x in what_would_change(literal_contract(basis="catalog")))


def _what_if(field, label, change, value, current, recommendation, text):
    return {"field": field, "label": label, "change": change, "threshold": value if change != "set" else None,
            "value": value, "current": current, "recommendation": recommendation, "text": text}


def test_answers_come_first_then_eliminations_then_weights():
    result = literal_contract(eliminated_score=0.9, flips={"speed": -0.6}, feasible=False)
    result["what_if"] = [
        _what_if("latency_budget_ms", "latency budget", "at_least", 900.0, 100.0, "c",
                 "latency budget of 900 ms or more → c"),
        _what_if("team_can_maintain_custom_pipeline", "team can maintain a custom pipeline", "set", True, False,
                 "b", "team can maintain a custom pipeline → b")]
    lines = what_would_change(result)
    assert lines[0].startswith("latency budget of 900 ms or more → c") and "100" in lines[0]
    assert lines[1].startswith("team can maintain a custom pipeline → b")
    assert lines[2].startswith("No candidate meets")
    order = [next(i for i, x in enumerate(lines) if x.startswith(p)) for p in ("c is out", "Speed:")]
    assert 2 < order[0] < order[1]


def test_a_reason_does_not_name_its_family_twice():
    result = literal_contract()
    result["ranking"][2]["elimination_reason"] = "c, Variant C, 4 steps: 900 ms predicted > 100 ms latency limit"
    line = next(x for x in what_would_change(result) if x.startswith("c is out"))
    assert "(latency): 900 ms predicted > 100 ms latency limit." in line and ": c," not in line
