#!/usr/bin/env python3
"""Worst-case stack of wps.h's entry points on Cortex-M4, size build (P6 item 2: <= 1 KB each).

Compiles wps.h (WPS_IMPLEMENTATION, WPS_NO_SERVICE) with arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb
-Os -DNDEBUG -ffunction-sections -fstack-usage -fcallgraph-info=su, reads the call graph GCC writes
(<unit>.ci: one node per function with its frame from -fstack-usage, one edge per call site),
adds any call the object's relocations show that the graph lacks, and computes for wps_decode,
wps_decode_in_place, wps_encode and every wps_client_* function in the build:
    worst(f) = frame(f) + max over callees worst(callee)
On Cortex-M a frame from -fstack-usage includes the pushed registers and the return address (lr),
so the sums are the bytes below the caller's sp.

Recursion: every cycle in the graph must be listed in RECURSION below with its bound and the
reason; its frames are counted that many times. A cycle not listed, or whose reason can no longer
be checked in wps.h, is counted max_depth times (WPS_DEFAULT_MAX_DEPTH, what wps_codec_make and
so the client use) and flagged. Indirect calls (the trace callback) and the libc functions count
as external: libc with newlib-nano's frames read from its disassembly (0 if it cannot be read),
the callback with 0 (its stack is the application's, on top of the figure). A frame marked
dynamic by -fstack-usage (alloca, VLA) is flagged.

Prints a table (entry point, worst-case bytes, verdict against 1024 B, deepest path, notes).
Exit status 0, unless STACK_ENFORCE=1 and an entry point is over the limit or unbounded (1), or
the tools fail (2). STACK_HEADER=path measures another copy of wps.h (to try a change).
"""
import collections
import os
import re
import subprocess
import sys

LIMIT = 1024
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
HEADER = os.path.abspath(os.environ.get("STACK_HEADER", os.path.join(ROOT, "wps.h")))
OUT = os.path.join(ROOT, "build", "size", "stack")
CC = "arm-none-eabi-gcc"
ARCH = ["-mcpu=cortex-m4", "-mthumb"]
CFLAGS = ARCH + ["-Os", "-DNDEBUG", "-ffunction-sections", "-std=c99", "-fstack-usage", "-fcallgraph-info=su"]
CODEC_ENTRIES = ["wps_decode", "wps_decode_in_place", "wps_encode"]
LIBC = ["memcpy", "memmove", "memset", "memcmp"]
INDIRECT = "__indirect_call"


def source_of(text, name):
    """The body of the function `name` in wps.h (from its definition to the closing brace at
    column 0), whitespace-normalised; '' when not found."""
    m = re.search(r"^[^\n;]*\b" + re.escape(name) + r"\([^;{]*\)\s*\{", text, re.M)
    if not m:
        return ""
    end = text.find("\n}", m.end())
    return " ".join(text[m.start():end + 2].split()) if end >= 0 else ""


def scan_object_bound(text, max_depth):
    """wps__scan_object recurses only into an object member whose slot wps__child_ctx maps to a
    context: "error" (top level), "stream" (top level) and "error" inside "stream"; any other
    container is skipped by the iterative wps__skip_value. So the deepest chain is
    top -> stream -> stream.error: 3 activations, and fewer when max_depth stops it (the depth check
    is at the callee's entry, after its frame is pushed: max_depth + 1 activations at most).
    Returns (activations, verified); verified is False when wps__child_ctx no longer has the
    three mappings this reasoning rests on."""
    body = source_of(text, "wps__child_ctx")
    pairs = set(re.findall(r"if \(slot == (WPS__K_\w+)\) return (WPS__CTX_\w+);", body))
    expected = {("WPS__K_ERROR", "WPS__CTX_ERROR"), ("WPS__K_STREAM", "WPS__CTX_STREAM"),
                ("WPS__K_STR_ERROR", "WPS__CTX_STREAM_ERROR")}
    ctx_slot = source_of(text, "wps__ctx_slot")
    # WPS__K_STR_ERROR is produced only in the stream context, the others only at the top level
    ok = (pairs == expected and body.count("return") == 4
          and "case WPS__K_ERROR: return WPS__K_STR_ERROR;" in ctx_slot)
    if not ok:
        return max_depth + 1, False
    return min(3, max_depth + 1), True


# cycle (frozenset of functions) -> (bound function(text, max_depth) -> (n, verified), reason)
RECURSION = {
    frozenset(["wps__scan_object"]): (
        scan_object_bound,
        "recursion wps__scan_object: only into the known nested objects (error, stream, "
        "stream.error), other nesting is iterative (wps__skip_value)"),
}


def run(cmd, **kw):
    try:
        return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, **kw).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        err = getattr(e, "stderr", "") or str(e)
        print("stack.py: %s failed: %s" % (cmd[0], err.strip()[:2000]))
        sys.exit(2)


def parse_ci(path):
    """nodes: name -> (bytes, qualifier, location) for the functions defined here; externals:
    set of names without a frame (libc, the indirect-call placeholder); edges: name -> set."""
    nodes, externals, edges = {}, set(), collections.defaultdict(set)

    def name(title):  # static functions are "unit.c:name"
        return title.split(":", 1)[1] if ":" in title else title

    for line in open(path):
        m = re.match(r'node: \{ title: "([^"]*)" label: "([^"]*)"', line)
        if m:
            label = m.group(2).split("\\n")
            f = re.match(r"(\d+) bytes \(([^)]*)\)", label[-1])
            if f:
                nodes[name(m.group(1))] = (int(f.group(1)), f.group(2), label[1] if len(label) > 2 else "")
            else:
                externals.add(name(m.group(1)))
            continue
        m = re.match(r'edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"', line)
        if m:
            edges[name(m.group(1))].add(name(m.group(2)))
    return nodes, externals, edges


def reloc_calls(obj):
    """Calls and tail calls the object's relocations show: function -> set of callees."""
    calls = collections.defaultdict(set)
    section = None
    for line in run(["arm-none-eabi-objdump", "-r", obj]).splitlines():
        m = re.match(r"RELOCATION RECORDS FOR \[(?:\.rel)?\.text\.([^\]]+)\]", line)
        if m:
            section = m.group(1)
            continue
        if line.startswith("RELOCATION RECORDS"):
            section = None
            continue
        m = re.match(r"[0-9a-f]+ (R_ARM_THM_CALL|R_ARM_THM_JUMP24|R_ARM_THM_JUMP19|R_ARM_CALL|R_ARM_JUMP24)\s+(\S+)", line)
        if section and m:
            target = m.group(2)
            if target.startswith(".text."):
                target = target[len(".text."):]
            target = target.split("+")[0]
            calls[section].add(target)
    return calls


def libc_frames():
    """Bytes newlib-nano's mem* push on this core (they call nothing), read from libc_nano.a."""
    frames = {f: 0 for f in LIBC}
    lib = subprocess.run([CC] + ARCH + ["--specs=nano.specs", "-print-file-name=libc_nano.a"],
                         stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    if not os.path.isfile(lib):
        return frames, False
    dis = subprocess.run(["arm-none-eabi-objdump", "-d", lib], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, universal_newlines=True).stdout
    cur = None
    for line in dis.splitlines():
        m = re.match(r"[0-9a-f]+ <(\w+)>:", line)
        if m:
            cur = m.group(1) if m.group(1) in frames else None
            continue
        if not cur:
            continue
        m = re.search(r"\t(push|stmdb\s+sp!,|vpush)\s*\{([^}]*)\}", line)
        if m:
            regs = [r for r in m.group(2).split(",") if r.strip()]
            size = 0
            for r in regs:  # ranges like r4-r7 or d8-d9
                r = r.strip()
                a = re.match(r"([a-z]+)(\d+)-[a-z]+(\d+)", r)
                n = int(a.group(3)) - int(a.group(2)) + 1 if a else 1
                size += n * (8 if r.startswith("d") else 4)
            frames[cur] += size
        m = re.search(r"\tsubw?\s+sp,\s*(?:sp,\s*)?#(\d+)", line)
        if m:
            frames[cur] += int(m.group(1))
    return frames, True


def sccs(names, edges):
    """Tarjan, iterative: list of components (lists), callees before callers."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in names:
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in names:
                    continue
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
    return out


class Graph:
    def __init__(self, nodes, externals, edges, ext_frames, text):
        self.nodes, self.externals, self.edges, self.ext_frames, self.text = nodes, externals, edges, ext_frames, text
        self.comps = sccs(set(nodes), edges)
        self.comp_of = {f: i for i, c in enumerate(self.comps) for f in c}

    def frame(self, f):
        if f in self.nodes:
            return self.nodes[f][0]
        return self.ext_frames.get(f, 0)

    def analyse(self, max_depth):
        """worst[f], path[f] (list of (function, bytes, times)), notes per component."""
        worst, path, cyc_notes = {}, {}, {}
        for ci, comp in enumerate(self.comps):  # callees first
            members = set(comp)
            recursive = len(comp) > 1 or comp[0] in self.edges.get(comp[0], ())
            # the best way out of the component, from each member
            for f in comp:
                best, best_path = 0, []
                for g in self.edges.get(f, ()):
                    if g in members:
                        continue
                    if g in worst:
                        w, p = worst[g], path[g]
                    else:  # external: libc or the indirect call
                        w, p = self.frame(g), [(g, self.frame(g), 1)]
                    if w > best or (w == best and not best_path):
                        best, best_path = w, p
                worst[f], path[f] = self.frame(f) + best, [(f, self.frame(f), 1)] + best_path
            if not recursive:
                continue
            key = frozenset(comp)
            if key in RECURSION:
                bound_fn, reason = RECURSION[key]
                n, verified = bound_fn(self.text, max_depth)
                note = "%s; x%d" % (reason, n) if verified else \
                    "recursion %s: bound UNVERIFIED (wps.h changed), counted max_depth+1 = %d times" % ("/".join(sorted(comp)), n)
            else:
                n, verified = max_depth + 1, False
                note = "UNLISTED recursion %s: counted max_depth+1 = %d times" % ("/".join(sorted(comp)), n)
            # n activations of the cycle: n-1 full rounds of its frames, then the way out
            cycle = sum(self.frame(f) for f in comp)
            for f in comp:
                worst[f] += (n - 1) * cycle
                path[f] = [(f, self.frame(f), n)] + path[f][1:] if len(comp) == 1 else \
                    [("{" + ",".join(sorted(comp)) + "}", cycle, n - 1)] + path[f]
            cyc_notes[ci] = (note, verified)
        return worst, path, cyc_notes

    def reachable(self, f):
        seen, todo = set(), [f]
        while todo:
            v = todo.pop()
            if v in seen:
                continue
            seen.add(v)
            todo.extend(self.edges.get(v, ()))
        return seen


def fmt_path(p):
    out = []
    for f, b, n in p:
        out.append("%s %d%s" % (f, b, " x%d" % n if n > 1 else ""))
    return " > ".join(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    unit = os.path.join(OUT, "unit.c")
    obj = os.path.join(OUT, "unit.o")
    with open(unit, "w") as fh:
        fh.write('#define WPS_IMPLEMENTATION\n#define WPS_NO_SERVICE\n#include "%s"\n' % HEADER)
    for stale in ("unit.ci", "unit.su"):
        if os.path.exists(os.path.join(OUT, stale)):
            os.remove(os.path.join(OUT, stale))
    run([CC] + CFLAGS + ["-c", "unit.c", "-o", "unit.o"], cwd=OUT)
    ci = os.path.join(OUT, "unit.ci")
    if not os.path.isfile(ci):
        print("stack.py: %s wrote no call graph (needs GCC >= 10 for -fcallgraph-info)" % CC)
        sys.exit(2)
    text = open(HEADER).read()
    nodes, externals, edges = parse_ci(ci)

    # calls the relocations show that the graph lacks (compiler-generated helpers)
    added = []
    for f, callees in reloc_calls(obj).items():
        for g in callees:
            if f in nodes and g not in edges[f]:
                edges[f].add(g)
                if g not in nodes:
                    externals.add(g)
                added.append("%s -> %s" % (f, g))
    ext_frames, libc_ok = libc_frames()
    g = Graph(nodes, externals, edges, ext_frames, text)

    declared = sorted(set(re.findall(r"^WPS_API[^;{]*?\b(wps_client_\w+)\s*\(", text, re.M)))
    entries = [e for e in CODEC_ENTRIES if e in nodes] + sorted(f for f in nodes if f.startswith("wps_client_"))
    missing = [e for e in CODEC_ENTRIES if e not in nodes]
    not_built = [d for d in declared if d not in nodes]
    dynamic = sorted(f for f, (_, q, _) in nodes.items() if q != "static")

    default_depth = int(re.search(r"#define WPS_DEFAULT_MAX_DEPTH (\d+)", text).group(1))
    worst, path, cyc = g.analyse(default_depth)
    worst1, _, _ = g.analyse(1)

    fail = bool(missing)
    print("worst-case stack, Cortex-M4, size build (-Os, WPS_SMALL), WPS_NO_SERVICE; limit %d B (P6 item 2)" % LIMIT)
    print("method: gcc -fstack-usage frames summed over the -fcallgraph-info call graph (every call site, taken or not)")
    print("max_depth %d (wps_codec_make's, which the client uses and cannot change); the recursion stops at 3 levels" % default_depth)
    print("whatever max_depth >= 2 (3 is the least the protocol needs: stream.error), so only max_depth 1 differs")
    print()
    print("%-30s %6s %-8s %s" % ("entry point", "bytes", "<=%d" % LIMIT, "deepest path (function frame, xN = N activations) / notes"))
    for e in entries:
        reach = g.reachable(e)
        notes = []
        for ci_, (note, verified) in cyc.items():
            if reach & set(g.comps[ci_]):
                notes.append(note)
                if not verified:
                    fail = True
        if INDIRECT in reach:
            notes.append("+ the trace callback (indirect call, the application's stack)")
        dyn = [f for f in dynamic if f in reach]
        if dyn:
            notes.append("DYNAMIC frame: " + ", ".join(dyn))
            fail = True
        if worst1[e] != worst[e]:
            notes.append("%d B with max_depth 1" % worst1[e])
        ok = worst[e] <= LIMIT
        if not ok:
            fail = True
        print("%-30s %6d %-8s %s" % (e, worst[e], "met" if ok else "NOT met", fmt_path(path[e])))
        for n in notes:
            print("%-46s %s" % ("", n))
    over = [e for e in entries if worst[e] > LIMIT]
    print()
    big = sorted(nodes.items(), key=lambda kv: -kv[1][0])[:8]
    print("largest frames: " + ", ".join("%s %d" % (f, v[0]) for f, v in big))
    print("external: %s (newlib-nano frames%s); indirect calls: %s" % (
        ", ".join("%s %d" % (f, ext_frames.get(f, 0)) for f in LIBC if f in externals),
        "" if libc_ok else " unreadable, counted 0",
        ", ".join(sorted(f for f in nodes if INDIRECT in edges.get(f, ()))) or "none"))
    if dynamic:
        print("dynamic frames: " + ", ".join(dynamic))
    if added:
        print("calls seen only in the relocations (added): " + ", ".join(sorted(added)))
    if missing:
        print("MISSING from the build: " + ", ".join(missing))
    if not_built:
        print("not in this build (WPS_NO_SERVICE): " + ", ".join(not_built))
    print("verdict: %d of %d entry points <= %d B%s" % (
        len(entries) - len(over), len(entries), LIMIT,
        "" if not over else "; over: " + ", ".join("%s %d" % (e, worst[e]) for e in over)))
    if os.environ.get("STACK_ENFORCE") == "1" and fail:
        print("stack target missed")
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
