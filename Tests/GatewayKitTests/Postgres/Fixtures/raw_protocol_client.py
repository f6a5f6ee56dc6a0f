"""Drives the gateway with hand-built protocol messages, for what libpq 15 cannot send.

Protocol 3.2 and `_pq_.` startup options, result columns in binary format, FunctionCall,
and two simple Query messages in one write (pipelined, without waiting in between).

Usage: raw_protocol_client.py SCENARIO PORT TOKEN CAFILE
Prints one JSON document with what the gateway answered; the Swift test judges it.
"""
import json
import socket
import ssl
import struct
import sys
import time

PROTOCOL_3_0 = 3 << 16
SSL_REQUEST = 80877103
CANCEL_REQUEST = 80877102


def message(kind, payload=b""):
    return kind + struct.pack("!i", len(payload) + 4) + payload


def cstring(text):
    return text.encode() + b"\0"


class Connection:
    """One client connection: TLS, startup with any version and options, the token as password."""

    def __init__(self, port, token, cafile, version=PROTOCOL_3_0, options=None, user="orders"):
        self.port = port
        raw = socket.create_connection(("127.0.0.1", port), timeout=30)
        raw.sendall(struct.pack("!ii", 8, SSL_REQUEST))
        if raw.recv(1) != b"S":
            raise SystemExit("the gateway declined TLS")
        context = ssl.create_default_context(cafile=cafile)
        self.sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
        self.buffer = b""
        parameters = {"user": user, "database": user, "application_name": "raw_protocol_client"}
        parameters.update(options or {})
        body = struct.pack("!i", version) + b"".join(cstring(k) + cstring(v) for k, v in parameters.items()) + b"\0"
        self.sock.sendall(struct.pack("!i", len(body) + 4) + body)
        # Startup: everything up to the first ReadyForQuery, answering the password request.
        self.startup = []
        while True:
            kind, payload = self.read()
            self.startup.append((kind, payload))
            if kind == b"R" and struct.unpack("!i", payload[:4])[0] == 3:
                self.sock.sendall(message(b"p", cstring(token)))
            elif kind == b"E":
                raise SystemExit("startup failed: %s" % fields(payload))
            elif kind == b"Z":
                break

    def read(self):
        while len(self.buffer) < 5 or len(self.buffer) < 1 + struct.unpack("!i", self.buffer[1:5])[0]:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the gateway closed the connection")
            self.buffer += chunk
        length = struct.unpack("!i", self.buffer[1:5])[0]
        kind, payload = self.buffer[:1], self.buffer[5:1 + length]
        self.buffer = self.buffer[1 + length:]
        return kind, payload

    def send(self, *messages):
        self.sock.sendall(b"".join(messages))

    def until_ready(self, count=1):
        """Messages up to and including the `count`-th ReadyForQuery."""
        received = []
        while count > 0:
            kind, payload = self.read()
            received.append((kind, payload))
            if kind == b"Z":
                count -= 1
        return received

    def negotiation(self):
        for kind, payload in self.startup:
            if kind == b"v":
                version, count = struct.unpack("!ii", payload[:8])
                names = payload[8:].split(b"\0")[:count]
                return {"version": version, "options": [n.decode() for n in names]}
        return None

    def backend_key(self):
        for kind, payload in self.startup:
            if kind == b"K":
                return struct.unpack("!i", payload[:4])[0], payload[4:]
        return None

    def close(self):
        self.send(message(b"X"))
        self.sock.close()


def fields(payload):
    """An ErrorResponse's fields by code letter."""
    result = {}
    for part in payload.split(b"\0"):
        if part:
            result[part[:1].decode()] = part[1:].decode()
    return result


def summary(received, binary=False):
    """Rows (NULL as None; values as text, or as hex when `binary`), errors and command tags."""
    out = {"rows": [], "errors": [], "tags": []}
    for kind, payload in received:
        if kind == b"D":
            count = struct.unpack("!h", payload[:2])[0]
            offset, row = 2, []
            for _ in range(count):
                size = struct.unpack("!i", payload[offset:offset + 4])[0]
                offset += 4
                if size < 0:
                    row.append(None)
                else:
                    value = payload[offset:offset + size]
                    row.append(value.hex() if binary else value.decode())
                    offset += size
            out["rows"].append(row)
        elif kind == b"E":
            error = fields(payload)
            out["errors"].append({"code": error.get("C"), "message": error.get("M")})
        elif kind == b"C":
            out["tags"].append(payload.rstrip(b"\0").decode())
        elif kind == b"V":
            size = struct.unpack("!i", payload[:4])[0]
            out["function_result"] = None if size < 0 else payload[4:4 + size].hex()
    return out


def query(sql):
    return message(b"Q", cstring(sql))


def parse(sql, name=""):
    return message(b"P", cstring(name) + cstring(sql) + struct.pack("!h", 0))


def bind(result_formats, statement="", portal=""):
    return message(b"B", cstring(portal) + cstring(statement) + struct.pack("!hh", 0, 0)
                   + struct.pack("!h", len(result_formats)) + b"".join(struct.pack("!h", f) for f in result_formats))


def describe(kind, name=""):
    return message(b"D", kind + cstring(name))


def execute(portal=""):
    return message(b"E", cstring(portal) + struct.pack("!i", 0))


SYNC = message(b"S")


def run_query(connection, sql):
    connection.send(query(sql))
    return summary(connection.until_ready())


# Scenarios ---------------------------------------------------------------------------------


def negotiate(port, token, cafile):
    """What each requested protocol version gets, and that a 3.2 cancel key cancels."""
    result = {}
    for name, version, options in [
        ("v3_0", PROTOCOL_3_0, None),
        ("v3_2", PROTOCOL_3_0 | 2, None),
        ("v3_2_with_option", PROTOCOL_3_0 | 2, {"_pq_.something": "on"}),
        ("v3_0_with_option", PROTOCOL_3_0, {"_pq_.something": "on"}),
        ("v3_9", PROTOCOL_3_0 | 9, None),
    ]:
        connection = Connection(port, token, cafile, version=version, options=options)
        key = connection.backend_key()
        result[name] = {
            "negotiation": connection.negotiation(),
            "key_length": len(key[1]) if key else None,
            "after": run_query(connection, "select 'works'"),
        }
        connection.close()

    # A 3.2 session's long cancel key cancels its running statement.
    connection = Connection(port, token, cafile, version=PROTOCOL_3_0 | 2)
    pid, secret = connection.backend_key()
    connection.send(query("select pg_sleep(30) as long_key_cancel"))
    # The gateway forwards the cancel only to a statement the server runs: wait for it.
    watcher = Connection(port, token, cafile)
    for _ in range(200):
        active = run_query(watcher, "select count(*) from pg_stat_activity where query = 'select pg_sleep(30) as long_key_cancel' and state = 'active'")
        if active["rows"] == [["1"]]:
            break
        time.sleep(0.1)
    watcher.close()
    cancel = socket.create_connection(("127.0.0.1", port), timeout=30)
    cancel.sendall(struct.pack("!iii", 12 + len(secret), CANCEL_REQUEST, pid) + secret)
    cancel.close()
    result["cancel"] = summary(connection.until_ready())
    connection.close()
    return result


def binary_masking(port, token, cafile):
    """A masked column requested in binary format arrives as NULL, on every extended path."""
    connection = Connection(port, token, cafile)
    setup = run_query(connection, "drop table if exists binary_mask_test; "
                                  "create table binary_mask_test(id int, email text, credit_card text, name text); "
                                  "insert into binary_mask_test values (1, 'ann@example.com', '4111111111111111', 'Ann')")
    sql = "select id, email, credit_card, name from binary_mask_test"
    result = {"setup": setup}
    # Describe of the portal: RowDescription names the columns and their formats.
    # id binary, email text, credit_card binary, name binary.
    connection.send(parse(sql), bind([1, 0, 1, 1]), describe(b"P"), execute(), SYNC)
    result["describe_portal"] = summary(connection.until_ready(), binary=True)
    # Describe of a named statement first, then Bind (all binary) and Execute without a Describe.
    connection.send(parse(sql, "masked"), describe(b"S", "masked"), SYNC)
    connection.until_ready()
    connection.send(bind([1], statement="masked"), execute(), SYNC)
    result["describe_statement"] = summary(connection.until_ready(), binary=True)
    # A text result in between, so that nothing of it may linger into the next one.
    result["text"] = run_query(connection, sql)
    # No Describe at all: the gateway cannot name the columns and masks them all.
    connection.send(parse(sql), bind([1]), execute(), SYNC)
    result["no_describe"] = summary(connection.until_ready(), binary=True)
    connection.close()
    return result


def function_call(port, token, cafile):
    """FunctionCall of int4pl(2, 40) in binary, then a query on the same session."""
    connection = Connection(port, token, cafile)
    int4pl = 177  # pg_proc oid of int4pl(int4, int4)
    arguments = struct.pack("!hh", 1, 1) + struct.pack("!h", 2) + struct.pack("!ii", 4, 2) + struct.pack("!ii", 4, 40)
    connection.send(message(b"F", struct.pack("!i", int4pl) + arguments + struct.pack("!h", 1)))
    result = {"call": summary(connection.until_ready())}
    result["after"] = run_query(connection, "select 'after the call'")
    connection.close()
    return result


def pipelined_escapes(port, token, cafile):
    """SET standard_conforming_strings = off and a query it changes, in one write."""
    connection = Connection(port, token, cafile)
    connection.send(query("set standard_conforming_strings = off"),
                    query("select 'a\\''; delete from escape_test; --'"))
    result = {"pipelined": summary(connection.until_ready(2))}
    result["after"] = run_query(connection, "select count(*) from escape_test")
    connection.close()
    return result


def query_then_terminate(port, token, cafile):
    """A Query and a Terminate in one write, then the socket closed without waiting."""
    connection = Connection(port, token, cafile)
    connection.send(query("select 'sent with terminate'"), message(b"X"))
    connection.sock.close()
    return {}


def plaintext_after_ssl_request(port, token, cafile):
    """SSLRequest and a plaintext startup packet in one write, before the gateway's answer."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    body = struct.pack("!i", PROTOCOL_3_0) + cstring("user") + cstring("orders") + b"\0"
    raw.sendall(struct.pack("!ii", 8, SSL_REQUEST) + struct.pack("!i", len(body) + 4) + body)
    received = b""
    while True:
        chunk = raw.recv(65536)
        if not chunk:
            break
        received += chunk
    raw.close()
    result = {"first": received[:1].decode("latin-1"), "closed": True}
    if received[:1] == b"E":
        length = struct.unpack("!i", received[1:5])[0]
        result["error"] = fields(received[5:1 + length])
    return result


SCENARIOS = {
    "query-then-terminate": query_then_terminate,
    "plaintext-after-ssl-request": plaintext_after_ssl_request,
    "negotiate": negotiate,
    "binary-masking": binary_masking,
    "function-call": function_call,
    "pipelined-escapes": pipelined_escapes,
}

if __name__ == "__main__":
    scenario, port, token, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    print(json.dumps(SCENARIOS[scenario](port, token, cafile)))
