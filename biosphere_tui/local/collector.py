"""Python's cycle collector kept off the first paint, and its full passes short afterwards.

A full collection walks every object the process holds, most of them made as the app starts
(modules, classes, Textual's styles, the first screen): 100,000-150,000 objects at scale 200, 50-130
ms a pass on a busy 2-core machine, several while the app starts (its first frame waits for them)
and then one now and then under a keystroke. The command that opens the app pauses the collector
while it loads; once the first frame is shown, the objects made so far, which live as long as the
app, are left out of later collections (``gc.freeze``) and the collector runs again.
"""

from __future__ import annotations

import gc


class _Paused:
    on = False  # paused by ``pause``, not yet resumed


def pause() -> None:
    """Before loading the app: no collection until ``resume``."""
    if gc.isenabled():
        gc.disable()
        _Paused.on = True


def resume() -> None:
    """After the first frame: what exists stays out of later collections, which run again; nothing
    when ``pause`` paused nothing (e.g. an app run by the tests)."""
    if _Paused.on:
        _Paused.on = False
        gc.freeze()
        gc.enable()
