"""The fence at the socket (bot/fenced_http.py): python-telegram-bot's requests go out through
connections whose writes check the lease and hand the bytes to the kernel in one step.

The servers here are loopback sockets the test reads by hand, so what reached them is known exactly,
and nothing waits on a timer: the lease runs out on a SettableClock at a moment the test chooses.
"""

from __future__ import annotations

import array
import asyncio
import fcntl
import shutil
import socket
import ssl
import subprocess
import termios
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from telegram.error import NetworkError
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.domain.lease import DURATION, MARGIN, LeaseLost
from bot.fenced_http import Fence, fenced_request
from bot.ports import TemporaryFailure
from bot.services.lease import LeaseKeeper
from bot.telegram_errors import delivery_error
from storage.database import Database
from tests.clocks import SettableClock

T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
ANSWER = b'{"ok":true,"result":true}'


def message(text: str) -> RequestData:
    return RequestData([RequestParameter.from_input("chat_id", 42), RequestParameter.from_input("text", text)])


class LoopbackServer:
    """An HTTP/1.1 server on 127.0.0.1 that reads only when the test asks it to."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.setblocking(False)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/botTOKEN"
        self._loop = asyncio.get_running_loop()
        self._connections: list[socket.socket] = []

    async def accept(self) -> socket.socket:
        connection, _ = await self._loop.sock_accept(self.listener)
        self._connections.append(connection)
        return connection

    async def read_request(self, connection: socket.socket) -> bytes:
        """One whole request (headers and its Content-Length body); b"" if the client closed first."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = await self._loop.sock_recv(connection, 65536)
            if not chunk:
                return b""
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        while len(body) < length:
            chunk = await self._loop.sock_recv(connection, 65536)
            if not chunk:
                return b""  # incomplete: no server acts on it
            body += chunk
        return head + b"\r\n\r\n" + body

    async def answer(self, connection: socket.socket) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(ANSWER)}\r\n\r\n"
        await self._loop.sock_sendall(connection, head.encode() + ANSWER)

    async def rest(self, connection: socket.socket) -> bytes:
        """Everything the client still sends until it closes the connection."""
        data = b""
        while chunk := await self._loop.sock_recv(connection, 65536):
            data += chunk
        return data

    def close(self) -> None:
        for connection in self._connections:
            connection.close()
        self.listener.close()


def queued(connection: socket.socket) -> int:
    """Bytes waiting in the server's kernel buffer, not read yet."""
    size = array.array("i", [0])
    fcntl.ioctl(connection.fileno(), termios.FIONREAD, size)
    return size[0]


@pytest.fixture
async def server():
    served = LoopbackServer()
    yield served
    served.close()


@pytest.fixture
async def lease(tmp_path):
    """A real lease on a real database, with a clock the test moves; `lost` lists each time it found itself lost."""
    database = await Database.open(str(tmp_path / "vigil.sqlite3"))
    clock, lost = SettableClock(T0), []
    keeper = LeaseKeeper(database, "east", clock=clock, on_lost=lambda: lost.append("east"))
    await keeper.acquire()
    yield keeper, clock, lost
    await database.close()


async def open_request(fence: Fence, url: str) -> HTTPXRequest:
    request = fenced_request(fence, url, connection_pool_size=1)
    await request.initialize()
    return request


async def test_every_write_reaches_the_kernel_before_the_event_loop_runs_anything_else(server):
    """The fence's check and the bytes' departure are one step: a callback scheduled by the check
    (anything a paused process would run on waking) finds the bytes already in the server's buffer."""
    fence = Fence()
    request = await open_request(fence, server.url)
    try:
        # A first request opens the (kept-alive) connection, so the test holds the server's end.
        first = asyncio.create_task(request.post(f"{server.url}/sendMessage", message("first")))
        connection = await server.accept()
        assert b"first" in await server.read_request(connection)
        await server.answer(connection)
        assert await first is True

        seen: list[tuple[int, int]] = []  # bytes queued at the server: at the check, at the next turn

        def check() -> None:
            at_check = queued(connection)
            asyncio.get_running_loop().call_soon(lambda: seen.append((at_check, queued(connection))))

        fence.guard_with(check)
        second = asyncio.create_task(request.post(f"{server.url}/sendMessage", message("second")))
        for _ in range(10_000):
            if len(seen) >= 2 and not second.done():  # its headers, then its body, each fenced
                break
            await asyncio.sleep(0)  # one turn of the event loop
        assert all(later > before for before, later in seen), seen
        assert b"second" in await server.read_request(connection)
        await server.answer(connection)
        assert await second is True  # the normal path: checked, sent, answered
    finally:
        await request.shutdown()


async def test_a_request_whose_lease_ran_out_on_its_way_is_never_written(server, lease):
    """The lease is valid when the request starts (the old check point, before the rate limiter) and
    runs out before its bytes can leave (the pool's one connection is busy); at the socket the fence
    refuses it: not one byte reaches the server, and the error says it was not sent."""
    keeper, clock, lost = lease
    fence = Fence()
    fence.guard_with(keeper.check_before_sending)
    request = await open_request(fence, server.url)
    try:
        held = asyncio.create_task(request.post(f"{server.url}/sendMessage", message("held")))
        connection = await server.accept()
        assert b"held" in await server.read_request(connection)  # its answer waits: the pool's one connection is busy

        keeper.check_before_sending()  # the check before the request starts: the lease is still valid
        late = asyncio.create_task(request.post(f"{server.url}/sendMessage", message("late")))
        clock.advance(DURATION - MARGIN)  # the process was paused: by its own clock the lease is gone
        await server.answer(connection)
        assert await held is True
        with pytest.raises(NetworkError) as refused:
            await late

        assert await server.rest(connection) == b""  # the connection closed without a byte of it
        assert lost == ["east"]
        assert isinstance(refused.value.__cause__, LeaseLost)
        assert isinstance(delivery_error(42, refused.value), TemporaryFailure)  # certainly not delivered
    finally:
        await request.shutdown()


async def test_a_large_request_cut_by_the_lease_is_never_whole(server, lease):
    """A request larger than the kernel's buffers leaves in pieces, each one fenced: when the lease
    runs out between two pieces, the rest is never written and the server never has the whole request."""
    keeper, clock, lost = lease
    fence = Fence()
    fence.guard_with(keeper.check_before_sending)
    server.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # a small window: it fills
    request = await open_request(fence, server.url)
    big = "x" * (16 * 1024 * 1024)
    try:
        sending = asyncio.create_task(request.post(f"{server.url}/sendMessage", message(big)))
        connection = await server.accept()
        first = b""
        while len(first) < 1024 * 1024:  # the server reads a first part: the client waits to write more
            first += await asyncio.get_running_loop().sock_recv(connection, 65536)
        clock.advance(DURATION - MARGIN)
        received = first + await server.rest(connection)
        with pytest.raises(NetworkError) as refused:
            await sending
        assert isinstance(refused.value.__cause__, LeaseLost) and lost == ["east"]
        assert len(received) < len(big)  # cut short: no server acts on an incomplete request
    finally:
        await request.shutdown()


def self_signed_certificate(directory) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the loopback TLS server")
    cert, key = str(directory / "cert.pem"), str(directory / "key.pem")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_https_goes_through_the_fence_too(tmp_path, monkeypatch, lease):
    """Over TLS the encrypted bytes leave through the same fenced write: a request with a valid lease
    is answered, one after the lease ran out never reaches the server."""
    cert, key = self_signed_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", cert)  # httpx's context trusts it, as it would a real CA
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    received: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:  # until the client closes (IncompleteReadError)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length"))
            received.append(head + await reader.readexactly(length))
            writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {len(ANSWER)}\r\n\r\n".encode() + ANSWER)
            await writer.drain()

    tls_server = await asyncio.start_server(_quiet(serve), "127.0.0.1", 0, ssl=context)
    url = f"https://127.0.0.1:{tls_server.sockets[0].getsockname()[1]}/botTOKEN"
    keeper, clock, lost = lease
    checks: list[None] = []

    def check() -> None:
        checks.append(None)
        keeper.check_before_sending()

    fence = Fence()
    fence.guard_with(check)
    request = await open_request(fence, url)
    try:
        assert await request.post(f"{url}/sendMessage", message("over tls")) is True
        assert checks and b"text=over+tls" in received[0]
        clock.advance(DURATION)
        with pytest.raises(NetworkError) as refused:
            await request.post(f"{url}/sendMessage", message("too late"))
        assert isinstance(refused.value.__cause__, LeaseLost)
        assert len(received) == 1 and lost == ["east"]
    finally:
        await request.shutdown()
        tls_server.close()
        await tls_server.wait_closed()


def _quiet(serve: Callable) -> Callable:
    async def served(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await serve(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass  # the client went away (the refused request closes its connection)
        finally:
            writer.close()

    return served
