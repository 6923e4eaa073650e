"""Gradio views of DDPM Studio: one module per tab (``forward``, ``reverse``, ``schedules``) and small shared
modules that each hold one thing: ``models`` (the pipeline cache), ``pictures``, ``intake``, ``bundled_examples``,
``outputs`` (typed handler outputs), ``theme``."""
