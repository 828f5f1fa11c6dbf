// wps-emulator under hostile or unusual input, over real sockets: each case must get a specific
// answer and a log line, and the emulator must stay up (run with the ASan+UBSan build).
// Ends "N passed, N failed".   node tests/emulator/hostile.mjs [build/wps-emulator-san]
import http from "node:http";
import { requirePinned, sleep, until, counter, watchdog } from "../util.mjs";
import { startEmulator, freePort, KEY } from "./emu.mjs";

const WebSocket = requirePinned("ws");
const jwt = requirePinned("jsonwebtoken");
const { WebPubSubServiceClient } = requirePinned("@azure/web-pubsub");
const result = counter();
const { check } = result;
const deadline = watchdog(60000, "the hostile-input test");

// an event handler that answers the preflight and every event 200, on {event} URLs
const hport = await freePort();
const handler = http.createServer((req, res) => {
  if (req.method === "OPTIONS") res.setHeader("WebHook-Allowed-Origin", "*");
  req.resume();
  req.on("end", () => res.end());
});
await new Promise((r) => handler.listen(hport, "127.0.0.1", r));
const emu = await startEmulator(process.argv[2] || "build/wps-emulator-san", {
  args: ["--event-handler", `hub=events;url=http://127.0.0.1:${hport}/ev/{event};user=*;system=connected`],
});
const svc = (hub) => new WebPubSubServiceClient(emu.cs, hub, { allowInsecureConnection: true });
const alive = async () => (await fetch(emu.base + "/api/health", { method: "HEAD" })).status === 200;
const logged = (re) => until(() => emu.log.some((l) => re.test(l)), 3000);

// a raw reliable client
async function raw(url, protocol = "json.reliable.webpubsub.azure.v1") {
  const ws = new WebSocket(url, protocol);
  const c = { ws, msgs: [], closed: null, status: null };
  ws.on("message", (d) => c.msgs.push(JSON.parse(d.toString())));
  ws.on("close", (code) => (c.closed = code));
  ws.on("unexpected-response", (_req, res) => (c.status = res.statusCode));
  ws.on("error", () => {});
  await until(() => c.msgs.length || c.closed !== null || c.status !== null);
  return c;
}
const ackOf = (c, id) => c.msgs.find((m) => m.type === "ack" && m.ackId === id);

// 1. a filter nested 600 deep: 400, no stack overflow
{
  const r = await svc("chat").sendToAll("x", { contentType: "text/plain", filter: "not ".repeat(600) + "userId eq 'x'" }).then(() => 202, (e) => e.statusCode);
  check(r === 400, `a filter nested 600 deep is refused with 400 (got ${r})`);
  const body = JSON.stringify({ groups: ["g"], filter: "(".repeat(3000) + "userId eq 'x'" + ")".repeat(3000) });
  const r2 = await svc("chat").addConnectionsToGroups(["g"], "(".repeat(3000) + "userId eq 'x'" + ")".repeat(3000)).then(() => 200, (e) => e.statusCode);
  check(r2 === 400 && body.length > 0, `:addToGroups with a filter 3,000 parentheses deep: 400 (got ${r2})`);
  check(await alive(), "alive after deep filters");
}

// 2. a long access token (60 roles, ~4 KB) is accepted
{
  const roles = Array.from({ length: 60 }, (_, i) => `webpubsub.sendToGroup.some-rather-long-group-name-${i}`);
  const url = (await svc("chat").getClientAccessToken({ userId: "long", roles })).url;
  const c = await raw(url);
  check(url.length > 4000 && c.msgs[0]?.event === "connected", `a ${url.length}-byte access URL connects`);
  c.ws.close();
}

// 3. recovery with an expired access token: the session is the credential
{
  const aud = `http://127.0.0.1:${emu.port}/client/hubs/chat`;
  const tok = jwt.sign({ aud, sub: "short" }, KEY, { expiresIn: 2, algorithm: "HS256" });
  const url = `ws://127.0.0.1:${emu.port}/client/hubs/chat?access_token=${tok}`;
  const c = await raw(url);
  const { connectionId, reconnectionToken } = c.msgs[0] || {};
  check(!!connectionId, "a 2 s token connects");
  await sleep(2300);
  await emu.admin(`drop/${connectionId}`);
  await until(() => c.closed !== null);
  const r = await raw(`${url}&awps_connection_id=${connectionId}&awps_reconnection_token=${reconnectionToken}`);
  check(r.msgs[0]?.event === "connected" && r.msgs[0]?.connectionId === connectionId, "... recovers its session after the token expired");
  const fresh = await raw(url);
  check(fresh.status === 401, `... while a new connection with that token gets 401 (got ${fresh.status})`);
  r.ws.close();
}

// 4. bad requests on a connection: specific acks, the connection stays
{
  const c = await raw((await svc("chat").getClientAccessToken({ userId: "u", roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"] })).url);
  c.ws.send(JSON.stringify({ type: "joinGroup", group: "", ackId: 1 }));
  c.ws.send(JSON.stringify({ type: "joinGroup", group: "g".repeat(1025), ackId: 2 }));
  c.ws.send(JSON.stringify({ type: "setGroupState", group: "g", ackId: 3, state: {} }));
  await until(() => ackOf(c, 1) && ackOf(c, 2) && ackOf(c, 3));
  check(ackOf(c, 1)?.error?.name === "BadRequest" && ackOf(c, 2)?.error?.name === "BadRequest", "empty and 1025-character group names: BadRequest acks");
  check(ackOf(c, 3)?.error?.name === "BadRequest", "an unsupported request with an ackId still gets an ack");
  check(await logged(/the group name has 0 characters/), "... logged");
  c.ws.send("not json");
  await until(() => c.closed !== null);
  check(c.closed === 1008, `an invalid frame closes with 1008 (got ${c.closed})`);
}

// 5. event names a request cannot carry, and a very long one on an {event} URL
{
  const c = await raw((await svc("events").getClientAccessToken({ userId: "ev" })).url);
  c.ws.send(JSON.stringify({ type: "event", event: "a\r\nb", dataType: "text", data: "x", ackId: 1 }));
  c.ws.send(JSON.stringify({ type: "event", event: "!".repeat(3000), dataType: "text", data: "x", ackId: 2 }));
  await until(() => ackOf(c, 1) && ackOf(c, 2), 5000);
  check(ackOf(c, 1)?.error?.name === "BadRequest" && c.closed === null, "an event name with CR/LF: BadRequest, the connection stays");
  check(ackOf(c, 2)?.success === true, "a 3,000-character event name reaches the handler (percent-encoded in its URL)");
  c.ws.close();
  check(await alive(), "alive after the event names");
}

// 6. upgrades the emulator cannot serve: a specific status and a log line each
{
  const url = (await svc("chat").getClientAccessToken({ userId: "p" })).url;
  const custom = await raw(url, "my.custom.protocol");
  check(custom.status === 400 && (await logged(/none of the offered subprotocols/)), `a custom subprotocol: 400, logged (got ${custom.status})`);
  const bad = await raw(url.replace(/access_token=[^&]+/, "access_token=x.y.z"));
  check(bad.status === 401 && (await logged(/rejected WebSocket upgrade: 401/)), "a bad token: 401, logged");
  const nohub = await raw(`ws://127.0.0.1:${emu.port}/client/hubs/9bad?access_token=x`);
  check(nohub.status === 400, `an invalid hub name: 400 (got ${nohub.status})`);
}

// 7. a REST body over 1 MB: 413
{
  const r = await svc("chat").sendToAll("x".repeat(1024 * 1024 + 10), { contentType: "text/plain" }).then(() => 202, (e) => e.statusCode);
  check(r === 413 && (await logged(/over 1 MB \(413\)/)), `a 1 MB+ REST body: 413, logged (got ${r})`);
}

// 8. a WebSocket message over 1 MB: closed with 1009
{
  const c = await raw((await svc("chat").getClientAccessToken({ userId: "big" })).url, "json.webpubsub.azure.v1");
  c.ws.send(JSON.stringify({ type: "event", event: "e", dataType: "text", data: "x".repeat(1100 * 1024) }));
  await until(() => c.closed !== null);
  check(c.closed === 1009 && (await logged(/over 1 MB: closed with 1009/)), `a message over 1 MB: 1009, logged (got ${c.closed})`);
}

// 9. fault injection: acks held back, then failed
{
  const c = await raw((await svc("chat").getClientAccessToken({ userId: "slowack", roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"] })).url);
  const f = await emu.admin("faults?ack_delay_ms=400");
  const t0 = Date.now();
  c.ws.send(JSON.stringify({ type: "joinGroup", group: "g", ackId: 7 }));
  await until(() => ackOf(c, 7), 3000);
  const took = Date.now() - t0;
  check(f.json().ack_delay_ms === 400 && ackOf(c, 7)?.success === true && took >= 350, `ack_delay_ms=400 holds the ack back (${took} ms)`);
  await emu.admin("faults?ack_delay_ms=0&fail_acks=1");
  c.ws.send(JSON.stringify({ type: "joinGroup", group: "g", ackId: 8 }));
  await until(() => ackOf(c, 8), 3000);
  check(ackOf(c, 8)?.error?.name === "InternalServerError", "fail_acks=1 fails every ack");
  // the failure comes before processing: nothing is delivered and the ackId is not remembered,
  // so a retry with it is processed afresh (not Duplicate) and delivered once
  const send = { type: "sendToGroup", group: "g", dataType: "text", data: "once", ackId: 9 };
  const delivered = () => c.msgs.filter((m) => m.type === "message" && m.data === "once").length;
  c.ws.send(JSON.stringify(send));
  await until(() => ackOf(c, 9), 3000);
  await sleep(200);
  check(ackOf(c, 9)?.error?.name === "InternalServerError" && delivered() === 0, `a failed sendToGroup is not delivered (delivered ${delivered()})`);
  await emu.admin("faults?fail_acks=0");
  c.msgs = c.msgs.filter((m) => m.ackId !== 9);
  c.ws.send(JSON.stringify(send));
  await until(() => ackOf(c, 9) && delivered() === 1, 3000);
  await sleep(200);
  check(ackOf(c, 9)?.success === true && delivered() === 1, `its retry with the same ackId succeeds and is delivered once (${JSON.stringify(ackOf(c, 9))}, ${delivered()})`);
  c.ws.close();
}

check(await alive(), "the emulator is still up");
check((await emu.stop()) === 0, "and exits 0");
handler.close();
clearTimeout(deadline);
if (result.failed) console.log(emu.log.slice(-40).join("\n"));
result.done();
process.exit();
