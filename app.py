"""DDPM Studio — the Gradio app.

    python app.py [--model PATH_OR_ID] [--device cpu|cuda|mps] [--dtype float32|bfloat16|float16] [--port N]
                  [--host ADDRESS] [--share] [--talk]

``build_demo()`` returns the Blocks (tests and Spaces call it); ``main()`` parses arguments and launches.
"""

from __future__ import annotations

import argparse
import sys

import gradio as gr

from ddpm import DDPMError
from ui import forward, reverse, schedules
from ui.models import BUNDLED_NAME, PipelineCache
from ui.theme import HEADER, LATEX, launch_kwargs


def build_demo(
    model: str | None = None, device: str | None = None, dtype: str | None = None, talk: bool = False
) -> gr.Blocks:
    """The app's Blocks. The model loads lazily on first use; a missing model only disables the x̂₀ panel.
    A bad ``device`` or ``dtype`` is a ``DDPMError`` with one sentence."""
    pipelines = PipelineCache(model or BUNDLED_NAME, device=device, dtype=dtype)
    with gr.Blocks(title="DDPM Studio", fill_width=True) as demo:
        gr.Markdown(HEADER, latex_delimiters=LATEX, elem_id="ddpm-header")
        with gr.Tabs():
            with gr.Tab("Forward noising", id="forward"):
                forward.build_tab(pipelines, talk=talk)
            with gr.Tab("Reverse sampling", id="reverse"):
                reverse.build_tab(pipelines, talk=talk)
            with gr.Tab("Schedule explorer", id="schedules"):
                schedules.build_tab(talk=talk)
        gr.Markdown(
            f"{pipelines.footer()} · Ho et al. 2020, *Denoising Diffusion Probabilistic Models*",
            elem_classes=["footer-note"],
            elem_id="footer",
        )
    demo.queue(default_concurrency_limit=2, max_size=64)
    return demo


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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        demo = build_demo(args.model, args.device, args.dtype, talk=args.talk)
    except DDPMError as error:
        print(f"DDPM Studio: {error}", file=sys.stderr)
        return 2
    demo.launch(server_name=args.host, server_port=args.port, share=args.share, **launch_kwargs(args.talk))
    return 0


if __name__ == "__main__":
    sys.exit(main())
