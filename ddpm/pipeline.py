"""Pipeline: an ε-network, its noise schedule and sampler defaults, on a device, at a precision."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import torch

from .device import Precision, dtype_name, pick_device, pick_dtype
from .diffusion import randn
from .engine import FastPath, Network
from .errors import DDPMError
from .images import to_uint8
from .options import MULTISTEP_SOLVERS
from .sampling import DenoiseStep, SamplingOptions, denoise, run_to_end
from .schedule import NoiseSchedule
from .unet import UNet, UNetCost


@dataclass
class Pipeline:
    """unet + schedule + the checkpoint's sampling defaults + where and how to run them.

    ``dtype`` is the precision the network computes in; ``fast`` whether it runs through the fast path
    (``ddpm.engine``; ``load_pipeline(dtype="bfloat16")`` asks for it) rather than eager PyTorch. float32 eager is
    the exact path; eager bfloat16/float16 run the network under autocast (weights stay float32); the fast path on a
    CPU is an engine's compiled network (float32 on CPUs without native bf16), prepared once by ``warm_up()`` (else
    by the first run), with the exact path serving until it is ready and ``notes`` saying why when it cannot be.
    The sampler's arithmetic stays float32. If reduced precision gives a non-finite ε, that step is recomputed in
    float32 (on the exact path) and ``notes`` says so. ``default_options`` are the
    ``SamplingOptions`` used wherever a caller does not choose, decided per checkpoint (``ddpm.defaults``);
    ``scheduler_options`` what the checkpoint's DDPMScheduler config itself says.
    """

    unet: UNet
    schedule: NoiseSchedule
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    dtype: torch.dtype = torch.float32
    default_options: SamplingOptions = field(default_factory=SamplingOptions)
    source: str = ""
    scheduler_options: SamplingOptions | None = None  # what the scheduler config says (default: default_options)
    default_why: str = ""  # one sentence: why ``default_options`` (``ddpm.defaults``)
    notes: list[str] = field(default_factory=list)
    cost: UNetCost | None = None  # parameters and activation memory per image (``UNetCost.of`` when not given)
    fast: bool = False  # through the fast path (``ddpm.engine``) instead of eager PyTorch
    _fast_path: FastPath | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        self.unet = self.unet.to(self.device, torch.float32).eval().requires_grad_(False)
        if self.cost is None:
            self.cost = UNetCost.of(self.unet.config)
        if self.scheduler_options is None:
            self.scheduler_options = self.default_options
        self._fast_path = self._new_fast_path()

    def _new_fast_path(self) -> FastPath | None:
        """On a CPU the fast path has an engine to prepare; on a GPU it is autocast and needs none."""
        return FastPath(self.unet, self.dtype, self.device) if self.fast and self.device.type == "cpu" else None

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
        self._fast_path = self._new_fast_path()
        return self

    @property
    def precision(self) -> Precision:
        return Precision(self.dtype, self.fast)

    @property
    def path(self) -> str:
        """Which path runs the network, in words: "exact (float32, eager)", "fast (openvino, float32)", …"""
        fast = self._fast_path
        if fast is None:
            return f"{self.precision.name} ({dtype_name(self.dtype)}, eager)"
        if fast.state == "ready":
            return f"fast ({fast.engine}, {dtype_name(self.dtype)})"
        if fast.state == "failed":
            return f"fast unavailable: eager {dtype_name(self.dtype)}"
        return f"fast ({dtype_name(self.dtype)}; the exact path serves while it is prepared)"

    def warm_up(self) -> Pipeline:
        """Prepare the fast path once (convert, compile, or read both from the disk cache), synchronously: returns
        when it is ready, or has failed (``notes`` then says why and the network runs eagerly). Nothing to do on the
        exact path or a GPU; calling it again costs nothing."""
        if self._fast_path is not None:
            self._fast_path.prepare()
            self._note_fallback()
        return self

    def warm_up_in_background(self) -> threading.Thread | None:
        """``warm_up()`` in a daemon thread (None when there is nothing to start); runs meanwhile take the exact
        path, each from its first step to its last."""
        return self._fast_path.start() if self._fast_path is not None else None

    def _note_fallback(self) -> None:
        note = self._fast_path.note if self._fast_path is not None else ""
        if note and note not in self.notes:
            self.notes.append(note)

    def _exact(self):
        """The float32 path: on CUDA without TF32 convolutions (cuDNN's default), so a GPU draws the CPU's pictures."""
        if self.device.type != "cuda":
            return nullcontext()
        cudnn = torch.backends.cudnn  # flags() resets what it is not given: pass the current settings on
        return cudnn.flags(
            enabled=cudnn.enabled, benchmark=cudnn.benchmark, deterministic=cudnn.deterministic, allow_tf32=False
        )

    def _exact_network(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        with self._exact():
            return self.unet(x_t, t).float()

    def _autocast_network(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        with torch.autocast(self.device.type, dtype=self.dtype):
            return self.unet(x_t, t).float()

    def network(self) -> Network:
        """The ε-network a run uses from its first step to its last, so that a run never mixes paths: the fast
        path's once ready (prepared here first when nobody has begun to), the exact one while it is being prepared,
        eager at the pipeline's precision otherwise."""
        fast = self._fast_path
        if fast is not None and fast.state == "cold":
            self.warm_up()
        if fast is not None and fast.network is not None:
            return fast.network
        self._note_fallback()
        if self.dtype == torch.float32 or (fast is not None and fast.state == "preparing"):
            return self._exact_network
        return self._autocast_network

    @torch.inference_mode()
    def eps(self, x_t: torch.Tensor, t: torch.Tensor, network: Network | None = None) -> torch.Tensor:
        """ε_θ(x_t, t) in float32, at the pipeline's precision, with the float32 fallback for non-finite output.
        ``network``: the one a run bound at its start (default: ``network()`` now)."""
        network = network or self.network()
        eps = network(x_t, t)
        if network != self._exact_network and not torch.isfinite(eps).all():
            note = f"{self.dtype} gave non-finite values at t={int(t[0])}; recomputed in float32."
            if note not in self.notes:
                warnings.warn(note, stacklevel=2)
                self.notes.append(note)
            eps = self._exact_network(x_t, t)
        return eps

    def options(self, options: SamplingOptions | None = None, **fields) -> SamplingOptions:
        """``options`` with the given fields replaced (a field given as None keeps its value). Without ``options``:
        this checkpoint's ``default_options`` — or, when a different ``sampler`` is named, ``sampler_options`` of
        it. Unknown fields are a ``DDPMError`` naming the options."""
        if options is None:
            named = fields.get("sampler")
            same = named is None or named == self.default_options.sampler
            options = self.default_options if same else self.sampler_options(named)
        return options.replace(**fields)

    def sampler_options(self, sampler: str) -> SamplingOptions:
        """How this checkpoint runs ``sampler`` when only the sampler is named: its scheduler config, as diffusers
        runs that sampler after swapping the scheduler in (so the multistep solvers do not clip x̂_0)."""
        options = self.scheduler_options.replace(sampler=sampler)
        return options.replace(clip_sample=False) if sampler in MULTISTEP_SOLVERS else options

    def denoise(
        self,
        batch_size: int = 1,
        sampler: str | None = None,
        num_steps: int | None = None,
        eta: float | None = None,
        seed: int | None = 0,
        *,
        options: SamplingOptions | None = None,
        x_T: torch.Tensor | None = None,
        timesteps: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        **fields,
    ) -> Iterator[DenoiseStep]:
        """Yield every step of a seeded reverse run (see ``ddpm.sampling.denoise``); tensors in [-1, 1].

        The keywords are a front door to ``SamplingOptions``: ``sampler``, ``num_steps``, ``eta`` and any other
        option field (``clip_sample=False``, ``spacing="trailing"``) replace those of ``options`` (default: the
        checkpoint's ``default_options``). The seed makes a CPU generator (the same picture on every device); x_T
        is drawn from it first, then the step noise, in the order diffusers' DDPMPipeline draws them.
        """
        run_options = self.options(options, sampler=sampler, num_steps=num_steps, eta=eta, **fields)
        if generator is None:
            generator = torch.Generator().manual_seed(seed) if seed is not None else torch.Generator()
        if x_T is None:
            if batch_size < 1:
                raise DDPMError(f"The batch size must be at least 1; got {batch_size}.")
            x_T = randn((batch_size, *self.image_shape), generator, self.device)
        # No inference_mode() around a generator: grad mode is thread-local and a UI may resume us on another
        # thread. ``eps`` runs the network under inference_mode; the sampler's arithmetic needs no grad anyway.
        # A pipeline whose fast path may become ready mid-run binds its network for the whole run.
        model = self.eps if self._fast_path is None else partial(self.eps, network=self.network())
        yield from denoise(
            model,
            self.schedule,
            x_T.to(self.device, torch.float32),
            run_options,
            timesteps=timesteps,
            generator=generator,
        )

    def sample(
        self,
        batch_size: int = 16,
        sampler: str | None = None,
        num_steps: int | None = None,
        eta: float | None = None,
        seed: int | None = 0,
        **kwargs,
    ) -> np.ndarray:
        """The final images of a seeded run as uint8 (B, H, W, C); keywords as ``denoise``."""
        return to_uint8(run_to_end(self.denoise(batch_size, sampler, num_steps, eta, seed, **kwargs)).x_t)
