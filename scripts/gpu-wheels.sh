#!/usr/bin/env bash
# Fetches, into .whl/, the wheels `make gpu-check` needs on a lent GPU machine whose image lacks
# them and which reaches no package registry: diffusers and torch-fidelity (the controllability
# probes need both), and those of their needs the image lacks. Versions are the ones this
# checkout's .venv runs the tests with. All are pure-Python wheels, so they install on the GPU
# machine's Python 3.12 as well. gpu-check.sh installs .whl/ when it is there.
#   bash scripts/gpu-wheels.sh          (also: make gpu-wheels; needs `make install` first)
# The device tool carries it with carry: [".whl"] (ignored by git; about 7 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
# The image's own list (the device tool's KINDS.md) holds torch, torchvision, numpy,
# scipy, pillow, huggingface-hub, safetensors, regex, requests, filelock, tqdm, but neither
# importlib-metadata nor lazy-importer; zipp goes along because importlib-metadata needs >= 3.20.
packages=(diffusers torch-fidelity importlib-metadata lazy-importer zipp)
specs=()
for name in "${packages[@]}"; do
  version=$("$PYTHON" -m pip show "$name" 2>/dev/null | awk '/^Version:/ {print $2}')
  [ -n "$version" ] || { echo "gpu-wheels: $name is not installed in $PYTHON's environment; run make install" >&2; exit 2; }
  specs+=("$name==$version")
done
rm -rf .whl
"$PYTHON" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d .whl "${specs[@]}"
echo "gpu-wheels: $(ls .whl | wc -l) wheels in .whl ($(du -sh .whl | cut -f1)): ${specs[*]}"
