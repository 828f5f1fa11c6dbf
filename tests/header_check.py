#!/usr/bin/env python3
"""The header's map stays true (P7 item 3); run by `make test` (make header-check).

1. The CONTENTS list of the top comment names the sections ">>name" in order.
2. The declarations (before `#endif /* WPS_H_INCLUDED */`) carry exactly those section tags, in
   that order, and so does the implementation.
3. Every public declaration of the declarations part (a line starting with WPS_API, or a
   top-level typedef) has a doc comment: walking up from it over the lines of the same
   declaration group (no blank line between), the first line that is not code ends a comment.
Prints what is wrong and exits 1; prints "N passed, 0 failed" otherwise.
"""
import re
import sys
from pathlib import Path

HEADER = Path(__file__).resolve().parent.parent / "wps.h"
TAG = re.compile(r"^/\* =+ >>([a-z]+)  (\d+)\. ")


def main():
    text = HEADER.read_text()
    lines = text.split("\n")
    failures = []
    checks = 0

    # 1. the contents
    top_end = next(i for i, l in enumerate(lines) if l.strip() == "*/")
    contents = []
    after = next((i for i, l in enumerate(lines[:top_end]) if l.strip() == "CONTENTS"), top_end)
    for l in lines[after:top_end]:
        m = re.match(r"^\s+(\d+)\. >>([a-z]+)\s", l)
        if m:
            contents.append((int(m.group(1)), m.group(2)))
    checks += 1
    if not contents or [n for n, _ in contents] != list(range(1, len(contents) + 1)):
        failures.append("CONTENTS: sections must be numbered 1..N, found %s" % contents)

    # 2. tags in declarations and implementation
    end_decl = next(i for i, l in enumerate(lines) if l.startswith("#endif /* WPS_H_INCLUDED */"))
    for part, rng in (("declarations", range(0, end_decl)), ("implementation", range(end_decl, len(lines)))):
        found = []
        for i in rng:
            m = TAG.match(lines[i])
            if m:
                found.append((int(m.group(2)), m.group(1)))
        checks += 1
        if found != contents:
            failures.append("%s: section tags %s differ from CONTENTS %s" % (part, found, contents))

    # 3. every public declaration documented
    undocumented = []
    for i in range(top_end + 1, end_decl):
        l = lines[i]
        if not (l.startswith("WPS_API ") or l.startswith("typedef ")):
            continue
        if l.startswith("WPS_API") and l.startswith("WPS_API static"):
            continue
        checks += 1
        j = i - 1
        documented = False
        while j > top_end:
            prev = lines[j].rstrip()
            if not prev.strip():
                break
            if prev.endswith("*/"):
                documented = True
                break
            j -= 1
        if not documented:
            undocumented.append("wps.h:%d: %s" % (i + 1, l.strip()[:100]))
    failures.extend("undocumented: " + u for u in undocumented)

    for f in failures:
        print("FAIL " + f)
    print("%d passed, %d failed" % (checks - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
