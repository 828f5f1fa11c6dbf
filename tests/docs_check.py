#!/usr/bin/env python3
"""The documentation explains itself from a clone (P7 item 1); run by `make unit`.

1. No tracked file names a place outside the repository: no "../shared", "shared/spec", or a
   relative path that climbs out of the repository.
2. Every relative Markdown link ([text](path) or [key]: path) of every tracked .md file points
   to a file or directory of the repository, and its #anchor, when it has one and the target is
   a Markdown file, to a heading of that file.
Prints what is wrong and exits 1; prints "N passed, 0 failed" otherwise.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tracked():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [f for f in out.split("\n") if f and os.path.exists(os.path.join(ROOT, f))]


def anchors_of(path):
    """GitHub-style anchors of the headings of a Markdown file."""
    result = set()
    in_code = False
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("```"):
                in_code = not in_code
            m = None if in_code else re.match(r"^#{1,6} (.*)", line)
            if m:
                text = m.group(1).strip().lower()
                text = re.sub(r"[^\w\- ]", "", text)
                result.add(text.replace(" ", "-"))
    return result


def main():
    files = tracked()
    failures = []
    checks = 0
    outside = re.compile(r"\.\./shared|shared/spec/|\.\./\.\./\.\./")
    for f in files:
        if f.startswith("fuzz/corpus/") or f.endswith((".json", ".png")) or "node_modules" in f:
            continue
        try:
            text = open(os.path.join(ROOT, f), encoding="utf-8").read()
        except (UnicodeDecodeError, IsADirectoryError):
            continue
        checks += 1
        for i, line in enumerate(text.split("\n"), 1):
            if outside.search(line) and f != "tests/docs_check.py":
                failures.append("%s:%d: refers outside the repository: %s" % (f, i, line.strip()[:100]))
        if not f.endswith(".md"):
            continue
        base = os.path.dirname(os.path.join(ROOT, f))
        in_code = False
        for i, line in enumerate(text.split("\n"), 1):
            if line.startswith("```"):
                in_code = not in_code
            if in_code:
                continue
            targets = re.findall(r"\]\(([^)\s]+)\)", line) + re.findall(r"^\[[^\]]+\]:\s*(\S+)", line)
            for t in targets:
                if re.match(r"^[a-z]+:", t) or t.startswith("#") and not t[1:]:
                    continue
                checks += 1
                path, _, anchor = t.partition("#")
                full = os.path.normpath(os.path.join(base, path)) if path else os.path.join(ROOT, f)
                if not full.startswith(ROOT) or not os.path.exists(full):
                    failures.append("%s:%d: link to a missing file: %s" % (f, i, t))
                elif anchor and full.endswith(".md") and anchor.lower() not in anchors_of(full):
                    failures.append("%s:%d: link to a missing heading: %s" % (f, i, t))
    for x in failures:
        print("FAIL " + x)
    print("%d passed, %d failed" % (checks - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
