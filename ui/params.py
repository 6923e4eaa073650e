"""One validation layer for what the page (or anyone calling its API) sends: values in, typed values or one sentence.

Gradio checks a slider's bounds but lets NaN through (every comparison with NaN is false), turns strings into
TypeErrors and leaves None, huge integers and booleans to the handler. The checks of ``ddpm.checks`` (re-exported
here) and ``seed`` are the only place that turns a raw value into an ``int``, ``float``, ``bool`` or one of a set
of choices; the components in ``ui.inputs`` call them, and so do handlers for values whose range depends on the
model (``shown`` raises their ``DDPMError`` as the ``gr.Error`` the page shows).
"""

from __future__ import annotations

import gradio as gr

from ddpm import DDPMError
from ddpm.checks import choice, flag, real, short, whole

__all__ = ["MAX_SEED", "choice", "flag", "real", "seed", "short", "shown", "whole"]

MAX_SEED = 2**32 - 1  # what numpy and torch both take; a seed is a whole number 0 … MAX_SEED


def seed(value, name: str = "The seed") -> int:
    return whole(value, name, 0, MAX_SEED)


def shown(check, *args):
    """``check(*args)``, its ``DDPMError`` raised as the ``gr.Error`` whose sentence the page shows."""
    try:
        return check(*args)
    except DDPMError as error:
        raise gr.Error(str(error)) from None
