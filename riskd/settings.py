"""Settings of the daemon: one typed, frozen object built once and passed in.

Precedence, highest first: command-line flags, environment (`RISKD_*`, nested with `__`, e.g.
`RISKD_LIMITS__MAX_ITEMS=500`), the TOML file given with `--config`, the defaults below.
Relative paths are taken from the working directory.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Limits(BaseModel):
    """Input limits; anything over them is refused with INVALID_ARGUMENT naming the field."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_items: int = Field(1000, ge=1, description="goods lines per declaration")
    max_description_bytes: int = Field(4096, ge=16, description="UTF-8 bytes per description")
    max_text_bytes: int = Field(256, ge=16, description="UTF-8 bytes per other text field")
    max_batch: int = Field(1000, ge=1, description="declarations per ScreenBatch call")
    max_message_bytes: int = Field(16 * 1024 * 1024, ge=1024, description="gRPC message size")
    max_call_items: int = Field(
        20_000, ge=1, description="goods lines per call, all declarations of a batch together"
    )
    max_streams: int = Field(
        4,
        ge=0,
        description="open ScreenStream calls per process; beyond: RESOURCE_EXHAUSTED (each "
        "holds a worker thread, so keep it below `threads`)",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RISKD_", env_nested_delimiter="__", frozen=True, extra="forbid"
    )

    listen: str = Field("127.0.0.1:50051", description="host:port to serve on; port 0 picks one")
    store: str = Field(
        "var/riskd.db", description="postgresql://USER@HOST/DB, sqlite:///PATH or a path"
    )
    store_synchronous: str = Field("FULL", pattern="^(FULL|NORMAL)$")
    store_group_wait_ms: float = Field(
        1.0,
        ge=0,
        le=100,
        description="how long the store's writer waits for concurrent calls' writes to "
        "commit with theirs, in milliseconds (0: commit what is waiting, do not wait)",
    )
    cases_jurisdiction: str = Field(
        "CN",
        description="the jurisdiction (a code of the calendar file: CN, DE, US in the shipped "
        "one) whose detention clock the notification cases of a DETAIN decision run on",
    )
    cases_calendar: Path | None = Field(
        None,
        description="calendar file of the legal clocks; none: the shipped calendar.yaml",
    )
    register_file: Path | None = Field(None, description="register file (CSV/Parquet) to load")
    register_dir: Path | None = Field(None, description="register store of `riskd register import`")
    rules_dir: Path | None = Field(None, description="rule set directory")
    profiles: bool = Field(True, description="keep entity profiles (history features) in the store")
    model_registry: Path | None = Field(None, description="model registry directory")
    admin_token: SecretStr | None = Field(None, description="bearer token of AdminService")
    screening_token: SecretStr | None = Field(
        None, description="bearer token of Screen, ScreenBatch, ScreenStream; none: open"
    )
    outcome_token: SecretStr | None = Field(
        None, description="bearer token of RecordOutcome; none: RecordOutcome is closed"
    )
    decision_token: SecretStr | None = Field(
        None, description="bearer token of GetDecision (party data); none: it is closed"
    )
    method_groups: dict[str, str] = Field(
        default_factory=dict,
        description="method name -> credential group (screening, outcomes, decisions, admin)",
    )
    tls_cert: Path | None = Field(None, description="PEM server certificate (chain): serve TLS")
    tls_key: Path | None = Field(None, description="PEM private key of tls_cert")
    tls_client_ca: Path | None = Field(
        None, description="PEM CA of client certificates: mutual TLS, other clients refused"
    )
    threads: int = Field(16, ge=1, le=1024, description="worker threads per process")
    processes: int = Field(
        1, ge=1, le=64, description="server processes sharing the port (SO_REUSEPORT)"
    )
    max_concurrent_rpcs: int = Field(256, ge=1, description="beyond: RESOURCE_EXHAUSTED")
    reload_poll_seconds: float = Field(
        2.0, ge=0, description="how often to look for changed register/rules/model; 0: never"
    )
    grace_seconds: float = Field(10.0, ge=0, description="time in-flight calls get on SIGTERM")
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    degrade: str = Field(
        "document_check",
        pattern="^(document_check|unavailable)$",
        description="when the store is down or a part failed to load at start: answer at "
        "least DOCUMENT_CHECK with reason SERVICE_DEGRADED, or refuse (UNAVAILABLE / no start)",
    )
    metrics_listen: str | None = Field(
        None,
        description="host:port of the Prometheus endpoint (worker i of --processes: port+i)",
    )
    limits: Limits = Limits()  # type: ignore[call-arg]

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        groups = ("screening", "outcomes", "decisions", "admin")
        for method, group in self.method_groups.items():
            if group not in groups:
                raise ValueError(
                    f"method_groups.{method}: {group!r} is not one of {', '.join(groups)}"
                )
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise ValueError("tls_client_ca (mutual TLS) needs tls_cert and tls_key")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def unknown_environment(environ: Mapping[str, str] | None = None) -> list[str]:
    """RISKD_* variables that name no setting: a misspelt one would be ignored silently."""
    fields = Settings.model_fields
    nested = {
        name: set(info.annotation.model_fields)  # type: ignore[union-attr]
        for name, info in fields.items()
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
    }
    unknown = []
    for key in sorted(environ if environ is not None else os.environ):
        if not key.startswith("RISKD_"):
            continue
        name, _, inner = key.removeprefix("RISKD_").lower().partition("__")
        if name not in fields or (inner and inner not in nested.get(name, set())):
            unknown.append(key)
    return unknown


class SettingsError(ValueError):
    """Settings that cannot be used, each named by its TOML key and environment variable."""


def environment_name(key: str) -> str:
    """`RISKD_LIMITS__MAX_ITEMS` of the TOML key `limits.max_items`."""
    return "RISKD_" + key.upper().replace(".", "__")


def describe_errors(exc: ValidationError, config: Path | None) -> str:
    """One line for pydantic's errors, in the names an operator sets: the TOML key and the
    environment variable (the internal class pydantic names means nothing to them)."""
    source = f" in {config} or the environment" if config is not None else ""
    parts = []
    for error in exc.errors(include_url=False):
        key = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if not key:
            parts.append(message)
        elif error["type"] == "extra_forbidden":
            parts.append(f"{key}: no such setting{source}")
        else:
            got = error.get("input")
            shown = "" if isinstance(got, dict) else f" (got {got!r})"
            parts.append(f"{key} (environment {environment_name(key)}): {message}{shown}")
    return "; ".join(parts)


def load_settings(config: Path | None = None, **flags: Any) -> Settings:
    """Build the settings from a TOML file, the environment and flags (None flags are unset).
    An environment variable RISKD_* that names no setting is refused, named; every problem
    raises SettingsError naming the setting."""
    unknown = unknown_environment()
    if unknown:
        raise SettingsError(f"unknown setting in the environment: {', '.join(unknown)}")
    given = {k: v for k, v in flags.items() if v is not None}
    try:
        if config is None:
            return Settings(**given)
        if not config.is_file():
            raise SettingsError(f"config file {config} does not exist")

        class FromFile(Settings):
            model_config = SettingsConfigDict(toml_file=config)

        return Settings.model_validate(FromFile(**given).model_dump())
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc, config)) from exc
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)$", str(exc))
        at = f":{where[1]}:{where[2]}" if where else ""
        message = str(exc)[: where.start()].strip() if where else str(exc)
        raise SettingsError(f"{config}{at}: not valid TOML: {message}") from exc
