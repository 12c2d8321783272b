"""Loaded probe-results files: labels that tell machines apart, safe text, unfinished sections."""
from probes.probe_set import ProbeSet, as_mapping, as_records, clean, finite, incomplete_sections, unique_labels


def _set(device: str | None, source: str, **sections) -> ProbeSet:
    return ProbeSet.from_results({"environment": {"device_name": device} if device else {}, **sections}, source)


def test_the_label_is_the_device_named_in_the_file():
    assert _set("NVIDIA H100 80GB HBM3", "h100.json").label == "NVIDIA H100 80GB HBM3"
    assert _set(None, "x.json").label == "unknown device"


def test_the_same_device_twice_is_told_apart_by_file_name_then_by_number():
    sets = unique_labels([_set("A100", "runs/a.json"), _set("A100", "other/a.json"), _set("T4", "t4.json"),
                          _set("A100", "b.json")])
    assert [s.label for s in sets] == ["A100 (a.json)", "A100 (a.json) #2", "T4", "A100 (b.json)"]
    assert [s.source for s in sets] == ["runs/a.json", "other/a.json", "t4.json", "b.json"]


def test_text_from_a_file_loses_control_characters_and_is_cut():
    assert clean("GPU\x1b[2J\n0") == "GPU[2J0"
    long = clean("x" * 500)
    assert len(long) == 120 and long.endswith("...")
    assert _set("dev\x07ice", "p\x00.json").label == "device" and _set("d", "p\x00.json").source == "p.json"


def test_lenient_readers_keep_only_what_they_know():
    assert finite(1) and finite(2.5) and not finite(True) and not finite(float("nan")) and not finite("1")
    assert as_mapping({"a": 1}) == {"a": 1} and as_mapping([1]) == {}
    assert as_records([{"a": 1}, 2, None]) == [{"a": 1}] and as_records({"a": 1}) == []


def test_incomplete_sections_name_skipped_and_unfinished_controllability_sections():
    done = {"complete": True, "rows": [{}]}
    s = _set("cpu", "a.json", conditioning=done, steering={"complete": False, "rows": []},
             hybrid={"complete": True, "skipped": "no diffusers\x1b"}, training={"complete": False})
    assert incomplete_sections([s]) == [(s, "steering", None), (s, "hybrid", "no diffusers")]
    assert incomplete_sections([_set("cpu", "b.json")]) == []
