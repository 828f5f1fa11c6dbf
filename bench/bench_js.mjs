// JS side of `make bench`: times @azure/web-pubsub-client 1.1.0's JSON-reliable parseMessages
// and writeMessage on the frames bench.c wrote. Prints "decode-mix NS", "decode-small NS",
// "encode-mix NS" (nanoseconds per frame).
// usage: node bench/bench_js.mjs FRAMES SMALL_FRAMES UP_MESSAGES SECONDS
import { readFileSync } from "node:fs";
const mod = await import(new URL("../tests/diff/node_modules/@azure/web-pubsub-client/dist/esm/index.js", import.meta.url));
const proto = mod.WebPubSubJsonReliableProtocol();
const [framesPath, smallPath, upPath, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg || 1);
const lines = (p) => readFileSync(p, "utf8").split("\n").filter((l) => l.length);
const frames = lines(framesPath).map((l) => l.slice(2));
const small = lines(smallPath).map((l) => l.slice(2));
const ups = lines(upPath).map((l) => {
  const m = JSON.parse(l);
  if (m.data && typeof m.data === "object" && typeof m.data.$binary === "string") {
    const b = Buffer.from(m.data.$binary, "base64");
    m.data = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }
  return m;
});
let sink = 0;
// interleaved rounds, best of 15, like bench.c (this VM's timings are noisy)
function slice(items, fn, secs) {
  let iters = 0;
  const t0 = process.hrtime.bigint();
  let t;
  do {
    for (const x of items) sink += fn(x) ? 1 : 0;
    iters++;
    t = Number(process.hrtime.bigint() - t0);
  } while (t < secs * 1e9);
  return t / (iters * items.length);
}
const work = [
  ["decode-mix", frames, (f) => proto.parseMessages(f)],
  ["decode-small", small, (f) => proto.parseMessages(f)],
  ["encode-mix", ups, (m) => proto.writeMessage(m)],
];
for (const [, items, fn] of work) for (let w = 0; w < 3; w++) for (const x of items) sink += fn(x) ? 1 : 0; // JIT warm-up
const best = work.map(() => Infinity);
for (let round = 0; round < 15; round++)
  work.forEach(([, items, fn], i) => { best[i] = Math.min(best[i], slice(items, fn, seconds / 15 / work.length)); });
work.forEach(([name], i) => console.log(`${name} ${best[i].toFixed(1)}`));
if (sink < 0) console.log(sink);
// The whole official client: a connected WebPubSubClient on a fake socket receives the frames of
// FRAMES.client (group messages with increasing sequenceIds); ns per message through its
// message handler (parse, duplicate check, sequence accounting, group-message event).
{
  const clientFrames = lines(`${framesPath}.client`).map((l) => l.slice(2));
  const connected = JSON.stringify({ type: "system", event: "connected", userId: "u", connectionId: "A", reconnectionToken: "t" });
  async function connectedClient() {
    let ws;
    const client = new mod.WebPubSubClient("wss://h/client/hubs/x?access_token=t", { keepAliveIntervalInMs: 0, keepAliveTimeoutInMs: 0 });
    client._getWebSocketClientFactory = () => ({
      create: () => (ws = {
        open: false,
        onopen(fn) { this._open = fn; }, onclose(fn) { this._close = fn; }, onerror() {}, onmessage(fn) { this._message = fn; },
        isOpen() { return this.open; }, async send() {}, close() {},
      }),
    });
    const started = client.start();
    ws.open = true;
    ws._open();
    await started;
    ws._message(connected);
    let events = 0;
    client.on("group-message", () => { events++; });
    return { ws, count: () => events };
  }
  let bestClient = Infinity;
  for (let round = 0; round < 15; round++) {
    const { ws, count } = await connectedClient();
    const t0 = process.hrtime.bigint();
    for (const f of clientFrames) ws._message(f);
    const t = Number(process.hrtime.bigint() - t0);
    if (count() !== clientFrames.length) throw new Error(`expected ${clientFrames.length} events, got ${count()}`);
    bestClient = Math.min(bestClient, t / clientFrames.length);
  }
  console.log(`client ${bestClient.toFixed(1)}`);
  process.exit(0); // the clients' sequenceAck timers would keep node alive
}
