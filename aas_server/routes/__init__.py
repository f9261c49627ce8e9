"""Route modules, one per resource of the Part 2 API; :mod:`aas_server.app` mounts them."""
