"""Page 3 in AppTest: what a probe here can tell about the serving hardware, said first; load
results files from several machines, run the probe in the background (genarch probe replaced by
tests/fixtures/fake_probe.py replaying the stored result), cancel it."""
import time

import pytest

from app import probe_job, views
from rubric import answers as answers_mod

from tests.app.conftest import ROWS, page, plotly_charts, probe_bytes

CHARTS = ("Latency per sample against NFE", "USD per 1,000 samples", "Throughput against batch size")


def _open():
    at = page("3_Probes.py").run()
    assert not at.exception
    return at


def _titles(at):
    return list(plotly_charts(at))


def _machines(chart: dict) -> set[str]:
    """The machines a probe chart's traces are drawn for ('gan/xs · AMD EPYC' -> 'AMD EPYC')."""
    return {trace["name"].rsplit(" · ", 1)[-1] for trace in chart["data"] if trace.get("name")}


@pytest.mark.parametrize("device, serving, says", [
    (views.LocalDevice("cpu", "AMD EPYC 7B13", 2), "a100", "cannot speak for the NVIDIA A100 SXM4 80GB"),
    (views.LocalDevice("cuda", "NVIDIA L4", 8), "a100", "carried to the NVIDIA A100 SXM4 80GB by the catalog's"),
    (views.LocalDevice("cuda", "NVIDIA L4", 8), "l4", "replace the calibrated catalog model in the decision"),
])
def test_what_a_probe_here_can_tell_is_said_before_the_run_button(monkeypatch, device, serving, says):
    monkeypatch.setattr(views, "local_device", lambda: device)
    at = page("3_Probes.py")
    at.session_state["answers"] = answers_mod.validate({"serving_hardware": serving})
    at.run()
    assert not at.exception
    note = at.info[0].value
    assert note.startswith("This machine") and device.name in note and says in note
    # the note sits above the two columns that hold the run button
    blocks = list(at.main.children.values())
    note_at = next(i for i, b in enumerate(blocks) if type(b).__name__ == "Info")
    run_at = next(i for i, b in enumerate(blocks)
                  if type(b).__name__ == "Block" and any(x.key == "probe_run" for x in b.button))
    assert note_at < run_at


def test_choosing_the_cpu_on_a_gpu_machine_changes_the_note(monkeypatch):
    monkeypatch.setattr(views, "local_device", lambda: views.LocalDevice("cuda", "NVIDIA A100-SXM4-80GB", 8))
    at = page("3_Probes.py").run()
    assert "measures latency and cost on it" in at.info[0].value  # the default serving hardware, a100
    at.selectbox(key="probe_device").select("cpu").run()
    assert "cannot speak for the NVIDIA A100 SXM4 80GB" in at.info[0].value


def _until_collected(at, timeout=30.0):
    """Rerun the page (as the progress fragment does every second) until the run is collected."""
    deadline = time.monotonic() + timeout
    while at.session_state["probe_job"] is not None:
        assert time.monotonic() < deadline, "the probe run was never collected"
        time.sleep(0.2)
        at.run()
        assert not at.exception
    return at


def test_without_torch_loading_still_works(monkeypatch):
    monkeypatch.setattr(probe_job, "probes_installed", lambda: False)
    at = _open()
    assert at.button(key="probe_run").disabled
    assert "needs torch and diffusers" in at.info[1].value
    assert "No probe results yet" in at.info[2].value and not at.get("plotly_chart")


def test_two_machines_compared_and_a_bad_file_reported():
    at = _open()
    files = [("cpu.json", probe_bytes(), "application/json"),
             ("l4.json", probe_bytes("NVIDIA L4"), "application/json"),
             ("broken.json", b'{"schema_version": 1}', "application/json")]
    at.file_uploader(key="probe_upload").set_value(files).run()
    assert not at.exception
    assert at.error[0].value == "Not loaded: probe results broken.json: missing environment, config, " \
                                "inference, cost\\_model, complete"
    assert [s.value for s in at.success] == [f"Loaded cpu.json: AMD EPYC, {ROWS} measurements.",
                                            f"Loaded l4.json: NVIDIA L4, {ROWS} measurements."]
    assert list(at.dataframe[0].value["machine"]) == ["AMD EPYC", "NVIDIA L4"]
    # the columns that tell machines apart, within 1280 px; the rest under an expander
    assert list(at.dataframe[0].proto.column_order) == list(views.MACHINE_COLUMNS)
    assert set(views.MACHINE_COLUMN_CONFIG) == set(views.MACHINE_COLUMNS)
    assert sum(c["width"] for c in views.MACHINE_COLUMN_CONFIG.values()) <= views.MAIN_COLUMN_PX - 10
    charts = plotly_charts(at)
    assert len(charts) == len(CHARTS) and all(t.startswith(c) for t, c in zip(charts, CHARTS))
    latency = next(s for t, s in charts.items() if t.startswith("Latency"))
    assert _machines(latency) == {"AMD EPYC", "NVIDIA L4"}
    assert "training probe's sections" in at.caption[-1].value  # skipped cleanly: no training yet
    at.button(key="probe_clear").click().run()
    assert at.session_state["probe_sets"] == [] and not at.get("plotly_chart")


def test_run_in_the_background_with_progress(fake_probe):
    fake_probe["args"] = ["0.1"]
    at = _open()
    at.selectbox(key="probe_device").select("cpu")
    at.button(key="probe_run").click().run()
    assert at.session_state["probe_job"] is not None
    assert at.button(key="probe_run").disabled and at.button(key="probe_cancel")
    assert len(at.get("progress")) == 1
    _until_collected(at)
    assert at.success[0].value.startswith("Probe finished in ")
    assert at.success[0].value.endswith(f": inference ({ROWS} inference measurements).")
    (probe_set,) = at.session_state["probe_sets"]
    assert probe_set.source.startswith("this machine, run at")
    assert _titles(at)[0].startswith("Latency per sample")


def test_cancel_keeps_what_was_measured(fake_probe):
    fake_probe["args"] = ["0.4"]
    at = _open()
    at.button(key="probe_run").click().run()
    deadline = time.monotonic() + 15
    while at.session_state["probe_job"].status().rows < 1:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    at.run()
    at.button(key="probe_cancel").click().run()
    _until_collected(at)
    assert at.warning[0].value.startswith("Probe cancelled after")
    (probe_set,) = at.session_state["probe_sets"]
    assert probe_set.results["stop_reason"] == "interrupted" and 1 <= len(probe_set.results["inference"]) < ROWS


def test_a_failed_run_is_an_error_in_the_page(fake_probe):
    fake_probe["args"] = ["0.01", "--fail"]
    at = _open()
    at.button(key="probe_run").click().run()
    _until_collected(at)
    assert "The probe failed" in at.error[0].value and "simulated probe failure" in at.error[0].value
    assert at.session_state["probe_sets"] == [] and not at.button(key="probe_run").disabled


def test_training_section_adds_its_charts_table_and_sample_grids():
    import json

    from tests.reports.conftest import with_training

    at = _open()
    data = json.dumps(with_training(json.loads(probe_bytes()))).encode()
    at.file_uploader(key="probe_upload").set_value(("trained.json", data, "application/json")).run()
    assert not at.exception
    titles = _titles(at)
    assert [t.split(":")[0] for t in titles[3:]] == ["Learning curves", "Data needs", "Mode coverage"]
    training = next(df.value for df in at.dataframe if "architecture" in df.value.columns)  # the training table
    assert list(training["architecture"]) == ["diffusion", "gan"]
    assert len(at.get("image")) == 2  # one sample grid per family
    assert not [c for c in at.caption if "training probe's sections" in c.value]


def test_controllability_sections_add_their_tables_and_charts():
    import json

    from tests.reports.test_control_view import CONTROL, SECTIONS, with_control, without_control

    at = _open()
    plain = json.dumps(without_control(json.loads(probe_bytes()))).encode()
    at.file_uploader(key="probe_upload").set_value(("plain.json", plain, "application/json")).run()
    assert "controllability probes" in at.caption[-1].value  # said, not drawn, while absent
    data = json.dumps(with_control(json.loads(probe_bytes()))).encode()
    at.file_uploader(key="probe_upload").set_value(("control.json", data, "application/json")).run()
    assert not at.exception
    assert [h.value for h in at.subheader][-3:] == ["Conditioning: accuracy for a requested class",
                                                    "Steering: completing a hidden region",
                                                    "Hybrid: distilled students against teacher and GAN"]
    conditioning, steering, hybrid = (t.value for t in at.dataframe[-3:])
    rows = {name: CONTROL[name]["rows"] for name in SECTIONS}
    assert list(conditioning["conditional accuracy"]) == [r["conditional_accuracy"] for r in rows["conditioning"]]
    assert list(steering["method"]) == [r["method"] for r in rows["steering"]]
    assert list(hybrid["FID"]) == [r["quality"]["fid"] for r in rows["hybrid"]]
    titles = [t.split(":")[0] for t in _titles(at)]
    assert titles[-6:] == ["Conditioning", "Conditioning per class", "Steering", "Steering", "Hybrid", "Hybrid"]
    assert any("steering hides 50% of each image" in c.value for c in at.caption)
    assert not [c for c in at.caption if "controllability probes" in c.value]
