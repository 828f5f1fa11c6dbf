// The fake Web PubSub service of the recorded tests (Node `ws`, 127.0.0.1 only): it records
// what it sees (URLs, frames both ways, closes) and lets a script decide how it answers.
import { createRequire } from "node:module";

const require = createRequire(new URL("../diff/package.json", import.meta.url));
const { WebSocketServer, WebSocket } = require("ws");

// ------------------------------------------------------------------ the fake service

export class FakeService {
  constructor(script) {
    this.script = script;
    this.trace = [];
    this.connections = 0;
    this.seq = 0;
    this.current = null;
  }
  async listen() {
    this.wss = new WebSocketServer({
      host: "127.0.0.1",
      port: 0,
      handleProtocols: (protocols) => [...protocols][0],
      verifyClient: (info, cb) => {
        const delay = this.script.handshakeDelay ? this.script.handshakeDelay(this) : 0;
        setTimeout(() => cb(true), delay);
      },
    });
    await new Promise((r) => this.wss.on("listening", r));
    this.port = this.wss.address().port;
    this.wss.on("connection", (ws, req) => this.onConnection(ws, req));
  }
  url(n = 1) {
    return `ws://127.0.0.1:${this.port}/client/hubs/chat?access_token=token${n}`;
  }
  record(kind, extra) {
    this.trace.push({ kind, ...extra });
  }
  onConnection(ws, req) {
    const u = new URL(req.url, "ws://x");
    const recovery = u.searchParams.get("awps_connection_id");
    const conn = {
      ws,
      index: ++this.connections,
      recovery,
      send: (msg) => {
        this.record("down", { msg });
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
      },
      drop: () => {
        this.record("service-drop", {});
        ws.terminate();
      },
      close: (code) => {
        this.record("service-close", { code });
        ws.close(code);
      },
    };
    this.current = conn;
    this.record("open", { path: u.pathname, query: [...u.searchParams.entries()].map(([k, v]) => `${k}=${v}`).join("&"), protocol: ws.protocol });
    ws.on("message", (data) => {
      let msg;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        msg = { unparsed: data.toString() };
      }
      this.record("up", { msg });
      this.script.onMessage?.(this, conn, msg);
    });
    ws.on("close", (code) => this.record("closed", { code }));
    this.script.onConnection?.(this, conn);
  }
  connected(conn) {
    conn.send({ type: "system", event: "connected", userId: "user1", connectionId: `conn-${conn.index}`, reconnectionToken: `token-${conn.index}` });
  }
  ack(conn, ackId, error) {
    conn.send(error ? { type: "ack", ackId, success: false, error } : { type: "ack", ackId, success: true });
  }
  async close() {
    for (const c of this.wss.clients) c.terminate();
    await new Promise((r) => this.wss.close(r));
  }
}

// Service behaviour shared by most scripts: connected on a fresh connection, acks, echo.
export const standard = {
  onConnection(svc, conn) {
    if (!conn.recovery) svc.connected(conn);
  },
  onMessage(svc, conn, msg) {
    if (msg.type === "joinGroup" || msg.type === "leaveGroup" || msg.type === "event") svc.ack(conn, msg.ackId);
    if (msg.type === "sendToGroup") {
      if (msg.ackId != null) svc.ack(conn, msg.ackId);
      if (!msg.noEcho) conn.send({ type: "message", from: "group", group: msg.group, fromUserId: "user1", dataType: msg.dataType, data: msg.data, sequenceId: ++svc.seq });
    }
    if (msg.type === "invoke") conn.send({ type: "invokeResponse", invocationId: msg.invocationId, success: true, dataType: "text", data: "pong" });
  },
};

