"""Equations tied to code: registration (api), discovery per post, and the check runner."""

from .api import Case, Estimate, OracleCallsCounterpart, check, equation

__all__ = ["Case", "Estimate", "OracleCallsCounterpart", "check", "equation"]
