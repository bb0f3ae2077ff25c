#!/usr/bin/env python3
"""Fails when an #include in src/ goes up or sideways in the module order.

The order (lowest first) is the one target_link_libraries states in src/*/CMakeLists.txt:
    core <- text <- index;  core <- store;  core <- ingest;  core <- rank;  core <- mail;
    core <- embed;  {all of them} <- app <- web <- cli, except that web/ and cli/ never include store/: they
    reach the store through app/ services only (app/instance.h).
A module may include its own headers and those of the modules below it; siblings (store,
ingest, mail, text/index) may not include each other. Only src/store/sqlite/ may include
<sqlite3.h>, only src/store/postgres/ <libpq-fe.h>, only src/ingest/harvest/ and src/mail/
<curl/curl.h>, only src/cli/ CLI11, only src/web/http/ Boost (Beast, Asio), only src/ingest/ and
src/web/http/ <zlib.h>, only src/app/auth/ libsodium, only src/embed/ OpenBLAS (<cblas.h>) and
only src/index/ hnswlib; src/embed/ may also use <curl/curl.h> (its HTTP clients).
"""
import pathlib
import re
import sys

ALLOWED = {
    "core": set(),
    "text": {"core"},
    "index": {"core", "text"},
    "store": {"core"},
    "ingest": {"core"},
    "rank": {"core"},
    "mail": {"core"},
    "embed": {"core"},
    "app": {"core", "text", "index", "store", "ingest", "rank", "mail", "embed"},
    # web/ and cli/ reach the store through app/ services only (app/instance.h).
    "web": {"core", "text", "index", "ingest", "rank", "mail", "embed", "app"},
    "cli": {"core", "text", "index", "ingest", "rank", "mail", "embed", "app", "web"},
}
# (header pattern, the folder or tuple of folders that alone may include it)
DRIVER_HEADERS = [
    (re.compile(r"^sqlite3\.h$"), "store/sqlite/"),
    (re.compile(r"^libpq-fe\.h$"), "store/postgres/"),
    (re.compile(r"^curl/"), ("ingest/harvest/", "mail/", "embed/")),
    (re.compile(r"^cblas\.h$"), "embed/"),
    (re.compile(r"^hnswlib/"), "index/"),
    (re.compile(r"^CLI/"), "cli/"),
    (re.compile(r"^libstemmer\.h$"), "text/"),
    (re.compile(r"^utf8proc\.h$"), ("text/", "embed/")),
    (re.compile(r"^roaring/"), "index/"),
    (re.compile(r"^boost/"), "web/http/"),
    (re.compile(r"^cmark"), "app/"),
    (re.compile(r"^zlib\.h$"), ("ingest/", "web/http/")),
    (re.compile(r"^sodium(\.h|/)"), "app/auth/"),
]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    src = root / "src"
    problems = []
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cpp"):
            continue
        rel = path.relative_to(src).as_posix()
        module = rel.split("/")[0]
        if module not in ALLOWED:
            problems.append(f"src/{rel}: module '{module}' is not in the layering table")
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            header = m.group(2)
            for pattern, folders in DRIVER_HEADERS:
                if pattern.search(header) and not rel.startswith(folders):
                    where = " or ".join(f"src/{f}" for f in
                                        ((folders,) if isinstance(folders, str) else folders))
                    problems.append(f"src/{rel}:{lineno}: <{header}> may only be included "
                                    f"under {where}")
            target = header.split("/")[0]
            if m.group(1) == '"' and target in ALLOWED and target != module \
                    and target not in ALLOWED[module]:
                problems.append(f"src/{rel}:{lineno}: '{module}' may not include '{header}' "
                                f"({module} may use: {', '.join(sorted(ALLOWED[module])) or 'nothing'})")
    for p in problems:
        print(p)
    if problems:
        print(f"layering check: {len(problems)} problem(s)")
        return 1
    print("layering check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
