"""The fast path of a pipeline's ε-network: prepared once, cached on disk, with the exact path as its fallback.

On a CPU the fast path is the network compiled by OpenVINO (an optional extra: ``requirements-fast.txt``), in
bfloat16 where the CPU computes it natively (AVX512-BF16, AMX) and in float32 elsewhere. OpenVINO was chosen by
measurement against ``torch.compile`` and ONNX Runtime (``benchmarks/RESULTS.md``): one compilation serves every
batch size, the converted network and its compiled form are cached on disk, and its CPU plugin runs bf16 on AMX.
Without it (or when it fails) the network runs eagerly at the pipeline's precision and the pipeline says so.
On a GPU the fast path is eager autocast (float16 / bfloat16) and needs no preparation (``Pipeline``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import torch

from .unet import UNet

Network = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (x_t (B, C, H, W), t (B,)) → ε (B, C, H, W)
State = Literal["cold", "preparing", "ready", "failed"]
CACHE_ENV = "DDPM_STUDIO_CACHE"  # where prepared networks are kept (default: ~/.cache/ddpm-studio)


def cache_dir() -> Path:
    """The folder that keeps prepared networks: ``$DDPM_STUDIO_CACHE``, else ``$XDG_CACHE_HOME/ddpm-studio``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")).expanduser() / "ddpm-studio"


def fingerprint(unet: UNet, *parts: str) -> str:
    """A key for a prepared network: its config, every weight's bytes, and the given parts (engine, precision)."""
    digest = hashlib.sha256(json.dumps(unet.config.to_dict(), sort_keys=True, default=str).encode())
    for part in parts:
        digest.update(part.encode())
    for name, tensor in unet.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()[:24]


class FastPath:
    """The fast ε-network of one pipeline. ``prepare()`` builds it once (thread-safe, idempotent, synchronous);
    ``start()`` does it in a background thread. Until it is ready ``network`` is None and runs take the exact path.
    ``engine`` names what runs once prepared; ``note`` says why that is not the engine when it is missing or failed.
    """

    def __init__(self, unet: UNet, dtype: torch.dtype, device: torch.device):
        self.unet, self.dtype, self.device = unet, dtype, device
        self.network: Network | None = None
        self.engine = "eager"
        self.note = ""
        self.seconds = 0.0  # what the preparation took
        self._started = False
        self._done = False
        self._lock = threading.Lock()

    @property
    def state(self) -> State:
        if self._done:
            return "ready" if self.network is not None else "failed"
        return "preparing" if self._started else "cold"

    def prepare(self) -> None:
        self._started = True
        with self._lock:
            if self._done:
                return
            start = time.perf_counter()
            self.network, self.engine, self.note = self._build()
            self.seconds = time.perf_counter() - start
            self._done = True

    def start(self) -> threading.Thread | None:
        """``prepare()`` in a daemon thread (None when it has already begun); runs meanwhile take the exact path."""
        if self._started:
            return None
        self._started = True
        thread = threading.Thread(target=self.prepare, name="ddpm-fast-path", daemon=True)
        thread.start()
        return thread

    def _build(self) -> tuple[Network | None, str, str]:
        precision = str(self.dtype).removeprefix("torch.")
        try:
            from . import openvino_engine
        except ImportError as error:
            missing = error.name or str(error)
            note = f"The fast path's engine, OpenVINO, is not installed ({missing}): the network ran eagerly in "
            return None, "eager", note + f"{precision} (pip install -r requirements-fast.txt)."
        try:
            return openvino_engine.compile_unet(self.unet, self.dtype, cache_dir() / "openvino"), "openvino", ""
        except Exception as error:  # noqa: BLE001 — whatever the engine raises, the eager path serves
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
            return None, "eager", f"The fast path (OpenVINO) failed to prepare ({reason}): the network ran eagerly."


def engine_installed() -> bool:
    """Whether the CPU fast path's engine can be imported (without importing it)."""
    return importlib.util.find_spec("openvino") is not None
