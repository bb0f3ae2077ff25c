#!/usr/bin/env python3
"""Fails when a tracked file is a copy of a real sample from ../shared.

The samples under ../shared/data and ../shared/models come from other public projects: tests
and the demo read them from there, and the repository must not carry them. A tracked file is a
copy when it equals a sample byte for byte, or starts with the same 4 KB as one (a truncated or
appended-to copy). The seed page (shared/data/seed-page/) is this project's own and exempt.

    check-shared-copies.py [REPO [SHARED]]

REPO defaults to this script's repository; SHARED to $PAPERBOY_SHARED_DIR, else REPO/../shared.
Exits 77 (skipped) when SHARED has neither data/ nor models/.
"""
import hashlib
import os
import pathlib
import subprocess
import sys

PREFIX = 4096
SAMPLE_DIRS = ("data", "models")
EXEMPT = ("data/seed-page/",)  # ours: it may be copied


def samples(shared):
    """(sha256 of whole file -> path, first 4 KB -> path) over every sample file."""
    whole, prefix = {}, {}
    for top in SAMPLE_DIRS:
        for path in sorted((shared / top).rglob("*")):
            rel = path.relative_to(shared).as_posix()
            if not path.is_file() or rel.startswith(EXEMPT):
                continue
            data = path.read_bytes()
            whole.setdefault(hashlib.sha256(data).hexdigest(), rel)
            if len(data) >= PREFIX:
                prefix.setdefault(data[:PREFIX], rel)
    return whole, prefix


def tracked_files(repo):
    out = subprocess.run(["git", "-C", str(repo), "ls-files", "-z"], check=True,
                         capture_output=True).stdout
    return [f for f in out.decode().split("\0") if f]


def main():
    repo = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                        pathlib.Path(__file__).resolve().parent.parent)
    if len(sys.argv) > 2:
        shared = pathlib.Path(sys.argv[2])
    elif os.environ.get("PAPERBOY_SHARED_DIR"):
        shared = pathlib.Path(os.environ["PAPERBOY_SHARED_DIR"])
    else:
        shared = repo.resolve().parent / "shared"
    if not any((shared / top).is_dir() for top in SAMPLE_DIRS):
        reason = f"check-shared-copies: skipped: {shared} has no data/ or models/"
        print(reason)
        if os.environ.get("PAPERBOY_SKIP_LOG"):
            with open(os.environ["PAPERBOY_SKIP_LOG"], "a", encoding="utf-8") as log:
                log.write(reason + "\n")
        return 77

    whole, prefix = samples(shared)
    copies = []
    for name in tracked_files(repo):
        path = repo / name
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        same = whole.get(hashlib.sha256(data).hexdigest())
        if same:
            copies.append(f"{name}: equals {shared.name}/{same}")
        elif len(data) >= PREFIX and data[:PREFIX] in prefix:
            copies.append(f"{name}: starts with the first 4 KB of {shared.name}/"
                          f"{prefix[data[:PREFIX]]}")
    for line in copies:
        print(line)
    if copies:
        print(f"check-shared-copies: {len(copies)} tracked file(s) copy samples from {shared}; "
              "read them from there instead (tests/support/shared_data.h)")
        return 1
    print(f"check-shared-copies: no tracked file copies a sample of {shared}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
