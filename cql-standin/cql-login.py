#!/usr/bin/env python3
"""Logs in to a CQL server with the native protocol (v4, SASL PLAIN) and exits 0 when it accepts.

Exit codes: 0 logged in, 1 the server answered but refused the login (or no authenticator), 2 no
CQL server answers on that port yet. User and password come from CQL_USER and CQL_PASSWORD, never
the command line. Standard library only, so the stand-in's readiness check needs no driver.
Usage: CQL_USER=u CQL_PASSWORD=p cql-login.py HOST PORT
"""
import os
import socket
import struct
import sys

VERSION = 0x04
STARTUP, READY, AUTHENTICATE, AUTH_RESPONSE, AUTH_SUCCESS, ERROR = 0x01, 0x02, 0x03, 0x0F, 0x10, 0x00


def string(value):
    data = value.encode()
    return struct.pack(">H", len(data)) + data


def send(sock, stream, opcode, body):
    sock.sendall(struct.pack(">BBhBi", VERSION, 0, stream, opcode, len(body)) + body)


def receive(sock):
    header = read(sock, 9)
    _, _, _, opcode, length = struct.unpack(">BBhBi", header)
    return opcode, read(sock, length)


def read(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed by the server")
        data += chunk
    return data


def error_message(body):
    code = struct.unpack(">i", body[:4])[0]
    length = struct.unpack(">H", body[4:6])[0]
    return "error 0x%04x: %s" % (code, body[6:6 + length].decode(errors="replace"))


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    user, password = os.environ["CQL_USER"], os.environ["CQL_PASSWORD"]
    try:
        sock = socket.create_connection((host, port), timeout=5)
    except OSError as e:
        print("no CQL server on %s:%d: %s" % (host, port, e), file=sys.stderr)
        return 2
    with sock:
        try:
            send(sock, 0, STARTUP, struct.pack(">H", 1) + string("CQL_VERSION") + string("3.0.0"))
            opcode, body = receive(sock)
            if opcode != AUTHENTICATE:
                print("server did not ask for authentication (opcode 0x%02x)" % opcode, file=sys.stderr)
                return 1
            token = b"\0" + user.encode() + b"\0" + password.encode()
            send(sock, 1, AUTH_RESPONSE, struct.pack(">i", len(token)) + token)
            opcode, body = receive(sock)
        except (OSError, ConnectionError) as e:
            print("CQL server on %s:%d not ready: %s" % (host, port, e), file=sys.stderr)
            return 2
    if opcode == AUTH_SUCCESS:
        return 0
    print(error_message(body) if opcode == ERROR else "unexpected opcode 0x%02x" % opcode, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
