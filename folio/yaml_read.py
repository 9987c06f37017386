"""YAML read from a post or a project file, every failure a PostError naming the file and line.

PyYAML's constructors raise more than ``YAMLError``: ``2026-02-30`` is a ValueError, ``!!int x``
a ValueError, ``!!timestamp x`` an AttributeError. All of them are the author's input, so all
of them become one message.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from . import yaml_fast
from .errors import PostError


def load_yaml(text: str, path: Path, first_line: int, *, what: str,
              hint: str = "check the indentation and brackets, and quote values that contain ':'"):
    """``text`` read as YAML; its first line is line ``first_line`` of ``path``."""
    try:
        return yaml_fast.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed"
        # At the end of the text libyaml's mark is one line past the last.
        line = first_line + min(mark.line, text.rstrip("\n").count("\n")) if mark else first_line
        raise PostError(f"{what} is not valid YAML: {problem}", file=path, line=line,
                        hint=hint) from None
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not accept
        where = getattr(exc, "position", None)
        line = first_line + text[:where].count("\n") if isinstance(where, int) else first_line
        reason = getattr(exc, "reason", "") or "malformed"
        raise PostError(f"{what} is not valid YAML: {reason}", file=path, line=line,
                        hint="remove control characters from the text") from None
    except (ValueError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
        # A constructor failed on a value: a date that does not exist, a bad !!int, ...
        raise PostError(f"{what} has a value YAML cannot read: {exc}", file=path,
                        line=first_line + _failing_line(text), hint=hint) from None


def _failing_line(text: str) -> int:
    """0-based line of the first scalar whose construction fails (0 if none is found)."""
    try:
        root = yaml_fast.compose(text)
    except Exception:  # noqa: BLE001 - only a better line number is at stake
        return 0
    stack, seen = [root], set()
    while stack:
        node = stack.pop(0)
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(node)
            except Exception:  # noqa: BLE001
                return node.start_mark.line
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return 0
