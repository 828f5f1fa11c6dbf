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
