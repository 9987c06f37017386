"""The display-data types a post's kernel emits for the renderer. Shared by both sides."""

FIGURE = "application/vnd.folio.figure+json"
GLUE = "application/vnd.folio.glue+json"
CHECKS = "application/vnd.folio.checks+json"
RUNINFO = "application/vnd.folio.runinfo+json"
ATTACHMENT = "application/vnd.folio.attachment+json"
