"""Profile decode steps with torch.profiler; summarise the ops and draw the Chrome trace."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile, record_function

STEP = "decode step: "
MATMUL_OPS = {"aten::mm", "aten::addmm", "aten::matmul", "aten::linear", "aten::bmm"}


def _export(prof) -> dict:
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        prof.export_chrome_trace(path)
        return json.loads(Path(path).read_text())
    finally:
        os.unlink(path)


@torch.no_grad()
def profile_decode(variants: dict, context: torch.Tensor, steps: int = 1):
    """Profile ``steps`` decode steps of each model, after a prefill and a warm-up step that stay
    outside the profiler. One profiler session per variant, so that each ``key_averages()``
    describes one variant; their Chrome traces are merged into one (timestamps are absolute).

    Returns ({variant: summary}, merged trace). A summary holds the step time and every aten
    op's self CPU time, in µs per step.
    """
    summaries, merged = {}, None
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    for name, model in variants.items():
        cache = model.new_cache()
        logits = model(context, cache, context_len=context.shape[1])
        token = logits[:, -1].argmax(-1, keepdim=True)
        token = model(token, cache)[:, -1].argmax(-1, keepdim=True)  # warm-up step
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(steps):
                with record_function(STEP + name):
                    token = model(token, cache)[:, -1].argmax(-1, keepdim=True)
        averages = prof.key_averages()
        summaries[name] = {
            "steps": steps,
            "total_us": sum(a.cpu_time_total for a in averages if a.key == STEP + name) / steps,
            "self_us": {a.key: a.self_cpu_time_total / steps for a in averages
                        if a.key.startswith("aten::")},
        }
        trace = _export(prof)
        if merged is None:
            merged = trace
        else:
            merged["traceEvents"].extend(trace["traceEvents"])
    # Nothing a reader needs, and the first two name this machine and a temporary file.
    for key in ("host_name", "traceName", "trace_id"):
        merged.pop(key, None)
    return summaries, merged


def top_ops_markdown(summaries: dict[str, dict], rows: int = 8) -> str:
    names = list(summaries)
    ops = sorted({op for s in summaries.values() for op in s["self_us"]},
                 key=lambda op: -max(s["self_us"].get(op, 0.0) for s in summaries.values()))[:rows]
    n = summaries[names[0]].get("steps", 1)
    per = "per step" if n == 1 else f"per step, mean of {n}"
    head = f"| op (self CPU time, µs {per}) | " + " | ".join(names) + " |"
    lines = [head, "|---" + "|---:" * len(names) + "|"]
    for op in ops:
        cells = " | ".join(f"{summaries[n]['self_us'].get(op, 0.0):,.0f}" for n in names)
        lines.append(f"| `{op}` | {cells} |")
    total = " | ".join(f"**{summaries[n]['total_us']:,.0f}**" for n in names)
    lines.append(f"| **whole decode step** | {total} |")
    return "\n".join(lines)


def timeline(trace: dict) -> list[dict]:
    """Per decode step: its name, duration and the CPU ops under it with start, end and depth."""
    events = [e for e in trace["traceEvents"]
              if e.get("ph") == "X" and e.get("cat") in ("cpu_op", "user_annotation")]
    steps = sorted((e for e in events if e["name"].startswith(STEP)), key=lambda e: e["ts"])
    out = []
    for st in steps:
        t0, t1 = st["ts"], st["ts"] + st["dur"]
        inside = sorted((e for e in events if e is not st and e["tid"] == st["tid"]
                         and t0 <= e["ts"] and e["ts"] + e["dur"] <= t1),
                        key=lambda e: (e["ts"], -e["dur"]))
        stack: list[float] = []
        bars = []
        annotation = []
        for e in inside:
            start, end = e["ts"] - t0, e["ts"] + e["dur"] - t0
            while stack and stack[-1][0] <= start:
                stack.pop()
                annotation.pop()
            parent = annotation[-1] if annotation else None
            label = e["name"] if e.get("cat") == "user_annotation" else parent
            bars.append(dict(name=e["name"], start=start, end=end, depth=len(stack),
                             annotation=e.get("cat") == "user_annotation", region=label))
            stack.append((end,))
            annotation.append(label)
        out.append(dict(name=st["name"][len(STEP):], dur=st["dur"], ts=st["ts"], tid=st["tid"],
                        bars=bars))
    return out


def step_stats(steps: list[dict], annotation: str = "dequantize") -> dict[str, dict]:
    """Per variant: the median, quartiles and range of its steps' durations (ms) and of the share
    of each step spent inside ``annotation``, and the index (into ``steps``) of its median step."""
    out: dict[str, dict] = {}
    for i, st in enumerate(steps):
        entry = out.setdefault(st["name"], {"ms": [], "share": [], "index": []})
        entry["ms"].append(st["dur"] / 1e3)
        entry["share"].append(region_share(st, annotation))
        entry["index"].append(i)
    for entry in out.values():
        ms = np.array(entry["ms"])
        order = np.argsort(ms, kind="stable")
        entry["median_index"] = entry["index"][order[(len(ms) - 1) // 2]]
        for key in ("ms", "share"):
            v = np.array(entry[key])
            # "lower": every quantile is one of the measured steps, so the median is the step
            # the figure shows
            entry[key + "_q"] = np.quantile(v, [0.0, 0.25, 0.5, 0.75, 1.0], method="lower")
    return out


def steps_trace(trace: dict, chosen: list[dict]) -> dict:
    """The part of a Chrome trace inside the chosen steps (same thread, within their span):
    a trace of a few representative steps stays small enough to attach."""
    spans = [(st["tid"], st["ts"], st["ts"] + st["dur"]) for st in chosen]
    keep = [e for e in trace["traceEvents"] if e.get("ph") == "X"
            and any(e.get("tid") == tid and t0 <= e["ts"] and e["ts"] + e.get("dur", 0) <= t1
                    for tid, t0, t1 in spans)]
    meta = [e for e in trace["traceEvents"] if e.get("ph") == "M"]
    return {**{k: v for k, v in trace.items() if k != "traceEvents"}, "traceEvents": meta + keep}


def region_share(step: dict, annotation: str) -> float:
    """Fraction of a step's time spent inside ``record_function(annotation)`` regions."""
    inside = sum(b["end"] - b["start"] for b in step["bars"]
                 if b["annotation"] and b["name"] == annotation)
    return inside / step["dur"]


def draw_timeline(fig, theme, steps: list[dict], max_depth: int = 5):
    axes = fig.subplots(len(steps), 1, sharex=True)
    colors = {"matmul": theme.colors[0], "dequantize": theme.colors[1], "other": theme.colors[2],
              "annotation": theme.muted}
    longest = max(s["dur"] for s in steps) / 1000
    for ax, step in zip(axes, steps):
        # One broken_barh per (depth, kind): thousands of bars, drawn as a few collections.
        groups: dict[tuple[int, str], list[tuple[float, float]]] = {}
        for b in step["bars"]:
            if b["depth"] > max_depth:
                continue
            if b["annotation"]:
                kind = "annotation"
            elif b["region"] == "dequantize":
                kind = "dequantize"
            elif b["name"] in MATMUL_OPS:
                kind = "matmul"
            else:
                kind = "other"
            groups.setdefault((b["depth"], kind), []).append(
                (b["start"] / 1000, (b["end"] - b["start"]) / 1000))
        for (depth, kind), spans in groups.items():
            # Rasterised: thousands of rectangles as vectors would make a 400 KB SVG.
            ax.broken_barh(spans, (-depth - 0.4, 0.8), facecolors=colors[kind], linewidth=0,
                           alpha=0.55 if kind == "annotation" else 0.95, rasterized=True)
        ax.set_yticks([])
        ax.set_xlim(0, longest * 1.02)
        ax.set_title(step.get("title", f"{step['name']}: {step['dur'] / 1000:.1f} ms"),
                     fontsize=10, loc="left")
        ax.grid(axis="y", visible=False)
    axes[-1].set_xlabel("time since the start of the decode step (ms)")
    handles = [__import__("matplotlib.patches", fromlist=["Patch"]).Patch(color=c, label=k)
               for k, c in [("matmul (aten::mm / addmm / linear)", colors["matmul"]),
                            ("inside dequantize", colors["dequantize"]),
                            ("other ops", colors["other"]),
                            ("record_function regions (step, attention, geglu, dequantize)", colors["annotation"])]]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=9)
