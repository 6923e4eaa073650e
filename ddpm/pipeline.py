"""Pipeline: an ε-network, its noise schedule and sampler defaults, on a device, at a precision."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np
import torch

from .diffusion import randn
from .errors import DDPMError
from .images import to_uint8
from .sampling import DenoiseStep, Sampler, Spacing, VarianceType, denoise, run_to_end
from .schedule import NoiseSchedule
from .unet import UNet

REDUCED_DTYPES = (torch.bfloat16, torch.float16)


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The device asked for, or the best one present: CUDA, then Apple's MPS, then the CPU."""
    if device is not None:
        device = torch.device(device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise DDPMError("CUDA was asked for, but this machine has no usable CUDA GPU.")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise DDPMError("MPS was asked for, but this machine has no usable Apple GPU.")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def pick_dtype(dtype: str | torch.dtype | None, device: torch.device) -> torch.dtype:
    """float32 (exact, the default) or a reduced precision the device runs fast: bf16 on CPU, fp16/bf16 on GPUs."""
    if dtype is None or dtype in ("fp32", "float32", torch.float32):
        return torch.float32
    names = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp16": torch.float16, "float16": torch.float16}
    dtype = names.get(dtype, dtype) if isinstance(dtype, str) else dtype
    if dtype not in REDUCED_DTYPES:
        raise DDPMError(f"Unsupported dtype {dtype}; use float32, bfloat16 or float16.")
    if device.type == "cpu" and dtype == torch.float16:
        raise DDPMError("float16 is not a fast path on the CPU; use bfloat16 there.")
    return dtype


@dataclass
class Pipeline:
    """unet + schedule + where and how to run them.

    ``dtype`` is the compute precision: float32 is the exact path; bfloat16/float16 run the network under autocast
    (weights stay float32) while the sampler's arithmetic stays float32. If reduced precision gives a non-finite ε,
    that step is recomputed in float32 and ``notes`` says so.
    """

    unet: UNet
    schedule: NoiseSchedule
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    dtype: torch.dtype = torch.float32
    variance_type: VarianceType = "fixed_small"
    clip_sample: bool = True
    clip_range: float = 1.0
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.unet = self.unet.to(self.device, torch.float32).eval().requires_grad_(False)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of the images this model makes."""
        size = self.unet.config.sample_size
        height, width = (size, size) if isinstance(size, int) else size
        return self.unet.config.in_channels, height, width

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.unet.parameters())

    def to(self, device: str | torch.device | None = None, dtype: str | torch.dtype | None = None) -> Pipeline:
        self.device = pick_device(device)
        self.dtype = pick_dtype(dtype, self.device)
        self.unet = self.unet.to(self.device)
        return self

    def _autocast(self):
        if self.dtype == torch.float32:
            # The exact path: no TF32 convolutions on CUDA (cuDNN's default), so a GPU draws the CPU's pictures.
            if self.device.type == "cuda":
                cudnn = torch.backends.cudnn  # flags() resets what it is not given: pass the current settings on
                return cudnn.flags(enabled=cudnn.enabled, benchmark=cudnn.benchmark, deterministic=cudnn.deterministic,
                                   allow_tf32=False)
            return nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    @torch.inference_mode()
    def eps(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """ε_θ(x_t, t) in float32, at the pipeline's precision, with the float32 fallback for non-finite output."""
        with self._autocast():
            eps = self.unet(x_t, t).float()
        if self.dtype != torch.float32 and not torch.isfinite(eps).all():
            note = f"{self.dtype} gave non-finite values at t={int(t[0])}; recomputed in float32."
            if note not in self.notes:
                warnings.warn(note, stacklevel=2)
                self.notes.append(note)
            eps = self.unet(x_t, t).float()
        return eps

    def denoise(
        self,
        batch_size: int = 1,
        sampler: Sampler = "ddpm",
        num_steps: int | None = None,
        eta: float = 0.0,
        seed: int | None = 0,
        *,
        variance_type: VarianceType | None = None,
        clip_sample: bool | None = None,
        spacing: Spacing = "leading",
        x_T: torch.Tensor | None = None,
        timesteps: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> Iterator[DenoiseStep]:
        """Yield every step of a seeded reverse run (see ``ddpm.sampling.denoise``); tensors in [-1, 1].

        The seed makes a CPU generator (the same picture on every device); x_T is drawn from it first, then the
        step noise, in the order diffusers' DDPMPipeline draws them. ``variance_type``/``clip_sample`` default to
        the checkpoint's scheduler config.
        """
        if generator is None:
            generator = torch.Generator().manual_seed(seed) if seed is not None else torch.Generator()
        if x_T is None:
            if batch_size < 1:
                raise DDPMError(f"The batch size must be at least 1; got {batch_size}.")
            x_T = randn((batch_size, *self.image_shape), generator, self.device)
        # No inference_mode() around a generator: grad mode is thread-local and a UI may resume us on another
        # thread. ``eps`` runs the network under inference_mode; the sampler's arithmetic needs no grad anyway.
        yield from denoise(
            self.eps,
            self.schedule,
            x_T.to(self.device, torch.float32),
            sampler=sampler,
            num_steps=num_steps,
            eta=eta,
            variance_type=variance_type or self.variance_type,
            clip_sample=self.clip_sample if clip_sample is None else clip_sample,
            clip_range=self.clip_range,
            spacing=spacing,
            timesteps=timesteps,
            generator=generator,
        )

    def sample(
        self, batch_size: int = 16, sampler: Sampler = "ddpm", num_steps: int | None = None, eta: float = 0.0,
        seed: int | None = 0, **kwargs,
    ) -> np.ndarray:
        """The final images of a seeded run as uint8 (B, H, W, C)."""
        return to_uint8(run_to_end(self.denoise(batch_size, sampler, num_steps, eta, seed, **kwargs)).x_t)
