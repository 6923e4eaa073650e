"""Typed handler outputs: a frozen dataclass per view whose fields are the event's outputs, in order.

A field left at ``SKIP`` tells Gradio to leave that component as it is, so a partial update is written by name
(``RunUpdate(progress="Step 3/50")``) rather than as a run of positional placeholders.
"""

from __future__ import annotations

import dataclasses

import gradio as gr


class _Skip:
    def __repr__(self) -> str:
        return "SKIP"


SKIP = _Skip()  # "leave this output as it is"


@dataclasses.dataclass(frozen=True)
class Outputs:
    """Base of the views handlers return; ``as_outputs()`` is the tuple Gradio wants, in field order (a field that
    is itself ``Outputs`` stands for its own outputs, in place)."""

    def as_outputs(self) -> tuple:
        outputs = []
        for value in self.values():
            if isinstance(value, Outputs):
                outputs.extend(value.as_outputs())
            else:
                outputs.append(gr.skip() if value is SKIP else value)
        return tuple(outputs)

    def values(self) -> tuple:
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))
