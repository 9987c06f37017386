"""The equation stage: for each post, its labels against its registered counterparts and checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..post import Post
from .discover import collect
from .runner import EquationResult, verify


@dataclass(frozen=True)
class PostEquations:
    slug: str
    results: tuple[EquationResult, ...]
    orphans: tuple[str, ...]  # counterparts registered for labels the post does not display
    orphan_checks: tuple[str, ...] = ()  # checks of labels with no counterpart, not displayed

    @property
    def verified(self) -> int:
        return sum(r.verified for r in self.results)

    def to_dict(self) -> dict:
        return {"slug": self.slug, "equations": [r.to_dict() for r in self.results],
                "orphans": list(self.orphans), "orphan_checks": list(self.orphan_checks)}


def verify_labels(post_dir: Path, slug: str, labels: list[str]) -> PostEquations:
    registry = collect(post_dir)
    orphans = tuple(sorted(set(registry.counterparts) - set(labels)))
    orphan_checks = tuple(sorted(set(registry.checks) - set(labels) - set(registry.counterparts)))
    return PostEquations(slug, tuple(verify(registry, labels)), orphans, orphan_checks)


def verify_post(post: Post) -> PostEquations:
    return verify_labels(post.dir, post.slug, [e.label for e in post.equations])
