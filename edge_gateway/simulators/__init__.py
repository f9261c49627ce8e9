"""Simulated PLCs for tests and the demo: a packaging machine as OPC UA server and as Modbus TCP server.

* :mod:`.machine` - ``PackagingMachine(seed)``, the pure, deterministic model (no I/O, no clock).
* :mod:`.opcua_server` - ``OpcUaMachineServer``: the model over OPC UA (asyncua), plus a load mode.
* :mod:`.modbus_server` - ``ModbusMachineServer``: the model over Modbus TCP (pymodbus); the register map.
* :mod:`.clock` - the periodic task that steps a model on a fixed grid.
* ``python -m edge_gateway.simulators {opcua,modbus,both}`` - run them until Ctrl-C/SIGTERM.

Nothing is imported here on purpose: the model stays usable without asyncua or pymodbus installed.
"""
