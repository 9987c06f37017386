"""One hierarchy of errors a person can act on: where (file, line or cell), what, and what to do."""

from __future__ import annotations

from pathlib import Path


class FolioError(Exception):
    """An error in a post or the project. The CLI prints it without a Python traceback."""

    def __init__(self, message: str, *, file: Path | str | None = None, line: int | None = None,
                 hint: str = "", detail: str = ""):
        self.message, self.file, self.line, self.hint, self.detail = message, file, line, hint, detail
        super().__init__(self.render())

    @property
    def where(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else str(self.file)

    def render(self) -> str:
        head = f"{self.where}: {self.message}" if self.where else self.message
        parts = [head]
        if self.detail:
            parts.append(self.detail.rstrip())
        if self.hint:
            parts.append(f"fix: {self.hint}")
        return "\n".join(parts)


class PostError(FolioError):
    """The post's source is malformed: front matter, cells, equations, references."""


class CellExecutionFailed(FolioError):
    """A code cell raised while the post executed."""


class EquationsUnverified(FolioError):
    """Under --strict: an equation without a passing check."""


class GpuResultsMissing(FolioError):
    """Under --strict: a GPU cell with no frozen result for its current source."""


class SiteBuildFailed(FolioError):
    """mkdocs refused the generated site."""
