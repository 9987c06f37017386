"""Synthetic posts for the scale benchmark: the same bytes for the same (count, seed, code).

    .venv/bin/python benchmarks/synthetic.py DEST/posts 500 [--code] [--seed 22]

Each post is short prose in six sections, with inline math and links (to the next and previous
synthetic post, and to an outside page, which the reader's browser would open: nothing is fetched
at build time). With ``--code`` each post also has one trivial code cell of its own (no two posts
share a cache entry), so a cold build starts one kernel per post.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

SEED = 22
WORDS = ("matrix vector gradient kernel tensor norm loss model layer weight sample batch "
         "estimate variance bias error signal noise rate step update optimum curve basis "
         "projection subspace eigenvalue spectrum operator derivative integral series limit "
         "bound constant factor scale shape order measure density prior posterior").split()
MATH = (r"$\lVert x \rVert_2 \le {a}$", r"$\sum_{{i=1}}^{{{a}}} i = {b}$",
        r"$f(x) = {a} x^2 + {b}$", r"$\alpha = {a} / {b}$", r"$e^{{-{a} t}}$",
        r"$\mathbb{{E}}[X] = {a}$", r"$A \in \mathbb{{R}}^{{{a} \times {b}}}$")
SECTIONS = ("Setting", "A first look", "The argument", "An example", "What it costs", "Summary")


def slug(i: int) -> str:
    return f"synthetic-{i:04d}"


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    a, b = rng.randint(2, 9), rng.randint(10, 99)
    words.insert(rng.randint(2, len(words) - 1), rng.choice(MATH).format(a=a, b=b))
    return " ".join(words).capitalize() + "."


def post(i: int, n: int, rng: random.Random, *, code: bool) -> str:
    date = dt.date(2025, 1, 1) + dt.timedelta(days=i)
    title = f"Synthetic post {i}: the {rng.choice(WORDS)} and the {rng.choice(WORDS)}"
    lines = ["---", f'title: "{title}"', f'date: "{date.isoformat()}"', "authors: [folio]",
             f"categories: [Synthetic, {rng.choice(['Algebra', 'Analysis', 'Learning'])}]",
             f"description: A synthetic post ({i} of {n}) for the scale benchmark.", "---", "",
             _sentence(rng) + " " + _sentence(rng), "", "<!-- more -->", ""]
    for k, name in enumerate(SECTIONS):
        lines += [f"## {name}", ""]
        body = [_sentence(rng) for _ in range(rng.randint(3, 5))]
        if k == 1:
            other = slug(i % n + 1)
            body.append(f"See [the next synthetic post]({other}.md) and "
                        f"[a page elsewhere](https://example.org/{slug(i)}/{k}).")
        lines += [" ".join(body), ""]
        if code and k == 3:
            lines += ["```{code-cell} ipython3", f"print('post {i}:', sum(range({i + 1})))",
                      "```", ""]
    return "\n".join(lines)


def generate(posts_dir: Path, n: int, *, code: bool = False, seed: int = SEED) -> list[str]:
    """Write posts 1..n under ``posts_dir``; return their slugs."""
    rng = random.Random(f"{seed}-{n}-{code}")
    out = []
    for i in range(1, n + 1):
        d = posts_dir / slug(i)
        d.mkdir(parents=True, exist_ok=True)
        (d / "index.md").write_text(post(i, n, rng, code=code), encoding="utf-8")
        out.append(slug(i))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("posts_dir", type=Path)
    ap.add_argument("count", type=int)
    ap.add_argument("--code", action="store_true", help="one trivial code cell per post")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    generate(args.posts_dir, args.count, code=args.code, seed=args.seed)


if __name__ == "__main__":
    main()
