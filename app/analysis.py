"""From (answers, probe results) to the decision contract: what the app and `genarch report` share.

    result = analyse(answers, probe_sets)     # rubric.contract.to_dict(...) of the decision

With several probe results (one per machine), the one measured on the serving hardware is the
evidence; without one, the first that holds a cost model is used and rubric.estimates scales it
by the catalog's peak ratio, or keeps the catalog assumption, and says which. Torch-free.
"""
from __future__ import annotations

from dataclasses import replace

from probes.probe_set import ProbeSet, incomplete_sections, unique_labels
from probes.registry import PROBES
from rubric import contract, engine
from rubric.estimates import match_device
from rubric.knowledge import load as load_knowledge


def load_sets(paths: list[str]) -> list[ProbeSet]:
    """Probe results files as ProbeSets with unique labels (InputError for a bad file)."""
    from probes.results import load_probe_results

    return unique_labels([ProbeSet.from_results(load_probe_results(p), p) for p in paths])


def _has_fit(s: ProbeSet) -> bool:
    cost_model = s.results.get("cost_model")
    return isinstance(cost_model, dict) and bool(cost_model.get("fits"))


def serving_matches(s: ProbeSet, serving: str) -> bool:
    """Whether the cost model was measured on the serving device (the fields rubric.estimates
    reads: the cost model's device name and kind, as probes.summaries.cost_model.device_profile gives them)."""
    fit = s.results.get("cost_model") or {}
    return match_device(str(fit.get("device_name") or ""), str(fit.get("device_kind") or ""),
                        load_knowledge()) == serving


def choose(sets: list[ProbeSet], serving: str) -> tuple[ProbeSet | None, bool]:
    """(the probe results used as evidence or None, whether they ran on the serving hardware)."""
    usable = [s for s in sets if _has_fit(s)]
    exact = [s for s in usable if serving_matches(s, serving)]
    if exact:
        return exact[0], True
    return (usable[0], False) if usable else (None, False)


def evidence_for(sets: list[ProbeSet], serving: str) -> dict | None:
    """What the decision reads from probe results, or None when they hold nothing it uses.

    The cost model comes from the file chosen for the serving hardware (`choose`). Training,
    conditioning, steering and hybrid measurements describe the families, not the serving
    device, so each comes from the chosen file when it has that section, else the first that does.
    """
    chosen, exact = choose(sets, serving)
    ordered = [chosen, *sets] if chosen else list(sets)
    found = {name: next(((e, s) for s in ordered if (e := extract(s.results))), (None, None))
             for name, extract in SECTIONS.items()}
    unused = _unused_sections(sets, found)
    if chosen is None and not any(e for e, _ in found.values()) and not unused:
        return None
    notes = []
    if len(sets) > 1 and chosen is not None:
        notes.append(f"of {len(sets)} probe results the decision uses {chosen.label}"
                     + (" (measured on the serving hardware)" if exact else
                        " (none was measured on the serving hardware)"))
    if chosen is None:
        notes.append("no probe results hold a cost model (`genarch probe --only inference` measures one): "
                     "latency and cost use the catalog's assumptions")
    used_sets = {id(s): s for s in [chosen, *(s for _, s in found.values())] if s is not None}
    for s in used_sets.values():
        if not s.results.get("complete"):
            notes.append(f"probe results {s.source} are partial (complete: false); "
                         "`genarch probe --resume` finishes them")
    notes += unused
    used = chosen or next((s for _, s in found.values() if s is not None), sets[0])
    return {"device_profile": PROBES["inference"].evidence(chosen.results) if chosen else None, "notes": notes,
            "probe_results": used.source,
            **{name: e and replace(e, file=s.source) for name, (e, s) in found.items()}}


def _unused_sections(sets: list[ProbeSet], found: dict) -> list[str]:
    """Notes for controllability sections that are present but cannot be evidence (skipped, or
    stopped before their end), when no file gives that section complete."""
    return [f"{name} was not measured in {s.source}: {skipped}" if skipped else
            f"the {name} section of {s.source} is unfinished, so the decision does not use it; "
            "`genarch probe --resume` finishes it"
            for s, name, skipped in incomplete_sections(sets) if found[name][0] is None]


# Sections that describe the families rather than the serving device (every probe but inference,
# whose cost model is chosen for the serving hardware): evidence key -> extractor.
SECTIONS = {name: spec.evidence for name, spec in PROBES.items() if name != "inference"}


def analyse(answers: dict, sets: list[ProbeSet] | None = None) -> dict:
    """The decision contract for validated answers, with probe evidence when there is some."""
    evidence = evidence_for(list(sets or []), answers["serving_hardware"])
    return contract.to_dict(engine.decide(answers, evidence=evidence), answers)


def recommendation(answers: dict, sets: list[ProbeSet] | None = None) -> str:
    """The family recommended for validated answers, nothing else: no robustness draws, no
    what-ifs (a few ms, where the whole contract takes a few hundred)."""
    evidence = evidence_for(list(sets or []), answers["serving_hardware"])
    return engine.decide(answers, evidence=evidence, robust=False).recommendation
