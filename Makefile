# The README's two commands: `make run` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Debian packages checked (and installed as root) before pip: name:command-that-proves-it.
# chromium: kaleido draws the PDF's charts in it (reports/chart_images.py).
SYSTEM_DEPS := "python3-venv:$(PYTHON) -c 'import ensurepip, venv'" \
               "fonts-dejavu-core:test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf" \
               "chromium:test -x /usr/bin/chromium"
# Free space a new .venv needs, GB: 6.4 GB measured, mostly torch's CUDA build, plus pip's unpacking.
VENV_GIB := 8
# The tests also need poppler's pdfinfo (and drive the same chromium through Playwright).
TEST_SYSTEM_DEPS := "poppler-utils:command -v pdfinfo"

.PHONY: install run test bench clean gpu-check gpu-wheels
.DEFAULT_GOAL := run

$(BIN)/.installed: pyproject.toml
	@scripts/system-deps.sh $(SYSTEM_DEPS)
	@test -x $(BIN)/python || scripts/disk-check.sh $(VENV) $(VENV_GIB)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

install: $(BIN)/.installed

## Installs, then serves the app on http://127.0.0.1:8501 with the built-in example answers.
run: install
	$(BIN)/genarch app

## Installs, then runs every test.
test: install
	@scripts/system-deps.sh $(TEST_SYSTEM_DEPS)
	$(BIN)/python -m pytest -q

## Speed goals, printed as figures (not timed tests).
bench: install
	$(BIN)/python benchmarks/bench_calibration.py
	$(BIN)/python benchmarks/bench_recommend.py
	$(BIN)/python benchmarks/bench_app.py
	$(BIN)/python benchmarks/bench_probe_quick.py --only inference
	$(BIN)/python benchmarks/bench_probe_quick.py --only inference,training
	$(BIN)/python benchmarks/bench_probe_quick.py --only all
	$(BIN)/python benchmarks/bench_probe_extrapolation.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info

## On a CUDA machine: the full-profile probes, printed as tables (under 6 minutes).
gpu-check:
	bash scripts/gpu-check.sh

## Here, before a GPU session: the wheels gpu-check installs on a GPU machine that lacks them (.whl/).
gpu-wheels: install
	bash scripts/gpu-wheels.sh
