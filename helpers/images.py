"""Load any image into RGB and turn it into a model's input tensor.

Preprocessing lives here and only here, so every notebook feeds its models the
same way. The policy, introduced in notebook 01:

* ``load_image`` accepts a path, bytes, a file object, a PIL image or a numpy
  array; it applies the EXIF orientation, composites transparency on white and
  converts every mode (grayscale, palette, CMYK, 16-bit, ...) to 8-bit RGB.
  One rule per pixel type, never a guess from the values: uint8 as is; other
  integers are 8-bit levels and must lie in 0…255; uint16 arrays and 16-bit
  images are 16-bit (65535 is white); floats and booleans have no scale, so
  they need ``value_range=(black, white)``, e.g. ``(0, 1)`` or ``(0, 255)``,
  which also maps any other type. Values outside the range are an error, never
  clipped; so are uint16 values all ≤ 255 (8-bit data? say which range).
* ``to_input`` first takes the **central square** of the photo, then resizes it
  (bilinear) to the model's input size: how the published accuracies were
  measured (a central crop) and what the TensorFlow Lite Android example does
  before resizing. ``crop="none"`` squashes the whole photo to the input size
  instead (the aspect ratio is lost), and a number such as ``crop=0.875`` takes
  the central square whose side is that fraction of the photo's short side.
* A float32 input gets ``(pixel - mean) / std``; the default is MobileNet's
  ``mean = std = 127.5``, which gives [-1, 1]; a model whose TFLite metadata
  states another (``mean=0, std=255`` for [0, 1], or one value per channel)
  gets it from ``helpers.model.LiteRTModel``. A uint8 or int8 input gets the
  pixel bytes (int8: minus 128), because its quantization already says what
  they mean (``scale = 1/128, zero_point = 128``: [-1, 1]; ``1/255, 0``: [0, 1]);
  an explicit mean/std is quantized with ``q = real / scale + zero_point``.
* ``region=(x, y, width, height)`` (pixels of the upright photo) classifies only
  that part of the photo: it is cut out first, then cropped and resized as above.
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from helpers.arguments import is_real, real_number, whole_number
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


def _check_range(value_range: tuple[float, float]) -> tuple[float, float]:
    items = list(value_range) if isinstance(value_range, Iterable) and not isinstance(value_range, (str, bytes)) else []
    if len(items) != 2 or not all(is_real(v) for v in items):
        raise OptionError(
            f"value_range is (low, high), the values that mean black and white, such as (0, 1) or "
            f"(0, 255); got {value_range!r}."
        )
    low, high = float(items[0]), float(items[1])
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise OptionError(f"value_range needs finite low < high; got {value_range!r}.")
    if not np.isfinite(high - low):
        raise OptionError(
            f"value_range=(low, high) needs a finite width high - low (it sets the scale); got {value_range!r}, "
            f"whose width overflows. Give the range the data really uses, such as (0, 1) or (0, 255)."
        )
    return low, high


def to_uint8(array: np.ndarray, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """Pixel values → uint8 by one rule per dtype (module docstring); ``value_range`` = (black, white) maps any dtype.

    Raises ImageError for an empty array, non-numbers, NaN or values the rule cannot map; OptionError for a bad range.
    """
    array = np.asarray(array)
    if array.dtype.kind not in "biuf":
        raise ImageError(f"A numpy image holds numbers; got dtype {array.dtype}.")
    if array.size == 0:
        raise ImageError(f"The numpy image is empty (shape {array.shape}): there are no pixels to convert.")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ImageError("The numpy image contains NaN or infinite values.")
    low_value, high_value = array.min(), array.max()
    if value_range is not None:
        low, high = _check_range(value_range)
        if low_value < low or high_value > high:
            raise ImageError(
                f"The image's values run {low_value:g}…{high_value:g}, outside value_range=({low:g}, "
                f"{high:g}); give the range the data really uses (nothing is clipped)."
            )
        return np.round((array.astype(np.float64) - low) * (255.0 / (high - low))).astype(np.uint8)
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.bool_:
        raise ImageError(
            "A boolean array (a mask?) has no pixel scale. Pass value_range=(0, 1) to show True as "
            "white, or convert it yourself: mask.astype(np.uint8) * 255."
        )
    if array.dtype == np.uint16:
        if high_value <= 255:
            raise ImageError(
                f"These uint16 values all lie in 0…{high_value}: 8-bit data stored as 16 bits, or a "
                f"nearly black 16-bit image? Say which: value_range=(0, 255) or value_range=(0, 65535)."
            )
        return np.round(array / 257.0).astype(np.uint8)  # 16-bit: 65535 is white
    if array.dtype.kind in "iu":
        if low_value < 0 or high_value > 255:
            raise ImageError(
                f"{array.dtype} pixel values must lie in 0…255 (8-bit levels); these run "
                f"{low_value}…{high_value}. Pass value_range=(low, high) to map them, or fix the data."
            )
        return array.astype(np.uint8)
    raise ImageError(
        f"A float image's scale is ambiguous: its values run {low_value:g}…{high_value:g}. Say which "
        f"scale it uses: value_range=(0, 1) or value_range=(0, 255), e.g. load_image(array, "
        f"value_range=(0, 1))."
    )


def _from_array(array: np.ndarray, value_range: tuple[float, float] | None = None) -> Image.Image:
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ImageError(
            f"A numpy image must be H×W, H×W×3 or H×W×4; got shape {array.shape}. "
            f"For a batch, pass one image at a time."
        )
    if array.size == 0:
        raise ImageError(f"The numpy image is empty (shape {array.shape}).")
    return Image.fromarray(to_uint8(array, value_range))


def _to_rgb(
    image: Image.Image, value_range: tuple[float, float] | None = None, sixteen_bits: bool = False
) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):  # 16-bit, 32-bit or float: the array rules
        array = np.asarray(image)
        return _from_array(array.astype(np.uint16) if sixteen_bits else array, value_range).convert("RGB")
    if value_range is not None:
        raise OptionError(
            f"value_range is for arrays and 16-bit or float images; this {image.mode} image already "
            f"has 8-bit pixels. Leave value_range out."
        )
    if image.mode == "RGB":
        return image
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("LA", "La", "PA"):
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "RGBa"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    return image.convert("RGB")


def load_image(source: ImageSource, value_range: tuple[float, float] | None = None) -> Image.Image:
    """Load ``source`` as an upright 8-bit RGB PIL image (or raise ImageError); ``value_range`` for arrays, see above."""
    if isinstance(source, np.ndarray):
        return _to_rgb(_from_array(source, value_range))
    if isinstance(source, Image.Image):
        image = source
    elif isinstance(source, (str, os.PathLike, bytes, bytearray)) or hasattr(source, "read"):
        image = _open(source)
    else:
        raise ImageError(
            f"Cannot read an image from a {type(source).__name__}: give a path, bytes, a file object, "
            f"a PIL image or a numpy array."
        )
    # A 16-bit PNG opens as mode "I;16" in Pillow 11 and later, as 32-bit mode "I" in Pillow 10: PNG has no
    # 32-bit pixels, so mode "I" from a PNG is 16-bit data either way.
    sixteen_bits = image.mode.startswith("I;16") or (image.mode == "I" and image.format == "PNG")
    try:
        image = ImageOps.exif_transpose(image) or image
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        warnings.warn(f"{_describe(source)} has a broken EXIF block; its orientation is ignored.", stacklevel=2)
    return _to_rgb(image, value_range, sixteen_bits)


def check_size(size: tuple[int, int], name: str = "size") -> tuple[int, int]:
    """``size`` = (width, height) as two positive ints, or an ImageError. Raises ImageError for anything else."""
    if not (
        isinstance(size, (tuple, list))
        and len(size) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in size)
    ):
        raise ImageError(f"{name} is (width, height) in whole pixels, such as (224, 224); got {size!r}.")
    return int(size[0]), int(size[1])


def check_crop(crop: str | float) -> str | float:
    """``crop`` if it is one of CROPS or a fraction in (0, 1], else an ImageError naming the choices.

    Raises ImageError for anything else.
    """
    if (
        crop in CROPS
        if isinstance(crop, str)
        else (isinstance(crop, (int, float, np.floating, np.integer)) and not isinstance(crop, bool) and 0 < crop <= 1)
    ):
        return crop
    raise ImageError(f"crop must be one of {CROPS} or a fraction in (0, 1] such as 0.875; got {crop!r}.")


def _crop_box(size: tuple[int, int], crop: str | float) -> tuple[int, int, int, int] | None:
    """The (left, top, right, bottom) box ``crop`` keeps of an image of ``size``, or None for the whole image."""
    if check_crop(crop) == "none":
        return None
    fraction = 1.0 if crop == "center" else float(crop)
    width, height = size
    side = max(1, round(min(width, height) * fraction))
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def resize_for_model(image: Image.Image, size: tuple[int, int], crop: str | float = "center") -> Image.Image:
    """Crop (central square by default, see the module's docstring) and resize bilinearly to ``size`` = (w, h).

    ``image`` is a PIL image or a numpy array (read by ``load_image``'s rules). Raises ImageError for any
    other image, a bad ``size`` or ``crop``.
    """
    size = check_size(size)
    if isinstance(image, np.ndarray):
        image = load_image(image)
    elif not isinstance(image, Image.Image):
        raise ImageError(
            f"image must be a PIL image or a numpy array; got {type(image).__name__}. Read a file, bytes or "
            f"upload with load_image(source) first."
        )
    box = _crop_box(image.size, crop)
    if box is not None:
        image = image.crop(box)
    return image.resize(size, Image.Resampling.BILINEAR)


def normalization_array(value: Normalization, name: str) -> np.ndarray:
    """A mean or std as a float32 array of 1 or 3 values (std > 0), or an OptionError (also for text or bools).

    Raises OptionError for anything else.
    """
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):  # a ragged list
        raw = np.zeros(0, np.float32)
    array = raw.astype(np.float32).reshape(-1) if raw.dtype.kind in "iuf" else np.zeros(0, np.float32)
    if array.size not in (1, 3) or not np.isfinite(array).all():
        raise OptionError(f"{name} must be one number or one per channel (R, G, B); got {value!r}.")
    if name == "std" and (array <= 0).any():
        raise OptionError(f"std must be positive (pixels are divided by it); got {value!r}.")
    return array


def quantize_pixels(
    pixels: np.ndarray,
    dtype: np.dtype,
    scale: float,
    zero_point: int,
    mean: Normalization | None = None,
    std: Normalization | None = None,
) -> np.ndarray:
    """Map uint8 RGB pixels to an input tensor of ``dtype`` (float32, uint8 or int8), by the module's rule.

    float32: ``(pixel - mean) / std`` (default MobileNet's 127.5, 127.5). uint8/int8 without mean/std:
    the pixel bytes (int8: minus 128); with them: ``q = (pixel - mean) / std / scale + zero_point``.
    Raises ImageError for pixels that are not uint8, an unsupported dtype or a quantization that is not a
    finite scale > 0 with a whole zero point; OptionError for a bad mean/std.
    """
    pixels = _uint8_pixels(pixels)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ImageError(f"dtype must be a NumPy type such as np.uint8; got {dtype!r}.") from None
    scale = real_number(scale, "The input's quantization scale", ImageError, minimum=0)
    zero_point = whole_number(zero_point, "The input's quantization zero point", ImageError)
    if (mean is None) != (std is None):
        raise OptionError("Give both mean and std (pixels become (pixel - mean) / std), or neither.")
    if dtype not in (np.float32, np.uint8, np.int8):
        raise ImageError(f"Input tensors of type {dtype} are not supported; expected float32, uint8 or int8.")
    if dtype != np.float32 and scale <= 0:
        raise ImageError(f"The {dtype} input tensor has no quantization (scale {scale}); cannot map pixels to it.")
    normalization = None if mean is None else (normalization_array(mean, "mean"), normalization_array(std, "std"))
    if normalization is not None and dtype != np.float32:
        info = np.iinfo(dtype)
        q = np.round((pixels.astype(np.float32) - normalization[0]) / normalization[1] / scale + zero_point)
        if q.size and (q.min() < info.min - 1 or q.max() > info.max + 1):
            raise OptionError(
                f"mean/std map these pixels to {q.min():g}…{q.max():g}, outside the {dtype} input's "
                f"{info.min}…{info.max}: they would be clipped. Leave mean/std out for a quantized input."
            )
    return _quantize_pixels(pixels, dtype, scale, zero_point, normalization)


def _quantize_pixels(
    pixels: np.ndarray, dtype: np.dtype, scale: float, zero_point: float, normalization: tuple | None
) -> np.ndarray:
    """``quantize_pixels`` on checked values: ``normalization`` is None or (mean, std) as arrays."""
    if dtype == np.float32:
        mean, std = normalization if normalization is not None else (np.float32(MEAN), np.float32(STD))
        return (pixels.astype(np.float32) - mean) / std
    info = np.iinfo(dtype)
    if normalization is None:  # the bytes as they are: the input's quantization says what they mean
        return (pixels.astype(np.int16) + info.min).astype(dtype)
    q = np.round((pixels.astype(np.float32) - normalization[0]) / normalization[1] / scale + zero_point)
    return np.clip(q, info.min, info.max).astype(dtype)


def _uint8_pixels(pixels: object) -> np.ndarray:
    """``pixels`` as a uint8 array, or an ImageError: other types have another scale or wrap around."""
    array = np.asarray(pixels) if isinstance(pixels, np.ndarray) else None
    if array is None or array.dtype != np.uint8:
        what = f"{array.dtype} values" if array is not None else type(pixels).__name__
        raise ImageError(
            f"pixels must be a uint8 numpy array (levels 0…255, as resize_for_model gives); got {what}. "
            f"Floats have no scale and other integers may lie outside 0…255: convert them with "
            f"helpers.images.to_uint8(array, value_range=(0, 1)) or (0, 255), or load_image(array)."
        )
    return array


def crop_region(image: Image.Image, region: Region | None) -> Image.Image:
    """The part of ``image`` inside ``region`` = (x, y, width, height) in pixels; the whole image for None.

    Raises ImageError when ``image`` is not a PIL image, OptionError for a region that is not four finite
    numbers, is less than 1 pixel wide or high (a fraction?) or reaches outside the image.
    """
    if not isinstance(image, Image.Image):
        raise ImageError(f"image must be a PIL image (see load_image); got {type(image).__name__}.")
    if region is None:
        return image
    items = list(region) if isinstance(region, Iterable) and not isinstance(region, (str, bytes)) else []
    if len(items) != 4 or not all(is_real(v) for v in items):
        raise OptionError(f"A region is (x, y, width, height) in pixels, four numbers; got {region!r}.")
    x, y, width, height = (float(v) for v in items)
    if not all(np.isfinite([x, y, width, height])) or width <= 0 or height <= 0:
        raise OptionError(f"The region {region!r} is empty or not finite: width and height must be positive.")
    if width < 1 or height < 1:
        raise OptionError(
            f"The region {region!r} is less than 1 pixel wide or high. A region is in pixels, not fractions of "
            f"the photo: for fractions, multiply them by the image's size ({image.width}×{image.height}), "
            f"e.g. (0.1 * width, 0.1 * height, 0.5 * width, 0.5 * height)."
        )
    if x < 0 or y < 0 or x + width > image.width or y + height > image.height:
        raise OptionError(
            f"The region (x={x:g}, y={y:g}, width={width:g}, height={height:g}) reaches outside the "
            f"{image.width}×{image.height} image (x + width must be ≤ {image.width}, y + height ≤ "
            f"{image.height}, x and y ≥ 0). Measure it on the upright photo (load_image(...).size)."
        )
    box = (round(x), round(y), max(round(x) + 1, round(x + width)), max(round(y) + 1, round(y + height)))
    return image.crop(box)


def _input_shape(input_details: object) -> tuple[int, int]:
    """(height, width) of the fixed-size image input that ``input_details`` describe, or an ImageError."""
    if isinstance(input_details, (list, tuple)):
        raise ImageError(
            f"input_details is one input's dict, interpreter.get_input_details()[0]; got a "
            f"{type(input_details).__name__} of {len(input_details)}. Take its first item."
        )
    if not isinstance(input_details, Mapping) or not {"shape", "dtype"} <= set(input_details):
        raise ImageError(
            f"input_details must be one input's details, interpreter.get_input_details()[0]: a dict with "
            f"'shape', 'dtype' and 'quantization'; got {input_details!r:.80}."
        )
    try:
        shape = tuple(int(d) for d in input_details["shape"])
        signature = tuple(int(d) for d in input_details.get("shape_signature", shape))
    except (TypeError, ValueError):
        raise ImageError(f"input_details['shape'] must be whole numbers; got {input_details['shape']!r}.") from None
    if len(shape) != 4 or shape[-1] != 3:
        raise ImageError(f"Expected an image input of shape (1, H, W, 3); the model's input is {shape}.")
    if min(shape[1:3] + signature[1:3]) < 0:
        allocated = f"; LiteRT allocated it as {shape}" if shape != signature else ""
        raise ImageError(
            f"input_details describe a dynamic input shape {signature} (-1 = set at run time{allocated}), so "
            f"they give no image size. This suite runs models with a fixed image size: convert the model with "
            f"a fixed input, e.g. (1, 224, 224, 3)."
        )
    if shape[0] != 1 or min(shape[1:3]) < 1:
        raise ImageError(f"Expected an image input of shape (1, H, W, 3); the model's input is {shape}.")
    return shape[1], shape[2]


def _quantization(input_details: Mapping) -> tuple[object, object]:
    quantization = input_details.get("quantization", (0.0, 0))
    items = list(quantization) if isinstance(quantization, Iterable) and not isinstance(quantization, str) else []
    if len(items) != 2:
        raise ImageError(f"input_details['quantization'] is (scale, zero_point); got {quantization!r}.")
    return items[0], items[1]


def to_input(
    source: ImageSource,
    input_details: dict,
    crop: str | float = "center",
    mean: Normalization | None = None,
    std: Normalization | None = None,
    region: Region | None = None,
) -> np.ndarray:
    """Turn an image into a (1, H, W, 3) tensor for a LiteRT input (its shape, dtype, quantization).

    Raises ImageError when ``input_details`` are not one fixed-size image input's details (a dynamic
    shape included), or for the errors of load_image, crop_region, resize_for_model and quantize_pixels.
    """
    height, width = _input_shape(input_details)
    image = resize_for_model(crop_region(load_image(source), region), (width, height), crop)
    return pixels_to_input(np.asarray(image, dtype=np.uint8)[np.newaxis], input_details, mean, std)


def pixels_to_input(
    pixels: np.ndarray, input_details: dict, mean: Normalization | None = None, std: Normalization | None = None
) -> np.ndarray:
    """Already-resized uint8 pixels → the input tensor's dtype, using its quantization (quantize_pixels).

    ``pixels`` is (1, H, W, 3) or one (H, W, 3) image (the batch axis is added), H×W the input's.
    Raises ImageError for pixels that are not uint8 or not that shape, and for unusable ``input_details``.
    """
    height, width = _input_shape(input_details)
    array = _uint8_pixels(pixels)
    if array.shape == (height, width, 3):
        array = array[np.newaxis]
    if array.shape != (1, height, width, 3):
        raise ImageError(
            f"pixels must have shape (1, {height}, {width}, 3), one image of this input's {width}×{height} "
            f"(or ({height}, {width}, 3)); got {array.shape}. Resize with resize_for_model(image, "
            f"({width}, {height}))."
        )
    scale, zero_point = _quantization(input_details)
    return quantize_pixels(array, input_details["dtype"], scale, zero_point, mean, std)
