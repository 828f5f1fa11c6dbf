// `wps rest` against the official @azure/web-pubsub 1.2.0 service client (docs/service-rules.md §3).
//
// Every method of WebPubSubServiceClient and of its group client (client.group(name)) is called
// against a local HTTP capture server. The server records each request exactly as it arrived
// (method, raw path and query, headers, body bytes) and answers the way the service would
// (202/200/204, HEAD 200 or 404, a two-page ListConnectionsInGroup, {"token":..} for
// :generateToken). For every captured request, `wps rest` is run with the equivalent REST
// operation and parameters, and the two requests are compared:
//   - method, and the origin (scheme://host:port) of wps's URL;
//   - path: the percent-decoded segments must be equal; whether the raw encodings are
//     byte-equal is reported as a NOTE;
//   - query: the ordered list of decoded (name, value) pairs ('+' decodes to a space, as the
//     service's form decoding does); a different order with the same multiset passes with a
//     NOTE; raw byte equality is a NOTE;
//   - Content-Type (exact) and body bytes;
//   - the JWT: wps's must verify with jsonwebtoken and the AccessKey, and its aud must be the
//     exact URL wps printed; JS's aud is checked against the URL JS sent (NOTE on difference);
//     exp - iat and the claim order are compared as NOTEs (JS uses 1 h).
// NOTE lines do not fail the run unless --strict is given. Ends "N passed, N failed".
//
//   node tests/service/rest_diff.mjs path/to/wps [--verbose] [--strict]
//
// --verbose prints every request JS sent (the raw request line, headers, body, JWT claims) and
// the URL wps printed for it. A few requests have no `wps rest` equivalent (JS-only): they are
// printed as INFO lines and only checked for having been made. If wps cannot be run, or `wps
// rest` exits non-zero, each affected request counts as one failure with wps's stderr.
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { counter, requirePinned, cli } from "../util.mjs";

const require = requirePinned;
const jwt = require("jsonwebtoken");
const { WebPubSubServiceClient, odata } = require("@azure/web-pubsub");
const { createDefaultHttpClient } = require("@azure/core-rest-pipeline");

const args = cli();
const verbose = args.has("--verbose");
const strict = args.has("--strict");
const wps = args.wps;
const c = counter();
// Notes are grouped by message (the same difference usually shows up in many cases) and
// printed at the end, each with the cases it was seen in.
const notes = new Map(); // message -> [case names]
const note = (name, what) => {
  if (!notes.has(what)) notes.set(what, []);
  notes.get(what).push(name);
  if (strict) c.check(false, `(strict) ${name}: ${what}`);
};

const KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const HUB = "hub1";

// Tricky values: every character that needs (or might wrongly get) percent-encoding in a path
// segment or a query value, plus non-ASCII (2-, 3- and 4-byte UTF-8).
const GROUP = "g 1/2?3#4%5+6&7=8'9;:@!*()~ é€😀";
const USER = "u s/e?r#%+&=' é";
const CONN = "conn/1 ?#%+é";
const REASON = "bye now & then=1 +x";
const EXCLUDED = ["c1", "c 2&x", "c+3", "c%4"];
// odata`` doubles the quote in o'brien and wraps the value in quotes.
const FILTER = odata`userId ne ${"o'brien"} and 'grp 1' in groups or length(userId) gt ${3}`;

// ---------------------------------------------------------------------------------------------
// Capture server.

const captured = []; // { method, url, headers: [[name, value]...], body: Buffer }
let headStatus = 200; // what HEAD requests get; a case may set it to 404
let port = 0;

// The nextLink of the first ListConnectionsInGroup page: an absolute URL with a continuation
// token that needs encoding. The group segment is whatever JS requested.
const nextLinkFor = (rawPath) =>
  `http://127.0.0.1:${port}${rawPath}?api-version=2024-12-01&maxpagesize=2&continuationToken=tok%2B%2F%3D1`;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (d) => chunks.push(d));
  req.on("end", () => {
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
    captured.push({ method: req.method, url: req.url, headers, body: Buffer.concat(chunks) });
    const [rawPath, rawQuery = ""] = req.url.split("?");
    const json = (status, obj) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(obj));
    };
    if (req.method === "HEAD") return res.writeHead(headStatus).end();
    if (req.method === "GET" && rawPath.endsWith("/connections")) {
      // First page: two members and a nextLink; a request that carries a continuation token
      // gets the last page with no nextLink.
      if (/(^|&)continuationToken=/.test(rawQuery))
        return json(200, { value: [{ connectionId: "c3", userId: "u3" }] });
      return json(200, { value: [{ connectionId: "c1", userId: "u1" }, { connectionId: "c2" }], nextLink: nextLinkFor(rawPath) });
    }
    if (req.method === "POST" && rawPath.endsWith("/:generateToken")) return json(200, { token: "x" });
    if (req.method === "POST" && rawPath.endsWith("/:send")) return res.writeHead(202).end();
    if (req.method === "POST" && rawPath.endsWith("/:closeConnections")) return res.writeHead(204).end();
    if (req.method === "DELETE") return res.writeHead(204).end();
    res.writeHead(200).end(); // PUT, :addToGroups, :removeFromGroups
  });
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
port = server.address().port;
const ORIGIN = `http://127.0.0.1:${port}`;

// ---------------------------------------------------------------------------------------------
// Clients.

// core-rest-pipeline 1.24 refuses plain-http URLs unless allowInsecureConnection is set, even
// when the connection string says http.
const INSECURE = { allowInsecureConnection: true };
const CS = `Endpoint=http://127.0.0.1;Port=${port};AccessKey=${KEY};Version=1.0;`;
const svc = new WebPubSubServiceClient(CS, HUB, INSECURE);
// Other connection-string forms and a mixed-case hub (JS keeps the hub's case).
const CS_PORT_IN_ENDPOINT = `Endpoint=http://127.0.0.1:${port};AccessKey=${KEY};Version=1.0;`;
const CS_TRAILING_SLASH = `Endpoint=http://127.0.0.1:${port}/;AccessKey=${KEY};Version=1.0;`;
// A path after the host (a reverse proxy's prefix) is kept before /api; an upper-case host is
// lowercased (JS: new URL(endpoint).toString()).
const CS_PATH = `Endpoint=http://127.0.0.1:${port}/base/;AccessKey=${KEY};Version=1.0;`;
const CS_UPPER_HOST = `Endpoint=http://PubSub.EXAMPLE;AccessKey=${KEY};Version=1.0;`;
const HUB_MIXED = "My_Hub.2";
// No port (and an explicit default port 80): JS's URL then has no ":80". Such a client cannot
// reach the capture server directly, so it goes through reverseProxyEndpoint, which rewrites
// the host after the JWT is signed; aud and the compared URL keep the original origin.
const CS_NO_PORT = `Endpoint=http://127.0.0.1;AccessKey=${KEY};Version=1.0;`;
const CS_PORT_80 = `Endpoint=http://127.0.0.1;Port=80;AccessKey=${KEY};Version=1.0;`;
const viaProxy = { ...INSECURE, reverseProxyEndpoint: `http://127.0.0.1:${port}` };

// A client with an Entra ID (TokenCredential) credential: getClientAccessToken then calls the
// :generateToken REST operation. The bearer policy refuses non-https URLs, so the endpoint says
// https and an HTTP client wrapper sends the request to the plain-http capture server.
const fakeAad = { getToken: async () => ({ token: "fake-aad-token", expiresOnTimestamp: Date.now() + 3600e3 }) };
const inner = createDefaultHttpClient();
const httpsToHttp = { sendRequest: (req) => ((req.url = req.url.replace(/^https:/, "http:")), inner.sendRequest(req)) };
const aadSvc = new WebPubSubServiceClient(`https://127.0.0.1:${port}`, fakeAad, HUB, { ...INSECURE, httpClient: httpsToHttp });

// The generated client behind the public one; it has the two operations the public surface does
// not expose with a key credential (HealthApi_GetServiceStatus, GenerateClientToken).
const generated = svc["client"];

// ---------------------------------------------------------------------------------------------
// Helpers to build `wps rest` argument lists.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rest_diff-"));
let tmpN = 0;
const rep = (flag, values) => values.flatMap((v) => [flag, String(v)]);
const text = (s, type) => ["--body", s, "--content-type", type];
const bytes = (buf, type) => {
  const f = path.join(tmp, `body${tmpN++}`);
  fs.writeFileSync(f, buf);
  return ["--body-file", f, "--content-type", type];
};
const BIN = Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x0a, 0x0d, 0x22, 0x5c]);
const JSON_OBJ = { text: "héllo \"q\" \\ \u0001", n: 1.5, list: [1, null, true], nested: { "k y": "€😀" } };
const UNICODE_TEXT = "héllo €😀 \"q\" & <tag>\nline2";

// Each case: a name, the JS call, and one entry per HTTP request the call is expected to make:
// an argv for `wps rest` (without the connection-string/hub prefix), a function of the context
// returning one ({ nextLink }), or null for a request that has no wps equivalent (JS-only).
// Optional: head (status for HEAD), env (connection string/hub for wps; hub null: no --hub),
// origin (the origin JS signed and wps should print, when it is not the capture server's),
// ciQuery (query names whose values compare case-insensitively), noJwt (the request carries a
// non-key bearer), expect (what the JS call must return).
const cases = [
  // --- sendToAll: string (text/plain), JSON values, binary, all options ---
  { name: "sendToAll text/plain", js: () => svc.sendToAll("hello", { contentType: "text/plain" }),
    wps: [["SendToAll", ...text("hello", "text/plain")]] },
  { name: "sendToAll text/plain non-ASCII, all options", js: () =>
      svc.sendToAll(UNICODE_TEXT, { contentType: "text/plain", filter: FILTER, excludedConnections: EXCLUDED, messageTtlSeconds: 300 }),
    wps: [["SendToAll", ...rep("--excluded", EXCLUDED), "--filter", FILTER, "--messageTtlSeconds", "300", ...text(UNICODE_TEXT, "text/plain")]] },
  { name: "sendToAll empty text", js: () => svc.sendToAll("", { contentType: "text/plain" }),
    wps: [["SendToAll", ...text("", "text/plain")]] },
  { name: "sendToAll JSON object", js: () => svc.sendToAll(JSON_OBJ),
    wps: [["SendToAll", ...text(JSON.stringify(JSON_OBJ), "application/json")]] },
  { name: "sendToAll JSON string (no contentType)", js: () => svc.sendToAll("plain string"),
    wps: [["SendToAll", ...text(JSON.stringify("plain string"), "application/json")]] },
  { name: "sendToAll JSON number", js: () => svc.sendToAll(42),
    wps: [["SendToAll", ...text("42", "application/json")]] },
  { name: "sendToAll JSON boolean, messageTtlSeconds 0", js: () => svc.sendToAll(false, { messageTtlSeconds: 0 }),
    wps: [["SendToAll", "--messageTtlSeconds", "0", ...text("false", "application/json")]] },
  { name: "sendToAll binary Buffer", js: () => svc.sendToAll(BIN),
    wps: [["SendToAll", ...bytes(BIN, "application/octet-stream")]] },
  { name: "sendToAll binary ArrayBuffer, one excluded", js: () =>
      svc.sendToAll(new Uint8Array(BIN).buffer, { excludedConnections: ["only one"] }),
    wps: [["SendToAll", "--excluded", "only one", ...bytes(BIN, "application/octet-stream")]] },
  { name: "sendToAll duplicate excluded", js: () => svc.sendToAll("x", { contentType: "text/plain", excludedConnections: ["a", "a"] }),
    wps: [["SendToAll", ...rep("--excluded", ["a", "a"]), ...text("x", "text/plain")]] },

  // --- sendToUser / sendToConnection ---
  { name: "sendToUser text, filter, ttl", js: () =>
      svc.sendToUser(USER, "hi user", { contentType: "text/plain", filter: FILTER, messageTtlSeconds: 7 }),
    wps: [["SendToUser", "--userId", USER, "--filter", FILTER, "--messageTtlSeconds", "7", ...text("hi user", "text/plain")]] },
  { name: "sendToUser JSON", js: () => svc.sendToUser("plainuser", JSON_OBJ),
    wps: [["SendToUser", "--user", "plainuser", ...text(JSON.stringify(JSON_OBJ), "application/json")]] },
  { name: "sendToUser binary", js: () => svc.sendToUser(USER, BIN),
    wps: [["SendToUser", "--userId", USER, ...bytes(BIN, "application/octet-stream")]] },
  { name: "sendToConnection text, ttl", js: () => svc.sendToConnection(CONN, "hi conn", { contentType: "text/plain", messageTtlSeconds: 1 }),
    wps: [["SendToConnection", "--connectionId", CONN, "--messageTtlSeconds", "1", ...text("hi conn", "text/plain")]] },
  { name: "sendToConnection JSON", js: () => svc.sendToConnection("c1", [1, "two"]),
    wps: [["SendToConnection", "--connectionId", "c1", ...text('[1,"two"]', "application/json")]] },
  { name: "sendToConnection binary", js: () => svc.sendToConnection("c1", BIN),
    wps: [["SendToConnection", "--connectionId", "c1", ...bytes(BIN, "application/octet-stream")]] },

  // --- existence checks (HEAD) ---
  { name: "connectionExists (200)", js: () => svc.connectionExists(CONN), expect: true,
    wps: [["ConnectionExists", "--connectionId", CONN]] },
  { name: "connectionExists (404)", head: 404, js: () => svc.connectionExists("gone"), expect: false,
    wps: [["ConnectionExists", "--connectionId", "gone"]] },
  { name: "groupExists", js: () => svc.groupExists(GROUP), expect: true,
    wps: [["GroupExists", "--group", GROUP]] },
  { name: "userExists (404)", head: 404, js: () => svc.userExists(USER), expect: false,
    wps: [["UserExists", "--userId", USER]] },

  // --- close ---
  { name: "closeConnection with reason", js: () => svc.closeConnection(CONN, { reason: REASON }),
    wps: [["CloseConnection", "--connectionId", CONN, "--reason", REASON]] },
  { name: "closeConnection no reason", js: () => svc.closeConnection("c1"),
    wps: [["CloseConnection", "--connectionId", "c1"]] },
  { name: "closeAllConnections with reason", js: () => svc.closeAllConnections({ reason: REASON }),
    wps: [["CloseAllConnections", "--reason", REASON]] },
  { name: "closeAllConnections no options", js: () => svc.closeAllConnections(),
    wps: [["CloseAllConnections"]] },
  // `excluded` is not in the .d.ts of the close options, but the generated operation reads
  // options.excluded, so it goes through.
  { name: "closeAllConnections undeclared option excluded", js: () => svc.closeAllConnections({ reason: "r", excluded: EXCLUDED }),
    wps: [["CloseAllConnections", ...rep("--excluded", EXCLUDED), "--reason", "r"]] },
  { name: "closeUserConnections with reason", js: () => svc.closeUserConnections(USER, { reason: REASON }),
    wps: [["CloseUserConnections", "--userId", USER, "--reason", REASON]] },

  // --- group membership from the hub client ---
  { name: "removeUserFromAllGroups", js: () => svc.removeUserFromAllGroups(USER),
    wps: [["RemoveUserFromAllGroups", "--userId", USER]] },
  { name: "removeConnectionFromAllGroups", js: () => svc.removeConnectionFromAllGroups(CONN),
    wps: [["RemoveConnectionFromAllGroups", "--connectionId", CONN]] },
  { name: "addConnectionsToGroups with filter", js: () => svc.addConnectionsToGroups([GROUP, "g2"], FILTER),
    wps: [["AddConnectionsToGroups", ...rep("--groups", [GROUP, "g2"]), "--filter", FILTER]] },
  { name: "removeConnectionsFromGroups with filter", js: () => svc.removeConnectionsFromGroups(["g2"], "userId eq 'bob'"),
    wps: [["RemoveConnectionsFromGroups", "--groups", "g2", "--filter", "userId eq 'bob'"]] },

  // --- permissions ---
  { name: "grantPermission sendToGroup targetName", js: () => svc.grantPermission(CONN, "sendToGroup", { targetName: GROUP }),
    wps: [["GrantPermission", "--connectionId", CONN, "--permission", "sendToGroup", "--targetName", GROUP]] },
  { name: "grantPermission joinLeaveGroup", js: () => svc.grantPermission("c1", "joinLeaveGroup"),
    wps: [["GrantPermission", "--connectionId", "c1", "--permission", "joinLeaveGroup"]] },
  { name: "revokePermission targetName", js: () => svc.revokePermission(CONN, "joinLeaveGroup", { targetName: GROUP }),
    wps: [["RevokePermission", "--connectionId", CONN, "--permission", "joinLeaveGroup", "--targetName", GROUP]] },
  { name: "hasPermission (200) targetName", js: () => svc.hasPermission("c1", "sendToGroup", { targetName: "g2" }), expect: true,
    wps: [["CheckPermission", "--connectionId", "c1", "--permission", "sendToGroup", "--targetName", "g2"]] },
  { name: "hasPermission (404)", head: 404, js: () => svc.hasPermission(CONN, "joinLeaveGroup"), expect: false,
    wps: [["CheckPermission", "--connectionId", CONN, "--permission", "joinLeaveGroup"]] },

  // --- group client ---
  { name: "group.sendToAll text, all options", js: () =>
      svc.group(GROUP).sendToAll(UNICODE_TEXT, { contentType: "text/plain", excludedConnections: EXCLUDED, filter: FILTER, messageTtlSeconds: 0 }),
    wps: [["SendToGroup", "--group", GROUP, ...rep("--excluded", EXCLUDED), "--filter", FILTER, "--messageTtlSeconds", "0", ...text(UNICODE_TEXT, "text/plain")]] },
  { name: "group.sendToAll JSON", js: () => svc.group("g2").sendToAll(JSON_OBJ),
    wps: [["SendToGroup", "--group", "g2", ...text(JSON.stringify(JSON_OBJ), "application/json")]] },
  { name: "group.sendToAll binary", js: () => svc.group(GROUP).sendToAll(BIN),
    wps: [["SendToGroup", "--group", GROUP, ...bytes(BIN, "application/octet-stream")]] },
  { name: "group.addUser", js: () => svc.group(GROUP).addUser(USER),
    wps: [["AddUserToGroup", "--group", GROUP, "--userId", USER]] },
  { name: "group.removeUser", js: () => svc.group(GROUP).removeUser(USER),
    wps: [["RemoveUserFromGroup", "--group", GROUP, "--userId", USER]] },
  { name: "group.addConnection", js: () => svc.group(GROUP).addConnection(CONN),
    wps: [["AddConnectionToGroup", "--group", GROUP, "--connectionId", CONN]] },
  { name: "group.removeConnection", js: () => svc.group(GROUP).removeConnection(CONN),
    wps: [["RemoveConnectionFromGroup", "--group", GROUP, "--connectionId", CONN]] },
  { name: "group.closeAllConnections with reason", js: () => svc.group(GROUP).closeAllConnections({ reason: REASON }),
    wps: [["CloseGroupConnections", "--group", GROUP, "--reason", REASON]] },
  { name: "group.closeAllConnections undeclared option excluded", js: () =>
      svc.group("g2").closeAllConnections({ excluded: EXCLUDED }),
    wps: [["CloseGroupConnections", "--group", "g2", ...rep("--excluded", EXCLUDED)]] },

  // --- listConnections: iterating all items follows nextLink (two requests) ---
  { name: "group.listConnections maxPageSize+top, two pages", js: async () => {
      const all = [];
      for await (const m of await svc.group(GROUP).listConnections({ maxPageSize: 2, top: 3 })) all.push(m.connectionId);
      return all.join(",");
    }, expect: "c1,c2,c3",
    wps: [["ListConnectionsInGroup", "--group", GROUP, "--maxpagesize", "2", "--top", "3"],
      (ctx) => ["ListConnectionsInGroup", "--next-link", ctx.nextLink]] },
  { name: "group.listConnections no options, two pages", js: async () => {
      let n = 0;
      for await (const _ of await svc.group("g2").listConnections()) n++;
      return n;
    }, expect: 3,
    wps: [["ListConnectionsInGroup", "--group", "g2"], (ctx) => ["ListConnectionsInGroup", "--next-link", ctx.nextLink]] },
  { name: "group.listConnections continuationToken option (one page)", js: async () => {
      let n = 0;
      for await (const _ of await svc.group("g2").listConnections({ continuationToken: "tok+/= é" })) n++;
      return n;
    }, expect: 1,
    wps: [["ListConnectionsInGroup", "--group", "g2", "--continuationToken", "tok+/= é"]] },
  { name: "group.listConnections byPage({continuationToken: nextLink})", js: async () => {
      const link = nextLinkFor(`/api/hubs/${HUB}/groups/g2/connections`);
      const pages = (await svc.group("g2").listConnections()).byPage({ continuationToken: link });
      let n = 0;
      for await (const p of pages) n += p.length;
      return n;
    }, expect: 1,
    wps: [() => ["ListConnectionsInGroup", "--next-link", nextLinkFor(`/api/hubs/${HUB}/groups/g2/connections`)]] },

  // --- getClientAccessToken ---
  { name: "getClientAccessToken with a key: local, no request", js: async () =>
      (await svc.getClientAccessToken({ userId: USER })).baseUrl, expect: `ws://127.0.0.1:${port}/client/hubs/${HUB}`, wps: [] },
  { name: "getClientAccessToken via TokenCredential (REST :generateToken), mqtt", noJwt: true, ciQuery: ["clientType"], js: async () =>
      (await aadSvc.getClientAccessToken({ userId: USER, roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup.g 1"], groups: [GROUP, "g2"], expirationTimeInMinutes: 5, clientProtocol: "mqtt" })).url,
    expect: `wss://127.0.0.1:${port}/clients/mqtt/hubs/${HUB}?access_token=x`,
    wps: [["GenerateClientToken", "--userId", USER, ...rep("--role", ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup.g 1"]),
      "--minutesToExpire", "5", ...rep("--group", [GROUP, "g2"]), "--clientType", "MQTT"]] },
  { name: "getClientAccessToken via TokenCredential, default protocol", noJwt: true, js: async () =>
      (await aadSvc.getClientAccessToken()).token, expect: "x",
    // JS passes clientType: undefined explicitly, so no clientType is sent; minutesToExpire
    // falls back to the spec default 60 and is sent.
    wps: [["GenerateClientToken", "--minutesToExpire", "60"]] },
  { name: "getClientAccessToken via TokenCredential, socketio (JS-only: clientType=socketio)", js: async () =>
      (await aadSvc.getClientAccessToken({ clientProtocol: "socketio" })).baseUrl,
    expect: `wss://127.0.0.1:${port}/clients/socketio/hubs/${HUB}`, wps: [null] },

  // --- operations the public client does not expose with a key; via the generated client ---
  // HEAD /api/health has no hub, so wps gets no --hub.
  { name: "(generated) healthApi.getServiceStatus", env: { hub: null }, js: () => generated.healthApi.getServiceStatus(),
    wps: [["GetServiceStatus"]] },
  { name: "(generated) generateClientToken, all parameters", js: async () =>
      (await generated.webPubSub.generateClientToken(HUB, { userId: USER, roles: ["r1", "r 2&"], expirationTimeInMinutes: 90, groups: [GROUP], clientType: "MQTT" })).token,
    expect: "x",
    wps: [["GenerateClientToken", "--userId", USER, ...rep("--role", ["r1", "r 2&"]), "--minutesToExpire", "90", "--group", GROUP, "--clientType", "MQTT"]] },
  { name: "(generated) generateClientToken, no options (defaults sent)", js: async () =>
      (await generated.webPubSub.generateClientToken(HUB)).token, expect: "x",
    wps: [["GenerateClientToken", "--minutesToExpire", "60", "--clientType", "Default"]] },

  // --- connection-string forms and hub case ---
  { name: "port inside Endpoint", env: { cs: CS_PORT_IN_ENDPOINT },
    js: () => new WebPubSubServiceClient(CS_PORT_IN_ENDPOINT, HUB, INSECURE).sendToAll("p", { contentType: "text/plain" }),
    wps: [["SendToAll", ...text("p", "text/plain")]] },
  { name: "Endpoint with trailing slash", env: { cs: CS_TRAILING_SLASH },
    js: () => new WebPubSubServiceClient(CS_TRAILING_SLASH, HUB, INSECURE).closeUserConnections("u1"),
    wps: [["CloseUserConnections", "--userId", "u1"]] },
  { name: "a path in the Endpoint is kept", env: { cs: CS_PATH },
    js: () => new WebPubSubServiceClient(CS_PATH, HUB, INSECURE).group("g2").sendToAll("p", { contentType: "text/plain" }),
    wps: [["SendToGroup", "--group", "g2", ...text("p", "text/plain")]] },
  { name: "an upper-case host is lowercased, via reverseProxyEndpoint", env: { cs: CS_UPPER_HOST }, origin: "http://pubsub.example",
    js: () => new WebPubSubServiceClient(CS_UPPER_HOST, HUB, viaProxy).closeConnection("c1"),
    wps: [["CloseConnection", "--connectionId", "c1"]] },
  { name: "no Port (default 80), via reverseProxyEndpoint", env: { cs: CS_NO_PORT }, origin: "http://127.0.0.1",
    js: () => new WebPubSubServiceClient(CS_NO_PORT, HUB, viaProxy).group("g2").removeUser("u1"),
    wps: [["RemoveUserFromGroup", "--group", "g2", "--userId", "u1"]] },
  { name: "Port=80 is dropped, via reverseProxyEndpoint", env: { cs: CS_PORT_80 }, origin: "http://127.0.0.1",
    js: () => new WebPubSubServiceClient(CS_PORT_80, HUB, viaProxy).sendToAll([]),
    wps: [["SendToAll", ...text("[]", "application/json")]] },
  { name: "mixed-case hub kept as is", env: { hub: HUB_MIXED },
    js: () => new WebPubSubServiceClient(CS, HUB_MIXED, INSECURE).group("G").addUser("U"),
    wps: [["AddUserToGroup", "--group", "G", "--userId", "U"]] },

  // --- JS quirk: CustomApiVersionPolicy replaces every query item that CONTAINS the text
  // "api-version" with api-version=2024-12-01, so this filter is lost. JS-only. ---
  { name: "filter containing 'api-version' (JS-only quirk)", js: () =>
      svc.sendToAll("q", { contentType: "text/plain", filter: "userId eq 'api-version'" }), wps: [null] },
];

// ---------------------------------------------------------------------------------------------
// Parsing and comparing.

const splitUrl = (u) => {
  const q = u.indexOf("?");
  return q < 0 ? [u, ""] : [u.slice(0, q), u.slice(q + 1)];
};
const pctDecode = (s) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return `<bad %-encoding: ${s}>`;
  }
};
const pathSegments = (p) => p.split("/").map(pctDecode);
// Ordered (name, value) pairs, decoded the way a form decoder does ('+' is a space).
const queryPairs = (q) =>
  q === "" ? [] : q.split("&").map((kv) => {
    const i = kv.indexOf("=");
    const [k, v] = i < 0 ? [kv, ""] : [kv.slice(0, i), kv.slice(i + 1)];
    return [pctDecode(k.replace(/\+/g, " ")), pctDecode(v.replace(/\+/g, " "))];
  });
const header = (headers, name) => {
  const h = headers.find(([k]) => k.toLowerCase() === name.toLowerCase());
  return h ? h[1] : undefined;
};
const bearer = (headers) => {
  const a = header(headers, "authorization");
  return a && a.startsWith("Bearer ") ? a.slice(7) : undefined;
};
const show = (x) => JSON.stringify(x);
const shellQuote = (args) => args.map((a) => (/^[\w.\/:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
const showBody = (b) => (b.length === 0 ? "(empty)" : /^[\x09\x0a\x0d\x20-\x7e]*$/.test(b.toString("latin1")) ? show(b.toString()) : `hex ${b.toString("hex")}` + (Buffer.from(b.toString()).equals(b) ? ` = utf-8 ${show(b.toString())}` : ""));

// Runs `wps rest`; returns { method, url, headers, body } or { error }.
const runWps = (env, opArgs, now) => {
  const hub = env.hub === null ? [] : ["--hub", env.hub];
  const args = ["rest", "--connection-string", env.cs, ...hub, "--now", String(now), ...opArgs];
  const r = spawnSync(wps, args, { maxBuffer: 1 << 26 });
  if (r.error) return { error: `cannot run ${wps}: ${r.error.message}` };
  if (r.status !== 0) return { error: `exit ${r.status}: ${r.stderr.toString().trim()}` };
  const out = r.stdout;
  let sep = out.indexOf("\n\n"), sepLen = 2;
  const crlf = out.indexOf("\r\n\r\n");
  if (crlf >= 0 && (sep < 0 || crlf < sep)) (sep = crlf), (sepLen = 4);
  const head = (sep < 0 ? out : out.subarray(0, sep)).toString().split(/\r?\n/).filter((l) => l !== "");
  const body = sep < 0 ? Buffer.alloc(0) : out.subarray(sep + sepLen);
  const m = /^([A-Z]+) (\S+)$/.exec(head[0] || "");
  if (!m) return { error: `first line is not "METHOD URL": ${show(head[0])}` };
  const headers = head.slice(1).map((l) => {
    const i = l.indexOf(":");
    return i < 0 ? [l, ""] : [l.slice(0, i).trim(), l.slice(i + 1).trim()];
  });
  return { method: m[1], url: m[2], headers, body };
};

const jwtClaimsLine = (tok) => {
  const d = jwt.decode(tok, { complete: true });
  return d ? `header ${show(d.header)} payload ${show(d.payload)}` : `(not a JWT: ${tok})`;
};

// Compares one JS request with wps's output for the same operation.
const compare = (name, js, ours, opts) => {
  const origin = opts.origin || ORIGIN;
  const jsUrl = origin + js.url;
  const tag = `${name}:`;
  c.check(js.method === ours.method, `${tag} method JS ${js.method} vs wps ${ours.method}`);

  const om = /^([a-z]+:\/\/[^/?#]+)(\/[^?#]*)?(\?[^#]*)?$/i.exec(ours.url);
  if (!c.check(!!om, `${tag} wps URL is not absolute: ${ours.url}`)) return;
  c.check(om[1] === origin, `${tag} origin JS ${origin} vs wps ${om[1]}`);
  const [jsPath, jsQuery] = splitUrl(js.url);
  const [ourPath, ourQuery] = splitUrl(ours.url.slice(om[1].length));

  // Path: decoded segments must agree; raw bytes reported.
  const jsSeg = pathSegments(jsPath), ourSeg = pathSegments(ourPath);
  c.check(show(jsSeg) === show(ourSeg), `${tag} decoded path\n      JS:  ${show(jsSeg)}\n      wps: ${show(ourSeg)}`);
  if (jsPath !== ourPath) note(name, `raw path differs\n      JS:  ${jsPath}\n      wps: ${ourPath}`);

  // Query: ordered decoded pairs; the same multiset in another order passes with a note.
  const ci = new Set(opts.ciQuery || []);
  const norm = (pairs) => pairs.map(([k, v]) => [k, ci.has(k) ? v.toLowerCase() : v]);
  const jsQ = norm(queryPairs(jsQuery)), ourQ = norm(queryPairs(ourQuery));
  const key = (pairs) => pairs.map((p) => show(p));
  if (show(jsQ) === show(ourQ)) c.check(true, "");
  else if (show(key(jsQ).sort()) === show(key(ourQ).sort())) {
    c.check(true, "");
    note(name, `query parameter order differs\n      JS:  ${show(jsQ)}\n      wps: ${show(ourQ)}`);
  } else c.check(false, `${tag} decoded query\n      JS:  ${show(jsQ)}\n      wps: ${show(ourQ)}`);
  if (jsQuery !== ourQuery) note(name, `raw query differs\n      JS:  ${jsQuery}\n      wps: ${ourQuery}`);

  // Content-Type and body.
  const jsCt = header(js.headers, "content-type"), ourCt = header(ours.headers, "content-type");
  c.check(jsCt === ourCt, `${tag} Content-Type JS ${show(jsCt)} vs wps ${show(ourCt)}`);
  c.check(js.body.equals(ours.body), `${tag} body\n      JS:  ${showBody(js.body)}\n      wps: ${showBody(ours.body)}`);

  // JWT. wps's must verify with the key and carry the exact printed URL as aud.
  const ourTok = bearer(ours.headers);
  if (!c.check(!!ourTok, `${tag} wps printed no "Authorization: Bearer" header`)) return;
  let ourClaims;
  try {
    ourClaims = jwt.verify(ourTok, KEY, { algorithms: ["HS256"], clockTimestamp: opts.now });
    c.check(true, "");
  } catch (e) {
    c.check(false, `${tag} jsonwebtoken rejects wps's token: ${e.message} (${jwtClaimsLine(ourTok)})`);
    return;
  }
  const ourHdr = jwt.decode(ourTok, { complete: true }).header;
  c.check(ourHdr.alg === "HS256" && ourHdr.typ === "JWT", `${tag} wps JWT header ${show(ourHdr)}`);
  c.check(ourClaims.aud === ours.url, `${tag} wps aud is not the URL it printed\n      aud: ${ourClaims.aud}\n      URL: ${ours.url}`);
  if (opts.noJwt) return; // JS used an Entra ID bearer: nothing to compare claims with
  const jsClaims = jwt.decode(bearer(js.headers));
  if (!c.check(!!jsClaims, `${tag} JS sent no decodable JWT`)) return;
  if (jsClaims.aud !== jsUrl) note(name, `JS aud differs from the URL JS sent\n      aud: ${jsClaims.aud}\n      URL: ${jsUrl}`);
  // (Different raw paths or queries already make the two aud strings differ.)
  if (jsClaims.aud !== ourClaims.aud && jsPath === ourPath && jsQuery === ourQuery) note(name, `aud strings differ\n      JS:  ${jsClaims.aud}\n      wps: ${ourClaims.aud}`);
  const jsTtl = jsClaims.exp - jsClaims.iat, ourTtl = ourClaims.exp - ourClaims.iat;
  if (jsTtl !== ourTtl) note(name, `exp - iat: JS ${jsTtl} s, wps ${ourTtl} s`);
  const jsOrder = Object.keys(jsClaims).join(","), ourOrder = Object.keys(ourClaims).join(",");
  if (jsOrder !== ourOrder) note(name, `claims: JS ${jsOrder}, wps ${ourOrder}`);
};

// ---------------------------------------------------------------------------------------------
// Run.

const defaultEnv = { cs: CS, hub: HUB };
let wpsMissing = false;
for (const k of cases) {
  headStatus = k.head || 200;
  const start = captured.length;
  let result;
  try {
    result = await k.js();
  } catch (e) {
    c.check(false, `${k.name}: JS call threw: ${e.message}`);
    continue;
  }
  if ("expect" in k) c.check(result === k.expect, `${k.name}: JS returned ${show(result)}, expected ${show(k.expect)}`);
  const reqs = captured.slice(start);
  if (!c.check(reqs.length === k.wps.length, `${k.name}: JS made ${reqs.length} requests, expected ${k.wps.length}`)) continue;

  reqs.forEach((js, i) => {
    const name = reqs.length > 1 ? `${k.name} [request ${i + 1}]` : k.name;
    const tok = bearer(js.headers);
    const jsClaims = tok ? jwt.decode(tok) : null;
    if (verbose) {
      console.log(`\n=== ${name}\n${js.method} ${js.url}`);
      for (const [h, v] of js.headers) console.log(`  ${h}: ${h.toLowerCase() === "authorization" ? `Bearer <${jwtClaimsLine(tok)}>` : v}`);
      console.log(`  body: ${showBody(js.body)}`);
    }
    const spec = k.wps[i];
    if (spec === null) {
      // JS-only request: shown for information, nothing to compare.
      console.log(`INFO JS-only ${name}: ${js.method} ${js.url}`);
      return;
    }
    // The nextLink wps should follow is the one the previous page carried.
    const ctx = { nextLink: reqs[i - 1] ? nextLinkFor(splitUrl(reqs[i - 1].url)[0]) : undefined };
    const opArgs = typeof spec === "function" ? spec(ctx) : spec;
    const now = jsClaims && jsClaims.iat ? jsClaims.iat : Math.floor(Date.now() / 1000);
    const ours = runWps({ ...defaultEnv, ...k.env }, opArgs, now);
    if (ours.error) {
      if (ours.error.startsWith("cannot run")) wpsMissing = true;
      c.check(false, `${name}: wps rest ${shellQuote(opArgs)}: ${ours.error}`);
      return;
    }
    if (verbose) console.log(`  wps: ${ours.method} ${ours.url}`);
    compare(name, js, ours, { ciQuery: k.ciQuery, noJwt: k.noJwt, origin: k.origin, now });
  });
}

server.close();
fs.rmSync(tmp, { recursive: true, force: true });
for (const [what, names] of notes)
  console.log(`NOTE ${what}\n      seen in ${names.length} request(s): ${names.slice(0, 4).join("; ")}${names.length > 4 ? "; ..." : ""}`);
if (wpsMissing) console.log(`(${wps} could not be run)`);
c.done();
