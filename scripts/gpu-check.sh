#!/usr/bin/env bash
# The full-profile probes on CUDA, printed as tables: device, latency per NFE, throughput, peak
# memory, fraction of peak FLOP/s, energy; and, where torch-fidelity is importable, the
# conditioning, steering and hybrid probes. Goal: under 6 minutes on one H100.
#   bash scripts/gpu-check.sh [OUT_DIR]            (also: make gpu-check)
#   GPU_CHECK_PROBES=inference bash scripts/gpu-check.sh     (choose the probes)
# Default probes: inference,conditioning,steering,hybrid when torch-fidelity imports, else
# inference alone (the training probe's full profile alone outlasts the budget; name it to run
# it). One 330 s budget covers them all: a probe cut short is kept as partial results, and its
# table says PARTIAL.
#
# Needs python3 with torch (CUDA build), diffusers, tqdm, psutil, pyyaml, numpy and, for energy,
# nvidia-ml-py; the controllability probes also torch-fidelity and scipy. The probe package
# imports without torch-fidelity or streamlit. A GPU machine without network takes what it lacks
# from .whl/ (made here by `make gpu-wheels`, carried along): when .whl/ holds wheels they are
# installed into a scratch folder first, without touching the machine's own packages.
# The script runs from the repository root without installing genarch.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
OUT=${1:-gpu-check-out}
if compgen -G ".whl/*.whl" >/dev/null; then
  # A fresh private folder (mktemp -d, 0700, random name): a fixed name in a shared /tmp could be
  # planted by another user and would then come first on PYTHONPATH.
  site=$(mktemp -d "${TMPDIR:-/tmp}/genarch-gpu-site.XXXXXXXX")
  trap 'rm -rf "$site"' EXIT
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" .whl/*.whl
  export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if [ -z "${GPU_CHECK_PROBES:-}" ]; then
  if "$PYTHON" -c "import torch_fidelity, diffusers" 2>/dev/null; then
    GPU_CHECK_PROBES=inference,conditioning,steering,hybrid
  else
    GPU_CHECK_PROBES=inference
    echo "gpu-check: torch-fidelity or diffusers is missing, so only the inference probe runs (make gpu-wheels, carry .whl)"
  fi
fi

"$PYTHON" - <<'PY' || { echo "gpu-check: no CUDA device visible to torch" >&2; exit 1; }
import torch, sys
sys.exit(0 if torch.cuda.is_available() else 1)
PY
start=$(date +%s)
# --budget 330: stop (with complete: false and whatever was measured) well inside 6 minutes
"$PYTHON" -m app.cli probe --profile full --only "$GPU_CHECK_PROBES" --device cuda --budget 330 \
    --out "$OUT" --no-progress
echo "gpu-check: $(( $(date +%s) - start )) s wall; results in $OUT/probe-results.json"
