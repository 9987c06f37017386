"""Rendering: an executed post becomes a Material blog page. Never executes anything."""
