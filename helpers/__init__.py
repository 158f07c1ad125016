"""Small helpers for the edge image-classification notebooks.

One module per concern (assets, images, classify, ...). Importing this package,
or ``helpers.assets``, ``helpers.images`` or ``helpers.classify``, never imports
TensorFlow: inference notebooks start with LiteRT alone.
"""

import sys as _sys

from helpers.environment import frugal_heap as _frugal_heap
from helpers.environment import frugal_tensorflow as _frugal_tensorflow
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
from helpers.system import hide_start_up_lines as _hide_start_up_lines
from helpers.system import use_kernel_choice as _use_kernel_choice

_frugal_heap()  # glibc: fewer heaps, large freed blocks returned at once (helpers.environment.frugal_heap)
_frugal_tensorflow()  # TensorFlow without oneDNN's caches, if it has not started (helpers.environment)
if "IPython" in _sys.modules:
    # In a notebook: the start-up chatter TensorFlow, LiteRT and MediaPipe print to stderr is filtered from every
    # cell from here on (real errors still show), so learners never meet a pink block that is not an error.
    _hide_start_up_lines()
_use_kernel_choice()  # CLASSROOM_LITERT_KERNELS=reference: LiteRT's reference kernels everywhere (helpers.system)

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
