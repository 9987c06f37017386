"""Text splices for a page-only update (see site.patch): one page's entries in the search index,
one post's item in the RSS and JSON feeds, each replaced in the file's text as the plugin that
wrote it would have written it. Each raises PatchFailed when the text is not in the form it
expects; a full build follows."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path


class PatchFailed(Exception):
    """The site on disk is not what the record says: a full build puts it right."""


def splice_entries(text: str, url: str, entries: list, name: str) -> str:
    """``text`` (the search index) with the entries of the page at ``url`` replaced."""
    dump = lambda e: json.dumps(e, separators=(",", ":"), default=str)  # noqa: E731
    needles = ['{"location":' + json.dumps(url), '{"location":' + json.dumps(url)[:-1] + "#"]
    found = [i for i in (text.find(n) for n in needles) if i >= 0]
    if not found:
        if entries:
            raise PatchFailed(f"{name}: it had no search entries to replace")
        return text
    start = end = pos = min(found)
    decoder = json.JSONDecoder()
    while True:
        entry, after = decoder.raw_decode(text, pos)
        loc = entry.get("location", "") if isinstance(entry, dict) else ""
        if loc != url and not loc.startswith(url + "#"):
            break
        end = after
        if text[after] != ",":
            break
        pos = after + 1
    if any(text.find(n, end) >= 0 for n in needles):
        raise PatchFailed(f"{name}: its search entries are not in one run")
    if not entries:  # and the comma that joined them to their neighbours
        if text[end] == ",":
            end += 1
        elif text[start - 1] == ",":
            start -= 1
    return text[:start] + ",".join(dump(e) for e in entries) + text[end:]


def splice_item(path: Path, guid: str, block: str) -> int:
    """The feed at ``path`` with the item of ``guid`` replaced by ``block``; 0 when the feed
    does not have it."""
    text = path.read_text(encoding="utf-8")
    at = text.find(f'<guid isPermaLink="true">{guid}</guid>')
    if at < 0:
        return 0
    start, end = text.rfind("<item>", 0, at), text.find("</item>", at)
    if start < 0 or end < 0:
        raise PatchFailed(f"{path}: the item of {guid} is not whole")
    path.write_text(text[:start] + block + text[end + len("</item>"):], encoding="utf-8")
    return 1


def replace_json_item(path: Path, item: dict) -> int:
    """The JSON feed at ``path`` with the item of the same id replaced, in its text: the RSS
    plugin writes the feed with ``json.dump(indent=4)``, in which an item of the ``items`` list
    is ``json.dumps(item, indent=4)`` indented by two levels (checked on the old item)."""
    text = path.read_text(encoding="utf-8")
    needle = '"id": ' + json.dumps(item["id"])
    at = text.find(needle)
    if at < 0:
        return 0
    pad = " " * 8
    start, end = text.rfind("\n" + pad + "{", 0, at), text.find("\n" + pad + "}", at)
    if start < 0 or end < 0 or text.find(needle, end) >= 0:
        raise PatchFailed(f"{path}: not one item of id {item['id']}")
    start, end = start + 1, end + 2 + len(pad)
    old = text[start:end]
    render = lambda d: textwrap.indent(json.dumps(d, indent=4), pad)  # noqa: E731
    if render(json.loads(old)) != old:
        raise PatchFailed(f"{path} is not as the RSS plugin writes it")
    path.write_text(text[:start] + render(item) + text[end:], encoding="utf-8")
    return 1
