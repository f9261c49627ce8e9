"""Server configuration: a YAML file, overridden by environment variables, validated by pydantic.

Environment variables use the prefix ``AAS_SERVER_`` and ``__`` between nested keys, e.g.
``AAS_SERVER_STORAGE__SYNCHRONOUS=FULL``. Unknown keys are errors (``extra="forbid"``) so that a typo never
silently falls back to a default; the error names the file, line and key path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from yaml_config import ConfigError, load_yaml_model

__all__ = ["ConfigError", "ServerConfig", "load_config"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StorageConfig(_Section):
    #: NORMAL survives a crash of the server process (kill -9); FULL also survives a power loss.
    synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    #: parsed documents kept in memory
    cache_capacity: int = Field(10_000, ge=1)


class LimitsConfig(_Section):
    #: largest JSON/XML request body in bytes
    max_body_bytes: int = Field(64 * 1024 * 1024, ge=1024)
    #: largest attachment or thumbnail upload in bytes (streamed to disk, never held in memory)
    max_upload_bytes: int = Field(1024 * 1024 * 1024, ge=1024)
    #: default and maximum page size of list routes
    default_page_size: int = Field(100, ge=1)


class ServiceConfig(_Section):
    """Which shell and submodel the single-object interfaces ``/aas`` and ``/submodel`` expose.

    The AAS Service and Submodel Service specifications (IDTA-01002-3-0 §11) describe a server for exactly one
    shell or submodel; a repository offers them for one configured object each. Unset: the first stored one.
    """

    aas_id: str | None = None
    submodel_id: str | None = None


class ValidationConfig(_Section):
    #: reject submodel writes that violate the IDTA template named by their semanticId (400 with findings)
    templates: bool = False


class TimeSeriesConfig(_Section):
    #: how many of the latest records of each time series record store a read shows inline
    inline_records: int = Field(100, ge=0, le=10_000)


class ServerConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AAS_SERVER_", env_nested_delimiter="__", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    data_dir: Path = Path("data")
    #: all API routes live below this prefix (IDTA-01002-3-0 §12.1 suggests /api/v3.0)
    api_prefix: str = "/api/v3.0"
    #: the URL partners reach this server at (for descriptors and Location headers behind a proxy)
    external_url: str | None = None
    #: environments (AASX, JSON, XML) imported at start; ids that exist already are left untouched
    load: list[Path] = Field(default_factory=list)
    access_log: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    storage: StorageConfig = StorageConfig()
    limits: LimitsConfig = LimitsConfig()
    service: ServiceConfig = ServiceConfig()
    validation: ValidationConfig = ValidationConfig()
    time_series: TimeSeriesConfig = TimeSeriesConfig()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment variables override the file (passed as init values) and command-line flags.
        return (env_settings, init_settings)


def load_config(path: Path | None = None, overrides: dict[str, Any] | None = None) -> ServerConfig:
    return load_yaml_model(path, ServerConfig, overrides)
