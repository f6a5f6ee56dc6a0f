#!/usr/bin/env python3
"""A PostgreSQL server whose connection fails with a reset (SO_LINGER 0, so the gateway's
next read gets ECONNRESET rather than an orderly end of stream).

  after-query (the default): it completes a plaintext start-up without asking for a
      password (AuthenticationOk, a few ParameterStatus, BackendKeyData, ReadyForQuery),
      waits for the first Query, and then resets: a failure mid-session.
  startup: it resets as soon as the StartupMessage has come, before answering it.

Usage: resetting_postgres_server.py PORT [after-query|startup]

Serves one connection, prints "ready" once listening, and at the end one JSON line:
whether a StartupMessage came and the first Query's text (null in startup mode).
"""
import json
import socket
import struct
import sys

from postgres_wire import message, receive_exactly


def main():
    port = int(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "after-query"
    if mode not in ("after-query", "startup"):
        sys.exit(f"unknown mode {mode!r}: use after-query or startup")
    listener = socket.create_server(("127.0.0.1", port))
    print("ready", flush=True)
    listener.settimeout(60)
    connection, _ = listener.accept()
    connection.settimeout(10)
    length = struct.unpack("!I", receive_exactly(connection, 4))[0]
    startup = receive_exactly(connection, length - 4)
    report = {"startup": len(startup) >= 4 and struct.unpack("!I", startup[:4])[0] == 196608, "query": None}
    if mode == "startup":
        reset(connection)
        print(json.dumps(report), flush=True)
        return
    greeting = message(b"R", struct.pack("!I", 0))
    for name, value in [("server_version", "15.0"), ("server_encoding", "UTF8"), ("client_encoding", "UTF8"),
                        ("standard_conforming_strings", "on"), ("DateStyle", "ISO, MDY"), ("integer_datetimes", "on")]:
        greeting += message(b"S", name.encode() + b"\0" + value.encode() + b"\0")
    greeting += message(b"K", struct.pack("!II", 4242, 2424)) + message(b"Z", b"I")
    connection.sendall(greeting)
    kind = receive_exactly(connection, 1)
    length = struct.unpack("!I", receive_exactly(connection, 4))[0]
    body = receive_exactly(connection, length - 4)
    report["query"] = body.rstrip(b"\0").decode() if kind == b"Q" else None
    reset(connection)
    print(json.dumps(report), flush=True)


def reset(connection):
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


if __name__ == "__main__":
    main()
