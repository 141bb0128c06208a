"""Search as you type: how many searches the reader starts while a 12-character query is typed.

The real ``NewsReader`` app runs headless under Textual's Pilot on a benchmark library. Keys are
pressed one at a time with a fixed pause between them (fast, ordinary and slow typists). The
library's ``search`` is wrapped (on this one instance) only to count and time the calls the app
makes; the app itself is unchanged. A 20 ms interval timer on the app records when the event loop
gets to run: the longest gap while typing and searching says whether the screen keeps refreshing.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from pathlib import Path

QUERY = "prime minist"  # 12 characters
SPEEDS = {"fast (80 ms/key)": 0.08, "typical (200 ms/key)": 0.2, "slow (350 ms/key)": 0.35}
assert len(QUERY) == 12


async def _type(home: Path, delay: float) -> dict:
    from newsreader.index.library import Library
    from newsreader.tui.app import NewsReader

    library = Library.open(home, readonly=True)
    calls: list[tuple[str, float, float]] = []
    lock = threading.Lock()
    original = library.search

    def counted(query="", **kwargs):
        started = time.perf_counter()
        try:
            return original(query, **kwargs)
        finally:
            with lock:
                calls.append((query, started, time.perf_counter()))

    library.search = counted  # instrument this instance only: the app calls it as it always does
    app = NewsReader(library, seed=False)
    ticks: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        app.set_interval(0.02, lambda: ticks.append(time.perf_counter()))
        await pilot.press("slash")
        await pilot.pause(0.1)
        calls.clear()
        ticks.clear()
        typing_started = time.perf_counter()
        pressed = []
        for i, ch in enumerate(QUERY):
            # Keys on a fixed schedule (not "press, then sleep"), so the typist's pace does not slow
            # down by however long the app takes to handle each key.
            wait = typing_started + i * delay - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            pressed.append(time.perf_counter())
            await pilot.press("space" if ch == " " else ch)
        typed = time.perf_counter()
        await pilot.pause(0.6)  # past the debounce
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        finished = time.perf_counter()
        value = app.screen.query_one("#search-input").value
    library.close()
    window = [t for t in ticks if typing_started <= t <= finished]
    gaps = [b - a for a, b in zip(window, window[1:])]
    return {
        "typed": value,
        "searches": len(calls),
        "queries": [q for q, _, _ in calls],
        "search_ms": [round((e - s) * 1000, 1) for _, s, e in calls],
        "typing_s": round(typed - typing_started, 2),
        "key_interval_ms": round(statistics.median(b - a for a, b in zip(pressed, pressed[1:])) * 1000, 1),
        "max_frame_gap_ms": round(max(gaps) * 1000, 1) if gaps else None,
        "median_frame_gap_ms": round(statistics.median(gaps) * 1000, 1) if gaps else None,
    }


def measure(home: Path) -> dict:
    out = {}
    for name, delay in SPEEDS.items():
        out[name] = asyncio.run(_type(home, delay))
    return {"query": QUERY, "speeds": out}


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(measure(Path(sys.argv[1])), indent=1))
