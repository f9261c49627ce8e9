"""The example packaging plant (``python -m submodels.example``)."""

from .plant import Plant, generate

__all__ = ["Plant", "generate"]
