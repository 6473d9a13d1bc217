#!/usr/bin/env python3
"""A stand-in for one inference service host behind the load balancer in this scenario: readiness on
/v2/health/ready (503 while the file /run/backend-NAME.down exists), /whoami, /slow?ms=N (answers after N
ms, to hold a request in flight), and a gRPC method /test.Who/Name that answers the backend's name."""
import os
import sys
import time
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import grpc

NAME, HTTP_PORT, GRPC_PORT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
DOWN = f"/run/backend-{NAME}.down"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/v2/health/ready":
            self.answer(503 if os.path.exists(DOWN) else 200, "")
        elif url.path == "/whoami":
            self.answer(200, NAME)
        elif url.path == "/slow":
            time.sleep(int(parse_qs(url.query).get("ms", ["1000"])[0]) / 1000)
            self.answer(200, NAME)
        else:
            self.answer(404, "not found")

    def answer(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def grpc_server():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    handler = grpc.unary_unary_rpc_method_handler(lambda request, context: NAME.encode())
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Who", {"Name": handler}),))
    server.add_insecure_port(f"127.0.0.1:{GRPC_PORT}")
    server.start()
    return server


if __name__ == "__main__":
    _grpc = grpc_server()
    ThreadingHTTPServer(("127.0.0.1", HTTP_PORT), Handler).serve_forever()
