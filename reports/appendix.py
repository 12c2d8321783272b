"""The report's appendix: what reproduces it, kept to a page. The answers as a file, the seeds,
the versions, and per probe the settings that decide what it measured (every other setting is
in the results file, which the appendix names, never by its local path)."""
from __future__ import annotations

import yaml

from reports.blocks import Bullets, Code, Heading, PageBreak, Paragraph
from reports.probe_view import ProbeSet
from reports.cells import fmt
from reports.text import file_name


# The settings that decide what a probe measured (the rest are step sizes and limits, kept in the
# results file itself): per section, the keys a reader needs to repeat or judge the run.
PROBE_CONFIG_KEYS = (
    ("", ("profile", "device", "dtypes", "probes", "seed", "budget_s")),
    ("inference", ("nfes", "sampler", "diffusion_sizes", "gan_sizes", "max_batch")),
    ("training", ("fractions", "seeds", "images_seen", "eval_nfe", "feature_extractor", "data_dir")),
    ("conditioning", ("guidance_scales", "nfe", "samples_per_class", "data_dir")),
    ("steering", ("mask", "images", "nfe", "data_dir")),
    ("hybrid", ("teacher_nfes", "student_nfes", "student_prediction", "samples", "data_dir")),
)


def _setting(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return file_name(value) if isinstance(value, str) and ("/" in value or "\\" in value) else fmt(value)


def probe_config_lines(s: ProbeSet) -> list[str]:
    """A probe's config in a few lines: the keys of PROBE_CONFIG_KEYS it has, section by section."""
    config = s.results.get("config") or {}
    lines = []
    for section, keys in PROBE_CONFIG_KEYS:
        part = config.get(section) if section else config
        if not isinstance(part, dict):
            continue
        shown = [f"{k.replace('_', ' ')} {_setting(part[k])}" for k in keys if part.get(k) is not None]
        if shown:
            lines.append(f"{s.label}, {section or 'run'}: " + "; ".join(shown))
    return lines


def appendix(answers: dict, result: dict, sets: list[ProbeSet], runtime: dict | None) -> list:
    r = result["robustness"]
    seeds = [f"robustness weight draws: seed {r['seed']}, {r['draws']:,} draws"]
    seeds += [f"probe {s.label}: seed {(s.results.get('config') or {}).get('seed')}" for s in sets]
    versions = [f"decision contract schema_version {result['schema_version']}"]
    versions += [f"{k} {v}" for k, v in (runtime or {}).items()]
    for s in sets:
        env = s.results.get("environment") or {}
        versions.append(f"probe {s.label}: " + ", ".join(
            f"{k.removesuffix('_version')} {env[k]}" for k in (
                "genarch_version", "torch_version", "diffusers_version", "python_version", "driver",
                "cuda_version") if env.get(k)))
    blocks = [PageBreak(), Heading("Appendix: reproducing this report"),
              Paragraph("The answers (save as answers.yaml; genarch recommend answers.yaml reproduces the decision):"),
              Code(yaml.safe_dump({k: answers[k] for k in answers}, sort_keys=False, allow_unicode=True), "yaml"),
              Paragraph("Seeds and versions:"), Bullets(tuple(seeds + versions))]
    if not sets:
        return blocks + [Paragraph(f"Devices: none measured; the estimates use the catalog's figures for "
                                   f"{answers['serving_hardware']}.")]
    env = lambda s, key: fmt((s.results.get("environment") or {}).get(key))  # noqa: E731
    lines = [f"{s.label}: {env(s, 'device_kind')}, {env(s, 'cpu')} CPU, from {file_name(s.source)}" for s in sets]
    lines += [line for s in sets for line in probe_config_lines(s)]
    return blocks + [Paragraph("Probes (the settings that decide what was measured; every setting is in "
                               "the results file):"), Bullets(tuple(lines))]
