"""The cyclic garbage collector over one run of the command line.

Start-up (the command-line library and runrehab's modules imported, the command line parsed)
makes tens of thousands of objects that live until the process ends, and next to no garbage:
the collector walking them again and again took about a twelfth of a single triage. `hold` keeps
it off from the start; `release`, when the command itself begins, sets what start-up made aside
for good (gc.freeze: later collections skip it) and turns the collector on again, so that a long
batch or a large history collects its cycles as ever: after YOUNG new objects rather than 700.
What a command makes dies by reference counting, cycles are few, and the default walked the
young objects some twenty times a view (about 2 ms, more with a year of check-ins). Where
nothing held it (a test calling the app), `release` changes nothing.
"""
from __future__ import annotations

import gc

_held = False
YOUNG = 20_000  # new objects between two collections of the young generation, once a command runs


def hold() -> None:
    """Keep the collector off until `release` (when it is on at all)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release() -> None:
    """Turn the collector on again after `hold`, what was made so far left out of its walks."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        first, *rest = gc.get_threshold()
        gc.set_threshold(max(first, YOUNG), *rest)
        gc.enable()
