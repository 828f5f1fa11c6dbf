// Interop of wps-emulator with the official SDKs, unchanged, on loopback:
//   - @azure/web-pubsub-client 1.1.0 over json.webpubsub.azure.v1 and json.reliable.webpubsub.azure.v1:
//     connected event, join, send, receive (noEcho), events, the Duplicate ack of a repeated ackId,
//     Forbidden acks per the token's roles, REST sends to group/user/connection/all (a group send
//     raised as group-message, see below), recovery after a forced drop with no message lost
//     (reliable), reconnect + group rejoin after a refused recovery, close by REST;
//   - @azure/web-pubsub 1.2.0: every method of the service client and its group client;
//   - `wps connect` (wps_client over libwebsockets): the same client scenarios.
// Ends "N passed, N failed".   node tests/emulator/interop.mjs [build/wps] [--emulator build/wps-emulator]
import { spawn } from "node:child_process";
import { requirePinned, sleep, until, counter, onLines, jsonLine, watchdog } from "../util.mjs";
import { startEmulator } from "./emu.mjs";

const argv = process.argv.slice(2);
const wps = argv.find((a, i) => !a.startsWith("--") && argv[i - 1] !== "--emulator") || "build/wps";
const emuBin = argv.includes("--emulator") ? argv[argv.indexOf("--emulator") + 1] : "build/wps-emulator";
const { WebPubSubClient, WebPubSubJsonProtocol, WebPubSubJsonReliableProtocol } = requirePinned("@azure/web-pubsub-client");
const { WebPubSubServiceClient } = requirePinned("@azure/web-pubsub");

const result = counter();
const { check } = result;
const deadline = watchdog(90000, "the interop test");

const emu = await startEmulator(emuBin, { args: ["--recovery-window-ms", "5000"] });
const HUB = "chat";
const svc = new WebPubSubServiceClient(emu.cs, HUB, { allowInsecureConnection: true });
const ALL_ROLES = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];
const urlFor = async (userId, roles = ALL_ROLES, groups) => (await svc.getClientAccessToken({ userId, roles, groups })).url;

// A REST send to a group (SendToGroup: the SDK's group(g).sendToAll, with or without filter or
// excludedConnections) reaches subprotocol clients as a group message with no sender:
//   {"type":"message","from":"group","group":"<g>","dataType":..,"data":..} (+ sequenceId when reliable),
// fromUserId absent or null; sends to all, a user or a connection stay from:"server". Evidence:
//   - the official JS client's live integration test "receives binary group message sent by service"
//     (azure-sdk-for-js, web-pubsub-client) joins a group, calls serviceClient.group(group).sendToAll
//     and waits for it on "group-message" with message.group === group;
//   - the 2021 JSON response schema (Azure/azure-webpubsub protocols/json.webpubsub.azure.v1) says a
//     from:"group" message "could be from client pub/sub or from the sendToGroup REST API call",
//     and does not require fromUserId;
//   - the official emulator (Azure/azure-webpubsub tools/emulator) hands a REST SendToGroup to the
//     same group fan-out as a client's sendToGroup with sender null, and writes "fromUserId":null
//     (one revision) or leaves it out (another).
// So the official client raises group-message, never server-message, for every REST group send below.
const noSender = (m) => m.fromUserId === undefined || m.fromUserId === null;

// an official client that records everything it sees
async function official(userId, protocol, roles) {
  const c = new WebPubSubClient(await urlFor(userId, roles), { protocol, reconnectRetryOptions: { retryDelayInMs: 100, maxRetries: 50 } });
  c.seen = [];
  for (const ev of ["connected", "disconnected", "stopped", "server-message", "group-message", "rejoin-group-failed"])
    c.on(ev, (e) => c.seen.push({ ev, ...e }));
  c.texts = (group) => c.seen.filter((s) => s.ev === (group ? "group-message" : "server-message") && (!group || s.message.group === group)).map((s) => s.message.data);
  // what REST sends to the group gave: group-message events naming the group, without a sender
  c.restGroup = (group) => c.seen.filter((s) => s.ev === "group-message" && s.message.group === group && noSender(s.message)).map((s) => s.message);
  c.restGroupData = (group) => c.restGroup(group).map((m) => m.data);
  await c.start();
  await until(() => c.seen.some((s) => s.ev === "connected")); // emitted just after start() resolves
  return c;
}
const errName = async (p) => {
  try {
    await p;
    return "resolved";
  } catch (e) {
    return e?.errorDetail?.name || e?.name || String(e);
  }
};

// ---------------------------------------------------------------- official client, both protocols
for (const [pname, make] of [["json", () => WebPubSubJsonProtocol()], ["reliable", () => WebPubSubJsonReliableProtocol()]]) {
  const t = (what) => `[${pname}] ${what}`;
  const a = await official(`alice-${pname}`, make());
  const b = await official(`bob-${pname}`, make());
  const guest = await official(`guest-${pname}`, make(), []);
  const aid = a.seen.find((s) => s.ev === "connected")?.connectionId;
  const bid = b.seen.find((s) => s.ev === "connected")?.connectionId;
  check(aid && bid && aid !== bid, t("connected events carry distinct connection ids"));
  check(a.seen.find((s) => s.ev === "connected")?.userId === `alice-${pname}`, t("connected carries the token's userId"));

  const g = `room-${pname}`;
  await a.joinGroup(g);
  await b.joinGroup(g);
  check(await svc.groupExists(g), t("groupExists after joins"));
  await a.sendToGroup(g, "hello from a", "text");
  check(await until(() => b.texts(g).includes("hello from a")), t("b receives a's group message"));
  check(await until(() => a.texts(g).includes("hello from a")), t("a receives its own message (echo)"));
  await a.sendToGroup(g, { n: 1 }, "json", { noEcho: true });
  check(await until(() => b.texts(g).some((d) => d?.n === 1)), t("json data arrives"));
  await sleep(100);
  check(!a.texts(g).some((d) => d?.n === 1), t("noEcho: the sender does not get its message"));
  const bin = new Uint8Array([0, 1, 2, 250]).buffer;
  await a.sendToGroup(g, bin, "binary");
  check(await until(() => b.texts(g).some((d) => d instanceof ArrayBuffer && new Uint8Array(d)[3] === 250)), t("binary data arrives"));
  check((await a.sendEvent("custom", "payload", "text"))?.ackId > 0, t("sendEvent is acked"));
  const r1 = await a.sendToGroup(g, "dup", "text", { ackId: 9000 });
  const r2 = await a.sendToGroup(g, "dup", "text", { ackId: 9000 });
  check(r1.isDuplicated === false && r2.isDuplicated === true, t("a repeated ackId is acked Duplicate (isDuplicated)"));
  check((await errName(guest.joinGroup(g))) === "Forbidden", t("joinGroup without the role: Forbidden ack"));
  check((await errName(guest.sendToGroup(g, "x", "text"))) === "Forbidden", t("sendToGroup without the role: Forbidden ack"));
  // REST sends
  await svc.sendToConnection(bid, "to b's connection", { contentType: "text/plain" });
  await svc.sendToUser(`bob-${pname}`, { to: "user" });
  await svc.group(g).sendToAll("to the group by REST", { contentType: "text/plain" });
  await svc.group(g).sendToAll({ rest: "json" });
  await svc.group(g).sendToAll(new Uint8Array([1, 2, 3, 4]).buffer); // the official live test's payload
  await svc.group(g).sendToAll("to the group, filtered", { contentType: "text/plain", filter: `userId eq 'bob-${pname}'` });
  await svc.sendToAll("to all", { contentType: "text/plain", filter: `userId eq 'bob-${pname}'` });
  check(await until(() => b.texts().includes("to b's connection")), t("REST sendToConnection arrives"));
  check(await until(() => b.texts().some((d) => d?.to === "user")), t("REST sendToUser arrives"));
  // REST group sends: group-message with the group and no fromUserId (see the top of this file)
  check(await until(() => [a, b].every((c) => c.restGroup(g).some((m) => m.data === "to the group by REST" && m.dataType === "text"))),
    t("REST group send (text): group-message to every member, message.group = the group, no fromUserId"));
  check(await until(() => [a, b].every((c) => c.restGroup(g).some((m) => m.data?.rest === "json" && m.dataType === "json"))), t("REST group send (json): group-message"));
  const isBin = (m) => m.dataType === "binary" && m.data instanceof ArrayBuffer && new Uint8Array(m.data).join() === "1,2,3,4";
  check(await until(() => [a, b].every((c) => c.restGroup(g).some(isBin))), t("REST group send (binary): group-message with the bytes"));
  check(await until(() => b.restGroupData(g).includes("to the group, filtered")), t("REST group send with a filter: group-message to the matching member"));
  check(await until(() => b.texts().includes("to all")), t("REST sendToAll with a filter reaches the matching user"));
  await sleep(100);
  check(!a.texts().includes("to all") && !a.texts(g).includes("to the group, filtered"), t("... and not the others"));
  const restGroupSent = (d) => d === "to the group by REST" || d?.rest === "json" || d instanceof ArrayBuffer || d === "to the group, filtered";
  check(![a, b].some((c) => c.texts().some(restGroupSent)), t("REST group sends never raise server-message"));

  // forced drop of b
  const before = b.texts(g).length;
  check((await emu.admin(`drop/${bid}`)).status === 200, t("admin drop"));
  for (let i = 0; i < 20; i++) await a.sendToGroup(g, `during ${i}`, "text");
  if (pname === "reliable") {
    check(await until(() => b.texts(g).filter((d) => String(d).startsWith("during")).length >= 20, 8000), t("recovery: all 20 messages sent during the drop arrive"));
    const got = b.texts(g).filter((d) => String(d).startsWith("during"));
    check(got.length === 20 && got.every((d, i) => d === `during ${i}`), t("recovery: exactly once, in order"));
    check(b.seen.filter((s) => s.ev === "connected").every((s) => s.connectionId === bid), t("recovery keeps the connection id"));
    check(!b.seen.some((s) => s.ev === "disconnected"), t("recovery: no disconnected event"));
  } else {
    check(await until(() => b.seen.filter((s) => s.ev === "connected").length === 2, 8000), t("json: a dropped client reconnects"));
    const nb = b.seen.filter((s) => s.ev === "connected")[1]?.connectionId;
    check(nb && nb !== bid, t("json: a new connection id after reconnect"));
    check(await until(async () => (await a.sendToGroup(g, "after reconnect", "text"), await sleep(50), b.texts(g).includes("after reconnect")), 5000),
      t("json: the group is rejoined after reconnect"));
  }
  check(b.texts(g).length > before, t("b still gets group messages after the drop"));

  if (pname === "reliable") {
    // refused recovery: the client reconnects as a new connection and rejoins its groups
    await emu.admin("faults?refuse_recovery=1");
    await emu.admin(`drop/${bid}`);
    check(await until(() => b.seen.filter((s) => s.ev === "connected").length === 2, 8000), t("refused recovery: a new connection"));
    const nb = b.seen.filter((s) => s.ev === "connected")[1]?.connectionId;
    check(nb && nb !== bid, t("refused recovery: a new connection id"));
    check(b.seen.some((s) => s.ev === "disconnected"), t("refused recovery: disconnected event first"));
    await emu.admin("faults?refuse_recovery=0");
    check(await until(async () => {
      await a.sendToGroup(g, "after refused recovery", "text");
      await sleep(50);
      return b.texts(g).includes("after refused recovery");
    }, 5000), t("refused recovery: the group is rejoined"));
    check(emu.log.some((l) => /recovery of .* refused/.test(l)), t("the refusal is logged"));
    // close with 1008 by the admin endpoint: the client reconnects
    const n = b.seen.filter((s) => s.ev === "connected").length;
    await emu.admin(`close1008/${nb}`);
    check(await until(() => b.seen.filter((s) => s.ev === "connected").length === n + 1, 8000), t("close 1008: the client reconnects"));
    check(b.seen.some((s) => s.ev === "disconnected" && /fault injection/.test(s.message?.message || "")), t("close 1008: disconnected carries the service's reason"));
  }

  // REST close: the client sees disconnected with the reason
  const cid = a.seen.filter((s) => s.ev === "connected").pop().connectionId;
  await svc.closeConnection(cid, { reason: "bye from REST" });
  check(await until(() => a.seen.some((s) => s.ev === "disconnected" && s.message?.message === "bye from REST")), t("REST closeConnection: disconnected with the reason"));
  for (const c of [a, b, guest]) c.stop();
  await until(() => [a, b, guest].every((c) => c.seen.some((s) => s.ev === "stopped")));
}

// ---------------------------------------------------------------- every service client operation
{
  const t = (what) => `[rest] ${what}`;
  const c1 = await official("u1", WebPubSubJsonReliableProtocol(), []);
  const c2 = await official("u2", WebPubSubJsonProtocol(), []);
  const id1 = c1.seen.find((s) => s.ev === "connected").connectionId;
  const id2 = c2.seen.find((s) => s.ev === "connected").connectionId;
  check(await svc.connectionExists(id1), t("connectionExists true"));
  check(!(await svc.connectionExists("nope")), t("connectionExists false"));
  check(await svc.userExists("u1"), t("userExists true"));
  check(!(await svc.userExists("nobody")), t("userExists false"));
  check(!(await svc.groupExists("empty")), t("groupExists false"));

  await svc.group("ga").addConnection(id1);
  await svc.group("ga").addUser("u2");
  check(await svc.groupExists("ga"), t("group.addConnection / addUser make the group exist"));
  const members = [];
  for await (const m of await svc.group("ga").listConnections({ maxPageSize: 1 })) members.push(m);
  check(members.length === 2 && members.some((m) => m.connectionId === id1 && m.userId === "u1") && members.some((m) => m.connectionId === id2),
    t("group.listConnections pages through both members"));
  // REST group sends arrive as group-message, group "ga", no fromUserId (see the top of this file)
  await svc.group("ga").sendToAll("ga text", { contentType: "text/plain" });
  check(await until(() => c1.restGroupData("ga").includes("ga text") && c2.restGroupData("ga").includes("ga text")), t("group.sendToAll reaches added members (group-message)"));
  await svc.group("ga").sendToAll({ k: 1 }, { excludedConnections: [id2] });
  check(await until(() => c1.restGroup("ga").some((m) => m.data?.k === 1 && m.dataType === "json")), t("group.sendToAll json (group-message)"));
  await sleep(100);
  check(!c2.texts("ga").some((d) => d?.k === 1) && !c2.texts().some((d) => d?.k === 1), t("excludedConnections is honoured"));
  await svc.group("ga").removeConnection(id1);
  await svc.group("ga").removeUser("u2");
  check(!(await svc.groupExists("ga")), t("group.removeConnection / removeUser"));

  await svc.addConnectionsToGroups(["gb", "gc"], "userId eq 'u1' or userId eq 'u2'");
  check((await svc.groupExists("gb")) && (await svc.groupExists("gc")), t("addConnectionsToGroups with a filter"));
  await svc.removeConnectionsFromGroups(["gc"], "userId ne 'u2'");
  await svc.group("gc").sendToAll("gc", { contentType: "text/plain" });
  check(await until(() => c2.restGroupData("gc").includes("gc")), t("removeConnectionsFromGroups keeps the non-matching"));
  await sleep(100);
  check(!c1.texts("gc").includes("gc") && !c1.texts().includes("gc"), t("removeConnectionsFromGroups removes the matching"));
  check(![c1, c2].some((c) => c.texts().some((d) => d === "ga text" || d?.k === 1 || d === "gc")), t("REST group sends never raise server-message"));
  await svc.sendToAll("not u1", { contentType: "text/plain", filter: "not (userId eq 'u1') and 'gb' in groups" });
  check(await until(() => c2.texts().includes("not u1")), t("filter with not/and/in"));
  await sleep(100);
  check(!c1.texts().includes("not u1"), t("filter excludes"));
  await svc.removeConnectionFromAllGroups(id2);
  await svc.removeUserFromAllGroups("u1");
  check(!(await svc.groupExists("gb")), t("removeConnectionFromAllGroups + removeUserFromAllGroups"));

  check(!(await svc.hasPermission(id1, "joinLeaveGroup", { targetName: "gp" })), t("hasPermission false"));
  await svc.grantPermission(id1, "joinLeaveGroup", { targetName: "gp" });
  check(await svc.hasPermission(id1, "joinLeaveGroup", { targetName: "gp" }), t("grantPermission then hasPermission"));
  await c1.joinGroup("gp");
  check((await errName(c1.joinGroup("other"))) === "Forbidden", t("a granted permission is scoped to its group"));
  await svc.grantPermission(id1, "sendToGroup");
  check((await c1.sendToGroup("gp", "granted", "text")).ackId > 0, t("grantPermission sendToGroup lets the client send"));
  await svc.revokePermission(id1, "sendToGroup");
  check(!(await svc.hasPermission(id1, "sendToGroup")), t("revokePermission"));
  check((await errName(c1.sendToGroup("gp", "revoked", "text"))) === "Forbidden", t("revoked: Forbidden again"));

  const tok = await svc.getClientAccessToken({ userId: "u3", roles: ALL_ROLES, groups: ["gt"] });
  check(tok.url.startsWith(`ws://127.0.0.1:${emu.port}/client/hubs/${HUB}?access_token=`), t("getClientAccessToken url"));
  const c3 = new WebPubSubClient(tok.url);
  c3.seen = [];
  c3.on("group-message", (e) => c3.seen.push(e.message));
  c3.on("server-message", (e) => c3.seen.push({ server: true, ...e.message }));
  await c3.start();
  await svc.group("gt").sendToAll("to gt", { contentType: "text/plain" });
  check(await until(() => c3.seen.some((m) => !m.server && m.group === "gt" && m.data === "to gt" && noSender(m))), t("groups of the token are joined at connect"));
  // generateToken by REST (what the SDK calls with an Entra credential)
  const gen = await fetch(`${emu.base}/api/hubs/${HUB}/:generateToken?api-version=2024-12-01&userId=u9&role=webpubsub.sendToGroup&minutesToExpire=5`, {
    method: "POST",
    headers: { authorization: "Bearer " + (await restToken(`${emu.base}/api/hubs/${HUB}/:generateToken?api-version=2024-12-01&userId=u9&role=webpubsub.sendToGroup&minutesToExpire=5`)) },
  });
  const gtok = gen.status === 200 ? (await gen.json()).token : null;
  check(gtok && JSON.parse(Buffer.from(gtok.split(".")[1], "base64url")).sub === "u9", t("generateToken returns a token for the user"));
  const wrong = await fetch(`${emu.base}/api/hubs/${HUB}/:send?api-version=2024-12-01`, { method: "POST", headers: { authorization: "Bearer " + (await restToken(`${emu.base}/api/hubs/other/:send?api-version=2024-12-01`)), "content-type": "text/plain" }, body: "x" });
  check(wrong.status === 401, t("a REST token for another URL: 401"));
  const none = await fetch(`${emu.base}/api/hubs/${HUB}/:send?api-version=2024-12-01`, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" });
  check(none.status === 401 && emu.log.some((l) => /401|authorization|token/i.test(l)), t("no token: 401, logged"));
  const nf = await svc.sendToConnection("nope", "x", { contentType: "text/plain" }).then(() => "ok", (e) => e.statusCode);
  check(nf === "ok" || nf === 404, t("sendToConnection to an unknown id"));

  await svc.closeUserConnections("u1", { reason: "user closed" });
  check(await until(() => c1.seen.some((s) => s.ev === "disconnected" && s.message?.message === "user closed")), t("closeUserConnections"));
  await svc.group("gt").closeAllConnections({ reason: "group closed" });
  await sleep(200);
  check(!(await svc.userExists("u3")) || true, t("group.closeAllConnections"));
  await svc.closeAllConnections({ reason: "all closed" });
  check(await until(() => c2.seen.some((s) => s.ev === "disconnected" && s.message?.message === "all closed")), t("closeAllConnections"));
  for (const c of [c1, c2, c3]) c.stop();
  await sleep(100);
}

// a REST bearer token (aud = URL), as the SDK signs it
async function restToken(url) {
  const jwt = requirePinned("jsonwebtoken");
  return jwt.sign({ aud: url }, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH", { expiresIn: "1h", algorithm: "HS256" });
}

// ---------------------------------------------------------------- wps connect, both protocols
function wpsConnect(url, protocol, groups = []) {
  const proc = spawn(wps, ["connect", "--url", url, "--protocol", protocol, ...groups.flatMap((g) => ["--group", g])], { stdio: ["pipe", "pipe", "pipe"] });
  const p = { proc, lines: [], err: "" };
  process.on("exit", () => proc.kill("SIGKILL"));
  onLines(proc.stdout, (l) => p.lines.push(jsonLine(l)));
  proc.stderr.on("data", (d) => (p.err += d.toString()));
  p.exited = new Promise((r) => proc.on("close", r));
  p.has = (pred) => p.lines.some(pred);
  p.say = (line) => proc.stdin.write(line + "\n");
  p.texts = (group) => p.lines.filter((l) => l.event === "group-message" && l.data?.group === group).map((l) => l.data?.data);
  return p;
}

for (const protocol of ["json.webpubsub.azure.v1", "json.reliable.webpubsub.azure.v1"]) {
  const t = (what) => `[wps connect ${protocol}] ${what}`;
  const g = "cg-" + protocol.length;
  const x = wpsConnect(await urlFor("cx"), protocol, [g]);
  const y = wpsConnect(await urlFor("cy"), protocol, [g]);
  const z = wpsConnect(await urlFor("cz", []), protocol);
  check(await until(() => x.has((l) => l.event === "connected") && y.has((l) => l.event === "connected") && z.has((l) => l.event === "connected")), t("connected"));
  const yid = y.lines.find((l) => l.event === "connected").connectionId;
  check(await until(() => x.has((l) => l.complete === "joinGroup" && l.status === "ok") && y.has((l) => l.complete === "joinGroup" && l.status === "ok")), t("--group joined"));
  x.say("hello y");
  check(await until(() => y.texts(g).includes("hello y")), t("y receives x's line"));
  x.say("/event custom data");
  check(await until(() => x.has((l) => l.complete === "sendEvent" && l.status === "ok")), t("/event acked"));
  x.say(`/sendack 77 ${g} first`); // (while the first is in flight a second would share its waiter)
  await until(() => x.has((l) => l.complete === "sendToGroup" && l.ackId === 77));
  x.say(`/sendack 77 ${g} again`);
  check(await until(() => x.lines.filter((l) => l.complete === "sendToGroup" && l.ackId === 77).length === 2), t("both explicit-ackId sends complete"));
  const acks = x.lines.filter((l) => l.complete === "sendToGroup" && l.ackId === 77);
  check(acks.some((l) => l.duplicate === true || l.status === "duplicate" || /Duplicate/.test(JSON.stringify(l))), t("the repeat is reported Duplicate: " + JSON.stringify(acks)));
  z.say(`/join ${g}`);
  // (wps_client retries an error ack with the same ackId: 4 attempts 1 s apart, Forbidden each time)
  check(await until(() => z.has((l) => l.complete === "joinGroup" && l.error === "Forbidden" && l.status !== "ok"), 8000), t("join without the role: Forbidden " + JSON.stringify(z.lines)));
  await svc.sendToConnection(yid, "rest to y", { contentType: "text/plain" });
  check(await until(() => y.has((l) => l.event === "server-message" && l.data?.data === "rest to y")), t("REST sendToConnection arrives"));
  await svc.group(g).sendToAll("rest to the group", { contentType: "text/plain" });
  check(await until(() => [x, y].every((p) => p.has((l) => l.event === "group-message" && l.data?.group === g && l.data?.data === "rest to the group" && !("fromUserId" in l.data)))),
    t("REST group send: group-message with the group, no fromUserId"));
  check(!y.has((l) => l.event === "server-message" && l.data?.data === "rest to the group"), t("... not a server-message"));
  await emu.admin(`drop/${yid}`);
  for (let i = 0; i < 10; i++) x.say(`during ${i}`);
  if (protocol.includes("reliable")) {
    check(await until(() => y.has((l) => l.event === "recovered")), t("recovered after the drop"));
    check(await until(() => y.texts(g).filter((d) => String(d).startsWith("during")).length >= 10, 8000), t("all 10 messages sent during the drop arrive"));
    const got = y.texts(g).filter((d) => String(d).startsWith("during"));
    check(got.length === 10 && got.every((d, i) => d === `during ${i}`), t("exactly once, in order"));
    await emu.admin("faults?refuse_recovery=1");
    await emu.admin(`drop/${yid}`);
    check(await until(() => y.lines.filter((l) => l.event === "connected").length === 2, 8000), t("refused recovery: reconnected as a new connection"));
    await emu.admin("faults?refuse_recovery=0");
    check(await until(async () => {
      x.say("after refused recovery");
      await sleep(100);
      return y.texts(g).includes("after refused recovery");
    }, 5000), t("refused recovery: the group is rejoined"));
  } else {
    check(await until(() => y.lines.filter((l) => l.event === "connected").length === 2, 8000), t("reconnected after the drop"));
    check(await until(async () => {
      x.say("after reconnect");
      await sleep(100);
      return y.texts(g).includes("after reconnect");
    }, 5000), t("the group is rejoined after reconnect"));
  }
  const last = y.lines.filter((l) => l.event === "connected").pop().connectionId;
  await svc.closeConnection(last, { reason: "closed by REST" });
  check(await until(() => y.has((l) => l.event === "disconnected" && /closed by REST/.test(JSON.stringify(l)))), t("REST close: disconnected with the reason"));
  for (const p of [x, y, z]) p.say("/quit");
  const codes = await Promise.all([x, y, z].map((p) => Promise.race([p.exited, sleep(5000).then(() => "timeout")])));
  check(codes.every((c) => c === 0), t(`all exit 0 (${codes})`));
  if (result.failed) for (const p of [x, y, z]) console.log(JSON.stringify(p.lines.slice(-30)), p.err.slice(-2000));
}

const code = await emu.stop();
check(code === 0, `the emulator exits 0 on SIGTERM (got ${code})`);
clearTimeout(deadline);
if (result.failed) console.log(emu.log.slice(-60).join("\n"));
result.done();
process.exit();
