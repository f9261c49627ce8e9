"""A form-fill-seal packaging machine as a pure, deterministic model (no I/O, no clock of its own).

The OPC UA and Modbus simulators are only views of this model, so both protocols show the same machine
and tests can reason about values without a network. Time only moves when the owner calls
``step(dt_seconds)``; all randomness comes from one ``random.Random(seed)``, so the same seed and the same
sequence of steps always give the same values (the servers step on a fixed grid to keep it that way).

Behaviour, chosen to look like a real machine to a gateway and a dashboard:

* ``speed`` (packs/min) follows ``speed_setpoint`` with a first-order lag (time constant
  ``SPEED_TIME_CONSTANT_S``) plus a little noise while running, and is exactly 0 when not running.
* every produced pack is a reject with probability ``REJECT_RATE``; ``good_count`` and ``reject_count``
  are uint32 counters that wrap like a PLC's.
* ``motor_temperature`` drifts (slowly) towards 40 °C + 0.2 °C per pack/min, i.e. 40-80 °C.
* ``vibration_waveform`` is a fresh 256-sample window each step: a sine at the motor frequency
  (``MOTOR_CYCLES_PER_PACK`` revolutions per pack) plus noise; ``vibration_rms`` is that window's RMS.
* ``operating_hours`` counts running time only.
* interlocks: a pressed ``emergency_stop`` faults the machine at the next step; a finished job stops it.
"""

from __future__ import annotations

import enum
import math
import random

__all__ = [
    "MAX_SPEED",
    "REJECT_RATE",
    "WAVEFORM_SAMPLES",
    "WAVEFORM_SAMPLE_RATE_HZ",
    "MachineState",
    "PackagingMachine",
]

MAX_SPEED = 300.0  # packs/min; setpoints are clamped to [0, MAX_SPEED]
DEFAULT_SETPOINT = 100.0
REJECT_RATE = 0.02
SPEED_TIME_CONSTANT_S = 2.0
SPEED_NOISE = 0.3  # packs/min, standard deviation per step while running
TEMPERATURE_BASE_C = 40.0
TEMPERATURE_PER_SPEED_C = 0.2  # °C per pack/min at steady state
TEMPERATURE_TIME_CONSTANT_S = 90.0
TEMPERATURE_NOISE_C = 0.02
WAVEFORM_SAMPLES = 256
WAVEFORM_SAMPLE_RATE_HZ = 1024.0
MOTOR_CYCLES_PER_PACK = 30.0  # 100 packs/min -> 50 Hz motor vibration
VIBRATION_PER_SPEED = 0.02  # mm/s peak per pack/min
VIBRATION_NOISE = 0.05  # mm/s, always present (other machines on the floor)
BATCH_ID_LENGTH = 16
_UINT32 = 2**32
_EXACT_BINOMIAL_LIMIT = 1000  # packs per step; above that a normal approximation is exact enough


class MachineState(enum.IntEnum):
    """PackML-like state, as the PLC exposes it (an integer)."""

    STOPPED = 0
    RUNNING = 1
    FAULT = 2


class PackagingMachine:
    """The machine. Read the attributes; change it through ``speed_setpoint`` and the methods."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - reproducible noise, not secrets
        self.seed = seed
        self.state = MachineState.RUNNING
        self.speed = 0.0
        self._speed_setpoint = DEFAULT_SETPOINT
        self.good_count = 0
        self.reject_count = 0
        self.motor_temperature = TEMPERATURE_BASE_C
        # A machine is never new on the shop floor; the starting hours depend on the seed only.
        self.operating_hours = round(self._rng.uniform(1_000.0, 20_000.0), 2)
        self.batch_id = "B2026W47"
        self.door_closed = True
        self.emergency_stop = False
        self.elapsed_s = 0.0  # simulated seconds since construction
        self.steps = 0  # step() calls that advanced time; a cheap "something changed" counter for load signals
        self.job_quantity: int | None = None  # None: run until stopped (no job, or the demo's endless run)
        self.job_produced = 0  # good packs since start_job
        self._pack_fraction = 0.0  # partial pack carried between steps, so slow steps still produce
        self.vibration_waveform: list[float] = []
        self.vibration_rms = 0.0
        self._regenerate_waveform()

    # -- commands ---------------------------------------------------------------------------------------------

    @property
    def speed_setpoint(self) -> float:
        return self._speed_setpoint

    @speed_setpoint.setter
    def speed_setpoint(self, value: float) -> None:
        """Clamp to the machine's range like a PLC would; refuse NaN/inf, which no drive accepts."""
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"speed setpoint must be finite, got {value}")
        self._speed_setpoint = min(max(value, 0.0), MAX_SPEED)

    def reset_counters(self) -> None:
        self.good_count = 0
        self.reject_count = 0

    def start_job(self, job_id: str, quantity: int) -> bool:
        """Produce ``quantity`` good packs as batch ``job_id[:16]``, then stop; refused in fault or if quantity <= 0."""
        if self.state == MachineState.FAULT or quantity <= 0:
            return False
        self.batch_id = job_id[:BATCH_ID_LENGTH]
        self.job_quantity = quantity
        self.job_produced = 0
        self.state = MachineState.RUNNING
        return True

    def start(self) -> bool:
        """Run without a job quantity (the demo's endless production); refused in fault."""
        if self.state == MachineState.FAULT:
            return False
        self.job_quantity = None
        self.state = MachineState.RUNNING
        return True

    def stop(self) -> None:
        if self.state == MachineState.RUNNING:
            self._enter(MachineState.STOPPED)

    def set_fault(self, fault: bool) -> None:
        """Raise a fault, or acknowledge it: an acknowledged fault leaves the machine stopped, never running."""
        if fault:
            self._enter(MachineState.FAULT)
        elif self.state == MachineState.FAULT:
            self._enter(MachineState.STOPPED)

    # -- time -------------------------------------------------------------------------------------------------

    def step(self, dt_seconds: float) -> None:
        """Advance the simulated time by ``dt_seconds`` (> 0; 0 is a no-op)."""
        if dt_seconds < 0 or not math.isfinite(dt_seconds):
            raise ValueError(f"dt must be finite and >= 0, got {dt_seconds}")
        if dt_seconds == 0:
            return
        self.elapsed_s += dt_seconds
        self.steps += 1
        if self.emergency_stop and self.state != MachineState.FAULT:
            self._enter(MachineState.FAULT)
        if self.state == MachineState.RUNNING:
            self._update_speed(dt_seconds)
            self._produce(dt_seconds)
            self.operating_hours += dt_seconds / 3600.0
        self._update_temperature(dt_seconds)
        self._regenerate_waveform()

    # -- internals --------------------------------------------------------------------------------------------

    def _enter(self, state: MachineState) -> None:
        self.state = state
        if state != MachineState.RUNNING:
            self.speed = 0.0  # the brake holds: "stopped" means no motion, not a coast-down
            self._pack_fraction = 0.0

    def _update_speed(self, dt: float) -> None:
        alpha = 1.0 - math.exp(-dt / SPEED_TIME_CONSTANT_S)
        self.speed += (self._speed_setpoint - self.speed) * alpha + self._rng.gauss(0.0, SPEED_NOISE)
        self.speed = min(max(self.speed, 0.0), MAX_SPEED)

    def _produce(self, dt: float) -> None:
        packs_float = self.speed / 60.0 * dt + self._pack_fraction
        packs = int(packs_float)
        self._pack_fraction = packs_float - packs
        rejects = self._binomial(packs, REJECT_RATE)
        good = packs - rejects
        if self.job_quantity is not None:
            good = min(good, self.job_quantity - self.job_produced)
        self.good_count = (self.good_count + good) % _UINT32
        self.reject_count = (self.reject_count + rejects) % _UINT32
        if self.job_quantity is not None:
            self.job_produced += good
            if self.job_produced >= self.job_quantity:
                self._enter(MachineState.STOPPED)

    def _binomial(self, n: int, p: float) -> int:
        if n <= _EXACT_BINOMIAL_LIMIT:
            return sum(1 for _ in range(n) if self._rng.random() < p)
        estimate = round(self._rng.gauss(n * p, math.sqrt(n * p * (1.0 - p))))
        return min(max(estimate, 0), n)

    def _update_temperature(self, dt: float) -> None:
        target = TEMPERATURE_BASE_C + TEMPERATURE_PER_SPEED_C * self.speed
        alpha = 1.0 - math.exp(-dt / TEMPERATURE_TIME_CONSTANT_S)
        self.motor_temperature += (target - self.motor_temperature) * alpha + self._rng.gauss(0.0, TEMPERATURE_NOISE_C)

    def _regenerate_waveform(self) -> None:
        frequency = self.speed / 60.0 * MOTOR_CYCLES_PER_PACK
        amplitude = VIBRATION_PER_SPEED * self.speed
        phase = self._rng.uniform(0.0, 2.0 * math.pi)
        omega = 2.0 * math.pi * frequency / WAVEFORM_SAMPLE_RATE_HZ
        gauss = self._rng.gauss
        self.vibration_waveform = [
            amplitude * math.sin(omega * n + phase) + gauss(0.0, VIBRATION_NOISE) for n in range(WAVEFORM_SAMPLES)
        ]
        self.vibration_rms = math.sqrt(math.fsum(x * x for x in self.vibration_waveform) / WAVEFORM_SAMPLES)
