"""The package's exception types: every helper error is a ``HelpersError``."""


class HelpersError(Exception):
    """Base class of every error raised on purpose by the helpers package."""


class AssetError(HelpersError):
    """An asset could not be found, downloaded or verified."""


class ImageError(HelpersError):
    """An image could not be read or converted."""


class ModelError(HelpersError):
    """A model file could not be loaded or is not usable as a classifier."""


class LabelError(HelpersError):
    """A label list does not fit the model's output."""


class BenchmarkError(HelpersError):
    """A latency measurement was asked for with impossible settings."""


class EvaluationError(HelpersError):
    """The images, their classes or the models cannot be evaluated together."""


class MetricsError(HelpersError):
    """The numbers given to a metric do not have the shape or values it needs."""


class QuantizationError(HelpersError):
    """A conversion or quantization was asked for with settings that cannot work."""


class TransferError(HelpersError):
    """A dataset, feature matrix, head or export request that transfer learning cannot use."""


class MetadataError(ModelError):
    """A model's TFLite metadata is missing, incomplete or damaged where it is needed."""


class OptionError(HelpersError):
    """An option (score threshold, region of interest, allow/deny list, ...) is outside what it accepts."""


class CheckError(HelpersError):
    """A self-check was called with a question it cannot ask (not with a wrong answer: that gets a hint)."""


class ExpectationError(HelpersError):
    """A number measured on this machine is further from the notebook's text than the stated tolerance."""

class CameraError(HelpersError):
    """A camera frame, clip or frame-pipeline setting that the live-camera pipeline cannot use."""


class ExplanationError(HelpersError):
    """An explanation (occlusion, gradient map, sanity check) was asked for with settings that cannot work."""
