"""The app's one pipeline cache: one normalised key, failures reported and retried, one load per key, the truth."""

import threading
import time
from pathlib import Path

import pytest
import torch

from ddpm import DDPMError, Pipeline, save_pipeline
from ddpm.device import pick_precision
from ui import models as ui_models
from ui.models import BUNDLED_NAME, PipelineCache, display_name, model_location


def test_every_spelling_of_a_dtype_is_one_key_and_one_pipeline(tiny_model_dir):
    pipelines = PipelineCache(tiny_model_dir, device="cpu")
    first = pipelines.load()
    for spelling in (None, "float32", "fp32", torch.float32):
        assert pipelines.load(tiny_model_dir, spelling) is first
    fast = pipelines.load(tiny_model_dir, "bf16")
    fast_dtype = pick_precision("bfloat16", torch.device("cpu")).dtype  # float32 where the CPU has no native bf16
    assert fast is not first and fast.fast and fast.dtype == fast_dtype and pipelines.load(dtype=torch.bfloat16) is fast
    assert pipelines.key(dtype="bfloat16") == pipelines.key(dtype="bf16")


def test_the_apps_dtype_is_every_tabs_default(tiny_model_dir):
    pipelines = PipelineCache(tiny_model_dir, device="cpu", dtype="bfloat16")
    assert pipelines.load().fast and pipelines.load().dtype == pick_precision("bf16", torch.device("cpu")).dtype
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


# ------------------------------------------------------------------------------------------- public deployments
PUBLIC = ui_models.ModelPolicy(public=True)


def test_a_public_server_refuses_every_other_path_with_the_same_sentence(tiny_model_dir, tmp_path):
    refusals = set()
    for name in (tiny_model_dir, "/etc", "/proc/1/root", "/no/such/folder", "../" * 40, "x" * 5000, str(tmp_path)):
        with pytest.raises(DDPMError) as refused:
            PUBLIC.place(name)
        refusals.add(str(refused.value))
    assert refusals == {ui_models.PUBLIC_REFUSAL.format(hub=" and models on the Hugging Face Hub")}
    pipelines = PipelineCache(device="cpu", policy=PUBLIC)
    assert pipelines.status("/etc") == pipelines.status("/no/such/folder")  # nothing about the disk leaks


def test_a_public_server_loads_the_bundled_model_its_model_dirs_and_hub_ids(tiny_model_dir):
    root = Path(tiny_model_dir).parent
    policy = ui_models.ModelPolicy(public=True, model_dirs=(root,))
    assert policy.place(BUNDLED_NAME).location == str(ui_models.BUNDLED_MODEL)
    assert (
        policy.place("tiny")
        == policy.place(tiny_model_dir)
        == ui_models.ModelPlace(str(Path(tiny_model_dir).resolve()), True)
    )
    assert policy.place("google/ddpm-cifar10-32") == ui_models.ModelPlace("google/ddpm-cifar10-32", local=False)
    assert tiny_model_dir in policy.listed() and "google/ddpm-cifar10-32" in policy.listed()
    no_hub = ui_models.ModelPolicy(public=True, allow_hub=False)
    with pytest.raises(DDPMError, match="--model-dir. Pick one"):
        no_hub.place("google/ddpm-cifar10-32")
    assert "google/ddpm-cifar10-32" not in no_hub.listed()


def test_a_hub_id_on_a_public_server_is_never_a_local_folder(tmp_path, monkeypatch):
    (tmp_path / "org" / "model").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert PUBLIC.place("org/model") == ui_models.ModelPlace("org/model", local=False)
    with pytest.raises(DDPMError, match="not in the local Hugging Face cache"):
        PipelineCache(device="cpu", policy=PUBLIC).load("org/model")


def test_every_spelling_of_a_folder_is_one_model_and_precisions_share_its_weights(tiny_model_dir, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(tiny_model_dir)
    pipelines = PipelineCache(tiny_model_dir, device="cpu")
    first = pipelines.load()
    for spelling in (tiny_model_dir + "/", str(link), f"{tiny_model_dir}/../tiny", f" {tiny_model_dir} "):
        assert pipelines.load(spelling) is first
    fast = pipelines.load(tiny_model_dir, "bfloat16")
    assert fast.unet is first.unet and len(pipelines._weights) == 1
    assert pipelines.resident_bytes() == first.cost.weight_bytes


def test_the_cache_is_bounded_by_count_and_bytes_least_recently_used_first(tiny_pipeline, tmp_path):
    folders = [str(save_pipeline(tiny_pipeline, tmp_path / f"m{i}")) for i in range(4)]
    pipelines = PipelineCache(folders[0], device="cpu", max_models=2)
    for folder in folders:
        pipelines.load(folder)
    assert list(pipelines._weights) == [
        str(Path(folders[0]).resolve()),
        str(Path(folders[3]).resolve()),
    ]  # default kept
    one = tiny_pipeline.cost.weight_bytes
    by_bytes = PipelineCache(folders[0], device="cpu", max_bytes=one)
    by_bytes.load(folders[1])
    by_bytes.load(folders[2])
    assert list(by_bytes._weights) == [str(Path(folders[2]).resolve())] and by_bytes.resident_bytes() == one
