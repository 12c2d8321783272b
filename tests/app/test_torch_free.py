"""The app and the reports never import torch (or diffusers): probes run in their own process.

A meta-path finder records every attempt to import them, so the test means the same whether or
not torch is installed; `importlib.util.find_spec` (how the Probes page asks whether it could
run probes) is a look-up, not an import, and is allowed."""
import subprocess
import sys

from tests.conftest import ROOT

CODE = """
import os, sys, tempfile
BLOCKED, attempts = {"torch", "diffusers", "torch_fidelity"}, []

class Recorder:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            frame = sys._getframe(1)
            while frame and not (frame.f_code.co_filename == "<frozen importlib.util>"
                                 or frame.f_code.co_filename.endswith(os.path.join("importlib", "util.py"))):
                frame = frame.f_back
            if frame is None:
                attempts.append(name)
        return None

sys.meta_path.insert(0, Recorder())
from streamlit.testing.v1 import AppTest
from app.cli import main
for name in ("1_Questionnaire.py", "2_Recommendation.py", "3_Probes.py", "4_Report.py"):
    at = AppTest.from_file(os.path.join("app", "pages", name), default_timeout=60).run()
    assert not at.exception, (name, at.exception)
for fmt in ("md", "pdf"):
    out = os.path.join(tempfile.mkdtemp(), "r." + fmt)
    assert main(["report", "--answers", "examples/latency-bound.yaml", "--probe-results",
                 "tests/fixtures/probe-results-cpu.json", "--out", out]) == 0
assert not attempts, attempts
"""


def test_pages_and_reports_do_not_import_torch():
    proc = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
