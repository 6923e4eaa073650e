"""What people hand the app (uploads, drawings) and the bundled examples, made into images and tensors."""

import numpy as np
import pytest
import torch
from PIL import Image

from ddpm import DDPMError
from ddpm.images import from_pil
from ui.bundled_examples import EXAMPLES, EXAMPLES_DIR, Example, load_example
from ui.intake import MAX_SOURCE, MODES, SIZES, drawn_image, shrink, sketch_to_digit, to_tensor


# ------------------------------------------------------------------------------------------- bundled examples
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_example_loads(name):
    example = load_example(name)
    image = example.open()
    assert isinstance(example, Example) and example.path.parent == EXAMPLES_DIR and example.path.exists()
    assert image.size[0] >= 28 and example.model == (
        "digits" if "Digit" in name else "emoji" if "emoji" in name else None
    )
    assert example.credit


def test_an_example_opens_as_a_copy_that_outlives_its_file():
    example = load_example("Coffee")
    first, second = example.open(), example.open()
    assert first is not second and first.size == second.size
    first.paste((0, 0, 0), (0, 0, 10, 10))  # loaded, not lazily tied to the open file
    assert np.asarray(second)[:10, :10].max() > 0


def test_an_unknown_example_is_one_sentence_listing_the_names():
    with pytest.raises(DDPMError, match="no bundled example called 'Dog'") as error:
        load_example("Dog")
    assert all(name in str(error.value) for name in EXAMPLES)


# ------------------------------------------------------------------------------------------------- sketches
def test_sketch_becomes_a_centred_white_on_black_digit(drawn_seven):
    assert sketch_to_digit(Image.new("RGBA", (280, 280), (0, 0, 0, 0))) is None
    digit = np.asarray(sketch_to_digit(drawn_seven, size=28))
    assert digit.shape == (28, 28) and digit[:3].max() == 0 and digit.max() > 200
    ys, xs = np.nonzero(digit > 40)
    assert abs(ys.mean() - 13.5) < 4 and abs(xs.mean() - 13.5) < 4


def test_drawn_image_reads_every_form_of_a_sketchpad_value(drawn_seven):
    assert drawn_image({"composite": drawn_seven, "layers": [], "background": None}) is drawn_seven
    assert drawn_image(drawn_seven) is drawn_seven
    assert drawn_image({"composite": None}) is None and drawn_image(None) is None
    from_array = drawn_image(np.asarray(drawn_seven))
    assert isinstance(from_array, Image.Image) and np.array_equal(np.asarray(from_array), np.asarray(drawn_seven))


# ------------------------------------------------------------------------------------------ shrink, to_tensor
def test_shrink_keeps_the_aspect_and_never_enlarges():
    big = Image.new("RGB", (1500, 900), (200, 30, 30))
    small = shrink(big)
    assert max(small.size) == MAX_SOURCE and small.size == (512, 307) and big.size == (1500, 900)  # a copy
    tiny = Image.new("L", (40, 30))
    assert shrink(tiny).size == (40, 30) and shrink(tiny) is not tiny


def test_shrink_follows_the_exif_orientation():
    photo = Image.new("RGB", (60, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to show"
    photo.info["exif"] = exif.tobytes()
    assert shrink(photo).size == (20, 60)


@pytest.mark.parametrize(("mode", "channels"), [("RGB", 3), ("Grayscale", 1)])
@pytest.mark.parametrize("size", SIZES)
def test_to_tensor_at_every_size_and_mode(size, mode, channels):
    image = Image.new("RGB", (300, 200), (255, 0, 128))
    x = to_tensor(image, size, mode)
    assert x.shape == (channels, size, size) and x.dtype == torch.float32
    assert x.min() >= -1 and x.max() <= 1
    assert torch.equal(x, from_pil(image, size, channels))


def test_a_gray_source_stays_gray_in_rgb():
    x = to_tensor(Image.new("L", (64, 64), 100), 64, "RGB")
    assert x.shape == (3, 64, 64) and torch.equal(x[0], x[1]) and torch.equal(x[1], x[2])


def test_to_tensor_refuses_other_sizes_and_modes():
    image = Image.new("RGB", (64, 64))
    with pytest.raises(DDPMError, match=r"resolution \(px\) must be one of 64, 128, 256"):
        to_tensor(image, 100, "RGB")
    with pytest.raises(DDPMError, match="colour mode must be one of 'RGB', 'Grayscale'"):
        to_tensor(image, 64, "CMYK")
    assert MODES == ("RGB", "Grayscale")
