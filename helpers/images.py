"""Load any image into RGB and turn it into a model's input tensor.

Preprocessing lives here and only here, so every notebook feeds its models the
same way. The policy, introduced in notebook 01:

* ``load_image`` accepts a path, bytes, a file object, a PIL image or a numpy
  array; it applies the EXIF orientation, composites transparency on white and
  converts every mode (grayscale, palette, CMYK, 16-bit, ...) to 8-bit RGB.
* ``to_input`` first takes the **central square** of the photo, then resizes it
  (bilinear) to the model's input size: how the published accuracies were
  measured (a central crop) and what the TensorFlow Lite Android example does
  before resizing. ``crop="none"`` squashes the whole photo to the input size
  instead (the aspect ratio is lost), and a number such as ``crop=0.875`` takes
  the central square whose side is that fraction of the photo's short side.
* Pixels are normalized as ``(pixel - mean) / std``; the default is MobileNet's
  ``mean = std = 127.5``, which gives [-1, 1]. A model whose TFLite metadata
  states another normalization (``mean=0, std=255`` for [0, 1], or one value per
  channel) gets it from ``helpers.classify.Classifier``. The result is written in
  the input tensor's own type: float32 as is; uint8/int8 with the tensor's
  quantization ``q = real / scale + zero_point``. When that mapping is the
  identity (the usual ``scale = 1/128, zero_point = 128`` of quantized
  MobileNets), the raw pixel values are used unchanged.
* ``region=(x, y, width, height)`` (pixels of the upright photo) classifies only
  that part of the photo: it is cut out first, then cropped and resized as above.
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from helpers.errors import ImageError, OptionError

ImageSource = str | os.PathLike | bytes | bytearray | BinaryIO | Image.Image | np.ndarray
Normalization = float | tuple[float, ...] | list[float] | np.ndarray  # one value, or one per channel (R, G, B)
Region = tuple[float, float, float, float]  # (x, y, width, height) in pixels

# Anything above this many pixels is refused (a "decompression bomb"): 100 MP is
# 4x a 24 MP phone photo and already needs 300 MB as RGB.
MAX_PIXELS = 100_000_000
MEAN = 127.5
STD = 127.5
CROPS = ("center", "none")  # or a fraction in (0, 1]: a central square that much of the short side


def _describe(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return f"'{os.fspath(source)}'"
    if isinstance(source, (bytes, bytearray)):
        return f"the {len(source)} bytes given"
    name = getattr(source, "name", None)
    return f"'{name}'" if isinstance(name, str) else f"the {type(source).__name__} given"


_HEIF_BRANDS = (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypmif1", b"ftypmsf1", b"ftypavif")
_PIL_LIMIT_LOCK = threading.Lock()


def _sniff(head: bytes, what: str) -> None:
    """Name formats PIL cannot read, whatever the file's extension says."""
    if head[4:12] in _HEIF_BRANDS:
        raise ImageError(
            f"{what} is a HEIC/HEIF/AVIF photo (the iPhone's default format), which this suite cannot "
            f"read. Export it as JPEG (iPhone: Settings → Camera → Formats → Most Compatible), or "
            f"`pip install pillow-heif` and convert it first."
        )
    if head.startswith(b"%PDF"):
        raise ImageError(f"{what} is a PDF document, not an image. Export the page as PNG or JPEG.")


def _open(source: ImageSource) -> Image.Image:
    what = _describe(source)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ImageError(f"No image file at {what}: check the path (it is relative to {Path.cwd()}).")
        if path.stat().st_size == 0:
            raise ImageError(f"{what} is empty (0 bytes): the download or copy did not finish; fetch it again.")
        with open(path, "rb") as handle:
            _sniff(handle.read(16), what)
        source = path
    elif isinstance(source, (bytes, bytearray)):
        if not source:
            raise ImageError("The image data is empty (0 bytes): the upload did not arrive; try again.")
        _sniff(bytes(source[:16]), what)
        source = io.BytesIO(source)
    try:
        # PIL's own bomb check is replaced by ours (below) while opening, so that a huge JPEG can
        # still be decoded at 1/2, 1/4 or 1/8 scale instead of being refused.
        with _PIL_LIMIT_LOCK:
            saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
            try:
                image = Image.open(source)
            finally:
                Image.MAX_IMAGE_PIXELS = saved
        pixels = image.width * image.height
        if pixels > MAX_PIXELS and image.format == "JPEG":
            scale = min(8, 1 << max(0, int(np.ceil(np.log2(np.sqrt(pixels / MAX_PIXELS))))))
            image.draft("RGB", (image.width // scale, image.height // scale))
            pixels = image.size[0] * image.size[1]
        if pixels > MAX_PIXELS:
            raise ImageError(
                f"{what} is {image.width}×{image.height} = {pixels / 1e6:.0f} megapixels, more than the "
                f"{MAX_PIXELS / 1e6:.0f} MP this suite decodes (a possible decompression bomb). "
                f"Shrink it first, for example to 4000 pixels on its longest side."
            )
        image.load()
    except ImageError:
        raise
    except UnidentifiedImageError as exc:
        raise ImageError(
            f"{what} is not an image PIL can read (is it HTML, text, HEIC or a PDF renamed to an image "
            f"extension?). Save it as JPEG or PNG and try again."
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"{what} is damaged or truncated ({exc}); download or export it again.") from exc
    return image


def _from_array(array: np.ndarray) -> Image.Image:
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ImageError(
            f"A numpy image must be H×W, H×W×3 or H×W×4; got shape {array.shape}. "
            f"For a batch, pass one image at a time."
        )
    if array.size == 0:
        raise ImageError(f"The numpy image is empty (shape {array.shape}).")
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise ImageError("The numpy image contains NaN or infinite values.")
        scale = 255.0 if array.max() <= 1.0 else 1.0  # floats in [0, 1] or in [0, 255]
        array = np.clip(array * scale, 0, 255).round().astype(np.uint8)
    elif array.dtype == np.uint16:
        array = (array >> 8).astype(np.uint8)
    elif array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    return Image.fromarray(array)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16/32-bit grayscale: stretch the actual range to 0-255.
        array = np.asarray(image, dtype=np.float64)
        low, high = float(array.min()), float(array.max())
        array = (array - low) * (255.0 / (high - low)) if high > low else np.zeros_like(array)
        return Image.fromarray(array.round().astype(np.uint8)).convert("RGB")
    if image.mode == "F":
        return _from_array(np.asarray(image)).convert("RGB")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("LA", "La", "PA"):
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "RGBa"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    return image.convert("RGB")


def load_image(source: ImageSource) -> Image.Image:
    """Load ``source`` as an upright 8-bit RGB PIL image (or raise ImageError)."""
    if isinstance(source, np.ndarray):
        return _to_rgb(_from_array(source))
    if isinstance(source, Image.Image):
        image = source
    else:
        image = _open(source)
    try:
        image = ImageOps.exif_transpose(image) or image
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        warnings.warn(f"{_describe(source)} has a broken EXIF block; its orientation is ignored.", stacklevel=2)
    return _to_rgb(image)


def _crop_box(size: tuple[int, int], crop: str | float) -> tuple[int, int, int, int] | None:
    """The (left, top, right, bottom) box ``crop`` keeps of an image of ``size``, or None for the whole image."""
    if isinstance(crop, str):
        if crop not in CROPS:
            raise ImageError(f"crop must be one of {CROPS} or a fraction in (0, 1] such as 0.875; got {crop!r}.")
        if crop == "none":
            return None
        fraction = 1.0
    elif isinstance(crop, (int, float, np.floating, np.integer)) and not isinstance(crop, bool) and 0 < crop <= 1:
        fraction = float(crop)
    else:
        raise ImageError(f"crop must be one of {CROPS} or a fraction in (0, 1] such as 0.875; got {crop!r}.")
    width, height = size
    side = max(1, round(min(width, height) * fraction))
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def resize_for_model(image: Image.Image, size: tuple[int, int], crop: str | float = "center") -> Image.Image:
    """Crop (central square by default, see the module's docstring) and resize bilinearly to ``size`` = (w, h)."""
    box = _crop_box(image.size, crop)
    if box is not None:
        image = image.crop(box)
    return image.resize(size, Image.Resampling.BILINEAR)


def _normalization(value: Normalization, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float32).reshape(-1)
    if array.size not in (1, 3) or not np.isfinite(array).all():
        raise OptionError(f"{name} must be one number or one per channel (R, G, B); got {value!r}.")
    if name == "std" and (array <= 0).any():
        raise OptionError(f"std must be positive (pixels are divided by it); got {value!r}.")
    return array


def quantize_pixels(pixels: np.ndarray, dtype: np.dtype, scale: float, zero_point: int,
                    mean: Normalization = MEAN, std: Normalization = STD) -> np.ndarray:
    """Map uint8 RGB pixels to an input tensor of ``dtype`` (float32, uint8 or int8), normalizing with mean/std."""
    dtype = np.dtype(dtype)
    mean, std = _normalization(mean, "mean"), _normalization(std, "std")
    if dtype == np.float32:
        return ((pixels.astype(np.float32) - mean) / std).astype(np.float32)
    if dtype not in (np.uint8, np.int8):
        raise ImageError(f"Input tensors of type {dtype} are not supported; expected float32, uint8 or int8.")
    if scale <= 0:
        raise ImageError(f"The {dtype} input tensor has no quantization (scale {scale}); cannot map pixels to it.")
    info = np.iinfo(dtype)
    if np.ptp(mean) == 0 and np.ptp(std) == 0:  # the same normalization for every channel
        m, s = float(mean[0]), float(std[0])
        if abs(scale * s - 1.0) < 0.01 and abs(zero_point - m) <= 1.0:
            return pixels.astype(dtype)  # identity mapping (uint8, scale 1/128, zero point 128)
        if abs(scale * s - 1.0) < 0.01 and abs(zero_point + 128 - m) <= 1.0:
            return (pixels.astype(np.int16) - 128).astype(dtype)  # the same, shifted to int8
    real = (pixels.astype(np.float32) - mean) / std
    return np.clip(np.round(real / scale + zero_point), info.min, info.max).astype(dtype)


def crop_region(image: Image.Image, region: Region | None) -> Image.Image:
    """The part of ``image`` inside ``region`` = (x, y, width, height) in pixels; the whole image for None."""
    if region is None:
        return image
    try:
        x, y, width, height = (float(v) for v in region)
    except (TypeError, ValueError):
        raise OptionError(f"A region is (x, y, width, height) in pixels, four numbers; got {region!r}.") from None
    if not all(np.isfinite([x, y, width, height])) or width <= 0 or height <= 0:
        raise OptionError(f"The region {region!r} is empty or not finite: width and height must be positive.")
    if x < 0 or y < 0 or x + width > image.width or y + height > image.height:
        raise OptionError(
            f"The region (x={x:g}, y={y:g}, width={width:g}, height={height:g}) reaches outside the "
            f"{image.width}×{image.height} image (x + width must be ≤ {image.width}, y + height ≤ "
            f"{image.height}, x and y ≥ 0). Measure it on the upright photo (load_image(...).size)."
        )
    box = (round(x), round(y), max(round(x) + 1, round(x + width)), max(round(y) + 1, round(y + height)))
    return image.crop(box)


def to_input(source: ImageSource, input_details: dict, crop: str | float = "center",
             mean: Normalization = MEAN, std: Normalization = STD, region: Region | None = None) -> np.ndarray:
    """Turn an image into a (1, H, W, 3) tensor for a LiteRT input (its shape, dtype, quantization)."""
    shape = tuple(int(d) for d in input_details["shape"])
    if len(shape) != 4 or shape[-1] != 3:
        raise ImageError(f"Expected an image input of shape (1, H, W, 3); the model's input is {shape}.")
    height, width = shape[1], shape[2]
    image = resize_for_model(crop_region(load_image(source), region), (width, height), crop)
    return pixels_to_input(np.asarray(image, dtype=np.uint8)[np.newaxis], input_details, mean, std)


def pixels_to_input(pixels: np.ndarray, input_details: dict, mean: Normalization = MEAN,
                    std: Normalization = STD) -> np.ndarray:
    """Already-resized uint8 pixels → the input tensor's dtype, using its quantization (quantize_pixels)."""
    scale, zero_point = input_details.get("quantization", (0.0, 0))
    return quantize_pixels(pixels, input_details["dtype"], float(scale), int(zero_point), mean, std)
