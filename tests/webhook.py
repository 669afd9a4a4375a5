"""A local webhook receiver (Discord/Slack-shaped): records the JSON bodies it is sent, answers a chosen status."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_PATH = "/api/webhooks/123/s3cret-token"


class Receiver:
    """A webhook on 127.0.0.1 that records JSON bodies and answers ``status`` (204 like Discord)."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        self.status = 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.status < 300:
                    receiver.bodies.append(json.loads(body))
                    receiver.paths.append(self.path)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{SECRET_PATH}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def titles(self) -> list[str]:
        return [embed["title"] for body in self.bodies for embed in body["embeds"]]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
