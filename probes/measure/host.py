"""The host machine's CPU, without torch: the app's pages name it before any probe runs."""
from __future__ import annotations

import platform


def cpu_name() -> str:
    """The CPU's model name ('AMD EPYC 7B13'), from /proc/cpuinfo where there is one."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"
