"""Domain errors and the HTTP status each maps to.

One small tree, so that the single error middleware can turn any of them into the spec's ``Result``
payload (IDTA-01002-3-0 §11.2, "Result"/"Message")::

    AasError                       500  unexpected server-side failure
     ├── BadRequest                400  malformed id, path, query parameter or body; metamodel violation
     │    └── UnsupportedMediaType 415  a body in a format the route does not accept
     ├── NotFound                  404  no identifiable / element at the given id or idShortPath
     ├── Conflict                  409  create of an id or idShort that exists already
     ├── MethodNotAllowed          405  the element exists but does not support the request
     ├── PayloadTooLarge           413  body exceeds the configured limit
     └── NotAcceptable             406  no serialization the client accepts
"""

from __future__ import annotations

__all__ = [
    "AasError",
    "BadRequest",
    "Conflict",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "PayloadTooLarge",
    "UnsupportedMediaType",
]


class AasError(Exception):
    """Base class; ``status`` is the HTTP status, ``messages`` the texts for the Result payload."""

    status = 500

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages: tuple[str, ...] = messages or ("Internal server error",)


class BadRequest(AasError):
    status = 400


class UnsupportedMediaType(BadRequest):
    status = 415


class NotFound(AasError):
    status = 404


class Conflict(AasError):
    status = 409


class MethodNotAllowed(AasError):
    status = 405


class PayloadTooLarge(AasError):
    status = 413


class NotAcceptable(AasError):
    status = 406
