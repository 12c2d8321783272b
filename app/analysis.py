"""From (answers, probe results) to the decision contract: what the app and `genarch report` share.

    result = analyse(answers, probe_sets)     # rubric.contract.to_dict(...) of the decision

With several probe results (one per machine), the one measured on the serving hardware is the
evidence; without one, the first that holds a cost model is used and rubric.estimates scales it
by the catalog's peak ratio, or keeps the catalog assumption, and says which. Torch-free.
"""
from __future__ import annotations

from probes.cost_model import device_profile
from probes.training_summary import training_evidence
from reports.probe_view import ProbeSet
from rubric import contract, engine
from rubric.estimates import match_device
from rubric.knowledge import load as load_knowledge


def load_sets(paths: list[str]) -> list[ProbeSet]:
    """Probe results files as ProbeSets with unique labels (InputError for a bad file)."""
    from probes.results import load_probe_results
    from reports.probe_view import unique_labels

    return unique_labels([ProbeSet.from_results(load_probe_results(p), p) for p in paths])


def _has_fit(s: ProbeSet) -> bool:
    cost_model = s.results.get("cost_model")
    return isinstance(cost_model, dict) and bool(cost_model.get("fits"))


def serving_matches(s: ProbeSet, serving: str) -> bool:
    """Whether the cost model was measured on the serving device (the fields rubric.estimates
    reads: the cost model's device name and kind, as probes.cost_model.device_profile gives them)."""
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
    chosen, exact = choose(sets, serving)
    if chosen is None:
        return None
    notes = []
    if len(sets) > 1:
        notes.append(f"of {len(sets)} probe results the decision uses {chosen.label}"
                     + (" (measured on the serving hardware)" if exact else
                        " (none was measured on the serving hardware)"))
    if not chosen.results.get("complete"):
        notes.append(f"probe results {chosen.source} are partial (complete: false); "
                     "`genarch probe --resume` finishes them")
    # Training behaviour does not depend on the serving device: the first file that has it.
    training = next((t for t in (training_evidence(s.results) for s in [chosen, *sets]) if t), None)
    return {"device_profile": device_profile(chosen.results), "notes": notes,
            "probe_results": chosen.source, "training": training}


def analyse(answers: dict, sets: list[ProbeSet] | None = None) -> dict:
    """The decision contract for validated answers, with probe evidence when there is some."""
    evidence = evidence_for(list(sets or []), answers["serving_hardware"])
    return contract.to_dict(engine.decide(answers, evidence=evidence), answers)
