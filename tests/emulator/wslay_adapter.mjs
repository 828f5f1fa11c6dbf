// The wslay adapter (examples/adapters/wslay_posix.c) end to end through wps-emulator (loopback):
// continuous sending from a 60 Hz single-threaded loop across a forced drop.
//   A: `wslay_chat` sends seq-1..seq-N to a group at RATE messages/s (one wps_wslay_poll per
//      16 ms frame, nothing else waits). The emulator holds every ack back 100 ms, so the drop
//      catches calls sent but not answered. A's socket is dropped once, with recoveries refused
//      (503) for 1.5 s (POST /admin/drop/<id>?outage_ms=1500): A's adapter reports the drop
//      (1006), its recovery upgrades are refused by HTTP status, then one succeeds and the
//      unanswered calls go again with their ackIds.
//   B: `wps connect` (libwebsockets) and C: a second `wslay_chat` (--count 0) in the group must
//      each get seq-1..seq-N exactly once and in order; so must A itself (its own messages come
//      back to it, redelivered after the recovery). Every one of A's N calls completes ok.
//   C is stopped with SIGTERM: a clean close handshake, exit 0.
//   A and C run the embedded configuration of docs/client-guide.md (wslay_chat --embedded: 8 calls, 1088-byte
//   frames, borrow_payloads: every attempt, resends included, is encoded from A's own texts;
//   receive_in_place: frames are decoded in the adapter's buffer, the client has no scratch).
// Ends "N passed, N failed".
//   node tests/emulator/wslay_adapter.mjs [build/wslay_chat] [--wps build/wps] [--emulator build/wps-emulator]
import { spawn, execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import net from "node:net";
import { sleep, until, counter, onLines, jsonLine, watchdog } from "../util.mjs";
import { startEmulator, restSendToGroup } from "./emu.mjs";

const argv = process.argv.slice(2);
const opt = (name, def) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : def);
const chatBin = argv.find((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--")) || "build/wslay_chat";
const wps = opt("--wps", "build/wps");
const emuBin = opt("--emulator", "build/wps-emulator");
const result = counter();
const { check } = result;
const deadline = watchdog(90000, "the wslay adapter test");
const t0 = Date.now();
const log = (s) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${s}`);
const checkLog = (ok, what) => (log(what), check(ok, what));

const EVERY_MS = 25; // 40 messages/s offered
const N = 320; // 8 s of sending
const OUTAGE_MS = 1500;
const ACK_DELAY_MS = 100;
const HUB = "wslay", GROUP = "wsl";

const emu = await startEmulator(emuBin);
const tokenUrl = (user) =>
  execFileSync(wps, ["token", "--connection-string", emu.cs, "--hub", HUB, "--user", user, "--role", "webpubsub.joinLeaveGroup", "--role", "webpubsub.sendToGroup"])
    .toString()
    .split("\n")[0];

function run(name, bin, args) {
  const proc = spawn(bin, args, { stdio: ["pipe", "pipe", "pipe"] });
  const c = { name, proc, lines: [], err: "" };
  process.on("exit", () => proc.kill("SIGKILL"));
  onLines(proc.stdout, (l) => c.lines.push(jsonLine(l)));
  proc.stderr.on("data", (d) => (c.err += d.toString()));
  proc.stdin.on("error", () => {});
  c.exited = new Promise((r) => proc.on("close", (code, sig) => r(code ?? sig)));
  c.count = (pred) => c.lines.filter(pred).length;
  c.has = (pred) => c.lines.some(pred);
  c.joined = () => c.has((l) => l.complete === "joinGroup" && l.status === "ok");
  c.got = () => c.lines.filter((l) => l.event === "group-message" && l.data?.fromUserId === "alice").map((l) => l.data.data);
  return c;
}

// receivers first, so they are in the group before A's first message
const b = run("B (wps connect)", wps, ["connect", "--url", tokenUrl("bob"), "--group", GROUP]);
const c = run("C (wslay_chat)", chatBin, ["--url", tokenUrl("carol"), "--group", GROUP, "--count", "0", "--timeout", "80000", "--embedded"]);
check(await until(() => b.joined() && c.joined(), 15000), "B and C connected and joined the group");
check((await emu.admin(`faults?ack_delay_ms=${ACK_DELAY_MS}`)).status === 200, `acks held back ${ACK_DELAY_MS} ms`);

const a = run("A (wslay_chat)", chatBin, ["--url", tokenUrl("alice"), "--group", GROUP, "--send-every", String(EVERY_MS), "--count", String(N), "--timeout", "60000", "--trace", "--embedded"]);
check(await until(() => a.joined(), 15000), "A connected and joined the group");
const aid = a.lines.find((l) => l.event === "connected")?.connectionId;

// drop A once it is well into its stream
const completed = () => a.count((l) => l.complete === "sendToGroup");
await until(() => completed() >= 60, 10000);
const atDrop = completed();
const tDrop = Date.now();
const r = await emu.admin(`drop/${aid}?outage_ms=${OUTAGE_MS}`);
const recovered = await until(() => a.has((l) => l.event === "recovered"), OUTAGE_MS + 8000);
check(r.status === 200 && recovered, `drop of A (${OUTAGE_MS} ms outage) after ${atDrop} completions: recovered after ${Date.now() - tDrop} ms`);
log(`A dropped after ${atDrop} completed calls; recovered after ${Date.now() - tDrop} ms`);

const aCode = await Promise.race([a.exited, sleep(40000).then(() => "timeout")]);
check(aCode === 0, `A sent and completed all ${N} and exited 0 (got ${aCode})`);
const summary = a.lines.find((l) => l.summary)?.summary || {};
const rate = summary.sent / summary.sendSeconds;
log(`A: ${summary.sent} messages offered in ${summary.sendSeconds} s (${rate.toFixed(1)}/s), ${summary.frames} frames, longest poll ${summary.maxPollMs} ms, ${summary.lateFrames} frames over 16 ms`);
check(rate >= 30, `A sent at >= 30 messages/s (${rate.toFixed(1)}/s)`);
check(summary.maxPollMs < 100, `no poll of A took long: the loop never waited on the network (longest ${summary.maxPollMs} ms)`);

const sends = a.lines.filter((l) => l.complete === "sendToGroup");
const notOk = sends.filter((l) => l.status !== "ok" || l.sent !== true);
check(sends.length === N && notOk.length === 0, `every call completed once, ok and sent (${sends.length} completions, ${notOk.length} not ok: ${JSON.stringify(notOk.slice(0, 3))})`);
const acks = sends.map((l) => l.ackId);
check(new Set(acks).size === N, "each call has its own ackId");
const dups = sends.filter((l) => l.isDuplicated).length;
log(`${dups} call(s) answered Duplicate (sent again after the recovery; the service had them)`);
check(a.count((l) => l.event === "connected") === 1 && a.count((l) => l.event === "recovering") === 1 && a.count((l) => l.event === "recovered") === 1,
  "A kept its session: 1 connection, 1 recovery");
const refused = (a.err.match(/upgrade refused: HTTP 503/g) || []).length;
check(refused >= 1, `A's recovery upgrades were refused with HTTP 503 during the outage (${refused})`);
check(/socket closed \(1006\)/.test(a.err), "A's adapter reported the drop as 1006");

const expected = Array.from({ length: N }, (_, i) => `seq-${i + 1}`);
await until(() => [a, b, c].every((x) => x.got().length >= N), 10000);
await sleep(300); // a duplicate would arrive now
for (const who of [b, c, a]) {
  const seen = who.got();
  const firstBad = expected.findIndex((m, i) => seen[i] !== m);
  check(seen.length === N && firstBad < 0,
    `${who.name} got seq-1..seq-${N} exactly once and in order (got ${seen.length}; first difference at ${firstBad}: ${JSON.stringify(seen.slice(Math.max(0, firstBad - 2), firstBad + 3))})`);
}
check(![a, b, c].some((x) => x.has((l) => l.event === "frame-error")), "no frame errors");
check(b.count((l) => l.event === "recovering") === 0 && c.count((l) => l.event === "recovering") === 0, "B and C were never interrupted");

// a 1 MB binary message through the REST API reaches C whole: a ~1.4 MB frame read over more
// than one poll (1 MiB a poll), reassembled by wslay and decoded in place by the client
await emu.admin("faults?ack_delay_ms=0");
{
  const big = randomBytes(1024 * 1024);
  const sha = (buf) => createHash("sha256").update(buf).digest("hex");
  const { res } = await restSendToGroup(wps, emu, HUB, GROUP, big);
  const binary = () => c.lines.find((l) => l.event === "group-message" && l.data?.dataType === "binary");
  await until(binary, 15000);
  const bytes = Buffer.from(binary()?.data?.data?.$binary ?? "", "base64");
  checkLog(res.status === 202 && bytes.length === big.length && sha(bytes) === sha(big), `a 1 MB binary REST message reached C whole (${bytes.length} bytes, sha256 ${sha(bytes) === sha(big) ? "equal" : "DIFFERENT"})`);
}

// C stops on SIGTERM with a close handshake
c.proc.kill("SIGTERM");
const cCode = await Promise.race([c.exited, sleep(5000).then(() => "timeout")]);
check(cCode === 0 && c.has((l) => l.event === "stopped") && c.has((l) => l.event === "disconnected" && l.code === 1000), `C stopped cleanly on SIGTERM (exit ${cCode}, close code 1000)`);
const cSummary = c.lines.find((l) => l.summary)?.summary || {};
b.proc.stdin.write("/quit\n");
check((await Promise.race([b.exited, sleep(5000).then(() => "timeout")])) === 0, "B stopped cleanly");
if (result.failed) console.log("stderr:\n" + a.err.split("\n").slice(-40).join("\n") + b.err + c.err);
check((await emu.stop()) === 0, "the emulator stopped cleanly");

// ---- the upgrade handshake never blocks the loop: a raw TCP server that is silent, trickles a
// correct answer one byte per write (then the `connected` frame, an ack for the joinGroup, and a
// close reply), or answers with a wrong Sec-WebSocket-Accept.
const frame = (text) => Buffer.concat([Buffer.from([0x81, Buffer.byteLength(text)]), Buffer.from(text)]); // < 126 bytes
function unmask(buf) { // the first client frame in buf: {opcode, text, size} or null
  if (buf.length < 2) return null;
  let len = buf[1] & 127, off = 2;
  if (len === 126) { if (buf.length < 4) return null; len = buf.readUInt16BE(2); off = 4; }
  if (buf.length < off + 4 + len) return null;
  const mask = buf.subarray(off, off + 4), data = Buffer.from(buf.subarray(off + 4, off + 4 + len));
  for (let i = 0; i < len; i++) data[i] ^= mask[i & 3];
  return { opcode: buf[0] & 15, text: data.toString(), size: off + 4 + len };
}
async function rawServer(mode) {
  const srv = net.createServer((sock) => {
    let head = "", rest = Buffer.alloc(0), upgraded = false;
    sock.on("error", () => {});
    sock.on("data", async (d) => {
      if (!upgraded) {
        head += d.toString("latin1");
        if (!head.includes("\r\n\r\n") || mode === "silent") return;
        upgraded = true;
        const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] || "";
        const proto = /sec-websocket-protocol: *(\S+)/i.exec(head)?.[1] || "";
        const accept = mode === "bad-accept" ? "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" : createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
        const answer = Buffer.concat([
          Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${proto}\r\n\r\n`),
          frame(JSON.stringify({ type: "system", event: "connected", userId: "raw", connectionId: "raw-1", reconnectionToken: "tok" })),
        ]);
        for (let i = 0; i < answer.length && !sock.destroyed; i++) {
          sock.write(answer.subarray(i, i + 1));
          await sleep(2);
        }
        return;
      }
      rest = Buffer.concat([rest, d]);
      let f;
      while ((f = unmask(rest))) {
        rest = rest.subarray(f.size);
        if (f.opcode === 8) sock.end(Buffer.from([0x88, 2, 0x03, 0xe8])); // echo a 1000 close
        else if (f.opcode === 1 && JSON.parse(f.text).type === "joinGroup") sock.write(frame(JSON.stringify({ type: "ack", ackId: JSON.parse(f.text).ackId, success: true })));
      }
    });
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return srv;
}
const rawUrl = (srv) => `ws://127.0.0.1:${srv.address().port}/client/hubs/raw?access_token=x`;

{ // silent: the loop keeps its 60 Hz until --timeout stops the client while it is still opening
  const srv = await rawServer("silent");
  const x = run("silent", chatBin, ["--url", rawUrl(srv), "--group", "g", "--count", "0", "--timeout", "2000", "--trace"]);
  const code = await Promise.race([x.exited, sleep(8000).then(() => "timeout")]);
  const s = x.lines.find((l) => l.summary)?.summary || {};
  checkLog(code === 3 && x.has((l) => l.event === "stopped") && s.frames >= 90 && s.maxPollMs < 100,
    `a server that never answers the upgrade: ${s.frames} frames in ${s.seconds} s, longest poll ${s.maxPollMs} ms, stopped at the timeout (exit ${code})`);
  srv.close();
}
{ // trickled: the response head and the first frame arrive one byte per write, across many polls
  const srv = await rawServer("trickle");
  const x = run("trickle", chatBin, ["--url", rawUrl(srv), "--group", "g", "--count", "0", "--timeout", "20000", "--trace"]);
  const ok = await until(() => x.joined(), 8000);
  x.proc.kill("SIGTERM");
  const code = await Promise.race([x.exited, sleep(5000).then(() => "timeout")]);
  const s = x.lines.find((l) => l.summary)?.summary || {};
  checkLog(ok && x.has((l) => l.event === "connected" && l.connectionId === "raw-1") && code === 0 && x.has((l) => l.event === "disconnected" && l.code === 1000),
    `an upgrade answer and first frame trickled one byte per write: connected, joined, closed with 1000 (exit ${code}, ${s.frames} frames, longest poll ${s.maxPollMs} ms)`);
  if (!ok || code !== 0) console.log(x.err);
  srv.close();
}
{ // a wrong Sec-WebSocket-Accept fails the open
  const srv = await rawServer("bad-accept");
  const x = run("bad-accept", chatBin, ["--url", rawUrl(srv), "--group", "g", "--count", "0", "--timeout", "20000", "--trace"]);
  const code = await Promise.race([x.exited, sleep(8000).then(() => "timeout")]);
  checkLog(code === 1 && x.has((l) => l.event === "start-failed") && /wrong or missing Sec-WebSocket-Accept/.test(x.err),
    `a wrong Sec-WebSocket-Accept fails the open: start-failed, exit ${code}`);
  srv.close();
}
clearTimeout(deadline);
log(`done: ${N} messages at ${rate.toFixed(1)}/s from a 60 Hz wslay loop through a ${OUTAGE_MS / 1000} s outage (${refused} refused recovery upgrades, ${dups} Duplicate answers), longest poll ${summary.maxPollMs} ms (A) / ${cSummary.maxPollMs} ms (C, of which ${cSummary.maxOnActionMs} ms printing one message)`);
result.done();
process.exit();
