"""Signs of life for slow cells: a progress bar for one long call that cannot report its own progress.

Introduced in notebook 03. Loops over photos use tqdm directly (``progress=True`` in
helpers.evaluate and helpers.bench); a single slow call — a TensorFlow Lite
conversion, a model pass inside a library — gets ``working(...)``: a bar whose clock
ticks every half second until the call returns, then shows 1/1 and the time taken.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def working(description: str, interval_s: float = 0.5) -> Iterator[None]:
    """Show ``description`` with a ticking elapsed-time bar while the block runs (1/1 when it is done).

    Raises nothing of its own; an error of the block passes through (the bar is closed first).
    """
    from tqdm.auto import tqdm

    bar = tqdm(total=1, desc=description, bar_format="{desc}: {elapsed} {bar} {n_fmt}/{total_fmt}")
    done = threading.Event()

    def tick() -> None:
        while not done.wait(interval_s):
            with contextlib.suppress(Exception):  # a closed display must not kill the block
                bar.refresh()

    clock = threading.Thread(target=tick, daemon=True)
    clock.start()
    try:
        yield
        bar.update(1)
    finally:
        done.set()
        clock.join()
        bar.close()
