"""The HTTP choke point against a real local server: what each kind of answer, or silence, becomes."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from payments.gateways.base import PermanentGatewayError, RetryableGatewayError
from payments.gateways.http import decode_answer, get_json, post_json

# path -> (status, body); "/slow" sleeps past the client's timeout, "/drop" sends half a promised body.
ANSWERS = {
    "/ok": (200, b'{"ResultCode": 0}'),
    "/refused-json": (404, b'{"HasError": true, "ErrorCode": 404}'),
    "/refused-html": (403, b"<html>Forbidden</html>"),
    "/server-error": (500, b"Internal Server Error"),
    "/bad-gateway": (502, b"<h1>502</h1>"),
    "/malformed": (200, b'{"ResultCode": 0, "Transac'),
    "/not-an-object": (200, b"[1, 2]"),
}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        received = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append((self.path, received, self.headers["Content-Type"]))
        if self.path == "/slow":
            time.sleep(1)  # the client has given up by now; writing would only meet a broken pipe
            return
        if self.path == "/drop":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b'{"ResultCode": 0')
            self.close_connection = True
            return
        status, body = ANSWERS.get(self.path, (200, b"{}"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.received.append((self.path, None, None))
        status, body = {"/report?day=2026-11-25": (200, b'[{"res_num": "1"}]'),
                        "/missing?day=2026-11-25": (404, b"<html>Not Found</html>")}.get(self.path, (200, b"{}"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads, httpd.block_on_close = True, False  # a "slow" handler must not hold up the next test
    httpd.received = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def url(server: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_it_posts_json_and_returns_the_answer_object(server):
    assert post_json(url(server, "/ok"), {"RefNum": "abc", "TerminalNumber": 10012345}, timeout=2) == {"ResultCode": 0}
    _, received, content_type = server.received[0]
    assert received == {"RefNum": "abc", "TerminalNumber": 10012345}
    assert content_type.startswith("application/json")


def test_a_refusal_explained_in_json_is_returned_for_the_adapter_to_read(server):
    assert post_json(url(server, "/refused-json"), {}, timeout=2) == {"HasError": True, "ErrorCode": 404}


def test_a_refusal_without_json_is_permanent(server):
    with pytest.raises(PermanentGatewayError) as error:
        post_json(url(server, "/refused-html"), {}, timeout=2)
    assert "403" in error.value.message


@pytest.mark.parametrize("path", ["/server-error", "/bad-gateway", "/malformed", "/not-an-object", "/slow", "/drop"])
def test_anything_that_leaves_the_outcome_unknown_is_retryable(server, path):
    with pytest.raises(RetryableGatewayError) as error:
        post_json(url(server, path), {}, timeout=0.3)
    assert error.value.retryable
    assert error.value.message


def test_a_refused_connection_is_retryable():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RetryableGatewayError):
        post_json(f"http://127.0.0.1:{port}/x", {}, timeout=1)


@pytest.mark.parametrize("status", [408, 429, 503])
def test_not_now_statuses_are_retryable_even_with_a_json_body(status):
    with pytest.raises(RetryableGatewayError):
        decode_answer(status, b'{"ResultCode": 0}')


def test_a_report_is_read_with_a_get_and_may_be_a_list(server):
    assert get_json(url(server, "/report"), params={"day": "2026-11-25"}, timeout=2) == [{"res_num": "1"}]
    assert server.received[-1][0] == "/report?day=2026-11-25"


def test_a_report_address_that_is_not_there_is_a_permanent_refusal(server):
    with pytest.raises(PermanentGatewayError):
        get_json(url(server, "/missing"), params={"day": "2026-11-25"}, timeout=2)


def test_only_a_report_may_be_a_list():
    with pytest.raises(RetryableGatewayError):
        decode_answer(200, b"[1, 2]")
    assert decode_answer(200, b"[1, 2]", shape=(dict, list)) == [1, 2]
