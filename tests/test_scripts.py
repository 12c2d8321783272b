"""The install's own scripts (scripts/), run as `make` runs them."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _disk_check(directory: Path, need_gib: int) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(ROOT / "scripts" / "disk-check.sh"), str(directory), str(need_gib)],
                          capture_output=True, text=True, timeout=30)


def test_disk_check_refuses_in_one_line_when_the_venv_would_not_fit(tmp_path):
    # No disk has 10^9 GB free: the check must refuse, before anything is created.
    result = _disk_check(tmp_path / "not-yet" / ".venv", 10**9)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs about 1000000000 GB free" in lines[0] and "GB are free" in lines[0]
    assert not (tmp_path / "not-yet").exists()


def test_disk_check_passes_quietly_when_there_is_room(tmp_path):
    result = _disk_check(tmp_path / ".venv", 0)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
