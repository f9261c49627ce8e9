"""The packaging machine as an OPC UA server (asyncua), for gateway tests, benchmarks and the demo.

Address space (namespace ``urn:aas-thread:simulator:packaging``, index ``server.namespace_index``)::

    Objects/
      Machine                      ns=<idx>;s=Machine
        Speed               Double      ns=<idx>;s=Machine.Speed
        SpeedSetpoint       Double      ns=<idx>;s=Machine.SpeedSetpoint   (writable; reaches the model)
        GoodCount           UInt32      ns=<idx>;s=Machine.GoodCount
        RejectCount         UInt32      ns=<idx>;s=Machine.RejectCount
        State               Int32       ns=<idx>;s=Machine.State           (0 stopped, 1 running, 2 fault)
        MotorTemperature    Double      ns=<idx>;s=Machine.MotorTemperature
        VibrationRms        Double      ns=<idx>;s=Machine.VibrationRms
        VibrationWaveform   Double[256] ns=<idx>;s=Machine.VibrationWaveform
        OperatingHours      Double      ns=<idx>;s=Machine.OperatingHours
        BatchId             String      ns=<idx>;s=Machine.BatchId
        DoorClosed          Boolean     ns=<idx>;s=Machine.DoorClosed
        EmergencyStop       Boolean     ns=<idx>;s=Machine.EmergencyStop
        ResetCounters()                               ns=<idx>;s=Machine.ResetCounters
        StartJob(JobId: String, Quantity: UInt32) -> Accepted: Boolean   ns=<idx>;s=Machine.StartJob
      Signals                      ns=<idx>;s=Signals         (load mode only, ``signals=N``)
        Group000 .. GroupNNN       ns=<idx>;s=Signals.Group000   (100 signals each)
          Signal00000 ..  Double   ns=<idx>;s=Signals.Signal00000

String node ids keep gateway mappings stable across restarts and seeds. Every value carries its
SourceTimestamp (the wall clock at the model step that produced it); a value is written only when it
changed, so subscribers see real changes, not a 10 Hz heartbeat.

Load mode: each signal's value is the write sequence number (1.0, 2.0, ...), the same for all signals of
one round, so a consumer can count lost updates; the round is written with ``write_attribute_value``,
the cheap path (see /work/shared/GATEWAY_FACTS.md), and the signals are grouped 100 per object because
asyncua's address-space building is quadratic in the number of children of one parent.

Security: none by default. ``security=True`` (needs ``certificate`` and ``private_key``) adds
Basic256Sha256 Sign and SignAndEncrypt endpoints, and ``require_security=True`` removes the None
endpoint. ``users={"name": "password"}`` turns anonymous login off. Client certificates are not
validated: this is a simulator, not a trust anchor.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hmac
import logging
import math
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast

from asyncua import Node, Server, ua
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.server.address_space import NodeData
from asyncua.server.internal_server import InternalServer
from asyncua.server.user_managers import UserManager

from .clock import run_periodic
from .machine import WAVEFORM_SAMPLES, PackagingMachine

__all__ = ["MACHINE_VARIABLES", "NAMESPACE_URI", "SIGNALS_PER_GROUP", "OpcUaMachineServer"]

NAMESPACE_URI = "urn:aas-thread:simulator:packaging"
APPLICATION_URI = "urn:aas-thread:simulator:packaging:server"
SIGNALS_PER_GROUP = 100
_log = logging.getLogger(__name__)
_VT = ua.VariantType


@dataclass(frozen=True, slots=True)
class _Variable:
    name: str
    variant_type: ua.VariantType
    read: Callable[[PackagingMachine], Any]


_VARIABLES: tuple[_Variable, ...] = (
    _Variable("Speed", _VT.Double, lambda m: m.speed),
    _Variable("SpeedSetpoint", _VT.Double, lambda m: m.speed_setpoint),
    _Variable("GoodCount", _VT.UInt32, lambda m: m.good_count),
    _Variable("RejectCount", _VT.UInt32, lambda m: m.reject_count),
    _Variable("State", _VT.Int32, lambda m: int(m.state)),
    _Variable("MotorTemperature", _VT.Double, lambda m: m.motor_temperature),
    _Variable("VibrationRms", _VT.Double, lambda m: m.vibration_rms),
    _Variable("VibrationWaveform", _VT.Double, lambda m: m.vibration_waveform),
    _Variable("OperatingHours", _VT.Double, lambda m: m.operating_hours),
    _Variable("BatchId", _VT.String, lambda m: m.batch_id),
    _Variable("DoorClosed", _VT.Boolean, lambda m: m.door_closed),
    _Variable("EmergencyStop", _VT.Boolean, lambda m: m.emergency_stop),
)
#: Browse names of the Machine variables, in address-space order.
MACHINE_VARIABLES: tuple[str, ...] = tuple(v.name for v in _VARIABLES)


class _PasswordUserManager(UserManager):
    """Username/password login against a fixed table (constant-time compare); everything else is refused."""

    def __init__(self, users: Mapping[str, str]) -> None:
        self._users = dict(users)

    def get_user(
        self,
        iserver: InternalServer,
        username: str | None = None,
        password: str | None = None,
        certificate: Any = None,
    ) -> User | None:
        expected = self._users.get(username or "")
        if expected is None or password is None:
            return None
        if not hmac.compare_digest(expected.encode(), password.encode()):
            return None
        return User(role=UserRole.User, name=username)


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (asyncua would advertise port 0 in its endpoints if bound to 0)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class OpcUaMachineServer:
    """An asyncua server showing a :class:`PackagingMachine`, stepped by a periodic task.

    ``async with OpcUaMachineServer(port=0) as server:`` starts it on a free loopback port;
    ``server.endpoint`` is the URL to connect to, ``server.machine`` the model behind it.
    ``start()``/``stop()`` can be called repeatedly; the port and the machine survive a restart.
    ``step_s=None`` disables the periodic task: the owner then calls ``await step(dt)`` (or changes the
    machine and calls ``await publish()``), for exact assertions.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int = 0,
        step_s: float | None = 0.1,
        machine: PackagingMachine | None = None,
        signals: int = 0,
        rate_hz: float = 1.0,
        certificate: Path | str | None = None,
        private_key: Path | str | None = None,
        security: bool = False,
        require_security: bool = False,
        users: Mapping[str, str] | None = None,
    ) -> None:
        if (step_s is not None and step_s <= 0) or rate_hz <= 0 or signals < 0:
            raise ValueError("step_s (or None) and rate_hz must be > 0, signals >= 0")
        if security and not (certificate and private_key):
            raise ValueError("security=True needs certificate and private_key")
        if require_security and not security:
            raise ValueError("require_security=True needs security=True")
        self.host = host
        self.port = port
        self.machine = machine if machine is not None else PackagingMachine(seed)
        self.step_s = step_s
        self.signals = signals
        self.rate_hz = rate_hz
        self.certificate = Path(certificate) if certificate else None
        self.private_key = Path(private_key) if private_key else None
        self.security = security
        self.require_security = require_security
        self.users = dict(users) if users else None
        self.namespace_index = 0
        self._server: Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._published: dict[str, Any] = {}
        self._signal_ids: list[ua.NodeId] = []
        self._node_ids: dict[str, ua.NodeId] = {}
        self._signal_round = 0

    # -- public API -------------------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"opc.tcp://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def node_id(self, name: str) -> str:
        """The string node id of a Machine variable or method, e.g. ``node_id("Speed")``."""
        return f"ns={self.namespace_index};s=Machine.{name}"

    def signal_node_id(self, index: int) -> str:
        return f"ns={self.namespace_index};s=Signals.Signal{index:05d}"

    async def start(self) -> None:
        if self._server is not None:
            return
        if self.port == 0:
            self.port = free_port(self.host)
        server = Server(user_manager=_PasswordUserManager(self.users) if self.users else None)
        await server.init()
        # asyncua's own ServerStatus clock sleeps 1 s per round and stop() waits for it; ours is cancellable,
        # which makes stop() (and every outage a gateway test simulates) 1 s faster.
        server.disable_clock()
        server.set_endpoint(self.endpoint)
        server.set_server_name("AAS thread packaging machine simulator")
        await server.set_application_uri(APPLICATION_URI)
        await self._configure_security(server)
        self.namespace_index = await server.register_namespace(NAMESPACE_URI)
        self._published.clear()
        await self._build_machine(server)
        await self._build_signals(server)
        await server.start()
        self._server = server
        await self.publish()  # every value once, now with a SourceTimestamp
        await self._tick_server_clock(0.0)
        if self.step_s is not None:
            self._tasks.append(asyncio.create_task(run_periodic(self.step_s, self.step), name="opcua-sim-step"))
        if self.signals:
            self._tasks.append(asyncio.create_task(run_periodic(1.0 / self.rate_hz, self._write_signals)))
        self._tasks.append(asyncio.create_task(run_periodic(1.0, self._tick_server_clock), name="opcua-sim-clock"))

    async def stop(self) -> None:
        server, self._server = self._server, None
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if server is not None:
            await server.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def step(self, dt_seconds: float) -> None:
        """Advance the model and publish what changed (what the periodic task does each tick)."""
        self.machine.step(dt_seconds)
        await self.publish()

    async def publish(self) -> None:
        """Write every machine value that changed since the last publish (also called after each step)."""
        server = self._server
        if server is None:
            return
        now = datetime.now(UTC)
        for variable in _VARIABLES:
            value = variable.read(self.machine)
            if self._published.get(variable.name) == value:
                continue
            self._published[variable.name] = value
            await server.write_attribute_value(
                self._node_ids[variable.name], _datavalue(ua.Variant(value, variable.variant_type), now)
            )

    # -- building ---------------------------------------------------------------------------------------------

    async def _configure_security(self, server: Server) -> None:
        policies = [ua.SecurityPolicyType.NoSecurity]
        if self.security:
            policies = [
                ua.SecurityPolicyType.Basic256Sha256_Sign,
                ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
            ]
            if not self.require_security:
                policies.insert(0, ua.SecurityPolicyType.NoSecurity)
        server.set_security_policy(policies)
        if self.certificate and self.private_key:
            await server.load_certificate(str(self.certificate))
            await server.load_private_key(str(self.private_key))
        # Offer exactly one login kind, so asyncua does not advertise (and warn about) tokens nobody can use.
        server.set_identity_tokens([ua.UserNameIdentityToken] if self.users else [ua.AnonymousIdentityToken])

    async def _build_machine(self, server: Server) -> None:
        idx = self.namespace_index
        machine = await server.nodes.objects.add_object(_node_id("Machine", idx), ua.QualifiedName("Machine", idx))
        for variable in _VARIABLES:
            value = variable.read(self.machine)
            dims = cast(list[ua.Int32], [WAVEFORM_SAMPLES]) if isinstance(value, list) else None
            node = await machine.add_variable(
                _node_id(f"Machine.{variable.name}", idx),
                ua.QualifiedName(variable.name, idx),
                ua.Variant(value, variable.variant_type, Dimensions=dims),
                datatype=_type_node_id(variable.variant_type),
            )
            self._node_ids[variable.name] = node.nodeid
            if variable.name == "SpeedSetpoint":
                await node.set_writable()
                server.set_attribute_value_setter(node.nodeid, self._on_setpoint_write)
        await self._add_method(machine, "ResetCounters", self._reset_counters, [], [])
        await self._add_method(
            machine,
            "StartJob",
            self._start_job,
            [
                _argument("JobId", _VT.String, "batch id; the first 16 characters are used"),
                _argument("Quantity", _VT.UInt32, "good packs to produce"),
            ],
            [_argument("Accepted", _VT.Boolean, "false in fault or for a zero quantity")],
        )

    async def _add_method(
        self, parent: Node, name: str, func: Callable[..., Any], inputs: list[ua.Argument], outputs: list[ua.Argument]
    ) -> None:
        idx = self.namespace_index
        await parent.add_method(_node_id(f"Machine.{name}", idx), ua.QualifiedName(name, idx), func, inputs, outputs)

    async def _build_signals(self, server: Server) -> None:
        self._signal_ids = []
        if not self.signals:
            return
        idx = self.namespace_index
        folder = await server.nodes.objects.add_folder(_node_id("Signals", idx), ua.QualifiedName("Signals", idx))
        for first in range(0, self.signals, SIGNALS_PER_GROUP):
            group_name = f"Group{first // SIGNALS_PER_GROUP:03d}"
            group = await folder.add_object(_node_id(f"Signals.{group_name}", idx), ua.QualifiedName(group_name, idx))
            for i in range(first, min(first + SIGNALS_PER_GROUP, self.signals)):
                name = f"Signal{i:05d}"
                node = await group.add_variable(
                    _node_id(f"Signals.{name}", idx), ua.QualifiedName(name, idx), ua.Variant(0.0, _VT.Double)
                )
                self._signal_ids.append(node.nodeid)

    # -- runtime ----------------------------------------------------------------------------------------------

    async def _write_signals(self, _dt: float) -> None:
        server = self._server
        if server is None:
            return
        self._signal_round += 1
        now = datetime.now(UTC)
        # One DataValue for the whole round: the server only reads it, and building 10k of them costs more
        # than the writes themselves.
        datavalue = _datavalue(ua.Variant(float(self._signal_round), _VT.Double), now)
        for node_id in self._signal_ids:
            await server.write_attribute_value(node_id, datavalue)

    async def _tick_server_clock(self, _dt: float) -> None:
        """What asyncua's disabled clock did: keep Server.ServerStatus.CurrentTime current (clients read it)."""
        server = self._server
        if server is None:
            return
        now = datetime.now(UTC)
        status_node = server.get_node(_ns0(ua.ObjectIds.Server_ServerStatus))
        status = copy.copy(await status_node.read_value())
        status.CurrentTime = now
        await status_node.write_value(status)
        await server.write_attribute_value(
            _ns0(ua.ObjectIds.Server_ServerStatus_CurrentTime), _datavalue(ua.Variant(now, _VT.DateTime), now)
        )

    def _on_setpoint_write(self, node: NodeData, attr: ua.AttributeIds, value: ua.DataValue) -> None:
        """Client writes (and our own publishes) land here: push into the model, store what it accepted."""
        requested = value.Value.Value if value.Value is not None else None
        if not isinstance(requested, float) or not math.isfinite(requested):
            _log.warning("ignoring SpeedSetpoint write %r", requested)
            return
        self.machine.speed_setpoint = requested
        accepted = self.machine.speed_setpoint  # clamped to the machine's range
        now = datetime.now(UTC)
        node.attributes[attr].value = _datavalue(ua.Variant(accepted, _VT.Double), value.SourceTimestamp or now, now)

    async def _reset_counters(self, _parent: ua.NodeId) -> list[ua.Variant]:
        self.machine.reset_counters()
        await self.publish()
        return []

    async def _start_job(self, _parent: ua.NodeId, *args: ua.Variant) -> list[ua.Variant] | ua.StatusCode:
        if len(args) != 2:
            return _status(ua.StatusCodes.BadArgumentsMissing if len(args) < 2 else ua.StatusCodes.BadTooManyArguments)
        job_id, quantity = args[0].Value, args[1].Value
        if not isinstance(job_id, str) or not isinstance(quantity, int) or isinstance(quantity, bool):
            return _status(ua.StatusCodes.BadInvalidArgument)
        accepted = self.machine.start_job(job_id, quantity)
        await self.publish()
        return [ua.Variant(accepted, _VT.Boolean)]


def _argument(name: str, variant_type: ua.VariantType, description: str) -> ua.Argument:
    return ua.Argument(
        Name=name,
        DataType=_type_node_id(variant_type),
        ValueRank=-1,
        ArrayDimensions=[],
        Description=ua.LocalizedText(description),
    )


# asyncua annotates with its own marker types (ua.String, ua.Int16, ua.DateTime...), subclasses that add
# nothing at runtime; these helpers are the one place where plain Python values are declared as such.


def _node_id(identifier: str, namespace_index: int) -> ua.NodeId:
    return ua.NodeId(cast(ua.String, identifier), cast(ua.Int16, namespace_index))


def _ns0(identifier: int) -> ua.NodeId:
    return ua.NodeId(cast(ua.Int32, identifier))


def _type_node_id(variant_type: ua.VariantType) -> ua.NodeId:
    """The standard DataType node of a built-in type (its numeric id equals the VariantType's)."""
    return _ns0(variant_type.value)


def _datavalue(variant: ua.Variant, source: datetime, server: datetime | None = None) -> ua.DataValue:
    return ua.DataValue(
        variant, SourceTimestamp=cast(ua.DateTime, source), ServerTimestamp=cast(ua.DateTime, server or source)
    )


def _status(code: int) -> ua.StatusCode:
    return ua.StatusCode(cast(ua.UInt32, code))
