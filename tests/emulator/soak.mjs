// Soak test of wps-emulator (emulator/emulator.c): many concurrent reliable JSON clients
// (json.reliable.webpubsub.azure.v1, spoken by raw `ws` sockets, not the SDK), pairs of clients
// in their own group publishing to each other, abrupt socket drops through the admin endpoint in
// the middle of the traffic, and session recovery, on loopback.
//
// usage: node tests/emulator/soak.mjs [path/to/wps-emulator] [--clients=200] [--messages=500]
//          [--drops=20] [--window=50] [--ack-every=20] [--ack-ms=100] [--payload=32]
//          [--probe-drops=4] [--rss-mb=200] [--growth-mb=16] [--stall=10] [--timeout=120]
//          [--seed=N] [--verbose]
//
// --messages is per client: each client publishes that many messages to its pair's group with
// noEcho, so clients*messages messages are sent and as many delivered.
//
// Checked (each line is one test; "N passed, N failed" at the end):
//   - every client connects (system "connected" with connectionId and reconnectionToken) and
//     joins its group (ack success);
//   - every publish is acked, success or Duplicate (a resend after recovery reuses the ackId);
//   - every receiver gets every message of its peer exactly once and in order, after the
//     client-side de-duplication by sequenceId; sequenceIds have no gap;
//   - every dropped client recovers (awps_connection_id + awps_reconnection_token) with the same
//     connectionId; no other client loses its socket; no "disconnected" message, no close 1008;
//   - after the traffic, once every receiver has sent its last sequenceAck, --probe-drops more
//     clients are dropped: they recover and get nothing redelivered (the emulator forgot what
//     was acknowledged: its session queues are empty, memory is given back);
//   - the emulator counts one connection per client (recoveries are not new connections), no
//     rejected upgrade;
//   - the emulator's RSS stays under --rss-mb and does not grow during the second half of the
//     traffic by more than --growth-mb (sampled from /proc/<pid>/status);
//   - the emulator is alive after the run and exits with status 0 on SIGTERM (with the clients
//     still connected) and on SIGINT (a second, small instance);
//   - everything ends within --timeout seconds; the traffic phase stops early when nothing
//     moves for --stall seconds (a lost message would otherwise only show as the timeout).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { counter, until, sleep, requirePinned } from "../util.mjs";

const WebSocket = requirePinned("ws");
const { WebPubSubServiceClient } = requirePinned("@azure/web-pubsub");

// ---------------------------------------------------------------- command line
const argv = process.argv.slice(2);
const emulatorPath = argv.find((a) => !a.startsWith("--")) || "build/wps-emulator";
const flag = (name, def) => {
  const a = argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (!a) return def;
  if (!a.includes("=")) return true;
  const v = Number(a.slice(a.indexOf("=") + 1));
  if (!Number.isFinite(v) || v < 0) {
    console.error(`soak: bad value for --${name}`);
    process.exit(2);
  }
  return v;
};
const CLIENTS = flag("clients", 200);
const MESSAGES = flag("messages", 500);
const DROPS = flag("drops", 20);
const WINDOW = Math.max(1, flag("window", 50));
const ACK_EVERY = Math.max(1, flag("ack-every", 20));
const ACK_MS = Math.max(1, flag("ack-ms", 100));
const PAYLOAD = flag("payload", 32);
const RSS_MB = flag("rss-mb", 200);
const GROWTH_MB = flag("growth-mb", 16);
const PROBE_DROPS = flag("probe-drops", 4);
const STALL_S = flag("stall", 10);
const TIMEOUT_S = flag("timeout", 120);
const SEED = flag("seed", (Date.now() % 1000000) >>> 0);
const VERBOSE = flag("verbose", false) === true;
if (CLIENTS < 2 || CLIENTS % 2) {
  console.error("soak: --clients must be an even number >= 2");
  process.exit(2);
}
if (DROPS > CLIENTS || PROBE_DROPS > CLIENTS) {
  console.error("soak: --drops and --probe-drops must be at most --clients");
  process.exit(2);
}

const PROTOCOL = "json.reliable.webpubsub.azure.v1";
const HUB = "soak";
const KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const JOIN_ACK_ID = 1000000000; // publishes use ackIds 1..MESSAGES
const RECOVERY_GIVE_UP_MS = 30000; // SPEC 1.4: a client stops recovering after 30 s
const TOTAL = CLIENTS * MESSAGES;

const t = counter();
const tStart = Date.now();
const log = (...a) => VERBOSE && console.log(`[${((Date.now() - tStart) / 1000).toFixed(2)}s]`, ...a);

// a small seeded PRNG (mulberry32): the drop victims are reproducible with --seed
let rngState = SEED >>> 0 || 1;
const rnd = () => {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let x = rngState;
  x = Math.imul(x ^ (x >>> 15), x | 1);
  x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};

// examples of what went wrong, at most a few per kind, printed with the failed check
const problems = new Map();
const problem = (kind, text) => {
  if (!problems.has(kind)) problems.set(kind, { count: 0, examples: [] });
  const p = problems.get(kind);
  p.count++;
  if (p.examples.length < 5) p.examples.push(text);
};
const checkKind = (kind, what) => {
  const p = problems.get(kind);
  const ok = t.check(!p, p ? `${what}: ${p.count} times, e.g. ${p.examples.join("; ")}` : what);
  return ok;
};

// ---------------------------------------------------------------- the emulator process
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const startEmulator = async () => {
  const port = await freePort();
  const child = spawn(emulatorPath, ["--port", String(port), "--quiet"], { stdio: ["ignore", "ignore", "pipe"] });
  const proc = { child, port, stderr: "", exited: null };
  child.stderr.on("data", (d) => {
    proc.stderr += d.toString();
    if (proc.stderr.length > 65536) proc.stderr = proc.stderr.slice(-32768);
  });
  proc.exitP = new Promise((resolve) => child.on("exit", (code, signal) => resolve((proc.exited = { code, signal }))));
  child.on("error", (e) => {
    proc.stderr += `spawn error: ${e.message}\n`;
    proc.exited = proc.exited || { code: -1, signal: null };
  });
  const up = await until(() => proc.exited || proc.stderr.includes("listening on"), 5000);
  if (!up || proc.exited) return proc;
  // the listening socket is there once an admin request answers
  for (let i = 0; i < 100 && !proc.exited; i++) {
    try {
      if ((await request(proc, "GET", "/admin/stats", 1000)).status === 200) {
        proc.ready = true;
        break;
      }
    } catch {
      await sleep(20);
    }
  }
  return proc;
};

// a plain HTTP request to the emulator on a fresh connection (no keep-alive pool: an idle pooled
// connection closed by the server at the moment it is reused would fail a request for nothing)
const request = (proc, method, path, ms = 10000) =>
  new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: proc.port, method, path, agent: false, headers: { connection: "close" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
      res.on("error", reject);
    });
    req.setTimeout(ms, () => req.destroy(new Error(`no answer in ${ms} ms`)));
    req.on("error", reject);
    req.end();
  });

const stopEmulator = async (proc, signal, ms = 5000) => {
  if (proc.exited) return proc.exited;
  proc.child.kill(signal);
  let timer;
  const r = await Promise.race([proc.exitP, new Promise((resolve) => (timer = setTimeout(() => resolve(null), ms)))]);
  clearTimeout(timer);
  if (!r) {
    proc.child.kill("SIGKILL");
    await proc.exitP;
    return null;
  }
  return r;
};

const readRss = (pid) => {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name) => Number((s.match(new RegExp(`^${name}:\\s*(\\d+)\\s*kB`, "m")) || [])[1] || 0);
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return null;
  }
};
const mb = (kb) => (kb / 1024).toFixed(1);

// ---------------------------------------------------------------- the clients
class Client {
  constructor(idx, url) {
    this.idx = idx;
    this.peer = idx ^ 1;
    this.group = `pair-${idx >> 1}`;
    this.url = url;
    this.ws = null;
    this.open = false; // a socket that got its "connected" message
    this.connectionId = null;
    this.token = null;
    this.joined = false;
    // publishing
    this.nextSend = 0;
    this.inflight = new Map(); // ackId -> frame, in ackId order
    this.acked = 0;
    this.dupAcks = 0;
    // receiving
    this.recvMax = 0; // the largest sequenceId received
    this.ackedSeq = 0; // the last sequenceAck sent
    this.sinceAck = 0;
    this.expected = 0; // index of the next message of the peer
    this.received = 0;
    this.dupSeq = 0; // redelivered after recovery, dropped by sequenceId
    // drops
    this.dropsRequested = 0;
    this.closes = 0;
    this.recoveries = 0;
    this.recoverSince = 0;
    this.attempts = 0;
    this.failed = false;
  }
  send(s) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(s);
  }
  get done() {
    return this.open && this.acked === MESSAGES && this.expected === MESSAGES;
  }
}

const state = { sending: false, stopping: false, delivered: 0, dropIdx: 0, thresholds: [], victims: [], drops: [] };
let emu;
let clients = [];
const pad = "x".repeat(PAYLOAD);

const frameOf = (c, i) =>
  `{"type":"sendToGroup","group":"${c.group}","dataType":"text","data":"${c.idx}:${i}:${pad}","noEcho":true,"ackId":${i + 1}}`;

const pump = (c) => {
  if (!c.open || !state.sending) return;
  while (c.inflight.size < WINDOW && c.nextSend < MESSAGES) {
    const f = frameOf(c, c.nextSend);
    c.inflight.set(c.nextSend + 1, f);
    c.nextSend++;
    c.send(f);
  }
};

const sendSequenceAck = (c, force = false) => {
  if (!c.open || (!force && c.recvMax <= c.ackedSeq) || !c.recvMax) return;
  c.send(`{"type":"sequenceAck","sequenceId":${c.recvMax}}`);
  c.ackedSeq = c.recvMax;
  c.sinceAck = 0;
};

const recoveryUrl = (c) =>
  `${c.url}&awps_connection_id=${encodeURIComponent(c.connectionId)}&awps_reconnection_token=${encodeURIComponent(c.token)}`;

const openSocket = (c, url) => {
  const ws = new WebSocket(url, PROTOCOL, { perMessageDeflate: false });
  c.ws = ws;
  c.attempts++;
  ws.on("message", (data, isBinary) => onFrame(c, ws, data, isBinary));
  ws.on("close", (code, reason) => onClose(c, ws, code, reason.toString()));
  ws.on("error", (e) => {
    c.lastError = e.message;
  });
};

const onClose = (c, ws, code, reason) => {
  if (ws !== c.ws) return;
  const wasOpen = c.open;
  c.open = false;
  if (state.stopping) return;
  if (wasOpen) {
    c.closes++;
    if (c.closes > c.dropsRequested) problem("unexpectedClose", `client ${c.idx} (${c.connectionId}) closed ${code} ${reason}`);
    log(`client ${c.idx} lost its socket (${code})`);
  }
  if (code === 1008) {
    problem("close1008", `client ${c.idx} (${c.connectionId}): 1008 ${reason}`);
    c.failed = true;
    return;
  }
  if (!c.connectionId) {
    problem("connect", `client ${c.idx}: closed ${code} before "connected" (${c.lastError || reason})`);
    c.failed = true;
    return;
  }
  // recovery: the same URL plus awps_connection_id and awps_reconnection_token
  if (!c.recoverSince) c.recoverSince = Date.now();
  if (Date.now() - c.recoverSince > RECOVERY_GIVE_UP_MS) {
    problem("recovery", `client ${c.idx} (${c.connectionId}): no recovery after ${RECOVERY_GIVE_UP_MS} ms, ${c.attempts} sockets (${c.lastError || code})`);
    c.failed = true;
    return;
  }
  setTimeout(() => !state.stopping && openSocket(c, recoveryUrl(c)), wasOpen ? 0 : 200);
};

const onFrame = (c, ws, data, isBinary) => {
  if (ws !== c.ws) return;
  let m;
  try {
    if (isBinary) throw new Error("binary frame");
    m = JSON.parse(data.toString());
  } catch (e) {
    problem("protocol", `client ${c.idx}: unparsable frame (${e.message})`);
    return;
  }
  if (m.type === "message") {
    if (m.from !== "group" || m.group !== c.group || m.dataType !== "text" || typeof m.data !== "string") {
      problem("protocol", `client ${c.idx}: unexpected message ${JSON.stringify(m).slice(0, 200)}`);
      return;
    }
    const seq = m.sequenceId;
    if (!Number.isSafeInteger(seq) || seq <= 0) {
      problem("protocol", `client ${c.idx}: message without a valid sequenceId ${JSON.stringify(m).slice(0, 200)}`);
      return;
    }
    if (seq <= c.recvMax) {
      c.dupSeq++; // a redelivery after recovery: the client drops it, like the real client
      return;
    }
    if (seq !== c.recvMax + 1) problem("seqGap", `client ${c.idx}: sequenceId ${seq} after ${c.recvMax}`);
    c.recvMax = seq;
    const [from, idx] = m.data.split(":").map(Number);
    if (from !== c.peer) problem("delivery", `client ${c.idx}: message from client ${from}, expected ${c.peer}`);
    else if (idx !== c.expected)
      problem("delivery", `client ${c.idx}: message #${idx} of client ${from}, expected #${c.expected} (${idx < c.expected ? "duplicate" : "lost or reordered"})`);
    else c.expected++;
    if (m.fromUserId !== `user-${c.peer}`) problem("protocol", `client ${c.idx}: fromUserId ${m.fromUserId}, expected user-${c.peer}`);
    c.received++;
    state.delivered++;
    if (++c.sinceAck >= ACK_EVERY) sendSequenceAck(c);
    maybeDrop();
    return;
  }
  if (m.type === "ack") {
    if (m.ackId === JOIN_ACK_ID) {
      if (m.success === true || m.error?.name === "Duplicate") c.joined = true;
      else problem("join", `client ${c.idx}: join ack ${JSON.stringify(m)}`);
      return;
    }
    if (!c.inflight.has(m.ackId)) {
      problem("ack", `client ${c.idx}: ack for ackId ${m.ackId}, not in flight ${JSON.stringify(m)}`);
      return;
    }
    if (m.success === true) c.acked++;
    else if (m.success === false && m.error?.name === "Duplicate") c.acked++, c.dupAcks++;
    else problem("ack", `client ${c.idx}: ${JSON.stringify(m)}`);
    c.inflight.delete(m.ackId);
    pump(c);
    return;
  }
  if (m.type === "system" && m.event === "connected") {
    if (typeof m.connectionId !== "string" || !m.connectionId || typeof m.reconnectionToken !== "string" || !m.reconnectionToken) {
      problem("protocol", `client ${c.idx}: connected without connectionId/reconnectionToken ${JSON.stringify(m)}`);
      return;
    }
    if (m.userId !== `user-${c.idx}`) problem("protocol", `client ${c.idx}: connected as ${m.userId}`);
    if (c.connectionId === null) {
      c.connectionId = m.connectionId;
    } else {
      if (m.connectionId !== c.connectionId) problem("recovery", `client ${c.idx}: recovered as ${m.connectionId}, was ${c.connectionId}`);
      c.recoveries++;
      log(`client ${c.idx} recovered after ${Date.now() - c.recoverSince} ms, ${c.inflight.size} publishes to resend`);
    }
    c.token = m.reconnectionToken; // updated on every connected, recoveries included
    c.recoverSince = 0;
    c.open = true;
    if (c.recoveries) {
      // resend what was not acked, with the same ackIds (the service answers Duplicate when it had
      // them), and tell the service what arrived so it can forget it
      for (const f of c.inflight.values()) c.send(f);
      sendSequenceAck(c, true);
      if (!c.joined) c.send(`{"type":"joinGroup","group":"${c.group}","ackId":${JOIN_ACK_ID}}`);
      pump(c);
    }
    return;
  }
  if (m.type === "system" && m.event === "disconnected") {
    problem("disconnected", `client ${c.idx} (${c.connectionId}): disconnected "${m.message}"`);
    return;
  }
  problem("protocol", `client ${c.idx}: unexpected frame ${JSON.stringify(m).slice(0, 200)}`);
};

// POST /admin/drop/<connectionId>: the emulator shuts the socket down without a close frame
const drop = (c) => {
  c.dropsRequested++;
  const id = c.connectionId;
  log(`dropping client ${c.idx} (${id})`);
  return request(emu, "POST", `/admin/drop/${encodeURIComponent(id)}`)
    .then(({ status, body }) => {
      if (status !== 200 || body.replace(/\s/g, "") !== '{"ok":true}') problem("dropStatus", `drop of client ${c.idx}: ${status} ${body}`);
    })
    .catch((e) => problem("dropStatus", `drop of client ${c.idx}: ${e.message}`));
};

// the drops happen at evenly spaced points of the traffic, on distinct random clients
const maybeDrop = () => {
  while (state.dropIdx < state.thresholds.length && state.delivered >= state.thresholds[state.dropIdx])
    state.drops.push(drop(state.victims[state.dropIdx++]));
};

// ---------------------------------------------------------------- the run
const summary = {};
let rssTimer, seqTimer;
const rss = { peak: 0, connected: 0, half: 0, end: 0, hwm: 0 };

const watchdog = setTimeout(async () => {
  const pending = clients.filter((c) => !c.done);
  t.check(false, `finished within ${TIMEOUT_S} s (${pending.length} clients not done; delivered ${state.delivered}/${TOTAL}; e.g. ${pending
    .slice(0, 5)
    .map((c) => `client ${c.idx}: open=${c.open} acked=${c.acked} received=${c.expected} inflight=${c.inflight.size} recoveries=${c.recoveries}`)
    .join("; ")})`);
  for (const [kind, p] of problems) console.log(`  ${kind}: ${p.count}, e.g. ${p.examples.join("; ")}`);
  if (emu && !emu.exited) {
    console.log(`  emulator still running (pid ${emu.child.pid}); stderr tail: ${emu.stderr.slice(-500)}`);
    emu.child.kill("SIGKILL");
  }
  t.done();
  process.exit(1);
}, TIMEOUT_S * 1000);

const main = async () => {
  emu = await startEmulator();
  if (!t.check(emu.ready, `emulator starts (${emulatorPath} --port ${emu.port} --quiet)`)) {
    console.log(`  ${emu.exited ? `exited ${JSON.stringify(emu.exited)}` : "no answer"}; stderr: ${emu.stderr.slice(-1000)}`);
    if (!emu.exited) emu.child.kill("SIGKILL");
    return;
  }
  const pid = emu.child.pid;
  rssTimer = setInterval(() => {
    const r = readRss(pid);
    if (!r) return;
    rss.peak = Math.max(rss.peak, r.rss);
    rss.hwm = Math.max(rss.hwm, r.hwm);
    if (state.sending && !rss.half && state.delivered >= TOTAL / 2) rss.half = r.rss;
  }, 50);

  // client URLs from the official server SDK
  const cs = `Endpoint=http://127.0.0.1;Port=${emu.port};AccessKey=${KEY};Version=1.0;`;
  const service = new WebPubSubServiceClient(cs, HUB, { allowInsecureConnection: true });
  const urls = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) =>
      service.getClientAccessToken({ userId: `user-${i}`, roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"] }).then((r) => r.url),
    ),
  );
  clients = urls.map((u, i) => new Client(i, u));

  // connect everyone at once, then join
  const tConnect = Date.now();
  for (const c of clients) openSocket(c, c.url);
  await until(() => clients.every((c) => c.open || c.failed), 20000);
  const connected = clients.filter((c) => c.open).length;
  summary.connectMs = Date.now() - tConnect;
  checkKind("connect", `${CLIENTS} clients connect concurrently`) && t.check(connected === CLIENTS, `${connected}/${CLIENTS} clients connected`);
  if (connected !== CLIENTS) return;
  t.check(new Set(clients.map((c) => c.connectionId)).size === CLIENTS, "connectionIds are distinct");
  for (const c of clients) c.send(`{"type":"joinGroup","group":"${c.group}","ackId":${JOIN_ACK_ID}}`);
  await until(() => clients.every((c) => c.joined) || problems.has("join"), 10000);
  checkKind("join", "join acks succeed");
  if (!t.check(clients.every((c) => c.joined), `${clients.filter((c) => c.joined).length}/${CLIENTS} clients joined their pair's group`)) return;
  rss.connected = readRss(pid)?.rss || 0;

  // the drop plan: DROPS distinct clients, at evenly spaced points of the delivered count
  const order = clients.slice();
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  state.victims = order.slice(0, DROPS);
  state.thresholds = state.victims.map((_, k) => Math.floor(((k + 1) * TOTAL) / (DROPS + 1)));

  // traffic
  seqTimer = setInterval(() => clients.forEach((c) => sendSequenceAck(c)), ACK_MS);
  const tSend = Date.now();
  state.sending = true;
  for (const c of clients) pump(c);
  // until every client is done; stop early when the emulator exits or nothing moves any more
  const progress = () => state.delivered + clients.reduce((a, c) => a + c.acked + c.recoveries, 0);
  let last = -1;
  let lastMove = Date.now();
  for (;;) {
    if (clients.every((c) => c.done || c.failed) && state.dropIdx === state.thresholds.length) break;
    if (emu.exited) break;
    const p = progress();
    if (p !== last) (last = p), (lastMove = Date.now());
    else if (Date.now() - lastMove > STALL_S * 1000) {
      t.check(false, `the traffic keeps moving (nothing for ${STALL_S} s; delivered ${state.delivered}/${TOTAL})`);
      break;
    }
    await sleep(10);
  }
  summary.sendMs = Date.now() - tSend;
  await Promise.all(state.drops);
  // every session acknowledges all it got, then a pause: a late duplicate would show up now
  clients.forEach((c) => sendSequenceAck(c));
  await sleep(300);
  rss.end = readRss(pid)?.rss || 0;
  clearInterval(rssTimer);

  // probe: drop a few more clients now that everything is acknowledged; after recovery the
  // emulator must resend nothing (it dropped acknowledged messages from its session queues)
  const probes = order.slice(order.length - PROBE_DROPS);
  const before = probes.map((c) => ({ c, recoveries: c.recoveries, frames: c.received + c.dupSeq }));
  if (PROBE_DROPS && !emu.exited) {
    await Promise.all(probes.map(drop));
    await until(() => before.every((b) => b.c.recoveries > b.recoveries && b.c.open) || emu.exited, 10000);
    await sleep(200); // redeliveries would arrive right after "connected"
    const bad = before.filter((b) => b.c.recoveries === b.recoveries || b.c.received + b.c.dupSeq !== b.frames);
    t.check(
      !bad.length,
      `${PROBE_DROPS} clients dropped after the last sequenceAck recover and get nothing redelivered` +
        (bad.length ? ` (${bad.map((b) => `client ${b.c.idx}: ${b.c.recoveries - b.recoveries} recoveries, ${b.c.received + b.c.dupSeq - b.frames} messages`).join("; ")})` : ""),
    );
  }

  // ---- checks
  const sum = (f) => clients.reduce((a, c) => a + f(c), 0);
  const acked = sum((c) => c.acked);
  const delivered = sum((c) => c.expected);
  t.check(acked === TOTAL, `every publish acked, success or Duplicate (${acked}/${TOTAL})`);
  checkKind("ack", "every ack is a success or Duplicate for an ackId in flight");
  t.check(delivered === TOTAL, `every message delivered (${delivered}/${TOTAL})`);
  checkKind("delivery", "every receiver gets its peer's messages exactly once, in order (after de-duplication by sequenceId)");
  checkKind("seqGap", "sequenceIds are contiguous per connection");
  t.check(sum((c) => c.received) === TOTAL, `no extra message (${sum((c) => c.received)} received after de-duplication)`);
  checkKind("protocol", "every frame is well-formed for the reliable JSON subprotocol");
  const dropped = state.victims;
  checkKind("dropStatus", `${DROPS + PROBE_DROPS} drops answered 200 {"ok":true} by POST /admin/drop/<connectionId>`);
  const recovered = dropped.filter((c) => c.closes >= 1 && c.recoveries >= 1).length;
  t.check(recovered === DROPS, `every dropped client lost its socket and recovered (${recovered}/${DROPS})`);
  checkKind("recovery", "recoveries keep the connectionId and succeed within the window");
  checkKind("close1008", "no close 1008 (no session lost)");
  checkKind("disconnected", "no disconnected message");
  checkKind("unexpectedClose", "only the dropped clients lose their socket, once each");
  t.check(clients.every((c) => c.open), `every client connected at the end (${clients.filter((c) => c.open).length}/${CLIENTS})`);

  let stats = null;
  try {
    const r = await request(emu, "GET", "/admin/stats");
    stats = r.status === 200 ? JSON.parse(r.body) : null;
  } catch (e) {
    problem("stats", e.message);
  }
  t.check(
    stats && stats.connections === CLIENTS && stats.rejected === 0,
    `GET /admin/stats counts ${CLIENTS} connections (recoveries are not new ones) and no rejected upgrade: ${JSON.stringify(stats)}`,
  );
  t.check(stats && stats.messagesIn >= TOTAL + CLIENTS, `the emulator counts at least ${TOTAL + CLIENTS} frames in (${stats?.messagesIn})`);

  // memory
  const rssFinal = readRss(pid);
  rss.peak = Math.max(rss.peak, rssFinal?.rss || 0);
  rss.hwm = Math.max(rss.hwm, rssFinal?.hwm || 0);
  const peak = Math.max(rss.peak, rss.hwm);
  t.check(peak > 0 && peak < RSS_MB * 1024, `emulator peak RSS ${mb(peak)} MB < ${RSS_MB} MB`);
  const growth = rss.end - (rss.half || rss.end);
  t.check(
    growth < GROWTH_MB * 1024,
    `emulator RSS does not grow in the second half of the traffic: ${mb(rss.half)} MB at 50% -> ${mb(rss.end)} MB at the end (< +${GROWTH_MB} MB)`,
  );

  // the process: alive, then SIGTERM with every client still connected
  const alive = !emu.exited;
  if (!t.check(alive, `emulator alive after the run${alive ? "" : ` (it exited ${JSON.stringify(emu.exited)})`}`))
    console.log(`  emulator stderr tail:\n${emu.stderr.slice(-3000)}`);
  state.stopping = true;
  clearInterval(seqTimer);
  if (alive) {
    const tTerm = Date.now();
    const term = await stopEmulator(emu, "SIGTERM");
    const ok = term && term.code === 0 && term.signal === null;
    if (!t.check(ok, `emulator exits with 0 on SIGTERM with ${CLIENTS} clients connected (${JSON.stringify(term)} in ${Date.now() - tTerm} ms)`))
      console.log(`  emulator stderr tail:\n${emu.stderr.slice(-3000)}`);
  }
  await until(() => clients.every((c) => !c.ws || c.ws.readyState === WebSocket.CLOSED), 5000);
  for (const c of clients) if (c.ws && c.ws.readyState !== WebSocket.CLOSED) c.ws.terminate();

  // SIGINT, on a second instance with one client connected
  const emu2 = await startEmulator();
  if (t.check(emu2.ready, "a second emulator starts")) {
    const cs2 = `Endpoint=http://127.0.0.1;Port=${emu2.port};AccessKey=${KEY};Version=1.0;`;
    const { url } = await new WebPubSubServiceClient(cs2, HUB, { allowInsecureConnection: true }).getClientAccessToken({ userId: "sigint" });
    const ws = new WebSocket(url, PROTOCOL, { perMessageDeflate: false });
    let got = false;
    ws.on("message", () => (got = true));
    ws.on("error", () => {});
    await until(() => got, 5000);
    const int = await stopEmulator(emu2, "SIGINT");
    t.check(got && int && int.code === 0 && int.signal === null, `emulator exits with 0 on SIGINT with a client connected (${JSON.stringify(int)})`);
    ws.terminate();
  }

  const total = Date.now() - tStart;
  t.check(total < TIMEOUT_S * 1000, `finished within ${TIMEOUT_S} s (${(total / 1000).toFixed(1)} s)`);
  const secs = summary.sendMs / 1000;
  console.log(
    `soak: ${CLIENTS} clients (connected in ${summary.connectMs} ms), ${TOTAL} messages sent and ${delivered} delivered in ${secs.toFixed(2)} s ` +
      `(${Math.round(TOTAL / secs)} msgs/s), ${DROPS}+${PROBE_DROPS} drops / ${sum((c) => c.recoveries)} recoveries, ` +
      `${sum((c) => c.dupSeq)} redeliveries dropped by sequenceId, ${sum((c) => c.dupAcks)} Duplicate acks, ` +
      `emulator RSS ${mb(rss.connected)} MB connected / ${mb(rss.half)} MB at 50% / ${mb(rss.end)} MB at the end / ${mb(peak)} MB peak, ` +
      `total ${(total / 1000).toFixed(1)} s, seed ${SEED}`,
  );
};

main()
  .catch((e) => t.check(false, `no exception: ${e.stack || e}`))
  .finally(() => {
    if (emu?.ready && emu.exited && !state.stopping)
      t.check(false, `emulator alive (it exited ${JSON.stringify(emu.exited)}); stderr tail:\n${emu.stderr.slice(-3000)}`);
    clearTimeout(watchdog);
    clearInterval(rssTimer);
    clearInterval(seqTimer);
    if (emu && !emu.exited) emu.child.kill("SIGKILL");
    for (const c of clients) if (c.ws && c.ws.readyState !== WebSocket.CLOSED) c.ws.terminate();
    t.done();
  });
