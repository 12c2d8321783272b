"""The app's session state: every default in one place, the callbacks that change it, and the
decision and reports computed from it (cached, so moving between pages costs nothing).

Pages call `init()` first, then read `st.session_state` and draw. Nothing here scores anything:
the decision is app.analysis.analyse, the reports are reports/markdown.py and reports/pdf.py.
"""
from __future__ import annotations

import functools
import sys
import time
from typing import Callable

import streamlit as st

from app import form, scenarios
from app.analysis import analyse, recommendation
from app.uploads import parse_answers_upload, parse_probe_upload, read_probe_file
from probes.probe_set import ProbeSet, unique_labels
from rubric import answers as answers_mod
from rubric.errors import InputError, clean_text


def defaults() -> dict:
    return {
        "answers": answers_mod.defaults(),  # validated answers: what the decision uses
        "answers_errors": {},  # field -> message, from the last submit that failed
        "answers_notice": None,  # ("success" | "error", text) after a load or a submit
        "answers_toast": None,  # text shown once as a toast after a successful submit or load
        "link_error": None,  # why the answers in the link (query params) were not used
        "saved_scenarios": [],  # [(name, answers)]: what the Compare page compares
        "compare_notice": None,  # ("success" | "error", text) after saving or adding a scenario
        "probe_sets": [],  # ProbeSet: uploaded files and finished runs, compared side by side
        "probe_notices": [],  # [("success" | "error" | "warning", text)]
        "probe_job": None,  # app.probe_job.ProbeJob while a probe runs (or until collected)
    }


MAX_SAVED_SCENARIOS = 8  # the Compare page shows three at a time; older ones give way


def init() -> None:
    """Session defaults; on a fresh session, the answers in the link; then the link kept in step
    with the applied answers, on every page, so a reload or a copied link gives the same scenario."""
    fresh = "answers" not in st.session_state
    for name, value in defaults().items():
        if name not in st.session_state:
            st.session_state[name] = value
    if fresh and len(st.query_params):
        _answers_from_link()
    form.sync_widgets(st.session_state["answers"])
    if "compare_pick" in st.session_state:  # kept while the Compare page is not shown (see sync_widgets)
        st.session_state["compare_pick"] = st.session_state["compare_pick"]
    sync_link()


def _answers_from_link() -> None:
    params = {k: st.query_params.get_all(k) for k in list(st.query_params.keys())[:scenarios.MAX_PARAMS + 1]}
    try:
        st.session_state["answers"] = scenarios.from_query_params(params)
    except InputError as err:
        st.session_state["link_error"] = f"The link's answers were not used: {err}. The defaults apply."
        st.session_state["answers_notice"] = ("error", st.session_state["link_error"])
        return
    st.session_state["answers_notice"] = ("success", "Answers loaded from the link.")


def sync_link() -> None:
    """The URL's query params: the applied answers that differ from the defaults."""
    wanted = scenarios.to_query_params(st.session_state["answers"])
    current = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    if current != {k: [v] for k, v in wanted.items()}:
        st.query_params.from_dict(wanted)


# --- callbacks: run before the page script, so they may set widget values ---------------------

def on_answers_upload() -> None:
    upload = st.session_state.get("answers_upload")
    if upload is None:
        return
    try:
        answers = parse_answers_upload(upload.name, upload.getvalue())
    except InputError as err:
        st.session_state["answers_notice"] = ("error", f"Not loaded: {err}")
        return
    st.session_state["example_pick"] = None
    _apply(answers, f"Loaded the answers from {upload.name}.")


def _apply(answers: dict, message: str) -> None:
    st.session_state["answers"] = answers
    st.session_state["answers_errors"] = {}
    st.session_state["link_error"] = None
    form.sync_widgets(answers, force=True)
    st.session_state["answers_notice"] = ("success", message)
    st.session_state["answers_toast"] = message


def _picked_example(widget: str, notice: str, refused: str) -> tuple[str, dict] | None:
    """The example chosen in `widget`, loaded and validated; None when none is chosen or it
    cannot be used (then `notice` says why, after `refused`)."""
    name = st.session_state.get(widget)
    if name is None:
        return None
    try:
        answers, _ = scenarios.load_example(name)
    except InputError as err:
        st.session_state[notice] = ("error", f"{refused}: {err}")
        return None
    return name, answers


def on_example_pick() -> None:
    picked = _picked_example("example_pick", "answers_notice", "Not loaded")
    if picked:
        _apply(picked[1], f"Loaded the example {picked[0]}.")


def submit_answers() -> None:
    """The questionnaire's submit: validate every field; keep the answers only if all pass."""
    raw = form.raw_from_state()
    errors = form.field_errors(raw)
    st.session_state["answers_errors"] = errors
    if errors:
        st.session_state["answers_notice"] = (
            "error", f"{len(errors)} answer(s) need fixing; the messages are beside the fields.")
        return
    st.session_state["answers"] = answers_mod.validate(raw)
    st.session_state["link_error"] = None
    st.session_state["answers_notice"] = ("success", "Answers saved; the recommendation is updated.")
    st.session_state["answers_toast"] = "Answers saved; the recommendation is updated."


def _save_scenario(name: str, answers: dict) -> None:
    saved = [(n, a) for n, a in st.session_state["saved_scenarios"] if n != name]
    st.session_state["saved_scenarios"] = (saved + [(name, dict(answers))])[-MAX_SAVED_SCENARIOS:]
    kept = dict(st.session_state["saved_scenarios"])
    picked = [n for n in st.session_state.get("compare_pick") or [] if n != name and n in kept]
    st.session_state["compare_pick"] = picked[-2:] + [name]  # the newest joins the comparison
    st.session_state["compare_notice"] = ("success", f"Saved {name} for comparison.")


def save_scenario() -> None:
    """The applied answers (what the recommendation uses), under the name typed beside the button."""
    taken = [n for n, _ in st.session_state["saved_scenarios"]]
    _save_scenario(scenarios.scenario_name(st.session_state.get("scenario_name") or "", taken),
                   st.session_state["answers"])
    st.session_state["scenario_name"] = ""


def add_example_scenario() -> None:
    picked = _picked_example("compare_example", "compare_notice", "Not added")
    if picked:
        _save_scenario(*picked)


def clear_scenarios() -> None:
    st.session_state["saved_scenarios"] = []
    st.session_state["compare_pick"] = []
    st.session_state["compare_notice"] = None


def compared() -> list[scenarios.Scenario]:
    """The saved scenarios picked for comparison, each with its decision (same probe evidence as
    the session's own)."""
    saved = dict(st.session_state["saved_scenarios"])
    return [scenarios.Scenario(name, saved[name], decision_for(saved[name]))
            for name in st.session_state.get("compare_pick") or [] if name in saved]


def on_probe_upload() -> None:
    uploads = st.session_state.get("probe_upload") or []
    notices, sets = [], list(st.session_state["probe_sets"])
    for upload in uploads:
        try:
            probe_set = parse_probe_upload(upload.name, upload.getvalue())
        except InputError as err:
            notices.append(("error", f"Not loaded: {err}"))
            continue
        if any(s.source == probe_set.source and s.results.get("created_unix") == probe_set.results.get("created_unix")
               for s in sets):
            continue  # the same file again (the uploader re-sends its whole list)
        sets.append(probe_set)
        notices.append(("success", f"Loaded {probe_set.source}: {probe_set.label}, "
                                   f"{len(probe_set.results['inference'])} measurements."))
    st.session_state["probe_sets"] = unique_labels(sets)
    st.session_state["probe_notices"] = notices


def add_probe_results(results: dict, source: str) -> None:
    sets = list(st.session_state["probe_sets"]) + [ProbeSet.from_results(results, source)]
    st.session_state["probe_sets"] = unique_labels(sets)


def clear_probe_results() -> None:
    st.session_state["probe_sets"] = []
    st.session_state["probe_notices"] = []


def reset_answers() -> None:
    st.session_state["example_pick"] = None
    _apply(answers_mod.defaults(), "Answers reset to the defaults.")


def page_link(path: str, label: str, icon: str | None = None) -> None:
    """A link to another page of the app (path relative to app/streamlit_app.py)."""
    from streamlit.errors import StreamlitPageNotFoundError

    try:
        st.page_link(path, label=label, icon=icon)
    except StreamlitPageNotFoundError:  # a page run on its own (AppTest) has no navigation to link into
        st.caption(label)


def show_failure(err: BaseException, where: str = "This page") -> None:
    """What a page that raised draws instead of a traceback: one line, and the controls that clear
    what was loaded, so a file that passed its checks but breaks a page never leaves the session
    stuck. The traceback goes to the server's console only."""
    import traceback

    traceback.print_exception(err, file=sys.stderr)
    text = clean_text(str(err)[:200], " ")
    st.error(f"{where} could not be drawn from what is loaded ({type(err).__name__}"
             f"{': ' + text if text else ''}). Clear the loaded results or reset the answers to go on.")
    left, right, _ = st.columns([1, 1, 2])
    left.button("Clear loaded results", key="failure_clear", on_click=clear_probe_results,
                icon=":material/delete:", width="stretch")
    right.button("Reset answers to the defaults", key="failure_reset", on_click=reset_answers,
                 icon=":material/restart_alt:", width="stretch")


def start_probe_job() -> None:
    from app import probe_job

    job = st.session_state["probe_job"]
    if job is not None and job.status().state == "running":
        return  # one run per session at a time
    st.session_state["probe_job"] = probe_job.start(st.session_state.get("probe_profile", "quick"),
                                                    st.session_state.get("probe_device", "auto"),
                                                    tuple(st.session_state.get("probe_only") or ("inference",)))
    st.session_state["probe_notices"] = []


def cancel_probe_job() -> None:
    job = st.session_state["probe_job"]
    if job is not None:
        job.cancel()


def collect_probe_job() -> None:
    """A finished (or cancelled) run: keep its results beside the loaded files, if it wrote any."""
    job = st.session_state["probe_job"]
    status = job.status()
    st.session_state["probe_job"] = None
    if status.state == "failed":
        st.session_state["probe_notices"] = [("error", f"The probe failed: {status.message}")]
        return
    try:
        probe_set = read_probe_file(job.results_path)
    except InputError as err:
        st.session_state["probe_notices"] = [("error", f"The probe wrote no usable results: {err}")]
        return
    stamp = time.strftime("%H:%M:%S")
    add_probe_results(probe_set.results, f"this machine, run at {stamp}")
    probes = ", ".join((probe_set.results.get("config") or {}).get("probes") or ["inference"])
    kind, text = (("warning", f"Probe cancelled after {status.elapsed_s:.0f} s ({probes}; {status.rows} inference "
                              "measurements); what it measured is kept.")
                  if status.state == "cancelled" else
                  ("success", f"Probe finished in {status.elapsed_s:.0f} s: {probes} ({status.rows} inference "
                              "measurements)."))
    st.session_state["probe_notices"] = [(kind, text)]


# --- derived: the decision and the reports, cached on what they depend on -----------------------

def _sets_key(sets: list[ProbeSet]) -> tuple:
    return tuple((s.label, s.source, s.results.get("created_unix"), len(s.results.get("inference") or []))
                 for s in sets)


@st.cache_data(max_entries=32, show_spinner=False)
def _analyse(answers_yaml: str, sets_key: tuple, _answers: dict, _sets: list[ProbeSet]) -> dict:
    return analyse(_answers, _sets)


def decision() -> dict:
    return decision_for(st.session_state["answers"])


def decision_for(answers: dict) -> dict:
    """The decision for any validated answers, with the session's probe evidence."""
    sets = st.session_state["probe_sets"]
    return _analyse(answers_mod.to_yaml(answers), _sets_key(sets), answers, sets)


def recommendation_for(answers: dict) -> str:
    """Only the family for answers, with the session's probe evidence: what a comparison asks of
    each single-answer change (not cached: it would push the scenarios' decisions out)."""
    return recommendation(answers, st.session_state["probe_sets"])


@st.cache_data(max_entries=8, show_spinner=False)
def _markdown(answers_yaml: str, sets_key: tuple, _answers: dict, _result: dict, _sets: list) -> str:
    from reports.markdown import render

    return render(_answers, _result, _sets)


def report_markdown() -> str:
    answers, sets = st.session_state["answers"], st.session_state["probe_sets"]
    return _markdown(answers_mod.to_yaml(answers), _sets_key(sets), answers, decision(), sets)


def report_pdf_builder() -> Callable[[], bytes]:
    """What the PDF download button calls when clicked. Streamlit calls it outside the script run
    (no session state there), so it holds the inputs themselves, as they are now."""
    from reports.pdf import render

    return functools.partial(render, dict(st.session_state["answers"]), decision(),
                             list(st.session_state["probe_sets"]))
