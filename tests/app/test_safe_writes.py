"""Safe writes: one helper (probes/atomic.py) for reports, probe results,
calibration and FLOP counts; a planted symlink is never followed, a FIFO, device or folder is
refused in one line, no temporary file is left behind; the probe lock follows no planted link."""
from __future__ import annotations

import os
import stat

import pytest

from app.cli import main
from probes import atomic
from probes.atomic import write_atomic, write_json_atomic
from rubric.errors import InputError
from tests.conftest import EXAMPLES

ANSWERS = str(EXAMPLES / "data-bound.yaml")


def _victim(tmp_path):
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.parent.mkdir()
    victim.write_text("precious\n")
    return victim


def _listing(folder):
    return sorted(os.listdir(folder))


def test_writes_replace_and_leave_no_temporary_file(tmp_path):
    target = tmp_path / "out.json"
    write_atomic(target, b"one")
    write_json_atomic(target, {"a": 1})
    assert target.read_text() == '{\n "a": 1\n}\n'
    assert _listing(tmp_path) == ["out.json"]
    umask = atomic._umask()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o666 & ~umask


def test_a_symlink_planted_at_the_target_is_replaced_and_its_victim_untouched(tmp_path):
    victim = _victim(tmp_path)
    target = tmp_path / "report.md"
    target.symlink_to(victim)
    write_atomic(target, b"report")
    assert victim.read_text() == "precious\n"
    assert not target.is_symlink() and target.read_bytes() == b"report"


def test_a_symlink_planted_at_the_temporary_name_is_never_followed(tmp_path, monkeypatch):
    victim = _victim(tmp_path)
    names = iter(["planted", "planted", "fresh"])
    monkeypatch.setattr(atomic.secrets, "token_hex", lambda n: next(names))
    (tmp_path / ".out.bin.planted.tmp").symlink_to(victim)  # the name the first draw gives
    write_atomic(tmp_path / "out.bin", b"data")
    assert victim.read_text() == "precious\n"
    assert (tmp_path / "out.bin").read_bytes() == b"data"
    assert (tmp_path / ".out.bin.planted.tmp").is_symlink()  # left alone, not reused
    assert _listing(tmp_path) == [".out.bin.planted.tmp", "elsewhere", "out.bin"]


def test_report_ignores_the_old_predictable_temporary_name(tmp_path, capsys):
    victim = _victim(tmp_path)
    out = tmp_path / "report.md"
    (tmp_path / f"report.md.tmp-{os.getpid()}").symlink_to(victim)  # the name reports used to write
    assert main(["report", "--answers", ANSWERS, "--out", str(out)]) == 0
    assert victim.read_text() == "precious\n" and out.read_text().startswith("#")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def _fifo(tmp_path):
    path = tmp_path / "pipe.md"
    os.mkfifo(path)
    return path


def _device(tmp_path):
    """A character device node of our own (the null device's numbers): a regression that replaced
    it would replace a node in the test's folder, never the machine's /dev/null."""
    path = tmp_path / "null.md"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        pytest.skip("creating a device node needs CAP_MKNOD")
    return path


@pytest.mark.parametrize("kind, expected", [
    ("fifo", "FIFO"), ("dir", "is a directory"), ("device", "character device"),
    ("link-to-fifo", "FIFO"), ("link-to-device", "character device")])
def test_report_out_onto_a_special_file_is_refused_in_one_line(tmp_path, capsys, kind, expected):
    if kind == "fifo":
        out = _fifo(tmp_path)
    elif kind == "dir":
        out = tmp_path / "folder.md"
        out.mkdir()
    elif kind == "device":
        out = _device(tmp_path)
    else:
        out = tmp_path / "link.md"
        out.symlink_to(_fifo(tmp_path) if kind == "link-to-fifo" else _device(tmp_path))
    before = _listing(tmp_path)
    assert main(["report", "--answers", ANSWERS, "--format", "md", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err
    assert _listing(tmp_path) == before  # nothing replaced, no temporary file
    if kind == "fifo":
        assert stat.S_ISFIFO(os.lstat(out).st_mode)
    if kind == "device":
        assert stat.S_ISCHR(os.lstat(out).st_mode)
    if kind.startswith("link"):
        assert os.path.islink(out)


def test_a_failed_or_interrupted_write_removes_its_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "out.bin"
    write_atomic(target, b"old")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(InputError, match="cannot write .No space left on device"):
        write_atomic(target, b"new", "--out out.bin")
    assert _listing(tmp_path) == ["out.bin"] and target.read_bytes() == b"old"

    def interrupt(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert _listing(tmp_path) == ["out.bin"] and target.read_bytes() == b"old"


def test_probe_results_go_through_the_helper(tmp_path):
    from probes.results import new_results, write_probe_results

    victim = _victim(tmp_path)
    path = tmp_path / "probe-results.json"
    path.symlink_to(victim)
    write_probe_results(path, new_results({}, {}))
    assert victim.read_text() == "precious\n" and not path.is_symlink()
    with pytest.raises(InputError, match="FIFO"):
        write_probe_results(_fifo(tmp_path), new_results({}, {}))
    with pytest.raises(ValueError):
        write_probe_results(path, {"x": float("nan")})
    assert _listing(tmp_path) == ["elsewhere", "pipe.md", "probe-results.json"]


def test_architecture_flops_writes_no_fixed_tmp_name_and_refuses_a_fifo_before_counting(tmp_path, monkeypatch,
                                                                                       capsys):
    pytest.importorskip("torch")
    from probes.measure import architecture_flops

    assert not os.path.isabs(architecture_flops.DEFAULT_OUT)
    monkeypatch.setattr(architecture_flops, "measure", lambda only: pytest.fail("must refuse first"))
    assert architecture_flops.main(["--out", str(_fifo(tmp_path))]) == 2
    assert "FIFO" in capsys.readouterr().err
    monkeypatch.setattr(architecture_flops, "measure", lambda only: {})
    monkeypatch.setattr(architecture_flops, "format_table", lambda results: "")
    victim = _victim(tmp_path)
    out = tmp_path / "flops.json"
    out.symlink_to(victim)
    assert architecture_flops.main(["--out", str(out)]) == 0
    assert victim.read_text() == "precious\n" and out.read_text() == "{}\n"


def test_calibration_goes_through_the_helper(tmp_path, monkeypatch):
    from rubric import calibrate, latency_model

    monkeypatch.setattr(calibrate, "DATA_DIR", tmp_path)
    monkeypatch.setattr(calibrate, "calibrate", lambda: {"fit": 1})
    victim = _victim(tmp_path)
    (tmp_path / latency_model.CALIBRATION_FILE).symlink_to(victim)
    assert calibrate.main([]) == 0
    assert victim.read_text() == "precious\n"
    assert (tmp_path / latency_model.CALIBRATION_FILE).read_text().endswith("fit: 1\n")
    assert _listing(tmp_path) == sorted(["elsewhere", latency_model.CALIBRATION_FILE])


# --- the probe lock -------------------------------------------------------------------------------

def test_the_lock_follows_no_planted_symlink(tmp_path, monkeypatch):
    from probes.measure import machine_lock

    victim = _victim(tmp_path)
    lock = tmp_path / "genarch-probe.lock"
    lock.symlink_to(victim)
    monkeypatch.setenv(machine_lock.LOCK_ENV, str(lock))
    with machine_lock.exclusive_machine(str(tmp_path / "out")) as note:
        assert note and note.startswith("no machine lock")  # runs unguarded, says so
    assert victim.read_text() == "precious\n"


def test_the_lock_is_not_truncated_and_names_its_holder(tmp_path, monkeypatch):
    from probes.measure import machine_lock

    lock = tmp_path / "genarch-probe.lock"
    monkeypatch.setenv(machine_lock.LOCK_ENV, str(lock))
    with machine_lock.exclusive_machine(str(tmp_path / "first")) as note:
        assert note is None
        with pytest.raises(machine_lock.ProbeBusy, match=f"pid {os.getpid()}"):
            with machine_lock.exclusive_machine(str(tmp_path / "second")):
                pass
    assert lock.stat().st_size == machine_lock.HOLDER_BYTES and stat.S_IMODE(lock.stat().st_mode) == 0o600


def test_the_default_lock_lives_in_a_private_folder(tmp_path, monkeypatch):
    from probes.measure import machine_lock

    monkeypatch.delenv(machine_lock.LOCK_ENV)
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert machine_lock.lock_path() == str(runtime / machine_lock.LOCK_NAME)
    runtime.chmod(0o755)  # open to others: not used
    shared = tmp_path / "tmp"
    shared.mkdir()
    monkeypatch.setattr(machine_lock.tempfile, "gettempdir", lambda: str(shared))
    private = shared / f"genarch-{os.getuid()}"
    assert machine_lock.lock_path() == str(private / machine_lock.LOCK_NAME)
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    # a folder planted at that name (a symlink to another folder) is not used: the probe runs unguarded
    private.rmdir()
    private.symlink_to(runtime)
    with machine_lock.exclusive_machine(str(tmp_path / "out")) as note:
        assert note and "not a private folder" in note
    assert os.listdir(runtime) == []
