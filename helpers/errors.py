"""The package's exception types: every helper error is a ``HelpersError``.

Where input is checked, and why. A learner's mistakes arrive at a few boundaries: files (images, models, labels,
folders), model loading (what kind of model it is), the label↔output mapping, learners' answers, widget input,
downloads and the cache. There every input is checked, ambiguous input is refused or reported (never guessed), and
the error names the problem and the fix. Inside the package, values the package made itself (tensors from
``preprocess``, a model's own quantization, counts read from the model) are trusted and not checked again: a check
that only restates Python's own error adds lines, not safety. Options that need checking are small dataclasses
checked once; notebook-facing functions that take plain data wear ``raises_own_errors``, which turns an unexpected
TypeError or ValueError into one sentence of the module's own error. A docstring names the errors a function raises
on purpose; one that names none raises none of its own.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


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


class PlotError(HelpersError):
    """A figure was asked for with data it cannot draw (lengths that do not match, nothing to plot, no alt text)."""


class CheckError(HelpersError):
    """A self-check was called with a question it cannot ask (not with a wrong answer: that gets a hint)."""


class CameraError(HelpersError):
    """A camera frame, clip or frame-pipeline setting that the live-camera pipeline cannot use."""


class ExplanationError(HelpersError):
    """An explanation (occlusion, gradient map, sanity check) was asked for with settings that cannot work."""


def raises_own_errors(error: type[HelpersError]) -> Callable[[F], F]:
    """Decorator: a raw TypeError, ValueError, AttributeError, KeyError or IndexError escaping the function becomes
    ``error``, one sentence naming the function, the types it was given and what it takes."""

    def decorate(function: F) -> F:
        signature = str(inspect.signature(function)).replace("'", "")  # annotations are strings here

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
                try:
                    given = inspect.signature(function).bind(*args, **kwargs).arguments
                    shown = ", ".join(f"{name}={type(value).__name__}" for name, value in given.items())
                except TypeError:
                    shown = f"{len(args)} positional and {sorted(kwargs)} keyword arguments"
                raise error(
                    f"{function.__name__} cannot use its arguments ({shown}): {exc}. It takes "
                    f"{function.__name__}{signature}; pass each argument as its name says (see "
                    f"help({function.__name__}))."
                ) from exc

        return wrapper  # type: ignore[return-value]

    return decorate


def wrap_public_functions(namespace: dict[str, Any], error: type[HelpersError]) -> None:
    """Apply ``raises_own_errors(error)`` to every public function defined in a module's ``globals()``."""
    module = namespace["__name__"]
    for name, value in list(namespace.items()):
        if inspect.isfunction(value) and value.__module__ == module and not name.startswith("_"):
            namespace[name] = raises_own_errors(error)(value)
