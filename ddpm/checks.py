"""Values from outside (a config file, an API call, a form) → typed Python values, or one ``DDPMError`` sentence.

Every comparison with NaN is false, ``int("3")`` succeeds and ``bool`` is an ``int``: these checks refuse what a
plain ``int()``/``float()`` would let through or turn into a traceback. ``ddpm`` uses them for configs and sampling
options, the app for every widget (``ui.params``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real

from .errors import DDPMError


def short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _number(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _range(low, high, between: str = "between {} and {}") -> str:
    if low is None:
        return f"at most {_number(high)}"
    return f"at least {_number(low)}" if high is None else between.format(_number(low), _number(high))


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
    bounds = _range(low, high, "from {} to {}").replace("at ", "of at ")
    expected = "a whole number" if low is None and high is None else f"a whole number {bounds}"
    whole_float = isinstance(value, float) and math.isfinite(value) and value.is_integer()
    if isinstance(value, bool) or not (isinstance(value, Integral) or whole_float):
        raise DDPMError(f"{name} must be {expected}; got {short(value)}.")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise DDPMError(f"{name} must be {expected}; got {short(value)}.")
    return number


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
