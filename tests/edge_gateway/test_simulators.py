"""The simulated packaging machine: the model alone, then over real OPC UA and Modbus TCP on loopback, then the CLI.

Servers that tests assert exact values on run with ``step_s=None`` and are stepped by the test, so nothing
moves between a read and the assertion.
"""

from __future__ import annotations

import asyncio
import math
import signal
import struct
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asyncua import Client, ua
from asyncua.crypto.cert_gen import dump_private_key_as_pem, generate_private_key, generate_self_signed_app_certificate
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.pdu import ExceptionResponse

from edge_gateway.simulators.__main__ import main
from edge_gateway.simulators.machine import MAX_SPEED, WAVEFORM_SAMPLES, MachineState, PackagingMachine
from edge_gateway.simulators.modbus_server import ModbusMachineServer
from edge_gateway.simulators.opcua_server import MACHINE_VARIABLES, OpcUaMachineServer

REPO = Path(__file__).resolve().parents[2]


def run(machine: PackagingMachine, seconds: float, dt: float = 0.1) -> None:
    for _ in range(round(seconds / dt)):
        machine.step(dt)


# -- the model ---------------------------------------------------------------------------------------------------


def test_same_seed_same_machine_other_seed_other_noise() -> None:
    a, b, c = PackagingMachine(7), PackagingMachine(7), PackagingMachine(8)
    for machine in (a, b, c):
        run(machine, 30)
    assert vars(a).keys() == vars(b).keys()
    assert (a.speed, a.good_count, a.reject_count, a.motor_temperature, a.vibration_waveform) == (
        b.speed,
        b.good_count,
        b.reject_count,
        b.motor_temperature,
        b.vibration_waveform,
    )
    assert a.speed != c.speed and a.vibration_waveform != c.vibration_waveform


def test_running_machine_follows_setpoint_produces_heats_and_vibrates() -> None:
    machine = PackagingMachine(1)
    assert machine.state == MachineState.RUNNING and machine.speed == 0.0 and machine.speed_setpoint == 100.0
    hours = machine.operating_hours
    run(machine, 20)
    assert machine.speed == pytest.approx(100.0, abs=3.0)  # 10 time constants: settled, plus noise
    machine.speed_setpoint = 200.0
    run(machine, 2)  # one time constant: about 63 % of the way
    assert 150.0 < machine.speed < 185.0
    run(machine, 3600, dt=10.0)
    packs = machine.good_count + machine.reject_count
    assert packs == pytest.approx(200 * 60, rel=0.02)
    assert machine.reject_count / packs == pytest.approx(0.02, abs=0.006)
    assert machine.motor_temperature == pytest.approx(80.0, abs=1.5)  # 40 °C + 0.2 °C per pack/min
    assert machine.operating_hours == pytest.approx(hours + 3622 / 3600)
    waveform = machine.vibration_waveform
    assert len(waveform) == WAVEFORM_SAMPLES
    assert machine.vibration_rms == pytest.approx(math.sqrt(sum(x * x for x in waveform) / len(waveform)))
    assert machine.vibration_rms == pytest.approx(4.0 / math.sqrt(2), rel=0.1)  # 0.02 mm/s peak per pack/min


def test_jobs_faults_and_interlocks() -> None:
    machine = PackagingMachine(2)
    assert not machine.start_job("J1", 0) and not machine.start_job("J1", -5)
    assert machine.start_job("JOB-2026-0815-LINE-7", 20)
    assert machine.batch_id == "JOB-2026-0815-LI" and machine.state == MachineState.RUNNING
    run(machine, 60)
    assert machine.good_count == 20 and machine.state == MachineState.STOPPED and machine.speed == 0.0
    hours = machine.operating_hours
    run(machine, 10)
    assert machine.operating_hours == hours and machine.speed == 0.0  # stopped: no motion, no hours

    machine.start()
    machine.set_fault(True)
    assert machine.state == MachineState.FAULT and machine.speed == 0.0
    assert not machine.start_job("J2", 10) and not machine.start()
    machine.set_fault(False)
    assert machine.state == MachineState.STOPPED  # acknowledging a fault never restarts the machine
    assert machine.start()
    machine.emergency_stop = True
    machine.step(0.1)
    assert machine.state == MachineState.FAULT

    machine.reset_counters()
    assert machine.good_count == machine.reject_count == 0


def test_setpoint_is_clamped_and_counters_wrap_like_a_plc() -> None:
    machine = PackagingMachine(3)
    machine.speed_setpoint = 1e9
    assert machine.speed_setpoint == MAX_SPEED
    machine.speed_setpoint = -1
    assert machine.speed_setpoint == 0.0
    with pytest.raises(ValueError, match="finite"):
        machine.speed_setpoint = math.nan
    machine.speed_setpoint = 100.0
    machine.good_count = 2**32 - 1
    run(machine, 30)
    assert 0 < machine.good_count < 100


# -- OPC UA ------------------------------------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[ua.DataValue] = asyncio.Queue()

    def datachange_notification(self, node: Any, val: Any, data: Any) -> None:
        self.queue.put_nowait(data.monitored_item.Value)


async def test_opcua_values_change_and_arrive_by_subscription_with_source_timestamps() -> None:
    server = OpcUaMachineServer(port=0, step_s=0.05, signals=150, rate_hz=20)
    async with server, Client(server.endpoint) as client:
        idx = await client.get_namespace_index("urn:aas-thread:simulator:packaging")
        assert idx == server.namespace_index
        machine_node = client.get_node(f"ns={idx};s=Machine")
        children = {(await child.read_browse_name()).Name for child in await machine_node.get_children()}
        assert children == {*MACHINE_VARIABLES, "ResetCounters", "StartJob"}

        collector = _Collector()
        subscription = await client.create_subscription(20, collector)
        await subscription.subscribe_data_change(client.get_node(server.node_id("Speed")), queuesize=100)
        values = [await asyncio.wait_for(collector.queue.get(), 5) for _ in range(6)]
        await subscription.delete()

        stamps = [v.SourceTimestamp for v in values]
        assert all(s is not None for s in stamps) and stamps == sorted(stamps) and len(set(stamps)) == 6
        assert datetime.now(UTC) - stamps[-1] < timedelta(seconds=2)  # the simulated time is the wall clock
        assert len({v.Value.Value for v in values}) == 6  # the machine is ramping up: every value is new

        waveform = await client.get_node(server.node_id("VibrationWaveform")).read_value()
        assert len(waveform) == WAVEFORM_SAMPLES
        await asyncio.sleep(0.15)
        assert await client.get_node(server.node_id("VibrationWaveform")).read_value() != waveform
        assert await client.get_node(server.node_id("OperatingHours")).read_value() > 0
        assert await client.get_node(server.node_id("BatchId")).read_value() == "B2026W47"
        types = {
            name: (await client.get_node(server.node_id(name)).read_data_type_as_variant_type())
            for name in ("GoodCount", "State", "DoorClosed", "EmergencyStop")
        }
        assert types == {
            "GoodCount": ua.VariantType.UInt32,
            "State": ua.VariantType.Int32,
            "DoorClosed": ua.VariantType.Boolean,
            "EmergencyStop": ua.VariantType.Boolean,
        }
        server_time = await client.get_node("i=2258").read_value()  # Server.ServerStatus.CurrentTime
        assert abs(datetime.now(UTC) - server_time.replace(tzinfo=UTC)) < timedelta(seconds=2)

        # Load mode: 100 signals per group object, each changing at the rate (its value is the round number).
        group1 = client.get_node(f"ns={idx};s=Signals.Group001")
        names = [(await child.read_browse_name()).Name for child in await group1.get_children()]
        assert names == [f"Signal{i:05d}" for i in range(100, 150)]
        first, last = client.get_node(server.signal_node_id(0)), client.get_node(f"ns={idx};s=Signals.Signal00149")
        before = await last.read_value()
        await asyncio.sleep(0.3)
        after, dv = await last.read_value(), await first.read_data_value()
        assert after >= before + 3  # ~6 rounds at 20 Hz
        assert dv.SourceTimestamp is not None and datetime.now(UTC) - dv.SourceTimestamp < timedelta(seconds=1)


async def test_opcua_setpoint_writes_and_method_calls_reach_the_model() -> None:
    server = OpcUaMachineServer(port=0, step_s=None, seed=5)  # stepped by the test: exact assertions
    async with server, Client(server.endpoint) as client:
        setpoint = client.get_node(server.node_id("SpeedSetpoint"))
        await setpoint.write_value(150.0)
        assert server.machine.speed_setpoint == 150.0
        for _ in range(40):
            await server.step(0.5)
        assert await client.get_node(server.node_id("Speed")).read_value() == server.machine.speed
        assert server.machine.speed == pytest.approx(150.0, abs=3.0)

        await setpoint.write_value(1000.0)  # out of range: the machine clamps, the node shows what it took
        assert server.machine.speed_setpoint == MAX_SPEED == await setpoint.read_value()
        with pytest.raises(ua.UaStatusCodeError):
            await client.get_node(server.node_id("Speed")).write_value(1.0)  # read-only

        machine_node = client.get_node(f"ns={server.namespace_index};s=Machine")
        start_job = ua.NodeId.from_string(server.node_id("StartJob"))

        async def call_start_job(job: str, quantity: int) -> bool:
            result = await machine_node.call_method(
                start_job, ua.Variant(job, ua.VariantType.String), ua.Variant(quantity, ua.VariantType.UInt32)
            )
            assert isinstance(result, bool)
            return result

        assert await call_start_job("JOB-0815", 500)
        assert await client.get_node(server.node_id("BatchId")).read_value() == "JOB-0815"
        assert not await call_start_job("JOB-0816", 0)

        for _ in range(20):
            await server.step(1.0)
        good = client.get_node(server.node_id("GoodCount"))
        assert await good.read_value() == server.machine.good_count > 0
        await machine_node.call_method(ua.NodeId.from_string(server.node_id("ResetCounters")))
        assert await good.read_value() == 0 == server.machine.good_count

        server.machine.set_fault(True)
        await server.publish()
        assert await client.get_node(server.node_id("State")).read_value() == 2
        assert not await call_start_job("JOB-0817", 10)


async def test_opcua_security_and_user_login(tmp_path: Path) -> None:
    def make_cert(name: str, uri: str, usage: x509.ObjectIdentifier) -> tuple[Path, Path]:
        key = generate_private_key()
        cert = generate_self_signed_app_certificate(
            key, name, {}, [x509.UniformResourceIdentifier(uri), x509.DNSName("localhost")], [usage]
        )
        cert_path, key_path = tmp_path / f"{name}.der", tmp_path / f"{name}.pem"
        cert_path.write_bytes(cert.public_bytes(Encoding.DER))
        key_path.write_bytes(dump_private_key_as_pem(key))
        return cert_path, key_path

    server_cert, server_key = make_cert(
        "sim", "urn:aas-thread:simulator:packaging:server", ExtendedKeyUsageOID.SERVER_AUTH
    )
    client_cert, client_key = make_cert("gw", "urn:aas-thread:test:client", ExtendedKeyUsageOID.CLIENT_AUTH)
    secure = OpcUaMachineServer(
        port=0,
        certificate=server_cert,
        private_key=server_key,
        security=True,
        require_security=True,
        users={"operator": "s3cret"},
    )
    async with secure as server:
        endpoints = await Client(server.endpoint).connect_and_get_server_endpoints()
        assert {e.SecurityMode for e in endpoints} == {
            ua.MessageSecurityMode.Sign,
            ua.MessageSecurityMode.SignAndEncrypt,
        }

        client = Client(server.endpoint)
        client.application_uri = "urn:aas-thread:test:client"
        await client.set_security_string(f"Basic256Sha256,SignAndEncrypt,{client_cert},{client_key}")
        client.set_user("operator")
        client.set_password("s3cret")
        async with client:
            assert await client.get_node(server.node_id("State")).read_value() == 1

        intruder = Client(server.endpoint)
        intruder.application_uri = "urn:aas-thread:test:client"
        await intruder.set_security_string(f"Basic256Sha256,SignAndEncrypt,{client_cert},{client_key}")
        intruder.set_user("operator")
        intruder.set_password("wrong")
        with pytest.raises(ua.UaStatusCodeError):
            await intruder.connect()


# -- Modbus TCP --------------------------------------------------------------------------------------------------


@pytest.fixture
async def modbus() -> AsyncIterator[tuple[ModbusMachineServer, AsyncModbusTcpClient]]:
    async with ModbusMachineServer(port=0, step_s=None, seed=9, registers=50) as server:
        client = AsyncModbusTcpClient("127.0.0.1", port=server.port)
        assert await client.connect()
        yield server, client
        client.close()


def _regs_bytes(registers: list[int]) -> bytes:
    return struct.pack(f">{len(registers)}H", *registers)


def _int16(register: int) -> int:
    value: int = struct.unpack(">h", struct.pack(">H", register))[0]
    return value


async def test_modbus_register_map_decodes_to_the_model(
    modbus: tuple[ModbusMachineServer, AsyncModbusTcpClient],
) -> None:
    server, client = modbus
    machine = server.machine
    for _ in range(50):
        await server.step(0.2)
    machine.start_job("JOB-4711", 1_000)
    # Values whose four bytes all differ, so every word and byte order is told apart.
    machine.good_count, machine.reject_count = 0x12345678, 0x0102_0304
    machine.emergency_stop = True  # not stepped yet: the machine still runs, the input shows the button

    hr = (await client.read_holding_registers(0, count=32)).registers
    b = _regs_bytes(hr)
    assert struct.unpack(">f", b[0:4])[0] == pytest.approx(machine.speed, rel=1e-6) and machine.speed > 50
    assert struct.unpack(">f", b[4:8])[0] == machine.speed_setpoint == 100.0
    assert struct.unpack(">I", b[8:12])[0] == 0x12345678
    assert struct.unpack(">I", b[12:16])[0] == 0x0102_0304
    assert hr[8] == 1 == machine.state
    assert _int16(hr[9]) * 0.1 == pytest.approx(machine.motor_temperature, abs=0.051)
    assert struct.unpack(">d", b[20:28])[0] == machine.operating_hours
    assert b[28:44] == b"JOB-4711" + b"\0" * 8
    assert struct.unpack(">f", b[46:48] + b[44:46])[0] == pytest.approx(machine.speed, rel=1e-6)  # CDAB
    assert struct.unpack("<I", b[48:52])[0] == 0x12345678  # DCBA
    assert b[52:56] == bytes((0x34, 0x12, 0x78, 0x56))  # BADC
    assert struct.unpack(">q", b[56:64])[0] == int(machine.operating_hours * 3600)

    ir = (await client.read_input_registers(0, count=125)).registers
    ir += (await client.read_input_registers(125, count=125)).registers
    ir += (await client.read_input_registers(250, count=7)).registers
    assert _int16(ir[0]) * 0.01 == pytest.approx(machine.vibration_rms, abs=0.0051)
    waveform = [_int16(r) * 0.01 for r in ir[1:]]
    assert waveform == pytest.approx(machine.vibration_waveform, abs=0.0051)
    assert min(waveform) < -0.5 < 0.5 < max(waveform)  # signed: a sine around zero

    assert (await client.read_coils(0, count=2)).bits[:2] == [True, False]
    assert (await client.read_discrete_inputs(0, count=2)).bits[:2] == [True, True]
    await server.step(0.1)  # the interlock trips
    assert (await client.read_coils(0, count=2)).bits[:2] == [False, True]
    assert (await client.read_holding_registers(8)).registers == [2]

    assert isinstance(await client.read_holding_registers(32), ExceptionResponse)  # unmapped
    extra = (await client.read_holding_registers(1000, count=50)).registers
    assert extra == [(machine.steps + i) & 0xFFFF for i in range(50)]
    await server.step(0.1)
    assert (await client.read_holding_registers(1000, count=50)).registers == [(e + 1) & 0xFFFF for e in extra]


async def test_modbus_setpoint_write_reaches_the_model_and_read_only_is_enforced(
    modbus: tuple[ModbusMachineServer, AsyncModbusTcpClient],
) -> None:
    server, client = modbus
    registers = list(struct.unpack(">HH", struct.pack(">f", 160.0)))
    assert not (await client.write_registers(2, registers)).isError()
    assert server.machine.speed_setpoint == 160.0
    for _ in range(40):
        await server.step(0.5)
    speed = struct.unpack(">f", _regs_bytes((await client.read_holding_registers(0, count=2)).registers))[0]
    assert speed == pytest.approx(160.0, abs=3.0)

    nan = list(struct.unpack(">HH", struct.pack(">f", math.nan)))
    assert isinstance(await client.write_registers(2, nan), ExceptionResponse)
    assert isinstance(await client.write_registers(0, [0, 0]), ExceptionResponse)  # Speed is read-only
    assert isinstance(await client.write_register(9, 1), ExceptionResponse)
    assert server.machine.speed_setpoint == 160.0


async def test_modbus_reset_coil_resets_counters_and_reads_back_zero(
    modbus: tuple[ModbusMachineServer, AsyncModbusTcpClient],
) -> None:
    server, client = modbus
    for _ in range(20):
        await server.step(1.0)
    assert server.machine.good_count > 0
    response = await client.write_coil(8, True)
    assert not response.isError() and response.bits[0] is False
    assert server.machine.good_count == server.machine.reject_count == 0
    assert (await client.read_coils(8)).bits[0] is False
    assert (await client.read_holding_registers(4, count=4)).registers == [0, 0, 0, 0]
    assert isinstance(await client.write_coil(0, False), ExceptionResponse)  # status coils are read-only
    assert server.machine.state == MachineState.RUNNING


async def test_modbus_values_change_while_the_server_runs() -> None:
    async with ModbusMachineServer(port=0, step_s=0.05) as server:
        client = AsyncModbusTcpClient("127.0.0.1", port=server.port)
        assert await client.connect()
        first = (await client.read_holding_registers(0, count=10)).registers
        await asyncio.sleep(0.2)
        second = (await client.read_holding_registers(0, count=10)).registers
        client.close()
    assert first[0:2] != second[0:2]  # Speed ramps up


async def test_modbus_server_stopped_and_restarted_on_the_same_port_serves_again() -> None:
    server = ModbusMachineServer(port=0, step_s=0.05)
    await server.start()
    port = server.port
    connected = AsyncModbusTcpClient("127.0.0.1", port=port, retries=0, timeout=0.5)
    assert await connected.connect()
    assert not (await connected.read_holding_registers(8)).isError()

    await server.stop()  # an outage with a client connected
    assert not server.running
    refused = AsyncModbusTcpClient("127.0.0.1", port=port, reconnect_delay=0)
    assert not await refused.connect()
    refused.close()

    await server.start()
    try:
        assert server.port == port
        fresh = AsyncModbusTcpClient("127.0.0.1", port=port)
        assert await fresh.connect()
        assert (await fresh.read_holding_registers(8)).registers == [1]
        fresh.close()
    finally:
        connected.close()
        await server.stop()


# -- CLI ---------------------------------------------------------------------------------------------------------


async def test_cli_serves_one_machine_over_both_protocols_and_stops_cleanly_on_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "edge_gateway.simulators",
        "both",
        "--opcua-port",
        "0",
        "--modbus-port",
        "0",
        "--step",
        "0.05",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        opcua_line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        modbus_line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        endpoint = opcua_line.split()[3]  # "OPC UA endpoint: opc.tcp://..."
        host, port = modbus_line.split()[3].rsplit(":", 1)  # "Modbus TCP endpoint: host:port ..."
        assert endpoint.startswith("opc.tcp://127.0.0.1:")

        modbus_client = AsyncModbusTcpClient(host, port=int(port))
        assert await modbus_client.connect()
        await modbus_client.write_registers(2, list(struct.unpack(">HH", struct.pack(">f", 123.0))))
        modbus_client.close()
        async with Client(endpoint) as opcua_client:
            await asyncio.sleep(0.1)  # the OPC UA side publishes at the next step
            node = opcua_client.get_node("ns=2;s=Machine.SpeedSetpoint")
            assert await node.read_value() == 123.0  # one machine behind both protocols
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = await asyncio.wait_for(process.wait(), 10)
    assert process.stderr is not None
    stderr = (await process.stderr.read()).decode()
    assert returncode == 0, stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    "argv",
    [[], ["opcua", "--step", "0"], ["modbus", "--port", "70000"], ["opcua", "--security"], ["both", "--rate", "x"]],
)
def test_cli_rejects_bad_arguments_with_exit_status_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err
