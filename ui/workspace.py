"""The app's own files — live frames, run exports, CSVs — all in one folder per process, which it cleans.

Gradio copies every file a handler returns into its own cache before the response is sent (that cache is
bounded by ``delete_cache`` in ``app.py``), so ours only need to outlive one response: entries older than
``MAX_AGE_S`` are removed whenever a new one is made (at most once a minute), and the folder goes at exit.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(tempfile.gettempdir()) / f"ddpm-studio-{os.getpid()}"
LIVE = ROOT / "live"  # rings of files rewritten in place (``FastPng``): bounded by their slots, never pruned
MAX_AGE_S = 600.0
PRUNE_EVERY_S = 60.0
_last_prune = [0.0]
_lock = threading.Lock()


def prune(max_age_s: float = MAX_AGE_S, now: float | None = None) -> int:
    """Remove entries of ``ROOT`` not modified for ``max_age_s``; returns how many went."""
    now = time.time() if now is None else now
    removed = 0
    for entry in list(ROOT.iterdir()) if ROOT.is_dir() else []:
        if entry == LIVE:
            continue
        try:
            if now - entry.stat().st_mtime > max_age_s:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
                removed += 1
        except OSError:  # removed meanwhile by another request
            pass
    return removed


def _maybe_prune() -> None:
    with _lock:
        if time.monotonic() - _last_prune[0] < PRUNE_EVERY_S:
            return
        _last_prune[0] = time.monotonic()
    prune()


def new_folder(prefix: str) -> Path:
    """A fresh folder for one request's files (e.g. a run's GIF, MP4 and PNG)."""
    ROOT.mkdir(parents=True, exist_ok=True)
    _maybe_prune()
    return Path(tempfile.mkdtemp(prefix=prefix, dir=ROOT))


def live_folder(prefix: str) -> Path:
    """A folder for a ring of files that are rewritten in place and never pruned."""
    LIVE.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=LIVE))


def new_file(prefix: str, suffix: str) -> Path:
    """A fresh file name for one request's output (e.g. a CSV)."""
    ROOT.mkdir(parents=True, exist_ok=True)
    _maybe_prune()
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=ROOT)
    os.close(handle)
    return Path(name)


atexit.register(shutil.rmtree, ROOT, ignore_errors=True)
