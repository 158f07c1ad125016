"""Which LiteRT kernels run the models: the default (optimized, CPU-specific) or the reference ones.

LiteRT's default kernels (XNNPACK and hand-tuned quantized arithmetic) differ slightly
between CPUs: a uint8 MobileNet's output can move by a few steps of 1/256 from an Intel
laptop to an Apple Silicon Mac. The portable reference kernels compute the same model
another way, so running the notebooks with them is a second check that every stored
output holds on any CPU. Select them before importing helpers::

    CLASSROOM_LITERT_KERNELS=reference pytest notebooks/

Importing ``helpers`` then makes every LiteRT ``Interpreter`` — the helpers' own and the
ones a notebook creates by hand — use ``OpResolverType.BUILTIN_REF`` unless the caller
chose a resolver itself. Introduced for the trust checks of the test suite (README, Tests).
"""

from __future__ import annotations

import functools
import os

from helpers.errors import ModelError

ENV = "CLASSROOM_LITERT_KERNELS"
CHOICES = ("default", "reference")


def requested() -> str:
    """The kernel set named by CLASSROOM_LITERT_KERNELS ("default" when unset).

    Raises ModelError when CLASSROOM_LITERT_KERNELS is set to anything else.
    """
    value = os.environ.get(ENV, "").strip().lower() or "default"
    if value not in CHOICES:
        raise ModelError(f"{ENV}={os.environ[ENV]!r} is not one of {CHOICES}: unset it, or set it to 'reference'.")
    return value


def apply() -> bool:
    """Make every LiteRT Interpreter use the reference kernels if requested; True when it did.

    Raises what ``requested`` raises (ModelError for an unknown CLASSROOM_LITERT_KERNELS).
    """
    if requested() != "reference":
        return False
    from ai_edge_litert import interpreter as litert

    init = litert.Interpreter.__init__
    if getattr(init, "_classroom_reference", False):
        return True

    @functools.wraps(init)
    def reference_init(self, *args, **kwargs):
        kwargs.setdefault("experimental_op_resolver_type", litert.OpResolverType.BUILTIN_REF)
        init(self, *args, **kwargs)

    reference_init._classroom_reference = True
    litert.Interpreter.__init__ = reference_init
    return True
