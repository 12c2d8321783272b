"""Shared test helpers. Tests run on CPU; GPU tests skip cleanly without CUDA."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def defaults():
    from rubric import answers

    return answers.defaults()
