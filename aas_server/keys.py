"""The application's shared state, as typed ``web.AppKey`` constants (one place, no string keys)."""

from __future__ import annotations

from aiohttp import web

from .config import ServerConfig
from .elements import SubmodelElements
from .files import Files
from .repository import Repository

__all__ = ["CONFIG", "ELEMENTS", "FILES", "REPOSITORY"]

CONFIG = web.AppKey("config", ServerConfig)
REPOSITORY = web.AppKey("repository", Repository)
ELEMENTS = web.AppKey("elements", SubmodelElements)
FILES = web.AppKey("files", Files)
