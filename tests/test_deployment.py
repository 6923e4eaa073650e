"""How the app is deployed: when it counts as public, which models that allows, what a run may cost, and that its
own files and closed sessions do not pile up."""

import os
import threading
import time
from types import SimpleNamespace

import pytest

import app
from ddpm import DDPMError
from ui import workspace
from ui.models import PipelineCache
from ui.reverse import RunBudget


@pytest.mark.parametrize(
    ("host", "share", "env", "public"),
    [
        (None, False, {}, False),
        ("127.0.0.1", False, {}, False),
        ("0.0.0.0", False, {}, True),
        (None, True, {}, True),
        (None, False, {"SPACE_ID": "someone/ddpm-studio"}, True),
        (None, False, {"GRADIO_SERVER_NAME": "0.0.0.0"}, True),
    ],
)
def test_public_means_strangers_can_reach_it(host, share, env, public):
    assert app.is_public(host, share, env) is public


def test_the_operators_model_and_model_dirs_are_allowed_on_a_public_server(tiny_model_dir, tmp_path):
    args = app.parse_args(["--host", "0.0.0.0", "--model", tiny_model_dir, "--model-dir", str(tmp_path), "--no-hub"])
    policy = app.policy_of(args)
    assert policy.public and not policy.allow_hub and policy.place(tiny_model_dir).local
    assert not app.policy_of(app.parse_args(["--host", "0.0.0.0", "--private"])).public


def test_a_batch_beyond_the_machines_memory_is_a_sentence_with_the_batch_that_fits(tiny_model_dir):
    pipelines = PipelineCache(tiny_model_dir, device="cpu")
    per_image = pipelines.load().cost.activation_bytes
    budget = RunBudget(max_activation_bytes=3 * per_image)
    budget.check(pipelines, tiny_model_dir, None, 3, 10)
    with pytest.raises(DDPMError, match="use a batch of at most 3"):
        budget.check(pipelines, tiny_model_dir, None, 4, 10)


def test_a_public_run_is_limited_in_time(tiny_model_dir):
    pipelines = PipelineCache(tiny_model_dir, device="cpu")
    per_step = pipelines.seconds_per_step(tiny_model_dir, None, 2)
    RunBudget(max_seconds=per_step * 10.5).check(pipelines, tiny_model_dir, None, 2, 10)
    with pytest.raises(DDPMError, match="runs on this public server are limited"):
        RunBudget(max_seconds=per_step * 9.5).check(pipelines, tiny_model_dir, None, 2, 10)


def test_the_workspace_prunes_old_entries_and_keeps_the_live_rings():
    run = workspace.new_folder("run-")
    csv = workspace.new_file("t-", ".csv")
    live = workspace.live_folder("frames-")
    old = time.time() - 2 * workspace.MAX_AGE_S
    for path in (run, csv, live, workspace.LIVE):
        os.utime(path, (old, old))
    fresh = workspace.new_folder("run-")
    assert workspace.prune() >= 2
    assert not run.exists() and not csv.exists() and live.exists() and fresh.exists()


def test_a_closed_tab_frees_its_session_at_once():
    demo = app.build_demo(device="cpu")
    holder = SimpleNamespace(session_data={"abc": object()}, time_last_used={"abc": 0}, lock=threading.Lock())
    holder.delete_state = lambda session: holder.session_data.pop(session, None)
    demo.state_holder = holder
    app.forget_session(demo, SimpleNamespace(session_hash="abc"))
    assert "abc" not in holder.session_data and "abc" not in holder.time_last_used
