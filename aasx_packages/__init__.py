"""aasx_packages (see README)."""
