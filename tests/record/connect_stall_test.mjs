// `wps connect` (the libwebsockets adapter) when a recovery's upgrade stalls: the fake service
// holds the second socket's handshake for 8 s. libwebsockets 4.1 then ends that socket itself
// ("TIMEDOUT WAITING", about 5 s) without a CONNECTION_ERROR or CLIENT_CLOSED callback; the
// adapter must still report the failed open (from LWS_CALLBACK_WSI_DESTROY), so the client tries
// again and recovers, and a line typed during the outage is delivered. Before that fix the client
// waited for the stalled open forever and /quit crashed on the freed socket (found by a program
// written from the README alone); lines beyond max_calls wait in wps connect's input and are
// retried as calls complete, not every 10 ms. Ends "N passed, N failed".
//   node tests/record/connect_stall_test.mjs path/to/wps
import { spawn } from "node:child_process";
import { FakeService, standard } from "./fake_service.mjs";
import { sleep, until, counter, onLines, jsonLine } from "../util.mjs";

const wps = process.argv[2] || "build/wps";
const result = counter();
const { check } = result;

const script = { ...standard, handshakeDelay: (svc) => (svc.handshakes++ === 1 ? 8000 : 0) };
const svc = new FakeService(script);
svc.handshakes = 0;
await svc.listen();
const proc = spawn(wps, ["connect", "--url", svc.url(1), "--group", "lobby", "--trace"], { stdio: ["pipe", "pipe", "pipe"] });
const lines = [];
const errs = [];
onLines(proc.stdout, (l) => lines.push(jsonLine(l)));
onLines(proc.stderr, (l) => errs.push(l));
const exited = new Promise((r) => proc.on("close", r));
const has = (pred) => lines.some(pred);

check(await until(() => has((l) => l.complete === "joinGroup" && l.status === "ok")), "connected and joined");
svc.current.drop();
check(await until(() => has((l) => l.event === "recovering")), "recovering after the drop");
proc.stdin.write("during the stall\n");
// more lines than max_calls (16): the rest wait in wps connect's input, retried as calls complete
for (let i = 1; i <= 30; i++) proc.stdin.write(`queued ${i}\n`);
check(await until(() => errs.some((l) => l.includes("the socket ended without a close: the open failed")), 9000),
  "the stalled recovery open is reported as failed");
check(await until(() => has((l) => l.event === "recovered" && l.connectionId === "conn-1"), 9000), "a later attempt recovers the session");
check(await until(() => has((l) => l.event === "group-message" && l.data?.data === "during the stall")), "the line typed during the outage is delivered");
check(await until(() => has((l) => l.event === "group-message" && l.data?.data === "queued 30"), 9000), "30 lines queued behind max_calls are delivered");
const got = lines.filter((l) => l.event === "group-message" && /^queued /.test(l.data?.data)).map((l) => Number(l.data.data.slice(7)));
check(got.length === 30 && got.every((n, i) => n === i + 1), `once each and in order (got ${got.join(",")})`);
// a line refused at max_calls is tried again when a call completes, not every 10 ms: through the
// 5 s stall that was some 500 "call-refused" trace lines
const refused = errs.filter((l) => l.includes('"trace":"call-refused"')).length;
check(refused <= 40, `call-refused traces stay few (${refused})`);
proc.stdin.write("/quit\n");
const code = await Promise.race([exited, sleep(5000).then(() => "timeout")]);
check(code === 0, `/quit exits with status 0 (got ${code})`);
if (result.failed) console.log(JSON.stringify(lines, null, 1), errs.join("\n"));
proc.kill();
await svc.close();
result.done();
process.exit();
