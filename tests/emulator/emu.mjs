// Starts build/wps-emulator on a free loopback port for a test, and talks to its admin endpoint.
import { spawn } from "node:child_process";
import net from "node:net";
import { sleep, onLines } from "../util.mjs";

export const KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

export const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// opts.args: extra flags; opts.log: collect stderr lines (the emulator's log) in emu.log
export async function startEmulator(bin = "build/wps-emulator", opts = {}) {
  const port = opts.port || (await freePort());
  const proc = spawn(bin, ["--port", String(port), ...(opts.args || [])], { stdio: ["ignore", "ignore", "pipe"] });
  process.on("exit", () => proc.kill("SIGKILL")); /* never outlive the test */
  proc.on("exit", (code, signal) => {
    if (code || signal) if (!emu.stopping) console.log(`wps-emulator exited (${code ?? signal}):\n` + emu.log.slice(-40).join("\n"));
  });
  const emu = {
    port,
    proc,
    log: [],
    cs: `Endpoint=http://127.0.0.1;Port=${port};AccessKey=${KEY};Version=1.0;`,
    base: `http://127.0.0.1:${port}`,
    exited: new Promise((r) => proc.on("exit", (code, signal) => r(code ?? signal))),
  };
  onLines(proc.stderr, (line) => {
    emu.log.push(line);
    if (opts.echo) process.stderr.write(line + "\n");
  });
  emu.admin = async (path, method = "POST") => {
    const r = await fetch(emu.base + "/admin/" + path, { method });
    const text = await r.text();
    return { status: r.status, text, json: () => JSON.parse(text) };
  };
  emu.stop = async () => {
    emu.stopping = true;
    proc.kill("SIGTERM");
    return Promise.race([emu.exited, sleep(3000).then(() => (proc.kill("SIGKILL"), "killed"))]);
  };
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(emu.base + "/api/health", { method: "HEAD" });
      if (r.status === 200) return emu;
    } catch {}
    await sleep(20);
  }
  throw new Error("wps-emulator did not start: " + emu.log.join("\n"));
}

// A REST SendToGroup of `body` (a Buffer) built by `wps rest --body-file` (so the request is the
// one wps.h's REST builder writes) and sent to the emulator. Returns the request body it carried
// and the HTTP response.
export async function restSendToGroup(wps, emu, hub, group, body, contentType = "application/octet-stream") {
  const { execFileSync } = await import("node:child_process");
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "wps-rest-"));
  const file = join(dir, "body.bin");
  writeFileSync(file, body);
  let req;
  try {
    req = execFileSync(wps, ["rest", "--connection-string", emu.cs, "--hub", hub, "SendToGroup", "--group", group, "--content-type", contentType,
      "--body-file", file], { maxBuffer: body.length * 2 + (1 << 20) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const split = req.indexOf("\n\n");
  const [reqLine, ...hdrs] = req.subarray(0, split).toString().split("\n");
  const [method, url] = reqLine.split(" ");
  const sent = req.subarray(split + 2);
  const headers = Object.fromEntries(hdrs.map((h) => [h.slice(0, h.indexOf(":")), h.slice(h.indexOf(":") + 1).trim()]));
  const res = await fetch(url, { method, headers, body: sent });
  return { sent, res };
}
