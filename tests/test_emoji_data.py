"""training/emoji.py: `train.py --data emoji` renders one 32×32 RGB image per distinct emoji of Noto Color Emoji."""

import numpy as np
import pytest
import torch

import train
from training import emoji
from training.data import make_dataset

SKIN_TONES = range(0x1F3FB, 0x1F400)


@pytest.fixture(scope="module")
def emoji_set():
    try:
        emoji.font_path()
    except Exception as err:
        pytest.skip(str(err))
    return emoji.emoji_images(32)


@pytest.mark.slow
def test_one_rgb_image_per_distinct_emoji(emoji_set):
    images, codepoints = emoji_set.images, emoji_set.codepoints
    assert images.dtype == np.uint8 and images.shape[1:] == (32, 32, 3)
    assert 1200 <= len(images) == len(codepoints) <= 1500  # Debian's font draws ≈ 1,400 single code points
    assert len(set(codepoints)) == len(codepoints)
    assert {0x1F600, 0x1F44D, 0x1F355, 0x2764} <= set(codepoints)  # 😀 👍 🍕 ❤
    corners = images[:, [0, 0, -1, -1], [0, -1, 0, -1]]  # (N, 4, 3)
    assert (corners == 255).all()  # the plain white background
    assert (images.reshape(len(images), -1).min(1) < 200).all()  # every image has something drawn on it


@pytest.mark.slow
def test_no_skin_tone_flag_or_near_duplicate_images(emoji_set):
    codepoints = set(emoji_set.codepoints)
    assert not codepoints & set(SKIN_TONES)  # no modifier swatches; no sequence, so no person + modifier
    assert not codepoints & set(range(0x1F1E6, 0x1F200))  # no regional-indicator letters, so no flags
    x = torch.from_numpy(emoji_set.images).flatten(1).double() / 255
    rms = torch.cdist(x, x).div(x.shape[1] ** 0.5).fill_diagonal_(1.0)
    assert rms.min() >= emoji.NEAR_DUPLICATE_RMS
    assert 0x2603 in codepoints and 0x26C4 in emoji_set.near_duplicates  # ☃ kept, ⛄ (the same at 32×32) dropped


@pytest.mark.slow
def test_the_training_set_is_in_minus_one_to_one():
    try:
        emoji.font_path()
    except Exception as err:
        pytest.skip(str(err))
    x = make_dataset("emoji", 16, 3).tensors[0]
    assert x.shape[1:] == (3, 16, 16) and x.dtype == torch.float32
    assert x.min() >= -1.0 and x.max() == 1.0 and x.min() < -0.9


def test_near_duplicates_keeps_the_first_of_each_cluster():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    close = np.clip(base[0].astype(int) + 2, 0, 255).astype(np.uint8)  # RMS ≈ 0.008 from base[0]
    images = np.stack([base[0], base[1], close, base[2], base[1]])
    assert emoji.near_duplicates(images).tolist() == [False, False, True, False, True]


def test_a_missing_font_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(emoji.FONT_ENV, str(tmp_path / "NotoColorEmoji.ttf"))
    argv = ["--data", "emoji", "--channels", "3", "--steps", "1", "--out", str(tmp_path / "run")]
    assert train.main(argv) == 2
    message = capsys.readouterr().err
    assert "apt-get install fonts-noto-color-emoji" in message and emoji.FONT_ENV in message


def test_emoji_are_colour_images(tmp_path, capsys):
    assert train.main(["--data", "emoji", "--channels", "1", "--out", str(tmp_path / "run")]) == 2
    assert "--channels 3" in capsys.readouterr().err
