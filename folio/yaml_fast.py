"""YAML through libyaml when PyYAML has it: about ten times faster on front matter and cell
options (read for every post on every build), the same data and the same error marks."""

from __future__ import annotations

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str):
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader


def compose(text: str):
    return yaml.compose(text, Loader=_LOADER)
