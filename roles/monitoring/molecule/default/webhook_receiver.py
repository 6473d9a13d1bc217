"""Records every webhook delivery as one JSON line: argv host, port, output file (monitoring scenario)."""
import http.server
import json
import sys


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(sys.argv[3], "a", encoding="utf-8") as out:
            out.write(json.dumps(body) + "\n")
        self.send_response(200)
        self.end_headers()


http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), Receiver).serve_forever()
