"""A real SMTP server on 127.0.0.1 (aiosmtpd) that misbehaves on cue, one fault per session.

    with faulty_smtp(["451-data", "ok"]) as server:   # the first DATA gets 451, the next is taken
        ...
    server.messages          # what the server took (and kept), in order

Faults (each consumed by one SMTP session, in order; then every session is "ok"):
    ok             accept the message
    421-mail       "421 closing" at MAIL FROM (busy, try later)
    451-data       "451 try again later" after DATA (nothing kept)
    550-data       "550 rejected" after DATA (permanent)
    drop-data      close the connection during DATA, before any reply (nothing kept)
    stall-data     keep the message, but answer only after `stall` seconds (the client gives up)
    kill-after     keep the message, then SIGKILL `kill_pid` before answering (the sender dies
                   after the server took the message, before it could record the send)
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from tests.reports.smtp import Received, free_port

FAULTS = ("ok", "421-mail", "451-data", "550-data", "drop-data", "stall-data", "kill-after")


@dataclass
class FaultyServer:
    port: int
    faults: list[str]
    stall: float = 3.0
    kill_pid: int | None = None
    messages: list[Received] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)  # the fault each session met
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self) -> str:
        with self.lock:
            fault = self.faults.pop(0) if self.faults else "ok"
            self.sessions.append(fault)
            return fault


class _Handler:
    def __init__(self, server: FaultyServer) -> None:
        self.server = server

    async def handle_MAIL(
        self, _server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        session.fault = self.server.next_fault()
        if session.fault == "421-mail":
            return "421 4.3.2 service busy, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, _server: Any, session: Any, envelope: Any) -> str:
        fault = getattr(session, "fault", "ok")
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        if fault == "451-data":
            return "451 4.3.0 try again later"
        if fault == "550-data":
            return "550 5.7.1 message rejected"
        if fault == "drop-data":
            transport = getattr(_server, "transport", None)
            if transport is not None:
                transport.abort()
            return "451 dropped"  # never reaches the client
        with self.server.lock:
            self.server.messages.append(received)
        if fault == "stall-data":
            await asyncio.sleep(self.server.stall)
        if fault == "kill-after" and self.server.kill_pid:
            os.kill(self.server.kill_pid, signal.SIGKILL)
            await asyncio.sleep(0.5)
        return "250 Message accepted"


@contextmanager
def faulty_smtp(faults: list[str], *, stall: float = 3.0) -> Iterator[FaultyServer]:
    for fault in faults:
        assert fault in FAULTS, fault
    server = FaultyServer(port=free_port(), faults=list(faults), stall=stall)
    controller = Controller(
        _Handler(server), hostname="127.0.0.1", port=server.port, ready_timeout=30
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
