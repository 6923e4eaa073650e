"""benchmarks/emoji_quality.py: the emoji judge puts real emoji at its floor and spoiled ones far above it."""

import numpy as np
import pytest
import torch

from benchmarks import emoji_quality as eq
from ddpm.images import to_uint8


@pytest.fixture(scope="module")
def emoji():
    try:
        return eq.emoji_set()
    except Exception as err:  # the font is missing: training.emoji says how to install it
        pytest.skip(str(err))


@pytest.mark.slow
def test_spoiled_emoji_score_far_above_the_real_floor(emoji):
    judge = eq.load_judge(emoji)
    floor = np.mean(eq.scores(judge, emoji, 300))
    for name in ("blurred, σ = 1 px", "pixel mean of two emoji", "five emoji repeated", "colours swapped (RGB → BRG)"):
        assert np.mean(eq.scores(judge, emoji, 300, spoil=eq.CHECKS[name])) > 4 * floor, name
    assert np.mean(eq.scores(judge, emoji, 300, spoil=eq.CHECKS["noise, σ = 0.3"])) > 2 * floor


def test_the_judge_is_the_same_everywhere_and_the_halves_are_disjoint(emoji):
    a, b = eq.load_judge(emoji[:200]), eq.load_judge(emoji[:200])
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=True))
    split = eq.halves(emoji, 0)
    assert len(split.reference) == len(split.floor) == len(emoji) // 2
    rows = {r.numpy().tobytes() for r in split.reference}
    assert not any(r.numpy().tobytes() in rows for r in split.floor)


def test_samples_are_read_from_an_npz_file(emoji, tmp_path, capsys):
    path = tmp_path / "s.npz"
    np.savez(path, images=to_uint8(emoji[:100]))
    eq.main(["--npz", str(path), "--num", "100"])
    out = capsys.readouterr().out
    assert f"| {path} | 100 |" in out and "5 sets" in out
