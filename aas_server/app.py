"""``create_app(config)``: the aiohttp application with storage, repository and routes wired together."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from .config import ServerConfig
from .elements import SubmodelElements
from .files import Files
from .http import error_middleware
from .keys import CONFIG, ELEMENTS, FILES, REPOSITORY
from .loader import load_environment
from .repository import Repository
from .routes.concept_descriptions import register_concept_descriptions
from .routes.serialization import register_serialization
from .routes.shells import register_shells
from .routes.submodels import register_submodels
from .routes.time_series import register_time_series
from .storage.sqlite import SqliteStorage
from .template_check import template_problems

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(config: ServerConfig) -> web.Application:
    app = web.Application(middlewares=[error_middleware], client_max_size=config.limits.max_body_bytes)
    app[CONFIG] = config
    prefix = config.api_prefix.rstrip("/")
    # Static "$..." routes are registered before their "{identifier}" siblings inside each module.
    register_shells(app, prefix)
    register_submodels(app, prefix)
    register_concept_descriptions(app, prefix)
    register_serialization(app, prefix)
    register_time_series(app, prefix)
    app.cleanup_ctx.append(_storage_context)
    return app


async def _storage_context(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    data_dir = config.data_dir
    storage = SqliteStorage(data_dir / "aas.sqlite", data_dir / "attachments", synchronous=config.storage.synchronous)
    await storage.open()
    repository = Repository(
        storage,
        cache_capacity=config.storage.cache_capacity,
        check_submodel=template_problems if config.validation.templates else None,
        inline_records=config.time_series.inline_records,
    )
    app[REPOSITORY] = repository
    app[ELEMENTS] = SubmodelElements(repository)
    app[FILES] = Files(repository)
    for path in config.load:
        await load_environment(repository, app[FILES], path)
    try:
        yield
    finally:
        await storage.close()
