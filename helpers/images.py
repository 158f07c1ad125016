"""Load any image into RGB and turn it into a model's input tensor: the one preprocessing policy (notebook 01).

* ``load_image`` reads a path, bytes, a file object, a PIL image or a NumPy array into upright 8-bit RGB (EXIF
  orientation applied, transparency composited on white). One rule per pixel type, never a guess from the values:
  uint8 as is; other integers are levels in 0…255; uint16 arrays and 16-bit images are 16-bit (65535 is white).
  Floats, booleans and uint16 values all ≤ 255 are ambiguous: refused with the conversion to write. Values outside
  the range are refused, never clipped.
* ``to_input`` takes the **central square** of the photo, then resizes it (bilinear) to the model's input: how
  the published accuracies were measured and what the TensorFlow Lite Android example does (``crop="none"``
  squashes the whole photo; ``crop=0.875`` keeps that fraction of the short side; ``region`` is cut out first).
* A float32 input gets ``(pixel - mean) / std`` (default MobileNet's 127.5, 127.5: [-1, 1]; a model's metadata
  may state another). A uint8 or int8 input gets the pixel bytes (int8: minus 128), which its quantization maps
  to reals (``scale = 1/128, zero_point = 128``: [-1, 1]); a given mean/std is quantized: ``q = real / scale + zp``.
"""

from __future__ import annotations

import io
import math
import os
import threading
import warnings
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from helpers.arguments import is_real, is_whole
from helpers.errors import ImageError, OptionError, raises_own_errors

ImageSource = str | os.PathLike | bytes | bytearray | BinaryIO | Image.Image | np.ndarray
Normalization = float | tuple[float, ...] | list[float] | np.ndarray  # one value, or one per channel (R, G, B)
Region = tuple[float, float, float, float]  # (x, y, width, height) in pixels

# Anything above this many pixels is refused (a "decompression bomb"): 100 MP is
# 4x a 24 MP phone photo and already needs 300 MB as RGB.
MAX_PIXELS = 100_000_000
MEAN = 127.5
STD = 127.5
CROPS = ("center", "none")  # or a fraction in (0, 1]: a central square that much of the short side
_BYTE_OFFSET = {np.dtype(np.uint8): 0, np.dtype(np.int8): -128}  # pixel bytes → a quantized input's bytes

_HEIF_BRANDS = (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypmif1", b"ftypmsf1", b"ftypavif")
_UNREADABLE = (  # files PIL cannot read, whatever their extension says: (test on the first bytes, what to do)
    (
        lambda head: head[4:12] in _HEIF_BRANDS,
        (
            "is a HEIC/HEIF/AVIF photo (the iPhone's default format), which this suite cannot read. Export it as JPEG "
            "(iPhone: Settings → Camera → Formats → Most Compatible), or `pip install pillow-heif` and convert it first."
        ),
    ),
    (lambda head: head.startswith(b"%PDF"), "is a PDF document, not an image. Export the page as PNG or JPEG."),
    (lambda head: not head, "is empty (0 bytes): the download, copy or upload did not finish; fetch it again."),
)
_PIL_LIMIT_LOCK = threading.Lock()


def _describe(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return f"'{os.fspath(source)}'"
    if isinstance(source, (bytes, bytearray)):
        return f"the {len(source)} bytes given"
    name = getattr(source, "name", None)
    return f"'{name}'" if isinstance(name, str) else f"the {type(source).__name__} given"


def _open(source: str | os.PathLike | bytes | bytearray | BinaryIO) -> Image.Image:
    what = _describe(source)
    if isinstance(source, (str, os.PathLike)):
        source = Path(source).read_bytes() if Path(source).is_file() else None
    if source is None or isinstance(source, (bytes, bytearray)):
        problem = None if source is None else next((a for test, a in _UNREADABLE if test(bytes(source[:16]))), None)
        if source is None or problem:
            where = f"No image file at {what}: check the path (it is relative to {Path.cwd()})."
            raise ImageError(f"{what} {problem}" if problem else where)
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
            scale = min(8, 1 << max(0, math.ceil(math.log2(math.sqrt(pixels / MAX_PIXELS)))))
            image.draft("RGB", (image.width // scale, image.height // scale))
            pixels = image.size[0] * image.size[1]
        if pixels > MAX_PIXELS:
            raise ImageError(
                f"{what} is {image.width}×{image.height} = {pixels / 1e6:.0f} megapixels, more than the "
                f"{MAX_PIXELS / 1e6:.0f} MP this suite decodes (a possible decompression bomb). "
                f"Shrink it first, for example to 4000 pixels on its longest side."
            )
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        problem = (
            "is not an image PIL can read (is it HTML, text, HEIC or a PDF renamed to an image extension?). "
            "Save it as JPEG or PNG and try again."
            if isinstance(exc, UnidentifiedImageError)
            else f"is damaged or truncated ({exc}); download or export it again."
        )
        raise ImageError(f"{what} {problem}") from exc
    return image


_NO_SCALE = {  # pixel types whose values do not say what black and white are: the conversion to write instead
    "b": "A boolean array (a mask?) has no pixel scale. Convert it yourself: mask.astype(np.uint8) * 255 shows True "
    "as white.",
    "f": "A float image's scale is ambiguous: its values run {low:g}…{high:g}. Convert it to 8-bit levels yourself: "
    "np.round(array * 255).astype(np.uint8) for 0…1, or np.round(array).astype(np.uint8) for 0…255.",
    "8-bit in uint16": "These uint16 values all lie in 0…{high}: 8-bit data stored as 16 bits, or a nearly black "
    "16-bit image? Convert it yourself: array.astype(np.uint8) for 8-bit data, np.round(array / 257).astype(np.uint8) "
    "for 16-bit.",
}


def _pixel_problem(array: np.ndarray) -> str | None:
    """What stops ``array`` from becoming an 8-bit H×W, H×W×3 or H×W×4 image by the module's rules."""
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        return f"A numpy image must be H×W, H×W×3 or H×W×4; got shape {array.shape}. For a batch, pass one at a time."
    if array.dtype.kind not in "biuf" or array.size == 0 or not np.isfinite(array).all():
        return (
            f"A numpy image holds finite numbers; this {array.dtype} array of shape {array.shape} is empty, is not "
            f"numbers, or holds NaN or infinite values."
        )
    low_value, high_value = array.min(), array.max()
    kind = "8-bit in uint16" if array.dtype == np.uint16 and high_value <= 255 else array.dtype.kind
    if kind in _NO_SCALE:
        return _NO_SCALE[kind].format(low=low_value, high=high_value)
    high = 65535 if array.dtype == np.uint16 else 255
    if low_value < 0 or high_value > high:
        return (
            f"{array.dtype} pixel values must lie in 0…{high} ({'16' if high > 255 else '8'}-bit levels); these run "
            f"{low_value:g}…{high_value:g}. Nothing is clipped: fix the data, or convert it to 8-bit levels yourself."
        )
    return None


def _from_array(array: np.ndarray) -> Image.Image:
    """An H×W(×3|4) array as an 8-bit PIL image by the module's rule per pixel type; ImageError otherwise."""
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    problem = _pixel_problem(array)
    if problem:
        raise ImageError(problem)
    return Image.fromarray(
        np.round(array / 257).astype(np.uint8) if array.dtype == np.uint16 else array.astype(np.uint8)
    )


def _to_rgb(image: Image.Image, sixteen_bits: bool) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):  # 16-bit, 32-bit or float: the array rules
        array = np.asarray(image)
        return _from_array(array.astype(np.uint16) if sixteen_bits else array).convert("RGB")
    if image.mode in ("LA", "La", "PA", "RGBA", "RGBa") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


@raises_own_errors(ImageError)
def load_image(source: ImageSource) -> Image.Image:
    """Load ``source`` as an upright 8-bit RGB PIL image; ImageError for a file or pixels it cannot read."""
    if isinstance(source, np.ndarray):
        return _to_rgb(_from_array(source), False)
    if not isinstance(source, (str, os.PathLike, bytes, bytearray, Image.Image)) and not hasattr(source, "read"):
        raise ImageError(
            f"Cannot read an image from a {type(source).__name__}: give a path, bytes, a file object, "
            f"a PIL image or a numpy array."
        )
    image = source if isinstance(source, Image.Image) else _open(source)
    # A 16-bit PNG opens as mode "I;16" in Pillow 11 and later, as 32-bit mode "I" in Pillow 10: PNG has no
    # 32-bit pixels, so mode "I" from a PNG is 16-bit data either way.
    sixteen_bits = image.mode.startswith("I;16") or (image.mode == "I" and image.format == "PNG")
    try:
        image = ImageOps.exif_transpose(image) or image
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        warnings.warn(f"{_describe(source)} has a broken EXIF block; its orientation is ignored.", stacklevel=3)
    return _to_rgb(image, sixteen_bits)


def check_size(size: tuple[int, int], name: str = "size") -> tuple[int, int]:
    """``size`` = (width, height) as two positive ints; ImageError otherwise."""
    if not (isinstance(size, (tuple, list)) and len(size) == 2 and all(is_whole(v) and v > 0 for v in size)):
        raise ImageError(f"{name} is (width, height) in whole pixels, such as (224, 224); got {size!r}.")
    return int(size[0]), int(size[1])


def check_crop(crop: str | float) -> str | float:
    """``crop`` if it is one of CROPS or a fraction in (0, 1]; ImageError naming the choices otherwise."""
    if crop in CROPS if isinstance(crop, str) else is_real(crop) and 0 < crop <= 1:
        return crop
    raise ImageError(f"crop must be one of {CROPS} or a fraction in (0, 1] such as 0.875; got {crop!r}.")


def _crop_box(size: tuple[int, int], crop: str | float) -> tuple[int, int, int, int] | None:
    """The (left, top, right, bottom) box a checked ``crop`` keeps of an image of ``size``; None for the whole."""
    if crop == "none":
        return None
    width, height = size
    side = max(1, round(min(width, height) * (1.0 if crop == "center" else float(crop))))
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def resize_for_model(image: ImageSource, size: tuple[int, int], crop: str | float = "center") -> Image.Image:
    """Crop (central square by default) and resize bilinearly to ``size`` = (w, h); ImageError for bad arguments."""
    size = check_size(size)
    image = image if isinstance(image, Image.Image) else load_image(image)
    box = _crop_box(image.size, check_crop(crop))
    return (image if box is None else image.crop(box)).resize(size, Image.Resampling.BILINEAR)


def _normalization_array(value: Normalization, name: str) -> np.ndarray:
    """A mean or std as a float32 array of 1 or 3 finite values (a std > 0); OptionError otherwise."""
    try:
        raw = np.asarray(value)
    except ValueError:  # a ragged list
        raw = np.zeros(0)
    array = raw.astype(np.float32).reshape(-1) if raw.dtype.kind in "iuf" else np.zeros(0, np.float32)
    if array.size not in (1, 3) or not np.isfinite(array).all() or (name == "std" and (array <= 0).any()):
        raise OptionError(
            f"{name} must be one number or one per channel (R, G, B){', each > 0' if name == 'std' else ''}; got "
            f"{value!r}. Give both mean and std (pixels become (pixel - mean) / std), or neither."
        )
    return array


def normalization(
    mean: Normalization | None, std: Normalization | None, dtype: np.dtype, quantization: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray] | None:
    """A given mean/std as arrays, checked against the input they feed (None when neither is given); OptionError
    for only one of them, or values that are not 1 or 3 numbers or would be clipped by a quantized input."""
    if mean is None and std is None:
        return None
    arrays = _normalization_array(mean, "mean"), _normalization_array(std, "std")
    if np.dtype(dtype) in _BYTE_OFFSET:
        (scale, zero_point), offset = quantization, _BYTE_OFFSET[np.dtype(dtype)]
        low, high = scale * (offset - zero_point), scale * (offset + 255 - zero_point)
        reals = np.concatenate([(0 - arrays[0]) / arrays[1], (255 - arrays[0]) / arrays[1]])
        if not (scale > 0 and low - scale <= reals.min() and reals.max() <= high + scale):
            raise OptionError(
                f"mean={mean!r}, std={std!r} map pixels 0…255 to {reals.min():.3g}…{reals.max():.3g}, but this "
                f"{np.dtype(dtype).name} input holds only {low:.3g}…{high:.3g} (scale {scale:.3g}, zero point "
                f"{zero_point:g}): pixels would be clipped. Leave mean/std out: a quantized input takes the bytes."
            )
    return arrays


def _quantize_pixels(
    pixels: np.ndarray, dtype: np.dtype, scale: float, zero_point: float, normalization: tuple | None
) -> np.ndarray:
    """uint8 pixels → the input tensor, on values the package checked (``normalization``: None or arrays)."""
    if dtype == np.float32:
        mean, std = normalization or (np.float32(MEAN), np.float32(STD))
        return (pixels.astype(np.float32) - mean) / std
    offset = _BYTE_OFFSET[dtype]  # uint8 or int8 only: a KeyError names any other type
    if normalization is None:  # the bytes as they are (int8: minus 128, i.e. the top bit flipped): one pass
        return (pixels ^ np.uint8(128)).view(np.int8) if offset else pixels.copy()
    q = np.round((pixels.astype(np.float32) - normalization[0]) / normalization[1] / scale + zero_point)
    return np.clip(q, offset, offset + 255).astype(dtype)


def _uint8_pixels(pixels: object, shape: tuple[int, ...]) -> np.ndarray:
    """``pixels`` as a uint8 array of ``shape`` (or that shape without its batch axis); ImageError otherwise."""
    if isinstance(pixels, np.ndarray) and pixels.dtype == np.uint8 and pixels.shape in (shape, shape[1:]):
        return pixels.reshape(shape)
    what = f"{pixels.dtype} values of shape {pixels.shape}" if isinstance(pixels, np.ndarray) else type(pixels).__name__
    raise ImageError(
        f"pixels must be a uint8 numpy array of shape {shape} (or {shape[1:]}), levels 0…255 as "
        f"resize_for_model(image, (width, height)) gives; got {what}. Floats have no scale and other integers may "
        f"lie outside 0…255: convert them to uint8 (load_image(array) says how)."
    )


def crop_region(image: ImageSource, region: Region | None) -> Image.Image:
    """The part of ``image`` inside ``region`` = (x, y, width, height) in pixels; OptionError for a bad region."""
    image = image if isinstance(image, Image.Image) else load_image(image)
    if region is None:
        return image
    try:
        x, y, width, height = np.asarray(region) + 0.0  # text or a wrong count fails here
    except (TypeError, ValueError):
        x = y = width = height = math.nan
    inside = 0 <= x and 0 <= y and x + width <= image.width and y + height <= image.height
    if not (width >= 1 and height >= 1 and inside):
        raise OptionError(
            f"The region (x={x:g}, y={y:g}, width={width:g}, height={height:g}) reaches outside the "
            f"{image.width}×{image.height} image (x + width must be ≤ {image.width}, y + height ≤ {image.height}, x "
            f"and y ≥ 0). Measure it on the upright photo (load_image(...).size)."
            if width >= 1 and height >= 1
            else f"A region is (x, y, width, height) in pixels: four numbers, finite, with width and height ≥ 1 (not "
            f"empty); got {region!r}."
            + (
                f" It is less than 1 pixel wide or high: not fractions of the photo; for fractions, multiply them by "
                f"the image's size ({image.width}×{image.height}), e.g. (0.1 * width, 0.1 * height, 0.5 * width, ...)."
                if 0 < min(width, height) < 1
                else ""
            )
        )
    box = (round(x), round(y), max(round(x) + 1, round(x + width)), max(round(y) + 1, round(y + height)))
    return image.crop(box)


def _input_shape(input_details: dict) -> tuple[int, int, int, int]:
    """The (1, H, W, 3) shape of the fixed-size image input ``input_details`` describe."""
    shape = tuple(int(d) for d in input_details["shape"])
    signature = tuple(int(d) for d in input_details.get("shape_signature", shape))
    if len(shape) != 4 or shape[0] != 1 or shape[3] != 3 or min(shape[1:3] + signature[1:3]) < 1:
        dynamic = (
            f": a dynamic input shape {signature} (-1 = set at run time; LiteRT allocated it as {shape}) gives no "
            f"image size. Convert the model with a fixed input, e.g. (1, 224, 224, 3)"
            if min(signature[1:3]) < 0
            else ""
        )
        raise ImageError(
            f"Expected one fixed-size image input of shape (1, H, W, 3); the model's input is {shape}{dynamic}. "
            f"input_details are one input's details: interpreter.get_input_details()[0]."
        )
    return shape


@raises_own_errors(ImageError)
def to_input(
    source: ImageSource,
    input_details: dict,
    crop: str | float = "center",
    mean: Normalization | None = None,
    std: Normalization | None = None,
    region: Region | None = None,
) -> np.ndarray:
    """An image as a (1, H, W, 3) tensor for a LiteRT input; ImageError for an image or input it cannot use."""
    _, height, width, _ = _input_shape(input_details)
    image = resize_for_model(crop_region(source, region), (width, height), crop)
    return pixels_to_input(np.asarray(image, dtype=np.uint8)[np.newaxis], input_details, mean, std)


@raises_own_errors(ImageError)
def pixels_to_input(
    pixels: np.ndarray, input_details: dict, mean: Normalization | None = None, std: Normalization | None = None
) -> np.ndarray:
    """Resized uint8 pixels, (1, H, W, 3) or (H, W, 3), as the input tensor; ImageError for ones it cannot use."""
    array = _uint8_pixels(pixels, _input_shape(input_details))
    dtype, quantization = np.dtype(input_details["dtype"]), tuple(map(float, input_details.get("quantization", (0, 0))))
    return _quantize_pixels(array, dtype, *quantization, normalization(mean, std, dtype, quantization))
