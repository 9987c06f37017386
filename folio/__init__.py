"""folio: builds an executable blog. Posts import ``figure``, ``glue``, ``equation`` and ``check``."""

from .runtime.attach import attach
from .runtime.figures import figure
from .runtime.glue import glue
from .verify import Case, Estimate, check, equation

__all__ = ["attach", "Case", "Estimate", "check", "equation", "figure", "glue"]
__version__ = "0.1.0"
