"""Small helpers for the edge image-classification notebooks.

One module per concern (assets, images, classify, ...). Importing this package,
or ``helpers.assets``, ``helpers.images`` or ``helpers.classify``, never imports
TensorFlow: inference notebooks start with LiteRT alone.
"""

from helpers.errors import AssetError, HelpersError, ImageError, LabelError, ModelError

__all__ = ["AssetError", "HelpersError", "ImageError", "LabelError", "ModelError"]
