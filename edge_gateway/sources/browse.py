"""Browse an OPC UA server and print a mapping skeleton: one ``signals:`` entry per variable, ready to edit.

Commissioning a gateway starts with "what does this machine offer?": the skeleton lists every variable
below Objects (the server's own diagnostics namespace 0 left out) with its node id and a suggested signal
id; targets are left for the engineer to fill in.
"""

from __future__ import annotations

import re

import yaml
from asyncua import Client, Node, ua

__all__ = ["mapping_skeleton"]


def _signal_id(path: list[str]) -> str:
    text = "_".join(path)
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_").lower() or "signal"


async def mapping_skeleton(endpoint: str, *, max_nodes: int = 5000, source: str = "plc") -> str:
    """YAML with an ``opcua`` source for ``endpoint`` and a signal per variable (at most ``max_nodes``)."""
    signals: list[dict[str, object]] = []
    async with Client(endpoint, timeout=10) as client:
        stack: list[tuple[Node, list[str]]] = [(client.nodes.objects, [])]
        seen: set[str] = set()
        while stack and len(signals) < max_nodes:
            node, path = stack.pop()
            for child in reversed(await node.get_children()):
                key = child.nodeid.to_string()
                if key in seen or child.nodeid.NamespaceIndex == 0:
                    continue
                seen.add(key)
                name = (await child.read_browse_name()).Name
                node_class = await child.read_node_class()
                if node_class == ua.NodeClass.Variable and len(signals) < max_nodes:
                    data_type = await child.read_data_type_as_variant_type()
                    signals.append(
                        {
                            "id": _signal_id([*path, name]),
                            "source": source,
                            "node": key,
                            "# type": data_type.name,
                            "target": {"submodel": "<submodel id>", "path": "<idShortPath>"},
                        }
                    )
                elif node_class == ua.NodeClass.Object:
                    stack.append((child, [*path, name]))
    document = {"opcua": [{"name": source, "endpoint": endpoint}], "signals": signals}
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return text.replace("'# type':", "# type:")
