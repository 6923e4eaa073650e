"""The ε-network compiled by OpenVINO for the CPU (an optional extra; importing this module needs ``openvino``).

Preparation: convert the UNet (one trace, batch left dynamic) and save it as OpenVINO IR under a key made of the
config, the weights, the precision and OpenVINO's version; compile it for the CPU with OpenVINO's model cache on.
A warm start reads both from disk. The precision hint is bf16 only where the CPU computes bf16 natively (the caller
decides); float32 elsewhere, so the plugin never picks a precision on its own. The compiled graph starts after the
timestep's sinusoidal code, which torch computes in float32 (in bf16, t = 747 rounds to 748 and sin(t·ω_k) is noise:
the ε error at large t was 7.7% against 1.2% for torch's own bf16 autocast).
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

import numpy as np
import openvino as ov
import torch

from .unet import UNet

_HINTS = {torch.float32: "f32", torch.bfloat16: "bf16"}
_GRAPH = "from-time-code"  # what the saved graph takes as inputs: part of its cache key, so older caches are not read


def compile_unet(unet: UNet, dtype: torch.dtype, folder: Path):
    """A callable (x_t (B, C, H, W), t (B,)) → ε (B, C, H, W) in float32, computing in ``dtype``."""
    from .engine import fingerprint

    if dtype not in _HINTS:
        raise ValueError(f"OpenVINO runs float32 or bfloat16 on a CPU, not {dtype}")
    key = fingerprint(unet, "openvino", ov.get_version(), _GRAPH, _HINTS[dtype])
    ir = folder / key / "unet.xml"
    core = ov.Core()
    if not ir.is_file():
        ir.parent.mkdir(parents=True, exist_ok=True)
        partial = ir.with_name(f"unet.{threading.get_ident()}.xml")  # written whole, then renamed into place
        ov.save_model(convert(unet), partial, compress_to_fp16=False)
        partial.with_suffix(".bin").replace(ir.with_suffix(".bin"))
        partial.replace(ir)
    config = {
        "CACHE_DIR": str(folder / "compiled"),
        "INFERENCE_PRECISION_HINT": _HINTS[dtype],
        "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_NUM_THREADS": torch.get_num_threads(),
    }
    compiled = core.compile_model(ir, "CPU", config)
    return OpenVINONetwork(compiled, unet.time_proj)


class _FromTimeCode(torch.nn.Module):
    """The UNet from (x_t, sinusoidal code of t): the part of ε_θ the engine compiles."""

    def __init__(self, unet: UNet):
        super().__init__()
        self.unet = unet

    def forward(self, x_t: torch.Tensor, time_code: torch.Tensor) -> torch.Tensor:
        return self.unet.from_time_code(x_t, time_code)


def convert(unet: UNet) -> ov.Model:
    """The UNet as an OpenVINO model with a dynamic batch: traced once at batch 2 (torch specialises a batch of 1)."""
    C, size = unet.config.in_channels, unet.config.sample_size
    H, W = (size, size) if isinstance(size, int) else size
    time_code = unet.time_proj(torch.tensor([0, 1]))  # (2, dim)
    example = (torch.zeros(2, C, H, W), time_code)
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's notes on shape checks, which the trace fixes
        model = ov.convert_model(_FromTimeCode(unet), example_input=example)
    model.reshape({0: ov.PartialShape([-1, C, H, W]), 1: ov.PartialShape([-1, time_code.shape[1]])})
    return model


class OpenVINONetwork:
    """One compiled network; calls from several threads take turns on its one infer request."""

    def __init__(self, compiled: ov.CompiledModel, time_proj: torch.nn.Module):
        self.compiled = compiled
        self.time_proj = time_proj  # t → its sinusoidal code, in float32 (no weights)
        self._request = compiled.create_infer_request()
        self._lock = threading.Lock()

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        B = x_t.shape[0]
        t = torch.as_tensor(t).reshape(-1).expand(B) if torch.as_tensor(t).numel() == 1 else torch.as_tensor(t)
        time_code = self.time_proj(t.detach())  # (B, dim), float32
        inputs = [np.ascontiguousarray(x_t.detach().float().numpy()), np.ascontiguousarray(time_code.numpy())]
        with self._lock:
            out = self._request.infer(inputs)[0]
            return torch.from_numpy(np.array(out, dtype=np.float32, copy=True))  # (B, C, H, W)
