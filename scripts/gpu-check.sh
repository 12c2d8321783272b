#!/usr/bin/env bash
# The full inference probe on CUDA, printed as a table: device, latency per NFE, throughput, peak
# memory, fraction of peak FLOP/s, energy. Goal: under 6 minutes on one H100.
#   bash scripts/gpu-check.sh [OUT_DIR]            (also: make gpu-check)
#   GPU_CHECK_PROBES=inference,conditioning,steering,hybrid bash scripts/gpu-check.sh
# The other probes (training, conditioning, steering, hybrid) also need torch-fidelity and its
# dependencies (scipy); they are not run unless named, and the same 330 s budget covers them all
# (a probe cut short is kept as partial results, and the table says PARTIAL).
#
# Needs python3 with torch (CUDA build), diffusers, tqdm, psutil, pyyaml, numpy and, for energy,
# nvidia-ml-py. The probe package imports without torch-fidelity or streamlit. A GPU machine
# without network and without diffusers needs it carried as wheels, built elsewhere with e.g.
#   pip download --no-deps --only-binary=:all: -d .whl diffusers==0.42.1 huggingface_hub \
#       safetensors regex importlib_metadata zipp filelock httpx ...   (diffusers' Requires-Dist)
# and installed there with
#   pip install --no-index --no-deps --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site
# The script then runs from the repository root without installing genarch.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
OUT=${1:-gpu-check-out}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

"$PYTHON" - <<'PY' || { echo "gpu-check: no CUDA device visible to torch" >&2; exit 1; }
import torch, sys
sys.exit(0 if torch.cuda.is_available() else 1)
PY
start=$(date +%s)
# --budget 330: stop (with complete: false and whatever was measured) well inside 6 minutes
"$PYTHON" -m app.cli probe --profile full --only "${GPU_CHECK_PROBES:-inference}" --device cuda --budget 330 \
    --out "$OUT" --no-progress
echo "gpu-check: $(( $(date +%s) - start )) s wall; results in $OUT/probe-results.json"
