"""The device a probe runs on: resolution of `auto`, dtypes, peak rates, memory and energy meters.

Everything that differs between CUDA, MPS and CPU lives here so the probes stay device-agnostic.
"""
from __future__ import annotations

import os
import platform

import torch

from probes.measure.host import cpu_name
from rubric import knowledge as kb
from rubric.errors import InputError

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(requested: str) -> torch.device:
    """`auto` picks cuda, then mps, then cpu; an explicit device that is absent is an input error."""
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if requested == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if requested == "cuda" and not cuda:
        raise InputError("--device cuda: no CUDA device is visible to torch "
                         f"(torch {torch.__version__}); use --device cpu or auto")
    if requested == "mps" and not mps:
        raise InputError("--device mps: MPS is not available; use --device cpu or auto")
    if requested not in ("cpu", "cuda", "mps"):
        raise InputError(f"--device must be auto, cpu, cuda or mps, got {requested!r}")
    return torch.device(requested)


def default_dtypes(device: torch.device) -> tuple[str, ...]:
    """fp32 everywhere (diffusers' default); on a GPU also its fast half type."""
    if device.type == "cuda":
        return ("fp32", "bf16") if torch.cuda.is_bf16_supported() else ("fp32", "fp16")
    if device.type == "mps":
        return ("fp32", "fp16")
    return ("fp32",)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return f"Apple {platform.machine()} (MPS)"
    return cpu_name()


# Peak rates come from the one hardware catalog, rubric/data/hardware.yaml, which the recommend
# path (rubric/estimates.py) also reads, names matched to entries by the same Knowledge.gpu_id: a
# probe's fraction_of_peak and the estimates then divide by the same datasheet figure, and a new
# GPU is added in one place. Catalog "fp32" is the plain CUDA-core rate (PyTorch leaves TF32
# matmuls off by default; cuDNN convolutions may use TF32, so an fp32 fraction above 1 would mean
# TF32 convolutions).
def peak_flop_per_s(name: str, dtype: str) -> float | None:
    """Dense datasheet peak of the GPU called `name` for `dtype` (fp16, bf16, tf32, fp32); None
    when the GPU is not in the catalog or the catalog has no figure for that dtype (bf16 on a T4)."""
    catalog = kb.load()
    device_id = catalog.gpu_id(name)
    if device_id is None:
        return None
    return catalog.devices[device_id].peak_flop_per_s.get(dtype)


def _nvml():
    """pynvml, initialised, or None when NVML (nvidia-ml-py or the driver) is absent."""
    try:
        import pynvml

        pynvml.nvmlInit()
        return pynvml
    except Exception:
        return None


def _nvml_handle(nvml, device: torch.device):
    props = torch.cuda.get_device_properties(device)
    try:  # CUDA and NVML number devices differently under CUDA_VISIBLE_DEVICES; the bus id is shared
        bus = f"{props.pci_domain_id:08x}:{props.pci_bus_id:02x}:{props.pci_device_id:02x}.0"
        return nvml.nvmlDeviceGetHandleByPciBusId(bus)
    except Exception:
        return nvml.nvmlDeviceGetHandleByIndex(device.index or 0)


def environment(device: torch.device, dtypes: tuple[str, ...], seed: int) -> dict:
    """What a reader needs to reproduce or compare a results file (probes/RESULTS.md)."""
    from importlib.metadata import PackageNotFoundError, version

    def pkg(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    env = {
        "device_kind": device.type, "device_name": device_name(device), "driver": None,
        "cuda_version": torch.version.cuda, "torch_version": torch.__version__,
        "diffusers_version": pkg("diffusers"), "genarch_version": pkg("genarch"),
        "python_version": platform.python_version(), "platform": platform.platform(),
        "cpu": cpu_name(), "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "dtypes": list(dtypes), "seed": seed,
        "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
        "tf32_cudnn": torch.backends.cudnn.allow_tf32,
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        env["gpu_memory_mib"] = props.total_memory / 2**20
        nvml = _nvml()
        if nvml is not None:
            try:
                env["driver"] = nvml.nvmlSystemGetDriverVersion()
            except Exception:
                pass
    return env


class EnergyMeter:
    """NVML's cumulative energy counter (millijoules, Volta and newer) read around a window."""

    def __init__(self, device: torch.device):
        self.handle, self.unavailable_reason = None, None
        if device.type != "cuda":
            self.unavailable_reason = f"no energy counter on {device.type}"
            return
        self.nvml = _nvml()
        if self.nvml is None:
            self.unavailable_reason = "NVML not available (install nvidia-ml-py)"
            return
        try:
            self.handle = _nvml_handle(self.nvml, device)
            self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle)
        except Exception as err:
            self.handle, self.unavailable_reason = None, f"energy counter unsupported: {err}"

    def read_mj(self) -> float | None:
        if self.handle is None:
            return None
        torch.cuda.synchronize()
        return float(self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle))


class MemoryMeter:
    """Peak memory of a measurement in MiB: the CUDA allocator's peak on GPU; on CPU and MPS the
    largest process RSS sampled between repeats (it includes the interpreter and libraries, so
    it is an upper bound on what the model itself needs)."""

    def __init__(self, device: torch.device):
        self.device, self.peak_rss = device, 0
        import psutil

        self.process = psutil.Process()

    def reset(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
        self.peak_rss = self.process.memory_info().rss

    def sample(self) -> None:
        if self.device.type != "cuda":
            self.peak_rss = max(self.peak_rss, self.process.memory_info().rss)

    def peak_mib(self) -> float:
        if self.device.type == "cuda":
            return torch.cuda.max_memory_allocated(self.device) / 2**20
        self.sample()
        return self.peak_rss / 2**20

    def over_limit(self, fraction: float) -> bool:
        """True when this measurement used more than `fraction` of the device's memory."""
        if self.device.type == "cuda":
            total = torch.cuda.get_device_properties(self.device).total_memory
            return torch.cuda.max_memory_allocated(self.device) > fraction * total
        import psutil

        return self.peak_rss > fraction * psutil.virtual_memory().total


def is_out_of_memory(err: BaseException) -> bool:
    """CUDA's OutOfMemoryError, or the RuntimeError other backends raise for the same thing."""
    if isinstance(err, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(err, RuntimeError) and "out of memory" in str(err).lower()


def free_memory(device: torch.device) -> None:
    import gc

    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps":
        torch.mps.empty_cache()

