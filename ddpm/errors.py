"""The one exception type users of ddpm see for bad models, files, ids and options."""


class DDPMError(ValueError):
    """A problem the user can act on, described in one sentence (bad option, missing file, unsupported config…)."""
