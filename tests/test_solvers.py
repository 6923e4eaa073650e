"""DPM-Solver++(2M), its SDE variant and UniPC: parity with diffusers' schedulers (timesteps, every step, whole runs
of the bundled model), and convergence orders measured against an exact probability-flow ODE solution."""

import numpy as np
import pytest
import torch
from diffusers import DDPMScheduler, DPMSolverMultistepScheduler, UNet2DModel, UniPCMultistepScheduler

from ddpm import DDPMError, NoiseSchedule, load_pipeline
from ddpm.images import to_uint8
from ddpm.options import solver_timesteps
from ddpm.sampling import SamplingOptions, denoise

SOLVERS = {  # our name → the diffusers scheduler a user swaps in, with its options
    "dpmpp_2m": (DPMSolverMultistepScheduler, {}),
    "dpmpp_2m_sde": (DPMSolverMultistepScheduler, {"algorithm_type": "sde-dpmsolver++"}),
    "unipc": (UniPCMultistepScheduler, {}),
}


def swapped_scheduler(name: str, base_config, **changes):
    """What a diffusers user gets from ``Scheduler.from_config(pipe.scheduler.config)``."""
    cls, options = SOLVERS[name]
    return cls.from_config(base_config, **options, **changes)


def diffusers_loop(scheduler, model, x, generator, num_steps):
    """diffusers' denoising loop; returns the sample before every step and the final one."""
    scheduler.set_timesteps(num_steps)
    extra = {"generator": generator} if "generator" in scheduler.step.__code__.co_varnames else {}
    xs = [x]
    for t in scheduler.timesteps:
        eps = model(x, torch.full((x.shape[0],), int(t)))
        x = scheduler.step(eps, t, x, **extra).prev_sample
        xs.append(x)
    return xs


def toy_eps(x, t):
    """A nonlinear ε-model of x and t, so a wrong coefficient cannot hide."""
    return torch.tanh(0.7 * x + t.float().reshape(-1, 1, 1, 1) / 1000.0) + 0.1 * x


@pytest.mark.parametrize("name", list(SOLVERS))
@pytest.mark.parametrize("spacing", ["leading", "linspace", "trailing"])
@pytest.mark.parametrize("num_steps", [1, 2, 5, 7, 20, 50, 999])
def test_timesteps_match_diffusers(name, spacing, num_steps):
    theirs = swapped_scheduler(name, DDPMScheduler().config, timestep_spacing=spacing)
    theirs.set_timesteps(num_steps)
    ours = SamplingOptions(sampler=name, num_steps=num_steps, spacing=spacing).timesteps(1000)
    assert ours.tolist() == theirs.timesteps.tolist()


def test_solver_steps_are_bounded_with_a_sentence():
    with pytest.raises(DDPMError, match="between 1 and 999 steps with leading spacing; got 1000"):
        solver_timesteps(1000, 1000, "leading")
    assert solver_timesteps(1000, None, "trailing").tolist() == list(range(999, -1, -1))
    assert len(solver_timesteps(1000, None, "linspace")) == 999


@pytest.mark.parametrize("name", list(SOLVERS))
@pytest.mark.parametrize("spacing", ["leading", "linspace", "trailing"])
@pytest.mark.parametrize("num_steps", [1, 2, 5, 20])
def test_every_step_matches_diffusers(name, spacing, num_steps):
    """Same x_T, same generator, same ε-model: the sample before every step agrees to float32 rounding (x̂_0 near
    t = T-1 divides by √ᾱ ≈ 0.006, so diffusers' float32 σ table against our float64 one shows at ~1e-4)."""
    theirs = swapped_scheduler(name, DDPMScheduler().config, timestep_spacing=spacing)
    g = torch.Generator().manual_seed(0)
    x_T = torch.randn(2, 3, 8, 8, generator=g)
    expected = diffusers_loop(theirs, toy_eps, x_T, g, num_steps)
    g = torch.Generator().manual_seed(0)
    x_T = torch.randn(2, 3, 8, 8, generator=g)
    options = SamplingOptions(sampler=name, num_steps=num_steps, spacing=spacing, clip_sample=False)
    steps = list(denoise(toy_eps, NoiseSchedule.make("linear", 1000), x_T, options, generator=g))
    assert len(steps) == len(expected) == num_steps + 1
    for ours, theirs_x in zip(steps, expected, strict=True):
        torch.testing.assert_close(ours.x_t, theirs_x, atol=5e-4, rtol=1e-4)
    assert steps[-1].timestep == -1 and torch.equal(steps[-1].x0_pred, steps[-1].x_t)


@pytest.mark.parametrize("name", list(SOLVERS))
def test_bundled_model_run_matches_diffusers_with_the_swapped_scheduler(name, bundled_model_dir):
    """pipe.sample(…, clip_sample=False, spacing="leading") = diffusers' loop with the scheduler swapped in, on the
    same weights and the same x_T: at most one level of 255 anywhere."""
    pipe = load_pipeline(str(bundled_model_dir), device="cpu")
    ours = pipe.sample(batch_size=16, sampler=name, num_steps=20, seed=0, clip_sample=False, spacing="leading")
    unet = UNet2DModel.from_pretrained(bundled_model_dir / "unet").eval()
    base = DDPMScheduler.from_pretrained(bundled_model_dir / "scheduler").config
    g = torch.Generator().manual_seed(0)
    x_T = torch.randn(16, *pipe.image_shape, generator=g)
    with torch.no_grad():
        final = diffusers_loop(swapped_scheduler(name, base), lambda x, t: unet(x, t).sample, x_T, g, 20)[-1]
    difference = np.abs(ours.astype(int) - to_uint8(final).astype(int))
    assert difference.max() <= 1, f"{name}: {difference.max()} levels apart"


# ---------------------------------------------------------------------------------------- the exact ODE oracle
MU, S = 0.4, 0.25  # data N(μ, s²) per pixel


def exact_eps(schedule: NoiseSchedule):
    """ε*(x_t, t) = E[ε | x_t] = √(1-ᾱ_t) (x_t - √ᾱ_t μ) / (ᾱ_t s² + 1 - ᾱ_t) for Gaussian data."""

    def eps(x, t):
        a = schedule.alpha_bars[t].reshape(-1, 1, 1, 1).to(x.dtype)
        return (1 - a).sqrt() * (x - a.sqrt() * MU) / (a * S**2 + 1 - a)

    return eps


def pf_ode_solution(schedule: NoiseSchedule, x_start, t_start: int, t_end: int):
    """Along the probability-flow ODE, (x_t - √ᾱ_t μ) / √(ᾱ_t s² + 1 - ᾱ_t) stays constant."""
    a0, a1 = schedule.alpha_bars[t_start], schedule.alpha_bars[t_end]
    z = (x_start - a0.sqrt() * MU) / (a0 * S**2 + 1 - a0).sqrt()
    return a1.sqrt() * MU + (a1 * S**2 + 1 - a1).sqrt() * z


def measured_order(sampler: str, step_counts=(32, 64, 128)) -> tuple[float, list[float]]:
    """Slope of log error against log K, on a fine cosine schedule (T = 50,000, so whole timesteps barely disturb a
    grid uniform in λ) from λ = -4 to λ = 3. The error is taken at λ = 3, before the jump to σ = 0."""
    schedule = NoiseSchedule.make("cosine", 50_000)
    lam = (0.5 * schedule.log_snr).numpy()
    t_start, t_end = int(np.abs(lam + 4).argmin()), int(np.abs(lam - 3).argmin())
    x_T = torch.randn(1, 1, 8, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    exact = pf_ode_solution(schedule, x_T, t_start, t_end)
    errors = []
    for K in step_counts:
        grid = np.linspace(lam[t_start], lam[t_end], K + 1)
        timesteps = torch.tensor([int(np.abs(lam - v).argmin()) for v in grid])
        options = SamplingOptions(sampler=sampler, clip_sample=False)
        before_last = list(denoise(exact_eps(schedule), schedule, x_T, options, timesteps=timesteps))[-2]
        assert before_last.timestep == t_end
        errors.append(float((before_last.x_t - exact).abs().max()))
    return -np.polyfit(np.log(step_counts), np.log(errors), 1)[0], errors


@pytest.mark.parametrize(
    ("sampler", "low", "high"),
    [("ddim", 0.9, 1.1), ("dpmpp_2m", 1.8, 2.2), ("unipc", 2.7, 3.3)],  # UniC raises UniP-2's order by one
)
def test_ode_solvers_converge_to_the_exact_pf_ode_solution_at_their_order(sampler, low, high):
    order, errors = measured_order(sampler)
    assert errors[-1] < 0.02
    assert low <= order <= high, f"{sampler}: order {order:.2f}, errors {errors}"


def test_final_step_lands_on_the_denoised_mean():
    """The last step goes to σ = 0 and returns x̂_0 of the last visited timestep, for every multistep solver."""
    schedule = NoiseSchedule.make("linear", 1000)
    x_T = torch.randn(2, 1, 4, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    for name in SOLVERS:
        steps = list(denoise(exact_eps(schedule), schedule, x_T, sampler=name, num_steps=10, clip_sample=False))
        assert torch.allclose(steps[-1].x_t, steps[-2].x0_pred, atol=1e-12)


def test_deterministic_flag():
    assert SamplingOptions(sampler="dpmpp_2m").deterministic and SamplingOptions(sampler="unipc").deterministic
    assert SamplingOptions(sampler="ddim", eta=0.0).deterministic
    assert not SamplingOptions(sampler="ddim", eta=0.5).deterministic
    assert not SamplingOptions(sampler="dpmpp_2m_sde").deterministic and not SamplingOptions().deterministic
