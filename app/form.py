"""The questionnaire, generated from the answers schema (rubric/data/questions.yaml).

One widget per question, keyed `q_<field>`, so AppTest and the browser test find each by name.
The schema's type picks the widget; its help, unit and expected range are shown beside it; a
field that fails validation shows the one-line message of rubric.answers right under it.
Numbers are entered without widget-side bounds, so an out-of-range value reaches the same
validation (and message) as the command line. Empty means null where null ("no limit") is allowed.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from reports.markdown import escape
from rubric import answers as answers_mod
from rubric.answers import Question
from rubric.errors import InputError

ACRONYMS = {"gpu": "GPU", "usd": "USD", "gan": "GAN", "ms": "ms"}
NULL_WORDS = ("", "null", "none", "no limit")


def key(name: str) -> str:
    return f"q_{name}"


def label(q: Question) -> str:
    words = [ACRONYMS.get(w, w) for w in q.name.split("_")]
    if q.unit:  # "latency_budget_ms" [ms] -> "Latency budget (ms)"; the unit says the rest
        short = list(words)
        while short and (short[-1].lower() in q.unit.lower() or short[-1] == "per"):
            short.pop()
        words = short if len(short) >= 2 else words
    text = " ".join(words)
    text = text[0].upper() + text[1:]
    return f"{text} ({q.unit})" if q.unit else text


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
            return text  # validation names it: "expected a number > 0, or null, got 'abc'"
        return int(number) if number.is_integer() and q.type == "int" else number
    return value


def sync_widgets(answers: dict, force: bool = False) -> None:
    """Give each question's widget the canonical answer when it has no state (first visit) or when
    `force` (an answers file loaded). Otherwise keep what the user typed, applied or not:
    Streamlit deletes a widget's state while its page is not shown, and writing the value back
    before any widget is drawn makes it ordinary session state that survives the other pages."""
    for name, q in answers_mod.questions().items():
        k = key(name)
        if force or k not in st.session_state:
            st.session_state[k] = to_widget(q, answers[name])
        else:
            st.session_state[k] = st.session_state[k]


def unapplied(answers: dict) -> list[str]:
    """The questions whose widget differs from the answers the decision uses (edits not yet
    applied with Recommend), in schema order."""
    raw = raw_from_state()
    return [name for name, q in answers_mod.questions().items()
            if raw[name] != from_widget(q, to_widget(q, answers[name]))]


def raw_from_state() -> dict:
    return {name: from_widget(q, st.session_state.get(key(name)))
            for name, q in answers_mod.questions().items()}


def field_errors(raw: dict) -> dict[str, str]:
    """Each field validated on its own, so every wrong field gets its own message at once."""
    errors = {}
    for name in answers_mod.questions():
        try:
            answers_mod.validate({name: raw[name]})
        except InputError as err:
            message = str(err)
            errors[name] = message[len(name) + 2:] if message.startswith(f"{name}: ") else message
    return errors


def _widget(q: Question) -> None:
    k, text = key(q.name), label(q)
    if q.type in ("choice", "hardware"):
        st.selectbox(text, q.choices, key=k, help=q.help)
    elif q.type == "choices":
        st.multiselect(text, q.choices, key=k, help=q.help)
    elif q.type == "bool":
        st.checkbox(text, key=k, help=q.help)
    elif q.nullable:
        st.text_input(text, key=k, help=q.help, placeholder="empty = no limit")
    elif q.type == "int":
        st.number_input(text, key=k, step=1, format="%d", help=q.help)
    else:
        st.number_input(text, key=k, step=0.1, format="%.2f", help=q.help)


def render_fields(errors: dict[str, str], columns: int = 2) -> None:
    """Every question, in schema order, laid out in columns; help and range under each."""
    cols = st.columns(columns, gap="large")
    for i, (name, q) in enumerate(answers_mod.questions().items()):
        with cols[i % columns]:
            _widget(q)
            st.caption(f"{q.help} Expected: {q.expected()}.")  # the schema's own text, not user input
            if name in errors:
                st.error(escape(errors[name]), icon="⚠️")
