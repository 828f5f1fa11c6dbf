// wps-emulator's upstream events, checked by a small local event handler built on
// @azure/web-pubsub-express 1.1.0 (WebPubSubEventHandler) with the official client 1.1.0:
// abuse-protection preflight, ce-signature of every request, the connect event (body: claims,
// query, headers, subprotocols) and its response (userId, groups, roles honoured; 401 refuses the
// upgrade), connection state carried by ce-connectionState, connected, user events answered back
// to the caller (sendEvent and invokeEvent), simple WebSocket clients' "message" events, and
// disconnected. Ends "N passed, N failed".
//   node tests/emulator/webhook.mjs [build/wps-emulator]
import http from "node:http";
import crypto from "node:crypto";
import { requirePinned, sleep, until, counter, watchdog } from "../util.mjs";
import { startEmulator, freePort, KEY } from "./emu.mjs";

const emuBin = process.argv[2] || "build/wps-emulator";
const { WebPubSubClient } = requirePinned("@azure/web-pubsub-client");
const { WebPubSubServiceClient } = requirePinned("@azure/web-pubsub");
const { WebPubSubEventHandler } = requirePinned("@azure/web-pubsub-express");
const WebSocket = requirePinned("ws");
const result = counter();
const { check } = result;
const deadline = watchdog(60000, "the webhook test");

// ---------------------------------------------------------------- the event handler
const seen = []; // every request: {method, url, headers, signatureOk}
const events = []; // what the handler callbacks saw
const handler = new WebPubSubEventHandler("chat", {
  path: "/eventhandler",
  allowedEndpoints: ["http://127.0.0.1"],
  handleConnect(req, res) {
    events.push({ kind: "connect", claims: req.claims, query: req.queries ?? req.query, headers: req.headers, subprotocols: req.subprotocols, userId: req.context.userId });
    if (req.context.userId === "blocked") return res.fail(401, "not you");
    res.setState("visits", 1);
    res.success({ userId: req.context.userId + "-checked", groups: ["hooked"], roles: ["webpubsub.sendToGroup"] });
  },
  onConnected(req) {
    events.push({ kind: "connected", userId: req.context.userId, connectionId: req.context.connectionId, states: req.context.states });
  },
  handleUserEvent(req, res) {
    events.push({ kind: "user", event: req.context.eventName, data: req.data, dataType: req.dataType, states: { ...req.context.states } });
    if (req.context.eventName === "fail") return res.fail(500, "boom");
    if (req.context.eventName === "message") return res.success(`simple: ${req.data}`, "text");
    res.setState("visits", (req.context.states.visits ?? 0) + 1);
    res.success(`echo: ${typeof req.data === "string" ? req.data : JSON.stringify(req.data)}`, "text");
  },
  onDisconnected(req) {
    events.push({ kind: "disconnected", userId: req.context.userId, reason: req.reason, connectionId: req.context.connectionId });
  },
});
const mw = handler.getMiddleware();
const sign = (id) => "sha256=" + crypto.createHmac("sha256", KEY).update(id).digest("hex");
const server = http.createServer((req, res) => {
  const sig = req.headers["ce-signature"];
  seen.push({ method: req.method, url: req.url, headers: req.headers, signatureOk: !!sig && sig.split(",").includes(sign(req.headers["ce-connectionid"] || "")) });
  req.baseUrl = "";
  req.path = new URL(req.url, "http://x").pathname;
  mw(req, res, () => {
    res.statusCode = 404;
    res.end("no handler here");
  });
});
const hport = await freePort();
await new Promise((r) => server.listen(hport, "127.0.0.1", r));

const emu = await startEmulator(emuBin, {
  args: ["--event-handler", `hub=chat;url=http://127.0.0.1:${hport}/eventhandler;user=*;system=connect,connected,disconnected`],
});
const svc = new WebPubSubServiceClient(emu.cs, "chat", { allowInsecureConnection: true });

// ---------------------------------------------------------------- connect, connected
const c = new WebPubSubClient(await svc.getClientAccessToken({ userId: "alice", roles: [] }).then((t) => t.url));
const got = [];
for (const ev of ["connected", "disconnected", "server-message", "group-message", "stopped"]) c.on(ev, (e) => got.push({ ev, ...e }));
await c.start();
check(seen[0]?.method === "OPTIONS" && seen[0]?.headers["webhook-request-origin"] === "127.0.0.1", "abuse protection: OPTIONS with WebHook-Request-Origin first");
check(seen.filter((s) => s.method === "OPTIONS").length === 1, "the preflight is sent once per handler URL");
const connect = events.find((e) => e.kind === "connect");
check(connect?.userId === "alice", "connect: ce-userId from the token");
check(connect?.claims?.sub?.[0] === "alice" && Array.isArray(connect?.claims?.aud), "connect body: the token's claims");
check(typeof connect?.query?.access_token?.[0] === "string", "connect body: the query with access_token");
check(connect?.subprotocols?.[0] === "json.reliable.webpubsub.azure.v1", "connect body: the requested subprotocols");
check(Object.keys(connect?.headers || {}).some((h) => h.toLowerCase() === "host"), "connect body: the request headers");
await until(() => got.some((g) => g.ev === "connected"));
const connected = got.find((g) => g.ev === "connected") || {};
check(connected?.userId === "alice-checked", "the connect response's userId is the connection's user");
check(await until(() => events.some((e) => e.kind === "connected" && e.userId === "alice-checked")), "connected event, with the new userId");
check(events.find((e) => e.kind === "connected")?.states?.visits === 1, "the connect response's state comes back in ce-connectionState");
await svc.group("hooked").sendToAll("to hooked", { contentType: "text/plain" });
// a REST group send reaches the members as a group message with no sender (group-message, not server-message)
check(await until(() => got.some((g) => g.ev === "group-message" && g.message.group === "hooked" && g.message.data === "to hooked" && g.message.fromUserId == null)),
  "the connect response's groups are joined");
check((await c.sendToGroup("hooked", "allowed by the handler's role", "text")).ackId > 0, "the connect response's roles are granted");

// ---------------------------------------------------------------- user events
await c.sendEvent("greet", "hello", "text");
check(await until(() => got.some((g) => g.ev === "server-message" && g.message.data === "echo: hello")), "sendEvent: the handler's answer is sent back");
const ue = events.find((e) => e.kind === "user" && e.event === "greet");
check(ue?.data === "hello" && ue?.dataType === "text", "user event: event name, data and data type");
check(ue?.states?.visits === 1, "user event: the connection state");
await c.sendEvent("greet", { a: 1 }, "json");
check(await until(() => events.some((e) => e.kind === "user" && e.states?.visits === 2)), "a user event's response state is kept");
check(await until(() => got.some((g) => g.ev === "server-message" && g.message.data === 'echo: {"a":1}')), "json user event");
const inv = await c.invokeEvent("price", "sku-1", "text").catch((e) => ({ error: String(e) }));
check(inv?.data === "echo: sku-1", "invokeEvent: the handler's answer is the result " + JSON.stringify(inv));
check(seen.filter((s) => s.method === "POST").every((s) => s.signatureOk), "every request carries a valid ce-signature");
check(seen.filter((s) => s.method === "POST").every((s) => s.headers["ce-hub"] === "chat" && s.headers["ce-awpsversion"] === "1.0" && s.headers["ce-specversion"] === "1.0"),
  "ce-hub, ce-awpsversion, ce-specversion on every request");
check(seen.some((s) => s.headers["ce-type"] === "azure.webpubsub.user.greet" && s.headers["ce-subprotocol"] === "json.reliable.webpubsub.azure.v1"), "ce-type and ce-subprotocol of a user event");

// ---------------------------------------------------------------- a refusing connect
const blocked = new WebPubSubClient(await svc.getClientAccessToken({ userId: "blocked" }).then((t) => t.url), { reconnectRetryOptions: { maxRetries: 0 } });
const refused = await blocked.start().then(() => "started", () => "refused");
check(refused === "refused", "a 401 from the connect handler refuses the upgrade");
check(emu.log.some((l) => /rejected WebSocket upgrade: 401 .*connect event handler/.test(l)), "the refusal is logged");
check(!events.some((e) => e.kind === "connected" && e.userId === "blocked"), "no connected event for a refused connection");

// ---------------------------------------------------------------- a simple WebSocket client
const simpleUrl = await svc.getClientAccessToken({ userId: "plain" }).then((t) => t.url);
const ws = new WebSocket(simpleUrl);
const frames = [];
ws.on("message", (d) => frames.push(d.toString()));
await new Promise((r, j) => (ws.on("open", r), ws.on("error", j)));
ws.send("hi there");
check(await until(() => frames.includes("simple: hi there")), "a simple client's frame is the \"message\" event; the answer comes back as a frame");
ws.close();
check(await until(() => events.some((e) => e.kind === "disconnected" && e.userId === "plain-checked")), "disconnected when a simple client closes");

// ---------------------------------------------------------------- disconnected
const id = connected.connectionId;
await c.stop();
check(await until(() => events.some((e) => e.kind === "disconnected" && e.connectionId === id)), "disconnected event when the client stops");
check(typeof events.find((e) => e.kind === "disconnected" && e.connectionId === id)?.reason === "string", "disconnected carries a reason");

// a failing user event drops the connection (docs/service-rules.md 4.4)
const d = new WebPubSubClient(await svc.getClientAccessToken({ userId: "dave" }).then((t) => t.url), { autoReconnect: false });
const dgot = [];
d.on("disconnected", (e) => dgot.push(e));
await d.start();
await d.sendEvent("fail", "x", "text").catch(() => {});
check(await until(() => dgot.length > 0), "a failing user event drops the connection");
d.stop();

// REST close: disconnected with the REST reason
const e2 = new WebPubSubClient(await svc.getClientAccessToken({ userId: "erin" }).then((t) => t.url), { autoReconnect: false });
let eid;
e2.on("connected", (e) => (eid = e.connectionId));
await e2.start();
await until(() => eid);
await svc.closeConnection(eid, { reason: "closed by the server" });
check(await until(() => events.some((e) => e.kind === "disconnected" && e.connectionId === eid && e.reason === "closed by the server")), "disconnected carries the REST close reason");
e2.stop();

const code = await emu.stop();
check(code === 0, "the emulator exits 0");
server.close();
clearTimeout(deadline);
if (result.failed) console.log(JSON.stringify(events, null, 1).slice(0, 4000), emu.log.slice(-30).join("\n"));
result.done();
process.exit();
