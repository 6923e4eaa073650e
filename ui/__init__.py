"""Gradio views of DDPM Studio: one module per tab (``forward``, ``schedules``) and shared widgets."""
