"""Where values come from: OPC UA subscriptions and Modbus TCP polling, each behind one module."""
