#!/usr/bin/env python3
"""Email digests end to end, with real parts only: the `paperboy` binary, a real database (a
SQLite file; a PostgreSQL database with PAPERBOY_TEST_BACKEND=postgres, CTest's
mail_flow_test_pg), a real `paperboy serve` on loopback and a real SMTP server
(tests/support/smtp_server.py, aiosmtpd). Messages are read back with Python's `email` package
(tests/support/parse_mail.py).

  - double opt-in: the API and the banner form, the confirmation mail and its link (a GET shows
    a button, the POST confirms, once), at most one confirmation an hour;
  - digests from `paperboy digest send`: one message per confirmed subscriber, structure,
    headers, encodings and links; topics; nothing twice (same period, or a paper received
    before); empty periods and weekends; one-click unsubscribe (RFC 8058);
  - the command line's errors and dry run;
  - the scheduler inside `serve`: yesterday's digest at start-up, once across restarts.

    PAPERBOY_BINARY=build/paperboy [PAPERBOY_TEST_BACKEND=postgres] \
        python3 tests/integration/test_mail_flow.py
"""
import datetime
import json
import re
import time
import unittest
import urllib.parse

from mail_harness import (MAIL_FROM, PUBLIC_URL, Paperboy, Serve, SmtpServer, TempDir,
                          fresh_database, header, ingest, mail_env, paper_item, query,
                          add_confirmed, wait_for, write_corpus)

PAPER_LINK = re.compile(re.escape(PUBLIC_URL) + r"/papers/(2410\.\d{5})$")

# Monday 21 to Sunday 27 October 2024 (ISO week 2024-W43).
CORPUS = [
    paper_item(1, "Graph networks for molecules", "We study graph networks on molecules.",
               "2024-10-21", 30),
    paper_item(2, "Δ-learning for α-helices — a study of protein folding",
               "Protein folding with Δ-learning.", "2024-10-21", 50),
    paper_item(3, "Café au lait: diffusion models for latte art",
               "A diffusion model draws on coffee in a café.", "2024-10-21", 10),
    paper_item(1, "Graph networks for molecules", "We study graph networks on molecules.",
               "2024-10-22", 31),  # listed again on Tuesday
    paper_item(4, "Diffusion transformers at scale", "Transformers for diffusion.", "2024-10-22",
               40),
    paper_item(5, "Scaling laws of language models", "Language models scale.", "2024-10-22", 20),
    # Wednesday 23: no list.
    paper_item(6, "Graph transformers", "Attention on graph structure.", "2024-10-24", 10),
    paper_item(7, "Weekend diffusion", "A diffusion model trained on Saturdays.", "2024-10-26", 5),
]


def paper_ids(message):
    """The paper ids the text part links to, in order."""
    return [m.group(1) for m in map(PAPER_LINK.match, message["links"]) if m]


class MailTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)
        # A SQLite file, or a fresh PostgreSQL database (whose index snapshot, `--index`, goes
        # in the directory rather than under ~/.cache).
        self.database = fresh_database(self.tmp.path)
        self.db = self.database.url
        self.index = self.database.index_args()
        self.paperboy = Paperboy()
        ingest(self.paperboy, self.db, write_corpus(self.tmp.file("corpus.json"), CORPUS))
        self.smtp = SmtpServer(self.tmp.file("smtp"))
        self.addCleanup(self.smtp.stop)
        self.env = mail_env(self.smtp)

    def serve(self, *extra):
        server = Serve(self.paperboy, self.db, self.tmp.file(f"serve-{time.monotonic_ns()}.log"),
                       "--no-digests", *self.index, *extra, env=self.env)
        self.addCleanup(server.stop)
        return server

    def digest(self, *args, expect=0):
        r = self.paperboy.run("digest", "send", "--db", self.db, "--json", *self.index, *args,
                              env=self.env)
        self.assertEqual(r.returncode, expect, r.stderr)
        return r

    def status_of(self, address):
        r = self.paperboy.run("subscription", "list", "--db", self.db, "--email", address,
                              "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return [s["status"] for s in json.loads(r.stdout)]

    def confirmation_link(self, address):
        mails = self.smtp.to(address)
        self.assertEqual(len(mails), 1, f"confirmations to {address}")
        self.assertTrue(mails[0]["subject"].startswith("Confirm"), mails[0]["subject"])
        return mails[0]["links"][0]

    def subscribe(self, http, address, frequency="daily", topic=None, confirm=True):
        body = {"email": address, "frequency": frequency}
        if topic is not None:
            body["topic"] = topic
        reply = http.post_json("/api/subscriptions", body)
        self.assertEqual(reply.status, 202, reply.text())
        if confirm:
            link = self.confirmation_link(address)
            self.assertEqual(http.request("POST", link, cookies=False).status, 200)


class DoubleOptIn(MailTestCase):
    def test_a_confirmation_link_shows_a_button_and_the_post_confirms_once(self):
        server = self.serve()
        http = server.http()

        # The API: 202, and the confirmation mail is at the relay when the answer comes.
        reply = http.post_json("/api/subscriptions",
                               {"email": " Alice@Example.org ", "frequency": "daily"})
        self.assertEqual(reply.status, 202, reply.text())
        self.assertEqual(reply.json()["status"], "pending")
        mails = self.smtp.to("alice@example.org")
        self.assertEqual(len(mails), 1)
        mail = mails[0]
        self.assertTrue(mail["subject"].startswith("Confirm"), mail["subject"])
        self.assertEqual(mail["from"][0]["address"], MAIL_FROM)
        self.assertEqual(mail["defects"], [])
        link = mail["links"][0]
        self.assertTrue(link.startswith(PUBLIC_URL + "/subscriptions/confirm/"), link)

        # Opening the link (a person, or a mail scanner) changes nothing: a page with a button.
        page = http.get(link, cookies=False)
        self.assertEqual(page.status, 200, page.text())
        self.assertRegex(page.text(), r'<form[^>]*method="post"')
        self.assertIn("<button", page.text())
        self.assertEqual(self.status_of("alice@example.org"), ["pending"])
        r = self.digest("--period", "daily", "--as-of", "2024-10-21")
        self.assertEqual(len(self.smtp.to("alice@example.org")), 1, "a digest went to a pending "
                         "address")
        self.assertIn('"subscriptions":0', r.stdout)

        # The button: confirmed. The link works once.
        self.assertEqual(http.request("POST", link, cookies=False).status, 200)
        self.assertEqual(self.status_of("alice@example.org"), ["confirmed"])
        self.assertEqual(http.request("POST", link, cookies=False).status, 404)

        # Asking again within the hour for a pending address sends nothing more (the answer
        # is the same 202).
        self.assertEqual(http.post_json("/api/subscriptions", {"email": "dave@example.org"}).status,
                         202)
        self.assertEqual(http.post_json("/api/subscriptions", {"email": "dave@example.org"}).status,
                         202)
        self.assertEqual(len(self.smtp.to("dave@example.org")), 1)
        # A confirmed address asking again gets the same answer and no mail.
        self.assertEqual(http.post_json("/api/subscriptions",
                                        {"email": "alice@example.org"}).status, 202)
        self.assertEqual(len(self.smtp.to("alice@example.org")), 1)

        # The banner's form, on every page.
        home = http.get("/")
        self.assertIn('action="/subscribe"', home.text())
        reply = http.post_form("/subscribe", {"email": "bob@example.org", "frequency": "weekly"})
        self.assertEqual(reply.status, 200, reply.text())
        link = self.confirmation_link("bob@example.org")
        self.assertIn("weekly", self.smtp.to("bob@example.org")[0]["text"])
        self.assertEqual(http.request("POST", link, cookies=False).status, 200)
        self.assertEqual(self.status_of("bob@example.org"), ["confirmed"])

        self.assertEqual(server.stop(), 0, server.log())


class Digests(MailTestCase):
    def test_each_confirmed_subscriber_gets_one_digest_per_period_and_nothing_twice(self):
        server = self.serve()
        http = server.http()
        self.subscribe(http, "alice@example.org")
        self.subscribe(http, "bob@example.org", topic="diffusion")
        self.subscribe(http, "carol@example.org", frequency="weekly")
        self.subscribe(http, "dave@example.org", confirm=False)  # stays pending
        self.subscribe(http, "erin@example.org")
        self.subscribe(http, "frank@example.org", topic="café")
        confirmations = self.smtp.count()
        self.assertEqual(confirmations, 6)

        # Monday: one message per confirmed daily subscriber, none to the pending one.
        self.digest("--period", "daily", "--as-of", "2024-10-21")
        monday = self.smtp.messages(confirmations)
        recipients = sorted(r for m in monday for r in m["rcpt"])
        self.assertEqual(recipients, ["alice@example.org", "bob@example.org", "erin@example.org",
                                      "frank@example.org"])
        by = {m["rcpt"][0]: m for m in monday}

        alice = by["alice@example.org"]
        self.assertEqual(alice["defects"], [])
        self.assertEqual(alice["structure"]["type"], "multipart/alternative")
        self.assertEqual([p["type"] for p in alice["structure"]["parts"]],
                         ["text/plain", "text/html"])
        for name in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "List-Id",
                     "List-Unsubscribe", "List-Unsubscribe-Post"):
            self.assertTrue(header(alice, name), f"{name} missing")
        self.assertEqual(alice["from"], [{"name": "Paperboy Test", "address": MAIL_FROM}])
        self.assertEqual(alice["to"][0]["address"], "alice@example.org")
        self.assertEqual(header(alice, "MIME-Version"), "1.0")
        self.assertRegex(header(alice, "Message-ID"), r"^<[^<>@\s]+@papers\.test>$")
        self.assertIn("<daily.papers.test>", header(alice, "List-Id"))
        unsubscribe = header(alice, "List-Unsubscribe")
        self.assertRegex(unsubscribe, r"<http://papers\.test/unsubscribe/[^>]+>")
        self.assertRegex(unsubscribe, r"<mailto:" + re.escape(MAIL_FROM) + r"\?[^>]+>")
        self.assertEqual(header(alice, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click")
        self.assertLessEqual(alice["max_line"], 998)
        # Non-ASCII decodes: the subject names the top paper; both bodies carry the titles.
        self.assertEqual(alice["subject"],
                         "[Paperboy Test] Δ-learning for α-helices — a study of protein folding "
                         "(+2 more)")
        # ... encoded on the wire: the message is 7-bit (RFC 2047 headers, quoted-printable).
        with open(alice["file"], "rb") as f:
            raw = f.read()
        self.assertTrue(all(b < 0x80 for b in raw), "a raw non-ASCII byte in the message")
        self.assertIn(b"=?UTF-8?", raw.split(b"\r\n\r\n", 1)[0].upper())
        for title in ("Δ-learning for α-helices — a study of protein folding",
                      "Café au lait: diffusion models for latte art"):
            self.assertIn(title, alice["text"])
            self.assertIn(title.replace("&", "&amp;"), alice["html"])
        self.assertIn("Émile Borel", alice["text"])
        # Links: each paper's page under the public URL, best trending first.
        self.assertEqual(paper_ids(alice), ["2410.00002", "2410.00001", "2410.00003"])
        html_papers = [h for h in alice["html_links"] if PAPER_LINK.match(h)]
        self.assertEqual(sorted(set(html_papers)),
                         sorted(f"{PUBLIC_URL}/papers/{i}" for i in paper_ids(alice)))
        self.assertTrue(all(h.startswith(PUBLIC_URL) for h in alice["html_links"]),
                        alice["html_links"])

        # Topics: only matching papers; a non-ASCII topic in the subject.
        self.assertEqual(paper_ids(by["bob@example.org"]), ["2410.00003"])
        frank = by["frank@example.org"]
        self.assertEqual(paper_ids(frank), ["2410.00003"])
        self.assertTrue(frank["subject"].startswith("[Paperboy Test] “café”: Café au lait"),
                        frank["subject"])

        # Every message has its own Message-ID.
        ids = [header(m, "Message-ID") for m in monday]
        self.assertEqual(len(set(ids)), len(ids))

        # Opening the unsubscribe link does not unsubscribe (mail scanners open links).
        link = re.search(r"<(http[^>]+)>", unsubscribe).group(1)
        page = http.get(link, cookies=False)
        self.assertEqual(page.status, 200, page.text())
        self.assertIn("<button", page.text())
        self.assertEqual(self.status_of("alice@example.org"), ["confirmed"])

        # The same period again: nothing.
        count = self.smtp.count()
        r = self.digest("--period", "daily", "--as-of", "2024-10-21")
        self.assertIn('"sent":0,', r.stdout)
        self.assertIn('"already_done":4,', r.stdout)
        self.assertEqual(self.smtp.count(), count)

        # Tuesday: paper 1 is listed again, but nobody gets it twice.
        self.digest("--period", "daily", "--as-of", "2024-10-22")
        tuesday = {m["rcpt"][0]: paper_ids(m) for m in self.smtp.messages(count)}
        self.assertEqual(tuesday, {"alice@example.org": ["2410.00004", "2410.00005"],
                                   "bob@example.org": ["2410.00004"],
                                   "erin@example.org": ["2410.00004", "2410.00005"]})

        # Wednesday has no list: nothing is sent, and that is a success.
        count = self.smtp.count()
        r = self.digest("--period", "daily", "--as-of", "2024-10-23")
        self.assertIn('"candidates":0,', r.stdout)
        self.assertEqual(self.smtp.count(), count)

        # One-click unsubscribe (RFC 8058): a POST of List-Unsubscribe=One-Click, no cookie.
        reply = http.request("POST", link, body="List-Unsubscribe=One-Click", cookies=False,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(reply.status, 200, reply.text())
        self.assertEqual(self.status_of("alice@example.org"), ["unsubscribed"])
        self.digest("--period", "daily", "--as-of", "2024-10-24")
        self.assertEqual({m["rcpt"][0]: paper_ids(m) for m in self.smtp.messages(count)},
                         {"erin@example.org": ["2410.00006"]})

        # Saturday's list: skipped unless --weekends.
        count = self.smtp.count()
        r = self.digest("--period", "daily", "--as-of", "2024-10-26")
        self.assertIn('"skipped_weekend":true', r.stdout)
        self.assertIn("weekend", r.stderr)
        self.assertEqual(self.smtp.count(), count)
        self.digest("--period", "daily", "--as-of", "2024-10-26", "--weekends")
        self.assertEqual({m["rcpt"][0]: paper_ids(m) for m in self.smtp.messages(count)},
                         {"bob@example.org": ["2410.00007"], "erin@example.org": ["2410.00007"]})

        # The weekly digest: the week's papers, each once, to the weekly subscriber only.
        count = self.smtp.count()
        self.digest("--period", "weekly", "--as-of", "2024-10-27")
        weekly = self.smtp.messages(count)
        self.assertEqual([m["rcpt"] for m in weekly], [["carol@example.org"]])
        self.assertEqual(sorted(paper_ids(weekly[0])), [f"2410.{i:05d}" for i in range(1, 8)])
        self.assertIn("<weekly.papers.test>", header(weekly[0], "List-Id"))

        # The pending address never got anything but its confirmation.
        self.assertEqual(len(self.smtp.to("dave@example.org")), 1)

        # A mailto: unsubscribe arrives at the From address, which Paperboy does not read: the
        # operator passes its subject to the command line.
        mailto = re.search(r"<mailto:([^>]+)>", header(frank, "List-Unsubscribe")).group(1)
        subject = urllib.parse.unquote(mailto.split("subject=", 1)[1])
        self.assertTrue(mailto.startswith(MAIL_FROM + "?"), mailto)
        r = self.paperboy.run("subscription", "unsubscribe", "--db", self.db, "--token", subject)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.status_of("frank@example.org"), ["unsubscribed"])
        r = self.paperboy.run("subscription", "unsubscribe", "--db", self.db, "--token",
                              subject[:-3] + "xyz")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(server.stop(), 0, server.log())


class CommandLine(MailTestCase):
    def run_digest(self, *args, env=None):
        return self.paperboy.run("digest", "send", "--db", self.db, *self.index, *args, env=env)

    def test_errors_say_what_is_wrong(self):
        no_relay = {k: v for k, v in self.env.items() if k != "PAPERBOY_SMTP_URL"}
        cases = [
            (["--period", "daily"], {"PAPERBOY_SMTP_URL": ""}, 2, "PAPERBOY_SMTP_URL"),
            (["--period", "daily", "--smtp-url", "ftp://127.0.0.1"], self.env, 2, "--smtp-url"),
            (["--period", "daily", "--as-of", "2024-13-01"], self.env, 2, "--as-of"),
            (["--period", "monthly"], self.env, 2, "--period"),
            (["--period", "daily", "--mail-from", "not an address"], self.env, 2, "--mail-from"),
            (["--period", "daily"], dict(self.env, PAPERBOY_PUBLIC_URL=""), 2, "--public-url"),
        ]
        for args, env, code, words in cases:
            with self.subTest(args=args):
                r = self.paperboy.run("digest", "send", "--db", self.db, *self.index, *args,
                                      env=dict(no_relay, **env))
                self.assertEqual(r.returncode, code, r.stderr)
                self.assertIn(words, r.stderr)
        # A file that is not there, or a PostgreSQL database that was never created.
        r = self.paperboy.run("digest", "send", "--db", self.database.missing("missing.db"),
                              *self.index, "--period", "daily", env=self.env)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(self.smtp.count(), 0)

    def test_dry_run_prints_what_would_be_sent_and_sends_and_records_nothing(self):
        add_confirmed(self.db, ["alice@example.org"])
        env = {"PAPERBOY_SMTP_URL": ""}  # a dry run needs no relay
        r = self.paperboy.run("digest", "send", "--db", self.db, *self.index, "--period", "daily",
                              "--as-of", "2024-10-21", "--dry-run", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("would send to alice@example.org", r.stdout)
        self.assertIn("2410.00002", r.stdout)
        self.assertIn("Δ-learning", r.stdout)
        self.assertEqual(query(self.db, "SELECT count(*) FROM digest_sends"), [(0,)])
        # The real run afterwards sends it.
        r = self.paperboy.run("digest", "send", "--db", self.db, *self.index, "--period", "daily",
                              "--as-of", "2024-10-21", env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.smtp.count(), 1)
        self.assertRegex(r.stderr, r"1 sent")

    def test_mail_test_sends_one_message_through_the_relay(self):
        r = self.paperboy.run("mail", "test", "--to", "ops@example.org", env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        [mail] = self.smtp.to("ops@example.org")
        self.assertIn("Test message", mail["subject"])
        self.assertEqual(mail["from"][0]["address"], MAIL_FROM)
        self.smtp.stop()
        r = self.paperboy.run("mail", "test", "--to", "ops@example.org", env=self.env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("failed", r.stderr)


class Scheduler(MailTestCase):
    """serve's scheduler, at start-up: today's run is due (the time of day is 00:00) and sends
    the daily digest of yesterday — real days, so the corpus gets a list for yesterday."""

    def test_serve_sends_yesterdays_digest_once_across_restarts(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        if now.hour == 23 and now.minute >= 59:  # keep the day from changing under the test
            time.sleep(61)
            now = datetime.datetime.now(datetime.timezone.utc)
        yesterday = (now.date() - datetime.timedelta(days=1)).isoformat()
        ingest(self.paperboy, self.db, write_corpus(self.tmp.file("yesterday.json"), [
            paper_item(90, "A paper of yesterday", "Fresh.", yesterday, 12)]))
        add_confirmed(self.db, ["alice@example.org"])
        extra = ("--digest-time", "00:00", "--digest-weekends", *self.index)

        first = Serve(self.paperboy, self.db, self.tmp.file("serve1.log"), *extra, env=self.env)
        self.addCleanup(first.stop)
        self.smtp.wait_count(1)
        line = wait_for(lambda: re.search(r'^\{.*"event":"digest".*$', first.log(), re.M),
                        what="the scheduler's log line")
        self.assertIn(f'"period":"daily:{yesterday}"', line.group(0))
        self.assertIn('"sent":1,', line.group(0))
        [mail] = self.smtp.to("alice@example.org")
        self.assertEqual(paper_ids(mail), ["2410.00090"])
        started = time.monotonic()
        self.assertEqual(first.stop(), 0, first.log())
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(query(self.db, "SELECT value FROM cursors WHERE key = ?",
                               "digest.daily.last_run"), [(now.date().isoformat(),)])

        # A restart the same day runs nothing again.
        second = Serve(self.paperboy, self.db, self.tmp.file("serve2.log"), *extra, env=self.env)
        self.addCleanup(second.stop)
        time.sleep(1.5)
        self.assertEqual(second.stop(), 0, second.log())
        self.assertNotIn('"event":"digest","frequency":"daily"', second.log())
        self.assertEqual(self.smtp.count(), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
