"""Plain-text tables of probe results: pure functions from the results dict to a string.

Torch-free, so `genarch probe`, `make gpu-check` and the report format the same way.
"""
from __future__ import annotations


def _fmt(value, spec: str, missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


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
            f"{r['latency_ms_per_sample']:>11.3f}{_fmt(r.get('latency_ms_per_sample_p90'), '.3f'):>10}"
            f"{r['cv']:>6.2f}{r['throughput_samples_per_s']:>11.1f}{r['peak_memory_mib']:>10.0f}"
            f"{r['flops_per_forward'] / 1e9:>11.3f}"
            f"{_fmt(r.get('achieved_flop_per_s') and r['achieved_flop_per_s'] / 1e12, '.3f'):>9}"
            f"{_fmt(frac and 100 * frac, '.1f'):>7}"
            f"{_fmt(r.get('energy_j_per_1k_samples'), '.1f'):>8}")
    lines.append(cost_model_line(results.get("cost_model")))
    return "\n".join(lines)


def cost_model_line(cost_model: dict | None) -> str:
    if not cost_model:
        return "cost model: not fitted (no rows)"
    lines = [f"cost model ({cost_model['model']}):"]
    for arch, fits in cost_model.get("fits_by_architecture", {"": cost_model["fits"]}).items():
        for dtype, fit in fits.items():
            rate = fit["effective_flop_per_s"]
            lines.append(
                f"  {arch or '-':<10}{dtype:<5} {fit['overhead_ms_per_call']:.3f} ms/call + "
                f"{fit['overhead_ms_per_sample']:.3f} ms/sample + FLOPs at "
                f"{_fmt(rate and rate / 1e12, '.4f')} TFLOP/s; "
                f"band +/-{100 * fit['relative_band']:.0f}% (n={fit['n_points']})"
                + ("  <- headline" if arch == cost_model.get("architecture") and dtype == cost_model["dtype"] else ""))
    return "\n".join(lines)
