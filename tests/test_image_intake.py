"""The one image intake: a generated corpus of modes × formats × damage; each file either becomes the right 8-bit
picture (checked against a reference computed from the numbers written) or a one-sentence DDPMError."""

import base64
import resource
import time

import gradio as gr
import numpy as np
import pytest
from gradio.data_classes import FileData, ImageData
from PIL import Image

from benchmarks.corpus import _bomb_png, corpus
from ddpm import DDPMError
from ddpm.image_intake import ImageLimits, open_image, to_8bit
from ui.inputs import ImageInput, SketchInput

CASES = corpus()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_file_is_the_right_picture_or_one_sentence(case):
    if case.reference is None:
        with pytest.raises(DDPMError) as refused:
            open_image(case.data)
        message = str(refused.value)
        assert message.endswith(".") and "\n" not in message and "Traceback" not in message
        return
    decoded = open_image(case.data)
    picture = np.asarray(decoded.image)
    assert decoded.image.mode in ("L", "RGB") and picture.shape == case.reference.shape
    assert np.abs(picture.astype(int) - case.reference).max() <= case.tolerance, case.name
    assert picture.std() > 10, "a ramp must not come out flat (white, black or gray)"


def test_an_animation_gives_its_first_frame_and_says_so():
    decoded = open_image(next(c for c in CASES if c.name == "animated.GIF").data)
    assert decoded.notes == ("This image has 2 frames; the first one is used.",)


def test_a_bomb_is_refused_from_its_header_without_decoding():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(DDPMError, match=r"13000×13000 = 169 megapixels; the limit is 40 megapixels"):
        open_image(_bomb_png(13000))
    assert time.perf_counter() - start < 0.5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # kB: nothing was decoded


def test_limits_on_bytes_and_pixels_are_sentences_that_say_the_limit():
    png = next(c for c in CASES if c.name == "RGB.PNG").data
    with pytest.raises(DDPMError, match="the limit is 0 MB"):
        open_image(png, ImageLimits(max_bytes=100))
    with pytest.raises(DDPMError, match="48×48 = 2,304 pixels; the limit is 1,000 pixels"):
        open_image(png, ImageLimits(max_pixels=1000))
    assert open_image(png, ImageLimits(max_side=20)).image.size == (20, 20)


def test_a_callers_image_is_never_changed():
    image = Image.new("RGB", (100, 50), "red")
    assert open_image(image, ImageLimits(max_side=10)).image.size == (10, 5) and image.size == (100, 50)


def test_float_ranges_beyond_one_are_stretched_with_a_note():
    notes = []
    picture = np.asarray(to_8bit(Image.fromarray(np.linspace(-3, 7, 64, dtype=np.float32).reshape(8, 8)), notes))
    assert picture.min() == 0 and picture.max() == 255 and "stretched" in notes[0]


def _data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def test_uploads_and_raw_data_urls_take_the_same_path(tmp_path):
    upload = ImageInput(type="pil")
    sixteen_bit = next(c for c in CASES if c.name == "I16.PNG")
    path = tmp_path / "deep.png"
    path.write_bytes(sixteen_bit.data)
    from_file = upload.preprocess(ImageData(path=str(path)))
    from_url = upload.preprocess(ImageData(url=_data_url(sixteen_bit.data)))
    assert np.array_equal(np.asarray(from_file), sixteen_bit.reference)
    assert np.array_equal(np.asarray(from_url), np.asarray(from_file))
    for bad in (b"", b"not an image", sixteen_bit.data[:40]):
        with pytest.raises(gr.Error):
            upload.preprocess(ImageData(url=_data_url(bad)))
    with pytest.raises(gr.Error, match="base64"):
        upload.preprocess(ImageData(url="data:image/png;base64,@@@@"))


def test_the_sketchpad_takes_only_its_composite_within_the_canvas_limits(tmp_path):
    from gradio.components.image_editor import EditorData

    sketch = SketchInput(type="pil")
    path = tmp_path / "bomb.png"
    path.write_bytes(_bomb_png(13000))
    start = time.perf_counter()
    with pytest.raises(gr.Error, match="the limit is 4 megapixels"):
        sketch.preprocess(EditorData(composite=FileData(path=str(path))))
    assert time.perf_counter() - start < 0.5
    drawn = tmp_path / "drawn.png"
    Image.new("RGBA", (280, 280), (0, 0, 0, 0)).save(drawn)
    assert sketch.preprocess(EditorData(composite=FileData(path=str(drawn)))).getpixel((5, 5)) == (
        255,
        255,
        255,
    )  # paper
