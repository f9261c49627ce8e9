"""The opt-in check of submodel writes against their IDTA submodel templates (``validation.templates``).

Why opt-in: partners send submodels built to older template versions or with their own additions; a
repository that serves as a shared record may want to accept them, a thread that feeds generic readers may
not. Submodels whose semanticId names no template this server knows pass unchecked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from submodels.validation import Problem, validate

__all__ = ["template_problems"]


def template_problems(submodel: dict[str, Any]) -> Sequence[str]:
    """What the template validator finds in the submodel, as messages for a 400 Result."""
    return [str(f) for f in validate(submodel) if f.problem is not Problem.NO_TEMPLATE]
