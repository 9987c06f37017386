"""The publish stage: mkdocs (Material, its blog, RSS and search) and folio's plugin over site_src/."""
