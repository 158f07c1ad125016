"""The live-camera frame pipeline, measured against the overview's 33 ms budget (notebook 11).

Five timed stages per frame: capture (the newest frame, scaled to the model's input), transfer (its bytes to the
kernel and back), preprocess, invoke (with top-k) and display. When the model is slower than the camera, the newest
frame wins: the frames in between are dropped and no queue grows. The browser half is ``helpers.camera_widget``.

Checked here: frames as a browser sends them, the model, a clip's photos and names, the settings a learner types.
"""

from __future__ import annotations

import math
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from helpers.arguments import is_whole, real_number, whole_number
from helpers.classify import top_k
from helpers.errors import CameraError, wrap_public_functions
from helpers.images import ImageSource, check_size, load_image, pixels_to_input, resize_for_model

CAMERA_FPS = 30
BUDGET_MS = 1000 / CAMERA_FPS  # the overview: faster than 33 ms per frame for a 30 fps video stream
STAGES = ("capture", "transfer", "preprocess", "invoke", "display")


# --------------------------------------------------------------------------- frames as bytes


_UNKNOWN_ENCODING = "Unknown frame encoding {!r}; the camera sends 'rgba', the bytes getImageData gives."


def encode_frame(pixels: np.ndarray, encoding: str = "rgba") -> bytes:
    """The RGBA bytes a browser sends (``getImageData``'s) for an (H, W, 3) uint8 frame; CameraError otherwise."""
    array = np.asarray(pixels)
    frame = array.ndim == 3 and array.shape[-1] == 3 and array.dtype == np.uint8 and array.size > 0
    rules = {
        f"A frame is an (H, W, 3) uint8 array; got {array.dtype} {array.shape}.": not frame,
        _UNKNOWN_ENCODING.format(encoding): encoding != "rgba",
    }
    problems = [text for text, bad in rules.items() if bad]
    if problems:
        raise CameraError(" ".join(problems))
    return np.concatenate([array, np.full(array.shape[:2] + (1,), 255, dtype=np.uint8)], axis=-1).tobytes()


def decode_frame(data: bytes | bytearray | memoryview, width: int, height: int, encoding: str = "rgba") -> np.ndarray:
    """The (height, width, 3) uint8 pixels of an RGBA frame sent by the browser (alpha dropped); CameraError, naming
    every problem, unless ``data`` is the bytes (bytearray, memoryview) of a ``width`` × ``height`` RGBA frame."""
    sized = is_whole(width) and is_whole(height) and width > 0 and height > 0
    is_bytes = isinstance(data, (bytes, bytearray, memoryview))
    raw, expected = bytes(data) if is_bytes else b"", width * height * 4 if sized else 0
    rules = {
        f"A frame's width and height are positive whole numbers of pixels; got {width!r} × {height!r}.": not sized,
        f"data is the frame's bytes (bytes, bytearray or memoryview), as the browser sends them; got "
        f"{type(data).__name__}. For pixels you already have, skip decode_frame.": not is_bytes,
        "data is an empty frame: the camera has not delivered a picture yet.": is_bytes and not raw,
        f"The RGBA frame has {len(raw):,} bytes, not the {expected:,} bytes of the {width}×{height} frame announced "
        f"with it. Send the width and height the pixels were scaled to.": sized and raw and len(raw) != expected,
        _UNKNOWN_ENCODING.format(encoding): encoding != "rgba",
    }
    problems = [text for text, bad in rules.items() if bad]
    if problems:
        raise CameraError(" ".join(problems))
    return np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 4)[..., :3].copy()


def scale_for_model(frame: ImageSource, size: tuple[int, int]) -> np.ndarray:
    """What the browser does before sending: the frame's central square resized to ``size`` = (w, h), uint8."""
    return np.asarray(resize_for_model(load_image(frame), size), dtype=np.uint8)


# --------------------------------------------------------------------------- the newest frame wins


def _newest(elapsed_s: float, fps: float, last: int, count: int | None) -> int | None:
    """The newest frame (frame k arrives at k / fps s) delivered after ``elapsed_s``, if newer than ``last``."""
    newest = math.floor(elapsed_s * fps + 1e-9)
    if count is not None:
        newest = min(newest, count - 1)
    return newest if newest > last else None


_MAX_SIMULATED_FRAMES = 1_000_000  # a paper replay of about nine hours at 30 fps


@dataclass(frozen=True)
class SimulatedFrame:
    """One processed frame of ``simulate``: when it arrived, started and finished (milliseconds)."""

    index: int
    arrived_ms: float
    started_ms: float
    finished_ms: float


@dataclass(frozen=True)
class Simulation:
    """What a policy does with ``frames`` camera frames (of ``simulate``)."""

    policy: str
    camera_fps: float
    frames: int
    processed: tuple[SimulatedFrame, ...]

    @property
    def dropped(self) -> int:
        return self.frames - len(self.processed)

    @property
    def latencies_ms(self) -> np.ndarray:
        """Each processed frame's latency: from the camera delivering it to its answer."""
        return np.array([frame.finished_ms - frame.arrived_ms for frame in self.processed])

    @property
    def answers_per_second(self) -> float:
        """Answers per second while the camera ran (the fps the viewer sees)."""
        duration = self.frames / self.camera_fps
        return sum(frame.finished_ms <= duration * 1000 + 1e-6 for frame in self.processed) / duration

    @property
    def backlog(self) -> int:
        """Frames delivered but not yet started when the camera's last frame arrived (at most 1 for newest-wins)."""
        last_arrival = (self.frames - 1) * 1000 / self.camera_fps
        return sum(frame.started_ms > last_arrival + 1e-6 for frame in self.processed)


def _positive(**settings: object) -> list[float]:
    return [real_number(value, name, CameraError, positive=True) for name, value in settings.items()]


def simulate(
    process_ms: float, camera_fps: float = CAMERA_FPS, seconds: float = 2.0, policy: str = "newest"
) -> Simulation:
    """Replay ``seconds`` of a camera against a model taking ``process_ms`` per frame, on paper: ``"newest"`` takes
    the newest frame whenever the model is free, ``"queue"`` every frame in order. CameraError for bad settings."""
    process_ms, camera_fps, seconds = _positive(process_ms=process_ms, camera_fps=camera_fps, seconds=seconds)
    count, interval = max(1, round(seconds * camera_fps)), 1000 / camera_fps
    rules = {
        f"policy is 'newest' (drop stale frames) or 'queue' (keep them all); got {policy!r}.": policy
        not in ("newest", "queue"),
        f"seconds × camera_fps is {count:,} frames; simulate replays at most {_MAX_SIMULATED_FRAMES:,}. A few "
        f"seconds show the pattern.": count > _MAX_SIMULATED_FRAMES,
    }
    problems = [text for text, bad in rules.items() if bad]
    if problems:
        raise CameraError(" ".join(problems))
    processed: list[SimulatedFrame] = []
    free_at, last = 0.0, -1
    while last < count - 1:
        newest = _newest(free_at / 1000, camera_fps, last, count) if policy == "newest" else None
        index = last + 1 if newest is None else newest  # the queue, or nothing new yet: the next frame to arrive
        start = max(free_at, index * interval)
        processed.append(SimulatedFrame(index, index * interval, start, start + process_ms))
        free_at, last = start + process_ms, index
    return Simulation(policy, camera_fps, count, tuple(processed))


def dropped_per_second(process_ms: float, camera_fps: float = CAMERA_FPS) -> float:
    """Frames per second the newest-frame policy drops: max(0, fps − 1000 / ms); CameraError unless both are > 0."""
    process_ms, camera_fps = _positive(process_ms=process_ms, camera_fps=camera_fps)
    return max(0.0, camera_fps - 1000 / process_ms)


# --------------------------------------------------------------------------- per-frame accounting


@dataclass(frozen=True)
class FrameTiming:
    """The five stages of one frame (ms), the frames dropped before it, and what the model said."""

    frame: int
    capture_ms: float
    transfer_ms: float
    preprocess_ms: float
    invoke_ms: float
    display_ms: float
    dropped_before: int = 0
    done_s: float = 0.0
    top: tuple[tuple[str, float], ...] = field(default=(), repr=False)

    def stages(self) -> dict[str, float]:
        """Stage name → milliseconds, in pipeline order."""
        return {stage: getattr(self, f"{stage}_ms") for stage in STAGES}


class FrameLog:
    """The last ``maxlen`` frames' timings (a bounded window); a figure of too few frames raises CameraError."""

    def __init__(self, maxlen: int = 600) -> None:
        self._frames: deque[FrameTiming] = deque(maxlen=maxlen)
        self.total_frames = 0
        self.total_dropped = 0

    def add(self, timing: FrameTiming) -> None:
        """Record one finished frame (timed by ``replay`` or the camera widget)."""
        self._frames.append(timing)
        self.total_frames += 1
        self.total_dropped += timing.dropped_before

    def __len__(self) -> int:
        return len(self._frames)

    def __iter__(self) -> Iterator[FrameTiming]:
        return iter(list(self._frames))

    def _need(self, at_least: int = 1) -> list[FrameTiming]:
        frames = list(self._frames)
        if len(frames) < at_least:
            raise CameraError(
                f"Only {len(frames)} frame(s) recorded; run the camera or the clip for longer (at least {at_least})."
            )
        return frames

    def _totals(self) -> list[float]:  # the work per frame: the sum of its five stages
        return [sum(frame.stages().values()) for frame in self._need()]

    def stage_medians(self) -> dict[str, float]:
        """The median milliseconds of each stage over the recorded frames."""
        frames = self._need()
        return {stage: float(np.median([f.stages()[stage] for f in frames])) for stage in STAGES}

    def median_total_ms(self) -> float:
        """The median work per frame (all five stages)."""
        return float(np.median(self._totals()))

    def p90_total_ms(self) -> float:
        """The 90th percentile of the work per frame: the slow frames."""
        return float(np.percentile(self._totals(), 90))

    def fps(self) -> float:
        """Answers per second over the recorded frames, from their finishing times."""
        frames = self._need(2)
        return (len(frames) - 1) / (frames[-1].done_s - frames[0].done_s)

    def within_budget(self) -> float:
        """The fraction of frames whose five stages fit in the overview's 33 ms."""
        return float(np.mean([total <= BUDGET_MS for total in self._totals()]))

    def slowest_stage(self) -> str:
        """The stage with the largest median time: the first place to optimise."""
        medians = self.stage_medians()
        return max(medians, key=medians.get)

    def summary(self) -> dict[str, float]:
        """The headline figures: frames, dropped, fps, median and p90 work, the share within budget."""
        return {
            "frames": self.total_frames,
            "dropped": self.total_dropped,
            "fps": self.fps(),
            "median_ms": self.median_total_ms(),
            "p90_ms": self.p90_total_ms(),
            "within_budget": self.within_budget(),
        }


# --------------------------------------------------------------------------- the model stages


class FramePipeline:
    """Preprocess → invoke → top-k, timed, for a Classifier or a transfer.HeadClassifier; CameraError for a model
    without an image input (1, H, W, 3) or a ``k`` that is not a whole number ≥ 1."""

    def __init__(self, model, k: int = 3) -> None:
        details = getattr(model, "input_details", None)
        shape = tuple(details.get("shape", ())) if isinstance(details, Mapping) else None
        if not (hasattr(model, "labels") and hasattr(model, "run") and shape and len(shape) == 4 and shape[-1] == 3):
            raise CameraError(
                f"{type(model).__name__} is not an image classifier the camera can run (input_details with an image "
                f"input (1, H, W, 3), labels and run; its input: {shape}). Give a helpers.classify.Classifier or a "
                f"helpers.transfer.HeadClassifier."
            )
        self.model, self.k = model, whole_number(k, "k (how many answers to show)", CameraError, minimum=1)
        self.input_size = (int(shape[2]), int(shape[1]))  # the (width, height) frames are scaled to

    def classify(self, pixels: np.ndarray) -> tuple[list[tuple[str, float]], float, float]:
        """(top-k pairs, preprocess ms, invoke ms) for one (H, W, 3) uint8 frame."""
        start = time.perf_counter()
        array = np.asarray(pixels)
        if array.shape[1::-1] != self.input_size:  # e.g. a frame sent just before the model changed
            array = scale_for_model(array, self.input_size)
        prepare = getattr(self.model, "prepare", None)  # a model's own normalization, else the default rule
        tensor = prepare(array) if prepare else pixels_to_input(array[np.newaxis], self.model.input_details)
        ready = time.perf_counter()
        pairs = top_k(self.model.run(tensor), self.model.labels, self.k)
        done = time.perf_counter()
        return pairs, (ready - start) * 1000, (done - ready) * 1000


def top_text(pairs: Sequence[tuple[str, float]]) -> str:
    """The answer as one line of text, e.g. "tabby 0.62 · tiger cat 0.21 · Egyptian cat 0.09"."""
    return " · ".join(f"{label.split(',')[0].strip()} {prob:.2f}" for label, prob in pairs)


# --------------------------------------------------------------------------- a recorded clip (no camera)


def _photo_list(values: Iterable, name: str) -> list:
    if isinstance(values, (str, bytes, os.PathLike)) or not isinstance(values, Iterable):
        raise CameraError(f"{name} is a list (one item per photo); got {type(values).__name__} {values!r}.")
    return list(values)


class RecordedClip:
    """A pretend camera: a slow pan and zoom across each photo in turn, each frame made when asked for. CameraError
    unless ``names`` has one string per photo and the times are > 0; ImageError for a bad ``size`` or photo."""

    def __init__(
        self,
        images: Sequence[ImageSource],
        names: Sequence[str],
        seconds_per_photo: float = 1.0,
        fps: float = CAMERA_FPS,
        size: tuple[int, int] = (320, 240),
    ) -> None:
        images, names = _photo_list(images, "images"), _photo_list(names, "names")
        if not images or len(images) != len(names) or not all(isinstance(name, str) for name in names):
            raise CameraError(
                f"Give at least one photo and one name per photo (a string each); got {len(images)} photos and the "
                f"names {names!r:.80}."
            )
        self.fps, seconds_per_photo = _positive(fps=fps, seconds_per_photo=seconds_per_photo)
        self.size = check_size(size, "size")
        self.images, self.names = [load_image(image) for image in images], names
        self.frames_per_photo = max(1, round(seconds_per_photo * self.fps))

    @classmethod
    def from_assets(cls, names: Sequence[str], **options) -> RecordedClip:
        """A clip over registered photos fetched by name (``"images/cat.bmp"``, …)."""
        from helpers import assets

        names = _photo_list(names, "names")
        return cls([assets.fetch(name) for name in names], [name.rsplit("/", 1)[-1] for name in names], **options)

    def __len__(self) -> int:
        return len(self.images) * self.frames_per_photo

    @property
    def duration_s(self) -> float:
        return len(self) / self.fps

    def _check(self, index: int) -> int:
        if not (is_whole(index) and 0 <= index < len(self)):
            raise CameraError(f"Frame {index!r} does not exist; this clip has frames 0 to {len(self) - 1}.")
        return int(index)

    def name_of(self, index: int) -> str:
        """The name of the photo frame ``index`` is cut from."""
        return self.names[self._check(index) // self.frames_per_photo]

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as (H, W, 3) uint8 at the clip's size: a window that drifts right and zooms in."""
        photo, step = divmod(self._check(index), self.frames_per_photo)
        image = self.images[photo]
        t = step / max(1, self.frames_per_photo - 1)
        width, height = self.size
        scale = min(image.width / width, image.height / height) * (1.0 - 0.15 * t)  # from the largest window
        box_w, box_h = width * scale, height * scale
        left, top = (image.width - box_w) * (0.3 + 0.4 * t), (image.height - box_h) / 2
        resized = image.resize((width, height), Image.Resampling.BILINEAR, box=(left, top, left + box_w, top + box_h))
        return np.asarray(resized, dtype=np.uint8)


def replay(
    clip: RecordedClip, pipeline: FramePipeline, seconds: float | None = None, progress: bool = True
) -> FrameLog:
    """Play ``clip`` (or its first ``seconds``) in real time through ``pipeline``, newest frame first, timing the five
    stages of each frame; transfer packs and unpacks the bytes a browser would send, display writes the answer."""
    count = len(clip)
    if seconds is not None:
        count = min(count, max(1, round(real_number(seconds, "seconds", CameraError, positive=True) * clip.fps)))
    from tqdm.auto import tqdm

    log = FrameLog()
    width, height = pipeline.input_size
    last = -1
    with tqdm(total=count, desc="clip", unit="frame", disable=not progress) as bar:
        start = time.perf_counter()
        while last < count - 1:
            elapsed = time.perf_counter() - start
            index = _newest(elapsed, clip.fps, last, count)
            if index is None:
                time.sleep(max(0.0, (last + 1) / clip.fps - elapsed))
                continue
            t0 = time.perf_counter()
            pixels = scale_for_model(clip.frame(index), (width, height))
            t1 = time.perf_counter()
            pixels = decode_frame(encode_frame(pixels), width, height)
            t2 = time.perf_counter()
            pairs, preprocess_ms, invoke_ms = pipeline.classify(pixels)
            t3 = time.perf_counter()
            bar.set_postfix_str(top_text(pairs[:1]), refresh=False)
            t4 = time.perf_counter()
            stages = ((t1 - t0) * 1000, (t2 - t1) * 1000, preprocess_ms, invoke_ms, (t4 - t3) * 1000)
            log.add(FrameTiming(index, *stages, index - last - 1, t4 - start, tuple(pairs)))
            bar.update(index - last)
            last = index
    return log


wrap_public_functions(globals(), CameraError)
