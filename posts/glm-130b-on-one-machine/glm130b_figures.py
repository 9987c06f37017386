"""Drawing functions for the post's figures: ``figure(name, draw_x(data), caption=...)``."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Patch

PRECISIONS = {16: "FP16", 8: "INT8", 4: "INT4"}


def draw_servers(rows: list[dict], reserve_gib: float):
    """Per-GPU memory for weights + KV cache at each precision, against each server's capacity."""
    servers = list(dict.fromkeys(r["server"] for r in rows))

    def draw(fig, theme):
        ax = fig.subplots()
        width = 0.26
        for i, server in enumerate(servers):
            for j, bits in enumerate((16, 8, 4)):
                r = next(r for r in rows if r["server"] == server and r["bits"] == bits)
                x = i + (j - 1) * width
                color = theme.colors[j]
                ax.bar(x, r["weights"], width * 0.92, color=color)
                ax.bar(x, r["kv"], width * 0.92, bottom=r["weights"], color=color, alpha=0.45)
                ax.bar(x, reserve_gib, width * 0.92, bottom=r["weights"] + r["kv"],
                       facecolor="none", edgecolor=color, hatch="///", linewidth=0.6)
                if r["fits"]:
                    ax.text(x, r["weights"] + r["kv"] + reserve_gib + 0.8, "✓", ha="center",
                            va="bottom", color=theme.fg, fontsize=9)
            ax.hlines(server.gib, i - 1.6 * width, i + 1.6 * width, color=theme.fg, linewidth=2)
            if server.readme:
                ax.text(i, -2.5, "README:\n" + server.readme.replace(" (", "\n("), ha="center",
                        va="top", fontsize=7.5, color=theme.muted)
        ax.set_xticks(range(len(servers)), [f"{s.n_gpus}×{s.gpu}\n{s.gib} GiB" for s in servers],
                      fontsize=8.5)
        ax.set_ylabel("memory per GPU (GiB)")
        ax.set_yticks(range(0, 81, 20))
        ax.grid(axis="x", visible=False)
        handles = [Patch(color=theme.colors[j], label=f"{PRECISIONS[b]} weights")
                   for j, b in enumerate((16, 8, 4))]
        handles += [Patch(color=theme.muted, alpha=0.45, label="KV cache, 2048 tokens"),
                    Patch(facecolor="none", edgecolor=theme.muted, hatch="///",
                          label=f"{reserve_gib:g} GiB reserve"),
                    Patch(color=theme.fg, label="GPU memory; ✓ fits")]
        fig.legend(handles=handles, fontsize=8, ncols=3, loc="outside upper center")
        ax.set_xlim(-0.6, len(servers) - 0.4)
        ax.set_ylim(-15, 84)
        ax.spines[["top", "right"]].set_visible(False)
        ax.axhline(0, color=theme.muted, linewidth=0.8)

    return draw


def draw_roofline(peak_flops: float, peak_bw: float,
                  batch_curves: dict[str, tuple[np.ndarray, np.ndarray]]):
    """Attainable FLOP/s = min(peak, bandwidth × intensity), with decode matmuls placed on it."""

    def draw(fig, theme):
        ax = fig.subplots()
        I = np.logspace(-1, 4, 400)
        ax.loglog(I, np.minimum(peak_flops, peak_bw * I) / 1e12, color=theme.fg, linewidth=2,
                  label="roofline")
        ridge = peak_flops / peak_bw
        ax.axvline(ridge, color=theme.muted, linestyle=":", linewidth=1)
        ax.text(ridge * 1.1, 3, f"ridge point\n{ridge:.0f} FLOP/byte", color=theme.muted,
                fontsize=8.5)
        markers = "os^"
        for k, (name, (Ib, bs)) in enumerate(batch_curves.items()):
            color = theme.colors[k]
            perf = np.minimum(peak_flops, peak_bw * Ib) / 1e12
            ax.plot(Ib, perf, markers[k], color=color, markersize=5, alpha=0.9,
                    label=f"{name}: batch " + ", ".join(str(b) for b in bs))
            ax.plot(Ib[0], perf[0], markers[k], color=color, markersize=10,
                    markeredgecolor=theme.fg, markeredgewidth=0.8)
            ax.annotate(f"{name}, b = 1", (Ib[0], perf[0]), textcoords="offset points",
                        xytext=(10, -14 - 11 * k), fontsize=8.5, color=color)
        ax.set_xlabel("arithmetic intensity (FLOP per byte moved)")
        ax.set_ylabel("attainable TFLOP/s")
        ax.set_xlim(0.3, 3e3)
        ax.set_ylim(0.5, 2e3)
        ax.legend(fontsize=8, loc="upper left")

    return draw


def draw_error_hist(samples: dict[str, np.ndarray]):
    """Histograms of (w - w_hat) / s: all inside [-1/2, 1/2]."""

    def draw(fig, theme):
        axes = fig.subplots(1, len(samples), sharey=True)
        bins = np.linspace(-0.6, 0.6, 49)
        for k, (ax, (name, r)) in enumerate(zip(np.atleast_1d(axes), samples.items())):
            ax.hist(r, bins=bins, density=True, color=theme.colors[k], alpha=0.85)
            for edge in (-0.5, 0.5):
                ax.axvline(edge, color=theme.fg, linestyle="--", linewidth=1)
            ax.set_title(name, fontsize=10)
            ax.set_xlabel("(w − ŵ) / s")
        np.atleast_1d(axes)[0].set_ylabel("density")

    return draw


def draw_mask(allowed: np.ndarray, context_len: int):
    def draw(fig, theme):
        from matplotlib.colors import ListedColormap

        ax = fig.subplots()
        cmap = ListedColormap([theme.grid, theme.colors[0]])
        ax.imshow(allowed, cmap=cmap, vmin=0, vmax=1)
        T = allowed.shape[0]
        ax.axvline(context_len - 0.5, color=theme.fg, linewidth=1)
        ax.axhline(context_len - 0.5, color=theme.fg, linewidth=1)
        ax.set_xticks(range(T))
        ax.set_yticks(range(T))
        ax.set_xlabel("key position j")
        ax.set_ylabel("query position i")
        ax.text(context_len / 2 - 0.5, -0.9, "context", ha="center", color=theme.fg, fontsize=9)
        ax.text((context_len + T) / 2 - 0.5, -0.9, "generated", ha="center", color=theme.fg,
                fontsize=9)
        ax.grid(False)

    return draw


def draw_gpu_speed(results: list[dict], peak_bw: float):
    """Left: speed-up of our kernels over FP16 cuBLAS by batch. Right: batch-1 bandwidth."""

    def draw(fig, theme):
        left, right = fig.subplots(1, 2)
        shapes = list(dict.fromkeys(r["shape"] for r in results))
        batches = sorted({r["batch"] for r in results})
        markers = "osD^v<>"
        for k, kind in enumerate(("INT8", "INT4")):
            for m, shape in enumerate(shapes):
                sp = [next(r for r in results if r["shape"] == shape and r["batch"] == b
                           and r["kind"] == "FP16")["ms"]
                      / next(r for r in results if r["shape"] == shape and r["batch"] == b
                             and r["kind"] == kind)["ms"] for b in batches]
                left.plot(batches, sp, marker=markers[m % len(markers)], color=theme.colors[k + 1],
                          linewidth=1, markersize=4, label=f"{kind}" if m == 0 else None)
        for ideal in (2, 4):
            left.axhline(ideal, color=theme.muted, linestyle=":", linewidth=1)
        left.axhline(1, color=theme.fg, linewidth=0.8)
        left.set_xscale("log", base=2)
        left.set_xticks(batches, [str(b) for b in batches])
        left.set_xlabel("batch size")
        left.set_ylabel("speed-up over FP16 (torch)")
        left.legend(fontsize=8)
        width = 0.27
        for k, kind in enumerate(("FP16", "INT8", "INT4")):
            frac = [next(r for r in results if r["shape"] == s and r["batch"] == batches[0]
                         and r["kind"] == kind)["gbps"] * 1e9 / peak_bw for s in shapes]
            right.bar(np.arange(len(shapes)) + (k - 1) * width, frac, width * 0.9,
                      color=theme.colors[k], label=kind)
        right.axhline(1, color=theme.fg, linewidth=0.8)
        right.set_xticks(range(len(shapes)), shapes, rotation=30, ha="right", fontsize=8)
        right.set_ylabel(f"fraction of peak bandwidth, batch {batches[0]}")
        right.set_ylim(0, 1.1)
        right.legend(fontsize=8)
        right.grid(axis="x", visible=False)

    return draw
