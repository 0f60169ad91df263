"""Where Vigil's web server listens: parsed here, with nothing of aiohttp, so settings can use it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListenAddress:
    """`host:port` where the web server listens (`VIGIL_WEB_LISTEN`); port 0 picks a free one."""

    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> ListenAddress:
        host, separator, port = text.strip().rpartition(":")
        host = host.strip("[]")
        if not separator or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("must be host:port, for example 127.0.0.1:8080")
        return cls(host, int(port))

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"
