"""Where and at what precision the ε-network runs: the one place that picks a device and a dtype."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .errors import DDPMError

REDUCED_DTYPES = (torch.bfloat16, torch.float16)
_DTYPE_NAMES = {
    "fp32": torch.float32,
    "float32": torch.float32,
    "bf16": torch.bfloat16,
    "bfloat16": torch.bfloat16,
    "fp16": torch.float16,
    "float16": torch.float16,
}


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The device asked for, or the best one present: CUDA, then Apple's MPS, then the CPU."""
    if device is not None:
        try:
            device = torch.device(device)
        except (RuntimeError, TypeError):
            raise DDPMError(f"Unknown device {device!r}; use cpu, cuda or mps.") from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise DDPMError("CUDA was asked for, but this machine has no usable CUDA GPU.")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise DDPMError("MPS was asked for, but this machine has no usable Apple GPU.")
        if device.type not in ("cpu", "cuda", "mps"):
            raise DDPMError(f"Unsupported device {device}; use cpu, cuda or mps.")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def pick_dtype(dtype: str | torch.dtype | None, device: torch.device) -> torch.dtype:
    """float32 (exact, the default) or a reduced precision the device runs fast: bf16 on CPU, fp16/bf16 on GPUs."""
    if dtype is None:
        return torch.float32
    resolved = _DTYPE_NAMES.get(dtype) if isinstance(dtype, str) else dtype
    if resolved not in (torch.float32, *REDUCED_DTYPES):
        raise DDPMError(f"Unsupported dtype {dtype}; use float32, bfloat16 or float16.")
    if device.type == "cpu" and resolved == torch.float16:
        raise DDPMError("float16 is not a fast path on the CPU; use bfloat16 there.")
    return resolved


def cpu_has_fast_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX). Without it oneDNN emulates bf16, and a
    bf16 matmul ran at 0.8 GFLOP/s against 61 in float32 (one core of an AVX2-only AMD EPYC): 76× slower."""
    cpu = torch.cpu
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(cpu, name, lambda: False)() for name in checks)


def fast_dtype(device: torch.device) -> torch.dtype:
    """The dtype that asks for the fast path on ``device`` (the name users type): bfloat16 on a CPU, float16 on a
    GPU. What the fast path then computes in is ``pick_precision``'s: bfloat16 only on a CPU that computes it
    natively, float32 (through the engine) elsewhere."""
    return torch.bfloat16 if device.type == "cpu" else torch.float16


@dataclass(frozen=True)
class Precision:
    """How the ε-network runs: ``dtype`` is what it computes in; ``fast`` whether through the fast path (on a CPU
    the engine of ``ddpm.engine``, on a GPU autocast) rather than eager PyTorch. float32 eager is the exact path."""

    dtype: torch.dtype = torch.float32
    fast: bool = False

    @property
    def name(self) -> str:
        """ "exact" or "fast"."""
        return "fast" if self.fast else "exact"


EXACT = Precision()


def pick_precision(dtype: str | torch.dtype | None, device: torch.device) -> Precision:
    """What a requested dtype means: float32 (or none) is the exact path; a reduced one asks for the fast path,
    which computes in bfloat16 only on a CPU that has it natively (without AVX512-BF16 or AMX a bf16 matmul was 76×
    slower than float32), in float32 on other CPUs, and in the requested dtype on a GPU."""
    resolved = pick_dtype(dtype, device)
    if resolved == torch.float32:
        return EXACT
    if device.type == "cpu":
        return Precision(torch.bfloat16 if cpu_has_fast_bf16() else torch.float32, fast=True)
    return Precision(resolved, fast=True)


def dtype_name(dtype: torch.dtype) -> str:
    """ "float32", "bfloat16", "float16": the name users type."""
    return str(dtype).removeprefix("torch.")
