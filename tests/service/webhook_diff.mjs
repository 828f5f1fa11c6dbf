// The webhook side of wps (`wps webhook request|verify|response`) against the official
// @azure/web-pubsub-express 1.1.0 WebPubSubEventHandler. Ends "N passed, N failed".
//   node tests/service/webhook_diff.mjs path/to/wps [--show]
//   node tests/service/webhook_diff.mjs --js [--show]     (self-check of the express side only)
//
// For each case of the table below:
//   1. `wps webhook request ...` builds the CloudEvents request (docs/service-rules.md 4.1); its bytes are
//      checked header by header, then sent as they are over a TCP socket to a plain http server
//      running the express handler's middleware;
//   2. the handler must accept it (be called with the connection id, user, hub, event name, body
//      fields, data ... that the request carries) and answers as the case says (res.success,
//      res.fail, res.failWith); the raw response bytes are checked against what express is known to
//      send (status, Content-Type, body);
//   3. those raw response bytes go into `wps webhook response --event E`, whose JSON must say what
//      the handler answered;
//   4. the request goes into `wps webhook verify` with the right key (one JSON line with the same
//      fields the handler saw) and with a wrong key (`reject 401 ...`).
// Some cases alter the built request (a missing header, a tampered connection id, ...) to show
// where express and wps differ on purpose: express never checks ce-signature nor the origin of a
// POST and lets unknown requests fall through (404 here), wps rejects with 401/400.
// --js replaces `wps webhook request` by a JS builder of the same request and skips the wps
// steps: it proves the harness and the expectations about express before wps exists.
// --show prints the raw responses and wps outputs.
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import http from "node:http";
import net from "node:net";
import { counter, until, requirePinned, cli } from "../util.mjs";

const require = requirePinned;
const { WebPubSubEventHandler } = require("@azure/web-pubsub-express");

const args = cli();
const jsOnly = args.has("--js");
const show = args.has("--show");
const wps = args.wps;
const c = counter();

// Keys: KEY and the vector #1 connection id give docs/service-rules.md 6 vector #1.
const KEY = "7aab239577fd4f24bc919802fb629f5f";
const KEY2 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const WRONG = "00000000000000000000000000000000";
const VEC1_CONN = "0f9c97a2f0bf4706afe87a14e0797b11";
const VEC1_SIG = "sha256=7767effcb3946f3e1de039df4b986ef02c110b1469d02c0a06f41b3b727ab561";
const ORIGIN = "my-host.webpubsub.net";
const H1_PATH = "/eventhandler/"; // hub1's handler path; hub2 uses the default /api/webpubsub/hubs/hub2/

const sig = (keys, connId) => keys.map((k) => "sha256=" + createHmac("sha256", k).update(connId).digest("hex")).join(",");
const b64json = (o) => Buffer.from(JSON.stringify(o)).toString("base64");

// ---------------------------------------------------------------- small helpers
// Canonical JSON (sorted keys) for deep comparison.
const canon = (v) =>
  Array.isArray(v) ? `[${v.map(canon).join(",")}]`
  : v && typeof v === "object" ? `{${Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(",")}}`
  : JSON.stringify(v);
const same = (a, b) => canon(a) === canon(b);
// Absent, null, "", [] and {} all mean "nothing" at the top level of a JSON answer: wps may print
// an empty field that express leaves out, or the other way round.
const isEmpty = (v) => v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length) ||
  (typeof v === "object" && !Array.isArray(v) && v && !Object.keys(v).length);
const prune = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => !isEmpty(v)));

// Splits raw HTTP bytes into the start line, headers (lowercased name → array of values) and body.
function parseHttp(buf) {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    const k = l.slice(0, i).trim().toLowerCase();
    (headers[k] ||= []).push(l.slice(i + 1).trim());
  }
  return { start: lines[0], headers, body: buf.subarray(end + 4), head: buf.subarray(0, end).toString("latin1") };
}
const hdr = (p, name) => p.headers[name.toLowerCase()]?.[0];

// Rewrites the header block of a raw request (for the tampered cases).
function mutateHeaders(raw, fn) {
  const end = raw.indexOf("\r\n\r\n");
  const lines = raw.subarray(0, end).toString("latin1").split("\r\n");
  const out = [lines[0], ...fn(lines.slice(1))].join("\r\n");
  return Buffer.concat([Buffer.from(out, "latin1"), raw.subarray(end)]);
}
const dropHeader = (name) => (raw) => mutateHeaders(raw, (ls) => ls.filter((l) => !l.toLowerCase().startsWith(name.toLowerCase() + ":")));
const editHeader = (name, f) => (raw) =>
  mutateHeaders(raw, (ls) => ls.map((l) => (l.toLowerCase().startsWith(name.toLowerCase() + ":") ? `${l.slice(0, l.indexOf(":"))}: ${f(l.slice(l.indexOf(":") + 1).trim())}` : l)));

// Sends raw bytes on a fresh TCP connection and returns the raw response once complete
// (Content-Length or chunked), without closing our side first: node's http server drops a
// request whose socket is half-closed.
function send(port, raw) {
  return new Promise((resolve) => {
    const chunks = [];
    const sock = net.connect(port, "127.0.0.1", () => sock.write(raw));
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(finish, 3000);
    sock.on("data", (d) => {
      chunks.push(d);
      const p = parseHttp(Buffer.concat(chunks));
      if (!p) return;
      const len = hdr(p, "content-length");
      if (len !== undefined ? p.body.length >= +len : /chunked/i.test(hdr(p, "transfer-encoding") || "") && p.body.includes("0\r\n\r\n")) finish();
    });
    sock.on("error", finish);
    sock.on("close", finish);
  });
}

// Runs wps; returns {out} or {err} (the exit status and stderr, counted as a failure by callers).
function runWps(args, input) {
  const r = spawnSync(wps, args, { input, maxBuffer: 1 << 24 });
  if (r.error || r.status !== 0)
    return { err: `wps ${args.map((a) => JSON.stringify(a)).join(" ")}: ${r.error ? r.error.message : `exit ${r.status}`}: ${(r.stderr || "").toString().trim() || (r.stdout || "").toString().trim().slice(0, 300)}` };
  return { out: r.stdout };
}

// ---------------------------------------------------------------- the express side
// One handler per hub: hub1 at H1_PATH with an allow list (preflight answers that host), hub2 at
// the default path with none (preflight answers "*"). The current case decides how the blocking
// handlers answer; `seen` records what the handler got, `answer` what it answered.
let current = null;
let seen = null;
let answer = null;
let lastReq = null;
const handlerOptions = {
  handleConnect(req, res) {
    seen = { kind: "connect", req, states: snapshot(req.context.states) };
    current.answer(req, recording(res));
  },
  handleUserEvent(req, res) {
    seen = { kind: "user", req, states: snapshot(req.context.states) };
    current.answer(req, recording(res));
  },
  onConnected(req) {
    seen = { kind: "connected", req, states: req.context.states };
  },
  onDisconnected(req) {
    seen = { kind: "disconnected", req, states: req.context.states };
  },
};
// The handler gets context.states as a live object that res.setState then modifies: keep a copy.
const snapshot = (states) => JSON.parse(JSON.stringify(states));
// Wraps the response handler to record the call that answers (setState is recorded too).
function recording(res) {
  const r = {};
  for (const m of ["setState", "success", "fail", "failWith"])
    r[m] = (...a) => {
      if (m === "setState") (answer ||= { states: {} }).states[a[0]] = a[1];
      else answer = { ...answer, method: m, args: a };
      return res[m](...a);
    };
  return r;
}
const h1 = new WebPubSubEventHandler("hub1", { path: H1_PATH, allowedEndpoints: [`https://${ORIGIN}`], ...handlerOptions });
const h2 = new WebPubSubEventHandler("hub2", handlerOptions);
const m1 = h1.getMiddleware();
const m2 = h2.getMiddleware();

// A plain http server standing in for express: the middleware reads req.baseUrl + req.path
// (express properties, undefined on a bare IncomingMessage), so they are set here. What falls
// through both middlewares gets 404 "fell through"; an exception passed to next() gets 500.
const server = http.createServer((req, res) => {
  lastReq = { method: req.method, url: req.url, headers: req.headers };
  req.baseUrl = "";
  req.path = new URL(req.url, "http://x").pathname;
  const last = (err) => {
    if (res.headersSent) return; // connected/disconnected answer before reading the body
    res.statusCode = err ? 500 : 404;
    res.end(err ? `error: ${err.message}` : "fell through");
  };
  m1(req, res, (err) => (err ? last(err) : m2(req, res, last)));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const port = server.address().port;

// ---------------------------------------------------------------- JS request builder (--js)
// The request the service sends (docs/service-rules.md 4.1), built from the same case fields as the wps
// command line. Only used for the self-check.
function buildJs(k) {
  const hub = k.hub, path = k.path ?? `/api/webpubsub/hubs/${hub}/`;
  const sys = ["connect", "connected", "disconnected"].includes(k.event);
  const body = Buffer.isBuffer(k.body) ? k.body : Buffer.from(k.body ?? "");
  const h = [];
  if (k.method === "OPTIONS") {
    h.push(`OPTIONS ${path} HTTP/1.1`, `Host: localhost`, `WebHook-Request-Origin: ${k.origin}`, `ce-awpsversion: 1.0`, "", "");
    return Buffer.from(h.join("\r\n"));
  }
  h.push(`POST ${path} HTTP/1.1`, `Host: localhost`, `ce-specversion: 1.0`,
    `ce-type: azure.webpubsub.${sys ? "sys" : "user"}.${k.event}`, `ce-source: /hubs/${hub}/client/${k.conn}`,
    `ce-id: ${k.id ?? "1"}`, `ce-time: ${k.time ?? new Date().toISOString()}`, `ce-awpsversion: 1.0`,
    `ce-signature: ${sig(k.keys, k.conn)}`);
  if (k.user !== undefined) h.push(`ce-userId: ${k.user}`);
  h.push(`ce-connectionId: ${k.conn}`, `ce-hub: ${hub}`, `ce-eventName: ${k.event}`);
  if (k.subprotocol) h.push(`ce-subprotocol: ${k.subprotocol}`);
  if (k.physId) h.push(`ce-physicalConnectionId: ${k.physId}`);
  if (k.state) h.push(`ce-connectionState: ${k.state}`);
  h.push(`WebHook-Request-Origin: ${k.origin}`, `Content-Type: ${k.contentType ?? "application/json; charset=utf-8"}`,
    `Content-Length: ${body.length}`, "", "");
  return Buffer.concat([Buffer.from(h.join("\r\n")), body]);
}

// The `wps webhook request` command line for a case.
let tmp = null;
function requestArgs(k) {
  const a = ["webhook", "request"];
  for (const key of k.keys) a.push("--key", key);
  a.push("--hub", k.hub, "--event", k.event, "--connection-id", k.conn, "--origin", k.origin);
  if (k.method) a.push("--method", k.method);
  if (k.path) a.push("--path", k.path);
  if (k.user !== undefined) a.push("--user", k.user);
  if (k.subprotocol) a.push("--subprotocol", k.subprotocol);
  if (k.physId) a.push("--mqtt-physical-id", k.physId);
  if (k.state) a.push("--connection-state", k.state);
  if (k.contentType) a.push("--content-type", k.contentType);
  if (k.id) a.push("--id", k.id);
  if (k.time) a.push("--time", k.time);
  if (Buffer.isBuffer(k.body)) {
    tmp ||= mkdtempSync(join(tmpdir(), "wps-webhook-"));
    const f = join(tmp, "body.bin");
    writeFileSync(f, k.body);
    a.push("--body-file", f);
  } else if (k.body !== undefined) a.push("--body", k.body);
  return a;
}

// ---------------------------------------------------------------- the cases
// Case fields: name, event, hub (default hub1), conn, user, subprotocol, physId, state (base64),
// contentType, body (string or Buffer), id, time, keys (default [KEY]), path (default H1_PATH for
// hub1; null = let wps use its default), origin (default ORIGIN), answer(req, res) for blocking
// events, mutate(raw) to alter the built request, expressFallsThrough, verifyKeys / verifyHub /
// verifyOrigin (what `wps webhook verify` is given instead of keys[0], the hub, ORIGIN),
// verify: "accept" | "reject 400" | "reject 401" (default accept), method "OPTIONS".
const connectBody = (extra = {}) => JSON.stringify({
  claims: { sub: ["user1"], role: ["webpubsub.joinLeaveGroup"], "http://schemas.microsoft.com/ws/2008/06/identity/claims/role": ["webpubsub.joinLeaveGroup"] },
  query: { access_token: ["eyJhbGciOiJIUzI1NiJ9.e30.x"], lang: ["en", "fr"] },
  headers: { Host: ["my-host.webpubsub.net"], "User-Agent": ["test/1.0"] },
  subprotocols: [],
  clientCertificates: [],
  ...extra,
});
const mqttConnect = (version, extra = {}) => ({
  event: "connect", subprotocol: "mqtt", physId: "phys-1", conn: "mqtt-client-1", user: undefined,
  body: JSON.stringify({
    claims: {}, query: {}, headers: {}, subprotocols: ["mqtt"], clientCertificates: [],
    mqtt: { protocolVersion: version, username: "name", password: "cGFzcw==", userProperties: [{ name: "a", value: "b" }] },
  }),
  ...extra,
});
const binBytes = Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x80, 0x0d, 0x0a, 0x22, 0x5c]);

const cases = [
  // ---- connect
  { name: "connect, plain, 204", event: "connect", conn: "conn-plain", user: "user1", body: connectBody(),
    answer: (req, res) => res.success() },
  { name: "connect, subprotocols, one chosen", event: "connect", conn: "conn-sub", user: "user1", id: "evt-42", time: "2021-01-01T00:00:00Z",
    body: connectBody({ subprotocols: ["json.webpubsub.azure.v1", "protocol2"] }),
    answer: (req, res) => res.success({ subprotocol: "protocol2" }) },
  { name: "connect, roles and groups", event: "connect", conn: "conn-roles", user: "bob", body: connectBody(),
    answer: (req, res) => res.success({ userId: "bob", groups: ["g1", "g 2"], roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup.g1"] }) },
  { name: "connect, anonymous, handler sets the user", event: "connect", conn: "conn-anon",
    body: connectBody({ claims: {}, clientCertificates: [{ thumbprint: "0123456789abcdef0123456789abcdef01234567", content: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" }] }),
    answer: (req, res) => res.success({ userId: "alice" }) },
  { name: "connect, connection state in and out", event: "connect", conn: "conn-state", user: "u", state: b64json({ counter: 1, name: "x" }),
    body: connectBody(), answer: (req, res) => (res.setState("counter", 2), res.success({ userId: "u" })) },
  { name: "connect, rejected 401", event: "connect", conn: "conn-401", user: "mallory", body: connectBody(),
    answer: (req, res) => res.fail(401, "not allowed") },
  { name: "connect, rejected 500 without detail", event: "connect", conn: "conn-500", user: "u", body: connectBody(),
    answer: (req, res) => res.fail(500) },
  { name: "connect, no --path: wps's default path", event: "connect", hub: "hub2", path: null, conn: "conn-hub2", user: "u2", body: connectBody(),
    answer: (req, res) => res.success({ userId: "u2" }) },
  { name: "connect, hub spelled HUB1 (case-insensitive)", event: "connect", hub: "HUB1", conn: "conn-HUB", user: "u", body: connectBody(),
    answer: (req, res) => res.success({ userId: "u" }) },
  // ---- MQTT connect (spec vectors #9 and #10)
  { name: "mqtt connect v5, success (vector #10)", ...mqttConnect(5),
    answer: (req, res) => res.success({ mqtt: { userProperties: [{ name: "a", value: "b" }] }, userId: "userId", groups: ["group1", "group2"], subprotocol: "mqtt", roles: ["webpubsub.joinLeaveGroup"] }) },
  { name: "mqtt connect v3.1.1, fail(401) -> code 5", ...mqttConnect(4), answer: (req, res) => res.fail(401, "error message") },
  { name: "mqtt connect v5, fail(401) -> code 135", ...mqttConnect(5), answer: (req, res) => res.fail(401, "error message") },
  { name: "mqtt connect v3.1.1, fail(400) -> code 4", ...mqttConnect(4), answer: (req, res) => res.fail(400, "error message") },
  { name: "mqtt connect v5, fail(400) -> code 134", ...mqttConnect(5), answer: (req, res) => res.fail(400, "error message") },
  { name: "mqtt connect v5, fail(500) -> code 128", ...mqttConnect(5), answer: (req, res) => res.fail(500) },
  ...[[4, 5], [5, 135], [4, 4], [5, 134]].map(([v, code]) => ({
    name: `mqtt connect v${v}, failWith code ${code} (vector #9)`, ...mqttConnect(v),
    answer: (req, res) => res.failWith({ mqtt: { code, reason: "error message", userProperties: [{ name: "a", value: "b" }] } }) })),
  { name: "mqtt connect v5, failWith code 138 banned -> 403", ...mqttConnect(5),
    answer: (req, res) => res.failWith({ mqtt: { code: 138, reason: "banned" } }) },
  // ---- connected / disconnected (non-blocking: express answers before the handler runs)
  { name: "connected (vector #1 connection id)", event: "connected", conn: VEC1_CONN, user: "user1", body: "{}" },
  { name: "connected, mqtt", event: "connected", conn: "mqtt-client-1", subprotocol: "mqtt", physId: "phys-1", body: "{}" },
  { name: "disconnected, plain", event: "disconnected", conn: "conn-plain", user: "user1", body: JSON.stringify({ reason: "closed by client" }) },
  { name: "disconnected, mqtt", event: "disconnected", conn: "mqtt-client-1", subprotocol: "mqtt", physId: "phys-1",
    body: JSON.stringify({ reason: "bye", mqtt: { initiatedByClient: true, disconnectPacket: { code: 0, userProperties: [{ name: "a", value: "b" }] } } }) },
  // ---- user events
  { name: "message, text", event: "message", conn: "conn-u1", user: "user1", contentType: "text/plain", body: "Hello \u4e16\u754c \"q\"",
    answer: (req, res) => res.success("Hey " + req.data, "text") },
  { name: "message, json, json.webpubsub subprotocol", event: "message", conn: "conn-u2", user: "user1", subprotocol: "json.webpubsub.azure.v1",
    contentType: "application/json", body: JSON.stringify({ greeting: "hi", n: [1, 2] }),
    answer: (req, res) => res.success(JSON.stringify({ echo: req.data }), "json") },
  { name: "message, binary", event: "message", conn: "conn-u3", user: "user1", contentType: "application/octet-stream", body: binBytes,
    answer: (req, res) => res.success(Buffer.from(req.data).reverse(), "binary") },
  { name: "custom event, two keys, state", event: "chat_send", conn: "conn-u4", user: "user1", keys: [KEY, KEY2], state: b64json({ n: 5 }),
    contentType: "text/plain; charset=utf-8", body: "ping",
    answer: (req, res) => (res.setState("n", 6), res.success("pong", "text")) },
  { name: "message, handler fails 400", event: "message", conn: "conn-u5", user: "user1", contentType: "text/plain", body: "bad",
    answer: (req, res) => res.fail(400, "bad payload") },
  { name: "message, empty answer", event: "message", conn: "conn-u6", user: "user1", contentType: "text/plain", body: "x",
    answer: (req, res) => res.success() },
  // ---- where wps rejects and express does not (verify only, plus what express does)
  { name: "second key only", event: "message", conn: "conn-k2", user: "u", keys: [KEY, KEY2], contentType: "text/plain", body: "k2",
    answer: (req, res) => res.success("ok", "text"), verifyKeys: [KEY2] },
  { name: "signature in uppercase hex", event: "message", conn: "conn-uc", user: "u", contentType: "text/plain", body: "uc",
    mutate: editHeader("ce-signature", (v) => v.replace(/=([0-9a-f]+)/g, (m, h) => "=" + h.toUpperCase())), answer: (req, res) => res.success("ok", "text") },
  { name: "tampered connection id", event: "message", conn: "conn-t", user: "u", contentType: "text/plain", body: "t",
    mutate: editHeader("ce-connectionId", () => "conn-other"), answer: (req, res) => res.success("ok", "text"), verify: "reject 401" },
  { name: "origin not allowed", event: "message", conn: "conn-o", user: "u", contentType: "text/plain", body: "o",
    verifyOrigin: "other.example.com", answer: (req, res) => res.success("ok", "text"), verify: "reject 400" },
  { name: "other hub", event: "message", hub: "other", path: H1_PATH, conn: "conn-h", user: "u", contentType: "text/plain", body: "h",
    expressFallsThrough: true, verify: "reject 400", verifyHub: "hub1" },
  { name: "no ce-awpsversion", event: "message", conn: "conn-v", user: "u", contentType: "text/plain", body: "v",
    mutate: dropHeader("ce-awpsversion"), expressFallsThrough: true, verify: "reject 400" },
  { name: "no WebHook-Request-Origin", event: "message", conn: "conn-w", user: "u", contentType: "text/plain", body: "w",
    mutate: dropHeader("webhook-request-origin"), expressFallsThrough: true, verify: "reject 400" },
  { name: "no ce-connectionId", event: "connected", conn: "conn-nc", user: "u", body: "{}",
    mutate: dropHeader("ce-connectionId"), verify: "reject 400" },
  // ---- abuse protection preflight
  { name: "OPTIONS, allowed origin", method: "OPTIONS", event: "connect", conn: "c", verify: "accept" },
  { name: "OPTIONS, attacker origin", method: "OPTIONS", event: "connect", conn: "c", origin: "attacker.com", verify: "reject 400" },
  { name: "OPTIONS, hub2 without an allow list", method: "OPTIONS", event: "connect", conn: "c", hub: "hub2", path: null, origin: "any.example.com", verify: "accept" },
];

// ---------------------------------------------------------------- expectations
// What express 1.1.0 writes for the recorded answer: status, Content-Type (undefined = none),
// body, the ce-connectionState header, and the JSON `wps webhook response` must print.
const MQTT_STATUS = (code) =>
  code < 128 ? ({ 1: 400, 2: 400, 3: 503, 4: 401, 5: 401 }[code] ?? 500)
  : [135, 134].includes(code) ? 401 : [133, 129, 132, 140, 144, 153, 131, 149, 154, 155].includes(code) ? 400
  : [151, 159].includes(code) ? 429 : code === 138 ? 403 : 500;
const MQTT_CODE = (status, version) =>
  version === 4 ? ({ 400: 4, 401: 5, 500: 3 }[status] ?? 3) : version === 5 ? ({ 400: 134, 401: 135, 500: 128 }[status] ?? 128) : 1;

function expectedAnswer(k, ans, mqttVersion) {
  const states = ans.states ? b64json({ ...JSON.parse(Buffer.from(k.state || b64json({}), "base64")), ...ans.states }) : undefined;
  const [a0, a1] = ans.args;
  if (k.event === "connect") {
    if (ans.method === "success")
      return a0 === undefined ? { status: 204, type: undefined, body: "", states, json: { status: 204 } }
        : { status: 200, type: "application/json; charset=utf-8", body: JSON.stringify(a0), states, json: { status: 200, ...a0 } };
    if (ans.method === "failWith")
      return { status: MQTT_STATUS(a0.mqtt.code), type: "application/json; charset=utf-8", body: JSON.stringify(a0), json: { status: MQTT_STATUS(a0.mqtt.code), ...a0 } };
    if (mqttVersion !== undefined) {
      const m = { mqtt: { code: MQTT_CODE(a0, mqttVersion), reason: a1 } };
      return { status: a0, type: "application/json; charset=utf-8", body: JSON.stringify(m), json: { status: a0, ...m } };
    }
    return { status: a0, type: undefined, body: a1 ?? "", json: { status: a0, error: a1 } };
  }
  if (ans.method === "success") {
    const dt = a1 ?? "binary";
    const type = { json: "application/json; charset=utf-8", text: "text/plain; charset=utf-8" }[dt] ?? "application/octet-stream";
    const bytes = Buffer.from(a0 ?? "");
    return { status: 200, type, body: bytes, states, json: { status: 200, dataType: dt, data: bytes } };
  }
  return { status: a0, type: undefined, body: a1 ?? "", json: { status: a0, error: a1 } };
}

// A user event's data as printed by wps (text as is; json as its text or parsed; binary as base64
// or hex: the contract only says "data":"..") against the bytes.
function sameData(got, dataType, bytes) {
  if (isEmpty(got)) return bytes.length === 0;
  if (dataType === "binary") return got === bytes.toString("base64") || got === bytes.toString("hex");
  if (dataType === "json" && typeof got !== "string") return same(got, JSON.parse(bytes.toString()));
  return got === bytes.toString();
}

// Parses wps's one JSON line; null (and a failure) if it is not JSON.
function jsonLine(out, what) {
  const text = out.toString().trim();
  try {
    return JSON.parse(text);
  } catch {
    c.check(false, `${what}: not one JSON line: ${JSON.stringify(text)}`);
    return null;
  }
}

// ---------------------------------------------------------------- run
const sysEvents = ["connect", "connected", "disconnected"];
for (const k of cases) {
  k.hub ??= "hub1";
  k.keys ??= [KEY];
  k.origin ??= ORIGIN;
  if (k.path === undefined) k.path = H1_PATH;
  if (k.path === null) delete k.path;
  const T = k.name;
  const expPath = k.path ?? `/api/webpubsub/hubs/${k.hub}/`;

  // 1. build the request
  let built;
  if (jsOnly) built = buildJs(k);
  else {
    const r = runWps(requestArgs(k));
    if (!c.check(!r.err, `${T}: request: ${r.err}`)) continue;
    built = r.out;
  }
  const p = parseHttp(built);
  if (!c.check(p, `${T}: the request has no CRLF CRLF after its headers: ${JSON.stringify(built.toString().slice(0, 200))}`)) continue;
  if (show) console.log(`---- ${T}\n${built.toString()}`);

  // the request as built, header by header (docs/service-rules.md 4.1)
  if (k.method === "OPTIONS") {
    c.check(p.start === `OPTIONS ${expPath} HTTP/1.1`, `${T}: request line ${JSON.stringify(p.start)}`);
    c.check(hdr(p, "webhook-request-origin") === k.origin, `${T}: WebHook-Request-Origin ${hdr(p, "webhook-request-origin")}`);
    c.check(hdr(p, "host"), `${T}: no Host`);
    // express's handlePreflight only answers when ce-awpsversion is present (else it falls through)
    c.check(hdr(p, "ce-awpsversion") === "1.0", `${T}: express answers a preflight only if it carries ce-awpsversion: 1.0 (got ${hdr(p, "ce-awpsversion")})`);
  } else {
    const body = Buffer.isBuffer(k.body) ? k.body : Buffer.from(k.body ?? "");
    const type = sysEvents.includes(k.event) ? `azure.webpubsub.sys.${k.event}` : `azure.webpubsub.user.${k.event}`;
    const want = {
      "ce-specversion": "1.0", "ce-type": type, "ce-source": `/hubs/${k.hub}/client/${k.conn}`, "ce-awpsversion": "1.0",
      "ce-signature": sig(k.keys, k.conn), "ce-userid": k.user, "ce-connectionid": k.conn, "ce-hub": k.hub, "ce-eventname": k.event,
      "ce-subprotocol": k.subprotocol, "ce-physicalconnectionid": k.physId, "ce-connectionstate": k.state,
      "webhook-request-origin": k.origin, "content-length": String(body.length),
    };
    if (k.id) want["ce-id"] = k.id;
    if (k.time) want["ce-time"] = k.time;
    c.check(p.start === `POST ${expPath} HTTP/1.1`, `${T}: request line ${JSON.stringify(p.start)}, expected POST ${expPath} HTTP/1.1`);
    c.check(hdr(p, "host"), `${T}: no Host header`);
    for (const [h, v] of Object.entries(want)) c.check(hdr(p, h) === v, `${T}: ${h}: ${JSON.stringify(hdr(p, h))}, expected ${JSON.stringify(v)}`);
    for (const [h, v] of Object.entries(p.headers)) c.check(v.length === 1, `${T}: header ${h} appears ${v.length} times`);
    c.check(/\S/.test(hdr(p, "ce-id") || ""), `${T}: ce-id empty`);
    c.check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(hdr(p, "ce-time") || ""), `${T}: ce-time ${hdr(p, "ce-time")} is not RFC 3339`);
    const ct = hdr(p, "content-type") || "";
    if (sysEvents.includes(k.event)) c.check(/^application\/json(;|$)/.test(ct), `${T}: Content-Type ${ct} for a system event`);
    else c.check(ct === k.contentType, `${T}: Content-Type ${ct}, expected ${k.contentType}`);
    c.check(p.body.equals(body), `${T}: body ${JSON.stringify(p.body.toString())} differs from ${JSON.stringify(body.toString())}`);
    if (k.conn === VEC1_CONN) c.check(hdr(p, "ce-signature") === VEC1_SIG, `${T}: docs/service-rules.md 6 vector #1: ce-signature ${hdr(p, "ce-signature")}, expected ${VEC1_SIG}`);
  }

  // 2. send it to the express handler
  const raw = k.mutate ? k.mutate(built) : built;
  current = k;
  seen = answer = lastReq = null;
  const respBytes = await send(port, raw);
  const resp = parseHttp(respBytes);
  if (show) console.log(`-- express answered:\n${respBytes.toString()}\n`);
  if (!c.check(resp, `${T}: no (complete) HTTP response from the express server: ${JSON.stringify(respBytes.toString())}`)) continue;
  const status = +resp.start.split(" ")[1];
  c.check(lastReq && lastReq.url === expPath, `${T}: node's http parser did not take the request (${lastReq?.url})`);

  if (k.method === "OPTIONS") {
    // express: 200, one WebHook-Allowed-Origin line per allowed host (or "*"), whatever the
    // request's origin; the service then compares that with its own host.
    const allowed = resp.headers["webhook-allowed-origin"] || [];
    c.check(status === 200 && allowed.length, `${T}: express preflight answer ${resp.start} ${JSON.stringify(resp.headers)}`);
    const expressAllows = allowed.some((o) => o === "*" || o.toLowerCase() === k.origin.toLowerCase());
    c.check(expressAllows === (k.verify === "accept"), `${T}: express ${expressAllows ? "allows" : "does not allow"} ${k.origin}: ${allowed}`);
    if (!jsOnly) {
      const vargs = ["webhook", "verify", "--key", KEY, "--hub", k.hub, ...(k.hub === "hub1" ? ["--allowed-origin", ORIGIN] : [])];
      const r = runWps(vargs, raw);
      if (c.check(!r.err, `${T}: verify: ${r.err}`)) {
        const line = r.out.toString().trim();
        if (show) console.log(`-- wps verify: ${line}`);
        if (k.verify === "accept") {
          const m = /^200 WebHook-Allowed-Origin: (\S+)$/.exec(line);
          c.check(m && (m[1] === "*" || m[1].toLowerCase() === k.origin.toLowerCase()), `${T}: verify printed ${JSON.stringify(line)}, expected "200 WebHook-Allowed-Origin: *" or the origin`);
        } else c.check(line.startsWith(k.verify + " "), `${T}: verify printed ${JSON.stringify(line)}, expected "${k.verify} ..."`);
      }
    }
    continue;
  }

  // what express did with it
  const isMqtt = !!(k.subprotocol && /mqtt/i.test(k.subprotocol) && k.physId);
  if (k.expressFallsThrough) {
    c.check(status === 404 && !seen, `${T}: express should let it fall through (404 here), got ${resp.start}`);
  } else {
    if (sysEvents.includes(k.event) && k.event !== "connect") await until(() => seen, 2000);
    c.check(seen && seen.kind === (sysEvents.includes(k.event) ? k.event : "user"), `${T}: handler not called (${resp.start}, ${resp.body})`);
    if (!seen) continue;
    const ctx = seen.req.context;
    const sent = parseHttp(raw);
    const wantCtx = {
      signature: hdr(sent, "ce-signature"), userId: hdr(sent, "ce-userid"), hub: hdr(sent, "ce-hub"), connectionId: hdr(sent, "ce-connectionid"),
      eventName: hdr(sent, "ce-eventname"), origin: hdr(sent, "webhook-request-origin"), clientProtocol: isMqtt ? "mqtt" : "default",
    };
    for (const [f, v] of Object.entries(wantCtx)) c.check(ctx[f] === v, `${T}: context.${f} ${JSON.stringify(ctx[f])}, expected ${JSON.stringify(v)}`);
    c.check(ctx.connectionId === (k.mutate ? ctx.connectionId : k.conn) && ctx.hub === k.hub, `${T}: context connection/hub`);
    c.check(same(seen.states, k.state ? JSON.parse(Buffer.from(k.state, "base64")) : {}), `${T}: context.states ${JSON.stringify(seen.states)}`);
    if (isMqtt) c.check(same(ctx.mqtt, { physicalConnectionId: k.physId }), `${T}: context.mqtt ${JSON.stringify(ctx.mqtt)}`);
    if (sysEvents.includes(k.event)) {
      // system events: the JSON body's fields are spread into the request object
      const { context, queries, ...fields } = seen.req;
      c.check(same(fields, JSON.parse(k.body)), `${T}: body fields ${JSON.stringify(fields)}`);
      if (k.event === "connect") c.check(same(queries, fields.query), `${T}: queries is a copy of query`);
    } else {
      const dt = { "text/plain": "text", "application/json": "json", "application/octet-stream": "binary" }[k.contentType.split(";")[0]];
      c.check(seen.req.dataType === dt, `${T}: dataType ${seen.req.dataType}, expected ${dt}`);
      const bytes = Buffer.isBuffer(k.body) ? k.body : Buffer.from(k.body);
      const got = seen.req.data;
      c.check(dt === "binary" ? Buffer.isBuffer(got) && got.equals(bytes) : dt === "json" ? same(got, JSON.parse(k.body)) : got === k.body,
        `${T}: data ${JSON.stringify(got)}`);
    }

    // the raw response express sent
    if (!sysEvents.includes(k.event) || k.event === "connect") {
      if (!c.check(answer?.method, `${T}: the handler did not answer`)) continue;
      const mqttVersion = isMqtt ? JSON.parse(k.body).mqtt?.protocolVersion : undefined;
      const exp = expectedAnswer(k, answer, mqttVersion);
      c.check(status === exp.status, `${T}: express status ${status}, expected ${exp.status}`);
      c.check(hdr(resp, "content-type") === exp.type, `${T}: express Content-Type ${hdr(resp, "content-type")}, expected ${exp.type}`);
      c.check(resp.body.equals(Buffer.from(exp.body)), `${T}: express body ${JSON.stringify(resp.body.toString())}, expected ${JSON.stringify(exp.body.toString())}`);
      c.check(hdr(resp, "ce-connectionstate") === exp.states, `${T}: express ce-connectionState ${hdr(resp, "ce-connectionstate")}, expected ${exp.states}`);

      // 3. wps webhook response on those bytes
      if (!jsOnly) {
        const r = runWps(["webhook", "response", "--event", k.event], respBytes);
        if (c.check(!r.err, `${T}: response: ${r.err}`)) {
          if (show) console.log(`-- wps response: ${r.out.toString().trim()}`);
          const got = jsonLine(r.out, `${T}: response`);
          if (got) {
            const { data: gData, states: gStates, connectionState: gState, ...g } = got;
            const { data: eData, ...e } = exp.json;
            if (isMqtt && e.mqtt) {
              // wps may print userProperties: [] for an answer without them, and its own "error" text
              delete g.error;
              e.mqtt = prune(e.mqtt);
              if (g.mqtt && typeof g.mqtt === "object") g.mqtt = prune(g.mqtt);
            }
            c.check(same(prune(g), prune(e)), `${T}: wps response\n      wps:     ${JSON.stringify(got)}\n      handler: ${JSON.stringify(exp.json)}`);
            if (eData !== undefined) c.check(sameData(gData, e.dataType, eData), `${T}: wps response data ${JSON.stringify(gData)}, handler answered ${JSON.stringify(eData.toString())}`);
            if (gState !== undefined) c.check(gState === exp.states, `${T}: wps response connectionState ${gState}, expected ${exp.states}`);
            if (gStates !== undefined) c.check(exp.states && same(gStates, JSON.parse(Buffer.from(exp.states, "base64"))), `${T}: wps response states ${JSON.stringify(gStates)}`);
          }
        }
      }
    } else {
      // connected / disconnected: express answers an empty 200 before it even reads the body
      c.check(status === 200 && hdr(resp, "content-length") === "0" && !hdr(resp, "content-type"), `${T}: express answer ${resp.start} ${JSON.stringify(resp.headers)}`);
    }
  }

  // 4. wps webhook verify, with the right key and with a wrong one
  if (jsOnly) continue;
  const vargs = (keys) => ["webhook", "verify", ...keys.flatMap((x) => ["--key", x]), "--hub", k.verifyHub ?? k.hub.toLowerCase(), "--allowed-origin", k.verifyOrigin ?? ORIGIN];
  const r = runWps(vargs(k.verifyKeys || [k.keys[0]]), raw);
  if (!c.check(!r.err, `${T}: verify: ${r.err}`)) continue;
  const line = r.out.toString().trim();
  if (show) console.log(`-- wps verify: ${line}`);
  const verdict = k.verify ?? "accept";
  if (verdict !== "accept") {
    c.check(line.startsWith(verdict + " "), `${T}: verify printed ${JSON.stringify(line)}, expected "${verdict} ..."`);
    continue;
  }
  const v = jsonLine(r.out, `${T}: verify`);
  if (v) {
    const ctx = seen.req.context;
    const sent = parseHttp(raw);
    const sys = sysEvents.includes(k.event);
    const want = {
      type: hdr(sent, "ce-type"), hub: ctx.hub, connectionId: ctx.connectionId, userId: ctx.userId, eventName: ctx.eventName,
      subprotocol: hdr(sent, "ce-subprotocol"),
    };
    if (!sys) want.dataType = seen.req.dataType;
    if (k.event === "connect")
      for (const f of ["claims", "query", "headers", "subprotocols", "clientCertificates", "mqtt"]) want[f] = seen.req[f];
    // "event": the system event's name; for a user event its name or "user"
    c.check(sys ? v.event === k.event : [k.event, "user"].includes(v.event), `${T}: verify "event": ${JSON.stringify(v.event)}`);
    for (const [f, e] of Object.entries(want))
      c.check(isEmpty(e) ? isEmpty(v[f]) : same(v[f], e), `${T}: verify "${f}": ${JSON.stringify(v[f])}, express saw ${JSON.stringify(e)}`);
    // optional fields: checked when wps prints them
    if (!sys && v.data !== undefined) c.check(sameData(v.data, seen.req.dataType, Buffer.isBuffer(k.body) ? k.body : Buffer.from(k.body)), `${T}: verify "data": ${JSON.stringify(v.data)}`);
    if (v.reason !== undefined && k.event === "disconnected") c.check(v.reason === seen.req.reason, `${T}: verify "reason": ${v.reason}`);
    if (v.physicalConnectionId !== undefined) c.check(v.physicalConnectionId === k.physId, `${T}: verify "physicalConnectionId": ${v.physicalConnectionId}`);
    if (v.states !== undefined) c.check(same(v.states, seen.states), `${T}: verify "states": ${JSON.stringify(v.states)}`);
    if (k.event === "disconnected" && isMqtt && v.mqtt !== undefined) c.check(same(v.mqtt, seen.req.mqtt), `${T}: verify "mqtt": ${JSON.stringify(v.mqtt)}`);
  }
  // a wrong key: 401 (for the cases wps accepts)
  const w = runWps(vargs([WRONG]), raw);
  if (c.check(!w.err, `${T}: verify (wrong key): ${w.err}`))
    c.check(w.out.toString().trim().startsWith("reject 401 "), `${T}: verify with a wrong key printed ${JSON.stringify(w.out.toString().trim())}, expected "reject 401 ..."`);
}

server.close();
c.done();
