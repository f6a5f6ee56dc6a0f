"""Wire helpers the PostgreSQL server fixtures share."""
import struct


def receive_exactly(connection, count):
    """Exactly `count` bytes from `connection`, or fewer if it ends first."""
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


def message(kind, body):
    """A backend message: type byte, length (itself included), body."""
    return kind + struct.pack("!I", len(body) + 4) + body
