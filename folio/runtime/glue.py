"""Put a value computed by a post's code into its prose: ``{glue}`name``` or ``{glue}`name:.2f```."""

from __future__ import annotations

import numbers

from .mimetypes import GLUE


def _plain(value):
    if hasattr(value, "item") and getattr(value, "size", 1) == 1:  # numpy / torch scalars
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(f"glue() takes a number or a string, got {type(value).__name__}")


def glue(name: str, value) -> None:
    """Record ``value`` under ``name`` for the prose. Shows nothing in the notebook."""
    from IPython.display import display

    if not name.isidentifier():
        raise ValueError(f"glue name must be an identifier, got {name!r}")
    display({GLUE: {"name": name, "value": _plain(value)}, "text/plain": f"{name} = {value!r}"},
            raw=True)
