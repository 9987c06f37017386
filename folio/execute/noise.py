"""Kernel chatter that is not the post's output: dropped from streams before rendering."""

from __future__ import annotations

import re

NOISE = [
    re.compile(r".*running over TCP without encryption.*"),  # ipykernel / jupyter_client
    re.compile(r".*Connection file.*is not secure.*"),
    re.compile(r"^STAGE:\d{4}-\d\d-\d\d.*"),  # kineto: profiler_start / profiler_stop
    re.compile(r".*(ActivityProfilerController|profiler_start|profiler_stop|Collecting trace events).*"),
    re.compile(r"^\[W\d+ [\d:.]+ .*(kineto|CUPTI|profiler).*", re.IGNORECASE),
    re.compile(r".*Matplotlib is building the font cache.*"),
]


def clean_stream(text: str) -> str:
    kept = [l for l in text.splitlines(keepends=True) if not any(p.match(l.rstrip("\n")) for p in NOISE)]
    return "".join(kept)


def clean_outputs(outputs: list) -> list:
    out = []
    for o in outputs:
        if o.get("output_type") == "stream":
            text = clean_stream(o.get("text", ""))
            if not text.strip():
                continue
            o = {**o, "text": text}
        out.append(o)
    return out
