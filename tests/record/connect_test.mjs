// `wps connect` (wps_client over libwebsockets) against the fake service on loopback: connect,
// join from --group, send stdin lines, receive the echo, survive an abrupt drop by recovery
// (the recovery URL carries awps_connection_id and awps_reconnection_token), send again on the
// recovered socket, /event, then /quit -> stopped and exit status 0. Ends "N passed, N failed".
//   node tests/record/connect_test.mjs path/to/wps
import { spawn } from "node:child_process";
import { FakeService, standard } from "./fake_service.mjs";
import { sleep, until, counter, onLines, jsonLine } from "../util.mjs";

const wps = process.argv[2] || "build/wps";
const result = counter();
const { check } = result;

const svc = new FakeService(standard);
await svc.listen();
const proc = spawn(wps, ["connect", "--url", svc.url(1), "--group", "lobby", "--trace"], { stdio: ["pipe", "pipe", "pipe"] });
const lines = [];
const traces = [];
onLines(proc.stdout, (l) => lines.push(jsonLine(l)));
onLines(proc.stderr, (l) => (l.startsWith("{\"trace\"") ? traces.push(jsonLine(l)) : process.stderr.write(l + "\n")));
const exited = new Promise((r) => proc.on("close", r));
const has = (pred) => lines.some(pred);
proc.stdin.write("early\n"); // typed before the connection: it must go after the --group join

check(await until(() => has((l) => l.event === "connected" && l.connectionId === "conn-1")), "connected conn-1");
check(await until(() => has((l) => l.complete === "joinGroup" && l.status === "ok")), "--group joined");
{
  const upIndex = (pred) => svc.trace.filter((t) => t.kind === "up").findIndex((t) => pred(t.msg));
  const isEarly = (m) => m.type === "sendToGroup" && m.data === "early";
  check(await until(() => upIndex(isEarly) >= 0) && upIndex((m) => m.type === "joinGroup" && m.group === "lobby") < upIndex(isEarly),
    "a line typed before the connection is sent after the --group join (a README-only user saw it sent first)");
}
proc.stdin.write("hello\n");
check(await until(() => has((l) => l.event === "group-message" && l.data?.data === "hello")), "the echo of a stdin line arrives");
check(await until(() => has((l) => l.complete === "sendToGroup" && l.status === "ok")), "the send is acked");

svc.current.drop(); // abrupt: the client sees 1006
check(await until(() => has((l) => l.event === "recovering" && l.connectionId === "conn-1")), "recovering after the drop");
check(await until(() => has((l) => l.event === "recovered" && l.connectionId === "conn-1")), "recovered");
const opens = svc.trace.filter((t) => t.kind === "open");
check(opens.length === 2 && /awps_connection_id=conn-1&awps_reconnection_token=token-1/.test(opens[1].query), "the recovery URL carries the connection id and token");
proc.stdin.write("after the drop\n");
check(await until(() => has((l) => l.event === "group-message" && l.data?.data === "after the drop")), "sending works on the recovered socket");
proc.stdin.write("/event ping hi\n");
check(await until(() => has((l) => l.complete === "sendEvent" && l.status === "ok")), "/event is sent and acked");
proc.stdin.write("/quit\n");
check(await until(() => has((l) => l.event === "stopped")), "/quit ends in stopped");
const code = await Promise.race([exited, sleep(5000).then(() => "timeout")]);
check(code === 0, `exit status 0 (got ${code})`);
check(!has((l) => l.event === "connected" && l.connectionId !== "conn-1"), "no second connected: the session was recovered");
// --trace (the client's trace hook): the drop and the recovery, as the client decided them
check(traces.some((t) => t.trace === "state" && t.text === "READY -> RECOVER_OPENING") &&
  traces.some((t) => t.trace === "recovery") && traces.some((t) => t.trace === "state" && t.text === "RECOVER_OPENING -> READY"),
  "--trace prints the state changes and the recovery attempt on stderr");
if (result.failed) console.log(JSON.stringify(lines, null, 1));
proc.kill();
await svc.close();
result.done();
process.exit();
