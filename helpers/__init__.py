"""Small helpers for the edge image-classification notebooks.

One module per concern (assets, images, classify, ...). Importing this package,
or ``helpers.assets``, ``helpers.images`` or ``helpers.classify``, never imports
TensorFlow: inference notebooks start with LiteRT alone.
"""

from helpers.errors import (
    AssetError,
    BenchmarkError,
    EvaluationError,
    ExplanationError,
    HelpersError,
    ImageError,
    LabelError,
    MetricsError,
    ModelError,
    QuantizationError,
    TransferError,
)

__all__ = [
    "AssetError",
    "BenchmarkError",
    "EvaluationError",
    "ExplanationError",
    "HelpersError",
    "ImageError",
    "LabelError",
    "MetricsError",
    "ModelError",
    "QuantizationError",
    "TransferError",
]
