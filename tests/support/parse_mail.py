#!/usr/bin/env python3
"""Parses mail files (.eml) with Python's email package and prints one JSON object per file.

    python3 tests/support/parse_mail.py FILE...

A second, independent reading of what Paperboy sends, for tests. Each line of output is:
    {"file": path,
     "headers": [[name, value], ...]     # in order, values decoded (RFC 2047) and unfolded
     "from": [{"name": ..., "address": ...}], "to": [...],
     "subject": decoded subject,
     "structure": {"type": "multipart/alternative", "parts": [{"type": "text/plain",
                   "charset": "utf-8", "encoding": "quoted-printable"}, ...]},
     "types": ["multipart/alternative", "text/plain", "text/html"]   # depth first
     "text": the text/plain body, decoded, line ends "\n" (null when there is none),
     "html": the text/html body, likewise,
     "links": the http(s) links of the text body, in order,
     "html_links": the href values of the HTML body, in order, unescaped,
     "max_header_line": the longest raw header line, in bytes, without CRLF,
     "max_line": the longest raw line of the whole message,
     "long_lines": the raw lines longer than RFC 5322's recommended 78 bytes, decoded as ASCII,
     "defects": what the parser found wrong}
Exits 1 when a file cannot be read.
"""
import email
import email.policy
import html
import json
import re
import sys

LINK = re.compile(r"https?://[^\s<>\"]+")
HREF = re.compile(r"""href\s*=\s*"([^"]*)\"""", re.IGNORECASE)


def structure(part):
    node = {"type": part.get_content_type()}
    if part.is_multipart():
        node["parts"] = [structure(p) for p in part.iter_parts()]
    else:
        node["charset"] = part.get_content_charset()
        node["encoding"] = str(part.get("Content-Transfer-Encoding", "")).lower()
    return node


def types(node):
    out = [node["type"]]
    for child in node.get("parts", []):
        out += types(child)
    return out


def defects(message):
    found = [f"{type(d).__name__}: {d}" for d in message.defects]
    for part in message.walk():
        if part is not message:
            found += [f"{type(d).__name__}: {d}" for d in part.defects]
    return found


def mailboxes(header):
    if header is None:
        return []
    return [{"name": a.display_name, "address": a.addr_spec} for a in header.addresses]


def body(message, subtype):
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != f"text/{subtype}":
        return None
    return part.get_content().replace("\r\n", "\n")


def describe(path):
    with open(path, "rb") as f:
        raw = f.read()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    head = raw.split(b"\r\n\r\n", 1)[0]
    tree = structure(message)
    text = body(message, "plain")
    html_body = body(message, "html")
    return {
        "file": path,
        "headers": [[name, str(value)] for name, value in message.items()],
        "from": mailboxes(message["From"]),
        "to": mailboxes(message["To"]),
        "subject": str(message["Subject"]) if message["Subject"] is not None else None,
        "structure": tree,
        "types": types(tree),
        "text": text,
        "html": html_body,
        "links": LINK.findall(text or ""),
        "html_links": [html.unescape(h) for h in HREF.findall(html_body or "")],
        "max_header_line": max((len(line) for line in head.split(b"\r\n")), default=0),
        "max_line": max((len(line) for line in raw.split(b"\r\n")), default=0),
        "long_lines": [line.decode("ascii", "replace") for line in raw.split(b"\r\n")
                       if len(line) > 78],
        "defects": defects(message),
    }


def main():
    status = 0
    for path in sys.argv[1:]:
        try:
            print(json.dumps(describe(path), ensure_ascii=False))
        except OSError as e:
            print(f"parse_mail: {path}: {e}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
