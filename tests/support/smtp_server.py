#!/usr/bin/env python3
"""A real SMTP server for Paperboy's mail tests, on Debian's python3-aiosmtpd.

    python3 tests/support/smtp_server.py --dir DIR [--port 0] [--host 127.0.0.1]
                                         [--fail-first N] [--auth USER:PASSWORD]
                                         [--tls-cert FILE --tls-key FILE [--implicit-tls]]

Each accepted message is written to DIR/NNNNNN.eml (000001.eml, ...) exactly as received (after
SMTP's dot-unstuffing), atomically (a temporary file renamed), before the 250 reply, and one
line per message is appended to DIR/log.jsonl:
    {"file": "000001.eml", "mail_from": "...", "rcpt_tos": ["..."], "peer": "127.0.0.1:40512"}
"peer" is the client's end of the connection, so that tests can count connections.

Prints "listening on PORT" (flushed) once it accepts connections; --port 0 picks a free port.
Stops cleanly on SIGTERM or SIGINT.

Failures on demand:
  - a recipient whose local part starts with "tempfail" is refused at RCPT with 451,
    one starting with "permfail" with 550;
  - --fail-first N answers the first N messages at the end of DATA with a transient failure:
    451 (the connection stays open) and 421 (the server then closes the connection) in turn;
  - --auth USER:PASSWORD offers AUTH (PLAIN, LOGIN) without TLS and requires it before MAIL.

TLS: with --tls-cert and --tls-key the server offers STARTTLS and requires it before MAIL (a
client that does not upgrade is refused with 530); with --implicit-tls as well it speaks TLS
from the first byte instead (smtps://). Each log line then has "tls": true when the message came
over TLS.

Kept cheap for benchmarks: DATA is read in large pieces (aiosmtpd reads it line by line), no
fsync, the log is written through a buffer and flushed once per message, and the server never
resolves its own name.
"""
import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword, syntax

# Largest message accepted (aiosmtpd's default).
DATA_LIMIT = 32 * 1024 * 1024


class FastDataSMTP(SMTP):
    """aiosmtpd's SMTP, with DATA read in a few large pieces instead of line by line.

    aiosmtpd reads DATA one line at a time, which costs more than everything else a message
    takes here; this reads up to each dot that ends a line and stops at the first one alone on
    its line. Everything else is aiosmtpd's.
    """

    # The stream reader's buffer limit: a whole message may be scanned for its end.
    line_length_limit = DATA_LIMIT

    @syntax("DATA")
    async def smtp_DATA(self, arg):
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        data = bytearray()
        try:
            while True:
                data += await self._reader.readuntil(b".\r\n")
                end = len(data) - 3
                if end == 0 or data[end - 2:end] == b"\r\n":
                    break
        except asyncio.IncompleteReadError:
            return  # the client went away in the middle of the message
        except asyncio.LimitOverrunError:
            await self.push("552 Error: Too much mail data")
            self.transport.close()
            return
        # The body without the final ".\r\n", and without the dot SMTP adds to lines that
        # start with one (RFC 5321 section 4.5.2).
        content = (b"\r\n" + bytes(data[:end])).replace(b"\r\n.", b"\r\n")[2:]
        self.envelope.content = self.envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)


class Recorder:
    """The aiosmtpd handler: refuses what it is told to, records the rest."""

    def __init__(self, directory, fail_first):
        self.directory = directory
        self.count = 0
        self.fail_first = fail_first
        self.failures = 0
        self.log = open(os.path.join(directory, "log.jsonl"), "a", encoding="utf-8",
                        buffering=1 << 16)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.rsplit("@", 1)[0].lower()
        if local.startswith("tempfail"):
            return "451 4.2.0 Mailbox temporarily unavailable (injected failure)"
        if local.startswith("permfail"):
            return "550 5.1.1 No such mailbox here (injected failure)"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.failures < self.fail_first:
            self.failures += 1
            if self.failures % 2 == 1:
                return "451 4.3.0 Temporary failure, try again later (injected failure)"
            # The reply is written before the transport closes: close() flushes it first.
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.3.2 Service shutting down, closing the connection (injected failure)"
        self.count += 1
        name = f"{self.count:06d}.eml"
        temp = os.path.join(self.directory, f".{name}.tmp")
        with open(temp, "wb") as f:
            f.write(envelope.original_content)
        os.rename(temp, os.path.join(self.directory, name))
        host, port = session.peer[0], session.peer[1]
        self.log.write(json.dumps({"file": name, "mail_from": envelope.mail_from,
                                   "rcpt_tos": envelope.rcpt_tos,
                                   "peer": f"{host}:{port}",
                                   "tls": session.ssl is not None or server.transport
                                   .get_extra_info("ssl_object") is not None}) + "\n")
        self.log.flush()
        return f"250 2.0.0 OK: queued as {self.count:06d}"

    def close(self):
        self.log.close()


def make_authenticator(credentials):
    user, _, password = credentials.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        return AuthResult(success=ok, handled=False)

    return authenticate


async def serve(args):
    loop = asyncio.get_running_loop()
    recorder = Recorder(args.dir, args.fail_first)
    options = {"hostname": "paperboy-test-smtp", "ident": "Paperboy test SMTP server",
               "loop": loop}
    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
        if not args.implicit_tls:
            options.update(tls_context=tls, require_starttls=True)
    if args.auth:
        # AUTH without TLS is what a test on loopback wants; aiosmtpd warns about it twice.
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        options.update(auth_required=True, auth_require_tls=False,
                       authenticator=make_authenticator(args.auth))
    server = await loop.create_server(lambda: FastDataSMTP(recorder, **options),
                                      host=args.host, port=args.port,
                                      ssl=tls if args.implicit_tls else None)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
    await stop.wait()
    server.close()
    recorder.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True, help="where messages and log.jsonl go")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--fail-first", type=int, default=0, metavar="N",
                        help="answer the first N messages with a transient failure")
    parser.add_argument("--auth", metavar="USER:PASSWORD", help="require AUTH with these")
    parser.add_argument("--tls-cert", metavar="FILE", help="offer and require STARTTLS")
    parser.add_argument("--tls-key", metavar="FILE")
    parser.add_argument("--implicit-tls", action="store_true",
                        help="TLS from the first byte (smtps://) instead of STARTTLS")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
