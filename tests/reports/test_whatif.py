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


def test_criteria_that_cannot_flip_are_named_and_share_is_reported():
    lines = what_would_change(literal_contract(flips={"speed": 0.5}))
    assert "within ×4 or ÷4 flips the choice for: Risk." in next(x for x in lines if x.startswith("No change"))
    assert any("93% of 2,000 random weight draws" in x and "seed 7" in x for x in lines)


def test_infeasible_and_measured_basis():
    catalog = what_would_change(literal_contract())
    assert any("catalog's assumptions" in x for x in catalog)
    lines = what_would_change(literal_contract(feasible=False, basis="measured"))
    assert lines[0].startswith("No candidate meets the binding constraint (latency)")
    assert not any("catalog's assumptions" in x for x in lines)
