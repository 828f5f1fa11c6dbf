// wss:// end to end: wps-emulator serves TLS with the test certificate (tests/tls), and `wps
// connect` (wps_client over the libwebsockets adapter, OpenSSL) connects with LCCSCF_USE_SSL,
// joins, sends and receives, is dropped by the emulator's admin endpoint (over https) and
// recovers on a new TLS socket; without trusting the certificate the open fails (the adapter
// verifies certificates). Azure's endpoints are all wss://, which the other tests (plain ws://
// on loopback) do not reach. Ends "N passed, N failed".
//   node tests/emulator/tls.mjs [build/wps] [--emulator build/wps-emulator]
import { spawn, execFileSync } from "node:child_process";
import https from "node:https";
import fs from "node:fs";
import { sleep, until, counter, onLines, jsonLine, watchdog } from "../util.mjs";
import { freePort, KEY } from "./emu.mjs";

const argv = process.argv.slice(2);
const wps = argv.find((a, i) => !a.startsWith("--") && argv[i - 1] !== "--emulator") || "build/wps";
const emuBin = argv.includes("--emulator") ? argv[argv.indexOf("--emulator") + 1] : "build/wps-emulator";
const CERT = new URL("../tls/cert.pem", import.meta.url).pathname;
const PKEY = new URL("../tls/key.pem", import.meta.url).pathname;
const result = counter();
const { check } = result;
const deadline = watchdog(60000, "the TLS test");

const port = await freePort();
const emu = spawn(emuBin, ["--port", String(port), "--tls-cert", CERT, "--tls-key", PKEY, "--recovery-window-ms", "5000"], { stdio: ["ignore", "ignore", "pipe"] });
process.on("exit", () => emu.kill("SIGKILL"));
const emuLog = [];
onLines(emu.stderr, (l) => emuLog.push(l));
check(await until(() => emuLog.some((l) => l.includes(`listening on https://127.0.0.1:${port}`))), "the emulator serves https");
const cs = `Endpoint=https://127.0.0.1;Port=${port};AccessKey=${KEY};Version=1.0;`;
const url = execFileSync(wps, ["token", "--connection-string", cs, "--hub", "chat", "--user", "tls-user",
  "--role", "webpubsub.joinLeaveGroup", "--role", "webpubsub.sendToGroup"]).toString().split("\n")[0];
check(url.startsWith(`wss://127.0.0.1:${port}/client/hubs/chat?access_token=`), "wps token gives a wss:// URL for an https endpoint");
const admin = (path) => new Promise((resolve) => {
  const req = https.request({ host: "127.0.0.1", port, path: "/admin/" + path, method: "POST", ca: fs.readFileSync(CERT) }, (res) => {
    res.resume();
    res.on("end", () => resolve(res.statusCode));
  });
  req.on("error", (e) => resolve(String(e)));
  req.end();
});

function connect(env) {
  const proc = spawn(wps, ["connect", "--url", url, "--group", "secure"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env } });
  const c = { proc, lines: [], err: [], exited: new Promise((r) => proc.on("close", r)) };
  onLines(proc.stdout, (l) => c.lines.push(jsonLine(l)));
  onLines(proc.stderr, (l) => c.err.push(l));
  c.has = (pred) => c.lines.some(pred);
  return c;
}

// not trusting the certificate: the TLS handshake fails, so the first open fails
{
  const c = connect({ SSL_CERT_FILE: "/nonexistent" });
  check(await until(() => c.has((l) => l.event === "start-failed"), 10000), "an untrusted certificate fails the open");
  check((await Promise.race([c.exited, sleep(5000).then(() => "timeout")])) === 1, "wps connect exits 1 when the first connection fails");
}

const c = connect({ SSL_CERT_FILE: CERT });
check(await until(() => c.has((l) => l.complete === "joinGroup" && l.status === "ok"), 10000), "connected over wss:// and joined");
c.proc.stdin.write("over tls\n");
check(await until(() => c.has((l) => l.event === "group-message" && l.data?.data === "over tls")), "a message goes out and comes back over TLS");
const id = c.lines.find((l) => l.event === "connected")?.connectionId;
check((await admin(`drop/${id}?outage_ms=300`)) === 200, "the admin drop over https");
c.proc.stdin.write("during the drop\n");
check(await until(() => c.has((l) => l.event === "recovered" && l.connectionId === id), 10000), "recovered on a new TLS socket");
check(await until(() => c.has((l) => l.event === "group-message" && l.data?.data === "during the drop"), 10000), "the line sent during the drop arrives once");
c.proc.stdin.write("/quit\n");
check((await Promise.race([c.exited, sleep(5000).then(() => "timeout")])) === 0, "/quit exits 0");
check(c.lines.filter((l) => l.event === "group-message" && l.data?.data === "during the drop").length === 1, "no duplicate");
if (result.failed) console.log(JSON.stringify(c.lines, null, 1), c.err.join("\n"), emuLog.slice(-20).join("\n"));
clearTimeout(deadline);
emu.kill("SIGTERM");
result.done();
process.exit();
