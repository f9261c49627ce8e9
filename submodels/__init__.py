"""submodels (see README)."""
