"""The fence at the socket: no byte of a request to Telegram is written once the lease is lost.

On PostgreSQL only the lease holder may talk to Telegram (bot/services/lease.py). Checking the lease
when a request *starts* is not enough: between that check and the moment its bytes reach the socket
the request waits for its turn, for a connection from the pool, for TLS, and every one of those
waits is an ``await`` where a paused process (SIGSTOP, a frozen VM) can stop, and then send the
request when it wakes, after the standby took over.

So the check runs where the bytes leave: python-telegram-bot's HTTPXRequest gets an httpx
transport whose connections use this module's network stream. Its ``write`` checks the fence and
then hands the bytes to the kernel (``socket.send``) in the same synchronous step, with no
``await`` in between, before every send, so also before each further piece of a large request.
(httpcore's default stream goes through anyio, whose ``send`` yields to the event loop before it
writes: a pause there would let the bytes out later.) TLS runs on ``ssl.SSLObject`` over memory
buffers, so encrypted bytes leave through the same fenced write. A request the fence refuses has
not been sent, or not all of it (an incomplete HTTP request, which no server acts on): its error
says so (bot/telegram_errors.py).

What remains is the time between reading the clock and the ``send`` system call: a few Python
statements, which no user-space code can make shorter. Once ``send`` returned, the kernel delivers
the bytes whether the process runs or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import ssl
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpcore
import httpx
from telegram.request import HTTPXRequest

READ_CHUNK = 65536
WRITE_RETRY_SECONDS = 0.005

Check = Callable[[], None]


class Fence:
    """The check run right before bytes of a request are written; raises to stop them (LeaseLost).

    Open until `guard_with` is called: the lease is taken after the Bot and its HTTP clients exist."""

    def __init__(self) -> None:
        self._check: Check | None = None

    def guard_with(self, check: Check) -> None:
        self._check = check

    def check(self) -> None:
        if self._check is not None:
            self._check()


@contextlib.contextmanager
def _mapped(timeout_error: type[Exception], os_error: type[Exception]) -> Iterator[None]:
    try:
        yield
    except TimeoutError as error:
        raise timeout_error(str(error) or "timed out") from error
    except (OSError, ssl.SSLError) as error:
        raise os_error(str(error) or type(error).__name__) from error


class FencedSocketStream(httpcore.AsyncNetworkStream):
    """A TCP connection whose every write is fenced (see the module's docstring)."""

    def __init__(self, sock: socket.socket, fence: Fence) -> None:
        self._sock = sock
        self._fence = fence
        self._loop = asyncio.get_running_loop()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _mapped(httpcore.ReadTimeout, httpcore.ReadError):
            async with asyncio.timeout(timeout):
                return await self._loop.sock_recv(self._sock, max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        with _mapped(httpcore.WriteTimeout, httpcore.WriteError):
            async with asyncio.timeout(timeout):
                rest = memoryview(buffer)
                while rest:
                    # The fence, then the bytes to the kernel: nothing between them can yield.
                    self._fence.check()
                    try:
                        sent = self._sock.send(rest)
                    except (BlockingIOError, InterruptedError):
                        sent = 0
                    rest = rest[sent:]
                    if rest:
                        await self._writable()  # the kernel's buffer is full; checked again after

    async def _writable(self) -> None:
        ready: asyncio.Future[None] = self._loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        fd = self._sock.fileno()
        try:
            self._loop.add_writer(fd, wake)
        except NotImplementedError:  # Windows' proactor loop: look again shortly
            await asyncio.sleep(WRITE_RETRY_SECONDS)
            return
        try:
            await ready
        finally:
            self._loop.remove_writer(fd)

    async def aclose(self) -> None:
        self._sock.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        stream = FencedTLSStream(self, ssl_context, server_hostname)
        try:
            with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
                async with asyncio.timeout(timeout):
                    await stream.handshake()
        except BaseException:
            await self.aclose()
            raise
        return stream

    def get_extra_info(self, info: str) -> Any:
        if info == "socket":
            return self._sock
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "is_readable":
            return _readable(self._sock)
        return None


def _readable(sock: socket.socket) -> bool:
    """Whether a read would not wait: for an idle pooled connection, that the server closed it (or
    sent something unasked), so httpcore does not reuse it."""
    if sock.fileno() < 0:
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([sock], [], [], 0)[0])
    poll = select.poll()
    poll.register(sock, select.POLLIN)
    return bool(poll.poll(0))


class FencedTLSStream(httpcore.AsyncNetworkStream):
    """TLS over a fenced connection: encrypted in memory, sent through its fenced write."""

    def __init__(self, raw: FencedSocketStream, context: ssl.SSLContext, server_hostname: str | None) -> None:
        self._raw = raw
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._ssl = context.wrap_bio(self._incoming, self._outgoing, server_side=False, server_hostname=server_hostname)

    async def _flush(self, timeout: float | None = None) -> None:
        data = self._outgoing.read()
        if data:
            await self._raw.write(data, timeout)

    async def _receive(self, timeout: float | None = None) -> None:
        data = await self._raw.read(READ_CHUNK, timeout)
        if data:
            self._incoming.write(data)
        else:
            self._incoming.write_eof()

    async def handshake(self) -> None:
        """Raises ConnectError when it fails: nothing of a request was sent yet."""
        try:
            while True:
                try:
                    self._ssl.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    await self._flush()
                    await self._receive()
            await self._flush()
        except (httpcore.ReadError, httpcore.WriteError) as error:
            raise httpcore.ConnectError(str(error)) from error

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _mapped(httpcore.ReadTimeout, httpcore.ReadError):
            async with asyncio.timeout(timeout):
                while True:
                    try:
                        return self._ssl.read(max_bytes)
                    except ssl.SSLWantReadError:
                        await self._flush()  # what the TLS layer itself must answer (a key update)
                        await self._receive()
                    except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                        return b""  # the server closed the connection (httpcore reads b"" as that)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        with _mapped(httpcore.WriteTimeout, httpcore.WriteError):
            self._ssl.write(buffer)  # into memory only; the fenced write below sends it
        await self._flush(timeout)

    async def aclose(self) -> None:
        await self._raw.aclose()  # no close_notify, as httpcore's own TLS streams

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.UnsupportedProtocol("TLS inside TLS (an https proxy to an https address) is not supported")

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._ssl
        return self._raw.get_extra_info(info)


class FencedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend for fenced connections (TCP only)."""

    def __init__(self, fence: Fence) -> None:
        self._fence = fence

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        with _mapped(httpcore.ConnectTimeout, httpcore.ConnectError):
            async with asyncio.timeout(timeout):
                addresses = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                failure: OSError | None = None
                for family, kind, proto, _, address in addresses:
                    sock = socket.socket(family, kind, proto)
                    try:
                        sock.setblocking(False)
                        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as asyncio's own
                        for option in socket_options or ():
                            sock.setsockopt(*option)
                        if local_address is not None:
                            sock.bind((local_address, 0))
                        await loop.sock_connect(sock, address)
                    except OSError as error:
                        sock.close()
                        failure = error
                        continue
                    except BaseException:
                        sock.close()
                        raise
                    return FencedSocketStream(sock, self._fence)
                raise failure or OSError(f"no address for {host}")

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.UnsupportedProtocol("Vigil reaches Telegram over TCP")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FencedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (pool, HTTP/1.1 and 2, proxies, retries), its connections fenced."""

    def __init__(self, fence: Fence, **options: Any) -> None:
        super().__init__(**options)
        # httpx builds its httpcore pool without a way to name the backend: give it ours before the
        # pool opens any connection (the unit tests fail if this ever stops reaching the socket).
        self._pool._network_backend = FencedBackend(fence)


def _environment_proxy(url: str) -> str | None:
    """HTTPS_PROXY / HTTP_PROXY / ALL_PROXY for `url` unless NO_PROXY excludes its host: what httpx
    would use on its own. It goes through the fenced transport (an httpx mount would not be fenced)."""
    target = httpx.URL(url)
    if urllib.request.proxy_bypass(target.host):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(target.scheme) or proxies.get("all")


def fenced_request(
    fence: Fence,
    base_url: str,
    *,
    connection_pool_size: int,
    read_timeout: float | None = 5.0,
    write_timeout: float | None = 5.0,
    connect_timeout: float | None = 5.0,
    pool_timeout: float | None = 1.0,
) -> HTTPXRequest:
    """python-telegram-bot's HTTPXRequest with its own timeouts and pool size, over fenced connections."""
    transport = FencedTransport(
        fence,
        limits=httpx.Limits(max_connections=connection_pool_size),
        proxy=_environment_proxy(base_url),
    )
    return HTTPXRequest(
        connection_pool_size=connection_pool_size,
        read_timeout=read_timeout,
        write_timeout=write_timeout,
        connect_timeout=connect_timeout,
        pool_timeout=pool_timeout,
        # The client's own proxy mounts would bypass the transport: the proxy is the transport's.
        httpx_kwargs={"transport": transport, "trust_env": False},
    )
