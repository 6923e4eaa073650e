"""ddpm: a small, readable torch implementation of Denoising Diffusion Probabilistic Models (Ho et al. 2020)."""

from .errors import DDPMError
from .hub import load_pipeline, save_pipeline
from .pipeline import Pipeline
from .schedule import NoiseSchedule

__all__ = ["DDPMError", "NoiseSchedule", "Pipeline", "load_pipeline", "save_pipeline"]
