"""gradio_client against the launched app: the Reverse sampling tab's stream, replay, stop and model switching."""

import time

import numpy as np
import pytest
from gradio_client import Client
from PIL import Image

import app
from ddpm import load_pipeline
from ddpm.images import grid, to_uint8
from tests.serving import free_port
from ui import reverse

pytestmark = pytest.mark.slow
STEPS, BATCH = 10, 4


@pytest.fixture(scope="module")
def served(tiny_model_dir):
    pipe = load_pipeline(tiny_model_dir)
    demo = app.build_demo(model=tiny_model_dir, device="cpu")
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    yield demo.local_url, pipe
    demo.close()


@pytest.fixture
def client(served):
    return Client(served[0], verbose=False)


def sample_args(steps=STEPS, seed=0):
    return ("ddim", steps, 0.0, "fixed_small", True, seed, BATCH, "exact", "noise", None, None, 500)


def test_reverse_endpoints_are_named(client):
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/load_model", "/model_ranges", "/estimate", "/sample", "/stopped", "/replay"} <= names
    assert {"/race", "/race_stopped", "/commitment", "/pick_image", "/sampler_note"} <= names


def test_stream_every_frame_then_replay(client, served):
    job = client.submit(*sample_args(seed=5), api_name="/sample")
    updates = list(job)  # every yielded update, in order; skipped outputs come as {"__type__": "update"}
    assert job.status().success
    pictures = [out[0] for out in updates if isinstance(out[0], str)]
    assert len(pictures) == len(reverse.frame_steps(STEPS))
    *_, note, slider, final, files = updates[-1]
    assert "Done" in note and slider["maximum"] == len(pictures) - 1
    x_T = np.asarray(grid(to_uint8(next(iter(served[1].denoise(BATCH, "ddim", STEPS, seed=5))).x_t)))
    assert np.array_equal(np.asarray(Image.open(pictures[0])), x_T)
    sample = np.asarray(grid(served[1].sample(BATCH, "ddim", STEPS, seed=5)))
    assert np.array_equal(np.asarray(Image.open(final)), sample)
    assert np.array_equal(np.asarray(Image.open(pictures[-1])), sample)
    assert sorted(p.rsplit(".", 1)[-1] for p in files) == ["gif", "mp4", "png"]
    x_t, x0_hat, note = client.predict(0, api_name="/replay")
    assert np.array_equal(np.asarray(Image.open(x_t)), x_T) and "x_T" in note
    # the commitment view of that run, for image 1
    note, image, picture, distance, classes, strip = client.predict(1, api_name="/commitment")
    assert "**Image 1** of 4" in note and image["value"] == 1 and image["maximum"] == 3
    rows = distance["data"]
    assert len(rows) == 4 * len(pictures) and all(row[2] == 0 for row in rows if row[0] == STEPS)


def test_stop_cancels_a_long_run(client):
    job = client.submit(*sample_args(steps=1000), api_name="/sample")
    deadline = time.monotonic() + 60
    while len(job.outputs()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(job.outputs()) >= 3
    job.cancel()  # what the Stop button does: the server stops iterating the generator
    deadline = time.monotonic() + 10
    while not job.done() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.done() and len(job.outputs()) < 1000
    assert not any("Done" in str(out[2]) for out in job.outputs())
    # the stopped run's frames so far stay in the session: the summary the Stop button shows in the browser
    x_t, x0_hat, note, slider, final, files = client.predict(api_name="/stopped")
    assert "Stopped at step" in note and "of 1000" in note and slider["maximum"] >= 1
    assert np.array_equal(np.asarray(Image.open(final)), np.asarray(Image.open(x_t)))
    assert sorted(p.rsplit(".", 1)[-1] for p in files) == ["gif", "mp4", "png"]
    x_t, x0_hat, note = client.predict(0, api_name="/replay")
    assert "x_T" in note


def test_unknown_model_keeps_the_current_one(client):
    message = client.predict("google/no-such-ddpm", "exact", BATCH, STEPS, "ddim", api_name="/load_model")
    assert "offline" in message and "Still using" in message
    assert client.predict(*sample_args(steps=2), api_name="/sample")[2].startswith("Done")  # the tiny model runs


def race_args(*contenders, seed=0, batch=2):
    slots = [value for pair in contenders for value in pair]
    slots += ["none", None] * (4 - len(contenders))
    return ("exact", batch, seed, *slots)


def test_a_race_streams_every_column_to_its_final(client, served):
    job = client.submit(*race_args(("ddim", 3), ("unipc", 4)), api_name="/race")
    updates = list(job)
    assert job.status().success
    status, *lanes, distances, finals, table = updates[-1]
    assert status.startswith("Done")
    assert [row[:3] for row in table["data"]] == [["DDIM", 3, 3], ["UniPC", 4, 4]]
    assert Image.open(finals).height > 3 * 96  # a row each: two contenders and the reference
    pipe = served[1]
    for (sampler, steps), picture in zip([("ddim", 3), ("unipc", 4)], lanes[0:4:2], strict=True):
        expected = np.asarray(grid(pipe.sample(2, sampler, steps, seed=0, spacing="trailing", clip_sample=False)))
        assert np.array_equal(np.asarray(Image.open(picture))[: expected.shape[0]], expected)  # x_t on top
    pictures = [out[1] for out in updates if isinstance(out[1], str)]
    assert 2 <= len(pictures) <= 41  # a bounded number of frames


def test_stop_cancels_a_race_and_says_where_it_got(client):
    job = client.submit(*race_args(("ddim", 400), ("ddpm", 500), seed=7), api_name="/race")
    deadline = time.monotonic() + 60
    while len(job.outputs()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    job.cancel()
    deadline = time.monotonic() + 10
    while not job.done() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.done() and not any("Done" in str(out[0]) for out in job.outputs())
    note = client.predict(api_name="/race_stopped")
    assert note.startswith("⏹ Stopped") and ("reference" in note or "DDIM-400 at NFE" in note)
