"""One validation layer for what the page (or anyone calling its API) sends: values in, typed values or one sentence.

Gradio checks a slider's bounds but lets NaN through (every comparison with NaN is false), turns strings into
TypeErrors and leaves None, huge integers and booleans to the handler. These functions are the only place that
turns a raw value into an ``int``, ``float``, ``bool`` or one of a set of choices; the components in ``ui.inputs``
call them, and so do handlers for values whose range depends on the model (``DDPMError`` with one sentence).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real

import gradio as gr

from ddpm import DDPMError

MAX_SEED = 2**32 - 1  # what numpy and torch both take; a seed is a whole number 0 … MAX_SEED


def short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _range(low, high) -> str:
    if low is None:
        return f"at most {high:g}"
    return f"at least {low:g}" if high is None else f"from {low:g} to {high:g}"


def real(value, name: str, low: float | None = None, high: float | None = None) -> float:
    """A finite float in [low, high]; strings, None, booleans, NaN and ±inf are refused."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise DDPMError(f"{name} must be a number; got {short(value)}.")
    number = float(value)
    if not math.isfinite(number):
        raise DDPMError(f"{name} must be a finite number; got {short(value)}.")
    if (low is not None and number < low) or (high is not None and number > high):
        raise DDPMError(f"{name} must be {_range(low, high)}; got {number:g}.")
    return number


def whole(value, name: str, low: int | None = None, high: int | None = None) -> int:
    """An int in [low, high]: a whole float (3.0) is accepted, 2.5, NaN, strings and None are refused."""
    expected = "a whole number" if low is None and high is None else f"a whole number {_range(low, high)}"
    whole_float = isinstance(value, float) and math.isfinite(value) and value.is_integer()
    if isinstance(value, bool) or not (isinstance(value, int) or whole_float or isinstance(value, Integral)):
        raise DDPMError(f"{name} must be {expected}; got {short(value)}.")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise DDPMError(f"{name} must be {expected}; got {short(value)}.")
    return number


def seed(value, name: str = "The seed") -> int:
    return whole(value, name, 0, MAX_SEED)


def flag(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise DDPMError(f"{name} must be true or false; got {short(value)}.")
    return value


def choice(value, name: str, choices: Sequence):
    """``value`` if it is one of ``choices`` (of the same type: "64" is not 64), else a sentence listing them."""
    if isinstance(value, bool) or not any(value == c and type(value) is type(c) for c in choices):
        allowed = ", ".join(map(short, choices))
        raise DDPMError(f"{name} must be one of {allowed}; got {short(value)}.")
    return value


def shown(check, *args):
    """``check(*args)``, its ``DDPMError`` raised as the ``gr.Error`` whose sentence the page shows."""
    try:
        return check(*args)
    except DDPMError as error:
        raise gr.Error(str(error)) from None
