"""Small helpers for the edge image-classification notebooks.

One module per concern (assets, images, classify, ...). Importing this package,
or ``helpers.assets``, ``helpers.images`` or ``helpers.classify``, never imports
TensorFlow: inference notebooks start with LiteRT alone.
"""

from helpers.environment import frugal_heap as _frugal_heap
from helpers.errors import (
    AssetError,
    BenchmarkError,
    CameraError,
    CheckError,
    EvaluationError,
    ExpectationError,
    ExplanationError,
    HelpersError,
    ImageError,
    LabelError,
    MetadataError,
    MetricsError,
    ModelError,
    OptionError,
    PlotError,
    QuantizationError,
    TransferError,
)
from helpers.kernels import apply as _apply_kernel_choice

_frugal_heap()  # glibc: fewer heaps, large freed blocks returned at once (helpers.environment.frugal_heap)
_apply_kernel_choice()  # CLASSROOM_LITERT_KERNELS=reference: LiteRT's reference kernels everywhere (helpers.kernels)

__all__ = [
    "AssetError",
    "BenchmarkError",
    "CameraError",
    "CheckError",
    "EvaluationError",
    "ExpectationError",
    "ExplanationError",
    "HelpersError",
    "ImageError",
    "LabelError",
    "MetadataError",
    "MetricsError",
    "ModelError",
    "OptionError",
    "PlotError",
    "QuantizationError",
    "TransferError",
]
