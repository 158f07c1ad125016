"""Uploading photos from the learner's computer (lessons 01 and 11): an anywidget (browser half in upload_widget.js).

The browser opens each chosen file first: photos larger than ``max_side`` pixels on their long side are drawn onto a
canvas at that size and sent as JPEG, so a 13 MB phone photo reaches the kernel as about 1 MB (one kernel message
cannot carry more than about 10 MB). Files the browser cannot open, or that are not images, are refused with a
sentence saying why. The kernel's half checks each message it receives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import anywidget
import traitlets

from helpers.errors import HelpersError, ImageError

HERE = Path(__file__).parent


@dataclass(frozen=True)
class UploadedPhoto:
    """One photo as the kernel received it: the bytes sent, and what the learner's file was."""

    name: str
    data: bytes
    original_size: tuple[int, int]
    original_bytes: int
    size: tuple[int, int]
    shrunk: bool

    def describe(self) -> str:
        """One sentence: the file's size, and the size it was shrunk to in the browser, if it was."""
        width, height = self.original_size
        what = f"{self.name}: {width} × {height} px, {self.original_bytes / 1e6:.1f} MB"
        if not self.shrunk:
            return f"{what}."
        return (
            f"{what}, shrunk in your browser to {self.size[0]} × {self.size[1]} px "
            f"({len(self.data) / 1e6:.1f} MB JPEG) before it was sent."
        )


def _whole(content: Mapping, key: str) -> int:
    value = content.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
        raise ImageError(f"The browser sent {key}={value!r}; expected a whole number ≥ 0.")
    return int(value)


def _read_photo(content: Mapping, buffers: list) -> UploadedPhoto:
    data = bytes(buffers[0]) if buffers else b""
    if len(data) != _whole(content, "bytes") or not data:
        raise ImageError(
            f"The photo arrived incomplete ({len(data)} of {content.get('bytes')} bytes); choose the file again."
        )
    return UploadedPhoto(
        name=str(content.get("name", "photo")),
        data=data,
        original_size=(_whole(content, "original_width"), _whole(content, "original_height")),
        original_bytes=_whole(content, "original_bytes"),
        size=(_whole(content, "width"), _whole(content, "height")),
        shrunk=bool(content.get("shrunk", False)),
    )


class PhotoUpload(anywidget.AnyWidget):
    """An upload button that shrinks large photos in the browser and says under it why a file was refused."""

    _esm = HERE / "upload_widget.js"
    _css = HERE / "upload_widget.css"
    description = traitlets.Unicode("Upload a photo").tag(sync=True)
    hint = traitlets.Unicode("Choose a photo (JPEG, PNG, …); large ones are shrunk in your browser first.").tag(
        sync=True
    )
    accept = traitlets.Unicode("image/*").tag(sync=True)
    multiple = traitlets.Bool(False).tag(sync=True)
    max_side = traitlets.Int(2048).tag(sync=True)  # px on the long side, as sent to the kernel
    max_bytes = traitlets.Int(8_000_000).tag(sync=True)  # below the kernel connection's ~10 MB per message
    received = traitlets.Int(0).tag(sync=True)  # photos that reached the kernel
    status = traitlets.Unicode("idle").tag(sync=True)  # written by the browser: idle, sending, done, refused, closed
    message = traitlets.Unicode("").tag(sync=True)  # written by the browser: what the learner sees

    def __init__(self, on_photo: Callable[[UploadedPhoto], str | None] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[UploadedPhoto], str | None]] = [on_photo] if on_photo else []
        self.on_msg(self._on_message)

    def __repr__(self) -> str:
        return f"[{self.description} button: run the notebook to choose a photo from your computer]"

    def on_photo(self, callback: Callable[[UploadedPhoto], str | None]) -> None:
        """Call ``callback(photo)`` for each photo received; a string it returns (or an error it raises) is shown
        under the button."""
        self._callbacks.append(callback)

    def handle_photo(self, content: Mapping, buffers: list) -> dict:
        """The reply to one photo message from the browser (never raises): received, or why not."""
        reply = {"type": "error", "view": content.get("view"), "id": content.get("id")}
        name = content.get("name", "The photo")
        try:
            photo = _read_photo(content, buffers)
            notes = [note for note in (callback(photo) for callback in self._callbacks) if note]
        except HelpersError as exc:
            return {**reply, "message": f"{name}: {exc}"}
        except Exception as exc:  # noqa: BLE001  (a bug in a callback must not leave the button waiting forever)
            return {**reply, "message": f"{name} could not be handled ({type(exc).__name__}: {exc})."}
        self.received += 1
        return {**reply, "type": "received", "message": " ".join(notes) or f"{photo.describe()} Received."}

    def _on_message(self, _widget, content, buffers) -> None:
        if isinstance(content, Mapping) and content.get("type") == "photo":
            self.send(self.handle_photo(content, buffers))
