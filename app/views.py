"""What the pages draw, shaped as data: pure functions of the decision contract (and of this
machine, for the Probes page's note). Pages call these and only draw the result.

    frame = ranking_frame(result)     # pandas DataFrame: formatted cells with units, marked rows
    cards = candidate_cards(result)   # the same ranking as short per-candidate cards (phones)
    note = probe_device_note("a100", local_device())
"""
from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass

import pandas as pd

from probes.measure.host import cpu_name
from reports.ranking import RankedCandidate, ranked
from reports.verdict import METRICS

# Status -> the marker a reader scans for; a marker as well as a word, so that a row's state is
# seen before its cells are read (and reads without colour). Glyphs DejaVu Sans has: a machine
# without an emoji font drew ⛔ as an empty box.
STATUS_MARKERS = {"ok": "✓", "at risk": "⚠", "eliminated": "✗", "infeasible": "✗"}


# How each estimate is written, with its unit, as on the verdict's metric cards: '73.2 ms',
# '0.0406 USD', '225,000 GPU-h', '1.6 weeks'.
FORMATS = {key: (lambda v, fmt=fmt, unit=unit: f"{fmt(v)}{unit}") for _, key, _, fmt, unit in METRICS}


def marked_status(status: str) -> str:
    """'✗ eliminated', '⚠ at risk', '✓ ok'."""
    return f"{STATUS_MARKERS.get(status, '')} {status}".strip()


# At 1280 px with the sidebar open the main column is 820 px wide (1280 − 300 sidebar − 2 × 80
# padding, measured in Chromium); tables that must not be cut off keep their widths within it.
MAIN_COLUMN_PX = 820

# The columns that fit it, in reading order: what it is, whether it survives, then the figures
# that decide. The rest is in `details_frame`.
RANKING_COLUMNS = ("#", "candidate", "status", "score", "latency", "USD per 1,000 images", "USD per month",
                   "meets limits")


# Column widths in px (st.dataframe's column_config, as plain mappings): 806 px in all, each wide
# enough for its header.
RANKING_COLUMN_CONFIG = {"#": {"width": 36}, "candidate": {"width": 100}, "status": {"width": 120},
                         "score": {"width": 70, "help": "0 to 1: the points left after each criterion's "
                                                         "weighted shortfall"},
                         "latency": {"width": 90, "help": "per image, at batch 1"},
                         "USD per 1,000 images": {"width": 150}, "USD per month": {"width": 130},
                         "meets limits": {"width": 110, "help": "probability of meeting every limit you stated"}}


def ranking_frame(result: dict) -> pd.DataFrame:
    """One row per candidate, best first; every cell formatted with its unit."""
    rows = [{"#": r.rank, "candidate": r.family, "status": marked_status(r.status), "score": r.score,
             "latency": _point(r, "latency_ms_per_sample"), "USD per 1,000 images": _point(r, "usd_per_1k_samples"),
             "USD per month": _point(r, "monthly_usd"), "meets limits": r.meets_limits} for r in ranked(result)]
    return pd.DataFrame(rows, columns=list(RANKING_COLUMNS))


def _point(row: RankedCandidate, key: str) -> str:
    return row.point(key, FORMATS[key])


def records(header: tuple[str, ...], rows) -> list[dict]:
    """A report table's rows (tuples of cells) as st.dataframe takes them: one dict a row."""
    return [dict(zip(header, row)) for row in rows]


DETAILS_COLUMNS = ("candidate", "variant", "plan", "latency (90%)", "USD per 1,000 images (90%)",
                   "USD per month (90%)", "training (90%)", "weeks to production (90%)", "why this status")
# column -> the estimate it shows, with its interval
INTERVAL_COLUMNS = {"latency (90%)": "latency_ms_per_sample", "USD per 1,000 images (90%)": "usd_per_1k_samples",
                    "USD per month (90%)": "monthly_usd", "training (90%)": "training_gpu_hours",
                    "weeks to production (90%)": "weeks_to_production"}


def details_frame(result: dict) -> pd.DataFrame:
    """Every estimate with its 90% interval, the variant, its plan and the reason for its status."""
    rows = [{"candidate": r.family, "variant": r.variant, "plan": r.plan,
             **{column: r.figure(key, FORMATS[key]) for column, key in INTERVAL_COLUMNS.items()},
             "why this status": r.reason or "—"} for r in ranked(result)]
    return pd.DataFrame(rows, columns=list(DETAILS_COLUMNS))


def short_delta(delta: str | None, runner_up: str | None) -> str | None:
    """A card's difference without its trailing 'vs <runner-up>': the caption under the cards
    names the runner-up once, and a narrow card keeps its difference on one or two lines."""
    suffix = f" vs {runner_up}"
    if delta and runner_up and delta.endswith(suffix):
        return delta[: -len(suffix)]
    return delta


@dataclass(frozen=True)
class CandidateCard:
    """One candidate as a short card: the phone's ranking, where a wide table cannot fit (why a
    candidate is out follows the cards, as on the desktop)."""
    title: str  # "1. hybrid ✓ ok"
    variant: str
    figures: str  # "73.2 ms · 0.0406 USD per 1,000 images · 2,920 USD per month"
    odds: str  # "score 0.854 · meets every limit: 100%"


def candidate_cards(result: dict) -> list[CandidateCard]:
    return [CandidateCard(
        title=f"{r.rank}. {r.family} {marked_status(r.status)}", variant=r.variant,
        figures=f"{_point(r, 'latency_ms_per_sample')} · {_point(r, 'usd_per_1k_samples')} per 1,000 images · "
                f"{_point(r, 'monthly_usd')} per month",
        odds=f"score {r.score} · meets every limit: {r.meets_limits}") for r in ranked(result)]


# Streamlit has no media queries of its own; CSS scoped to keyed containers (.st-key-<key>) gives
# the Recommendation page its two layouts. Below 640 px (where Streamlit stacks columns) the cards
# replace the ranking table and the heading shrinks. The metric cards share each row (five across
# at 1280 px, two on a 390 px phone) and wrap their text instead of cutting it off with "…".
NARROW_PX = 640
CARD_MIN_PX = 140
RESPONSIVE_CSS = f"""<style>
.st-key-verdict_cards > [data-testid="stElementContainer"] {{ flex: 1 1 {CARD_MIN_PX}px; width: auto; }}
.st-key-verdict_cards [data-testid="stMetricValue"] {{ font-size: 1.5rem; }}
.st-key-verdict_cards [data-testid="stMetric"] .stMarkdownEllipsis,
.st-key-verdict_cards [data-testid="stMetric"] .stMarkdownEllipsis p {{
  white-space: normal; overflow: visible; text-overflow: clip; }}
@media (max-width: {NARROW_PX}px) {{
  .st-key-ranking_wide {{ display: none; }}
  .st-key-verdict_title h2 {{ font-size: 1.5rem; padding-top: 0; }}
}}
@media (min-width: {NARROW_PX + 1}px) {{ .st-key-ranking_narrow {{ display: none; }} }}
</style>"""


# The Probes page's machines table: the columns that tell the machines apart, within MAIN_COLUMN_PX;
# versions, seed and the cost model's band stay in the full table under an expander.
MACHINE_COLUMNS = ("machine", "file", "device_kind", "dtypes", "rows", "complete", "effective_tflop_per_s",
                   "overhead_ms_per_forward")
MACHINE_COLUMN_CONFIG = {
    "machine": {"width": 140}, "file": {"width": 160}, "device_kind": {"label": "device", "width": 65},
    "dtypes": {"width": 80}, "rows": {"label": "measurements", "width": 100},
    "complete": {"width": 75},
    "effective_tflop_per_s": {"label": "TFLOP/s", "width": 80, "type_config": {"type": "number", "format": "%.3g"},
                              "help": "FLOP rate of a batch-1 call, from the cost model fitted on the measurements "
                                      "(the full table adds the rate of each further sample in a batch)"},
    "overhead_ms_per_forward": {"label": "ms per call", "width": 95,
                                "type_config": {"type": "number", "format": "%.2f"},
                                "help": "fixed overhead per network call, from the same fit"}}


# --- the Probes page's note: what a probe here can say about the serving hardware ---------------

@dataclass(frozen=True)
class LocalDevice:
    kind: str  # "cpu", "cuda" or "mps": what `genarch probe --device auto` would pick
    name: str  # "NVIDIA L4", "AMD EPYC 7B13", "Apple arm64 (MPS)"
    cores: int


def _nvidia_gpu_name() -> str | None:
    """The first NVIDIA GPU's name from nvidia-smi (no torch import: the app stays torch-free)."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return None
    try:
        out = subprocess.run([tool, "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=5, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names = [line.strip() for line in out.splitlines() if line.strip()]
    return names[0] if names else None


@functools.lru_cache(maxsize=1)
def local_device() -> LocalDevice:
    """This machine as the probe would see it with `--device auto` (cuda, then mps, then cpu)."""
    cores = os.cpu_count() or 1
    gpu = _nvidia_gpu_name()
    if gpu:
        return LocalDevice("cuda", gpu, cores)
    if platform.system() == "Darwin" and platform.machine() == "arm64":
        return LocalDevice("mps", f"Apple {platform.machine()} (MPS)", cores)
    return LocalDevice("cpu", cpu_name(), cores)


def probe_target(local: LocalDevice, requested: str) -> LocalDevice:
    """The device a probe started from the page would measure: `auto` is this machine's best;
    an explicit `cpu` is the CPU even on a GPU machine (cuda or mps absent: the probe says so)."""
    if requested == "cpu" and local.kind != "cpu":
        return LocalDevice("cpu", cpu_name(), local.cores)
    return local


# Families' training and controllability measurements hold on any device; latency and cost do not.
DEVICE_FREE = "training stability, data needs and controllability"


def probe_device_note(serving: str, target: LocalDevice) -> str:
    """What a probe on `target` can and cannot tell about the serving hardware `serving` (a catalog
    id), following how rubric.estimates.device_model uses a probe's cost model: measured on the
    serving device it replaces the catalog; on another GPU it is scaled by the catalog's peak
    ratio; from another kind of device (a CPU for a GPU) it cannot be carried over at all."""
    from rubric.estimates import match_device
    from rubric.knowledge import load

    knowledge = load()
    device = knowledge.devices[serving]
    kind = "gpu" if target.kind == "cuda" else target.kind
    here = (f"This machine is a {target.cores}-core CPU ({target.name})" if target.kind == "cpu"
            else f"This machine's probe device is {target.name}")
    probed = match_device(target.name, kind, knowledge)
    if probed == serving:
        return (f"{here}, the kind of serving hardware you named ({device.name}): a probe here measures latency and "
                f"cost on it, which replace the calibrated catalog model in the decision, as well as {DEVICE_FREE}.")
    if probed is not None and knowledge.devices[probed].kind == device.kind:
        return (f"{here}; the serving hardware is {device.name}. A probe here measures {DEVICE_FREE}; its latency "
                f"and cost are carried to the {device.name} by the catalog's peak ratio, with a wider interval. "
                "Results measured on that device itself would replace the catalog model exactly.")
    return (f"{here}; the serving hardware is {device.name}. A probe here measures {DEVICE_FREE}, but its "
            f"latency and cost cannot speak for the {device.name}: those come from the calibrated catalog model "
            "unless you load results measured on that device.")
