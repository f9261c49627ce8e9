"""The gateway's configuration: where it sends values, where they come from, and how each signal maps into
a submodel. Read from YAML (``extra="forbid"``: a typo is an error naming file, line and key).

Example::

    server: {url: http://127.0.0.1:8080/api/v3.0}
    buffer: {path: data/gateway-buffer.sqlite, max_samples: 1000000, overflow: drop_oldest}
    opcua:
      - {name: ffs200, endpoint: "opc.tcp://127.0.0.1:4840"}
    modbus:
      - {name: plc1, host: 127.0.0.1, port: 5020}
    signals:
      - id: speed
        source: ffs200
        node: "ns=2;s=Machine.Speed"
        target: {submodel: "https://example.com/ids/sm/unit/FFS200-000001/operational-data", path: "Current.Speed"}
        series: {submodel: "https://example.com/ids/sm/unit/FFS200-000001/operational-data", variable: Speed}
        deadband: {absolute: 0.5}
      - id: temperature
        source: plc1
        table: holding
        address: 9
        type: int16
        scale: 0.1
        poll_ms: 500
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from yaml_config import ConfigError, load_yaml_model

from .buffer import Overflow
from .sources.modbus_codec import DataType, WordOrder

__all__ = [
    "Argument",
    "Backoff",
    "ConfigError",
    "Deadband",
    "GatewayConfig",
    "ModbusSource",
    "OpcUaSecurity",
    "OpcUaSource",
    "OperationMapping",
    "SeriesTarget",
    "Signal",
    "Target",
    "load_gateway_config",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Backoff(_Section):
    """Retry delays: ``initial_s`` doubling up to ``max_s``, each randomized by +-``jitter`` (a fraction) so
    that many gateways do not reconnect in lockstep."""

    initial_s: float = Field(0.5, gt=0)
    max_s: float = Field(30.0, gt=0)
    jitter: float = Field(0.2, ge=0, le=1)


class OpcUaSecurity(_Section):
    policy: Literal["None", "Basic256Sha256"] = "None"
    mode: Literal["Sign", "SignAndEncrypt"] = "SignAndEncrypt"
    certificate: Path | None = None  # the gateway's client certificate (DER or PEM)
    private_key: Path | None = None
    server_certificate: Path | None = None  # trust only this server certificate

    @field_validator("certificate", "private_key", "server_certificate")
    @classmethod
    def _file_exists(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"no such file: {path}")
        return path

    @model_validator(mode="after")
    def _keys_for_security(self) -> Self:
        if self.policy != "None" and (self.certificate is None or self.private_key is None):
            raise ValueError("policy Basic256Sha256 needs certificate and private_key")
        return self


class OpcUaSource(_Section):
    name: str = Field(min_length=1)
    endpoint: str = Field(pattern=r"^opc\.tcp://")
    security: OpcUaSecurity = OpcUaSecurity()
    username: str | None = None
    password: str | None = None
    publishing_interval_ms: int = Field(100, ge=10)
    sampling_interval_ms: int = Field(100, ge=0)
    #: nodes per subscription; more signals are split over several subscriptions
    max_items_per_subscription: int = Field(1000, ge=1)
    #: asyncua's watchdog; its 1 s default disconnects busy clients for good (GATEWAY_FACTS.md)
    watchdog_s: float = Field(5.0, gt=0)
    reconnect: Backoff = Backoff()

    @model_validator(mode="after")
    def _login_pair(self) -> Self:
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
        return self


class ModbusSource(_Section):
    name: str = Field(min_length=1)
    host: str
    port: int = Field(502, ge=1, le=65535)
    unit: int = Field(1, ge=0, le=255)
    timeout_s: float = Field(2.0, gt=0)
    #: registers of gap that adjacent signals may leave and still be read in one request
    max_gap: int = Field(0, ge=0, le=100)
    reconnect: Backoff = Backoff()


class Deadband(_Section):
    """Send a new value only when it moved by more than ``absolute``, or by more than ``percent`` of the
    last sent value's magnitude. Quality changes always pass."""

    absolute: float | None = Field(None, ge=0)
    percent: float | None = Field(None, ge=0, le=100)


class Target(_Section):
    """The Property whose value follows the signal: ``PATCH .../$value`` in one request per submodel."""

    submodel: str = Field(min_length=1)
    path: str = Field(min_length=1, pattern=r"^[^\[\]]+$")  # list indices cannot be merge-patched
    value_type: str = "xs:double"


class SeriesTarget(_Section):
    """Each sample also becomes a record of a time series (IDTA 02008) record store."""

    submodel: str = Field(min_length=1)
    store: str = "Segments.Live.Records"
    variable: str = Field(min_length=1, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    semantic_id: str | None = None
    value_type: str = "xs:double"


class Signal(_Section):
    id: str = Field(min_length=1)
    source: str
    node: str | None = None  # OPC UA NodeId, e.g. "ns=2;s=Machine.Speed"
    table: Literal["holding", "input", "coil", "discrete"] | None = None  # Modbus
    address: int | None = Field(None, ge=0, le=65535)
    type: DataType | None = None
    order: WordOrder = WordOrder.ABCD
    length: int | None = Field(None, ge=1, le=250)  # string characters
    poll_ms: int = Field(1000, ge=10)
    scale: float = 1.0
    offset: float = 0.0
    unit: str | None = None
    deadband: Deadband | None = None
    #: no update for this long marks the value stale (default: 3 polls, or 10 s for OPC UA)
    stale_after_ms: int | None = Field(None, ge=10)
    target: Target | None = None
    series: SeriesTarget | None = None
    #: a setpoint: changes of ``target`` on the server are written back to the source
    writable: bool = False


class Argument(_Section):
    """One argument: the AAS OperationVariable's idShort and the OPC UA built-in type it is sent as."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    type: Literal[
        "Boolean", "SByte", "Byte", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64", "Float", "Double", "String"
    ] = "Double"


class OperationMapping(_Section):
    """An AAS Operation carried out as an OPC UA method call (``POST /operations/{id}/invoke`` on the gateway)."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    source: str
    object: str  # NodeId of the object the method belongs to
    method: str  # NodeId of the method
    inputs: list[Argument] = Field(default_factory=list)
    outputs: list[Argument] = Field(default_factory=list)
    timeout_s: float = Field(10.0, gt=0)


class ServerConnection(_Section):
    url: str = Field("http://127.0.0.1:8080/api/v3.0", pattern=r"^https?://")
    timeout_s: float = Field(10.0, gt=0)
    retry: Backoff = Backoff()


class BufferSection(_Section):
    path: Path = Path("data/gateway-buffer.sqlite")
    max_samples: int = Field(1_000_000, ge=1)
    overflow: Overflow = Overflow.DROP_OLDEST


class FlushSection(_Section):
    interval_ms: int = Field(100, ge=1)
    max_batch: int = Field(5000, ge=1)


class HttpSection(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8090, ge=0, le=65535)


class InterfacesSection(_Section):
    """Take sources and signals from the asset's AID (IDTA 02017) and AIMC (IDTA 02027) submodels."""

    aid_submodel: str = Field(min_length=1)
    aimc_submodel: str = Field(min_length=1)


class GatewayConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "gateway"
    server: ServerConnection = ServerConnection()
    buffer: BufferSection = BufferSection()
    flush: FlushSection = FlushSection()
    http: HttpSection = HttpSection()
    #: a submodel the gateway writes its own status into (optional)
    status_submodel: str | None = None
    opcua: list[OpcUaSource] = Field(default_factory=list)
    modbus: list[ModbusSource] = Field(default_factory=list)
    signals: list[Signal] = Field(default_factory=list)
    operations: list[OperationMapping] = Field(default_factory=list)
    #: the standard alternative to ``signals``: read the mapping from the server (see edge_gateway.aid)
    interfaces: InterfacesSection | None = None

    @model_validator(mode="after")
    def _signals_fit_their_sources(self) -> Self:
        names = [s.name for s in self.opcua] + [s.name for s in self.modbus]
        if len(names) != len(set(names)):
            raise ValueError("source names must be unique across opcua and modbus")
        ids = [s.id for s in self.signals]
        if len(ids) != len(set(ids)):
            raise ValueError("signal ids must be unique")
        opcua = {s.name for s in self.opcua}
        modbus = {s.name for s in self.modbus}
        for index, signal in enumerate(self.signals):
            at = f"signals.{index}"
            if signal.source in opcua:
                if signal.node is None:
                    raise ValueError(f"{at}: signal {signal.id!r}: an OPC UA signal needs 'node'")
            elif signal.source in modbus:
                if signal.table is None or signal.address is None:
                    raise ValueError(f"{at}: signal {signal.id!r}: a Modbus signal needs 'table' and 'address'")
                if signal.table in ("holding", "input") and signal.type is None:
                    raise ValueError(f"{at}.table: signal {signal.id!r}: a register signal needs 'type'")
                if signal.type is DataType.STRING and signal.length is None:
                    raise ValueError(f"{at}.type: signal {signal.id!r}: a string signal needs 'length'")
                if signal.length is not None and signal.type is not DataType.STRING:
                    raise ValueError(f"{at}.length: signal {signal.id!r}: 'length' is for string signals only")
                scaled = signal.scale != 1.0 or signal.offset != 0.0
                if scaled and (signal.table in ("coil", "discrete") or signal.type in (DataType.BOOL, DataType.STRING)):
                    raise ValueError(f"{at}: signal {signal.id!r}: 'scale' and 'offset' are for numbers only")
            else:
                raise ValueError(f"{at}.source: unknown source {signal.source!r} (known: {sorted(names)})")
            if signal.writable and signal.target is None:
                raise ValueError(f"{at}.writable: signal {signal.id!r}: a writable signal needs a 'target'")
        for operation in self.operations:
            if operation.source not in opcua:
                raise ValueError(f"operation {operation.id!r}: {operation.source!r} is no OPC UA source")
        if len({o.id for o in self.operations}) != len(self.operations):
            raise ValueError("operation ids must be unique")
        return self


def load_gateway_config(path: Path | None) -> GatewayConfig:
    """The configuration in ``path``; :class:`ConfigError` naming file, line and key when it is wrong."""
    return load_yaml_model(path, GatewayConfig)
