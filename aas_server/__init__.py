"""AAS server: the IDTA-01002 Part 2 HTTP/REST API v3.0 on durable embedded storage."""

__version__ = "0.1.0"
