// `make demo`: the whole thing on one machine, offline, in a few seconds.
//
//   1. wps-emulator (a local Web PubSub service built on wps.h) starts on a free loopback port;
//   2. two C clients (`wps connect`: wps_client over libwebsockets, json.reliable.webpubsub.azure.v1)
//      and one official JavaScript client (@azure/web-pubsub-client 1.1.0) join the group "lobby";
//   3. they exchange messages;
//   4. bob's socket is dropped abruptly by the emulator, messages are sent while he is away, and
//      bob's client recovers the session: he gets every one of them, once, in order;
//   5. a message is sent to the group through the REST API (the request is built by `wps rest`);
//   6. everything stops; the exit status is 0 only if every step did what it should.
//
//   node tools/demo.mjs [build/wps] [build/wps-emulator]
import { spawn, execFileSync } from "node:child_process";
import { requirePinned, sleep, until, onLines, jsonLine } from "../tests/util.mjs";
import { startEmulator } from "../tests/emulator/emu.mjs";

const wps = process.argv[2] || "build/wps";
const emuBin = process.argv[3] || "build/wps-emulator";
const { WebPubSubClient } = requirePinned("@azure/web-pubsub-client");
const t0 = Date.now();
const color = process.stdout.isTTY ? (c, s) => `\x1b[${c}m${s}\x1b[0m` : (c, s) => s;
const who = { emulator: "90", alice: "36", bob: "33", carol: "35", rest: "32", demo: "1" };
const say = (name, text) => console.log(`${color("2", `[${((Date.now() - t0) / 1000).toFixed(2)}s]`)} ${color(who[name] || "0", name.padEnd(8))} ${text}`);
let failures = 0;
const expect = (ok, what) => {
  if (!ok) failures++;
  say("demo", ok ? `ok: ${what}` : color("31", `FAILED: ${what}`));
};
const watchdog = setTimeout(() => {
  say("demo", color("31", "the demo did not finish in 50 s"));
  process.exit(1);
}, 50000);

say("demo", "starting wps-emulator, a local Web PubSub service built on wps.h (no Azure account needed)");
const emu = await startEmulator(emuBin);
say("emulator", `listening on ${emu.base}`);
say("emulator", `connection string: ${emu.cs}`);
// a group message names its sender; one sent to the group through the REST API has none (fromUserId absent or null)
const from = (m) => (m.fromUserId == null ? `in ${m.group} from the server` : `from ${m.fromUserId}`);
const HUB = "demo", ROLES = ["--role", "webpubsub.joinLeaveGroup", "--role", "webpubsub.sendToGroup"];
const tokenUrl = (user) => execFileSync(wps, ["token", "--connection-string", emu.cs, "--hub", HUB, "--user", user, ...ROLES]).toString().split("\n")[0];

// a C client: `wps connect` prints one JSON line per event
function cClient(name) {
  const url = tokenUrl(name);
  const proc = spawn(wps, ["connect", "--url", url, "--group", "lobby"], { stdio: ["pipe", "pipe", "ignore"] });
  const c = { name, proc, lines: [], got: [], groupGot: [] };
  process.on("exit", () => proc.kill("SIGKILL"));
  onLines(proc.stdout, (l) => {
    const m = jsonLine(l);
    c.lines.push(m);
    if (m.event === "connected") (c.id = m.connectionId), say(name, `connected (wps connect, C) as ${m.connectionId}, user ${m.userId}`);
    else if (m.event === "group-message") c.got.push(m.data.data), c.groupGot.push(m.data), say(name, `got "${m.data.data}" ${from(m.data)}`);
    else if (m.event === "server-message") c.got.push(m.data.data), say(name, `got "${m.data.data}" from the server`);
    else if (m.event === "recovering") say(name, color("33", "socket lost: recovering the session..."));
    else if (m.event === "recovered") say(name, color("33", "recovered: same connection, nothing lost"));
    else if (m.event === "disconnected" || m.event === "stopped") say(name, m.event);
  });
  c.exited = new Promise((r) => proc.on("close", r));
  c.send = (text) => (say(name, `sends "${text}"`), proc.stdin.write(text + "\n"));
  return c;
}

say("demo", `generating client URLs with \`wps token\` (HS256 JWT, ${HUB} hub)`);
const alice = cClient("alice");
const bob = cClient("bob");
const carolUrl = tokenUrl("carol");
const carol = new WebPubSubClient(carolUrl);
const carolGot = [], carolGroup = [];
carol.on("connected", (e) => say("carol", `connected (@azure/web-pubsub-client 1.1.0, JS) as ${e.connectionId}`));
carol.on("group-message", (e) => (carolGot.push(e.message.data), carolGroup.push(e.message), say("carol", `got "${e.message.data}" ${from(e.message)}`)));
carol.on("server-message", (e) => (carolGot.push(e.message.data), say("carol", `got "${e.message.data}" from the server`)));
await carol.start();
await carol.joinGroup("lobby");
say("carol", "joined lobby");
expect(await until(() => [alice, bob].every((c) => c.lines.some((l) => l.complete === "joinGroup" && l.status === "ok")), 10000), "alice and bob joined lobby");

say("demo", color("1", "-- everyone talks"));
alice.send("hello from alice (C)");
await until(() => carolGot.includes("hello from alice (C)"));
say("carol", `sends "hi from carol (JS)"`);
await carol.sendToGroup("lobby", "hi from carol (JS)", "text");
await until(() => alice.got.includes("hi from carol (JS)") && bob.got.includes("hi from carol (JS)"));
bob.send("hey, bob here (C)");
expect(await until(() => alice.got.includes("hey, bob here (C)") && carolGot.includes("hey, bob here (C)")), "every message reached every member");

say("demo", color("1", `-- the emulator drops bob's socket abruptly and fails his recoveries for 1.5 s (POST /admin/drop/${bob.id}?outage_ms=1500)`));
const before = bob.got.length;
onLines(emu.proc.stderr, (l) => /dropped|recovered|recovery|outage/.test(l) && say("emulator", l.replace(/^\[wps-emulator\] /, "")));
await emu.admin(`drop/${bob.id}?outage_ms=1500`);
const away = ["while bob is away 1", "while bob is away 2", "while bob is away 3"];
alice.send(away[0]);
say("carol", `sends "${away[1]}"`);
await carol.sendToGroup("lobby", away[1], "text");
alice.send(away[2]);
expect(await until(() => bob.lines.some((l) => l.event === "recovered"), 10000), "bob's client recovered the session (awps_connection_id + awps_reconnection_token)");
expect(await until(() => away.every((m) => bob.got.includes(m)), 10000), "bob got every message sent while he was away");
const after = bob.got.slice(before);
expect(away.every((m) => after.filter((x) => x === m).length === 1), "... each exactly once (redelivered frames de-duplicated by sequenceId)");
expect(bob.lines.filter((l) => l.event === "connected").length === 1, "... on the same connection (no reconnect, no new connection id)");

say("demo", color("1", "-- a message through the REST API (request built by `wps rest`, sent by fetch)"));
const reqText = execFileSync(wps, ["rest", "--connection-string", emu.cs, "--hub", HUB, "SendToGroup", "--group", "lobby", "--content-type", "text/plain", "--body", "announcement from the server (REST)"]).toString();
const [head, body] = reqText.split(/\r?\n\r?\n/);
const [reqLine, ...hdrs] = head.split(/\r?\n/);
const [method, url] = reqLine.split(" ");
say("rest", `${method} ${url}`);
const r = await fetch(url, { method, headers: Object.fromEntries(hdrs.map((h) => [h.slice(0, h.indexOf(":")), h.slice(h.indexOf(":") + 1).trim()])), body });
say("rest", `-> ${r.status}`);
expect(r.status === 202, "the service accepted it (202)");
expect(await until(() => [alice.got, bob.got, carolGot].every((g) => g.includes("announcement from the server (REST)"))), "all three got the REST message");
expect([alice.groupGot, bob.groupGot, carolGroup].every((g) => g.some((m) => m.data === "announcement from the server (REST)" && m.group === "lobby" && m.fromUserId == null)),
  "... as a group message of lobby with no sender, as the service delivers a REST send to a group");

say("demo", color("1", "-- stopping"));
alice.proc.stdin.write("/quit\n");
bob.proc.stdin.write("/quit\n");
carol.stop();
const codes = await Promise.all([alice.exited, bob.exited].map((p) => Promise.race([p, sleep(5000).then(() => "timeout")])));
expect(codes.every((c) => c === 0), "the C clients stopped cleanly");
expect((await emu.stop()) === 0, "the emulator stopped cleanly");
clearTimeout(watchdog);
say("demo", failures ? color("31", `${failures} step(s) failed`) : color("32", `all done in ${((Date.now() - t0) / 1000).toFixed(1)} s. Next: make test`));
process.exit(failures ? 1 : 0);
