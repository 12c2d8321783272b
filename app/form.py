"""The questionnaire, generated from the answers schema (rubric/data/questions.yaml).

One widget per question, keyed `q_<field>`, so AppTest and the browser test find each by name,
in the sections of SECTIONS: the constraint that cannot move first, then what must be served,
what the team has, the team and its time, and the priorities. Each field shows its plain label,
its help once (the tooltip), and its unit and expected range once (the caption); a field that
fails validation shows the one-line message of rubric.answers right under it.
Numbers are entered without widget-side bounds, so an out-of-range value reaches the same
validation (and message) as the command line. Empty means "no limit" where the schema allows null.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from reports.markdown import escape
from rubric import answers as answers_mod
from rubric.answers import Question
from rubric.errors import InputError

NULL_WORDS = ("", "null", "none", "no limit")
NO_LIMIT = "no limit"
# The questionnaire's sections, in the order a person decides them: what cannot move comes
# first, because it eliminates candidates before anything is weighed.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("The constraint that cannot move", ("binding_constraint",)),
    ("What you must serve", ("task", "conditioning", "resolution", "latency_budget_ms", "serving_hardware",
                             "serving_stack", "samples_per_month", "serving_mode", "gpu_hourly_usd",
                             "inference_budget_usd_per_month")),
    ("What you have", ("dataset_images", "pretrained_allowed", "commercial_use", "training_budget_gpu_hours",
                       "training_gpus")),
    ("Your team and time", ("team_gan_experience", "team_can_maintain_custom_pipeline",
                            "training_risk_tolerance", "deadline_weeks")),
    ("Priorities", ("fidelity_priority", "diversity_priority")),
)


def key(name: str) -> str:
    return f"q_{name}"


def label(q: Question) -> str:
    """The plain label: no unit (the caption gives it once)."""
    return q.title()


def _bound(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"  # 1,000,000,000,000, never 1e+12


def expected_words(q: Question) -> str:
    """A number's unit and range, as the caption under its field says them; empty for the other
    types (their widget shows the choices). "Leave empty for no limit" where YAML would say null."""
    if q.type not in ("int", "number"):
        return ""
    kind = "a whole number" if q.type == "int" else "a number"
    low = (f"above {_bound(q.exclusive_min)}" if q.exclusive_min is not None
           else f"of at least {_bound(q.min)}" if q.min is not None else "")
    if q.max is not None:
        low = (f"from {_bound(q.min)} to {_bound(q.max)}" if q.min is not None and q.exclusive_min is None
               else f"{low}, at most {_bound(q.max)}".lstrip(", "))
    text = f"{kind} {low}".strip()
    unit = f"In {q.unit}: " if q.unit else ""
    text = unit + (text if unit else text[0].upper() + text[1:])
    return text + ("; leave empty for no limit." if q.nullable else ".")


def choice_words(choice: str) -> str:
    return choice.replace("_", " ")


def to_widget(q: Question, value: Any) -> Any:
    """An answers value as the widget holds it."""
    if q.nullable and q.type in ("int", "number"):
        return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
    if q.type == "number":
        return float(value)
    if q.type == "choices":
        return list(value)
    return value


def from_widget(q: Question, value: Any) -> Any:
    """The widget's value as a raw answer, for rubric.answers to validate (or reject)."""
    if q.nullable and q.type in ("int", "number"):
        text = str(value or "").strip().replace(",", "").replace("_", "")
        if text.lower() in NULL_WORDS:
            return None
        try:
            number = float(text)
        except ValueError:
            return text  # validation names it: "expected a number > 0, got 'abc'"
        return int(number) if number.is_integer() and q.type == "int" else number
    return value


def sync_widgets(answers: dict, force: bool = False) -> None:
    """Give each question's widget the canonical answer when it has no state (first visit) or when
    `force` (an answers file or an example loaded). Otherwise keep what the form last submitted:
    Streamlit deletes a widget's state while its page is not shown, and writing the value back
    before any widget is drawn makes it ordinary session state that survives the other pages."""
    for name, q in answers_mod.questions().items():
        k = key(name)
        if force or k not in st.session_state:
            st.session_state[k] = to_widget(q, answers[name])
        else:
            st.session_state[k] = st.session_state[k]


def unapplied(answers: dict) -> list[str]:
    """The questions whose widget differs from the answers the decision uses (a submit that
    failed validation), in schema order."""
    raw = raw_from_state()
    return [name for name, q in answers_mod.questions().items()
            if raw[name] != from_widget(q, to_widget(q, answers[name]))]


def raw_from_state() -> dict:
    return {name: from_widget(q, st.session_state.get(key(name)))
            for name, q in answers_mod.questions().items()}


def field_errors(raw: dict) -> dict[str, str]:
    """Each field validated on its own, so every wrong field gets its own message at once; in the
    form's words ("empty for no limit", not YAML's "null")."""
    errors = {}
    for name in answers_mod.questions():
        try:
            answers_mod.validate({name: raw[name]})
        except InputError as err:
            message = str(err)
            message = message[len(name) + 2:] if message.startswith(f"{name}: ") else message
            errors[name] = message.replace(", or null,", ", or empty for no limit,")
    return errors


def _widget(q: Question) -> None:
    k, text = key(q.name), label(q)
    if q.type in ("choice", "hardware"):
        st.selectbox(text, q.choices, key=k, help=q.help, format_func=choice_words)
    elif q.type == "choices":
        st.multiselect(text, q.choices, key=k, help=q.help, format_func=choice_words)
    elif q.type == "bool":
        st.checkbox(text, key=k, help=q.help)
    elif q.nullable:
        st.text_input(text, key=k, help=q.help, placeholder=NO_LIMIT)
    elif q.type == "int":
        st.number_input(text, key=k, step=1, format="%d", help=q.help)
    else:
        st.number_input(text, key=k, step=0.1, format="%.2f", help=q.help)


def render_fields(errors: dict[str, str], columns: int = 2) -> None:
    """Every question, section by section, laid out in columns; the unit and range under each."""
    schema = answers_mod.questions()
    for title, names in SECTIONS:
        st.subheader(title)
        cols = st.columns(columns, gap="large")
        for i, name in enumerate(names):
            q = schema[name]
            with cols[i % columns]:
                _widget(q)
                words = expected_words(q)
                if words:
                    st.caption(words)  # the schema's own text, not user input
                if name in errors:
                    st.error(escape(errors[name]), icon="⚠️")
