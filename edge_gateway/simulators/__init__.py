"""Simulated PLCs for tests and the demo: a packaging machine as OPC UA server and as Modbus TCP server."""
