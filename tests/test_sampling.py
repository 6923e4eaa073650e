"""Reverse process without a network: the exact ε* of Gaussian data, trajectory shape, determinism, validation."""

import pytest
import torch

from ddpm import DDPMError, NoiseSchedule
from ddpm.sampling import denoise, sample_loop, timesteps_for

MU, SIGMA = 0.4, 0.25  # data distribution N(μ, σ²), per pixel


def optimal_eps(schedule):
    """ε*(x_t, t) = E[ε | x_t] for x_0 ~ N(μ, σ²): x_t ~ N(√ᾱ μ, ᾱσ² + 1 - ᾱ), Cov(ε, x_t) = √(1-ᾱ)."""

    def model(x_t, t):
        ab = schedule.alpha_bars[t].to(x_t).reshape(-1, 1, 1, 1)
        return (1 - ab).sqrt() * (x_t - ab.sqrt() * MU) / (ab * SIGMA**2 + 1 - ab)

    return model


def exact_output_law(schedule, timesteps, sampler, variance_type, eta):
    """Mean and std of the sampler's output for Gaussian data, with no Monte Carlo.

    With ε = ε*, every step is affine in x_t plus independent Gaussian noise, x_prev = A x_t + B + s z, so a Gaussian
    N(m, v) goes to N(A m + B, A² v + s²). A, B and s are written here from the papers, straight from the training
    ᾱ table (not from ``ddpm.sampling`` or ``respace``): x̂0 = (a σ² x_t + b² μ) / V with a = √ᾱ_t, b = √(1-ᾱ_t),
    V = a²σ² + b²; DDPM (Ho Eq. 7) and DDIM (Song Eq. 12, 16) then mix x̂0 and x_t.
    """
    ab_all = schedule.alpha_bars
    m, v = 0.0, 1.0  # x_T ~ N(0, 1)
    for i, t in enumerate(timesteps):
        ab = ab_all[t].item()
        ab_prev = ab_all[timesteps[i + 1]].item() if i + 1 < len(timesteps) else 1.0
        a, b = ab**0.5, (1 - ab) ** 0.5
        V = a * a * SIGMA**2 + b * b
        x0_A, x0_B = a * SIGMA**2 / V, MU * b * b / V  # x̂0 = x0_A x_t + x0_B
        beta = 1 - ab / ab_prev
        tilde_beta = (1 - ab_prev) / (1 - ab) * beta
        last = i + 1 == len(timesteps)
        if sampler == "ddpm":
            c1, c2 = ab_prev**0.5 * beta / (1 - ab), (1 - beta) ** 0.5 * (1 - ab_prev) / (1 - ab)
            A, B = c1 * x0_A + c2, c1 * x0_B
            s2 = 0.0 if last else (tilde_beta if variance_type == "fixed_small" else beta)
        else:
            s2 = eta**2 * tilde_beta
            eps_A, eps_B = b / V, -b * a * MU / V  # ε* = (b/V)(x_t - aμ)
            d = (1 - ab_prev - s2) ** 0.5
            A, B = ab_prev**0.5 * x0_A + d * eps_A, ab_prev**0.5 * x0_B + d * eps_B
        m, v = A * m + B, A * A * v + s2
    return m, v**0.5


@pytest.mark.parametrize(
    ("sampler", "num_steps", "spacing", "variance_type", "eta"),
    [
        ("ddpm", None, "leading", "fixed_small", 0.0),
        ("ddpm", None, "leading", "fixed_large", 0.0),
        ("ddpm", 100, "leading", "fixed_small", 0.0),
        ("ddpm", 100, "trailing", "fixed_large", 0.0),
        ("ddim", 50, "leading", "fixed_small", 0.0),
        ("ddim", 100, "linspace", "fixed_small", 0.0),
        ("ddim", 50, "trailing", "fixed_small", 1.0),
        ("ddim", 1000, "leading", "fixed_small", 0.0),
    ],
)
def test_sampler_recovers_gaussian_data(sampler, num_steps, spacing, variance_type, eta):
    s = NoiseSchedule.make("linear", 1000)
    g = torch.Generator().manual_seed(0)
    x_T = torch.randn(4000, 1, 4, 4, generator=g, dtype=torch.float64)  # 64,000 pixels
    x0 = sample_loop(
        optimal_eps(s),
        s,
        x_T,
        sampler=sampler,
        num_steps=num_steps,
        spacing=spacing,
        eta=eta,
        variance_type=variance_type,
        clip_sample=False,
        generator=g,
    )
    mean, std = exact_output_law(
        s, timesteps_for(1000, num_steps or 1000, spacing).tolist(), sampler, variance_type, eta
    )
    # Monte Carlo: 5 standard errors of the mean (σ/√n) and of the std (σ/√(2n)) over n = 64,000 pixels.
    n = x0.numel()
    assert x0.mean().item() == pytest.approx(mean, abs=5 * std / n**0.5)
    assert x0.std().item() == pytest.approx(std, abs=5 * std / (2 * n) ** 0.5)
    assert mean == pytest.approx(MU, abs=0.002)
    if num_steps in (None, 1000):  # the full chains recover the data law itself
        assert std == pytest.approx(SIGMA, abs=0.01)
    else:  # short chains are biased (β̃ ignores Var[x0 | x_t], Bao et al. 2022), but not wildly
        assert SIGMA * 0.8 < std < SIGMA * 1.1


def test_without_the_right_model_the_data_is_not_recovered():
    """The check above can fail: a model that always says ε = 0 does not produce N(μ, σ²)."""
    s = NoiseSchedule.make("linear", 1000)
    g = torch.Generator().manual_seed(0)
    x0 = sample_loop(
        lambda x, t: torch.zeros_like(x),
        s,
        torch.randn(500, 1, 4, 4, generator=g),
        sampler="ddim",
        num_steps=50,
        clip_sample=False,
    )
    assert abs(x0.std().item() - SIGMA) > 0.1


def test_trajectory_shape_first_and_last_frames():
    s = NoiseSchedule.make("linear", 1000)
    x_T = torch.randn(2, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    x_T_copy = x_T.clone()
    steps = list(denoise(optimal_eps(s), s, x_T, sampler="ddim", num_steps=20, generator=torch.Generator()))
    assert len(steps) == 21  # x_T, one frame per step, then the final sample
    assert [st.index for st in steps] == list(range(21))
    assert [st.timestep for st in steps] == timesteps_for(1000, 20).tolist() + [-1]
    assert torch.equal(steps[0].x_t, x_T) and torch.equal(x_T, x_T_copy)
    assert torch.equal(steps[-1].x_t, steps[-1].x0_pred)
    assert not torch.equal(steps[-1].x_t, steps[-2].x_t)  # the final sample is not a duplicate of the last x_t
    for st in steps:
        assert st.x_t.shape == st.x0_pred.shape == x_T.shape


def test_same_seed_is_bit_identical_and_different_seeds_differ():
    s = NoiseSchedule.make("cosine", 1000)

    def run(seed, sampler="ddpm", **kw):
        g = torch.Generator().manual_seed(seed)
        x_T = torch.randn(2, 1, 4, 4, generator=g)
        return sample_loop(optimal_eps(s), s, x_T, sampler=sampler, num_steps=50, generator=g, **kw)

    assert torch.equal(run(7), run(7))
    assert not torch.equal(run(7), run(8))
    # DDIM with η = 0 is deterministic given x_T: the generator's later draws do not matter.
    x_T = torch.randn(2, 1, 4, 4, generator=torch.Generator().manual_seed(1))
    a = sample_loop(optimal_eps(s), s, x_T, sampler="ddim", num_steps=10, generator=torch.Generator().manual_seed(1))
    b = sample_loop(optimal_eps(s), s, x_T, sampler="ddim", num_steps=10, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b)


def test_explicit_timesteps_start_the_chain_lower():
    s = NoiseSchedule.make("linear", 1000)
    ts = [300, 200, 100, 0]
    steps = list(denoise(optimal_eps(s), s, torch.zeros(1, 1, 2, 2), timesteps=ts, generator=torch.Generator()))
    assert [st.timestep for st in steps] == ts + [-1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sampler": "euler"}, "Unknown sampler 'euler'"),
        ({"variance_type": "learned"}, "Unknown variance type"),
        ({"spacing": "middle"}, "Unknown timestep spacing"),
        ({"eta": 1.5, "sampler": "ddim"}, "η must be between"),
        ({"num_steps": 2000}, "between 1 and 1000"),
        ({"timesteps": [0, 10, 20]}, "distinct and descending"),
        ({"timesteps": [20, 20, 0]}, "distinct and descending"),
    ],
)
def test_bad_options_raise_before_any_model_call(kwargs, match):
    s = NoiseSchedule.make("linear", 1000)

    def model(x, t):
        raise AssertionError("the model must not be called")

    with pytest.raises(DDPMError, match=match):
        next(denoise(model, s, torch.zeros(1, 1, 2, 2), **kwargs))


def test_the_loop_asks_the_runs_sampler_for_every_step_in_chain_order(monkeypatch):
    """A sampler plugs in through the interface alone: the loop hands it (k, x_t, ε) from k = K-1 down to 0 and
    yields what it returns; a fresh sampler object serves each run."""
    from ddpm import samplers, sampling

    calls, made = [], []

    class Halving(samplers.Sampler):
        def __init__(self, chain, options):
            super().__init__(chain, options)
            made.append(self)

        def step(self, k, x_t, eps, generator):
            calls.append((k, float(x_t.flatten()[0]), float(eps.flatten()[0])))
            return samplers.StepOutput(x_t / 2, x_t * 0 + k)

    monkeypatch.setitem(sampling.SAMPLERS, "ddim", Halving)
    s = NoiseSchedule.make("linear", 1000)
    steps = list(
        denoise(
            lambda x, t: t.float().reshape(-1, 1, 1, 1) + 0 * x, s, torch.ones(1, 1, 2, 2), sampler="ddim", num_steps=4
        )
    )
    assert [k for k, _, _ in calls] == [3, 2, 1, 0] and len(made) == 1
    assert [x for _, x, _ in calls] == [1.0, 0.5, 0.25, 0.125]
    assert [e for _, _, e in calls] == timesteps_for(1000, 4).tolist()  # ε came from the model at t_k
    assert [float(st.x0_pred.flatten()[0]) for st in steps[:-1]] == [3, 2, 1, 0]
    assert float(steps[-1].x_t.flatten()[0]) == 1 / 16
    list(denoise(lambda x, t: 0 * x, s, torch.ones(1, 1, 2, 2), sampler="ddim", num_steps=2))
    assert len(made) == 2


@pytest.mark.parametrize("sampler", ["ddpm", "ddim"])
def test_the_loop_runs_on_points_as_well_as_images(sampler):
    """Nothing in the loop assumes (B, C, H, W): 2-D points (B, 2) follow the same exact output law."""
    s = NoiseSchedule.make("linear", 1000)

    def model(x_t, t):
        ab = s.alpha_bars[t].to(x_t).reshape(-1, 1)
        return (1 - ab).sqrt() * (x_t - ab.sqrt() * MU) / (ab * SIGMA**2 + 1 - ab)

    x_T = torch.randn(20_000, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x0 = sample_loop(
        model, s, x_T, sampler=sampler, num_steps=50, clip_sample=False, generator=torch.Generator().manual_seed(1)
    )
    mean, std = exact_output_law(s, timesteps_for(1000, 50).tolist(), sampler, "fixed_small", 0.0)
    assert x0.shape == (20_000, 2)
    assert abs(x0.mean().item() - mean) < 0.01 and abs(x0.std().item() - std) < 0.01
