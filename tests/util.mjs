// Helpers shared by the Node test scripts: a pass/fail counter that ends with the runner's
// "N passed, N failed" line, and a poll-until for asynchronous conditions.
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const until = async (cond, ms = 5000) => {
  const t = Date.now();
  while (!cond() && Date.now() - t < ms) await sleep(10);
  return cond();
};

export const counter = () => {
  const c = { passed: 0, failed: 0 };
  c.check = (ok, what) => {
    if (ok) c.passed++;
    else {
      c.failed++;
      console.log(`FAIL ${what}`);
    }
    return ok;
  };
  c.done = () => {
    console.log(`${c.passed} passed, ${c.failed} failed`);
    process.exitCode = c.failed || !c.passed ? 1 : 0;
  };
  return c;
};

// The pinned npm packages live in tests/diff (its package.json and node_modules).
import { createRequire } from "node:module";
export const requirePinned = createRequire(new URL("./diff/package.json", import.meta.url));

// Command line of the scripts: `node script.mjs [path/to/wps] [--flag]...`.
export const cli = () => {
  const argv = process.argv.slice(2);
  return { wps: argv.find((a) => !a.startsWith("--")) || "build/wps", has: (flag) => argv.includes(flag) };
};

// Calls fn with each complete line a stream (a child's stdout or stderr) produces.
export const onLines = (stream, fn) => {
  let rest = "";
  stream.on("data", (d) => {
    rest += d.toString();
    let i;
    while ((i = rest.indexOf("\n")) >= 0) {
      const line = rest.slice(0, i);
      rest = rest.slice(i + 1);
      fn(line);
    }
  });
};

// A JSON line, or {unparsed: line} when it is not JSON.
export const jsonLine = (line) => {
  try {
    return JSON.parse(line);
  } catch {
    return { unparsed: line };
  }
};

// Fails the whole script (with the runner's closing line) if it has not finished in ms; returns
// the timer, for clearTimeout.
export const watchdog = (ms, what) =>
  setTimeout(() => {
    console.log(`FAIL ${what} did not finish in ${ms / 1000} s\n0 passed, 1 failed`);
    process.exit(1);
  }, ms);
