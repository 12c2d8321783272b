"""The one schema of probe-results.json, and the validator every reader goes through.

    results = validate(parsed_json, shown="h100/probe-results.json")   # InputError: one line

The schema is declarative (the `PROBE_RESULTS` tree below, built from a handful of typed field
specs) and mirrors probes/RESULTS.md: the type, finiteness, sign and range of every field the
rubric, the reports or the app read. Unknown fields are kept but never trusted (readers ignore
them). Before the typed check, one pass over the whole tree bounds its nesting depth and string
lengths and makes every string and key safe to print: C0/C1 control characters (ESC, newlines,
…), bidirectional overrides and lone surrogates become spaces. Known free-text fields are also
cut to MAX_TEXT characters. A failure names the file, the section and the field:

    probe-results.json: hybrid row 2: nfe must be an integer >= 1, got missing

Torch-free and dependency-free (`genarch recommend` imports it on its cold-start path).
"""
from __future__ import annotations

import math
from typing import Any

from rubric import errors
from rubric.errors import InputError

MAX_DEPTH = 64  # the writer nests 6 deep; a hostile file may nest 100k deep
MAX_STRING_CHARS = 3_000_000  # a base64 sample grid (reports/probe_view.MAX_GRID_BYTES) fits
MAX_KEY_CHARS = 200
MAX_TEXT = 200  # free text (device names, data names, notes) is cut to this many characters
MAX_ID = 64  # identifiers (architecture, dtype, model size, role) are refused beyond it
MAX_ROWS = 10_000  # rows of any list (inference rows, bootstrap refits, …)
# Physical bounds: anything outside is a corrupt or tampered file, not a measurement.
MIN_FLOP_PER_S = 1e6  # 1 MFLOP/s: slower than any device the probe could have timed
MAX_FLOP_PER_S = 1e18  # 1 EFLOP/s: ~500x an H200's dense fp8 peak
MAX_MS = 1e9  # 11.6 days per sample or call
MAX_COUNT = 1e15

def clean_text(text: str) -> str:
    """Control characters, bidi overrides and lone surrogates replaced by spaces."""
    return errors.clean_text(text, " ")


class SchemaError(Exception):
    def __init__(self, path: tuple, message: str):
        super().__init__(message)
        self.path, self.message = path, message


MISSING = object()


def describe(value: Any) -> str:
    """A short, printable account of a bad value for an error message."""
    return "missing" if value is MISSING else errors.excerpt(value)


def render_path(path: tuple) -> str:
    """('hybrid', 'rows', 2) -> 'hybrid row 2'; ('cost_model', 'fits', 'fp32') ->
    'cost_model.fits.fp32'; ('conditioning', 'rows', 1, 'per_class', 3) -> 'conditioning row 1,
    per_class row 3'."""
    parts: list[str] = []
    for i, token in enumerate(path):
        if isinstance(token, int):
            if parts and path[i - 1] == "rows" and len(parts) > 1:
                parts.pop()  # "hybrid.rows row 2" reads better as "hybrid row 2"
            parts.append(f" row {token}")
        else:
            key = str(token) if len(str(token)) <= 40 else str(token)[:37] + "..."
            parts.append(("" if not parts else ", " if isinstance(path[i - 1], int) else ".") + key)
    return "".join(parts).strip()


# --- field specs --------------------------------------------------------------------------------

class Spec:
    nullable = False

    def check(self, value: Any, path: tuple) -> Any:
        if value is None and self.nullable:
            return None
        return self._check(value, path)

    def _check(self, value: Any, path: tuple) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def fail(self, value: Any, path: tuple, expected: str):
        raise SchemaError(path, f"must be {expected}{' or null' if self.nullable else ''}, got {describe(value)}")


class Num(Spec):
    """A finite number (int or float, never a bool) within [lo, hi]; `positive` excludes 0."""

    def __init__(self, lo: float | None = None, hi: float | None = None, positive: bool = False,
                 nullable: bool = False):
        self.lo, self.hi, self.positive, self.nullable = lo, hi, positive, nullable

    def expected(self) -> str:
        if self.positive:
            return "a positive number" + (f" <= {self.hi:g}" if self.hi is not None else "")
        if self.lo is not None and self.hi is not None:
            return f"a number in [{self.lo:g}, {self.hi:g}]"
        if self.lo is not None:
            return f"a number >= {self.lo:g}"
        if self.hi is not None:
            return f"a number <= {self.hi:g}"
        return "a finite number"

    def _check(self, value, path):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or (self.positive and value <= 0) or (self.lo is not None and value < self.lo) \
                or (self.hi is not None and value > self.hi):
            self.fail(value, path, self.expected())
        return value


class Int(Spec):
    def __init__(self, lo: int | None = None, hi: int | None = None, nullable: bool = False):
        self.lo, self.hi, self.nullable = lo, hi, nullable

    def _check(self, value, path):
        if isinstance(value, bool) or not isinstance(value, int) \
                or (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            expected = "an integer" + (f" >= {self.lo}" if self.lo is not None else "") \
                + (f" <= {self.hi}" if self.hi is not None else "")
            self.fail(value, path, expected)
        return value


class Bool(Spec):
    def __init__(self, nullable: bool = False):
        self.nullable = nullable

    def _check(self, value, path):
        if not isinstance(value, bool):
            self.fail(value, path, "true or false")
        return value


class Str(Spec):
    """An identifier: refused beyond `limit` characters (its meaning would change if cut)."""

    def __init__(self, limit: int = MAX_ID, nullable: bool = False):
        self.limit, self.nullable = limit, nullable

    def _check(self, value, path):
        if not isinstance(value, str) or len(value) > self.limit:
            self.fail(value, path, f"a string of at most {self.limit} characters")
        return value


class Text(Spec):
    """Free text for display: cut to MAX_TEXT characters."""

    def __init__(self, nullable: bool = True):
        self.nullable = nullable

    def _check(self, value, path):
        if not isinstance(value, str):
            self.fail(value, path, "a string")
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT - 3] + "..."


class Any_(Spec):
    nullable = True

    def _check(self, value, path):
        return value


class List(Spec):
    def __init__(self, item: Spec, nullable: bool = False, max_items: int = MAX_ROWS, min_items: int = 0):
        self.item, self.nullable, self.max_items, self.min_items = item, nullable, max_items, min_items

    def _check(self, value, path):
        if not isinstance(value, list):
            self.fail(value, path, "a list")
        if len(value) > self.max_items:
            raise SchemaError(path, f"has {len(value):,} entries, over the limit of {self.max_items:,}")
        if len(value) < self.min_items:
            raise SchemaError(path, f"must have at least {self.min_items} entries, got {len(value)}")
        return [self.item.check(v, path + (i,)) for i, v in enumerate(value)]


class Map(Spec):
    """An object with keys chosen by the writer (dtypes, families, probe names)."""

    def __init__(self, value: Spec, nullable: bool = False):
        self.value, self.nullable = value, nullable

    def _check(self, value, path):
        if not isinstance(value, dict):
            self.fail(value, path, "an object")
        if len(value) > MAX_ROWS:
            raise SchemaError(path, f"has {len(value):,} entries, over the limit of {MAX_ROWS:,}")
        return {k: self.value.check(v, path + (k,)) for k, v in value.items()}


class Obj(Spec):
    """An object with known fields: `fields` maps name -> spec; names in `required` must be
    present. Unknown fields are kept as they are (already made printable by the generic pass)."""

    def __init__(self, fields: dict[str, Spec], required: tuple[str, ...] = (), nullable: bool = False,
                 rule=None):
        self.fields, self.required, self.nullable, self.rule = fields, required, nullable, rule

    def _check(self, value, path):
        if not isinstance(value, dict):
            self.fail(value, path, "an object")
        out = dict(value)
        for name, spec in self.fields.items():
            if name in value:
                out[name] = spec.check(value[name], path + (name,))
            elif name in self.required:
                raise SchemaError(path + (name,), f"must be {_expected(spec)}, got missing")
        if self.rule is not None:
            self.rule(out, path)
        return out


def _expected(spec: Spec) -> str:
    """What a missing field should have been."""
    try:
        spec._check(MISSING, ())
    except SchemaError as err:
        text = err.message.removeprefix("must be ")
        return text[:text.rfind(", got")]
    return "present"


# --- the schema (probes/RESULTS.md) -------------------------------------------------------------

def nn(hi: float | None = None, nullable: bool = True) -> Num:
    """A non-negative finite number, null allowed unless said otherwise."""
    return Num(lo=0, hi=hi, nullable=nullable)


def share(nullable: bool = True) -> Num:
    return Num(lo=0, hi=1, nullable=nullable)


MS = nn(MAX_MS)
COUNT = Int(0, int(MAX_COUNT), nullable=True)
TEXT = Text()

ENVIRONMENT = Obj({
    "device_kind": Str(nullable=True), "device_name": TEXT, "driver": TEXT, "cuda_version": TEXT,
    "torch_version": TEXT, "diffusers_version": TEXT, "genarch_version": TEXT, "python_version": TEXT,
    "platform": TEXT, "cpu": TEXT, "cpu_count": Int(1, 1_000_000, nullable=True),
    "torch_threads": Int(1, 1_000_000, nullable=True), "torch_interop_threads": Int(1, 1_000_000, nullable=True),
    "dtypes": List(Str(), nullable=True, max_items=16),
    "seed": Int(nullable=True), "gpu_memory_mib": nn(), "load_average_1min_at_start": nn(),
    "tf32_matmul": Bool(nullable=True), "tf32_cudnn": Bool(nullable=True),
})

CONFIG = Obj({"profile": Str(nullable=True), "probes": List(Str(), nullable=True, max_items=64),
              "device": Str(nullable=True), "dtypes": List(Str(), nullable=True, max_items=16),
              "seed": Int(nullable=True), "budget_s": nn(), "resolution": Int(1, 1_000_000, nullable=True)})

INFERENCE_ROW = Obj({
    "architecture": Str(), "model_size": Str(), "dtype": Str(), "batch_role": Str(nullable=True),
    "nfe": Int(1, 1_000_000), "batch": Int(1, 1_000_000),
    "latency_ms_per_sample": Num(positive=True, hi=MAX_MS),
    "throughput_samples_per_s": Num(positive=True, hi=MAX_COUNT),
    "peak_memory_mib": nn(), "flops_per_forward": nn(MAX_COUNT * 1e6), "cv": nn(),
    "latency_ms_per_sample_p90": MS, "latency_ms_per_sample_iqr": MS, "call_ms_median": MS,
    "repeats": COUNT, "warmup_calls": COUNT, "resolution": Int(1, 1_000_000, nullable=True),
    "params": COUNT, "sampler": TEXT, "device": TEXT, "memory_source": TEXT,
    "achieved_flop_per_s": nn(), "fraction_of_peak": nn(), "energy_j_per_1k_samples": nn(),
    "energy_note": TEXT, "oom_backoffs": COUNT,
}, required=("architecture", "model_size", "nfe", "batch", "dtype", "latency_ms_per_sample",
             "throughput_samples_per_s", "peak_memory_mib", "flops_per_forward", "cv"))

MS_PER_FLOP = 1000.0 / MIN_FLOP_PER_S


def _range_rule(value: dict, path: tuple) -> None:
    low, high = value["flops_per_call_range"]
    if low > high:
        raise SchemaError(path + ("flops_per_call_range",), f"must be [min, max], got [{low:g}, {high:g}]")


FIT = Obj({
    "overhead_ms_per_call": nn(MAX_MS, nullable=False), "overhead_ms_per_sample": nn(MAX_MS, nullable=False),
    "fixed_overhead_ms_per_forward": nn(MAX_MS, nullable=False),
    # null when time did not grow with FLOPs (probes.summaries.cost_model refuses to predict from it)
    "effective_flop_per_s": Num(lo=MIN_FLOP_PER_S, hi=MAX_FLOP_PER_S, nullable=True),
    "relative_band": nn(100, nullable=False), "n_points": Int(1, MAX_ROWS, nullable=True),
    "flops_per_call_range": List(nn(nullable=False), min_items=2, max_items=2),
    "rms_relative_residual": nn(), "downweighted_rows": COUNT,
    # the per-FLOP terms; files fitted before the per-call term have neither (probes.summaries.cost_model)
    "ms_per_flop_per_call": nn(MS_PER_FLOP), "ms_per_flop_per_sample": nn(MS_PER_FLOP),
    "throughput_flop_per_s": Num(lo=MIN_FLOP_PER_S, hi=MAX_FLOP_PER_S, nullable=True),
    "flops_per_forward_range": List(nn(nullable=False), min_items=2, max_items=2, nullable=True),
    "batch_range": List(Int(1, MAX_ROWS * 1000), min_items=2, max_items=2, nullable=True),
    "bootstrap": List(List(Num(lo=0, hi=MAX_MS), min_items=3, max_items=4)),
}, required=("overhead_ms_per_call", "overhead_ms_per_sample", "effective_flop_per_s", "relative_band",
             "flops_per_call_range", "bootstrap"), rule=_range_rule)


def _bootstrap_rule(fit: dict, path: tuple) -> None:
    _range_rule(fit, path)
    for i, refit in enumerate(fit["bootstrap"]):
        # refits hold [ms per call, ms per sample, (ms per FLOP per call,) ms per FLOP per sample]
        if max(refit[2:]) > MS_PER_FLOP:
            raise SchemaError(path + ("bootstrap", i), f"refit's ms per FLOP {max(refit[2:]):g} is below "
                                                       f"{MIN_FLOP_PER_S:g} FLOP/s")


FIT.rule = _bootstrap_rule


def _cost_model_rule(value: dict, path: tuple) -> None:
    if value["dtype"] not in value["fits"]:
        raise SchemaError(path + ("dtype",), f"names no fit ({describe(value['dtype'])} is not in fits)")


COST_MODEL = Obj({
    "model": TEXT, "device_name": TEXT, "device_kind": Str(nullable=True), "dtype": Str(),
    "architecture": Str(nullable=True),
    "fixed_overhead_ms_per_forward": nn(MAX_MS, nullable=False),
    "effective_flop_per_s": Num(lo=MIN_FLOP_PER_S, hi=MAX_FLOP_PER_S, nullable=True),
    "relative_band": nn(100, nullable=False),
    "fits": Map(FIT), "fits_by_architecture": Map(Map(FIT)),
}, required=("dtype", "fixed_overhead_ms_per_forward", "effective_flop_per_s", "relative_band", "fits"),
    nullable=True, rule=_cost_model_rule)

DATA = Obj({"name": TEXT, "train_images": COUNT, "held_out_images": COUNT, "resolution": Int(1, 1_000_000, nullable=True),
            "channels": Int(1, 1_000, nullable=True), "classes": Int(1, 1_000_000, nullable=True),
            "skipped_files": COUNT, "skipped_examples": List(Any_(), nullable=True)}, nullable=True)

QUALITY = Obj({"fid": nn(), "kid": Num(nullable=True), "kid_std": nn(), "precision": share(), "recall": share(),
               "f_score": share(), "feature_extractor": TEXT, "samples": COUNT}, nullable=True)

CLASSIFIER = Obj({
    "name": TEXT, "task": TEXT, "held_out_accuracy": share(), "train_s": nn(), "classes": Int(1, 1_000_000, nullable=True),
    "chance_accuracy": Num(positive=True, hi=1, nullable=True),
    "held_out_per_class": List(Obj({"class": TEXT, "accuracy": share(False), "images": COUNT},
                                   required=("class", "accuracy")), nullable=True),
}, nullable=True)

MODEL_INFO = Obj({"train_s": nn(), "steps": COUNT, "images_seen": nn(), "params": COUNT}, nullable=True)

SECTION_COMMON = {"complete": Bool(nullable=True), "data": DATA, "classifier": CLASSIFIER, "skipped": TEXT,
                  "device": TEXT, "dtype": Str(nullable=True)}

CONDITIONING_ROW = Obj({
    "architecture": Str(), "guidance_scale": nn(1e6), "nfe": Int(1, 1_000_000, nullable=True),
    "forwards_per_sample": Int(1, 10_000_000, nullable=True), "sampler": TEXT,
    "latency_ms_per_sample": Num(positive=True, hi=MAX_MS, nullable=True), "samples": Int(1, int(MAX_COUNT), nullable=True),
    "conditional_accuracy": share(False), "precision_worst_class": share(), "diversity_ratio_mean": nn(),
    "per_class": List(Obj({"class": TEXT, "accuracy": share(False), "diversity_ratio": nn(),
                           "precision": share(), "recall": share()}, required=("class", "accuracy")), nullable=True),
    "quality": QUALITY,
}, required=("architecture", "conditional_accuracy"),
    rule=lambda row, path: row["architecture"] != "diffusion" or row.get("guidance_scale") is not None
    or _raise(path + ("guidance_scale",), "must be a number for a diffusion row, got "
              + describe(row.get("guidance_scale", MISSING))))


def _raise(path: tuple, message: str):
    raise SchemaError(path, message)


CONDITIONING = Obj({**SECTION_COMMON, "rows": List(CONDITIONING_ROW, nullable=True),
                    "models": Map(MODEL_INFO, nullable=True), "real_floor": QUALITY}, nullable=True)

STEERING_ROW = Obj({
    "method": Str(), "architecture": Str(nullable=True), "latency_ms_per_sample": MS, "samples": COUNT,
    "forwards_per_sample": COUNT, "backwards_per_sample": COUNT, "nfe": Int(1, 1_000_000, nullable=True),
    "hole_mse": nn(), "hole_psnr_db": Num(nullable=True), "label_agreement": share(),
    "known_max_abs_error": nn(), "known_region_fit_mse": nn(), "optimisation_steps": COUNT,
    "quality_vs_train": QUALITY,
    "vs_mean_fill": Obj({"images": COUNT, "right_class_gained": COUNT, "right_class_lost": COUNT,
                         "hole_mse_difference_mean": Num(nullable=True), "hole_mse_difference_sd": nn()},
                        nullable=True),
}, required=("method",))

STEERING = Obj({**SECTION_COMMON, "rows": List(STEERING_ROW, nullable=True),
                "mask": Obj({"kind": TEXT, "hidden_fraction": share()}, nullable=True), "images": COUNT,
                "label_agreement_of_truth": share(), "truth_quality_vs_train": QUALITY,
                "models": Map(MODEL_INFO, nullable=True)}, nullable=True)

HYBRID_ROW = Obj({
    "architecture": Str(), "role": Str(), "nfe": Int(1, 1_000_000), "sampler": TEXT,
    "latency_ms_per_sample": Num(positive=True, hi=MAX_MS), "samples": COUNT, "batch": Int(1, int(MAX_COUNT), nullable=True),
    "quality": Obj({**QUALITY.fields, "fid": nn(nullable=False)}, required=("fid",)),
}, required=("architecture", "role", "nfe", "latency_ms_per_sample", "quality"))

HYBRID = Obj({
    **SECTION_COMMON, "rows": List(HYBRID_ROW, nullable=True), "teacher": MODEL_INFO, "gan": MODEL_INFO,
    "real_floor": QUALITY,
    "distillation": Obj({"method": TEXT, "student_prediction": TEXT, "teacher_nfe": Int(1, 1_000_000, nullable=True),
                         "train_s": nn(), "teacher_forwards": nn(), "share_of_teacher_train_s": nn(),
                         "stages": List(Obj({"nfe": Int(1, 1_000_000, nullable=True), "train_s": nn(),
                                             "steps": COUNT, "images_seen": nn(), "teacher_forwards": nn(),
                                             "final_loss": Num(nullable=True)}), nullable=True)},
                        nullable=True),
}, nullable=True)

CURVE_POINT = Obj({"step": COUNT, "images_seen": nn(nullable=False), "train_s": nn(nullable=False),
                   "fid": nn(nullable=False), "kid": Num(nullable=True), "precision": share(), "recall": share(),
                   "f_score": share(), "samples": COUNT, "feature_extractor": TEXT},
                  required=("images_seen", "fid"))

RUN = Obj({
    "architecture": Str(), "fraction": Num(positive=True, hi=1), "train_images": Int(0, int(MAX_COUNT)),
    "seed": Int(), "images_seen": nn(), "steps": COUNT, "step_ms_median": MS, "images_per_s": nn(),
    "train_s": nn(), "metrics_s": nn(), "wall_s": nn(), "curve": List(CURVE_POINT),
    "final": Obj({**CURVE_POINT.fields}, required=("fid",), nullable=True), "diverged": Bool(),
    "oscillation": nn(),
    "mode_coverage": Obj({"classes_covered": nn(nullable=False), "classes": Int(1, 1_000_000),
                          "kl_real_to_generated": nn(), "classifier_accuracy": share(), "max_kl": nn()},
                         required=("classes_covered", "classes"), nullable=True),
    "device": TEXT, "sample_grid_png_base64": Str(limit=MAX_STRING_CHARS, nullable=True),
}, required=("architecture", "fraction", "train_images", "seed", "curve", "final", "diverged"))

STABILITY = Obj({"runs": Int(0, int(MAX_COUNT)), "diverged_runs": COUNT, "divergence_rate": share(),
                 "seed_spread": Map(Obj({"fid_mean": nn(), "fid_min": nn(), "fid_max": nn(),
                                         "relative_spread": nn()}), nullable=True),
                 "relative_spread_full_data": nn(), "oscillation_mean": nn(), "classes_covered_mean": nn(),
                 "classes": Int(1, 1_000_000, nullable=True), "kl_mean": nn()},
                required=("runs",), rule=lambda s, path: (
                    s.get("classes_covered_mean") is None or s.get("classes") is None
                    or s["classes_covered_mean"] <= s["classes"]
                    or _raise(path + ("classes_covered_mean",), f"must be at most classes ({s['classes']}), "
                              f"got {describe(s['classes_covered_mean'])}")))

TRAINING = Obj({"data": DATA, "extractor": Obj({"name": TEXT, "task": TEXT, "requested": TEXT,
                                                 "held_out_accuracy": share(), "train_s": nn(), "note": TEXT},
                                                nullable=True),
                "runs": List(RUN, nullable=True), "stability": Map(STABILITY, nullable=True),
                "device": TEXT, "resolution": Int(1, 1_000_000, nullable=True)}, nullable=True)

BAND = Obj({}, nullable=True)
DATA_NEEDS = Obj({
    "target_fid": nn(), "feature_extractor": TEXT, "target_rule": TEXT,
    "families": Map(Obj({
        "fit": Obj({"a": Num(nullable=True), "b": Num(nullable=True),
                    "sizes_measured": List(Num(positive=True, hi=MAX_COUNT), nullable=True),
                    "n_points": COUNT, "rms_log_residual": nn(), "bootstrap": List(Any_(), nullable=True)},
                   nullable=True),
        "images_needed": Obj({"images": nn(), "interval": List(nn(), nullable=True, max_items=2),
                              "confidence": Str(nullable=True), "note": TEXT}, nullable=True),
        "fid_at_10x": Any_(),
        "time_to_target": Obj({"runs_reaching": COUNT, "runs": COUNT, "train_s_median": nn(),
                               "images_seen_median": nn()}, nullable=True),
    }), nullable=True),
}, nullable=True)

PROBE_RESULTS = Obj({
    "schema_version": Int(1), "created_unix": nn(), "environment": ENVIRONMENT, "config": CONFIG,
    "inference": List(INFERENCE_ROW), "cost_model": COST_MODEL, "complete": Bool(),
    "stop_reason": Str(nullable=True), "notes": List(TEXT, nullable=True, max_items=1000),
    "probe_wall_s": Map(nn(), nullable=True),
    "training": TRAINING, "data_needs": DATA_NEEDS,
    "conditioning": CONDITIONING, "steering": STEERING, "hybrid": HYBRID,
})


# --- the validator ------------------------------------------------------------------------------

def sanitize(tree: Any) -> Any:
    """Bound the nesting depth, string and key lengths of a parsed JSON tree, and make every string
    and key printable, without recursion (a hostile file may nest deeper than Python recurses)."""
    def fix(s: str, path: tuple, limit: int) -> str:
        if len(s) > limit:
            raise SchemaError(path, f"holds a string of {len(s):,} characters, over the limit of {limit:,}")
        return clean_text(s)

    if isinstance(tree, str):
        return fix(tree, (), MAX_STRING_CHARS)
    if not isinstance(tree, (dict, list)):
        return tree
    stack: list[tuple[Any, tuple, int]] = [(tree, (), 1)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise SchemaError(path[:8], f"nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            if any(not isinstance(k, str) or len(k) > MAX_KEY_CHARS or not k.isprintable() for k in node):
                items = [(fix(k, path, MAX_KEY_CHARS), v) for k, v in node.items()]
                node.clear()
                node.update(items)
            entries = node.items()
        else:
            entries = enumerate(node)
        for key, value in list(entries):
            if isinstance(value, str):
                if len(value) > MAX_STRING_CHARS or not value.isprintable():
                    node[key] = fix(value, path + (key,), MAX_STRING_CHARS)
            elif isinstance(value, (dict, list)):
                stack.append((value, path + (key,), depth + 1))
    return tree


def validate(results: Any, shown: str) -> dict:
    """The parsed file, checked and made printable; InputError naming `shown` and the field."""
    try:
        results = sanitize(results)
        if not isinstance(results, dict):
            raise InputError(f"{shown}: expected a JSON object at the top level, got {describe(results)}")
        version = results.get("schema_version", MISSING)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise InputError(f"{shown}: schema_version must be an integer >= 1, got {describe(version)}")
        from probes.results import SCHEMA_VERSION, TOP_LEVEL_KEYS

        if version > SCHEMA_VERSION:
            raise InputError(f"{shown}: schema_version {version} is newer than this genarch reads "
                             f"({SCHEMA_VERSION}); upgrade genarch")
        missing = [k for k in TOP_LEVEL_KEYS if k not in results]
        if missing:
            raise InputError(f"{shown}: missing {', '.join(missing)}")
        return PROBE_RESULTS.check(results, ())
    except SchemaError as err:
        raise InputError(f"{shown}: {where(err.path)} {err.message}") from None


def where(path: tuple) -> str:
    """'hybrid row 2: nfe', 'cost_model.fits.fp32: effective_flop_per_s', 'training'."""
    if path and isinstance(path[-1], str):
        field = path[-1] if len(path[-1]) <= 40 else path[-1][:37] + "..."
        container = render_path(path[:-1])
        return f"{container}: {field}" if container else field
    return render_path(path) or "the file"
