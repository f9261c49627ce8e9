"""edge_gateway (see README)."""
