"""Small helpers for the edge image-classification notebooks, one module per concern (assets, images, classify...).

Importing this package, ``helpers.assets``, ``helpers.images`` or ``helpers.classify`` never imports TensorFlow:
inference notebooks start with LiteRT alone.
"""

import sys as _sys

from helpers.environment import frugal_heap as _frugal_heap
from helpers.environment import frugal_tensorflow as _frugal_tensorflow
from helpers.errors import (  # noqa: F401 (the package's errors, importable from it)
    AssetError,
    BenchmarkError,
    CameraError,
    CheckError,
    EvaluationError,
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

__all__ = [name for name in dir() if name.endswith("Error")]

_frugal_heap()  # glibc: fewer heaps, large freed blocks returned at once
_frugal_tensorflow()  # TensorFlow without oneDNN's caches, if it has not started
if "IPython" in _sys.modules:  # a notebook: native start-up chatter is filtered from every cell; real errors show
    _hide_start_up_lines()
_use_kernel_choice()  # CLASSROOM_LITERT_KERNELS=reference: LiteRT's reference kernels everywhere
