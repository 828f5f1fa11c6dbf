// wps-emulator's memory stays bounded when a client stops reading: a json.webpubsub.azure.v1
// client in a group pauses its socket while a peer publishes 60,000 messages of 1 KB (60 MB) to
// the group. The emulator must keep acking the publisher, drop the reader's socket once 16 MB
// wait for it (logged), and stay under 64 MB of RSS. Ends "N passed, N failed".
//   node tests/emulator/slow_reader.mjs [build/wps-emulator]
import { readFileSync } from "node:fs";
import { requirePinned, sleep, until, counter } from "../util.mjs";
import { startEmulator } from "./emu.mjs";

const WebSocket = requirePinned("ws");
const { WebPubSubServiceClient } = requirePinned("@azure/web-pubsub");
const result = counter();
const { check } = result;
const N = 60000, pad = "x".repeat(1000);
const emu = await startEmulator(process.argv[2] || "build/wps-emulator");
const rss = () => Number(readFileSync(`/proc/${emu.proc.pid}/status`, "utf8").match(/VmRSS:\s*(\d+)/)[1]) / 1024;
const svc = new WebPubSubServiceClient(emu.cs, "soak", { allowInsecureConnection: true });
const roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];
const client = async (userId) => {
  const ws = new WebSocket((await svc.getClientAccessToken({ userId, roles })).url, "json.webpubsub.azure.v1", { perMessageDeflate: false });
  const st = { ws, acks: 0, msgs: 0, connected: false, closed: false };
  ws.on("message", (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === "ack") st.acks++;
    else if (m.type === "system" && m.event === "connected") st.connected = true;
    else st.msgs++;
  });
  ws.on("error", () => {});
  ws.on("close", () => (st.closed = true));
  await until(() => st.connected);
  ws.send(JSON.stringify({ type: "joinGroup", group: "g", ackId: 0 }));
  await until(() => st.acks === 1);
  return st;
};
const slow = await client("slow"), pub = await client("pub");
slow.ws._socket.pause(); // stops reading: TCP back-pressure towards the emulator
let peak = 0;
for (let i = 0; i < N; i++) {
  pub.ws.send(`{"type":"sendToGroup","group":"g","dataType":"text","data":"${pad}","noEcho":true,"ackId":${i + 1}}`);
  if (i % 1000 === 999) {
    await until(() => pub.acks >= i - 2000, 10000);
    peak = Math.max(peak, rss());
  }
}
check(await until(() => pub.acks === N + 1, 30000), `the publisher gets every ack (${pub.acks - 1} of ${N})`);
check(await until(() => emu.log.some((l) => /does not read its messages/.test(l)), 5000), "the reader that does not read is dropped, and it is logged");
check(peak < 64, `the emulator's RSS stays bounded (peak ${peak.toFixed(1)} MB < 64 MB)`);
check(!pub.closed, "the publisher keeps its connection");
check((await emu.stop()) === 0, "the emulator exits 0");
result.done();
process.exit();
