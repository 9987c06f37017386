"""Three costs of Material's blog plugin that grow with the number of posts, removed.

Hack (Material 9, pinned in requirements.lock; each patch is undone by the next build's through
``folio_original``):

- Each post's front matter is parsed with PyYAML's pure-Python loader; libyaml's gives the same
  data about ten times faster (mkdocs itself already prefers it).
- Each post's excerpt builds a Markdown converter with every extension when the post is read,
  though it is used only to convert the excerpt, which folio memoizes (site.memo): build it on
  first use instead. (500 posts: 2.5 s of a prose edit's build.)
- ``page in blog.posts`` is asked for every page in three events and compares pages by title
  and file one by one (mkdocs' ``Page.__eq__``), so it is quadratic; the posts are distinct
  objects, so identity is the same test. (500 posts: 464,000 comparisons.)
"""

from __future__ import annotations

import functools


class _Posts(list):
    """The blog's posts, with membership by identity."""

    def __init__(self, posts):
        super().__init__(posts)
        self._ids = {id(p) for p in self}

    def __contains__(self, page) -> bool:
        return id(page) in self._ids


def _lazy_markdown(excerpt_cls, structure) -> None:
    """Excerpt.md, the converter Excerpt.__init__ makes, made on first access."""
    init = getattr(excerpt_cls.__init__, "folio_original", excerpt_cls.__init__)
    real = getattr(structure, "Markdown")
    real = getattr(real, "folio_real", real)

    class _Deferred:
        """Stands in for ``Markdown(...)`` during Excerpt.__init__ and records the tree
        processors it registers, to register them on the real converter when it is made."""
        folio_real = real

        def __init__(self, **kwargs):
            self.kwargs, self.registered = kwargs, []
            self.treeprocessors = self

        def register(self, *args):
            self.registered.append(args)

    @functools.wraps(init)
    def __init__(self, post, config, files):
        structure.Markdown = _Deferred
        self.__dict__["_folio_init"] = True
        try:
            init(self, post, config, files)  # its ``self.md = Markdown(...)`` is deferred
        finally:
            structure.Markdown = real
            del self.__dict__["_folio_init"]

    def get_md(self):
        if self.__dict__.get("_folio_init"):  # registering its tree processors
            return self.__dict__["_folio_deferred"]
        made = self.__dict__.get("_folio_md")
        if made is None:
            deferred = self.__dict__["_folio_deferred"]
            made = real(**deferred.kwargs)
            for args in deferred.registered:
                made.treeprocessors.register(*args)
            self.__dict__["_folio_md"] = made
        return made

    def set_md(self, value):
        self.__dict__["_folio_deferred"] = value
        self.__dict__.pop("_folio_md", None)

    __init__.folio_original = init
    excerpt_cls.__init__ = __init__
    excerpt_cls.md = property(get_md, set_md)


def relpath_files(excerpt):
    """The Files an excerpt's links resolve against, without making its converter."""
    deferred = excerpt.__dict__.get("_folio_deferred")
    if deferred is not None and "_folio_md" not in excerpt.__dict__:
        for args in deferred.registered:
            if len(args) > 1 and args[1] == "relpath":
                return args[0].files
    return excerpt.md.treeprocessors["relpath"].files


def identity_posts(config) -> None:
    """After the blog plugin's on_files (it assigns the posts there): membership by identity.
    Plugin events are bound when mkdocs.yml is loaded, so this is called from folio's own
    on_nav rather than patched into the blog's on_files."""
    from material.plugins.blog.plugin import BlogPlugin

    for plugin in config.plugins.values():
        blog = getattr(plugin, "blog", None) if isinstance(plugin, BlogPlugin) else None
        if blog is not None and not isinstance(blog.posts, _Posts):
            blog.posts = _Posts(blog.posts)


def speed_up_blog() -> None:
    import yaml
    import material.plugins.blog.structure as structure

    structure.SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    _lazy_markdown(structure.Excerpt, structure)
