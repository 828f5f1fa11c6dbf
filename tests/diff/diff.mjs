// Differential test: wps.h (through the `wps` CLI) against the official
// @azure/web-pubsub-client 1.1.0 JSON protocols (WebPubSubJsonProtocol and
// WebPubSubJsonReliableProtocol: parseMessages / writeMessage), on corpus/down.txt and
// corpus/up.jsonl, compared semantically as JSON values.
//
// Every difference must be listed in known-differences.json with the reason (the spec or the
// issue says otherwise); a listed entry that no longer differs is an error too (no stale list).
//
// usage: node tests/diff/diff.mjs path/to/wps [--report]
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { WebPubSubJsonProtocol, WebPubSubJsonReliableProtocol } from "@azure/web-pubsub-client";

const here = dirname(fileURLToPath(import.meta.url));
const wps = process.argv[2];
const report = process.argv.includes("--report");
if (!wps) {
  console.error("usage: node diff.mjs path/to/wps [--report]");
  process.exit(2);
}

const downLines = readFileSync(join(here, "corpus", "down.txt"), "utf8").split("\n").filter((l, i, a) => i < a.length - 1 || l !== "");
const upLines = readFileSync(join(here, "corpus", "up.jsonl"), "utf8").split("\n").filter((l, i, a) => i < a.length - 1 || l !== "");
const known = JSON.parse(readFileSync(join(here, "known-differences.json"), "utf8"));

function runWps(args, lines) {
  const out = execFileSync(wps, args, { input: lines.join("\n") + "\n", maxBuffer: 1 << 28 }).toString("utf8");
  const res = out.split("\n");
  res.pop();
  if (res.length !== lines.length) throw new Error(`wps ${args.join(" ")}: ${res.length} output lines for ${lines.length} inputs`);
  return res;
}

// ---- normalisation of the JS side into the rendered shape wps prints
const KIND_FIELDS = {
  ack: ["ackId", "success", "error"],
  groupData: ["group", "fromUserId", "dataType", "data", "sequenceId", "stream"],
  serverData: ["dataType", "data", "sequenceId"],
  connected: ["userId", "connectionId", "reconnectionToken"],
  disconnected: ["message"],
  pong: [],
  invokeResponse: ["invocationId", "success", "error", "dataType", "data"],
  cancelInvocation: ["invocationId"],
  streamAck: ["streamId", "expectedSequenceId"],
  streamNack: ["streamId", "expectedSequenceId", "name", "message"],
  streamClosed: ["streamId", "error"],
  groupStateSnapshot: ["group", "items"],
  groupStateUpdate: ["group", "items"],
};
function pickDefined(obj, keys) {
  const r = {};
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null) r[k] = obj[k];
  return r;
}
function normData(d) {
  if (d instanceof ArrayBuffer) return { $binary: Buffer.from(new Uint8Array(d)).toString("base64") };
  return d;
}
function normJs(m) {
  const fields = KIND_FIELDS[m.kind];
  if (!fields) return { $unknownKind: m.kind };
  const r = { kind: m.kind, ...pickDefined(m, fields) };
  if ("data" in r || (m.data === null && fields.includes("data"))) r.data = normData(m.data);
  if (m.kind === "invokeResponse" && m.dataType == null) delete r.data;
  if (r.error && typeof r.error === "object") {
    const keys = m.kind === "streamEnd" ? ["message", "userErrorCode"] : ["name", "message"];
    r.error = pickDefined(r.error, keys);
  }
  if (r.stream) {
    const s = pickDefined(r.stream, ["streamId", "streamSequenceId", "endOfStream", "error"]);
    if (s.error) s.error = pickDefined(s.error, ["name", "message", "userErrorCode"]);
    r.stream = s;
  }
  return r;
}
function jsDecode(proto, line) {
  let text;
  if (line.startsWith("T ")) text = line.slice(2);
  else if (line.startsWith("B ")) {
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(Buffer.from(line.slice(2), "base64"));
    } catch (e) {
      return { $error: "invalid UTF-8" };
    }
  } else return { $error: "bad line" };
  try {
    const m = proto.parseMessages(text);
    if (m === null) return { $ignored: true };
    return normJs(m);
  } catch (e) {
    return { $error: String(e && e.message) };
  }
}
function outcome(v) {
  if (v && typeof v === "object" && "$error" in v) return "error";
  if (v && typeof v === "object" && "$ignored" in v) return "ignored";
  return "message";
}
function sameDown(ours, theirs) {
  const a = outcome(ours), b = outcome(theirs);
  if (a !== b) return false;
  if (a !== "message") return true;
  return isDeepStrictEqual(ours, theirs);
}

// ---- upstream: the message given to JS's writeMessage
function toJsMessage(o) {
  const m = { ...o };
  if (m.data && typeof m.data === "object" && typeof m.data.$binary === "string") {
    const b = Buffer.from(m.data.$binary, "base64");
    m.data = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }
  return m;
}
function jsEncode(proto, line) {
  let o;
  try {
    o = JSON.parse(line);
  } catch (e) {
    return { $error: "not JSON" };
  }
  try {
    return { frame: JSON.parse(proto.writeMessage(toJsMessage(o))) };
  } catch (e) {
    return { $error: String(e && e.message) };
  }
}
function oursEncoded(line) {
  if (line.startsWith("T ")) return { frame: JSON.parse(line.slice(2)) };
  return JSON.parse(line);
}
function sameUp(ours, theirs) {
  if ("$error" in ours || "$error" in theirs) return "$error" in ours && "$error" in theirs;
  return isDeepStrictEqual(ours.frame, theirs.frame);
}

// ---- run
const protocols = [
  ["json.reliable.webpubsub.azure.v1", WebPubSubJsonReliableProtocol()],
  ["json.webpubsub.azure.v1", WebPubSubJsonProtocol()],
];
const listed = new Map();
for (const e of known.downstream) listed.set("down\u0000" + e.line, e);
for (const e of known.upstream) listed.set("up\u0000" + e.line, e);
const used = new Set();
let passed = 0, failed = 0, intentional = 0;
const unlisted = [];

function judge(dir, protoName, line, equal, detail) {
  const key = dir + "\u0000" + line;
  const entry = listed.get(key);
  const applies = entry && (!entry.protocols || entry.protocols.includes(protoName));
  if (applies) used.add(key);
  if (equal && !applies) return passed++;
  if (!equal && applies) {
    intentional++;
    return passed++;
  }
  failed++;
  if (equal) console.log(`STALE known difference (${dir}, ${protoName}): ${line.slice(0, 160)}`);
  else {
    unlisted.push({ dir, protoName, line, detail });
    if (!report) console.log(`DIFF (${dir}, ${protoName}): ${line.slice(0, 200)}\n  wps: ${detail.ours.slice(0, 300)}\n  js:  ${detail.js.slice(0, 300)}`);
  }
}

for (const [protoName, proto] of protocols) {
  const ours = runWps(["decode", "--protocol", protoName, "--direction", "down"], downLines);
  downLines.forEach((line, i) => {
    const o = JSON.parse(ours[i]);
    const j = jsDecode(proto, line);
    judge("down", protoName, line, sameDown(o, j), { ours: ours[i], js: JSON.stringify(j) });
  });
  const enc = runWps(["encode", "--protocol", protoName, "--direction", "up"], upLines);
  upLines.forEach((line, i) => {
    const o = oursEncoded(enc[i]);
    const j = jsEncode(proto, line);
    judge("up", protoName, line, sameUp(o, j), { ours: enc[i], js: JSON.stringify(j) });
  });
  // our own round trip: every frame we encoded decodes (as upstream) back to the input message
  const frames = enc.map((l, i) => [l, upLines[i]]).filter(([l]) => l.startsWith("T "));
  const back = runWps(["decode", "--protocol", protoName, "--direction", "up"], frames.map(([l]) => l));
  frames.forEach(([, input], i) => {
    const want = JSON.parse(input);
    for (const k of Object.keys(want)) if (want[k] === undefined) delete want[k];
    const got = JSON.parse(back[i]);
    if (isDeepStrictEqual(normRoundTrip(got), normRoundTrip(want))) passed++;
    else {
      failed++;
      console.log(`ROUND TRIP (${protoName}): ${input.slice(0, 200)}\n  got: ${back[i].slice(0, 300)}`);
    }
  });
}
function normRoundTrip(m) {
  // JSON numbers beyond 2^53 compare as JS numbers on both sides; key order does not matter.
  return JSON.parse(JSON.stringify(m));
}

for (const [key, e] of listed) {
  if (!used.has(key)) {
    failed++;
    console.log(`UNUSED known difference: ${e.line.slice(0, 160)}`);
  }
}
if (report && unlisted.length) {
  console.log(JSON.stringify(unlisted.map((u) => ({ dir: u.dir, protocols: [u.protoName], line: u.line, ours: u.detail.ours.slice(0, 200), js: u.detail.js.slice(0, 200) })), null, 1));
}
console.log(`differential: ${downLines.length} downstream frames and ${upLines.length} upstream messages x ${protocols.length} protocols; ${intentional} documented differences`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
