#!/usr/bin/env python3
"""Account mail over real SMTP: a real `paperboy serve` with a real SMTP server
(tests/support/smtp_server.py), driven through its HTML forms as a browser without JavaScript
would (cookies, the pb_csrf double submit, no redirects followed).

  - signing up answers "check your mail" and sends a mail whose first link verifies the
    address: the GET shows a button, the POST verifies, once; signing up again with the same
    address answers the same page, makes no account and tells the address's owner by mail;
  - "forgot your password" mails a reset link for a known address and nothing for an unknown
    one, with the same answer; the link sets a new password, ends the old session, works once.

    PAPERBOY_BINARY=build/paperboy python3 tests/integration/test_account_mail.py
"""
import re
import unittest

from mail_harness import (PUBLIC_URL, MAIL_FROM, Http, Paperboy, Serve, SmtpServer, TempDir,
                          hidden_field, mail_env, query, wait_for)

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "tr0mb0ne sunrise kettle"


class AccountMail(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.db = self.tmp.file("papers.db")
        self.paperboy = Paperboy()
        self.smtp = SmtpServer(self.tmp.file("smtp"))
        self.addCleanup(self.smtp.stop)
        self.server = Serve(self.paperboy, self.db, self.tmp.file("serve.log"), "--no-digests",
                            env=mail_env(self.smtp))
        self.addCleanup(self.server.stop)

    def form_page(self, http, path):
        page = http.get(path)
        self.assertEqual(page.status, 200, page.text())
        csrf = hidden_field(page.text(), "csrf")
        self.assertTrue(csrf, "no csrf field")
        return csrf

    def only_mail_to(self, address):
        mails = self.smtp.to(address)
        self.assertEqual(len(mails), 1, f"mails to {address}")
        mail = mails[0]
        self.assertEqual(mail["defects"], [])
        self.assertEqual(mail["from"][0]["address"], MAIL_FROM)
        return mail

    def test_sign_up_verification_and_a_password_reset(self):
        browser = Http(self.server.port)

        # Sign up: a page that asks to check the mail, and a verification mail (sent after the
        # answer, from the server's own thread).
        csrf = self.form_page(browser, "/signup")
        reply = browser.post_form("/signup", {"csrf": csrf, "next": "/", "handle": "ada",
                                              "email": "Ada@Example.org", "password": PASSWORD,
                                              "password_again": PASSWORD})
        self.assertEqual(reply.status, 200, reply.text())
        self.assertIn("Check your mail", reply.text())
        self.assertNotIn("pb_session", browser.cookies)
        wait_for(lambda: self.smtp.to("ada@example.org"), what="the verification mail")
        mail = self.only_mail_to("ada@example.org")
        self.assertIn("Verify", mail["subject"])
        link = mail["links"][0]
        self.assertTrue(link.startswith(PUBLIC_URL + "/account/verify/"), link)

        def verified():
            return query(self.db, "SELECT email_verified_at IS NOT NULL FROM users WHERE "
                                  "handle = 'ada'")[0][0]

        # The link: a GET shows a button and changes nothing; the POST verifies, once.
        page = Http(self.server.port).get(link)
        self.assertEqual(page.status, 200, page.text())
        self.assertIn("<button", page.text())
        self.assertEqual(verified(), 0)
        self.assertEqual(Http(self.server.port).request("POST", link).status, 200)
        self.assertEqual(verified(), 1)
        self.assertEqual(Http(self.server.port).request("POST", link).status, 404)

        # Someone signs up with ada's address: the same page, no account, a mail to ada.
        eve = Http(self.server.port)
        csrf = self.form_page(eve, "/signup")
        taken = eve.post_form("/signup", {"csrf": csrf, "next": "/", "handle": "eve",
                                          "email": "ada@example.org", "password": PASSWORD,
                                          "password_again": PASSWORD})
        self.assertEqual(taken.status, 200, taken.text())

        def without_address(reply):
            return re.sub(r"(?i)ada@example\.org", "ADDRESS", reply.text())

        self.assertEqual(without_address(taken), without_address(reply))
        notes = wait_for(lambda: [m for m in self.smtp.to("ada@example.org")
                                  if "tried to sign up" in m["subject"]],
                         what="the mail about the sign-up attempt")
        self.assertEqual(len(notes), 1)
        self.assertEqual(notes[0]["defects"], [])
        self.assertEqual(notes[0]["links"][0], PUBLIC_URL + "/login")
        self.assertEqual(query(self.db, "SELECT COUNT(*) FROM users WHERE handle = 'eve'")[0][0],
                         0)

        # The account logs in with its password.
        csrf = self.form_page(browser, "/login")
        reply = browser.post_form("/login", {"csrf": csrf, "next": "/", "handle": "ada",
                                             "password": PASSWORD})
        self.assertEqual(reply.status, 303, reply.text())
        self.assertEqual(browser.get("/settings").status, 200)

        # A forgotten password: the same answer for a known and an unknown address; a mail
        # only for the known one.
        stranger = Http(self.server.port)
        csrf = self.form_page(stranger, "/account/forgot")
        known = stranger.post_form("/account/forgot", {"csrf": csrf, "email": "ada@example.org"})
        unknown = stranger.post_form("/account/forgot",
                                     {"csrf": csrf, "email": "nobody@example.org"})
        self.assertEqual((known.status, unknown.status), (200, 200))

        def without_address(reply):
            text = re.sub(r"(ada|nobody)@example\.org", "ADDRESS", reply.text())
            return re.sub(r'name="csrf" value="[^"]*"', "", text)

        self.assertEqual(without_address(known), without_address(unknown))

        def reset_mails():  # they go out after the answer, from the server's own thread
            return [m for m in self.smtp.to("ada@example.org") if "/account/reset/" in
                    (m["links"] or [""])[0]]

        resets = wait_for(reset_mails, what="the reset mail")
        self.assertEqual(self.smtp.to("nobody@example.org"), [])
        self.assertEqual(len(resets), 1)
        link = resets[0]["links"][0]
        self.assertTrue(link.startswith(PUBLIC_URL + "/account/reset/"), link)

        # The link's page is a form; sending it sets the password and ends every session.
        page = stranger.get(link)
        self.assertEqual(page.status, 200, page.text())
        self.assertIn('name="password"', page.text())
        reply = stranger.post_form(link, {"password": NEW_PASSWORD,
                                          "password_again": NEW_PASSWORD})
        self.assertEqual(reply.status, 303, reply.text())
        self.assertIn("/login", reply.header("Location"))
        settings = browser.get("/settings")
        self.assertEqual(settings.status, 303, "the old session still works")
        self.assertIn("/login", settings.header("Location"))
        again = stranger.post_form(link, {"password": "another long passphrase",
                                          "password_again": "another long passphrase"})
        self.assertEqual(again.status, 404)

        # The new password logs in; the old one does not.
        for password, works in ((PASSWORD, False), (NEW_PASSWORD, True)):
            client = Http(self.server.port)
            csrf = self.form_page(client, "/login")
            reply = client.post_form("/login", {"csrf": csrf, "next": "/", "handle": "ada",
                                                "password": password})
            self.assertEqual(reply.status == 303 and "pb_session" in client.cookies, works,
                             f"{password}: {reply.status}")

        self.assertEqual(self.server.stop(), 0, self.server.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
