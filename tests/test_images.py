"""helpers.images: every image source and mode becomes upright RGB; bad files get ImageError."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from helpers import HelpersError, ImageError, OptionError
from helpers.images import crop_region, load_image, normalization, pixels_to_input, resize_for_model, to_input


def quantize_pixels(pixels, dtype, scale, zero_point, mean=None, std=None):
    """The input tensor ``pixels_to_input`` makes of uint8 ``pixels`` (any shape of RGB triples), in their shape."""
    shape = np.shape(pixels)
    details = {"shape": np.array([1, 1, np.size(pixels) // 3, 3]), "dtype": dtype, "quantization": (scale, zero_point)}
    pixels = pixels.reshape(details["shape"]) if np.size(pixels) % 3 == 0 else pixels
    return pixels_to_input(pixels, details, mean, std).reshape(shape)


def _png_bytes(image: Image.Image, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize("source_kind", ["path", "str", "bytes", "file", "pil", "array"])
def test_every_source_kind_loads_the_same_pixels(tmp_path, photo_like, source_kind):
    path = tmp_path / "gradient.png"
    Image.fromarray(photo_like).save(path)
    source = {
        "path": path,
        "str": str(path),
        "bytes": path.read_bytes(),
        "file": io.BytesIO(path.read_bytes()),
        "pil": Image.open(path),
        "array": photo_like,
    }[source_kind]
    image = load_image(source)
    assert image.mode == "RGB" and image.size == (64, 48)
    np.testing.assert_array_equal(np.asarray(image), photo_like)


@pytest.mark.parametrize(
    "mode, expected_corner",
    [
        ("L", (128, 128, 128)),
        ("LA", (255, 255, 255)),  # fully transparent corner → white
        ("RGBA", (255, 255, 255)),
        ("P", (128, 128, 128)),
        ("CMYK", None),
        ("I;16", (4, 4, 4)),  # 1000 / 257
        ("1", (255, 255, 255)),
    ],
)
def test_modes_convert_to_rgb(mode, expected_corner):
    if mode in ("L", "P"):
        image = Image.new("L", (8, 8), 128).convert(mode)
    elif mode in ("LA", "RGBA"):
        image = Image.new(mode, (8, 8))  # all zeros: transparent black
    elif mode == "CMYK":
        image = Image.new("CMYK", (8, 8), (0, 255, 255, 0))  # red in CMYK
    elif mode == "I;16":
        array = np.linspace(1000, 60000, 64, dtype=np.uint16).reshape(8, 8)
        image = Image.fromarray(array)  # uint16 → mode "I;16"
    else:
        image = Image.new("1", (8, 8), 1)
    rgb = load_image(_png_bytes(image) if mode not in ("CMYK",) else image)
    assert rgb.mode == "RGB" and rgb.size == (8, 8)
    if expected_corner is not None:
        assert rgb.getpixel((0, 0)) == expected_corner
    if mode == "CMYK":
        assert rgb.getpixel((0, 0))[0] > 200 and max(rgb.getpixel((0, 0))[1:]) < 50
    if mode == "I;16":
        assert rgb.getpixel((7, 7)) == (233, 233, 233)  # 16-bit: 60000 / 257, never stretched


def test_palette_with_transparency_is_composited_on_white():
    image = Image.new("P", (4, 4), 0)
    image.putpalette([0, 0, 0, 200, 0, 0] + [0] * 762)
    image.info["transparency"] = 0
    rgb = load_image(_png_bytes(image, transparency=0))
    assert rgb.getpixel((0, 0)) == (255, 255, 255)


def test_exif_orientation_is_applied(tmp_path):
    # A 40×20 image stored sideways with orientation 6 ("rotate 90° clockwise to view").
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (0, 0, 10, 20))  # blue on the left edge as stored
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif, quality=95)
    upright = load_image(path)
    assert upright.size == (20, 40)
    red, _, blue = upright.getpixel((10, 2))  # the stored left edge is now the top
    assert blue > 200 and red < 60


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_arrays_are_refused_with_the_conversion_to_write(dtype):
    array = np.full((4, 4, 3), 0.5, dtype=dtype)
    with pytest.raises(ImageError, match=r"scale is ambiguous.*0\.5…0\.5.*np\.round\(array \* 255\)"):
        load_image(array)  # 0.5 of what? never guessed from the maximum
    converted = np.round(array * 255).astype(np.uint8)  # the conversion the message names
    assert load_image(converted).getpixel((0, 0)) == (128, 128, 128)


def test_one_rule_per_integer_dtype():
    levels = np.array([[0, 128, 255]])
    for dtype in (np.int64, np.int32, np.int16, np.uint32):  # 8-bit levels in a wider type
        assert np.asarray(load_image(levels.astype(dtype)))[0, :, 0].tolist() == [0, 128, 255]
    with pytest.raises(ImageError, match="must lie in 0…255.*-5…300"):
        load_image(np.array([[-5, 300]], np.int64))  # never saturated
    with pytest.raises(ImageError, match=r"boolean.*mask\.astype\(np\.uint8\) \* 255"):
        load_image(np.eye(3, dtype=bool))


def test_uint16_arrays_and_16_bit_pngs_follow_the_same_rule(tmp_path):
    array = np.array([[0, 32896, 65535]], np.uint16)
    Image.fromarray(array).save(tmp_path / "deep.png")
    from_array, from_png = (np.asarray(load_image(s))[0, :, 0].tolist() for s in (array, tmp_path / "deep.png"))
    assert from_array == from_png == [0, 128, 255]  # 65535 is white, both ways
    eight_bit = np.array([[0, 128, 255]], np.uint16)  # 8-bit data in a uint16 array: ambiguous, so asked
    Image.fromarray(eight_bit).save(tmp_path / "shallow.png")
    for source in (eight_bit, tmp_path / "shallow.png"):
        with pytest.raises(ImageError, match=r"8-bit data stored as 16 bits.*array\.astype\(np\.uint8\)"):
            load_image(source)
    assert np.asarray(load_image(eight_bit.astype(np.uint8)))[0, :, 0].tolist() == [0, 128, 255]


def test_a_list_is_not_an_image():
    with pytest.raises(ImageError, match="Cannot read an image from a list: give a path, bytes"):
        load_image([[0, 1], [2, 3]])


def test_grayscale_and_single_channel_arrays():
    assert load_image(np.zeros((5, 6), np.uint8)).size == (6, 5)
    assert load_image(np.zeros((5, 6, 1), np.uint8)).mode == "RGB"
    rgba = np.zeros((2, 2, 4), np.uint8)
    assert load_image(rgba).getpixel((0, 0)) == (255, 255, 255)


# ------------------------------------------------------------------ bad input


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(ImageError, match="No image file at .*nope.jpg"):
        load_image(tmp_path / "nope.jpg")


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(ImageError, match="empty.jpg' is empty"):
        load_image(path)


def test_empty_bytes():
    with pytest.raises(ImageError, match="empty"):
        load_image(b"")


@pytest.mark.parametrize("content", [b"<!DOCTYPE html><html>Not found</html>", b"just some text\n" * 20])
def test_text_or_html_renamed_to_jpg(tmp_path, content):
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)
    with pytest.raises(ImageError, match="photo.jpg' is not an image.*JPEG or PNG"):
        load_image(path)


def test_truncated_jpeg(tmp_path, photo_like):
    buffer = io.BytesIO()
    Image.fromarray(photo_like).resize((256, 256)).save(buffer, format="JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(ImageError, match="cut.jpg' is damaged or truncated"):
        load_image(path)


def test_corrupted_png(tmp_path, photo_like):
    data = bytearray(_png_bytes(Image.fromarray(photo_like)))
    data[60:90] = b"\x00" * 30  # damage the compressed pixel data (CRC no longer matches)
    path = tmp_path / "corrupt.png"
    path.write_bytes(bytes(data))
    with pytest.raises(ImageError, match="corrupt.png"):
        load_image(path)


def _bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [12_000, 30_000])  # 144 MP (above our limit) and 900 MP (PIL's own limit)
def test_decompression_bomb_is_refused(tmp_path, side):
    path = tmp_path / "bomb.png"
    path.write_bytes(_bomb_png(side, side))
    with pytest.raises(ImageError, match="bomb.png.*(megapixels|too large)"):
        load_image(path)


@pytest.mark.parametrize("shape", [(4,), (2, 2, 2), (2, 3, 4, 3), (0, 0, 3)])
def test_bad_array_shapes(shape):
    with pytest.raises(ImageError, match="shape|empty"):
        load_image(np.zeros(shape, np.uint8))


def test_nan_array():
    with pytest.raises(ImageError, match="NaN"):
        load_image(np.full((2, 2, 3), np.nan, np.float32))


def test_image_error_is_a_helpers_error():
    assert issubclass(ImageError, HelpersError)


# ------------------------------------------------------------------ model input


def test_resize_policies(photo_like):
    image = Image.fromarray(photo_like)
    assert resize_for_model(image, (10, 10)).size == (10, 10)
    centre = resize_for_model(image, (48, 48), crop="center")
    np.testing.assert_array_equal(np.asarray(centre), photo_like[:, 8:56])
    with pytest.raises(ImageError, match="crop must be one of"):
        resize_for_model(image, (10, 10), crop="middle")


def test_quantize_pixels_per_dtype():
    pixels = np.array([[0, 127, 255]], np.uint8)
    floats = quantize_pixels(pixels, np.float32, 0.0, 0)
    np.testing.assert_allclose(floats, [[-1.0, -0.00392, 1.0]], atol=1e-4)
    np.testing.assert_array_equal(quantize_pixels(pixels, np.uint8, 1 / 128, 128), pixels)  # the bytes
    np.testing.assert_array_equal(quantize_pixels(pixels, np.int8, 1 / 128, 0), [[-128, -1, 127]])
    # A tensor that wants [0, 1] (scale 1/255, zero point 0) gets the bytes too: real = q / 255, nothing clipped.
    np.testing.assert_array_equal(quantize_pixels(pixels, np.uint8, 1 / 255, 0), pixels)
    # An explicit mean/std is quantized; one that does not fit the input's range is an error, not a clip.
    np.testing.assert_array_equal(quantize_pixels(pixels, np.uint8, 1 / 255, 0, mean=0, std=255), pixels)
    with pytest.raises(OptionError, match="would be clipped"):
        quantize_pixels(pixels, np.uint8, 1 / 255, 0, mean=127.5, std=127.5)


def test_quantize_rejects_unsupported_or_unquantized():
    with pytest.raises(ImageError, match="pixels_to_input cannot use.*int16"):
        quantize_pixels(np.zeros((1, 3), np.uint8), np.int16, 1.0, 0)  # float32, uint8 or int8 only
    # Without mean/std a quantized input takes the bytes: its (model-made) scale is not used, so not checked.
    np.testing.assert_array_equal(quantize_pixels(np.ones((1, 3), np.uint8), np.uint8, 0.0, 0), [[1, 1, 1]])


def test_to_input_uses_the_tensor_shape_and_type(photo_like):
    details = {"shape": np.array([1, 16, 24, 3]), "dtype": np.uint8, "quantization": (1 / 128, 128)}
    tensor = to_input(photo_like, details)
    assert tensor.shape == (1, 16, 24, 3) and tensor.dtype == np.uint8
    details = {"shape": np.array([1, 16, 16, 3]), "dtype": np.float32, "quantization": (0.0, 0)}
    tensor = to_input(photo_like, details)
    assert tensor.dtype == np.float32 and -1 <= tensor.min() and tensor.max() <= 1
    with pytest.raises(ImageError, match="model's input is"):
        to_input(photo_like, {"shape": np.array([1, 10]), "dtype": np.float32})


def test_the_default_crop_is_the_central_square_and_fractions_crop_further():
    # A 60×20 image: red left third, green middle, blue right third. The central square is all green.
    pixels = np.zeros((20, 60, 3), dtype=np.uint8)
    pixels[:, :20, 0] = pixels[:, 20:40, 1] = pixels[:, 40:, 2] = 255
    image = Image.fromarray(pixels)
    centre = np.asarray(resize_for_model(image, (8, 8)))
    assert (centre[..., 1] == 255).all() and centre[..., [0, 2]].max() == 0
    squashed = np.asarray(resize_for_model(image, (9, 9), crop="none"))
    assert squashed[:, 0, 0].min() == 255 and squashed[:, -1, 2].min() == 255
    half = resize_for_model(
        Image.fromarray(np.arange(100 * 100 * 3, dtype=np.uint32).reshape(100, 100, 3).astype(np.uint8)),
        (10, 10),
        crop=0.5,
    )
    assert half.size == (10, 10)


@pytest.mark.parametrize("crop", ["middle", 0, 1.5, -0.2, True, None])
def test_an_unknown_crop_names_the_choices(crop):
    with pytest.raises(ImageError, match=r"crop must be one of \('center', 'none'\) or a fraction"):
        resize_for_model(Image.new("RGB", (10, 10)), (4, 4), crop=crop)


# ------------------------------------------------------------------ hostile input (issue 10)

UINT8_INPUT = {"shape": np.array([1, 8, 8, 3]), "dtype": np.uint8, "quantization": (1 / 128, 128)}
FLOAT_INPUT = {"shape": np.array([1, 8, 8, 3]), "dtype": np.float32, "quantization": (0.0, 0)}


@pytest.mark.parametrize(
    ("pixels", "details", "message"),
    [
        (np.random.default_rng(0).random((1, 8, 8, 3)), UINT8_INPUT, "pixels must be a uint8 numpy array"),
        (np.random.default_rng(0).random((1, 8, 8, 3)), FLOAT_INPUT, "pixels must be a uint8 numpy array"),
        (np.full((1, 8, 8, 3), 300, np.int32), UINT8_INPUT, "got int32 values"),
        ([[[[0, 0, 0]]]], UINT8_INPUT, "pixels must be a uint8 numpy array"),
        (np.zeros((1, 16, 16, 3), np.uint8), UINT8_INPUT, r"shape \(1, 8, 8, 3\).*resize_for_model"),
        (np.zeros((2, 8, 8, 3), np.uint8), UINT8_INPUT, r"shape \(2, 8, 8, 3\)"),
    ],
)
def test_pixels_to_input_checks_its_pixels(pixels, details, message):
    with pytest.raises(ImageError, match=message):
        pixels_to_input(pixels, details)


def test_pixels_to_input_adds_the_batch_axis_to_one_image(photo_like):
    pixels = photo_like[:8, :8]
    np.testing.assert_array_equal(pixels_to_input(pixels, UINT8_INPUT), pixels_to_input(pixels[None], UINT8_INPUT))
    assert pixels_to_input(pixels, FLOAT_INPUT).shape == (1, 8, 8, 3)


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({}, r"cannot use its arguments.*input_details=dict"),
        ([UINT8_INPUT], r"cannot use its arguments.*input_details=list"),
        ("input", "cannot use its arguments.*input_details=str"),
        ({**UINT8_INPUT, "shape": [1, -1, -1, 3]}, r"dynamic input shape \(1, -1, -1, 3\)"),
        ({**UINT8_INPUT, "shape": [1, 1, 1, 3], "shape_signature": [1, -1, -1, 3]}, "allocated it as"),
        ({**UINT8_INPUT, "shape": [2, 8, 8, 3]}, "model's input is"),
        ({**UINT8_INPUT, "shape": ["a", 8, 8, 3]}, r"cannot use its arguments.*input_details=dict"),
        ({**UINT8_INPUT, "quantization": 0.5}, r"cannot use its arguments.*input_details=dict"),
    ],
)
def test_input_details_must_describe_one_fixed_size_image_input(photo_like, details, message):
    with pytest.raises(ImageError, match=message):
        to_input(photo_like, details)
    with pytest.raises(ImageError, match=message):
        pixels_to_input(photo_like[:8, :8], details)


def test_a_batch_axis_set_at_run_time_is_fine(photo_like):
    details = {**UINT8_INPUT, "shape_signature": np.array([-1, 8, 8, 3])}
    np.testing.assert_array_equal(to_input(photo_like, details), to_input(photo_like, UINT8_INPUT))


@pytest.mark.parametrize(("scale", "zero_point"), [(float("nan"), 0), (-0.5, 0), (1 / 128, 100.5), (1 / 128, True)])
def test_quantize_pixels_trusts_the_models_quantization_when_it_is_not_used(scale, zero_point):
    # A uint8 input without mean/std takes the pixel bytes; the scale and zero point (read from the model) only
    # matter when a mean/std must be quantized, and a mean/std that does not fit is refused there.
    pixels = np.arange(12, dtype=np.uint8).reshape(1, 2, 2, 3)
    np.testing.assert_array_equal(quantize_pixels(pixels, np.uint8, scale, zero_point), pixels)
    with pytest.raises(OptionError, match="would be clipped"):
        quantize_pixels(pixels, np.uint8, scale, zero_point, mean=127.5, std=127.5)


@pytest.mark.parametrize(("pixels", "dtype"), [(np.zeros((1, 3), np.float32), np.uint8), (np.zeros((1, 3)), "int9")])
def test_quantize_pixels_needs_uint8_pixels_and_a_dtype(pixels, dtype):
    with pytest.raises(ImageError, match="pixels must be a uint8|int9"):
        quantize_pixels(pixels, dtype, 1 / 128, 128)
    with pytest.raises(ImageError, match="pixels_to_input cannot use.*int9"):
        quantize_pixels(np.zeros((1, 3), np.uint8), "int9", 1 / 128, 128)


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ((0, 0, 0.2, 0.2), r"less than 1 pixel wide or high.*not fractions.*multiply them by the image's size"),
        ((0, 0, 10, 0.5), "less than 1 pixel"),
        (("0", 0, 10, 10), r"A region is \(x, y, width, height\) in pixels"),
    ],
)
def test_regions_are_whole_pixels_not_fractions(photo_like, region, message):
    with pytest.raises(OptionError, match=message):
        crop_region(load_image(photo_like), region)


def test_crop_region_needs_a_pil_image(photo_like):
    # An array is read by load_image's rules; a bool is the number it equals (Python's rule).
    assert (
        crop_region(photo_like, (True, 0, 4, 4)).tobytes()
        == crop_region(load_image(photo_like), (1, 0, 4, 4)).tobytes()
    )
    assert crop_region(load_image(photo_like), np.array([0, 0, 4, 4])).size == (4, 4)  # an array region is fine


def test_resize_for_model_takes_an_array_as_load_image_does(photo_like):
    from_array = resize_for_model(photo_like, (16, 16))
    np.testing.assert_array_equal(
        np.asarray(from_array), np.asarray(resize_for_model(load_image(photo_like), (16, 16)))
    )
    with pytest.raises(ImageError, match=r"No image file at 'cat.jpg'"):  # anything load_image reads
        resize_for_model("cat.jpg", (16, 16))


def test_an_empty_array_is_called_empty():
    with pytest.raises(ImageError, match="is empty"):
        load_image(np.zeros((0, 0), np.uint8))


@pytest.mark.parametrize("value", ["127.5", True, [1, "a"], [[1, 2], [3]]])
def test_a_mean_must_be_numbers(value):
    with pytest.raises(OptionError, match="mean must be one number or one per channel"):
        normalization(value, 1.0, np.float32, (0.0, 0))
