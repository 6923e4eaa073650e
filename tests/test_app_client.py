"""gradio_client against the app launched on localhost: every endpoint called with real inputs."""

import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image, ImageDraw

import app
from tests.serving import free_port
from ui.bundled_examples import EXAMPLES_DIR

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def url(tiny_model_dir):
    demo = app.build_demo(model=tiny_model_dir, device="cpu")
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    yield demo.local_url
    demo.close()


@pytest.fixture
def client(url):
    return Client(url, verbose=False)


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path))


def test_every_endpoint_is_named(client):
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {
        "/load_upload",
        "/load_example",
        "/load_sketch",
        "/set_resolution",
        "/new_noise",
        "/set_schedule",
        "/scrub",
        "/chain_vs_closed",
        "/explore",
    } <= names


def test_forward_endpoints_share_one_session(client, tmp_path):
    photo = tmp_path / "photo.png"
    Image.new("RGB", (900, 600), (30, 140, 220)).save(photo)
    out = client.predict(handle_file(str(photo)), "128", "RGB", "linear", 300, api_name="/load_upload")
    eps, strip, x_t, numbers, hist, x0_hat, note = out
    assert pixels(x_t).shape == (128, 128, 3) and pixels(eps).shape == (128, 128, 3)
    # the app runs a model of its own (--model): an upload's x̂₀ comes from it, at its 32 px
    assert "x_{300}" in numbers and pixels(x0_hat).size and "32×32" in note

    a = client.predict("cosine", 500, api_name="/scrub")[0]
    b = client.predict("cosine", 500, api_name="/scrub")[0]
    c = client.predict("cosine", 501, api_name="/scrub")[0]
    assert np.array_equal(pixels(a), pixels(b)) and not np.array_equal(pixels(a), pixels(c))

    out = client.predict("64", "Grayscale", "linear", 500, api_name="/set_resolution")
    assert pixels(out[2]).shape == (64, 64)
    moved = client.predict("linear", 500, api_name="/new_noise")[2]
    assert not np.array_equal(pixels(moved), pixels(out[2]))
    out = client.predict("sigmoid", 100, api_name="/set_schedule")
    assert "x_{100}" in out[3]
    chain, closed, stats = client.predict("linear", 200, 3, api_name="/chain_vs_closed")
    assert pixels(chain).shape == pixels(closed).shape == (64, 64)
    assert len(stats["data"]) == 4


def test_digits_get_the_models_prediction(client):
    out = client.predict("Digit 7 (MNIST)", "64", "Grayscale", "linear", 400, api_name="/load_example")
    assert out[5] is not None and pixels(out[5]).ndim == 3 and "32×32" in out[6]


def test_sketch_endpoint(client, tmp_path):
    drawing = tmp_path / "sketch.png"
    image = Image.new("RGBA", (280, 280), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(140, 40), (140, 240)], fill=(0, 0, 0, 255), width=24)
    image.save(drawing)
    value = {"background": None, "layers": [], "composite": handle_file(str(drawing)), "id": None}
    out = client.predict(value, "64", "RGB", "linear", 50, api_name="/load_sketch")
    clean = pixels(out[1])  # the filmstrip's first tile is x_0: a bright bar on black
    assert clean.max() > 200


def test_explore_endpoint_and_bad_parameters(client):
    out = client.predict(["linear", "cosine"], 500, 1e-4, 0.02, 0.008, 10, "trailing", "Coffee", api_name="/explore")
    message, *_, numbers, strip, chain, csv = out
    assert "2 schedule" in message and len(numbers["data"]) == 2 and len(chain["data"]) == 20
    assert open(csv).readline().startswith("schedule,t,beta")
    bad = client.predict(["linear"], 1000, 0.02, 0.01, 0.008, 10, "leading", "Coffee", api_name="/explore")
    assert bad[0].startswith("⚠️") and "β_start < β_end" in bad[0]


def test_bad_forward_request_is_a_readable_error(client):
    with pytest.raises(
        Exception, match="Timestep t must be a whole number from 0 to 999; got 5000"
    ):  # gradio's own bound check
        client.predict("linear", 5000, api_name="/scrub")
    with pytest.raises(Exception, match="Unknown schedule|wavy"):
        client.predict("wavy", 5, api_name="/scrub")
    assert (EXAMPLES_DIR / "astronaut.png").exists()  # the app keeps running: the next call works
    assert client.predict("linear", 5, api_name="/scrub")[0]
