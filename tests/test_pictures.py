"""Pictures for the page: tensors → images and arrays, the fast lossless PNG writer and its ring of files, grids."""

import io

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from ddpm.images import to_uint8
from ui.pictures import FastPng, image_array, labelled_grid, noise_image, png_bytes, to_image


@pytest.mark.parametrize("shape", [(37, 53), (37, 53, 1), (64, 48, 3)])
def test_png_bytes_is_lossless(shape):
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, shape, dtype=np.uint8)
    smooth = np.broadcast_to(
        np.linspace(0, 255, shape[1]).astype(np.uint8)[None, :, None],
        (shape[0], shape[1], shape[2] if len(shape) == 3 else 1),
    ).reshape(shape)
    for array in (noise, smooth, np.zeros(shape, np.uint8)):
        with Image.open(io.BytesIO(png_bytes(array))) as image:
            assert image.format == "PNG" and image.mode == ("RGB" if shape[-1] == 3 else "L")
            expected = array if len(shape) == 3 and shape[2] == 3 else array.reshape(shape[:2])
            assert np.array_equal(np.asarray(image), expected)
    assert len(png_bytes(smooth)) < len(png_bytes(noise)) / 4  # it does compress what is compressible
    with pytest.raises(ValueError):
        png_bytes(np.zeros((4, 4, 2), np.uint8))


def test_fast_png_writes_a_ring_of_files_with_the_same_pixels():
    png = FastPng(slots=2)
    rgb = np.random.default_rng(1).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    paths = [png(rgb), png(Image.fromarray(rgb[..., 0])), png(Image.fromarray(rgb).convert("RGBA"))]
    assert paths[0] == paths[2] != paths[1]  # a ring of slots, reused
    with Image.open(paths[1]) as image:
        assert image.format == "PNG" and np.array_equal(np.asarray(image), rgb[..., 0])
    with Image.open(paths[2]) as image:  # other modes are written as RGB
        assert image.mode == "RGB" and np.array_equal(np.asarray(image), rgb)


def test_image_array_is_what_to_image_shows():
    x = torch.linspace(-1.5, 1.5, 3 * 8 * 8).reshape(3, 8, 8)  # beyond [-1, 1] at both ends: clipped for display
    array = image_array(x)
    assert array.shape == (8, 8, 3) and array.dtype == np.uint8 and array.min() == 0 and array.max() == 255
    assert np.array_equal(array, image_array(x[None])) and np.array_equal(array, to_uint8(x[None])[0])
    assert np.array_equal(np.asarray(to_image(x)), array) and to_image(x).mode == "RGB"
    gray = to_image(x[:1])
    assert gray.mode == "L" and image_array(x[:1]).shape == (8, 8)


def test_noise_is_shown_at_three_sigma():
    eps = torch.tensor([[[-3.0, 0.0, 3.0, 6.0]]])
    assert np.asarray(noise_image(eps)).tolist() == np.asarray(to_image(eps / 3)).tolist()
    assert np.asarray(noise_image(eps))[0].tolist() == [0, 128, 255, 255]


def test_grid_captions_are_legible():
    tiles = [Image.new("RGB", (8, 8))] * 2
    assert labelled_grid([tiles], ["a", "b"], cell=112).height >= 112 + 4 + 18 + 10  # a ≥ 18 px caption band


def test_grid_places_each_tile_in_its_cell():
    red, gray = Image.new("RGB", (5, 5), (255, 0, 0)), Image.new("L", (7, 7), 80)
    rows, labels = [[red, gray], [gray]], ["one", "two"]
    grid = labelled_grid(rows, ["a", "b"], row_labels=labels, cell=20, gap=4)
    again = labelled_grid(rows, ["a", "b"], row_labels=labels, cell=20, gap=4)
    assert np.array_equal(np.asarray(grid), np.asarray(again))  # the cached frame is copied, not drawn on
    pixels = np.asarray(grid)
    left = grid.width - 2 * (20 + 4) - 4  # the row labels' margin
    assert left > 0 and grid.mode == "RGB"
    assert pixels[4 + 10, left + 4 + 10].tolist() == [255, 0, 0]  # row 0, column 0
    assert pixels[4 + 10, left + 4 + 24 + 10].tolist() == [80, 80, 80]  # row 0, column 1 (a gray tile as RGB)
    assert pixels[4 + 24 + 10, left + 4 + 10].tolist() == [80, 80, 80]  # row 1, column 0
    assert pixels[4 + 24 + 10, left + 4 + 24 + 10].tolist() == [255, 255, 255]  # row 1 is short: canvas


# ------------------------------------------------------------------------------------ words drawn into pictures
def test_captions_are_drawn_in_the_pages_language_with_real_hangul_glyphs():
    from ui import i18n, lettering

    token = i18n.use_lang("ko")
    try:
        korean = lettering.caption("final samples")
    finally:
        i18n.reset_lang(token)
    assert korean == "최종 샘플" and lettering.caption("final samples") == "final samples"
    if lettering.cjk_font_file() is None:
        pytest.skip("no CJK font here (Debian: fonts-noto-cjk)")
    # each Hangul syllable drawn by the CJK face: ink, and not the same "tofu" box for two different syllables
    ink = []
    for syllable in ("최", "샘"):
        picture = Image.new("L", (40, 40), 255)
        lettering.draw_text(ImageDraw.Draw(picture), (4, 20), syllable, 28, 0)
        ink.append(np.asarray(picture) < 128)
    assert ink[0].sum() > 20 and ink[1].sum() > 20 and (ink[0] != ink[1]).sum() > 20
    # a mixed caption is drawn run by run: Greek from DejaVu, Hangul from the CJK face, widths add up
    mixed = "ᾱ_t 화살표"
    assert lettering.text_width(mixed, 20) == pytest.approx(
        lettering.font(20).getlength("ᾱ_t ") + lettering.font(20, wide=True).getlength("화살표")
    )


def test_without_a_cjk_font_the_caption_falls_back_to_english(monkeypatch):
    from ui import i18n, lettering

    monkeypatch.setattr(lettering, "cjk_font_file", lambda: None)
    token = i18n.use_lang("ko")
    try:
        assert (
            lettering.caption("samples of {}: mean NN distance {}", "x", "0.1") == "samples of x: mean NN distance 0.1"
        )
    finally:
        i18n.reset_lang(token)
