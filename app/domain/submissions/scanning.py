"""A virus scan by ClamAV's daemon, over its INSTREAM command.

The file is streamed to ``clamd`` in chunks over its unix socket (a path) or
TCP (``host:port``); clamd answers ``stream: OK`` or ``stream: <name> FOUND``.
Written here rather than taken from the ``clamd`` package, which is no
longer maintained; the protocol is these few lines.
"""
from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK_SIZE = 64 * 1024


class ScannerUnavailable(Exception):
    """clamd could not be reached, or did not give an answer."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""  # what clamd found, when not clean


@dataclass(frozen=True)
class Clamd:
    """Where clamd listens: a unix socket path, or ``host:port`` for TCP."""

    address: str
    timeout: float = 60.0

    def scan_file(self, path: Path) -> ScanResult:
        with path.open("rb") as stream:
            return self.scan_stream(stream)

    def scan_stream(self, stream: BinaryIO) -> ScanResult:
        """Scan everything ``stream`` yields; ScannerUnavailable when clamd cannot say."""
        try:
            with self._connect() as connection:
                connection.sendall(b"zINSTREAM\0")
                while chunk := stream.read(CHUNK_SIZE):
                    connection.sendall(struct.pack("!L", len(chunk)) + chunk)
                connection.sendall(struct.pack("!L", 0))
                reply = _read_reply(connection)
        except OSError as error:
            raise ScannerUnavailable(f"clamd at {self.address}: {error}") from error
        return _result(reply)

    def ping(self) -> bool:
        try:
            with self._connect() as connection:
                connection.sendall(b"zPING\0")
                return _read_reply(connection) == "PONG"
        except (OSError, ScannerUnavailable):
            return False

    def _connect(self) -> socket.socket:
        if self.address.startswith("/"):
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: str | tuple[str, int] = self.address
        else:
            host, _, port = self.address.removeprefix("tcp://").rpartition(":")
            connection = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
            target = (host.strip("[]"), int(port))
        connection.settimeout(self.timeout)
        try:
            connection.connect(target)
        except BaseException:
            connection.close()
            raise
        return connection


def _read_reply(connection: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0"):
        data = connection.recv(4096)
        if not data:
            break
        reply += data
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def _result(reply: str) -> ScanResult:
    answer = reply.removeprefix("stream:").strip()
    if answer == "OK":
        return ScanResult(clean=True)
    if answer.endswith(" FOUND"):
        return ScanResult(clean=False, signature=answer.removesuffix(" FOUND").strip())
    # "INSTREAM size limit exceeded. ERROR", an empty reply, anything else: no verdict.
    raise ScannerUnavailable(f"clamd gave no verdict: {reply!r}")
