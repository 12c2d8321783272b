"""Each example answers file states its expected recommendation and why; the engine agrees."""
from __future__ import annotations

import re

import pytest

from rubric import answers, engine

from tests.conftest import EXAMPLES

FILES = sorted(EXAMPLES.glob("*.yaml"))


def _expected(path) -> str:
    match = re.search(r"^# Expected: (\w+)\.", path.read_text(), re.MULTILINE)
    assert match, f"{path.name} must say '# Expected: <family>.'"
    return match.group(1)


def test_there_are_examples_for_every_binding_constraint_and_a_hybrid():
    bindings = {answers.load_file(p)["binding_constraint"] for p in FILES}
    assert {"latency", "conditioning", "data", "budget", "stability"} <= bindings
    assert "hybrid" in {_expected(p) for p in FILES}
    for path in FILES:
        assert "# Why:" in path.read_text()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_example_recommendation(path):
    decision = engine.decide(answers.load_file(path))
    assert decision.recommendation == _expected(path)
    assert decision.feasible
