"""Speed-up ``direct_database_reads``: pymongo 4.20 (async) reads every reply through
``network_layer.async_receive_message``, which starts the read as a task, starts a
second task that polls the connection's cancel flag every half second, and waits on
both: about nine event-loop turns per command and a quarter of pymongo's CPU for it
(measured: 252-300 µs of the bot's CPU per command, 191-203 µs read directly).

Read directly, a reply still fails at once when the server closes the connection (it
stopped or died); what is given up is pymongo interrupting a read in flight when it
resets its pool, which only helps with a server that hangs with its sockets open. So
``python -m bot`` installs it only for the embedded database, a child process on the
loopback; with ``MONGODB_URI`` pymongo reads as it ships. A read under a timeout
(``socketTimeoutMS`` or ``pymongo.timeout``) goes the stock way too.

What this relies on (``AsyncConnection.receive_message`` calling the pool module's
``async_receive_message``, the protocol's ``read``) is checked by
tests/test_database_reads.py."""

from __future__ import annotations

from typing import Any

from pymongo import _csot
from pymongo.asynchronous import pool
from pymongo.common import MAX_MESSAGE_SIZE
from pymongo.errors import ProtocolError, _OperationCancelled
from pymongo.message import _UNPACK_REPLY

from bot.perf import Speedups

STOCK_RECEIVE = pool.async_receive_message


async def receive_directly(
    conn: Any, request_id: int | None, max_message_size: int = MAX_MESSAGE_SIZE
) -> Any:
    if conn.conn.gettimeout or _csot.get_timeout():
        return await STOCK_RECEIVE(conn, request_id, max_message_size)
    if conn.cancel_context.cancelled:
        raise _OperationCancelled("operation cancelled")
    data, op_code = await conn.conn.get_conn.read(request_id, max_message_size)
    try:
        unpack_reply = _UNPACK_REPLY[op_code]
    except KeyError:
        raise ProtocolError(f"Got opcode {op_code!r} but expected {_UNPACK_REPLY.keys()!r}") from None
    return unpack_reply(data)


def read_directly_from(uri: str | None, speedups: Speedups) -> None:
    """Read directly when the speed-up is on and the database is the embedded one (no
    ``MONGODB_URI``): the one rule for ``python -m bot``, the bench and the tests."""
    if speedups.direct_database_reads and uri is None:
        read_directly()


def read_directly() -> None:
    """From now on this process's MongoDB clients read replies directly (idempotent)."""
    pool.async_receive_message = receive_directly  # type: ignore[assignment]


def read_as_pymongo_ships() -> None:
    pool.async_receive_message = STOCK_RECEIVE
