#!/usr/bin/env python3
"""Records what twine POSTs: serves on 127.0.0.1 (free port), stores each
request body as OUTDIR/<filename>.body and its Content-Type as
OUTDIR/<filename>.content-type, answers 200.

usage: capture_upload.py OUTDIR   (prints the URL, then serves until killed)
"""
import http.server, os, re, sys

OUT = sys.argv[1]

class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers["Content-Length"])
        body = self.rfile.read(n)
        m = re.search(rb'name="content"; filename="([^"]+)"', body)
        name = m.group(1).decode() if m else "unknown"
        with open(os.path.join(OUT, name + ".body"), "wb") as f:
            f.write(body)
        with open(os.path.join(OUT, name + ".content-type"), "w") as f:
            f.write(self.headers["Content-Type"])
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *a):
        pass

srv = http.server.HTTPServer(("127.0.0.1", 0), H)
print("http://127.0.0.1:%d/" % srv.server_address[1], flush=True)
srv.serve_forever()
