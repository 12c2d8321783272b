"""Plain-text tables of probe results, as `genarch probe` and `make gpu-check` print them: pure
functions from the results dict to a string. Torch-free; the probes measure, this module formats.
"""
from __future__ import annotations

from probes.summaries.control_summary import classifier_on_real, worst_class
from reports.cells import gained_lost, number


def inference_table(results: dict) -> str:
    env = results.get("environment", {})
    head = (f"device: {env.get('device_name')} ({env.get('device_kind')}), torch "
            f"{env.get('torch_version')}, driver {env.get('driver') or '-'}")
    if not results.get("complete"):
        head += f"  [PARTIAL: {results.get('stop_reason') or 'incomplete'}]"
    cols = (f"{'arch':<10}{'size':<5}{'dtype':<6}{'nfe':>4}{'batch':>6}{'ms/sample':>11}"
            f"{'p90':>10}{'cv':>6}{'samples/s':>11}{'peak MiB':>10}{'GFLOP/fwd':>11}"
            f"{'TFLOP/s':>9}{'%peak':>7}{'J/1k':>8}")
    lines = [head, cols, "-" * len(cols)]
    for r in results.get("inference", []):
        frac = r.get("fraction_of_peak")
        lines.append(
            f"{r['architecture']:<10}{r['model_size']:<5}{r['dtype']:<6}{r['nfe']:>4}{r['batch']:>6}"
            f"{r['latency_ms_per_sample']:>11.3f}{number(r.get('latency_ms_per_sample_p90'), '.3f'):>10}"
            f"{r['cv']:>6.2f}{r['throughput_samples_per_s']:>11.1f}{r['peak_memory_mib']:>10.0f}"
            f"{r['flops_per_forward'] / 1e9:>11.3f}"
            f"{number(r.get('achieved_flop_per_s') and r['achieved_flop_per_s'] / 1e12, '.3f'):>9}"
            f"{number(frac and 100 * frac, '.1f'):>7}"
            f"{number(r.get('energy_j_per_1k_samples'), '.1f'):>8}")
    lines.append(cost_model_line(results.get("cost_model")))
    return "\n".join(lines)


def cost_model_line(cost_model: dict | None) -> str:
    if not cost_model:
        return "cost model: not fitted (no rows)"
    lines = [f"cost model ({cost_model['model']}):"]
    for arch, fits in cost_model.get("fits_by_architecture", {"": cost_model["fits"]}).items():
        for dtype, fit in fits.items():
            rate, batched = fit["effective_flop_per_s"], fit.get("throughput_flop_per_s")
            lines.append(
                f"  {arch or '-':<10}{dtype:<5} {fit['overhead_ms_per_call']:.3f} ms/call + "
                f"{fit['overhead_ms_per_sample']:.3f} ms/sample + FLOPs at "
                f"{number(rate and rate / 1e12, '.4f')} TFLOP/s at batch 1"
                + (f", {number(batched / 1e12, '.4f')} in a large batch" if batched else "")
                + f"; band +/-{100 * fit['relative_band']:.0f}% (n={fit['n_points']})"
                + ("  <- headline" if arch == cost_model.get("architecture") and dtype == cost_model["dtype"] else ""))
    return "\n".join(lines)


def _band(interval) -> str:
    if not interval:
        return "-"
    low, high = interval
    return f"{number(low, ',.0f', '?')}-{number(high, ',.0f', 'unbounded')}"


def training_table(results: dict) -> str:
    """Per family and dataset size: final FID (mean over seeds, min–max), divergence, coverage;
    then data needs. Empty when the training probe did not run."""
    training = results.get("training")
    if not training or not training.get("runs"):
        return ""
    data = training.get("data", {})
    extractor = training.get("extractor") or {}
    lines = [f"training: {data.get('name')}, {data.get('resolution')} px, "
             f"FID/KID on {extractor.get('name')} features ({extractor.get('task')}, held-out accuracy "
             f"{number(extractor.get('held_out_accuracy'), '.2f')}; not comparable with Inception FID)"]
    cols = (f"{'arch':<10}{'images':>7}{'runs':>5}{'FID mean':>10}{'FID min-max':>16}{'KID':>8}"
            f"{'prec':>6}{'recall':>7}{'diverged':>9}{'classes':>8}{'img/s':>8}")
    lines += [cols, "-" * len(cols)]
    groups: dict = {}
    for run in training["runs"]:
        groups.setdefault((run["architecture"], run["train_images"]), []).append(run)
    for (arch, images), runs in sorted(groups.items()):
        finals = [r["final"] for r in runs if r["final"]]
        fids = [f["fid"] for f in finals]
        mean = lambda key: sum(f[key] for f in finals) / len(finals) if finals else None  # noqa: E731
        covered = [r["mode_coverage"]["classes_covered"] for r in runs if r.get("mode_coverage")]
        speed = [r["images_per_s"] for r in runs if r.get("images_per_s")]
        lines.append(
            f"{arch:<10}{images:>7}{len(runs):>5}{number(mean('fid'), '.3f'):>10}"
            f"{(f'{min(fids):.3f}-{max(fids):.3f}' if fids else '-'):>16}{number(mean('kid'), '.4f'):>8}"
            f"{number(mean('precision'), '.2f'):>6}{number(mean('recall'), '.2f'):>7}"
            f"{sum(r['diverged'] for r in runs):>9}"
            f"{number(covered and sum(covered) / len(covered), '.1f'):>8}"
            f"{number(speed and sum(speed) / len(speed), '.0f'):>8}")
    wall = sum(r.get("wall_s", 0.0) for r in training["runs"])
    metrics = sum(r.get("metrics_s", 0.0) for r in training["runs"])
    if wall:
        lines.append(f"time: {wall:.0f} s in training runs, of which {metrics:.0f} s ({metrics / wall:.0%}) "
                     f"sampling and metrics; extractor {number(extractor.get('train_s'), '.0f')} s")
    needs = results.get("data_needs") or {}
    if needs.get("target_fid") is not None:
        lines.append(f"data needs (FID = a·n^-b; target FID {needs['target_fid']:.3f} = {needs['target_rule']}):")
        for arch, entry in sorted(needs["families"].items()):
            fit, need = entry.get("fit"), entry.get("images_needed")
            if not fit:
                lines.append(f"  {arch:<10}no fit (fewer than two dataset sizes finished)")
                continue
            images = need and need.get("images")
            lines.append(f"  {arch:<10}a={fit['a']:.3g} b={fit['b']:.3f}; images for the target: "
                         + (f"{images:,.0f} ({need['confidence']}; 90% band {_band(need['interval'])})"
                            if images else (need or {}).get("note", "-")))
    return "\n".join(lines)


# A column: (title, width, format spec, value of a row); the first column is left-aligned.
Column = tuple


def _quality(name: str, title: str, width: int, spec: str) -> Column:
    return (title, width, spec, lambda r: (r.get("quality") or {}).get(name))


QUALITY_COLUMNS = (_quality("fid", "FID", 8, ".3f"), _quality("precision", "prec", 6, ".2f"),
                   _quality("recall", "recall", 7, ".2f"))


def _worst_class(r: dict) -> str:
    """'1 at 0.10 (0.39)': the class drawn right least often, and in brackets how often the
    classifier reads real images of that class right (its ceiling for that class)."""
    worst = worst_class(r)
    if not worst:
        return "-"
    real = (r.get("classifier_on_real") or {}).get(worst["class"])
    return f"{worst['class']} at {worst['accuracy']:.2f}" + (f" ({real:.2f})" if real is not None else "")


CONDITIONING_COLUMNS = (
    ("model", 22, "", lambda r: r["architecture"] + (
        "" if r.get("guidance_scale") is None else f", guidance {r['guidance_scale']:g}")),
    ("accuracy", 9, ".3f", lambda r: r.get("conditional_accuracy")),
    ("weakest class (real)", 22, "", _worst_class),
    ("diversity", 10, ".2f", lambda r: r.get("diversity_ratio_mean")),
    ("worst prec", 11, ".2f", lambda r: r.get("precision_worst_class")),
    *QUALITY_COLUMNS,
    ("fwd/sample", 11, "d", lambda r: r.get("forwards_per_sample")),
    ("ms/sample", 11, ".3f", lambda r: r.get("latency_ms_per_sample")),
)


def _gained_lost(paired: dict | None) -> str:
    paired = paired or {}
    return gained_lost(paired.get("right_class_gained"), paired.get("right_class_lost")) or "—"


STEERING_COLUMNS = (
    ("method", 22, "", lambda r: r["method"]),
    ("hole MSE", 9, ".4f", lambda r: r.get("hole_mse")),
    ("PSNR dB", 8, ".2f", lambda r: r.get("hole_psnr_db")),
    ("right class", 12, ".2f", lambda r: r.get("label_agreement")),
    # image by image against the mean fill: right only with the method / only with the mean fill
    ("+/- vs fill", 12, "", lambda r: _gained_lost(r.get("vs_mean_fill"))),
    ("known err", 10, ".1e", lambda r: r.get("known_max_abs_error")),
    ("fwd/image", 10, "d", lambda r: r.get("forwards_per_sample")),
    ("ms/image", 10, ".2f", lambda r: r.get("latency_ms_per_sample")),
)
HYBRID_COLUMNS = (
    ("model", 22, "", lambda r: f"{r['role']} ({r['architecture']})"),
    ("nfe", 4, "d", lambda r: r.get("nfe")),
    *QUALITY_COLUMNS,
    ("ms/sample", 11, ".3f", lambda r: r.get("latency_ms_per_sample")),
)


def _section_block(head: str, section: dict, columns: tuple[Column, ...], rows: list[dict]) -> str:
    """A section's heading (marked when the section is unfinished), column names, rule, rows."""
    def line(cells: list[str]) -> str:
        first, *rest = cells
        return f"{first:<{columns[0][1]}}" + "".join(f"{c:>{col[1]}}" for c, col in zip(rest, columns[1:]))

    cols = line([title for title, *_ in columns])
    body = [line([number(value(r), spec) if spec else str(value(r)) for _, _, spec, value in columns]) for r in rows]
    return "\n".join([head + ("" if section.get("complete") else "  [PARTIAL]"), cols, "-" * len(cols), *body])


def _floor(section: dict, key: str, words: str) -> str:
    """'; real images score FID 0.21': the FID a section's rows sit above (see fidelity.real_floor)."""
    fid = (section.get(key) or {}).get("fid")
    return f"; {words} {fid:.3f}" if isinstance(fid, (int, float)) else ""


def control_tables(results: dict) -> str:
    """The conditioning, steering and hybrid sections, each a small table; a section
    that is missing is left out, an incomplete one is marked, a skipped one says why."""
    blocks = []
    cond = results.get("conditioning")
    if cond:
        classifier = cond.get("classifier") or {}
        head = (f"conditioning: classifier accuracy on real held-out images "
                f"{number(classifier.get('held_out_accuracy'), '.2f')}, chance {number(classifier.get('chance_accuracy'), '.2f')}"
                + _floor(cond, "real_floor", "real images score FID"))
        on_real = classifier_on_real(classifier)
        rows = [{**r, "classifier_on_real": on_real} for r in cond.get("rows", [])]
        blocks.append(f"{head}\n  skipped: {cond['skipped']}" if cond.get("skipped") else
                      _section_block(head, cond, CONDITIONING_COLUMNS, rows))
    steer = results.get("steering")
    if steer and steer.get("rows"):
        mask = steer.get("mask") or {}
        head = (f"steering: inpainting {mask.get('kind')} ({number(mask.get('hidden_fraction'), '.0%')} hidden) of "
                f"{steer.get('images')} held-out images; the uncut truth's class is read "
                f"{number(steer.get('label_agreement_of_truth'), '.2f')}"
                + _floor(steer, "truth_quality_vs_train", "the uncut truth scores FID"))
        blocks.append(_section_block(head, steer, STEERING_COLUMNS, steer["rows"]))
    hybrid = results.get("hybrid")
    if hybrid and hybrid.get("rows"):
        distil, teacher = hybrid.get("distillation") or {}, hybrid.get("teacher") or {}
        head = (f"hybrid: {distil.get('method', 'distillation')}; distillation {number(distil.get('train_s'), '.0f')} s "
                f"= {number(distil.get('share_of_teacher_train_s'), '.2f')}× the teacher's "
                f"{number(teacher.get('train_s'), '.0f')} s of training"
                + _floor(hybrid, "real_floor", "real images score FID"))
        order = {"teacher": 0, "student": 1, "reference": 2}
        rows = sorted(hybrid["rows"], key=lambda r: (order.get(r["role"], 3), -r["nfe"]))
        blocks.append(_section_block(head, hybrid, HYBRID_COLUMNS, rows))
    return "\n\n".join(blocks)
