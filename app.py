"""DDPM Studio — the Gradio app.

    python app.py [--model PATH_OR_ID] [--device cpu|cuda|mps] [--dtype float32|bfloat16|float16] [--port N]
                  [--host ADDRESS] [--share] [--talk] [--lang en|ko] [--scenes FOLDER|FILE] [--model-dir DIR ...]
                  [--no-hub] [--private]

A public deployment (listening beyond localhost, on a Hugging Face Space, or with --share) loads only the bundled
model, folders inside --model-dir and Hub ids (unless --no-hub), and limits each run's time; --private lifts that on
a network you trust.

``build_demo()`` returns the Blocks (tests and Spaces call it); ``main()`` parses arguments and launches.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import gradio as gr

from ddpm import DDPMError
from ddpm.recording import Recordings
from ui import forward, lab2d, presenter, reverse, schedules
from ui.i18n import LANGS, Lang, StudioBlocks, t
from ui.inputs import MAX_UPLOAD_BYTES
from ui.models import BUNDLED_NAME, ModelPolicy, PipelineCache, is_bundled
from ui.race_recording import RaceRecordings
from ui.reverse import RunBudget
from ui.scenes import DEFAULT_SCENES, Scene, load_scenes
from ui.theme import HEADER, LATEX, launch_kwargs
from ui.view import link_models

PUBLIC_RUN_SECONDS = 120.0  # the longest run one request may ask for on a public server
DELETE_CACHE = (600, 1800)  # every 10 min, Gradio deletes the files it cached for this app over 30 min ago
PUBLIC_SESSIONS = 500  # sessions whose state a public server keeps (least recently used go first)


def is_public(host: str | None, share: bool, env=os.environ) -> bool:
    """Whether strangers can reach the app: on a Space, with a share link, or listening beyond localhost."""
    if share or env.get("SPACE_ID"):
        return True
    host = host or env.get("GRADIO_SERVER_NAME") or "127.0.0.1"
    return host not in ("127.0.0.1", "localhost", "::1")


def build_demo(
    model: str | None = None,
    device: str | None = None,
    dtype: str | None = None,
    talk: bool = False,
    policy: ModelPolicy | None = None,
    scenes: list[Scene] | None = None,
    recordings: Recordings | None = None,
    lang: Lang | None = None,
    races: RaceRecordings | None = None,
) -> gr.Blocks:
    """The app's Blocks. The model loads lazily on first use; a missing model only disables the x̂₀ panel.
    A bad ``device`` or ``dtype`` is a ``DDPMError`` with one sentence. ``policy`` says which models a page may
    load (default: any, as on your own machine); a public one also limits each run's time. ``scenes`` are the
    views of the keys 1–9 (default: ``scenes/default.yaml``); ``recordings`` are runs the Reverse tab plays instead of
    computing them (``--scenes FOLDER``). ``lang`` (``--lang``): the page's language instead of the browser's."""
    policy = policy or ModelPolicy()
    pipelines = PipelineCache(model or BUNDLED_NAME, device=device, dtype=dtype, policy=policy, prepare_fast=True)
    budget = RunBudget(max_seconds=PUBLIC_RUN_SECONDS if policy.public else None)
    with StudioBlocks(title="DDPM Studio", fill_width=True, delete_cache=DELETE_CACHE, default_lang=lang) as demo:
        gr.Markdown(t(HEADER), latex_delimiters=LATEX, elem_id="ddpm-header")
        scenes = load_scenes(DEFAULT_SCENES, link_models(policy.listed())) if scenes is None else scenes
        bar = presenter.build(scenes)
        with gr.Tabs() as tabs:
            with gr.Tab(t("Forward noising"), id="forward") as forward_tab:
                forward_view = forward.build_tab(pipelines, talk=talk)
            with gr.Tab(t("Reverse sampling"), id="reverse") as reverse_tab:
                reverse_view = reverse.build_tab(
                    pipelines, talk=talk, budget=budget, recordings=recordings, races=races
                )
            with gr.Tab(t("Schedule explorer"), id="schedules") as schedules_tab:
                schedule_view = schedules.build_tab(talk=talk)
            with gr.Tab(t("2D lab"), id="lab2d") as lab2d_tab:
                lab_view = lab2d.build_tab(pipelines, talk=talk)
        gr.Markdown(
            t(f"{pipelines.footer()} · Ho et al. 2020, *Denoising Diffusion Probabilistic Models*"),
            elem_classes=["footer-note"],
            elem_id="footer",
        )

        each_tab = {tab.id: tab for tab in (forward_tab, reverse_tab, schedules_tab, lab2d_tab)}
        page = presenter.Page(tabs, each_tab, forward_view, reverse_view, schedule_view, lab_view, pipelines)
        presenter.wire(demo, page, bar, scenes)

        def forget(request: gr.Request) -> None:
            forget_session(demo, request)

        demo.unload(forget)
    demo.queue(default_concurrency_limit=2, max_size=64)
    return demo


def forget_session(demo: gr.Blocks, request: gr.Request) -> None:
    """A closed tab's session state goes at once (Gradio would keep it an hour, in case the tab comes back)."""
    holder = getattr(demo, "state_holder", None)
    if holder is not None and request is not None and request.session_hash:
        holder.delete_state(request.session_hash)
        with holder.lock:
            holder.session_data.pop(request.session_hash, None)
            holder.time_last_used.pop(request.session_hash, None)


def policy_of(args: argparse.Namespace) -> ModelPolicy:
    """The model policy of a launch: public unless --private when strangers can reach it; the operator's --model
    folder counts as one of the --model-dir folders."""
    public = is_public(args.host, args.share) and not args.private
    dirs = [Path(d) for d in args.model_dir or []]
    if args.model and not is_bundled(args.model) and Path(args.model).expanduser().is_dir():
        dirs.append(Path(args.model).expanduser())
    return ModelPolicy(public=public, model_dirs=tuple(dirs), allow_hub=args.allow_hub)


def scenes_of(source: str | None, policy: ModelPolicy) -> tuple[list[Scene], Recordings | None, RaceRecordings | None]:
    """``--scenes``: the scene list, and the recorded runs and races of a folder that ``python -m ddpm record``
    wrote."""
    scenes = load_scenes(source or DEFAULT_SCENES, link_models(policy.listed()))
    if source is None or not Path(source).expanduser().is_dir():
        return scenes, None, None
    recordings = Recordings.scan(Path(source).expanduser())
    races = RaceRecordings.scan(Path(source).expanduser())
    for note in recordings.notes + races.notes:
        print(f"DDPM Studio: {note}", file=sys.stderr)
    return scenes, recordings, races


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="DDPM Studio: an interactive DDPM laboratory.")
    parser.add_argument("--model", default=None, help=f"model folder or Hub id (default: {BUNDLED_NAME})")
    parser.add_argument("--device", choices=["cpu", "cuda", "mps"], default=None, help="default: the best present")
    parser.add_argument(
        "--dtype",
        choices=["float32", "bfloat16", "float16"],
        default=None,
        help="default precision of every tab: float32 (exact) or the device's fast one",
    )
    parser.add_argument(
        "--port", type=int, default=None, help="default: $GRADIO_SERVER_PORT, else 7860 or the next free port"
    )
    parser.add_argument(
        "--host",
        default=None,
        help="address to listen on (default: $GRADIO_SERVER_NAME, as on a Space, else 127.0.0.1)",
    )
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link")
    parser.add_argument("--talk", action="store_true", help="presentation mode: big type, high contrast")
    parser.add_argument(
        "--lang", choices=LANGS, default=None, help="the page's language (default: the browser's; ?lang= overrides)"
    )
    parser.add_argument(
        "--scenes",
        default=None,
        metavar="FOLDER|FILE",
        help="the scenes of the keys 1–9: a scene list (YAML/JSON), or a folder that `python -m ddpm record` wrote, "
        "whose recorded runs then play instantly (default: scenes/default.yaml)",
    )
    parser.add_argument(
        "--model-dir",
        action="append",
        metavar="DIR",
        help="a folder of models (or one model) that a public deployment may load; repeatable",
    )
    hub = parser.add_mutually_exclusive_group()
    hub.add_argument("--allow-hub", dest="allow_hub", action="store_true", default=True, help="(default)")
    hub.add_argument("--no-hub", dest="allow_hub", action="store_false", help="a public deployment loads no Hub id")
    parser.add_argument(
        "--private",
        action="store_true",
        help="treat the deployment as private even beyond localhost (a network you trust): any folder, no time limit",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        policy = policy_of(args)
        scenes, recordings, races = scenes_of(args.scenes, policy)
        demo = build_demo(
            args.model,
            args.device,
            args.dtype,
            talk=args.talk,
            policy=policy,
            scenes=scenes,
            recordings=recordings,
            lang=args.lang,
            races=races,
        )
    except DDPMError as error:
        print(f"DDPM Studio: {error}", file=sys.stderr)
        return 2
    demo.launch(
        server_name=args.host,
        server_port=args.port,
        share=args.share,
        max_file_size=MAX_UPLOAD_BYTES,
        state_session_capacity=PUBLIC_SESSIONS if policy.public else 10_000,
        **launch_kwargs(args.talk, more_css=presenter.page_css()),
        head=presenter.page_head(),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
