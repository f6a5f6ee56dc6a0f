#!/usr/bin/env python3
"""A PostgreSQL server impostor for the gateway's upstream side, as a man in the middle
would play it (the class of CVE-2021-23222): it answers the gateway's SSLRequest with 'S'
("go ahead with TLS") and then sends plaintext messages that would let a careless client
believe it had authenticated: AuthenticationOk and ReadyForQuery.

Usage: injecting_postgres_server.py PORT MODE
  MODE same-read   the forged messages travel in the same segment as the 'S'
  MODE later-read  they follow 200 ms after it
  MODE silent      it never answers the SSLRequest (a server that hangs in start-up)

Serves one connection, prints "ready" once listening, and at the end one JSON line: whether
an SSLRequest came, how many bytes the gateway sent after the 'S', and the first of them
(22 is a TLS handshake record; 0 would be a plaintext StartupMessage's length).
"""
import json
import socket
import struct
import sys
import time

from postgres_wire import receive_exactly


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    listener = socket.create_server(("127.0.0.1", port))
    print("ready", flush=True)
    listener.settimeout(60)
    connection, _ = listener.accept()
    connection.settimeout(10)
    request = receive_exactly(connection, 8)
    report = {"ssl_request": len(request) == 8 and struct.unpack("!II", request) == (8, 80877103)}
    forged = b"R" + struct.pack("!II", 8, 0) + b"Z" + struct.pack("!I", 5) + b"I"
    if mode == "silent":
        pass
    elif mode == "same-read":
        connection.sendall(b"S" + forged)
    else:
        connection.sendall(b"S")
        time.sleep(0.2)
        connection.sendall(forged)
    after = b""
    try:
        while True:
            chunk = connection.recv(4096)
            if not chunk:
                break
            after += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    report["bytes_after"] = len(after)
    report["first_byte_after"] = after[0] if after else None
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
