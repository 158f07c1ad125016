"""helpers.camera and helpers.camera_widget without a browser: frames, the newest-frame policy, the accounting."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from helpers import camera
from helpers.camera import (
    BUDGET_MS,
    CameraError,
    FrameLog,
    FramePipeline,
    FrameTiming,
    RecordedClip,
    decode_frame,
    dropped_per_second,
    encode_frame,
    scale_for_model,
    simulate,
)
from helpers.classify import Classifier
from helpers.errors import HelpersError, ImageError, TransferError


def test_the_budget_is_the_overviews_33_ms():
    assert BUDGET_MS == pytest.approx(33.33, abs=0.01)
    assert camera.STAGES == ("capture", "transfer", "preprocess", "invoke", "display")
    assert issubclass(CameraError, HelpersError)


# --------------------------------------------------------------------------- frames as bytes


def test_rgba_frames_round_trip_exactly(photo_like):
    data = encode_frame(photo_like, "rgba")
    back = decode_frame(data, photo_like.shape[1], photo_like.shape[0], "rgba")
    assert back.dtype == np.uint8 and back.flags.writeable
    np.testing.assert_array_equal(back, photo_like)


def test_rgba_is_what_get_image_data_gives(photo_like):
    data = encode_frame(photo_like, "rgba")
    assert len(data) == photo_like.shape[0] * photo_like.shape[1] * 4
    assert data[3] == 255 and data[:3] == bytes(photo_like[0, 0])


@pytest.mark.parametrize(
    ("data", "width", "height", "encoding", "words"),
    [
        (b"", 4, 4, "rgba", "empty"),
        (bytes(4 * 4 * 4 - 1), 4, 4, "rgba", "64 bytes"),
        (bytes(4 * 4 * 3), 4, 4, "rgba", "48 bytes, not the 64 bytes"),
        (bytes(16), 0, 4, "rgba", "positive"),
        (bytes(16), 2.0, 2, "rgba", "whole numbers"),
        (bytes(16), 2, 2, "yuv", "Unknown frame encoding"),
        (bytes(4 * 4 * 4), 4, 4, "png", "Unknown frame encoding 'png'"),
    ],
)
def test_bad_frames_raise_camera_error(data, width, height, encoding, words):
    with pytest.raises(CameraError, match=words):
        decode_frame(data, width, height, encoding)


def test_a_frame_of_another_size_than_announced_is_refused(photo_like):
    with pytest.raises(CameraError, match="12,288 bytes, not the 4,096 bytes of the 32×32 frame"):
        decode_frame(encode_frame(photo_like), 32, 32)


def test_encode_refuses_what_is_not_a_frame(photo_like):
    with pytest.raises(CameraError, match="uint8"):
        encode_frame(photo_like.astype(np.float32))
    with pytest.raises(CameraError, match="Unknown"):
        encode_frame(photo_like, "gif")


def test_scale_for_model_takes_the_central_square():
    frame = np.zeros((40, 80, 3), dtype=np.uint8)
    frame[:, 20:60] = 200  # the central 40×40 square is bright, the sides dark
    scaled = scale_for_model(frame, (16, 16))
    assert scaled.shape == (16, 16, 3) and scaled.dtype == np.uint8
    assert scaled.min() == 200


# --------------------------------------------------------------------------- the newest frame wins


def test_the_newest_frame_wins_and_the_rest_are_skipped():
    from helpers.camera import _newest

    assert _newest(0.0, 30, -1, None) == 0
    assert _newest(0.02, 30, 0, None) is None  # frame 1 arrives at 33.3 ms
    assert _newest(0.1, 30, 0, None) == 3  # frames 1 and 2 are dropped
    assert _newest(10.0, 30, 5, 20) == 19
    assert _newest(10.0, 30, 19, 20) is None
    assert _newest(-1.0, 30, -1, None) is None


def test_a_fast_model_classifies_every_frame_with_either_policy():
    for policy in ("newest", "queue"):
        run = simulate(10, policy=policy)
        assert run.dropped == 0 and len(run.processed) == 60
        np.testing.assert_allclose(run.latencies_ms, 10)
        assert run.answers_per_second == pytest.approx(30)


def test_a_slow_model_with_newest_wins_drops_frames_and_keeps_latency_bounded():
    run = simulate(50, seconds=4.0)
    assert run.answers_per_second == pytest.approx(20, abs=0.3)
    assert run.dropped == pytest.approx(40, abs=1)
    assert run.latencies_ms.max() <= 50 + 1000 / 30 + 1e-6  # at most one frame interval of waiting
    assert run.backlog <= 1
    indices = [frame.index for frame in run.processed]
    assert indices == sorted(set(indices))


def test_a_slow_model_with_a_queue_drops_nothing_but_latency_grows_without_bound():
    short, long = simulate(50, seconds=2.0, policy="queue"), simulate(50, seconds=4.0, policy="queue")
    assert short.dropped == 0 and long.dropped == 0
    assert np.all(np.diff(long.latencies_ms) > 0)
    assert long.latencies_ms.max() > 1.9 * short.latencies_ms.max()
    assert long.backlog > short.backlog > 10


@settings(max_examples=40, deadline=None)
@given(st.floats(5, 200), st.sampled_from([15, 24, 30, 60]))
def test_dropped_per_second_matches_the_simulation(process_ms, fps):
    run = simulate(process_ms, camera_fps=fps, seconds=20.0)
    assert run.dropped / 20.0 == pytest.approx(dropped_per_second(process_ms, fps), abs=0.15 + fps / 100)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((0,), "process_ms"),
        ((10, 0), "camera_fps"),
        ((10, 30, 0), "seconds"),
        ((10, 30, 1, "lifo"), "policy"),
    ],
)
def test_simulate_refuses_impossible_settings(args, words):
    with pytest.raises(CameraError, match=words):
        simulate(*args)
    with pytest.raises(CameraError):
        dropped_per_second(0)


# --------------------------------------------------------------------------- accounting


def _timing(frame=0, invoke=20.0, done=0.0, dropped=0):
    return FrameTiming(frame, 2.0, 3.0, 1.0, invoke, 0.5, dropped_before=dropped, done_s=done)


def test_frame_timing_lists_its_stages():
    timing = _timing()
    assert timing.stages() == {"capture": 2.0, "transfer": 3.0, "preprocess": 1.0, "invoke": 20.0, "display": 0.5}
    log = FrameLog()
    log.add(timing)
    assert log.median_total_ms() == 26.5  # the work: the five stages


def test_frame_log_summarises_and_stays_bounded():
    log = FrameLog(maxlen=10)
    for i in range(25):
        log.add(_timing(i, invoke=20.0 if i % 2 else 40.0, done=i * 0.05, dropped=1))
    assert len(log) == 10 and log.total_frames == 25 and log.total_dropped == 25
    assert log.fps() == pytest.approx(20.0)
    assert log.stage_medians()["invoke"] == 30.0
    assert log.slowest_stage() == "invoke"
    assert log.within_budget() == 0.5  # 26.5 ms fits in 33.3 ms, 46.5 ms does not
    summary = log.summary()
    assert summary["frames"] == 25 and summary["median_ms"] == pytest.approx(36.5)


def test_frame_log_refuses_nonsense():
    log = FrameLog()
    with pytest.raises(CameraError, match="Only 0 frame"):
        log.stage_medians()
    log.add(_timing())
    with pytest.raises(CameraError, match="at least 2"):
        log.fps()


# --------------------------------------------------------------------------- the model stages


@pytest.mark.parametrize("kind", ["float", "uint8", "int8"])
def test_pipeline_gives_the_classifiers_answer(tiny_models, photo_like, kind):
    classifier = Classifier(tiny_models[kind], ["a", "b", "c"], num_threads=1)
    pipeline = FramePipeline(classifier, k=2)
    assert pipeline.input_size == (32, 32)
    pixels = scale_for_model(photo_like, (32, 32))
    pairs, preprocess_ms, invoke_ms = pipeline.classify(pixels)
    assert [label for label, _ in pairs] == [label for label, _ in classifier.classify(pixels, top_k=2)]
    np.testing.assert_allclose([p for _, p in pairs], sorted(classifier.predict(pixels), reverse=True)[:2])
    assert preprocess_ms >= 0 and invoke_ms > 0


def test_pipeline_rescales_a_frame_of_another_size(tiny_models, photo_like):
    classifier = Classifier(tiny_models["float"], ["a", "b", "c"], num_threads=1)
    pairs, _, _ = FramePipeline(classifier).classify(photo_like)  # 64×48, the model takes 32×32
    assert [label for label, _ in pairs] == [label for label, _ in classifier.classify(photo_like, top_k=3)]


def test_pipeline_refuses_what_it_cannot_run(tiny_models, photo_like):
    with pytest.raises(CameraError, match="object is not an image classifier"):
        FramePipeline(object())
    classifier = Classifier(tiny_models["float"], ["a", "b", "c"], num_threads=1)
    with pytest.raises(ImageError, match="float image's scale is ambiguous"):  # the image loader refuses it
        FramePipeline(classifier).classify(photo_like.astype(np.float32))
    with pytest.raises(CameraError, match="how many answers"):
        FramePipeline(classifier, k=0)


def test_top_text_is_one_line():
    assert camera.top_text([("tabby, tabby cat", 0.625), ("tiger cat", 0.2)]) == "tabby 0.62 · tiger cat 0.20"


# --------------------------------------------------------------------------- a recorded clip and its replay


def _clip(seconds_per_photo=0.5, fps=30):
    first = Image.fromarray(np.tile(np.arange(200, dtype=np.uint8), (150, 1))[..., None].repeat(3, axis=2))
    second = Image.new("RGB", (120, 90), (10, 200, 30))
    return RecordedClip([first, second], ["ramp", "green"], seconds_per_photo=seconds_per_photo, fps=fps, size=(80, 60))


def test_a_clip_pans_across_each_photo_in_turn():
    clip = _clip()
    assert len(clip) == 30 and clip.duration_s == pytest.approx(1.0)
    first, last = clip.frame(0), clip.frame(14)
    assert first.shape == (60, 80, 3) and first.dtype == np.uint8
    assert first[:, :, 0].mean() < last[:, :, 0].mean()  # the window drifts right, towards brighter columns
    assert clip.name_of(0) == "ramp" and clip.name_of(15) == "green"
    assert np.all(clip.frame(20) == (10, 200, 30))


def test_a_clip_refuses_bad_requests():
    clip = _clip()
    with pytest.raises(CameraError, match="frames 0 to 29"):
        clip.frame(30)
    with pytest.raises(CameraError, match="one name per photo"):
        RecordedClip([Image.new("RGB", (4, 4))], ["a", "b"])
    with pytest.raises(CameraError, match="fps must be a number > 0"):
        RecordedClip([Image.new("RGB", (4, 4))], ["a"], fps=0)


class _SlowModel:
    """A stand-in model that takes ``ms`` per invoke, to watch the newest-frame policy in real time."""

    def __init__(self, ms: float) -> None:
        self.ms = ms
        self.input_details = {"shape": np.array([1, 16, 16, 3]), "dtype": np.uint8, "quantization": (1 / 128, 128)}
        self.labels = ["x", "y"]

    def run(self, tensor):
        time.sleep(self.ms / 1000)
        return np.array([0.75, 0.25], dtype=np.float32)


def test_replay_of_a_fast_model_classifies_every_frame():
    clip = _clip(0.25)
    log = camera.replay(clip, FramePipeline(_SlowModel(1)), progress=False)
    assert log.total_frames == len(clip) and log.total_dropped == 0
    assert [f.frame for f in log] == list(range(len(clip)))
    assert all(f.top[0] == ("x", 0.75) for f in log)
    assert log.fps() == pytest.approx(30, rel=0.25)


def test_replay_of_a_slow_model_drops_stale_frames_instead_of_queueing():
    clip = _clip(0.5)
    log = camera.replay(clip, FramePipeline(_SlowModel(70)), progress=False)
    frames = [f.frame for f in log]
    assert frames[-1] == 29 and frames == sorted(set(frames))
    assert log.total_frames + log.total_dropped == 30
    assert log.total_dropped >= 10  # 70 ms per frame: at most about half the frames can be classified
    started_late_s = [f.done_s - sum(f.stages().values()) / 1000 - f.frame / clip.fps for f in log]
    # Newest-frame-wins starts each frame at most one frame interval plus one 70 ms run after it arrived (plus this
    # machine's scheduling); a queue would fall further behind with every frame, about 1.1 s by the last one.
    assert max(started_late_s) < (1000 / 30 + 70 + 30) / 1000
    assert log.slowest_stage() == "invoke"


# --------------------------------------------------------------------------- a trained head, run live


def test_head_classifier_runs_extractor_and_head_like_a_classifier(tiny_models, photo_like):
    from helpers.transfer import FeatureExtractor, HeadClassifier, SoftmaxHead

    extractor = FeatureExtractor(tiny_models["float"], num_threads=1)
    rng = np.random.default_rng(0)
    head = SoftmaxHead(rng.normal(size=(extractor.dim, 2)).astype(np.float32), np.zeros(2, np.float32))
    live = HeadClassifier(extractor, head, ["mug", "plant"])
    pixels = scale_for_model(photo_like, extractor.input_size)
    pairs, _, _ = FramePipeline(live, k=2).classify(pixels)
    expected = head.predict_proba(extractor.extract(pixels)[np.newaxis])[0]
    np.testing.assert_allclose(sorted((p for _, p in pairs), reverse=True), sorted(expected, reverse=True), atol=1e-6)
    with pytest.raises(TransferError, match="3 labels for a head with 2"):
        HeadClassifier(extractor, head, ["a", "b", "c"])
    with pytest.raises(TransferError, match="takes 5-d features"):
        HeadClassifier(extractor, SoftmaxHead(np.zeros((5, 2), np.float32), np.zeros(2, np.float32)), ["a", "b"])


# --------------------------------------------------------------------------- the widget's kernel half


@pytest.fixture
def widget(tiny_models):
    from helpers.camera_widget import CameraWidget

    return CameraWidget(Classifier(tiny_models["uint8"], ["cat, tabby", "dog", "mug"], num_threads=1), name="tiny")


def _message(pixels, frame_id=1, previous=None, **extra):
    content = {
        "type": "frame",
        "view": "v1",
        "id": frame_id,
        "width": pixels.shape[1],
        "height": pixels.shape[0],
        "encoding": "rgba",
        "capture_ms": 1.5,
        "skipped": 0,
        "previous": previous,
        **extra,
    }
    return content, [encode_frame(pixels)]


def test_widget_answers_a_frame_and_completes_its_record_with_the_next(widget, photo_like):
    assert (widget.input_width, widget.input_height, widget.model_name) == (32, 32, "tiny")
    pixels = scale_for_model(photo_like, (32, 32))
    reply = widget._handle_frame(*_message(pixels))
    assert reply["type"] == "result" and reply["id"] == 1 and reply["view"] == "v1"
    assert [label for label, _ in reply["top"]] == [
        label.split(",")[0] for label, _ in widget.pipeline.model.classify(pixels, top_k=3)
    ]
    assert reply["kernel_ms"] >= reply["invoke_ms"] > 0
    assert len(widget.timings) == 0  # transfer and display are measured by the browser and arrive with frame 2
    widget._handle_frame(*_message(pixels, 2, {"id": 1, "transfer_ms": 4.0, "display_ms": 2.0}))
    (record,) = list(widget.timings)
    assert (record.frame, record.capture_ms, record.transfer_ms, record.display_ms) == (1, 1.5, 4.0, 2.0)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"width": 31}, "bytes"),
        ({"encoding": "yuv"}, "Unknown frame encoding"),
        ({"capture_ms": -3}, "capture_ms"),
        ({"previous": {"id": 0, "transfer_ms": float("nan"), "display_ms": 1}}, None),
        ({"id": "one"}, "Not a frame message"),
    ],
)
def test_widget_replies_with_an_error_message_never_a_traceback(widget, photo_like, change, words):
    pixels = scale_for_model(photo_like, (32, 32))
    content, buffers = _message(pixels)
    content.update(change)
    reply = widget._handle_frame(content, buffers)
    if words is None:  # a bad report about a frame the kernel never answered is ignored
        assert reply["type"] == "result"
    else:
        assert reply["type"] == "error" and words in reply["message"]


def test_widget_reports_a_bad_timing_for_a_frame_it_answered(widget, photo_like):
    pixels = scale_for_model(photo_like, (32, 32))
    widget._handle_frame(*_message(pixels))
    reply = widget._handle_frame(*_message(pixels, 2, {"id": 1, "transfer_ms": -1, "display_ms": 1}))
    assert reply["type"] == "error" and "transfer_ms" in reply["message"]


def test_widget_keeps_a_captured_frame_in_memory(widget, photo_like):
    from helpers.camera_widget import photo_collector

    pixels = scale_for_model(photo_like, (32, 32))
    name, shoot, _upload, note = photo_collector(widget, ("mug", "plant")).children[0].children
    widget.status = "running"
    name.value = "  "
    shoot.click()
    assert "Give the class a name" in note.value
    assert widget._handle_frame(*_message(pixels))["captured"] is None
    name.value = "mug"
    shoot.click()
    reply = widget._handle_frame(*_message(pixels, 2))
    assert reply["captured"] == "mug"
    assert widget._handle_frame(*_message(pixels, 3))["captured"] is None  # one capture, one photo
    assert {k: len(v) for k, v in widget.samples.items()} == {"mug": 1} and widget.samples_taken == 1
    np.testing.assert_array_equal(widget.samples["mug"][0], pixels)


def test_model_menu_switches_the_model_and_the_frame_size(tiny_models, widget):
    from helpers.camera_widget import model_menu, photo_collector

    other = _SlowModel(0)
    menu = model_menu(widget, {"tiny": widget.pipeline.model, "slow": other})
    menu.value = "slow"
    assert widget.pipeline.model is other and (widget.input_width, widget.model_name) == (16, "slow")
    with pytest.raises(CameraError, match="model_menu cannot use its arguments"):
        model_menu(widget, {})
    box = photo_collector(widget, ("mug", "plant"))
    assert len(box.children) == 3


# --------------------------------------------------------------------------- hostile arguments (issue 10)


@pytest.mark.parametrize("data", [3, None, "abc", [1, 2, 3]])
def test_decode_frame_takes_bytes_only(data):
    with pytest.raises(CameraError, match="data is the frame's bytes"):
        decode_frame(data, 1, 1, "rgba")


def test_decode_frame_takes_every_kind_of_bytes(photo_like):
    raw = encode_frame(photo_like)
    height, width = photo_like.shape[:2]
    for data in (raw, bytearray(raw), memoryview(raw)):
        assert np.array_equal(decode_frame(data, width, height), photo_like)
    with pytest.raises(CameraError, match="whole numbers"):
        decode_frame(raw, True, 1)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("10",), "process_ms must be a number"),
        ((float("inf"),), "process_ms must be a finite number"),
        ((float("nan"),), "process_ms must be a finite number"),
        ((10, 30, float("inf")), "seconds must be a finite number"),
        ((10, "30"), "camera_fps must be a number"),
        ((10, True), "camera_fps must be a number"),
        ((10, 30, 1e9), "at most 1,000,000"),
    ],
)
def test_simulate_refuses_settings_that_are_not_finite_numbers(args, words):
    with pytest.raises(CameraError, match=words):
        simulate(*args)


@pytest.mark.parametrize("args", [(float("inf"),), ("5",), (5, float("nan"))])
def test_dropped_per_second_refuses_settings_that_are_not_finite_numbers(args):
    with pytest.raises(CameraError, match="must be a"):
        dropped_per_second(*args)


def test_scale_for_model_names_a_size_that_is_not_a_pair(photo_like):
    with pytest.raises(ImageError, match="size is \\(width, height\\)"):
        scale_for_model(photo_like, 224)


@pytest.mark.parametrize("k", ["3", 2.5, True, None])
def test_frame_pipeline_refuses_a_bad_k_at_once(k):
    with pytest.raises(CameraError, match="k \\(how many answers to show\\) must be a whole number"):
        FramePipeline(_SlowModel(0), k=k)


def test_frame_pipeline_takes_a_numpy_whole_number_for_k(photo_like):
    pipeline = FramePipeline(_SlowModel(0), k=np.int64(1))
    pairs, _, _ = pipeline.classify(scale_for_model(photo_like, (16, 16)))
    assert pairs == [("x", 0.75)]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "words"),
    [
        ((None, None), {}, CameraError, "images is a list"),
        (("cat.jpg", ["a"]), {}, CameraError, "images is a list"),
        (([Image.new("RGB", (4, 4))], "a"), {}, CameraError, "names is a list"),
        (([Image.new("RGB", (4, 4))], [1]), {}, CameraError, "one name per photo"),
        (([Image.new("RGB", (4, 4))], ["a"]), {"fps": float("inf")}, CameraError, "fps must be a finite number"),
        (([Image.new("RGB", (4, 4))], ["a"]), {"seconds_per_photo": "1"}, CameraError, "seconds_per_photo must be"),
        (([Image.new("RGB", (4, 4))], ["a"]), {"size": 80}, ImageError, "size is"),
    ],
)
def test_a_clip_refuses_arguments_of_the_wrong_kind(args, kwargs, error, words):
    with pytest.raises(error, match=words):
        RecordedClip(*args, **kwargs)


def test_a_clip_takes_generators_and_refuses_a_bool_frame_number():
    clip = RecordedClip((Image.new("RGB", (8, 8), c) for c in ("red", "blue")), iter(["r", "b"]), size=(8, 8))
    assert clip.names == ["r", "b"] and len(clip.images) == 2
    with pytest.raises(CameraError, match="Frame True does not exist"):
        clip.frame(True)
    with pytest.raises(CameraError, match="names is a list"):
        RecordedClip.from_assets("images/cat.bmp")


def test_replay_refuses_what_is_not_a_clip_or_a_pipeline():
    with pytest.raises(CameraError, match="replay cannot use its arguments \\(clip=NoneType"):
        camera.replay(None, FramePipeline(_SlowModel(0)), progress=False)
    with pytest.raises(CameraError, match="replay cannot use its arguments .*pipeline=_SlowModel"):
        camera.replay(_clip(), _SlowModel(0), progress=False)
    with pytest.raises(CameraError, match="seconds must be a finite number"):
        camera.replay(_clip(), FramePipeline(_SlowModel(0)), seconds=float("inf"), progress=False)


def test_a_model_whose_input_details_have_no_shape_is_named():
    class Odd:
        input_details, labels = {}, ["a"]

        def run(self, tensor):
            return tensor

    with pytest.raises(CameraError, match="Odd is not an image classifier"):
        FramePipeline(Odd())
