"""Senders of sign-in codes and cast notices, each against a real local carrier."""

from __future__ import annotations

import base64
import email
import email.policy
import io
import json
import multiprocessing
import os
import socket
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from honestballot.errors import DeliveryFailed
from honestballot.service.messages.senders import (
    ConsoleSender,
    FileSender,
    Message,
    RoutingSender,
    Secret,
    latest_code_for,
    mask_destination,
    read_outbox,
)
from honestballot.service.messages.senders_net import HttpSmsSender, SmtpSender
from honestballot.service.messages.senders_url import sender_from_url

CODE = "493817"
PHONE = "+79161231234"
MAILBOX = "alice@example.org"


def code_sms(code: str = CODE, to: str = PHONE) -> Message:
    return Message("sms", to, "Sign-in code", f"Your honestballot code is {code}.", secret=True)


def code_email(code: str = CODE, to: str = MAILBOX) -> Message:
    body = f"Your honestballot sign-in code is {code}.\n.a line that starts with a dot\nГолос"
    return Message("email", to, "Your sign-in code", body, secret=True)


def notice_email(to: str = MAILBOX) -> Message:
    body = (
        "A ballot was cast at 2025-05-01 10:00 UTC from Firefox on Linux. If this was not you, "
        "vote again (only your last ballot counts) and report it."
    )
    return Message("email", to, "A ballot was cast", body, secret=False)


# --- messages -----------------------------------------------------------------------------


def test_mask_destination() -> None:
    assert mask_destination("+79161231234") == "+7******1234"
    assert mask_destination("alice@example.org") == "a***@example.org"
    assert mask_destination("@example.org") == "***@example.org"
    assert mask_destination("123456") == "****56"
    assert mask_destination("1234") == "****"


def test_secret_message_repr_hides_code_and_masks_destination() -> None:
    message = code_sms()
    for shown in (repr(message), str(message), f"{message}", repr([message])):
        assert CODE not in shown
        assert "1231234" not in shown
        assert "+7******1234" in shown


def test_notice_repr_shows_body_but_masks_destination() -> None:
    message = notice_email()
    assert "Firefox on Linux" in repr(message)
    assert MAILBOX not in repr(message)
    assert "a***@example.org" in repr(message)


@pytest.mark.parametrize(
    ("channel", "destination", "subject"),
    [
        ("fax", PHONE, "s"),
        ("sms", "", "s"),
        ("email", "alice.example.org", "s"),
        ("email", "alice@example.org\r\nBcc: eve@example.org", "s"),
        ("email", MAILBOX, "code\r\nBcc: eve@example.org"),
    ],
)
def test_message_refuses_bad_fields(channel: Any, destination: str, subject: str) -> None:
    with pytest.raises(ValueError):
        Message(channel, destination, subject, "body", secret=False)


def test_secret_type_never_shows_value() -> None:
    secret = Secret("hunter2")
    assert "hunter2" not in repr(secret)
    assert "hunter2" not in str(secret)
    assert secret.reveal() == "hunter2"


# --- console ------------------------------------------------------------------------------


def test_console_sender_prints_code_and_says_development() -> None:
    stream = io.StringIO()
    ConsoleSender(stream).send(code_sms())
    out = stream.getvalue()
    assert "DEVELOPMENT SENDER" in out
    assert "nothing was delivered" in out
    assert CODE in out
    assert PHONE in out
    assert "Sign-in code" in out


def test_console_sender_defaults_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    sender = ConsoleSender()
    sender.send(notice_email())
    captured = capsys.readouterr()
    assert "DEVELOPMENT SENDER" in captured.err
    assert "A ballot was cast" in captured.err
    assert captured.out == ""
    assert "development" in repr(sender)


# --- file outbox --------------------------------------------------------------------------


def test_file_sender_writes_and_reads_back(tmp_path: Path) -> None:
    directory = tmp_path / "deep" / "outbox"
    sender = FileSender(directory, clock_ms=lambda: 1_700_000_000_123)
    sender.send(code_sms())
    sender.send(notice_email())
    records = read_outbox(directory)
    assert records == [
        {
            "time_ms": 1_700_000_000_123,
            "channel": "sms",
            "destination": PHONE,
            "subject": "Sign-in code",
            "body": f"Your honestballot code is {CODE}.",
            "secret": True,
        },
        {
            "time_ms": 1_700_000_000_123,
            "channel": "email",
            "destination": MAILBOX,
            "subject": "A ballot was cast",
            "body": notice_email().body,
            "secret": False,
        },
    ]
    mode = stat.S_IMODE(os.stat(directory / "outbox.jsonl").st_mode)
    assert mode & 0o077 == 0  # it holds codes: owner only
    assert CODE not in repr(sender)


def test_file_sender_uses_wall_clock(tmp_path: Path) -> None:
    FileSender(tmp_path).send(notice_email())
    (record,) = read_outbox(tmp_path)
    assert record["time_ms"] > 1_600_000_000_000


def test_read_outbox_of_missing_directory_is_empty(tmp_path: Path) -> None:
    assert read_outbox(tmp_path / "nothing") == []
    assert latest_code_for(tmp_path / "nothing", PHONE) is None


def test_read_outbox_skips_a_torn_last_line(tmp_path: Path) -> None:
    FileSender(tmp_path).send(code_sms())
    with open(tmp_path / "outbox.jsonl", "ab") as handle:
        handle.write(b'{"time_ms": 1, "chan')
    assert len(read_outbox(tmp_path)) == 1


def test_file_sender_failure_is_delivery_failed(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    with pytest.raises(DeliveryFailed) as failure:
        FileSender(blocker).send(code_sms())
    assert CODE not in str(failure.value)


def test_latest_code_for_takes_newest_secret_message(tmp_path: Path) -> None:
    sender = FileSender(tmp_path)
    other = "+79990000000"
    sender.send(code_sms("111111"))
    sender.send(code_sms("222222"))
    sender.send(code_sms("333333", to=other))
    sender.send(Message("sms", PHONE, "notice", "Ballot 999999 cast.", secret=False))
    sender.send(code_email("444444"))
    assert latest_code_for(tmp_path, PHONE) == "222222"
    assert latest_code_for(tmp_path, other) == "333333"
    assert latest_code_for(tmp_path, MAILBOX) == "444444"
    assert latest_code_for(tmp_path, "+70000000000") is None


def test_latest_code_for_wants_a_standalone_six_digit_number(tmp_path: Path) -> None:
    sender = FileSender(tmp_path)
    sender.send(Message("sms", PHONE, "c", "Ref 1234567; code: 765432 (expires 12:00)", True))
    assert latest_code_for(tmp_path, PHONE) == "765432"
    sender.send(Message("sms", PHONE, "c", "Reference 12345678 only", True))
    assert latest_code_for(tmp_path, PHONE) is None


def _append_many(directory: str, worker: int, count: int) -> None:
    sender = FileSender(directory)
    for index in range(count):
        padding = "x" * (index * 397 % 9000)  # some lines longer than PIPE_BUF
        body = f"worker {worker} message {index} {padding}"
        sender.send(Message("sms", f"+1555000{worker:04d}", "load", body, secret=False))


def test_concurrent_processes_append_intact_lines(tmp_path: Path) -> None:
    workers, per_worker = 4, 50
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_append_many, args=(str(tmp_path), worker, per_worker))
        for worker in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    raw_lines = (tmp_path / "outbox.jsonl").read_bytes().split(b"\n")
    assert raw_lines[-1] == b""
    records = [json.loads(line) for line in raw_lines[:-1]]
    assert len(records) == workers * per_worker
    seen: dict[int, list[int]] = {worker: [] for worker in range(workers)}
    for record in records:
        _, worker, _, index, padding = record["body"].split(" ")
        assert padding == "x" * (int(index) * 397 % 9000)
        assert record["destination"] == f"+1555000{int(worker):04d}"
        seen[int(worker)].append(int(index))
    for indices in seen.values():
        assert indices == list(range(per_worker))  # each process's lines in its own order


# --- SMTP ---------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_to: list[str]
    data: bytes


@dataclass
class FakeSmtpServer:
    """Speaks enough plain SMTP (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) for smtplib."""

    refuse_recipients: bool = False
    mails: list[ReceivedMail] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                self._session(connection)

    def _session(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")

        def reply(*lines: str) -> None:
            connection.sendall("".join(line + "\r\n" for line in lines).encode())

        reply("220 fake.test ESMTP")
        mail_from, rcpt_to = "", list[str]()
        while True:
            line = reader.readline()
            if not line:
                return
            command = line.decode().rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                reply("250-fake.test", "250-8BITMIME", "250 AUTH PLAIN")
            elif verb == "HELO":
                reply("250 fake.test")
            elif verb == "AUTH":
                _, _, initial = command.split(" ")
                _, user, password = base64.b64decode(initial).decode().split("\0")
                self.logins.append((user, password))
                reply("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                mail_from, rcpt_to = command.split(":", 1)[1].split()[0].strip("<>"), []
                reply("250 OK")
            elif verb == "RCPT":
                if self.refuse_recipients:
                    reply("550 5.1.1 mailbox unavailable")
                else:
                    rcpt_to.append(command.split(":", 1)[1].strip().strip("<>"))
                    reply("250 OK")
            elif verb == "DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while (chunk := reader.readline()) != b".\r\n":
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.mails.append(ReceivedMail(mail_from, rcpt_to, data))
                reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                reply("250 OK")
            elif verb == "QUIT":
                reply("221 Bye")
                return
            else:
                reply("502 Command not implemented")


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer()
    yield server
    server.close()


def plain_smtp(port: int, **kwargs: Any) -> SmtpSender:
    return SmtpSender(
        "127.0.0.1",
        port,
        kwargs.pop("username", "mailer"),
        kwargs.pop("password", "s3cret-pw"),
        "noreply@example.org",
        starttls=kwargs.pop("starttls", False),
        timeout=5,
        local_hostname="client.test",
        **kwargs,
    )


def test_smtp_sender_delivers(smtp_server: FakeSmtpServer) -> None:
    plain_smtp(smtp_server.port).send(code_email())
    assert smtp_server.logins == [("mailer", "s3cret-pw")]
    (mail,) = smtp_server.mails
    assert mail.mail_from == "noreply@example.org"
    assert mail.rcpt_to == [MAILBOX]
    parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
    assert parsed["To"] == MAILBOX
    assert parsed["From"] == "noreply@example.org"
    assert parsed["Subject"] == "Your sign-in code"
    assert parsed["Message-ID"].endswith("@example.org>")
    content = parsed.get_content()
    assert content.replace("\r\n", "\n").rstrip("\n") == code_email().body


def test_smtp_sender_without_login(smtp_server: FakeSmtpServer) -> None:
    plain_smtp(smtp_server.port, username=None, password=None).send(notice_email())
    assert smtp_server.logins == []
    assert len(smtp_server.mails) == 1


def test_smtp_sender_insists_on_starttls(smtp_server: FakeSmtpServer) -> None:
    sender = plain_smtp(smtp_server.port, starttls=True)
    with pytest.raises(DeliveryFailed, match="STARTTLS"):
        sender.send(code_email())
    assert smtp_server.logins == []  # the password was never sent in clear
    assert smtp_server.mails == []


def test_smtp_refusal_names_code_not_body() -> None:
    server = FakeSmtpServer(refuse_recipients=True)
    try:
        with pytest.raises(DeliveryFailed) as failure:
            plain_smtp(server.port).send(code_email())
    finally:
        server.close()
    assert "550" in str(failure.value)
    assert CODE not in str(failure.value)
    assert MAILBOX not in str(failure.value)


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    return port


def test_smtp_unreachable_is_delivery_failed() -> None:
    with pytest.raises(DeliveryFailed, match="could not reach") as failure:
        plain_smtp(closed_port()).send(code_email())
    assert CODE not in str(failure.value)


def test_smtp_sender_refuses_sms() -> None:
    with pytest.raises(DeliveryFailed, match="this sender delivers e-mail only"):
        plain_smtp(closed_port()).send(code_sms())


def test_smtp_sender_refuses_clear_password_to_remote_host() -> None:
    with pytest.raises(ValueError, match="in clear"):
        SmtpSender("mail.example", 25, "u", "pw", "noreply@example.org", starttls=False)
    with pytest.raises(ValueError, match="both a username and a password"):
        SmtpSender("mail.example", 587, "u", None, "noreply@example.org")


def test_smtp_repr_hides_password() -> None:
    sender = SmtpSender("mail.example", 587, "mailer", "s3cret-pw", "noreply@example.org")
    assert "s3cret-pw" not in repr(sender)
    assert "s3cret-pw" not in str(sender)
    assert "mail.example" in repr(sender)


# --- HTTP SMS gateway ---------------------------------------------------------------------


@dataclass
class GatewayRequest:
    path: str
    headers: dict[str, str]
    body: bytes


class FakeGateway(ThreadingHTTPServer):
    status = 200
    requests: list[GatewayRequest]


class _GatewayHandler(BaseHTTPRequestHandler):
    server: FakeGateway

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append(GatewayRequest(self.path, dict(self.headers), body))
        self.send_response(self.server.status)
        if 300 <= self.server.status < 400:
            self.send_header("Location", "/elsewhere")
        reply = json.dumps({"error": "echoing your text", "text": json.loads(body)["text"]})
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply.encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGateway]:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = FakeGateway(("127.0.0.1", 0), _GatewayHandler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def gateway_url(server: FakeGateway) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1/sms"


def test_http_sms_sender_posts_json_with_bearer_token(gateway: FakeGateway) -> None:
    HttpSmsSender(gateway_url(gateway), "tok-abc", timeout=5, sender_id="Vote").send(code_sms())
    (request,) = gateway.requests
    assert request.path == "/v1/sms"
    assert request.headers["Authorization"] == "Bearer tok-abc"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "to": PHONE,
        "text": f"Your honestballot code is {CODE}.",
        "from": "Vote",
    }


def test_http_sms_sender_leaves_out_unset_from(gateway: FakeGateway) -> None:
    HttpSmsSender(gateway_url(gateway), "tok-abc", timeout=5).send(code_sms())
    assert "from" not in json.loads(gateway.requests[0].body)


def test_http_sms_error_status_is_delivery_failed(gateway: FakeGateway) -> None:
    gateway.status = 500
    with pytest.raises(DeliveryFailed) as failure:
        HttpSmsSender(gateway_url(gateway), "tok-abc", timeout=5).send(code_sms())
    reason = str(failure.value)
    assert "500" in reason
    assert CODE not in reason
    assert code_sms().body not in reason
    assert "tok-abc" not in reason


def test_http_sms_redirect_is_not_followed(gateway: FakeGateway) -> None:
    gateway.status = 307
    with pytest.raises(DeliveryFailed, match="307"):
        HttpSmsSender(gateway_url(gateway), "tok-abc", timeout=5).send(code_sms())
    assert [request.path for request in gateway.requests] == ["/v1/sms"]


def test_http_sms_unreachable_is_delivery_failed() -> None:
    url = f"http://127.0.0.1:{closed_port()}/sms"
    with pytest.raises(DeliveryFailed, match="could not reach") as failure:
        HttpSmsSender(url, "tok-abc", timeout=5).send(code_sms())
    assert CODE not in str(failure.value)


def test_http_sms_sender_refuses_email() -> None:
    with pytest.raises(DeliveryFailed, match="SMS only"):
        HttpSmsSender("https://gateway.example/sms", "tok").send(code_email())


def test_http_sms_sender_refuses_bad_urls() -> None:
    for url in ("ftp://gateway.example/sms", "https://user:pw@gateway.example/sms", "https://"):
        with pytest.raises(ValueError):
            HttpSmsSender(url, "tok")


# --- routing ------------------------------------------------------------------------------


@dataclass
class RecordingSender:
    sent: list[Message] = field(default_factory=list)

    def send(self, message: Message) -> None:
        self.sent.append(message)


def test_routing_sender_routes_by_channel() -> None:
    sms, mail = RecordingSender(), RecordingSender()
    router = RoutingSender(sms=sms, email=mail)
    router.send(code_sms())
    router.send(code_email())
    router.send(notice_email())
    assert [m.channel for m in sms.sent] == ["sms"]
    assert [m.channel for m in mail.sent] == ["email", "email"]


# --- configuration strings ----------------------------------------------------------------


def test_sender_from_url_console() -> None:
    assert isinstance(sender_from_url("console"), ConsoleSender)
    assert isinstance(sender_from_url("  Console "), ConsoleSender)


def test_sender_from_url_file(tmp_path: Path) -> None:
    for spec in (
        f"file:{tmp_path}/out",
        f"file://{tmp_path}/out",
        f"file://localhost{tmp_path}/out",
    ):
        sender = sender_from_url(spec)
        assert isinstance(sender, FileSender)
        assert sender.directory == tmp_path / "out"
    relative = sender_from_url("file:outbox")
    assert isinstance(relative, FileSender)
    assert relative.directory == Path("outbox")
    for bad in ("file:", "file://elsewhere/out"):
        with pytest.raises(ValueError):
            sender_from_url(bad)


def test_sender_from_url_smtp() -> None:
    sender = sender_from_url(
        "smtp://mailer:p%40ss%3Aw+rd@mail.example:2525?from=noreply@example.org"
    )
    assert isinstance(sender, SmtpSender)
    assert (sender.host, sender.port, sender.username) == ("mail.example", 2525, "mailer")
    assert sender.password is not None and sender.password.reveal() == "p@ss:w+rd"
    assert sender.sender_address == "noreply@example.org"
    assert (sender.starttls, sender.implicit_tls, sender.timeout) == (True, False, 10)
    assert "p@ss" not in repr(sender) and "p%40ss" not in str(sender)

    default = sender_from_url("smtp://u:pw@mail.example?from=a@example.org&timeout=3")
    assert isinstance(default, SmtpSender)
    assert (default.port, default.starttls, default.timeout) == (587, True, 3.0)

    on_465 = sender_from_url("smtp://u:pw@mail.example:465?from=a@example.org")
    assert isinstance(on_465, SmtpSender)
    assert (on_465.implicit_tls, on_465.starttls) == (True, False)

    relay = sender_from_url("smtp://127.0.0.1:2525?from=a@example.org&starttls=no")
    assert isinstance(relay, SmtpSender)
    assert (relay.username, relay.password, relay.starttls) == (None, None, False)


def test_sender_from_url_smtps() -> None:
    sender = sender_from_url("smtps://mailer:pw-465@mail.example?from=noreply@example.org")
    assert isinstance(sender, SmtpSender)
    assert (sender.port, sender.implicit_tls, sender.starttls) == (465, True, False)
    assert "pw-465" not in repr(sender)


@pytest.mark.parametrize(
    "spec",
    [
        "smtp://u:pw@mail.example",  # no from
        "smtp://u:pw@mail.example?from=a@example.org&form=x",  # unknown parameter
        "smtp://u:pw@mail.example?from=a@example.org&from=b@example.org",
        "smtp://u:pw@mail.example?from=a@example.org&starttls=no",  # password in clear
        "smtp://u:pw@mail.example?from=a@example.org&starttls=maybe",
        "smtp://u:pw@mail.example?from=a@example.org&timeout=-1",
        "smtps://u:pw@mail.example?from=a@example.org&starttls=yes",
        "smtp://u:pw@mail.example:99999?from=a@example.org",
        "smtp://u:pw@mail.example/path?from=a@example.org",
        "smtp://?from=a@example.org",
        "https://gateway.example/sms?from=Vote",  # no token
        "route:sms=console",
        "route:sms=console;email=console;sms=console",
        "route:sms=route:sms=console;email=console;email=console",
        "route:fax=console;email=console",
    ],
)
def test_sender_from_url_refuses(spec: str) -> None:
    with pytest.raises(ValueError):
        sender_from_url(spec)


def test_sender_from_url_never_echoes_a_secret() -> None:
    for spec in ("smpt://mailer:hunter2@mail.example", "hunter2", "mailer:hunter2@mail.example"):
        with pytest.raises(ValueError) as failure:
            sender_from_url(spec)
        assert "hunter2" not in str(failure.value)
        assert "unknown sender" in str(failure.value)
    with pytest.raises(ValueError, match="'smpt'"):
        sender_from_url("smpt://mailer:hunter2@mail.example")


def test_sender_from_url_https_gateway() -> None:
    sender = sender_from_url("https://gateway.example/sms?account=7&token=T0K3N%2Bx+y&from=Vote")
    assert isinstance(sender, HttpSmsSender)
    assert sender.url == "https://gateway.example/sms?account=7"  # the token travels in a header
    assert sender.token.reveal() == "T0K3N+x+y"
    assert sender.sender_id == "Vote"
    for shown in (repr(sender), str(sender)):
        assert "T0K3N" not in shown
    local = sender_from_url("http://127.0.0.1:8080/sms?token=t0k")
    assert isinstance(local, HttpSmsSender)
    assert (local.url, local.sender_id) == ("http://127.0.0.1:8080/sms", None)


def test_sender_from_url_gateway_end_to_end(gateway: FakeGateway) -> None:
    sender_from_url(f"{gateway_url(gateway)}?token=tok-xyz&from=Vote&timeout=5").send(code_sms())
    (request,) = gateway.requests
    assert request.path == "/v1/sms"  # no token in the query string (nor in access logs)
    assert request.headers["Authorization"] == "Bearer tok-xyz"
    assert json.loads(request.body)["from"] == "Vote"


def test_sender_from_url_route(tmp_path: Path) -> None:
    spec = (
        "route:sms=https://gateway.example/sms?token=tok-route&from=Vote;"
        "email=smtps://mailer:pw-route@mail.example?from=noreply@example.org"
    )
    sender = sender_from_url(spec)
    assert isinstance(sender, RoutingSender)
    assert isinstance(sender.sms, HttpSmsSender)
    assert isinstance(sender.email, SmtpSender)
    for shown in (repr(sender), str(sender)):
        assert "tok-route" not in shown and "pw-route" not in shown

    to_files = sender_from_url(f"route:sms=file:{tmp_path}/sms; email=file:{tmp_path}/mail")
    to_files.send(code_sms())
    to_files.send(code_email())
    assert latest_code_for(tmp_path / "sms", PHONE) == CODE
    assert latest_code_for(tmp_path / "mail", MAILBOX) == CODE


# --- one recipient, ASCII credentials, no clear-text gateway -------------------------------

MULTI_RECIPIENT = [
    "voter@example.org, spy@evil.example",
    "spy@evil.example,voter",
    "voter@example.org;spy@evil.example",
    "Voter <spy@evil.example>",
    "<spy@evil.example>",
    "spy@evil.example (voter)",
    '"voter@example.org"@evil.example',
    "voter\u2028Bcc: spy2@evil.example@x.org",
    "voter@example.org spy@evil.example",
    "group:spy@evil.example",
    "a@b@evil.example",
    "@example.org",
    "voter@",
    "voter@.example.org",
    "voter@example..org",
]


@pytest.mark.parametrize("destination", MULTI_RECIPIENT)
def test_an_email_destination_is_one_plain_address(destination: str) -> None:
    with pytest.raises(ValueError, match="e-mail"):
        Message("email", destination, "Your sign-in code", "code", secret=True)


@pytest.mark.parametrize("destination", ["a@localhost", "Кира@Почта.Пример.", "a.b+c@x.example"])
def test_plain_email_destinations_are_accepted(destination: str) -> None:
    assert Message("email", destination, "s", "b", secret=False).destination == destination


def unchecked_email(destination: str) -> Message:
    """A message whose destination skipped the checks (as if they had a gap)."""
    message = code_email()
    object.__setattr__(message, "destination", destination)
    return message


def test_smtp_names_exactly_one_recipient(smtp_server: FakeSmtpServer) -> None:
    sender = plain_smtp(smtp_server.port, username=None, password=None)
    sender.send(code_email())
    assert [mail.rcpt_to for mail in smtp_server.mails] == [[MAILBOX]]
    # Even a To header naming two addresses gives one RCPT: recipients are not read from it.
    sender.send(unchecked_email(f"{MAILBOX}, spy@evil.example"))
    assert smtp_server.mails[1].rcpt_to == [MAILBOX]


@pytest.mark.parametrize(("username", "password"), [("mailer", "pässwörd"), ("мейлер", "pw")])
def test_smtp_refuses_a_non_ascii_login(username: str, password: str) -> None:
    with pytest.raises(ValueError, match="ASCII") as failure:
        SmtpSender("127.0.0.1", 25, username, password, "noreply@example.org", starttls=False)
    assert password not in str(failure.value)


def test_sender_from_url_refuses_a_non_ascii_password() -> None:
    with pytest.raises(ValueError, match="password must be ASCII") as failure:
        sender_from_url("smtp://user:p%C3%A4ss@mail.example?from=noreply@example.org")
    assert "päss" not in str(failure.value) and "%C3" not in str(failure.value)


def test_smtp_encoding_error_is_delivery_failed_without_the_password(
    smtp_server: FakeSmtpServer,
) -> None:
    sender = plain_smtp(smtp_server.port)
    sender.password = Secret("pässwörd")  # as if it had slipped past the constructor
    with pytest.raises(DeliveryFailed, match="failed") as failure:
        sender.send(code_email())
    assert "pässwörd" not in str(failure.value)
    assert CODE not in str(failure.value)
    assert smtp_server.mails == []


@pytest.mark.parametrize(
    "url",
    [
        "https://gateway.example/sénd",
        "https://шлюз.example/sms",
        "https://gateway.example/sms?x=a b",
        "https://gateway.example/sms\n",
    ],
)
def test_http_sms_sender_refuses_a_url_it_cannot_send(url: str) -> None:
    with pytest.raises(ValueError, match="ASCII without spaces"):
        HttpSmsSender(url, "tok")


def test_http_sms_sender_refuses_a_non_ascii_token() -> None:
    with pytest.raises(ValueError, match="ASCII") as failure:
        HttpSmsSender("https://gateway.example/sms", "tökén")
    assert "tökén" not in str(failure.value)


def test_http_sms_value_error_is_delivery_failed(gateway: FakeGateway) -> None:
    sender = HttpSmsSender(gateway_url(gateway), "tok-abc", timeout=5)
    sender.url = gateway_url(gateway) + "/sénd?api_key=TOPSECRET"  # slipped past the checks
    with pytest.raises(DeliveryFailed, match="failed") as failure:
        sender.send(code_sms())
    assert "TOPSECRET" not in str(failure.value)
    assert CODE not in str(failure.value)


@pytest.mark.parametrize(
    "url", ["http://sms.example.net/send", "http://10.0.0.5/sms", "http://[2001:db8::1]/sms"]
)
def test_http_sms_sender_refuses_clear_text_to_a_remote_host(url: str) -> None:
    with pytest.raises(ValueError, match="in clear"):
        HttpSmsSender(url, "tok")
    with pytest.raises(ValueError, match="in clear") as failure:
        sender_from_url(url + "?token=SECRET123")
    assert "SECRET123" not in str(failure.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/sms",
        "http://127.8.9.10/sms",
        "http://[::1]:80/sms",
        "http://localhost/sms",
    ],
)
def test_http_sms_sender_allows_clear_text_to_the_loopback(url: str) -> None:
    assert HttpSmsSender(url, "tok").url == url


def test_senders_state_their_longest_send(tmp_path: Path) -> None:
    smtp = SmtpSender("mail.example", 587, "u", "pw", "noreply@example.org", timeout=4)
    sms = HttpSmsSender("https://gateway.example/sms", "tok", timeout=4)
    assert smtp.max_send_s >= 4 * 10
    assert sms.max_send_s >= 4 * 2
    assert 0 < FileSender(tmp_path).max_send_s < 60
    assert RoutingSender(sms=sms, email=FileSender(tmp_path)).max_send_s == sms.max_send_s
