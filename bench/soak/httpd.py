#!/usr/bin/python3
"""The soak's web server: GET anything -> 200 with BODY. One process, no fork
per request (busybox httpd forks one per connection, and a fork inside a
loaded user-mode-linux takes more than a second at times: requests and
health checks then time out for reasons that are not lvsd's).

  httpd.py PORT BODY
"""
import http.server
import socketserver
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (sys.argv[2] + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(socketserver.TCPServer):
    allow_reuse_address = True
    request_queue_size = 128


Server(("0.0.0.0", int(sys.argv[1])), Handler).serve_forever()
