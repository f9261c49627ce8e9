"""The gateway's own status as a submodel on the server, next to the values it delivers.

Operators look at the thread, not at each industrial PC: the status (server reachable, buffer depth and
drops, samples in/out, each source connected and its reconnects) is a submodel (``status_submodel``),
created by the gateway if missing and updated with one ``PATCH $value`` every ``interval_s``. Its
semanticId is in the project namespace: no IDTA template describes gateway status.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from .api import encode_id
from .model import from_micros, now_micros

__all__ = ["SEMANTIC_ID", "StatusReporter"]

log = logging.getLogger(__name__)

SEMANTIC_ID = "urn:aas-thread:ext:gateway-status:1:0:Submodel"


def _prop(name: str, value_type: str) -> dict[str, Any]:
    return {"idShort": name, "modelType": "Property", "valueType": value_type}


class StatusReporter:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        server_url: str,
        submodel_id: str,
        name: str,
        status: Callable[[], dict[str, Any]],
        interval_s: float = 5.0,
    ) -> None:
        self._session = session
        self._id = submodel_id
        self._name = name
        self._status = status
        self._interval = interval_s
        self._url = f"{server_url.rstrip('/')}/submodels/{encode_id(submodel_id)}"
        self._exists = False

    def _document(self) -> dict[str, Any]:
        sources = [
            {
                "idShort": source,
                "modelType": "SubmodelElementCollection",
                "value": [_prop("Connected", "xs:boolean"), _prop("Reconnects", "xs:long")],
            }
            for source in self._status()["sources"]
        ]
        elements = [
            _prop("Name", "xs:string"),
            _prop("LastUpdate", "xs:dateTime"),
            _prop("ServerReachable", "xs:boolean"),
            _prop("BufferDepth", "xs:long"),
            _prop("BufferDropped", "xs:long"),
            _prop("SamplesIn", "xs:long"),
            _prop("SamplesOut", "xs:long"),
        ]
        if sources:
            elements.append({"idShort": "Sources", "modelType": "SubmodelElementCollection", "value": sources})
        return {
            "modelType": "Submodel",
            "id": self._id,
            "idShort": "GatewayStatus",
            "semanticId": {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": SEMANTIC_ID}]},
            "submodelElements": elements,
        }

    def _values(self) -> dict[str, Any]:
        status = self._status()
        values: dict[str, Any] = {
            "Name": self._name,
            "LastUpdate": from_micros(now_micros()).isoformat().replace("+00:00", "Z"),
            "ServerReachable": status["server_reachable"],
            "BufferDepth": status["buffer_depth"],
            "BufferDropped": status["buffer_dropped"],
            "SamplesIn": status["samples_in"],
            "SamplesOut": status["samples_out"],
        }
        if status["sources"]:
            values["Sources"] = {
                name: {"Connected": s["connected"], "Reconnects": s["reconnects"]}
                for name, s in status["sources"].items()
            }
        return values

    async def report(self) -> bool:
        """Write the status once; False when the server could not be reached (the next round retries)."""
        try:
            if not self._exists:
                async with self._session.get(self._url) as response:
                    if response.status == 404:
                        async with self._session.post(self._url.rsplit("/", 1)[0], json=self._document()) as created:
                            if created.status not in (201, 409):
                                log.error("status submodel not created: %s %s", created.status, await created.text())
                                return False
                    elif response.status != 200:
                        return False
                self._exists = True
            async with self._session.patch(f"{self._url}/$value", json=self._values()) as response:
                if response.status == 404:
                    self._exists = False
                return response.status == 204
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def run(self) -> None:
        while True:
            await self.report()
            await asyncio.sleep(self._interval)
