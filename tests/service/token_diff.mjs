// `wps token` against the official packages: every token wps mints verifies with jsonwebtoken
// (HS256, the AccessKey text as the secret) and carries, claim by claim, what
// @azure/web-pubsub 1.2.0's getClientAccessToken puts in its token for the same options (iat and
// exp compared as exp - iat; the URLs compared without the token). Ends "N passed, N failed".
//   node tests/service/token_diff.mjs path/to/wps
import { execFileSync } from "node:child_process";
import { counter, requirePinned, cli } from "../util.mjs";

const require = requirePinned;
const jwt = require("jsonwebtoken");
const { WebPubSubServiceClient } = require("@azure/web-pubsub");
const wps = process.argv[2] || "build/wps";
const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

const cases = [
  { name: "plain", cs: `Endpoint=https://demo.webpubsub.azure.com;AccessKey=${key};Version=1.0;`, hub: "chat", opts: {} },
  { name: "user, roles, groups", cs: `Endpoint=https://demo.webpubsub.azure.com;AccessKey=${key};Version=1.0;`, hub: "chat",
    opts: { userId: "user \u00e9\"q", roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup.g1"], groups: ["g1", "g 2"] } },
  { name: "a path and an upper-case host", cs: `Endpoint=https://PubSub.Example/base/;AccessKey=${key};Version=1.0;`, hub: "chat", opts: {} },
  { name: "port and http", cs: `Endpoint=http://localhost;Port=8080;AccessKey=${key};Version=1.0;`, hub: "hub", opts: { userId: "u" } },
  { name: "expiry 5 minutes", cs: `Endpoint=https://demo.webpubsub.azure.com;AccessKey=${key};Version=1.0;`, hub: "h1", opts: { expirationTimeInMinutes: 5 } },
  { name: "mqtt", cs: `Endpoint=https://demo.webpubsub.azure.com;AccessKey=${key};Version=1.0;`, hub: "chat", opts: { clientProtocol: "mqtt" } },
  { name: "socketio", cs: `Endpoint=https://demo.webpubsub.azure.com;AccessKey=${key};Version=1.0;`, hub: "chat", opts: { clientProtocol: "socketio" } },
];

const result = counter();
const { check } = result;

for (const c of cases) {
  const now = Math.floor(Date.now() / 1000);
  const args = ["token", "--connection-string", c.cs, "--hub", c.hub, "--now", String(now)];
  if (c.opts.userId) args.push("--user", c.opts.userId);
  for (const r of c.opts.roles || []) args.push("--role", r);
  for (const g of c.opts.groups || []) args.push("--group", g);
  if (c.opts.expirationTimeInMinutes) args.push("--expires-minutes", String(c.opts.expirationTimeInMinutes));
  if (c.opts.clientProtocol) args.push("--client-protocol", c.opts.clientProtocol);
  const [url, token] = execFileSync(wps, args).toString().trim().split("\n");
  let ours;
  try {
    ours = jwt.verify(token, key, { algorithms: ["HS256"], clockTimestamp: now });
    check(true, "");
  } catch (e) {
    check(false, `${c.name}: jsonwebtoken rejects the token: ${e.message}`);
    continue;
  }
  const sdk = await new WebPubSubServiceClient(c.cs, c.hub).getClientAccessToken(c.opts);
  const theirs = jwt.decode(sdk.token);
  check(url.split("?")[0] === sdk.baseUrl, `${c.name}: URL ${url.split("?")[0]} vs ${sdk.baseUrl}`);
  check(url === `${sdk.baseUrl}?access_token=${token}`, `${c.name}: the URL carries the token`);
  const norm = (p) => {
    const { iat, exp, ...rest } = p;
    return JSON.stringify({ ...Object.fromEntries(Object.entries(rest).sort()), ttl: exp - iat });
  };
  check(norm(ours) === norm(theirs), `${c.name}: claims\n      wps: ${norm(ours)}\n      sdk: ${norm(theirs)}`);
  check(jwt.decode(token, { complete: true }).header.alg === "HS256" && jwt.decode(token, { complete: true }).header.typ === "JWT", `${c.name}: header`);
}
result.done();
process.exit();
