"""Page 3: measure this machine with `genarch probe` in the background, or load results files
(several, to compare machines); charts of latency, cost and throughput, and of training and the
controllability probes (conditioning, steering, hybrid) when present."""
import streamlit as st

from app import probe_job, state, views
from app.analysis import choose
from app.uploads import MAX_PROBE_BYTES
from probes.config import PROFILES
from probes.registry import PROBES
from reports import charts
from reports.markdown import escape
from reports.control_view import conditioning_summary, control_notes, hybrid_summary, steering_summary
from reports.probe_view import machine_summary, sample_grid_images, training_records, training_summary

state.init()
answers, sets = st.session_state["answers"], st.session_state["probe_sets"]
st.title("Measurements on your hardware")
st.write("Measured on the serving device, probe results replace the calibrated catalog model's "
         "latency and cost in the decision. Run the built-in profile here, or load "
         "`probe-results.json` files from other machines to compare them.")
# Said before the run button: what a run here can and cannot tell about the serving hardware.
target = views.probe_target(views.local_device(), st.session_state.get("probe_device", "auto"))
st.info(escape(views.probe_device_note(answers["serving_hardware"], target)), icon=":material/memory:")

run, load = st.columns(2, gap="large")
with run:
    st.subheader("Run on this machine")
    installed = probe_job.probes_installed()
    if not installed:
        st.info("Running probes needs torch and diffusers in this environment "
                "(`pip install torch diffusers`); loading results files works without them.")
    st.multiselect("Probes", list(PROBES), default=["inference"], key="probe_only",
                   format_func=lambda name: f"{name} (~{PROBES[name].quick_cpu_seconds / 60:.1f} min)",
                   help="What each measures: " + "; ".join(f"{n}: {p.description}" for n, p in PROBES.items())
                        + ". Times: the quick profile on a 2-core CPU; a GPU is faster.")
    st.selectbox("Profile", PROFILES, key="probe_profile",
                 help="quick: 3 sizes × 3 NFEs per family and small training runs, for CPUs and laptops; "
                      "full: every size and NFE, more seeds and data sizes, for GPUs")
    st.selectbox("Device", ("auto", "cpu", "cuda", "mps"), key="probe_device")
    job = st.session_state["probe_job"]
    st.button("Run the selected probes", key="probe_run", type="primary", on_click=state.start_probe_job,
              disabled=not installed or job is not None or not st.session_state.get("probe_only"))

    @st.fragment(run_every=1.0)
    def progress() -> None:
        current = st.session_state["probe_job"]
        if current is None:
            return
        status = current.status()
        if status.state != "running":
            state.collect_probe_job()
            st.rerun(scope="app")
        st.progress(status.fraction, text=f"{status.stage} · {status.elapsed_s:.0f} s {status.message}")
        st.button("Cancel", key="probe_cancel", on_click=state.cancel_probe_job)

    if job is not None:
        progress()

with load:
    st.subheader("Load results files")
    st.file_uploader(f"probe-results.json (one per machine, at most {MAX_PROBE_BYTES // 1_000_000} MB each)",
                     type=["json"], accept_multiple_files=True, key="probe_upload", max_upload_size=5,
                     on_change=state.on_probe_upload)
for kind, text in st.session_state["probe_notices"]:
    getattr(st, kind)(escape(text))

if not sets:
    st.info("No probe results yet: latency and cost come from the catalog model, calibrated on published measurements.")
    st.stop()

st.subheader("Machines")
machines = machine_summary(sets)
st.dataframe(machines, hide_index=True, key="probe_table", column_order=views.MACHINE_COLUMNS,
             column_config=views.MACHINE_COLUMN_CONFIG)
with st.expander("Versions, seeds and the cost model's band, per machine"):
    st.dataframe(machines, hide_index=True, key="probe_table_full")
chosen, exact = choose(sets, answers["serving_hardware"])
if chosen is None:
    st.caption("No file holds a cost model (the inference probe's): latency and cost keep the catalog's "
               "assumptions. Training and controllability measurements in the files still count.")
else:
    st.caption(f"The cost model the decision uses: {escape(chosen.label)}"
               + (" (measured on the serving hardware)." if exact else
                  f"; none ran on the serving hardware ({answers['serving_hardware']}).")
               + " Training and controllability measurements come from that file when it has them, else from "
                 "the first file that does.")
st.button("Clear loaded results", key="probe_clear", on_click=state.clear_probe_results)

for chart_key, title, figure in charts.probe_charts(sets, answers["gpu_hourly_usd"]):
    st.plotly_chart(figure, key=chart_key, width="stretch")
training = training_records(sets)
if training_summary(sets):
    st.subheader("Training stability and data needs")
    st.dataframe(training_summary(sets), hide_index=True, key="training_table")
grids = sample_grid_images(training["sample_grids"])
if grids:
    columns = st.columns(4)
    for i, (caption, png) in enumerate(grids):
        columns[i % 4].image(png, caption=escape(caption))
CONTROL = (("Conditioning: accuracy for a requested class", "conditioning_table", conditioning_summary),
           ("Steering: completing a hidden region", "steering_table", steering_summary),
           ("Hybrid: distilled students against teacher and GAN", "hybrid_table", hybrid_summary))
shown = False
for subheader, table_key, summarise in CONTROL:
    rows = summarise(sets)
    if rows:
        st.subheader(subheader)
        st.dataframe(rows, hide_index=True, key=table_key)
        shown = True
for note in control_notes(sets):
    st.caption(escape(note))
missing = ([] if any(training.values()) else ["learning curves, the data-needs fit, mode coverage and sample "
                                              "grids (the training probe's sections)"])
missing += [] if shown else ["conditioning, steering and hybrid tables and charts (the controllability probes)"]
if missing:
    st.caption("Appear here when the results hold them: " + "; ".join(missing) + ".")
