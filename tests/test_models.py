"""The app's one pipeline cache: one normalised key, failures reported and retried, one load per key, the truth."""

import threading
import time

import pytest
import torch

from ddpm import DDPMError, Pipeline, save_pipeline
from ui import models as ui_models
from ui.models import BUNDLED_NAME, PipelineCache, display_name, model_location


def test_every_spelling_of_a_dtype_is_one_key_and_one_pipeline(tiny_model_dir):
    pipelines = PipelineCache(tiny_model_dir, device="cpu")
    first = pipelines.load()
    for spelling in (None, "float32", "fp32", torch.float32):
        assert pipelines.load(tiny_model_dir, spelling) is first
    fast = pipelines.load(tiny_model_dir, "bf16")
    assert fast is not first and fast.dtype == torch.bfloat16 and pipelines.load(dtype=torch.bfloat16) is fast
    assert pipelines.key(dtype="bfloat16") == pipelines.key(dtype="bf16")


def test_the_apps_dtype_is_every_tabs_default(tiny_model_dir):
    pipelines = PipelineCache(tiny_model_dir, device="cpu", dtype="bfloat16")
    assert pipelines.load().dtype == torch.bfloat16
    assert "precision: `bfloat16`" in pipelines.footer() and "device: `cpu`" in pipelines.footer()
    with pytest.raises(DDPMError, match="float16 is not a fast path on the CPU"):
        PipelineCache(tiny_model_dir, device="cpu", dtype="float16")


def test_a_failure_is_reported_every_time_and_never_kept_as_the_answer(tmp_path, tiny_pipeline):
    folder = tmp_path / "trained-later"
    pipelines = PipelineCache(str(folder), device="cpu")
    assert pipelines.status() == "not loaded yet"
    for _ in range(2):
        with pytest.raises(DDPMError, match="no model folder"):
            pipelines.load()
    assert pipelines.try_load() is None and "no model folder" in pipelines.status().lower()
    save_pipeline(tiny_pipeline, folder)  # the model appears: the next request loads it
    assert isinstance(pipelines.load(), Pipeline) and pipelines.status() == ""


def test_concurrent_requests_for_one_key_load_it_once(tiny_model_dir, monkeypatch):
    loads = []
    real = ui_models.load_pipeline

    def slow_load(*args, **kwargs):
        loads.append(args[0])
        time.sleep(0.2)
        return real(*args, **kwargs)

    monkeypatch.setattr(ui_models, "load_pipeline", slow_load)
    pipelines = PipelineCache(tiny_model_dir, device="cpu")
    got = []
    threads = [threading.Thread(target=lambda: got.append(pipelines.load())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len(got) == 4 and all(pipe is got[0] for pipe in got)


def test_one_timing_per_key_and_batch(tiny_model_dir):
    pipelines = PipelineCache(tiny_model_dir, device="cpu")
    once = pipelines.seconds_per_step(None, None, 2)
    assert once > 0 and pipelines.seconds_per_step(tiny_model_dir, "float32", 2) == once
    pipelines.seconds_per_step(None, None, 3)  # another batch size is measured on its own
    assert len(pipelines._timings) == 2


def test_the_bundled_model_is_shown_by_name_and_loaded_from_its_folder():
    assert display_name(ui_models.BUNDLED_MODEL) == display_name(BUNDLED_NAME) == BUNDLED_NAME
    assert model_location(BUNDLED_NAME) == str(ui_models.BUNDLED_MODEL)
    assert (
        display_name("google/ddpm-cifar10-32") == model_location("google/ddpm-cifar10-32") == "google/ddpm-cifar10-32"
    )
    pipelines = PipelineCache(BUNDLED_NAME, device="cpu")
    assert pipelines.key() == PipelineCache(device="cpu").key()
    assert BUNDLED_NAME in pipelines.footer() and str(ui_models.BUNDLED_MODEL) not in pipelines.footer()
