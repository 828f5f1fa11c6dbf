// Generates the differential-test corpus (deterministic; the output is committed):
//   corpus/down.txt  - downstream frames, one "T <text>" or "B <base64>" line each
//   corpus/up.jsonl  - upstream messages in the @azure/web-pubsub-client message shape
// Run: node tests/diff/gen_corpus.mjs   (from the repository root or anywhere)
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, "corpus"), { recursive: true });

// A small deterministic PRNG so the corpus never changes between runs.
let seed = 0x2545f491;
function rnd() {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 0x100000000;
}
const pick = (a) => a[Math.floor(rnd() * a.length)];
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const bytes = (n) => Array.from({ length: n }, () => Math.floor(rnd() * 256));

const down = [];
const T = (s) => down.push("T " + s);
const B = (s) => down.push("B " + Buffer.from(s, typeof s === "string" ? "utf8" : undefined).toString("base64"));
const J = (o) => T(JSON.stringify(o));

// ---- ack: success, every documented error name, Duplicate, uint64 edges
for (const id of [0, 1, 2, 42, 1000, 2 ** 31 - 1, 2 ** 32, 2 ** 53 - 1]) J({ type: "ack", ackId: id, success: true });
for (const name of ["Forbidden", "InternalServerError", "Duplicate", "InvocationFailed", "NotFound", "Timeout", "BadRequest", "SomethingNew"])
  J({ type: "ack", ackId: 7, success: false, error: { name, message: `${name} happened` } });
T('{"type":"ack","ackId":18446744073709551615,"success":true}');
T('{"type":"ack","ackId":9007199254740993,"success":true}');
T('{"type":"ack","ackId":18446744073709551616,"success":true}');
T('{"type":"ack","ackId":-1,"success":true}');
T('{"type":"ack","ackId":1.5,"success":true}');
T('{"type":"ack","ackId":1e2,"success":true}');
T('{"type":"ack","ackId":"1","success":true}');
T('{"type":"ack","ackId":1}');
T('{"type":"ack","success":true}');
T('{"success":true,"ackId":3,"type":"ack"}');
T('{"type":"ack","ackId":3,"success":false}');
T('{"type":"ack","ackId":3,"success":false,"error":{"name":"Forbidden","message":"x","extra":1}}');
T('{"type":"ack","ackId":3,"success":true,"unknownKey":{"deep":[1,2,{"a":null}]}}');

// ---- group and server messages, every dataType, with and without sequenceId
const texts = ["hello", "", "with \"quotes\" and \\ backslash", "tab\tnewline\ncr\r", "caf\u00e9 \u4e2d\u6587", "emoji \ud83d\ude00\ud83c\udf89",
  "\u0000nul\u0001\u001f", "\u2028\u2029 separators", "</script>", "x".repeat(300)];
let seq = 1;
for (const t of texts) J({ type: "message", from: "group", group: "lobby", fromUserId: "alice", dataType: "text", data: t, sequenceId: seq++ });
for (const t of texts.slice(0, 5)) J({ type: "message", from: "server", dataType: "text", data: t, sequenceId: seq++ });
const jsonValues = [{ a: 1 }, [1, 2, 3], "str", 42, 3.25, -7, true, false, null, { nested: { deep: [{ x: "y" }] } }, { "k\"ey": "v\\al" }, [], {}, 1e21, 0.1];
for (const v of jsonValues) J({ type: "message", from: "group", group: "g", dataType: "json", data: v, sequenceId: seq++ });
for (const v of jsonValues.slice(0, 6)) J({ type: "message", from: "server", dataType: "json", data: v });
for (const n of [0, 1, 2, 3, 4, 5, 16, 100, 1000]) J({ type: "message", from: "group", group: "bin", dataType: "binary", data: b64(bytes(n)), sequenceId: seq++ });
for (const n of [1, 10, 64]) J({ type: "message", from: "server", dataType: "binary", data: b64(bytes(n)), sequenceId: seq++ });
for (const n of [3, 20]) J({ type: "message", from: "group", group: "pb", dataType: "protobuf", data: b64(bytes(n)) });
J({ type: "message", from: "server", dataType: "protobuf", data: b64(bytes(9)) });
// dataType case-insensitivity and absence
for (const dt of ["TEXT", "Json", "Binary", "PROTOBUF"]) J({ type: "message", from: "group", group: "g", dataType: dt, data: dt.toLowerCase() === "binary" || dt.toLowerCase() === "protobuf" ? "AAE=" : "x" });
J({ type: "message", from: "group", group: "g", data: { absent: "dataType" } });
J({ type: "message", from: "server", data: "no dataType" });
// stream info on group messages
J({ type: "message", from: "group", group: "g", dataType: "text", data: "frag", sequenceId: 5, stream: { streamId: "s1", streamSequenceId: 1 } });
J({ type: "message", from: "group", group: "g", dataType: "text", data: "", stream: { streamId: "s1", streamSequenceId: 2, endOfStream: true } });
J({ type: "message", from: "group", group: "g", dataType: "text", data: "", stream: { streamId: "s1", streamSequenceId: 3, endOfStream: true, error: { name: "UserError", message: "m", userErrorCode: "E42" } } });
J({ type: "message", from: "group", group: "g", dataType: "text", data: "", stream: { streamId: "s1", streamSequenceId: 4, error: { name: "IdleTimeout" } } });
J({ type: "message", from: "server", dataType: "text", data: "srv", stream: { streamId: "s1", streamSequenceId: 1 } });
J({ type: "message", from: "group", group: "g", dataType: "text", data: "bad stream", stream: { streamId: 5 } });
// sequenceId edges
T('{"type":"message","from":"group","group":"g","dataType":"text","data":"max","sequenceId":18446744073709551615}');
T('{"type":"message","from":"group","group":"g","dataType":"text","data":"over","sequenceId":18446744073709551616}');
T('{"type":"message","from":"server","dataType":"text","data":"neg","sequenceId":-3}');
T('{"type":"message","from":"server","dataType":"text","data":"frac","sequenceId":3.0}');
T('{"type":"message","from":"server","dataType":"text","data":"exp","sequenceId":3E1}');
T('{"type":"message","from":"server","dataType":"text","data":"zero","sequenceId":0}');
// anonymous sender, null fields
J({ type: "message", from: "group", group: "g", dataType: "text", data: "anon" });
T('{"type":"message","from":"group","group":"g","fromUserId":null,"dataType":"text","data":"nullsender"}');
// unicode escapes written by hand (surrogate pairs, BMP, lone surrogates)
T('{"type":"message","from":"group","group":"\\u0067\\u0072\\u006f\\u0075\\u0070","dataType":"text","data":"\\ud83d\\ude00"}');
T('{"type":"message","from":"group","group":"g","dataType":"text","data":"\\u00e9\\u4e2d\\uFFFF\\u0000"}');
T('{"type":"message","from":"group","group":"g","dataType":"text","data":"\\ud800"}');
T('{"type":"message","from":"group","group":"g","dataType":"text","data":"\\udfff"}');
T('{"type":"message","from":"group","group":"g","dataType":"text","data":"\\ud83d\\u0041"}');
T('{"type":"message","from":"group","group":"g","dataType":"text","data":"\\uD83D\\uDE00 upper hex"}');
T('{"type":"message","from":"group","group":"g","dataType":"text","data":"\\/ solidus \\b\\f"}');
T('{"type":"message","from":"group","group":"g","dataType":"text","data":"\\x41"}');
T('{"type":"message","from":"group","group":"g","dataType":"text","data":"\\u12G4"}');
T('{"t\\u0079pe":"message","from":"group","group":"g","dataType":"text","data":"escaped key"}');
// large payloads
J({ type: "message", from: "group", group: "big", dataType: "text", data: "L".repeat(65536), sequenceId: seq++ });
J({ type: "message", from: "server", dataType: "binary", data: b64(bytes(100000)), sequenceId: seq++ });
J({ type: "message", from: "server", dataType: "json", data: { arr: Array.from({ length: 2000 }, (_, i) => ({ i, s: "v" + i })) } });
J({ type: "message", from: "group", group: "g".repeat(1024), dataType: "text", data: "long group" });

// ---- system
J({ type: "system", event: "connected", userId: "user1", connectionId: "conn1", reconnectionToken: "tok1" });
J({ type: "system", event: "connected", connectionId: "conn2" });
J({ type: "system", event: "connected", userId: "u\u00e9", connectionId: "c", reconnectionToken: "a+b/c==" });
T('{"type":"system","event":"connected","userId":null,"connectionId":"c3"}');
J({ type: "system", event: "connected", userId: "u" });
J({ type: "system", event: "disconnected", message: "Connection closed by the service." });
J({ type: "system", event: "disconnected" });
J({ type: "system", event: "reconnecting" });
J({ type: "system" });
J({ type: "system", event: 5 });

// ---- pong, invokeResponse, cancelInvocation, streaming, group state
J({ type: "pong" });
T('{"type":"pong","extra":[1]}');
J({ type: "invokeResponse", invocationId: "1", success: true, dataType: "json", data: { price: 3 } });
J({ type: "invokeResponse", invocationId: "2", success: true, dataType: "text", data: "ok" });
J({ type: "invokeResponse", invocationId: "3", success: true, dataType: "binary", data: "AAECAw==" });
J({ type: "invokeResponse", invocationId: "4", success: true });
J({ type: "invokeResponse", invocationId: "5", success: false, error: { name: "BadRequest", message: "nope" } });
J({ type: "invokeResponse", invocationId: "6" });
J({ type: "invokeResponse", invocationId: "7", success: true, dataType: "weird", data: 1 });
J({ type: "cancelInvocation", invocationId: "8" });
J({ type: "streamAck", streamId: "u-1", expectedSequenceId: 1 });
J({ type: "streamAck", streamId: "u-1", expectedSequenceId: 1000 });
J({ type: "streamNack", streamId: "u-1", expectedSequenceId: 3, name: "InvalidSequenceId", message: "gap" });
J({ type: "streamNack", streamId: "u-1", expectedSequenceId: 3, name: "TransientError" });
J({ type: "streamClosed", streamId: "u-1" });
for (const name of ["StreamNotFound", "Forbidden", "BadRequest", "InternalServerError", "IdleTimeout"])
  J({ type: "streamClosed", streamId: "u-2", error: { name, message: name + "!" } });
J({ type: "groupStateSnapshot", group: "room", items: [{ connectionId: "c1", userId: "u1", state: { status: "typing" }, updatedAt: 20 }] });
J({ type: "groupStateSnapshot", group: "room", items: [] });
J({ type: "groupStateUpdate", group: "room", items: [{ connectionId: "c1", updatedAt: 21 }, { connectionId: "c2", userId: "u2", state: { a: "b" }, updatedAt: 22 }] });

// ---- forward compatibility
for (const t of ["futureThing", "Message", "ACK", "invoke", "joinGroup", ""]) J({ type: t, data: 1 });
J({ type: "message", from: "channel", data: 1 });
J({ type: "message", dataType: "text", data: "no from" });
J({ type: "message", from: "group", group: "g", dataType: "xml", data: "<a/>" });
J({ type: "message", from: "server", dataType: "", data: "empty dataType" });

// ---- malformed frames
for (const s of [
  "", " ", "{", "}", "[]", "[{\"type\":\"pong\"}]", "null", "true", "42", "\"pong\"", "{\"type\":\"pong\"", "{\"type\":\"pong\"}}",
  "{\"type\":\"pong\"} trailing", "{\"type\":\"pong\",}", "{\"type\":'pong'}", "{type:\"pong\"}", "{\"type\" \"pong\"}",
  "{\"type\":\"pong\",\"x\":[1,2}", "{\"type\":\"pong\",\"x\":01}", "{\"type\":\"pong\",\"x\":.5}", "{\"type\":\"pong\",\"x\":+1}",
  "{\"type\":\"pong\",\"x\":NaN}", "{\"type\":\"pong\",\"x\":Infinity}", "{\"type\":\"pong\",\"x\":tru}", "{\"type\":\"pong\",\"x\":\"a\tb\"}",
  "{\"type\":\"pong\",\"x\":\"unterminated}", "{\"type\":\"pong\" /* comment */}", "{\"type\":\"pong\",\"x\":[1,]}",
  "{\"type\":\"pong\",\"x\":1e}", "{\"type\":\"pong\",\"x\":-}", "{\"type\":\"pong\",\"x\":\"\\u00\"}", "{\"ackId\":1}", "{}",
  "\ufeff{\"type\":\"pong\"}", "{\"type\":\"pong\"}\n", "\t{\"type\":\"pong\"}\r\n ",
]) T(s);
// invalid UTF-8 and raw control bytes only fit in binary frames (B lines)
for (const bad of [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe4, 0xb8], [0xff], [0xfe, 0xff]]) {
  const frame = Buffer.concat([Buffer.from('{"type":"message","from":"group","group":"g","dataType":"text","data":"'), Buffer.from(bad), Buffer.from('"}')]);
  down.push("B " + frame.toString("base64"));
}
B('{"type":"message","from":"group","group":"g","dataType":"text","data":"binary frame carrying JSON"}');
B('{"type":"ack","ackId":5,"success":true}');
B('{"type":"pong","x":"raw\nnewline"}');
B('{"type":"pong","x":"raw\u0001ctl"}');
// base64 problems
for (const d of ["AAE", "A===", "AA*=", "Zg==Zg==", "Zm9v YmFy", "Zm9v\\nYmFy", "-_-_", "Zh=="])
  T(`{"type":"message","from":"server","dataType":"binary","data":"${d}"}`);
// wrong types
T('{"type":"message","from":"group","group":"g","dataType":"text","data":5}');
T('{"type":"message","from":"group","group":"g","dataType":"text","data":{"a":1}}');
T('{"type":"message","from":"group","group":5,"dataType":"text","data":"x"}');
T('{"type":"message","from":"group","group":"g","dataType":5,"data":"x"}');
T('{"type":"ack","ackId":1,"success":"yes"}');
T('{"type":5}');
T('{"type":null}');
// duplicate keys (JSON.parse keeps the last one)
T('{"type":"ack","ackId":1,"success":true,"ackId":2}');
T('{"type":"pong","type":"ack","ackId":1,"success":true}');
T('{"type":"message","from":"group","group":"a","group":"b","dataType":"text","data":"x"}');
// deep nesting
T('{"type":"message","from":"server","dataType":"json","data":' + "[".repeat(62) + "]".repeat(62) + "}");
T('{"type":"message","from":"server","dataType":"json","data":' + "[".repeat(70) + "]".repeat(70) + "}");
T('{"type":"message","from":"server","dataType":"json","data":' + "[".repeat(5000) + "}");

// ---- a randomized tail of well-formed realistic frames
for (let i = 0; i < 40; i++) {
  const kind = pick(["gtext", "gjson", "gbin", "stext", "ack", "ackerr"]);
  const sid = Math.floor(rnd() * 1e9);
  if (kind === "gtext") J({ type: "message", from: "group", group: pick(["a", "lobby", "room-42"]), fromUserId: "u" + i, dataType: "text", data: "m" + "x".repeat(Math.floor(rnd() * 200)), sequenceId: sid });
  else if (kind === "gjson") J({ type: "message", from: "group", group: "g", dataType: "json", data: { i, v: rnd(), s: "z".repeat(Math.floor(rnd() * 50)) }, sequenceId: sid });
  else if (kind === "gbin") J({ type: "message", from: "group", group: "g", dataType: "binary", data: b64(bytes(Math.floor(rnd() * 300))), sequenceId: sid });
  else if (kind === "stext") J({ type: "message", from: "server", dataType: "text", data: "srv" + i, sequenceId: sid });
  else if (kind === "ack") J({ type: "ack", ackId: sid, success: true });
  else J({ type: "ack", ackId: sid, success: false, error: { name: "Duplicate", message: "dup " + i } });
}

// ===================================================================== upstream messages
const up = [];
const U = (o) => up.push(JSON.stringify(o));
const bin = (n) => ({ $binary: b64(bytes(n)) });
for (const ackId of [undefined, 0, 1, 2 ** 53 - 1]) {
  U({ kind: "joinGroup", group: "lobby", ackId });
  U({ kind: "leaveGroup", group: "lobby", ackId });
}
for (const g of ["", "caf\u00e9", "with \"quote\"", "ctl\u0001", "\ud83d\ude00", "g".repeat(1024)]) U({ kind: "joinGroup", group: g, ackId: 5 });
for (const noEcho of [undefined, true, false]) {
  U({ kind: "sendToGroup", group: "g", dataType: "text", data: "hi", noEcho, ackId: 3 });
  U({ kind: "sendToGroup", group: "g", dataType: "json", data: { a: [1, 2] }, noEcho });
  U({ kind: "sendToGroup", group: "g", dataType: "binary", data: bin(5), noEcho, ackId: 4 });
  U({ kind: "sendToGroup", group: "g", dataType: "protobuf", data: bin(7), noEcho });
}
for (const t of texts) U({ kind: "sendToGroup", group: "g", dataType: "text", data: t, ackId: 9 });
for (const v of jsonValues) U({ kind: "sendEvent", event: "evt", dataType: "json", data: v, ackId: 10 });
for (const t of texts.slice(0, 5)) U({ kind: "sendEvent", event: "e\u00e9", dataType: "text", data: t });
for (const n of [0, 1, 2, 3, 50, 3000]) U({ kind: "sendEvent", event: "bin", dataType: "binary", data: bin(n), ackId: n });
U({ kind: "sendEvent", event: "pb", dataType: "protobuf", data: bin(12) });
U({ kind: "sendToGroup", group: "g", stream: { streamId: "u-1" } });
U({ kind: "sendToGroup", group: "g", noEcho: true, stream: { streamId: "u-2", idleTimeoutInMs: 60000 } });
for (const s of [0, 1, 42, 2 ** 53 - 1]) U({ kind: "sequenceAck", sequenceId: s });
U({ kind: "ping" });
U({ kind: "invoke", invocationId: "1", target: "event", event: "getPrice", dataType: "json", data: { sku: "a1" } });
U({ kind: "invoke", invocationId: "2", target: "event", event: "echo", dataType: "text", data: "hello" });
U({ kind: "invoke", invocationId: "3", target: "event", event: "bin", dataType: "binary", data: bin(4) });
U({ kind: "invoke", invocationId: "4", target: "event", event: "nodata" });
U({ kind: "invoke", invocationId: "5", event: "notarget" });
U({ kind: "invokeResponse", invocationId: "9", success: true, dataType: "json", data: [1] });
U({ kind: "invokeResponse", invocationId: "9", success: false, error: { name: "Bad", message: "m" } });
U({ kind: "cancelInvocation", invocationId: "1" });
U({ kind: "streamData", streamId: "u-1", streamSequenceId: 1, dataType: "text", data: "ab" });
U({ kind: "streamData", streamId: "u-1", streamSequenceId: 2, dataType: "binary", data: bin(8) });
U({ kind: "streamData", streamId: "u-1", streamSequenceId: 3, dataType: "json", data: { k: 1 } });
U({ kind: "streamData", streamId: "u-1" });
U({ kind: "streamEnd", streamId: "u-1" });
U({ kind: "streamEnd", streamId: "u-1", error: { message: "boom", userErrorCode: "E1" } });
U({ kind: "streamEnd", streamId: "u-1", error: { message: "only message" } });
U({ kind: "setGroupState", group: "room", state: { status: "typing" }, ackId: 42 });
U({ kind: "setGroupState", group: "room", ackId: 43 });
U({ kind: "subscribeGroupState", group: "room", ackId: 44 });
U({ kind: "unsubscribeGroupState", group: "room", ackId: 45 });
U({ kind: "subscribeGroupState", group: "room" });
// invalid upstream messages
up.push('{"kind":"sendToGroup","group":"g","dataType":"text","data":5}');
up.push('{"kind":"sendEvent","event":"e","dataType":"binary","data":"notwrapped"}');
up.push('{"kind":"joinGroup"}');
up.push('{"kind":"sendEvent","dataType":"text","data":"no event"}');
up.push('{"kind":"sequenceAck"}');
up.push('{"kind":"sendToGroup","group":"g","dataType":"text"}');
up.push('{"kind":"teleport","where":"mars"}');
up.push('{"kind":"joinGroup","group":"g","ackId":-1}');
up.push('{"kind":"joinGroup","group":"g","ackId":18446744073709551615}');
up.push('{"kind":"joinGroup","group":"g","ackId":1.5}');
up.push("not json");
for (let i = 0; i < 20; i++) {
  const kind = pick(["text", "json", "bin"]);
  if (kind === "text") U({ kind: "sendToGroup", group: "r" + i, dataType: "text", data: "t".repeat(Math.floor(rnd() * 500)), ackId: i + 100 });
  else if (kind === "json") U({ kind: "sendEvent", event: "e" + i, dataType: "json", data: { i, s: "q".repeat(i) }, ackId: i + 200 });
  else U({ kind: "sendToGroup", group: "b", dataType: "binary", data: bin(Math.floor(rnd() * 200)), noEcho: i % 2 === 0 });
}

writeFileSync(join(here, "corpus", "down.txt"), down.join("\n") + "\n");
writeFileSync(join(here, "corpus", "up.jsonl"), up.join("\n") + "\n");
console.log(`${down.length} downstream frames, ${up.length} upstream messages`);
