"""Moved: CheckedFile and the exit-code rules are data, in rspdsl.analyses.checked;
property_family is in rspdsl.logic.results. Kept only so branches written before the move still
import; delete once none does."""
from __future__ import annotations

from ..analyses.checked import CheckedFile, overall_exit_code
from ..logic.results import property_family

__all__ = ["CheckedFile", "overall_exit_code", "property_family"]
