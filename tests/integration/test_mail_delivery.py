#!/usr/bin/env python3
"""Delivery of digests against a real SMTP server (tests/support/smtp_server.py): exactly once
across kill -9, and what transient and permanent failures do.

  - `paperboy digest send` killed with SIGKILL in the middle of 300 subscribers, at three
    points, then run again: every subscriber has exactly one distinct Message-ID, and at most
    one raw copy too many (the message in flight at the kill: see "the window" below);
  - deterministic variants: killed while the relay refuses DATA (the digest is claimed, never
    accepted: the re-run sends it with the claimed Message-ID), and the unavoidable window
    itself — the relay said 250, the store did not record it — replayed by putting a send-log
    row back to "claimed": the re-run repeats that message with the same Message-ID;
  - transient failures (--fail-first: 451 and 421 at the end of DATA) retried through;
    a recipient refused for good three periods in a row is suspended; a relay that refuses
    connections stops the run early (exit 1) and a later run delivers everything.

Subscribers are inserted into the SQLite file directly (mail_harness.add_confirmed): the double
opt-in is tested over HTTP in test_mail_flow.py.

    PAPERBOY_BINARY=build/paperboy python3 tests/integration/test_mail_delivery.py
"""
import collections
import json
import os
import signal
import socket
import sqlite3
import time
import unittest

from mail_harness import (Paperboy, SmtpServer, TempDir, add_confirmed, execute, header, ingest,
                          mail_env, paper_item, query, wait_for, write_corpus)

TLS_CERT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "tls",
                        "smtp-cert.pem")
TLS_KEY = TLS_CERT.replace("smtp-cert.pem", "smtp-key.pem")

CORPUS = [paper_item(n, f"Paper {n}: graph networks, part {n}", "An abstract about graphs.",
                     day, 10 + n)
          for day, numbers in (("2024-10-21", (1, 2, 3)), ("2024-10-22", (4, 5)),
                               ("2024-10-24", (6, 7)), ("2024-10-25", (8,)))
          for n in numbers]


def subscribers(n, prefix="reader"):
    return [f"{prefix}{i:04d}@example.org" for i in range(n)]


def free_port():
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DeliveryTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.db = self.tmp.file("papers.db")
        self.paperboy = Paperboy()
        ingest(self.paperboy, self.db, write_corpus(self.tmp.file("corpus.json"), CORPUS))
        self.servers = 0

    def smtp(self, *extra):
        self.servers += 1
        server = SmtpServer(self.tmp.file(f"smtp{self.servers}"), *extra)
        self.addCleanup(server.stop)
        return server

    def send(self, relay, day="2024-10-21", env=None):
        """`digest send --json` to completion: (exit status, report, stderr)."""
        full = mail_env(relay)
        full.update(env or {})
        r = self.paperboy.run("digest", "send", "--db", self.db, "--period", "daily", "--as-of",
                              day, "--json", env=full)
        report = json.loads(r.stdout) if r.stdout.strip() else None
        return r.returncode, report, r.stderr

    def start_send(self, relay, day="2024-10-21", env=None):
        full = mail_env(relay)
        full.update(env or {})
        process = self.paperboy.start("digest", "send", "--db", self.db, "--period", "daily",
                                      "--as-of", day, "-q", env=full)
        self.addCleanup(lambda: process.poll() is None and (process.kill(), process.wait()))
        return process

    def received(self, *servers):
        """recipient -> [Message-ID of each copy], over every server's messages."""
        copies = collections.defaultdict(list)
        for server in servers:
            for message in server.messages():
                for rcpt in message["rcpt"]:
                    copies[rcpt].append(header(message, "Message-ID"))
        return copies

    def assert_exactly_once(self, copies, expected, allowed_duplicates=0):
        """Every expected recipient has one distinct Message-ID; at most `allowed_duplicates`
        of them got a second raw copy (of the same message). Returns those."""
        self.assertEqual(sorted(copies), sorted(expected))
        for rcpt, ids in copies.items():
            self.assertEqual(len(set(ids)), 1, f"{rcpt} got different messages: {ids}")
        duplicated = sorted(r for r, ids in copies.items() if len(ids) > 1)
        self.assertLessEqual(len(duplicated), allowed_duplicates, duplicated)
        for rcpt in duplicated:
            self.assertEqual(len(copies[rcpt]), 2, rcpt)
        # The send log agrees: every digest recorded as sent, with the Message-ID received.
        rows = dict(query(self.db, "SELECT s.email, d.message_id FROM digest_sends d JOIN "
                                   "subscriptions s ON s.id = d.subscription_id WHERE d.state = "
                                   "'sent' AND d.period = 'daily:2024-10-21'"))
        self.assertEqual({r: ids[0] for r, ids in copies.items()}, rows)
        return duplicated


class ExactlyOnce(DeliveryTestCase):
    def test_a_run_killed_at_three_points_then_rerun_delivers_each_digest_once(self):
        readers = subscribers(300)
        for kill_after in (20, 110, 200):
            with self.subTest(kill_after=kill_after):
                execute(self.db, "DELETE FROM digest_sends")
                execute(self.db, "DELETE FROM papers_received")
                execute(self.db, "DELETE FROM subscriptions")
                add_confirmed(self.db, readers)
                smtp = self.smtp()
                process = self.start_send(smtp)
                wait_for(lambda: smtp.count() >= kill_after or process.poll() is not None,
                         interval=0.001, what=f"{kill_after} messages")
                # Frozen at once, then killed: the kill lands where the count says.
                process.send_signal(signal.SIGSTOP)
                self.assertIsNone(process.poll(), "the run ended before the kill point")
                process.send_signal(signal.SIGKILL)
                process.wait()
                at_kill = smtp.count()
                self.assertLess(at_kill, len(readers), "nothing left to send after the kill")

                status, report, err = self.send(smtp)
                self.assertEqual(status, 0, err)
                self.assertEqual(report["already_done"] + report["sent"], len(readers), report)
                copies = self.received(smtp)
                duplicated = self.assert_exactly_once(copies, readers, allowed_duplicates=1)
                print(f"\nkill -9 after {at_kill} messages: the re-run sent {report['sent']} "
                      f"({report['resent']} claimed by the killed run); {len(duplicated)} "
                      f"recipient(s) got the in-flight message twice, with the same Message-ID",
                      flush=True)
                smtp.stop()

    def test_killed_while_the_relay_refuses_data_the_claimed_digest_goes_out_once(self):
        readers = subscribers(5)
        add_confirmed(self.db, readers)
        # Every DATA refused (451/421), and a minute between attempts: when it is killed, the
        # run is at its first digest — claimed, and never accepted whatever it was doing.
        failing = self.smtp("--fail-first", "1000")
        process = self.start_send(failing, env={"PAPERBOY_SMTP_RETRY_DELAY_MS": "60000"})
        claimed = wait_for(lambda: query(self.db, "SELECT subscription_id, message_id FROM "
                                                  "digest_sends WHERE state = 'claimed'"),
                           what="a claimed digest")
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.assertEqual(failing.count(), 0)
        self.assertEqual(len(claimed), 1)
        failing.stop()

        working = self.smtp()
        status, report, err = self.send(working)
        self.assertEqual(status, 0, err)
        self.assertEqual((report["sent"], report["resent"]), (5, 1), report)
        copies = self.received(working)
        self.assert_exactly_once(copies, readers)
        claimed_email = query(self.db, "SELECT email FROM subscriptions WHERE id = ?",
                              claimed[0][0])[0][0]
        self.assertEqual(copies[claimed_email], [claimed[0][1]])

    def test_the_window_after_the_relays_250_repeats_the_same_message_id(self):
        readers = subscribers(5)
        add_confirmed(self.db, readers)
        smtp = self.smtp()
        status, report, err = self.send(smtp)
        self.assertEqual((status, report["sent"]), (0, 5), err)
        # As if the process had died between the relay's 250 and the store's commit.
        execute(self.db, "UPDATE digest_sends SET state = 'claimed' WHERE subscription_id = "
                         "(SELECT id FROM subscriptions WHERE email = ?)", readers[2])
        status, report, err = self.send(smtp)
        self.assertEqual((status, report["sent"], report["resent"]), (0, 1, 1), err)
        copies = self.received(smtp)
        self.assertEqual(self.assert_exactly_once(copies, readers, allowed_duplicates=1),
                         [readers[2]])


class Failures(DeliveryTestCase):
    def test_transient_failures_are_retried_until_accepted(self):
        readers = subscribers(20)
        add_confirmed(self.db, readers)
        # The first 3 messages: 451, then 421 with the connection closed, then 451.
        smtp = self.smtp("--fail-first", "3")
        status, report, err = self.send(smtp)
        self.assertEqual(status, 0, err)
        self.assertEqual((report["sent"], report["transient"]), (20, 0), report)
        self.assert_exactly_once(self.received(smtp), readers)

    def test_a_recipient_failing_transiently_waits_for_the_next_run(self):
        add_confirmed(self.db, ["alice@example.org", "tempfail@example.org", "bob@example.org"])
        smtp = self.smtp()
        status, report, err = self.send(smtp)
        self.assertEqual(status, 1, err)
        self.assertEqual((report["sent"], report["transient"], report["stopped"]), (2, 1, ""))
        self.assertIn("run the same command again", err)
        self.assertEqual(query(self.db, "SELECT d.state, d.attempts > 0 FROM digest_sends d "
                                        "JOIN subscriptions s ON s.id = d.subscription_id "
                                        "WHERE s.email = 'tempfail@example.org'"),
                         [("claimed", 1)])
        self.assertEqual(sorted(self.received(smtp)), ["alice@example.org", "bob@example.org"])
        r = self.paperboy.run("digest", "status", "--db", self.db, "--period", "daily",
                              "--as-of", "2024-10-21")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"3 confirmed subscriptions; sent 2, failed for good 0, "
                                   r"unfinished 1 .*not sent 0")

    def test_three_permanent_failures_in_a_row_suspend_the_subscription(self):
        add_confirmed(self.db, ["alice@example.org", "permfail@example.org"])
        smtp = self.smtp()

        def state():
            r = self.paperboy.run("subscription", "list", "--db", self.db, "--email",
                                  "permfail@example.org", "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            [s] = json.loads(r.stdout)
            return s["status"], s["permanentFailures"]

        for n, day in enumerate(("2024-10-21", "2024-10-22", "2024-10-24"), start=1):
            status, report, err = self.send(smtp, day)
            self.assertEqual(status, 0, err)  # a refused address is the address's failure
            self.assertIn("refused for good", err)
            self.assertEqual((report["sent"], report["permanent"]), (1, 1), report)
            self.assertEqual(report["suspended"], 1 if n == 3 else 0)
            self.assertEqual(state(), ("suspended", 3) if n == 3 else ("confirmed", n))
            self.assertEqual(query(self.db, "SELECT d.state, d.last_error LIKE '%550%' FROM "
                                            "digest_sends d JOIN subscriptions s ON s.id = "
                                            "d.subscription_id WHERE s.email = ? AND d.period "
                                            "= ?", "permfail@example.org", f"daily:{day}"),
                             [("failed", 1)])
        # Suspended: no longer tried.
        status, report, err = self.send(smtp, "2024-10-25")
        self.assertEqual(status, 0, err)
        self.assertEqual((report["subscriptions"], report["sent"]), (1, 1), report)
        self.assertEqual(len(self.received(smtp)["alice@example.org"]), 4)
        # The operator resumes it once the address works again.
        r = self.paperboy.run("subscription", "resume", "--db", self.db, "--email",
                              "permfail@example.org")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(state(), ("confirmed", 0))

    def test_a_relay_refusing_connections_stops_the_run_and_a_later_run_delivers(self):
        readers = subscribers(50)
        add_confirmed(self.db, readers)
        status, report, err = self.send(f"smtp://127.0.0.1:{free_port()}")
        self.assertEqual(status, 1, err)
        self.assertIn("stopped early", err)
        self.assertIn("3 times in a row", err)
        self.assertEqual((report["sent"], report["transient"]), (0, 3), report)
        self.assertNotEqual(report["stopped"], "")

        smtp = self.smtp()
        status, report, err = self.send(smtp)
        self.assertEqual(status, 0, err)
        self.assertEqual((report["sent"], report["resent"]), (50, 3), report)
        self.assert_exactly_once(self.received(smtp), readers)

    def test_a_relay_that_refuses_paperboy_itself_stops_the_run_and_suspends_nobody(self):
        # Wrong credentials, then the right ones over STARTTLS with the test certificate.
        readers = subscribers(4)
        add_confirmed(self.db, readers)
        smtp = self.smtp("--auth", "pb:right", "--tls-cert", TLS_CERT, "--tls-key", TLS_KEY)
        host = smtp.url[len("smtp://"):]
        tls = {"PAPERBOY_SMTP_CA_FILE": TLS_CERT}
        for _ in range(3):
            status, report, err = self.send(f"smtp+starttls://pb:wrong@{host}", env=tls)
            self.assertEqual(status, 1, err)
            self.assertIn("refused this client", err)
            self.assertEqual((report["sent"], report["permanent"], report["suspended"]),
                             (0, 0, 0), report)
        self.assertEqual(query(self.db, "SELECT COUNT(*) FROM subscriptions WHERE status = "
                                        "'confirmed'"), [(4,)])
        # Without the test certificate the relay is not trusted: refused the same way.
        status, report, err = self.send(f"smtp+starttls://pb:right@{host}")
        self.assertEqual(status, 1, err)
        self.assertIn("refused this client", err)
        status, report, err = self.send(f"smtp+starttls://pb:right@{host}", env=tls)
        self.assertEqual((status, report["sent"]), (0, 4), err)
        self.assert_exactly_once(self.received(smtp), readers)

    def test_one_sender_at_a_time(self):
        # Two senders of one period would each take the other's fresh claims for a crash's
        # leftovers; the second finds the store's digest lease held (by another node's
        # scheduler, here a row the test writes) and waits for its turn instead.
        readers = subscribers(5)
        add_confirmed(self.db, readers)
        smtp = self.smtp()
        with sqlite3.connect(self.db) as db:
            db.execute("INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)",
                       ("digest", "node-b:4242:test", int(time.time() * 1000) + 600_000))
        status, report, err = self.send(smtp)
        self.assertEqual(status, 1, err)
        self.assertIn("another digest run is sending for this database", err)
        self.assertIn("node-b:4242:test", err)
        self.assertIsNone(report)
        self.assertEqual(self.received(smtp), {})
        with sqlite3.connect(self.db) as db:
            db.execute("DELETE FROM leases WHERE name = 'digest'")
        status, report, err = self.send(smtp)  # released: it goes through
        self.assertEqual((status, report["sent"]), (0, 5), err)
        self.assert_exactly_once(self.received(smtp), readers)


if __name__ == "__main__":
    unittest.main(verbosity=2)
