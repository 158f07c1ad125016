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
