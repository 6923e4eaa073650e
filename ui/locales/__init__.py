"""Translation catalogues: one dictionary per language, keyed by the English text or template (``ui.i18n``)."""
