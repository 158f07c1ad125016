"""A test utility: which texts a figure really draws over each other, and a record of the photo grids shown.

The browser test starts ``record_photo_grids()`` in every kernel (an IPython start-up file), so each photo grid
``helpers.plots.show`` saves is measured before it is closed; ``photo_grid_report()`` then sums them up.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.text import Text

GRIDS: list[dict] = []  # one entry per photo grid saved in this process


def text_overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of texts drawn in ``fig`` whose boxes overlap (empty when every label is readable)."""
    drawn, draw = [], Text.draw  # what a draw really shows: not the tick labels outside the view, nor hidden axes'
    Text.draw = lambda text, renderer: drawn.append(text) or draw(text, renderer)
    try:
        fig.canvas.draw()
    finally:
        Text.draw = draw
    texts = [t for t in dict.fromkeys(drawn) if t.get_visible() and t.get_text().strip()]
    boxes = [t.get_window_extent() for t in texts]
    pairs = [(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts)) if boxes[i].overlaps(boxes[j])]
    return [(texts[i].get_text(), texts[j].get_text()) for i, j in pairs]


def is_photo_grid(fig) -> bool:
    """Whether ``fig`` looks like ``plots.show_photos``'s: axes without axis lines, photos in them."""
    return bool(fig.axes) and not any(ax.axison for ax in fig.axes) and any(ax.images for ax in fig.axes)


def record_photo_grids() -> None:
    """Measure every photo grid before it is saved: its smallest cell (in pixels at 90 dpi) and overlapping texts."""
    save = Figure.savefig

    def measured(fig, *args, **kwargs):
        if is_photo_grid(fig):
            cell = min(ax.get_window_extent().height for ax in fig.axes) * 90 / fig.dpi
            GRIDS.append({"cell_px": round(cell), "overlaps": text_overlaps(fig)})
        return save(fig, *args, **kwargs)

    Figure.savefig = measured


def photo_grid_report() -> str:
    """One line per photo grid saved so far: its smallest photo cell and any overlapping texts."""
    lines = [
        f"grid {i + 1}: photos {entry['cell_px']} px, {len(entry['overlaps'])} overlapping texts"
        + "".join(f" ({a[:30]!r} and {b[:30]!r})" for a, b in entry["overlaps"][:1])
        for i, entry in enumerate(GRIDS)
    ]
    return "\n".join(lines) or "No photo grids shown yet."
