"""The 2D lab's library: exact density, score and ε* of noised mixtures, datasets, paths, the MLP and its training."""

import math

import pytest
import torch

from ddpm import DDPMError, NoiseSchedule
from ddpm.lab2d import data
from ddpm.lab2d.exact import (
    GaussianMixture,
    IdealDenoiser,
    eight_gaussians_mixture,
    ideal_eps,
    log_density,
    posterior_mean,
    score,
)
from ddpm.lab2d.fit import TrainConfig, train_steps
from ddpm.lab2d.metrics import mean_nearest_distance
from ddpm.lab2d.mlp import EpsMLP, MLPConfig
from ddpm.lab2d.paths import ReversePath, forward_paths
from ddpm.memorisation import nearest
from ddpm.sampling import denoise, sample_loop

S = NoiseSchedule.make("linear", 1000)


def random_mixture(seed=0, K=5) -> GaussianMixture:
    """Components of different widths, one of them a point mass, with unequal weights (float64)."""
    g = torch.Generator().manual_seed(seed)
    means = torch.randn(K, 2, generator=g, dtype=torch.float64) * 0.7
    variances = torch.rand(K, generator=g, dtype=torch.float64) * 0.05
    variances[0] = 0.0
    weights = torch.rand(K, generator=g, dtype=torch.float64) + 0.2
    return GaussianMixture(means, variances, (weights / weights.sum()).log())


@pytest.mark.parametrize("t", [0, 10, 250, 999])
def test_score_is_the_gradient_of_the_exact_log_density(t):
    mixture = random_mixture()
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64).requires_grad_()
    (autograd,) = torch.autograd.grad(log_density(mixture, S, x, t).sum(), x)
    assert torch.allclose(score(mixture, S, x.detach(), t), autograd, rtol=1e-9, atol=1e-9)


def test_score_takes_one_timestep_per_sample():
    mixture = random_mixture()
    x = torch.randn(6, 2, dtype=torch.float64)
    ts = torch.tensor([0, 5, 100, 400, 700, 999])
    batched = score(mixture, S, x, ts)
    one_by_one = torch.cat([score(mixture, S, x[i : i + 1], int(ts[i])) for i in range(6)])
    assert torch.allclose(batched, one_by_one, rtol=1e-12, atol=1e-12)


def test_log_density_integrates_to_one():
    mixture, t = random_mixture(), 300
    side = torch.linspace(-5, 5, 401, dtype=torch.float64)
    xs, ys = torch.meshgrid(side, side, indexing="xy")
    q = log_density(mixture, S, torch.stack([xs.ravel(), ys.ravel()], 1), t).exp()
    assert q.sum().item() * (side[1] - side[0]).item() ** 2 == pytest.approx(1.0, abs=1e-4)


def test_score_matches_a_monte_carlo_estimate():
    """∇log q(x) = E[∇N(x; √ᾱ x_0, σ² I)] / E[N(x; √ᾱ x_0, σ² I)] over x_0 drawn from the data (here 400k draws
    of the 8-Gaussian mixture, whose components have width: not the formula's own sum over components)."""
    mixture, t = eight_gaussians_mixture().to(torch.float64), 200
    x0 = data.eight_gaussians(400_000, torch.Generator().manual_seed(0))
    a, var = S.sqrt_alpha_bars[t].item(), 1 - S.alpha_bars[t].item()
    x = torch.tensor([[0.3, 0.2], [-0.9, 0.1], [1.2, -1.0], [0.0, 0.0]], dtype=torch.float64)
    diff = x[:, None, :] - a * x0[None]  # (4, M, 2)
    kernel = torch.exp(-diff.square().sum(-1) / (2 * var))  # (4, M)
    mc = -(kernel[..., None] * diff).sum(1) / var / kernel.sum(1, keepdim=True)
    assert torch.allclose(score(mixture, S, x, t), mc, rtol=0.02, atol=0.02)


def test_ideal_eps_is_tweedie_on_a_tiny_cloud():
    """ε* from the posterior mean E[x_0 | x_t] computed by hand with Bayes' rule over three points."""
    points = torch.tensor([[0.5, 0.5], [-0.5, 0.2], [0.1, -0.7]], dtype=torch.float64)
    cloud = GaussianMixture.empirical(points)
    x = torch.tensor([[0.2, 0.1], [-1.0, 1.0]], dtype=torch.float64)
    for t in (0, 30, 300, 999):
        a, var = math.sqrt(S.alpha_bars[t].item()), 1 - S.alpha_bars[t].item()
        expected = []
        for xt in x:
            logs = [-((xt - a * p) ** 2).sum().item() / (2 * var) for p in points]
            top = max(logs)
            weights = [math.exp(v - top) for v in logs]
            expected.append(sum(w * p for w, p in zip(weights, points, strict=True)) / sum(weights))
        expected = torch.stack(expected)
        assert torch.allclose(posterior_mean(cloud, S, x, t), expected, rtol=1e-10, atol=1e-12)
        eps = (x - a * expected) / math.sqrt(var)
        assert torch.allclose(ideal_eps(cloud, S, x, t), eps, rtol=1e-8, atol=1e-8)
        # Tweedie: ε* = −σ_t ∇log q(x_t), the gradient by autograd
        xg = x.clone().requires_grad_()
        (grad,) = torch.autograd.grad(log_density(cloud, S, xg, t).sum(), xg)
        assert torch.allclose(ideal_eps(cloud, S, x, t), -math.sqrt(var) * grad, rtol=1e-6, atol=1e-6)


def test_ideal_eps_is_finite_far_from_the_data_at_t_0():
    cloud = GaussianMixture.empirical(torch.tensor([[0.0, 0.0], [0.5, 0.5]]))
    eps = ideal_eps(cloud, S, torch.tensor([[40.0, -40.0]]), 0)
    assert torch.isfinite(eps).all() and eps.abs().min() > 100  # 40 / √β_0 = 4000


def test_ddpm_with_the_ideal_denoiser_recovers_the_data_moments():
    """DDPM over all 1000 steps with the exact ε* of the 8-Gaussian mixture: its samples have the mixture's mean and
    covariance, (R²/2 + v) I."""
    mixture = eight_gaussians_mixture()
    x_T = torch.randn(4000, 2, generator=torch.Generator().manual_seed(0))
    x0 = sample_loop(IdealDenoiser(mixture, S), S, x_T, clip_sample=False, generator=torch.Generator().manual_seed(1))
    expected_var = data.EIGHT_GAUSSIANS_RADIUS**2 / 2 + data.EIGHT_GAUSSIANS_STD**2
    assert x0.mean(0).abs().max() < 0.03
    assert torch.allclose(torch.cov(x0.T), expected_var * torch.eye(2), atol=0.03)
    radii = x0.norm(dim=1)  # and the shape: on the circle, within the components' width
    assert (radii - data.EIGHT_GAUSSIANS_RADIUS).abs().median() < 2 * data.EIGHT_GAUSSIANS_STD


@pytest.mark.parametrize(("sampler", "steps"), [("ddpm", None), ("ddim", 50), ("dpmpp_2m", 200), ("unipc", 200)])
def test_the_ideal_denoiser_brings_every_sample_onto_a_training_point(sampler, steps):
    """Six points far apart compared with σ at the last visited timestep (the solvers end on x̂_0 there, a blend of
    points closer than that σ). The second-order solvers need many steps: at 50, about 1 % of their samples land
    ≈ 0.1 off, where x̂_0 jumps from one point to another and their extrapolation overshoots."""
    angles = torch.arange(6) * math.pi / 3
    points = 0.7 * torch.stack([angles.cos(), angles.sin()], dim=1)
    x_T = torch.randn(300, 2, generator=torch.Generator().manual_seed(4))
    model = IdealDenoiser(GaussianMixture.empirical(points), S)
    x0 = sample_loop(
        model, S, x_T, sampler=sampler, num_steps=steps, clip_sample=False, generator=torch.Generator().manual_seed(5)
    )
    assert nearest(x0, points).distance.max() < 1e-3
    assert len(set(torch.cdist(x0, points).argmin(1).tolist())) == 6  # every point is reached, not one attractor


def test_pf_ode_paths_are_deterministic_and_ddpm_paths_are_not():
    model = IdealDenoiser(GaussianMixture.empirical(data.make_points("two_moons", 50, torch.Generator())), S)
    x_T = torch.randn(20, 2, generator=torch.Generator().manual_seed(0))

    def path(sampler, seed):
        steps = denoise(
            model,
            S,
            x_T,
            sampler=sampler,
            num_steps=40,
            clip_sample=False,
            generator=torch.Generator().manual_seed(seed),
        )
        return ReversePath.of(steps)

    ode = path("dpmpp_2m", 0)
    assert ode.points.shape == (41, 20, 2) and ode.timesteps[-1] == -1
    assert torch.equal(ode.points, path("dpmpp_2m", 1).points)
    assert not torch.equal(path("ddpm", 0).points, path("ddpm", 1).points)


@pytest.mark.parametrize("name", data.DATASET_NAMES)
def test_datasets_lie_in_the_unit_square_and_are_seeded(name):
    a = data.make_points(name, 3000, torch.Generator().manual_seed(0))
    b = data.make_points(name, 3000, torch.Generator().manual_seed(0))
    assert a.shape == (3000, 2) and a.dtype == torch.float32 and torch.equal(a, b)
    assert a.abs().max() <= 1.0 and a.std(0).min() > 0.2


def test_unknown_dataset_and_sizes_are_sentences():
    with pytest.raises(DDPMError, match="choose one of"):
        data.make_points("spiral", 10, torch.Generator())
    with pytest.raises(DDPMError, match="between 1 and"):
        data.make_points("ring", 0, torch.Generator())
    with pytest.raises(DDPMError, match="no ink"):
        data.points_from_ink(torch.zeros(20, 20, dtype=torch.bool), 10, torch.Generator())


def test_points_from_ink_fall_on_the_ink():
    ink = torch.zeros(100, 50, dtype=torch.bool)
    ink[10:20, 5:45] = True  # a bar at the top
    ink[20:90, 20:30] = True  # and a stem: a T
    points = data.points_from_ink(ink, 2000, torch.Generator().manual_seed(0))
    assert points.abs().max() <= 0.95
    scale = 1.9 / 80  # the ink's box (80 rows) spans ±0.95
    cols = (points[:, 0] / scale + 25).floor().long()  # the ink's box is centred: columns 5…44, rows 10…89
    rows = (-(points[:, 1] / scale) + 50).floor().long()
    assert ink[rows.clamp(0, 99), cols.clamp(0, 49)].all()
    assert (points[:, 1] > 0.7).float().mean() == pytest.approx(400 / 1100, abs=0.05)  # the bar's share of the ink


def test_forward_paths_end_in_the_standard_normal():
    x0 = data.make_points("checkerboard", 4000, torch.Generator().manual_seed(0))
    paths = forward_paths(S, x0, torch.Generator().manual_seed(1))
    assert paths.shape == (1001, 4000, 2) and torch.equal(paths[0], x0)
    end = paths[-1]
    assert end.mean(0).abs().max() < 0.06 and (end.var(0) - 1).abs().max() < 0.08


def test_nearest_distances():
    data_points = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    samples = torch.tensor([[0.0, 0.5], [1.0, 0.0], [3.0, 4.0]])
    assert nearest(samples, data_points).distance.tolist() == pytest.approx([0.5, 0.0, math.hypot(2, 4)])
    assert mean_nearest_distance(samples, data_points) == pytest.approx((0.5 + math.hypot(2, 4)) / 3)


def test_mlp_takes_a_batch_of_points_and_timesteps():
    model = EpsMLP(MLPConfig(hidden=32, blocks=2, time_dim=16))
    out = model(torch.randn(7, 2), torch.randint(0, 1000, (7,)))
    assert out.shape == (7, 2)
    with pytest.raises(AssertionError):
        model(torch.randn(7, 3), torch.zeros(7, dtype=torch.long))


@pytest.mark.slow
def test_training_reduces_the_loss_and_its_samples_approach_the_data():
    points = data.make_points("eight_gaussians", 500, torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    model = EpsMLP(MLPConfig(hidden=64, blocks=2, time_dim=32))
    reports = list(train_steps(model, S, points, TrainConfig(steps=800, batch_size=256, report_every=100)))
    assert reports[-1].done and reports[-1].step == 800 and not model.training
    assert reports[-1].loss < 0.8 * reports[0].loss
    x_T = torch.randn(500, 2, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        x0 = sample_loop(model, S, x_T, sampler="ddim", num_steps=100, clip_sample=False)
    assert mean_nearest_distance(x0, points) < 0.25 * mean_nearest_distance(x_T, points)


def test_stopping_the_training_generator_stops_the_training():
    model = EpsMLP(MLPConfig(hidden=16, blocks=1, time_dim=8))
    steps = train_steps(model, S, torch.randn(64, 2), TrainConfig(steps=10_000, batch_size=32, report_every=5))
    first = next(steps)
    steps.close()
    assert first.step == 5 and not first.done
