/* wps.h - v0.2.0 - Azure Web PubSub client protocols for C99, sans-I/O, no malloc - MIT License

   wps.h speaks the Azure Web PubSub client subprotocols without doing any I/O itself. It pairs
   with whatever WebSocket library you already have.

   It has three layers, each usable alone:
   - layer 1, the codec, for the JSON subprotocols `json.webpubsub.azure.v1` and
     `json.reliable.webpubsub.azure.v1`, in both directions: every upstream (client -> service)
     and downstream (service -> client) message can be decoded and encoded, so both a client
     and a service can be built on it; zero-copy, strict RFC 8259;
   - layer 2, the client (wps_client): a sans-I/O state machine doing what
     @azure/web-pubsub-client 1.1.0 does (acks, retries, duplicate drop, sequenceAck, recovery,
     reconnect, keepalive, rejoin, invoke) without its known bugs, with delivery guarantees
     (calls in order through outages, every message delivered or its loss reported), borrowed
     payloads and in-place decoding for small devices, session snapshots and a trace hook;
   - layer 3, the service helpers: SHA-256/HMAC, connection strings, client access tokens and
     URLs (Web PubSub, SignalR), REST request builders for every data-plane operation of both
     services and their response parsers, CloudEvents webhooks (signatures, abuse protection,
     connect/user-event bodies and replies, MQTT codes), access-token verification.
   Feature macros leave layers out (WPS_NO_CLIENT, WPS_NO_SERVICE) or select the size build
   (WPS_SMALL), the portable paths (WPS_NO_SIMD), no trace points (WPS_NO_TRACE) and no
   sentences in failure reports (WPS_NO_REASONS): see CONFIGURATION MACROS.

   CONTENTS
   --------
   Every section is tagged ">>name" twice, at its declarations and at its implementation, in
   this order in both (grep ">>client" to go to both; tests/header_check.py keeps it so):
     1. >>base      status codes (WPS_STATUS_LIST), wps_diag, wps_slice
     2. >>codec     layer 1: protocols, kinds, wps_message, wps_decode, wps_decode_in_place,
                    wps_encode, the rendered @azure/web-pubsub-client shape, base64
                    (implementation: JSON scanning, key table, kind descriptors, decoding, the
                    decode fast path, writing)
     3. >>client    layer 2: configuration, host inputs, calls, outputs (wps_client_poll),
                    trace hook, snapshot and restore (implementation: state data, queue, calls,
                    connection, invariants, inputs, snapshot, poll)
     4. >>crypto    layer 3 starts (WPS_NO_SERVICE leaves 4-9 out): SHA-256, HMAC-SHA256,
                    constant-time compare, base64url, percent-encoding
     5. >>connstr   connection strings
     6. >>tokens    client access tokens and URLs (Web PubSub, SignalR)
     7. >>rest      REST requests (WPS_REST_OPERATIONS) and response parsers
     8. >>webhooks  webhook signatures, abuse protection, CloudEvents requests, connect and
                    disconnected bodies, connect replies, MQTT codes, building webhook
                    requests, SignalR upstream
     9. >>verify    verifying access tokens (the service side)

   USAGE
   -----
   Do this in *one* C or C++ file:

       #define WPS_IMPLEMENTATION
       #include "wps.h"

   and include "wps.h" without the define everywhere else.

   QUICK START
   -----------
       wps_codec codec = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_DOWNSTREAM);
       wps_message msg;
       wps_diag diag;
       char scratch[512];            // unescaped text and base64-decoded bytes go here;
                                     // wps_decode_scratch_bound(len) is always enough
       wps_status st = wps_decode(&codec, frame, frame_len, scratch, sizeof scratch, &msg, &diag);
       if (st == WPS_OK && msg.kind == WPS_KIND_GROUP_DATA)
           printf("%.*s says %.*s\n", (int)msg.from_user_id.len, msg.from_user_id.ptr,
                                      (int)msg.data.len, msg.data.ptr);
       else if (st == WPS_IGNORED) { }   // a newer message kind: skip it (forward compatibility)
       else if (st < 0) fprintf(stderr, "%s: %s\n", wps_status_name(st), diag.reason);

       // encoding: fill a message, ask for the bytes
       wps_codec up = wps_codec_make(WPS_PROTOCOL_JSON_RELIABLE, WPS_UPSTREAM);
       wps_message join;
       wps_message_init(&join, WPS_KIND_JOIN_GROUP);
       join.group = wps_slice_from_cstr("lobby");
       join.ack_id = 1; join.has |= WPS_HAS_ACK_ID;
       char frame_out[256]; size_t n;
       st = wps_encode(&up, &join, frame_out, sizeof frame_out, &n, &diag);
       // -> {"type":"joinGroup","group":"lobby","ackId":1}, send as a text frame

   CLIENT QUICK START
   ------------------
       wps_client_config cfg = wps_client_config_default();      // the official defaults
       wps_client *c;
       wps_client_init(&c, &cfg, buffer, wps_client_memory_size(&cfg), NULL);
       wps_client_start(c, now_ms());
       // then loop: feed socket events (wps_client_on_open/_on_frame/_on_close) and time
       // (wps_client_tick at wps_client_next_deadline), and act on wps_client_poll's actions:
       // NEED_URL, OPEN, SEND, CLOSE, EVENT (connected, group-message, ...), COMPLETE.
       // Hand received frames over with wps_client_on_frame_writable: messages of any size
       // (up to the service's 1 MB) are then decoded in place.

   MEMORY
   ------
   Nothing is allocated. A decoded message points into the caller's frame (zero-copy) and, for
   strings that contain escapes and for base64 data, into the caller's scratch buffer. Both must
   outlive the use of the message. If the scratch buffer is too small, wps_decode returns
   WPS_ERR_BUFFER_TOO_SMALL and diag.needed says how many bytes it needs;
   wps_decode_scratch_bound(frame_len) is an upper bound that never fails. wps_encode writes into
   the caller's buffer and, when it is too small, returns WPS_ERR_BUFFER_TOO_SMALL with the exact
   size needed in *out_len (call with cap 0 to measure).

   CONFIGURATION MACROS (define before including the implementation)
   --------------------
   WPS_IMPLEMENTATION        compile the implementation into this translation unit
   WPS_STATIC                make every function static (private copy per translation unit)
   WPS_API                   linkage of public functions (default extern; static with WPS_STATIC)
   WPS_ASSERT(x)             internal invariant check (default assert(x) from <assert.h>; the
                             client's invariant check after every input runs unless NDEBUG is
                             defined, or always with WPS_CHECK_INVARIANTS)
   WPS_CHECK_INVARIANTS      run the client's invariant check even under NDEBUG
   WPS_MEMCPY/WPS_MEMMOVE/WPS_MEMSET/WPS_MEMCMP   replacements for the <string.h> functions
   WPS_DEFAULT_MAX_DEPTH     JSON nesting limit used by wps_codec_make (default 64)
   WPS_MAX_DEPTH_LIMIT       hard ceiling for wps_codec.max_depth (default 256)
   WPS_REASON_SIZE           size of wps_diag.reason (default 128)
   WPS_NO_CLIENT             leave out layer 2, the client (wps_client_*)
   WPS_NO_SERVICE            leave out the service helpers (crypto, connection strings, tokens,
                             webhook signatures): a device client rarely needs them
   WPS_SMALL                 the size build: no decode fast path, no forced inlining, no bit-scan
                             word loops (selected by -Os too, unless WPS_FAST is defined); same
                             behaviour, smaller and slower (make size)
   WPS_FAST                  keep the default (fast) build under -Os
   WPS_NO_TRACE              compile the client's trace points out (wps_client_set_trace stays,
                             and does nothing)
   WPS_NO_REASONS            leave the sentences of failures and trace records out of the build
                             (about 4 KB of flash in a device): wps_diag.reason keeps the key and
                             byte offset ("ackId at byte 22", "at byte 9", "data" or ""), and
                             wps_strerror(status) describes the status; statuses, offsets, needed
                             sizes, IGNORED reasons and trace kinds and numbers are unchanged
   WPS_NO_SIMD               plain portable C only: no SSE2/AVX2 and no bit-scan builtins (the
                             default uses SSE2 where the compiler targets it, AVX2 too when it
                             does (-mavx2, -march=native: chosen at compile time, never probed at
                             run time), and 8-byte word scans)

   JSON RULES
   ----------
   - Strict RFC 8259: invalid UTF-8 (overlong, surrogate or > U+10FFFF sequences), lone
     surrogates in \u escapes, raw control characters in strings, unbalanced structure,
     trailing non-whitespace and nesting deeper than wps_codec.max_depth are errors. A BOM is
     not accepted.
   - Integers (ackId, sequenceId, ...) are full uint64: 0..18446744073709551615. Negative,
     fractional, exponent-form and overflowing values are WPS_ERR_NUMBER.
   - A key wps.h knows (type, group, ackId, ...) must not appear twice in one object:
     WPS_ERR_DUPLICATE_KEY. (JavaScript's JSON.parse keeps the last value; a message two parsers
     could read differently is rejected instead.) Unknown keys are skipped unchecked.
   - `null` for an optional key means the key is absent; for a required key it is
     WPS_ERR_MISSING_FIELD. (`"data":null` with dataType json is the JSON value null.)
   - Forward compatibility, like the official client: an unknown `type`, system `event`, `from`
     or `dataType` is not an error; wps_decode returns WPS_IGNORED (> 0) and diag.reason says why.
   - dataType is matched case-insensitively ("TEXT" is text) and is json when absent.
   - Escapes are JSON wherever they appear: keys, "type", "dataType" and base64 data
     ("AA\/A" is the base64 text AA/A; escaped base64 needs its unescaped length of scratch).
   - What wps_encode writes obeys the same rules, plus: sequenceId only on the reliable
     subprotocols (one received on the plain subprotocol is accepted).
   - The returned status never depends on whether a wps_diag was passed.

   LICENSE: MIT, see the end of this file.

   REVISION HISTORY
   0.3.0 (unreleased)  Embedded (P6, in progress): borrowed calls (wps_call_options.borrow_payload,
                      wps_client_config.borrow_payloads: no frame kept per call, each attempt
                      encoded from the caller's memory; internal frames encoded as handed over;
                      the transmit buffer holds the open URL too); wps_client_config_embedded
                      (4,016 bytes on 32-bit); wps_client_config.host_transmit_buffer with
                      wps_client_poll_into and wps_client_transmit_size (the host lends the
                      transmit buffer), .borrow_url (the host keeps the URL) and .max_id_len;
                      OPEN URLs written as the OPEN is handed over (one not polled is taken
                      back when its socket is reported failed or open); an action queue sized for the
                      worst input and a burst of max_calls calls (not the worst input twice);
                      a restored session reported disconnected is not recovered again; the close
                      reason of a queued `disconnected` is not replaced (WPS_ERR_BUSY);
                      WPS_TRACE_NOT_KEPT and wps_trace_kind_name; WPS_NO_REASONS (failure
                      reports without their sentences: 4.0 KB less in the device loop);
                      wps_client_config.receive_in_place (no
                      receive scratch); 8-byte queue records, an internal-frame buffer
                      sized for names that need no escaping, a recovery URL with 2 *
                      max_token_len bytes for the URL-encoded connectionId and
                      reconnectionToken (a longer pair is not kept: WPS_TRACE_NOT_KEPT)
                      (the default client needs 40 KB less; a group name or invocation id whose escapes would not fit is
                      WPS_ERR_CAPACITY); the disconnected message kept up to max_token_len when
                      under 512;
                      wps_client_restore waits (WPS_ERR_BUSY) while events of the last session
                      are queued; every entry point needs at most 1 KB of stack on Cortex-M4 in
                      the size build; a frame longer than SIZE_MAX / 16 is
                      WPS_ERR_INVALID_ARGUMENT; the size build looks keys up by table; the
                      trace hook, install/pkg-config/CMake and the transport adapters.
                      The header has a table of contents and section tags (>>name) in the
                      same order for declarations and implementation. One set of conventions
                      (CONTRIBUTING.md); API changes marked *:
                      * wps_protocol_is_reliable, wps_protocol_is_binary,
                      wps_kind_allows_direction and wps_retry_next_delay return bool (they
                      returned int 0/1); * the query column of WPS_REST_OPERATIONS is data,
                      WPS_REST_Q0() ... WPS_REST_Q5(...) of the new wps_rest_query values (it
                      was a space-separated string), with wps_rest_operation_query and
                      wps_rest_query_name to read it; output lengths are named out_len in
                      every writer's declaration. Fixes found by the coverage work: lost
                      sequenceIds are remembered by id (several losses no longer freeze the
                      sequenceAck, and a redelivery above a delivered id is delivered); an
                      invocation ended by attempt_timeout_ms is cancelled at the service; an
                      endpoint's host and port are read once (IPv6 literals kept whole, no
                      empty host, ports 1..65535, else WPS_ERR_CONNECTION_STRING);
                      wps_token_verify reports the whole memory it needs; REST refuses "."
                      and ".." only as path segments. Generated JSON (tokens, REST bodies,
                      webhook replies) escapes control characters as JSON.stringify does (\n,
                      not \u000a). Service bodies are read once (webhook and claims bodies
                      straight into the caller's memory); a webhook body member given twice
                      keeps its last value, arrays included, as JSON.parse does; a REST error
                      whose innermost inner.code is null reports the deepest string code.
                      Session snapshots are version 2: they carry the sequenceIds lost for
                      lack of memory (a restored client acknowledged past them before);
                      version 1 is still read. make unit also runs the tests for a 32-bit
                      target (gcc -m32).
   0.2.0 (2026-12-07) The client keeps its promises on real networks (API changes marked *):
                      calls wait in a FIFO through outages and go out in call order; after a
                      recovery unanswered calls are resent first with their ackIds; waiting
                      for a connection costs no retries (new attempt_timeout_ms); a lost
                      session resends or ends unanswered calls (new resend_after_session_loss);
                      * WPS_ERR_NOT_CONNECTED is gone: WPS_ERR_NOT_SENT (never sent) and
                      WPS_ERR_DISCONNECTED (sent, may have been delivered) each mean one thing,
                      and wps_action.sent says whether an attempt reached the host;
                      * the call functions take a wps_diag * (last argument) and refuse with
                      WPS_ERR_TOO_MANY_CALLS or WPS_ERR_TOO_LARGE instead of WPS_ERR_CAPACITY;
                      wps_decode_in_place and wps_client_on_frame_writable decode messages of
                      any size without scratch; a message lost for lack of memory is reported
                      with wps_action.needed and never acknowledged; a binary frame on a JSON
                      subprotocol is WPS_ERR_FRAME_TYPE; rejoin-group-failed carries its
                      ackId; the state machine is explicit (one state, typed queue records, an
                      invariant check after every input).
   0.1.0 (2026-11-23) JSON and JSON-reliable codec, both directions; render/parse of the
                      @azure/web-pubsub-client message shape; decode fast path; the client
                      state machine with session snapshots; the service helpers: SHA-256,
                      HMAC, connection strings, client access tokens and URLs (Web PubSub,
                      SignalR), webhook signatures and abuse protection, CloudEvents webhooks
                      (headers, connect and disconnected bodies, connect replies, MQTT codes,
                      request builder, SignalR upstream), REST request builders for every
                      data-plane operation of Web PubSub and SignalR 2024-12-01 and their
                      response parsers, access-token verification; feature macros
                      WPS_NO_CLIENT and WPS_NO_SERVICE; the wps CLI and wps-emulator.
*/

#ifndef WPS_H_INCLUDED
#define WPS_H_INCLUDED

#define WPS_VERSION_MAJOR 0
#define WPS_VERSION_MINOR 2
#define WPS_VERSION_PATCH 0
#define WPS_VERSION_STRING "0.2.0"

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#ifndef WPS_API
#ifdef WPS_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define WPS_API static __attribute__((unused))
#else
#define WPS_API static
#endif
#else
#define WPS_API extern
#endif
#endif

#ifndef WPS_DEFAULT_MAX_DEPTH
#define WPS_DEFAULT_MAX_DEPTH 64
#endif
#ifndef WPS_MAX_DEPTH_LIMIT
#define WPS_MAX_DEPTH_LIMIT 256
#endif
#ifndef WPS_REASON_SIZE
#define WPS_REASON_SIZE 128
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ============ >>base  1. status codes, diagnostics, slices */

/* ---------------------------------------------------------------------------------------------
   Status codes. 0 is success, WPS_IGNORED (> 0) is "nothing to do, not an error", negative
   values are errors. The X-macro generates the enum, wps_status_name and wps_strerror.
   --------------------------------------------------------------------------------------------- */
#define WPS_STATUS_LIST(X) \
    X(WPS_OK, 0, "success") \
    X(WPS_IGNORED, 1, "message ignored for forward compatibility (unknown type, event, from or dataType)") \
    X(WPS_ERR_INVALID_ARGUMENT, -1, "invalid argument") \
    X(WPS_ERR_BUFFER_TOO_SMALL, -2, "buffer too small") \
    X(WPS_ERR_UNSUPPORTED_PROTOCOL, -3, "subprotocol not supported by this build") \
    X(WPS_ERR_EMPTY, -4, "empty frame") \
    X(WPS_ERR_SYNTAX, -5, "JSON syntax error") \
    X(WPS_ERR_UTF8, -6, "invalid UTF-8") \
    X(WPS_ERR_ESCAPE, -7, "invalid escape sequence in a JSON string") \
    X(WPS_ERR_CONTROL_CHAR, -8, "raw control character in a JSON string") \
    X(WPS_ERR_DEPTH, -9, "JSON nesting deeper than the configured limit") \
    X(WPS_ERR_TRAILING, -10, "data after the end of the JSON value") \
    X(WPS_ERR_NUMBER, -11, "not an unsigned 64-bit integer") \
    X(WPS_ERR_TYPE_MISMATCH, -12, "a field has the wrong JSON type") \
    X(WPS_ERR_MISSING_FIELD, -13, "a required field is missing") \
    X(WPS_ERR_DUPLICATE_KEY, -14, "a key appears twice in one object") \
    X(WPS_ERR_BASE64, -15, "invalid base64") \
    X(WPS_ERR_INVALID_MESSAGE, -16, "the message breaks a protocol rule") \
    X(WPS_ERR_WRONG_DIRECTION, -17, "message kind does not travel in this direction") \
    X(WPS_ERR_STATE, -18, "not allowed in the client's current state") \
    X(WPS_ERR_CAPACITY, -19, "a configured client capacity is exhausted") \
    X(WPS_ERR_NOT_SENT, -20, "never sent: the client stopped or gave up before a connection could carry the call") \
    X(WPS_ERR_DISCONNECTED, -21, "sent, but the connection ended before the answer and it was not sent again: it may or may not have been delivered") \
    X(WPS_ERR_ACK_FAILED, -22, "the service rejected the message (see the error name)") \
    X(WPS_ERR_INVOKE_FAILED, -23, "the invocation failed at the service (see the error name)") \
    X(WPS_ERR_TIMEOUT, -24, "no answer within the call's timeout") \
    X(WPS_ERR_CANCELLED, -25, "cancelled by the caller") \
    X(WPS_ERR_STOPPED, -26, "the client was stopped") \
    X(WPS_ERR_BUSY, -27, "actions about the previous frame are still queued: poll them first") \
    X(WPS_ERR_CONNECT_FAILED, -28, "the connection could not be opened") \
    X(WPS_ERR_SNAPSHOT, -29, "session snapshot corrupted, truncated or of another version") \
    X(WPS_ERR_CONNECTION_STRING, -30, "invalid connection string") \
    X(WPS_ERR_UNSUPPORTED, -31, "not supported by wps.h") \
    X(WPS_ERR_SIGNATURE, -32, "the webhook signature does not match any access key") \
    X(WPS_ERR_ORIGIN, -33, "the webhook request origin is not allowed") \
    X(WPS_ERR_WRONG_HUB, -34, "the webhook request is for a hub this handler does not serve") \
    X(WPS_ERR_TOKEN, -35, "the access token is malformed") \
    X(WPS_ERR_TOKEN_EXPIRED, -36, "the access token has expired or is not valid yet") \
    X(WPS_ERR_TOO_MANY_CALLS, -37, "max_calls calls are pending: try again once one completes") \
    X(WPS_ERR_TOO_LARGE, -38, "larger than the configured limit (max_frame_size or max_name_len): it can never fit") \
    X(WPS_ERR_FRAME_TYPE, -39, "a binary WebSocket frame on a JSON subprotocol (or a text frame on a protobuf one)")

/** Result of every wps_ function that can fail. */
typedef enum wps_status {
#define WPS__STATUS_ENUM(name, value, text) name = value,
    WPS_STATUS_LIST(WPS__STATUS_ENUM)
#undef WPS__STATUS_ENUM
    WPS__STATUS_END_ = -1000
} wps_status;

/** The enum identifier of a status as a string, e.g. "WPS_ERR_SYNTAX"; "WPS_UNKNOWN_STATUS" otherwise. */
WPS_API const char *wps_status_name(wps_status status);
/** A one-line human-readable description of a status. Never NULL. */
WPS_API const char *wps_strerror(wps_status status);

/** Details of the last failure of a decode/encode call: the status, the byte offset in the input
    where it was detected (0 when not applicable), the scratch/output size needed for
    WPS_ERR_BUFFER_TOO_SMALL, and a NUL-terminated human-readable reason that names the offending
    key or byte offset. For WPS_IGNORED the reason says what was not recognised. Built with
    WPS_NO_REASONS, a failure's reason is only its key and offset ("ackId at byte 22"). */
typedef struct wps_diag {
    wps_status status;
    size_t offset;
    size_t needed;
    char reason[WPS_REASON_SIZE];
} wps_diag;

/** A byte range: ptr is NULL when the field is absent; a present empty string has a non-NULL
    ptr and len 0. Not NUL-terminated. */
typedef struct wps_slice {
    const char *ptr;
    size_t len;
} wps_slice;

/** A slice of a NUL-terminated string (NULL gives an absent slice). */
WPS_API wps_slice wps_slice_from_cstr(const char *s);
/** A slice of len bytes at ptr. */
WPS_API wps_slice wps_slice_make(const char *ptr, size_t len);

/* ============ >>codec  2. layer 1, the codec: protocols, kinds, messages, decode, encode, render, base64 */

/** The four client subprotocols. */
typedef enum wps_protocol {
    WPS_PROTOCOL_JSON = 0,              /* json.webpubsub.azure.v1 */
    WPS_PROTOCOL_JSON_RELIABLE = 1,     /* json.reliable.webpubsub.azure.v1 */
    WPS_PROTOCOL_PROTOBUF = 2,          /* protobuf.webpubsub.azure.v1 (not in this build's codec yet) */
    WPS_PROTOCOL_PROTOBUF_RELIABLE = 3  /* protobuf.reliable.webpubsub.azure.v1 (idem) */
} wps_protocol;

/** The Sec-WebSocket-Protocol name of a protocol, e.g. "json.reliable.webpubsub.azure.v1". */
WPS_API const char *wps_protocol_name(wps_protocol protocol);
/** Looks a subprotocol name up (exact, case-sensitive as on the wire). Returns WPS_OK or
    WPS_ERR_INVALID_ARGUMENT. */
WPS_API wps_status wps_protocol_from_name(const char *name, size_t len, wps_protocol *out);
/** true for the reliable subprotocols (sequenceId, sequenceAck, recovery). */
WPS_API bool wps_protocol_is_reliable(wps_protocol protocol);
/** true if frames of this protocol travel as binary WebSocket frames (protobuf), false for text (JSON). */
WPS_API bool wps_protocol_is_binary(wps_protocol protocol);

/** Which way a message travels. */
typedef enum wps_direction {
    WPS_DOWNSTREAM = 0, /* service -> client */
    WPS_UPSTREAM = 1    /* client -> service */
} wps_direction;

/** How `data` is to be read. Binary and protobuf are base64 on the JSON wire and raw bytes in
    wps_message.data. */
typedef enum wps_data_type {
    WPS_DATA_JSON = 0,   /* data is the raw JSON text of any JSON value */
    WPS_DATA_TEXT = 1,   /* data is UTF-8 text (unescaped) */
    WPS_DATA_BINARY = 2, /* data is raw bytes */
    WPS_DATA_PROTOBUF = 3 /* data is the raw bytes of a serialized google.protobuf.Any */
} wps_data_type;

/** "json", "text", "binary" or "protobuf". */
WPS_API const char *wps_data_type_name(wps_data_type type);

/** Every message kind, named as @azure/web-pubsub-client names them (wps_kind_name). */
typedef enum wps_kind {
    WPS_KIND_NONE = 0,
    /* downstream (service -> client) */
    WPS_KIND_ACK,                    /* {"type":"ack"} */
    WPS_KIND_GROUP_DATA,             /* {"type":"message","from":"group"} */
    WPS_KIND_SERVER_DATA,            /* {"type":"message","from":"server"} */
    WPS_KIND_CONNECTED,              /* {"type":"system","event":"connected"} */
    WPS_KIND_DISCONNECTED,           /* {"type":"system","event":"disconnected"} */
    WPS_KIND_PONG,                   /* {"type":"pong"} */
    WPS_KIND_STREAM_ACK,             /* {"type":"streamAck"} */
    WPS_KIND_STREAM_NACK,            /* {"type":"streamNack"} */
    WPS_KIND_STREAM_CLOSED,          /* {"type":"streamClosed"} */
    WPS_KIND_GROUP_STATE_SNAPSHOT,   /* {"type":"groupStateSnapshot"} */
    WPS_KIND_GROUP_STATE_UPDATE,     /* {"type":"groupStateUpdate"} */
    /* both directions */
    WPS_KIND_INVOKE_RESPONSE,        /* {"type":"invokeResponse"} */
    WPS_KIND_CANCEL_INVOCATION,      /* {"type":"cancelInvocation"} */
    /* upstream (client -> service) */
    WPS_KIND_JOIN_GROUP,             /* {"type":"joinGroup"} */
    WPS_KIND_LEAVE_GROUP,            /* {"type":"leaveGroup"} */
    WPS_KIND_SEND_TO_GROUP,          /* {"type":"sendToGroup"} */
    WPS_KIND_SEND_EVENT,             /* {"type":"event"} */
    WPS_KIND_SEQUENCE_ACK,           /* {"type":"sequenceAck"} (reliable subprotocols only) */
    WPS_KIND_PING,                   /* {"type":"ping"} */
    WPS_KIND_INVOKE,                 /* {"type":"invoke"} */
    WPS_KIND_STREAM_DATA,            /* {"type":"streamData"} */
    WPS_KIND_STREAM_END,             /* {"type":"streamEnd"} */
    WPS_KIND_SET_GROUP_STATE,        /* {"type":"setGroupState"} */
    WPS_KIND_SUBSCRIBE_GROUP_STATE,  /* {"type":"subscribeGroupState"} */
    WPS_KIND_UNSUBSCRIBE_GROUP_STATE,/* {"type":"unsubscribeGroupState"} */
    WPS_KIND_COUNT_
} wps_kind;

/** The @azure/web-pubsub-client kind name ("ack", "groupData", "sendEvent", ...); "" for NONE. */
WPS_API const char *wps_kind_name(wps_kind kind);
/** Looks a kind name up (exact). Returns WPS_KIND_NONE if unknown. */
WPS_API wps_kind wps_kind_from_name(const char *name, size_t len);
/** true if messages of this kind may travel in this direction. */
WPS_API bool wps_kind_allows_direction(wps_kind kind, wps_direction direction);

/** Bits of wps_message.has: which non-string optional fields are present. (String fields use
    wps_slice.ptr == NULL for "absent".) */
enum {
    WPS_HAS_ACK_ID = 1u << 0,
    WPS_HAS_SUCCESS = 1u << 1,
    WPS_HAS_SEQUENCE_ID = 1u << 2,
    WPS_HAS_NO_ECHO = 1u << 3,
    WPS_HAS_DATA = 1u << 4,               /* data and data_type are set */
    WPS_HAS_ERROR = 1u << 5,              /* error.* is set (ack, invokeResponse, streamClosed, streamEnd, stream info) */
    WPS_HAS_STREAM = 1u << 6,             /* stream info (groupData) or stream start (sendToGroup) */
    WPS_HAS_STREAM_SEQUENCE_ID = 1u << 7,
    WPS_HAS_END_OF_STREAM = 1u << 8,
    WPS_HAS_IDLE_TIMEOUT = 1u << 9,
    WPS_HAS_EXPECTED_SEQUENCE_ID = 1u << 10
};

/** An error object: ack/invokeResponse/streamClosed error {name, message}, streamEnd error
    {message, userErrorCode}, stream-info error {name, message, userErrorCode}, and a streamNack's
    top-level name/message. Absent members have ptr == NULL. */
typedef struct wps_error_info {
    wps_slice name;
    wps_slice message;
    wps_slice user_error_code;
} wps_error_info;

/** One message of any kind. Only the fields of its kind are meaningful; the per-kind field list
    is in docs/codec.md's message table and in wps_kind docs:
      ack:                  ack_id, success, [error]
      groupData:            group, [from_user_id], data_type+data (may be absent only on a stream
                            fragment), [sequence_id], [stream: stream_id, stream_sequence_id,
                            [end_of_stream], [error]]
      serverData:           data_type+data, [sequence_id]
      connected:            connection_id, [user_id], [reconnection_token]
      disconnected:         [message]
      pong, ping:           (nothing)
      invokeResponse:       invocation_id, [success], [data_type+data], [error]
      cancelInvocation:     invocation_id
      streamAck:            stream_id, expected_sequence_id
      streamNack:           stream_id, expected_sequence_id, [error.name], [error.message]
      streamClosed:         stream_id, [error]
      groupStateSnapshot/Update: group, items (raw JSON array)
      joinGroup/leaveGroup/subscribeGroupState/unsubscribeGroupState: group, [ack_id]
      sendToGroup:          group, [ack_id], [no_echo], data_type+data  -- or, for a stream start,
                            group, [no_echo], stream (stream_id, [idle_timeout_ms]) and no data/ack_id
      sendEvent:            event, [ack_id], data_type+data
      sequenceAck:          sequence_id
      invoke:               invocation_id, [target], [event], [data_type+data]
      streamData:           stream_id, [stream_sequence_id + data_type+data] (all or none)
      streamEnd:            stream_id, [error: message, user_error_code]
      setGroupState:        group, [ack_id], [state (raw JSON object)]
    Slices point into the decoded frame or the scratch buffer. */
typedef struct wps_message {
    wps_kind kind;
    uint32_t has;                   /* WPS_HAS_* bits */
    uint64_t ack_id;
    uint64_t sequence_id;
    uint64_t stream_sequence_id;
    uint64_t expected_sequence_id;
    uint64_t idle_timeout_ms;
    bool success;
    bool no_echo;
    bool end_of_stream;
    wps_data_type data_type;
    wps_slice data;                 /* json: raw JSON text; text: UTF-8; binary/protobuf: bytes */
    wps_slice group;
    wps_slice event;                /* sendEvent/invoke event name */
    wps_slice from_user_id;
    wps_slice connection_id;
    wps_slice user_id;
    wps_slice reconnection_token;
    wps_slice message;              /* disconnected reason */
    wps_slice invocation_id;
    wps_slice target;
    wps_slice stream_id;
    wps_slice state;                /* raw JSON object (setGroupState) */
    wps_slice items;                /* raw JSON array (groupState snapshot/update) */
    wps_error_info error;
} wps_message;

/** Clears *msg and sets its kind. */
WPS_API void wps_message_init(wps_message *msg, wps_kind kind);

/** Codec settings: the subprotocol, the direction of the messages handled, and the JSON nesting
    limit (1..WPS_MAX_DEPTH_LIMIT; the top-level object is depth 1). */
typedef struct wps_codec {
    wps_protocol protocol;
    wps_direction direction;
    uint32_t max_depth;
} wps_codec;

/** A codec with max_depth = WPS_DEFAULT_MAX_DEPTH. */
WPS_API wps_codec wps_codec_make(wps_protocol protocol, wps_direction direction);

/** An upper bound of the scratch memory wps_decode needs for a frame of frame_len bytes. */
WPS_API size_t wps_decode_scratch_bound(size_t frame_len);

/** Decodes one frame (the whole WebSocket message; text or binary frames carry the same UTF-8
    JSON) sent in codec->direction. On WPS_OK fills *out; slices point into frame and scratch.
    Returns WPS_IGNORED for a message of a kind this version does not know (out->kind ==
    WPS_KIND_NONE; diag->reason says why), or a negative status with diag filled.
    diag may be NULL (the status is the same either way). scratch may be NULL when scratch_cap
    is 0. A frame longer than SIZE_MAX / 16 (256 MB on 32-bit targets) is WPS_ERR_INVALID_ARGUMENT.
    Stack: at most 1 KB on Cortex-M4 in the size build (docs/embedded.md). */
WPS_API wps_status wps_decode(const wps_codec *codec, const void *frame, size_t frame_len,
                              void *scratch, size_t scratch_cap, wps_message *out, wps_diag *diag);

/** wps_decode without scratch: unescaped strings and base64-decoded data are written over their
    own encoded bytes inside frame (they never grow), so a frame of any size decodes without extra
    memory. Slices point into frame. The frame's bytes are rewritten, also when decoding fails:
    decode a copy if the original is still needed. Same statuses as wps_decode. */
WPS_API wps_status wps_decode_in_place(const wps_codec *codec, void *frame, size_t frame_len, wps_message *out, wps_diag *diag);

/** Encodes msg for codec->protocol into out (cap bytes). *out_len receives the frame length on
    success and the exact size needed on WPS_ERR_BUFFER_TOO_SMALL (nothing written counts as
    output then). The frame is a text frame for the JSON protocols (wps_protocol_is_binary).
    Validates the message: required fields and protocol rules, UTF-8 of strings and text data,
    well-formed JSON data (copied minified); binary data is any bytes. diag may be NULL. */
WPS_API wps_status wps_encode(const wps_codec *codec, const wps_message *msg, void *out,
                              size_t cap, size_t *out_len, wps_diag *diag);

/** Renders msg as one line of JSON in the shape of @azure/web-pubsub-client's WebPubSubMessage:
    {"kind":"groupData","group":"g","fromUserId":"u","dataType":"text","data":"hi","sequenceId":3}.
    Text data is a JSON string, json data the JSON value (minified), binary/protobuf data
    {"$binary":"<base64>"}. *out_len gets the length (or the size needed, with
    WPS_ERR_BUFFER_TOO_SMALL). The output is not NUL-terminated. */
WPS_API wps_status wps_message_render(const wps_message *msg, char *out, size_t cap, size_t *out_len);

/** Renders the outcome of wps_decode as one JSON line: the message for WPS_OK,
    {"$ignored":"<reason>"} for WPS_IGNORED, {"$error":"<status name>: <reason>"} otherwise. */
WPS_API wps_status wps_render_result(wps_status status, const wps_message *msg, const wps_diag *diag,
                                     char *out, size_t cap, size_t *out_len);

/** The inverse of wps_message_render: parses one rendered-shape JSON object into *out (slices
    into json and scratch; wps_decode_scratch_bound(len) suffices). Uses codec->max_depth only. */
WPS_API wps_status wps_message_parse_rendered(const wps_codec *codec, const char *json, size_t len,
                                              void *scratch, size_t scratch_cap, wps_message *out,
                                              wps_diag *diag);

/** Standard base64 (RFC 4648 with padding). wps_base64_encode writes 4*ceil(n/3) bytes and returns
    that length, or the length needed without writing when cap is too small (0 when src is NULL
    with n > 0). */
WPS_API size_t wps_base64_encode(const void *src, size_t n, char *out, size_t cap);
/** Decodes strict padded base64 into out. *out_len gets the decoded length (or the size needed).
    Returns WPS_OK, WPS_ERR_BASE64 (diag offset = bad byte) or WPS_ERR_BUFFER_TOO_SMALL. */
WPS_API wps_status wps_base64_decode(const char *src, size_t n, void *out, size_t cap,
                                     size_t *out_len, wps_diag *diag);

#ifndef WPS_NO_CLIENT
/* ============ >>client  3. layer 2, the client (wps_client) */

/* =============================================================================================
   CLIENT: a sans-I/O state machine for the Web PubSub client protocol
   =============================================================================================
   The host owns the socket and the clock. It feeds inputs (start/stop, the client access URL,
   socket opened / failed / closed, frames received, the time) and pulls actions one at a time
   with wps_client_poll: ask for a URL, open a socket, send a frame, close, deliver an event,
   complete a call. wps_client_next_deadline says when to call wps_client_tick if nothing else
   happens. Every input takes the current monotonic time in milliseconds.

       wps_client_config cfg = wps_client_config_default();
       void *mem = malloc(wps_client_memory_size(&cfg));       // or a static buffer
       wps_client *c; wps_client_init(&c, &cfg, mem, wps_client_memory_size(&cfg), NULL);
       wps_client_start(c, now());
       for (;;) {
           wps_action a;
           while (wps_client_poll(c, &a)) handle(&a);         // open/send/close/events/completions
           wait for socket input or wps_client_next_deadline(c), then feed it:
           wps_client_on_open / _on_frame / _on_close / _tick (c, now(), ...)
       }

   Lifetimes: pointers inside an action stay valid until the next call into the client other
   than wps_client_poll (a host may poll several actions before acting on them); with
   borrow_payloads (or a borrowed call's SEND) a SEND frame only until the next call into the
   client, wps_client_poll included, or, written into a buffer the host lent
   (wps_client_poll_into), until the host lends that buffer again: send or copy it before
   polling again. Actions about a received frame (message events, the completions its ack or
   invokeResponse brought) point into that frame and into the client: keep the frame unchanged
   until wps_client_poll has returned false. wps_client_on_frame refuses (WPS_ERR_BUSY) while
   actions queued by the previous frame, or events carrying text a new frame could change
   (connection ids, frame errors), are still queued: poll them first.

   Delivery guarantees (calls):
   - Order. The first attempts of a client's calls reach the host (WPS_ACTION_SEND) in call
     order, whatever the connection state when they were made. Calls made while connecting,
     recovering or waiting to reconnect wait in a FIFO (at most max_calls) and go out in order as
     soon as a connection is usable: after a recovery at once, on a fresh connection after the
     `connected` frame and the rejoin frames. After a recovery every call that was sent but not
     answered is sent again with the same ackId (the service drops it as Duplicate if it had it),
     in its original order, before any later call (the MQTT session model). The one exception:
     a call the service answered with an error is retried by message_retry after its delay and
     may then pass later calls.
   - Waiting costs nothing. message_retry counts failed attempts on an open connection only (an
     error answer, or no answer within attempt_timeout_ms). A call waits through recovery and
     reconnect back-off and ends only by its answer, its timeout, wps_client_cancel,
     wps_client_stop, or the end of the session under resend_after_session_loss.
   - Outcomes. Every completion status means one thing (docs/client-guide.md, "Completion statuses");
     wps_action.sent says whether any attempt was handed to the host.
   - A session lost (recovery impossible: a fresh connection gets a new connectionId, and the
     service's per-connection ackId de-duplication no longer protects a resend): with
     resend_after_session_loss (default, at-least-once, as the SDKs retry) the calls sent but not
     answered are sent again on the new connection; without it (at-most-once) they complete with
     WPS_ERR_DISCONNECTED ("may have been delivered").

   Received messages are never lost for lack of memory: a frame larger than the client's scratch
   (max_frame_size) is decoded in place when the host hands it over with
   wps_client_on_frame_writable (the frame's bytes are rewritten: escaped text and base64 data
   shrink into their own place). With wps_client_on_frame (read-only frame) such a frame is
   reported as WPS_EVENT_FRAME_ERROR with WPS_ERR_BUFFER_TOO_SMALL and the bytes needed, and no
   sequenceAck ever covers it, so the service keeps it for redelivery.

   Behaviour follows @azure/web-pubsub-client 1.1.0 (ackIds from 1, retries, duplicate drop,
   sequenceAck every second and at once after a jump of more than 300, recovery with
   awps_connection_id / awps_reconnection_token for 30 s, auto-reconnect with back-off, rejoin
   after a fresh connect, ping keepalive), with the fixes listed in docs/client-guide.md ("Where the client does better than the SDKs"):
   stopping is a real state that cancels everything and ends in exactly one `stopped`; close
   code 1008 on a recovery attempt ends recovery; automatic retries reuse the first ackId;
   optional per-call timeouts; close code and reason in `disconnected`; a malformed frame is
   reported (WPS_EVENT_FRAME_ERROR) and the client keeps going. */

/** Back-off shape of a retry policy. */
typedef enum wps_retry_mode {
    WPS_RETRY_FIXED = 0,      /* every retry waits delay_ms */
    WPS_RETRY_EXPONENTIAL = 1 /* delay_ms * 2^(attempt-1) until the SDKs' cut-over point, then max_delay_ms */
} wps_retry_mode;

#define WPS_RETRY_UNLIMITED UINT32_MAX /* max_retries: retry forever */
#define WPS_NO_TIMEOUT UINT32_MAX      /* wps_call_options.timeout_ms: wait without limit */

/** A retry policy: the @azure/web-pubsub-client RetryPolicy (no jitter). */
typedef struct wps_retry_policy {
    uint32_t max_retries;  /* retries after the first attempt, or WPS_RETRY_UNLIMITED */
    uint32_t delay_ms;     /* retryDelayInMs */
    uint32_t max_delay_ms; /* maxRetryDelayInMs */
    wps_retry_mode mode;
} wps_retry_policy;

/** The delay before retry number `attempt` (1 = the first retry). Returns false and leaves *delay_ms
    alone when the policy is exhausted (attempt > max_retries), else true. Exponential: with
    T = ceil(log2(max_delay_ms) - log2(delay_ms) + 1), attempts >= T wait max_delay_ms and earlier
    ones delay_ms * 2^(attempt-1) (1000/30000 ms: 1, 2, 4, 8, 16, 30, 30 ... s). */
WPS_API bool wps_retry_next_delay(const wps_retry_policy *policy, uint32_t attempt, uint32_t *delay_ms);

/** Client configuration. Start from wps_client_config_default(): the official defaults. */
typedef struct wps_client_config {
    wps_protocol protocol;             /* json.reliable.webpubsub.azure.v1 */
    bool auto_reconnect;               /* true: reconnect (fresh URL) when recovery is impossible */
    bool auto_rejoin_groups;           /* true: rejoin joined groups after every fresh connect */
    uint32_t keepalive_interval_ms;    /* 20000: send a ping this often while connected; 0 = off */
    uint32_t keepalive_timeout_ms;     /* 120000: close a connection silent this long; 0 = off */
    wps_retry_policy message_retry;    /* 3 retries, 1000 ms, max 30000 ms, fixed */
    wps_retry_policy reconnect_retry;  /* unlimited, 1000 ms, max 30000 ms, fixed */
    uint32_t recovery_window_ms;       /* 30000: how long recovery is attempted */
    uint32_t recovery_retry_ms;        /* 1000: pause between recovery attempts */
    uint32_t sequence_ack_interval_ms; /* 1000: reliable protocols acknowledge this often */
    uint32_t quick_sequence_ack_diff;  /* 300: acknowledge at once when one message jumps further */
    uint32_t ack_timeout_ms;           /* WPS_NO_TIMEOUT (the SDK): default limit for acked calls */
    uint32_t invoke_timeout_ms;        /* WPS_NO_TIMEOUT (the SDK): default limit for invocations */
    uint32_t attempt_timeout_ms;       /* WPS_NO_TIMEOUT: an attempt unanswered this long on an open
                                          connection counts as failed (message_retry; same ackId) */
    bool resend_after_session_loss;    /* true: calls sent but not answered when the session is lost
                                          are sent again on the new connection (at-least-once);
                                          false: they complete with WPS_ERR_DISCONNECTED (at-most-once) */
    /* capacities: a call that meets one fails at once (WPS_ERR_TOO_MANY_CALLS, WPS_ERR_TOO_LARGE,
       WPS_ERR_CAPACITY for the group table, and for a group name or invocation id whose JSON
       escapes would not fit the internal frames: room is kept for names that need none) */
    uint32_t max_calls;      /* 16: calls pending at once (each keeps its frame for retries,
                                unless borrowed) */
    uint32_t max_groups;     /* 16: groups remembered for rejoin */
    uint32_t max_name_len;   /* 128: longest group name */
    uint32_t max_frame_size; /* 8192: largest frame sent (and scratch for one received frame) */
    uint32_t max_url_len;    /* 2048: longest client access URL */
    uint32_t max_token_len;  /* 1024: longest reconnectionToken, and connectionId or userId unless
                                max_id_len says otherwise (and the
                                recovery URL holds the connectionId and reconnectionToken
                                URL-encoded in 2 * max_token_len bytes together: a pair that
                                needs more cannot recover the session); the service's
                                disconnected message is kept up to 512 bytes, or up to
                                max_token_len when that is less */
    bool borrow_payloads;    /* false. true: every call is borrowed (wps_call_options.borrow_payload):
                                the client keeps no frame per call and no buffer of internal
                                frames: it encodes every frame as it hands it over, into one
                                transmit buffer of max_frame_size (or the open URL's size, if
                                larger) that also holds the URL of the socket to open. So every
                                WPS_ACTION_SEND frame is valid until the next call into the
                                client, wps_client_poll included, and max_calls costs ~140 bytes
                                a call, not max_frame_size. The lifetime rule of borrow_payload
                                applies to every call */
    bool receive_in_place;   /* false. true: the client has no receive scratch (max_frame_size
                                bytes less): wps_client_on_frame_writable decodes every frame in
                                place, in the host's buffer; wps_client_on_frame can then decode
                                only frames that need no unescaping or base64 decoding (any other
                                is a frame error with WPS_ERR_BUFFER_TOO_SMALL, a lost message
                                reported as such) */
    bool host_transmit_buffer; /* false. true (with borrow_payloads): the client has no transmit
                                buffer; the host lends one to wps_client_poll_into for each action
                                taken, of wps_client_transmit_size(&config) bytes, and the frame
                                of a SEND and the URL of an OPEN are written there (the way a
                                WebSocket library that needs room before the payload, such as
                                libwebsockets' LWS_PRE, sends without a copy). wps_client_poll
                                has no buffer to lend: it leaves such an action queued
                                (WPS_ERR_BUFFER_TOO_SMALL in wps_action.status) */
    bool borrow_url;         /* false. true: wps_client_set_url keeps no copy of the URL: the
                                caller keeps it unchanged until the client asks for the next one
                                (WPS_ACTION_NEED_URL), since recovery URLs are built from it; a
                                stopped client still reads it in wps_client_snapshot. After
                                wps_client_restore the URL is the one inside the snapshot, which
                                must stay alive the same way (a later snapshot may be written
                                into that same buffer, not into one overlapping it elsewhere).
                                Saves max_url_len + 1 bytes */
    uint32_t max_id_len;     /* 0: max_token_len. Longest connectionId and userId kept (a longer
                                connectionId is left out of the events and cannot recover the
                                session; a longer userId is left out of `connected`; both are
                                traced as WPS_TRACE_NOT_KEPT) */
} wps_client_config;

/** The official @azure/web-pubsub-client defaults, and the capacities above. */
WPS_API wps_client_config wps_client_config_default(void);
/** The defaults with the capacities of a small device: 8 calls, 8 groups, 32-byte names,
    1088-byte frames, 512-byte URLs, 256-byte reconnection tokens, 64-byte connection and user
    ids, and everything the host can keep instead of the client: borrow_payloads (the caller
    keeps each call's data until it completes; see borrow_payload), receive_in_place (frames are
    handed over with wps_client_on_frame_writable), host_transmit_buffer (actions are taken with
    wps_client_poll_into and a buffer of wps_client_transmit_size(), 1,089 bytes) and borrow_url
    (the caller keeps the URL). 4,016 bytes of client memory on 32-bit
    targets (docs/client-guide.md, "Defaults and capacities"). */
WPS_API wps_client_config wps_client_config_embedded(void);

/** What a trace record is about (wps_client_set_trace). */
typedef enum wps_trace_kind {
    WPS_TRACE_STATE = 1,     /* the connection state changed: text = "FROM -> TO" (internal states) */
    WPS_TRACE_RETRY,         /* a call's attempt failed on an open connection and is retried: call, ack_id, attempt, status, delay_ms */
    WPS_TRACE_RECOVERY,      /* a recovery attempt opens a socket: delay_ms = time left in the recovery window */
    WPS_TRACE_RECONNECT,     /* a reconnect waits: attempt, delay_ms */
    WPS_TRACE_FRAME_DROPPED, /* a received frame changed nothing: text says why (duplicate sequenceId, unknown ackId, ...) */
    WPS_TRACE_FRAME_REFUSED, /* a received frame was reported as a frame error: status, text */
    WPS_TRACE_CALL_REFUSED,  /* a call could not start: status, text (capacity, size, arguments), delay_ms = bytes needed */
    WPS_TRACE_RESEND,        /* a call sent before goes again (after a recovery or on a new connection): call, ack_id */
    WPS_TRACE_NOT_KEPT       /* a value from the service is longer than its capacity and is not kept (or kept cut
                                short): text says which; delay_ms = its length. A connectionId longer than
                                max_id_len, a reconnectionToken longer than max_token_len (or the two together longer than
                                2 * max_token_len once URL-encoded) makes the session unrecoverable */
} wps_trace_kind;

/** One trace record; fields not named for its kind are zero. text is NUL-terminated and valid
    only during the callback. */
typedef struct wps_trace {
    wps_trace_kind kind;
    uint64_t now_ms;
    const char *text;
    wps_status status;
    uint32_t call; /* wps_call_id, 0 if none */
    uint64_t ack_id;
    uint32_t attempt;
    uint32_t delay_ms;
} wps_trace;

/** A trace callback: called synchronously from inside the input that caused the record. It must
    not call into the client. */
typedef void (*wps_trace_fn)(void *user, const wps_trace *record);

/** The client. Opaque: it lives inside the memory handed to wps_client_init. */
typedef struct wps_client wps_client;

/** Bytes of memory (8-byte aligned) a client with this configuration needs; 0 if the
    configuration is invalid. */
WPS_API size_t wps_client_memory_size(const wps_client_config *config);

/** Builds a client inside memory (at least wps_client_memory_size bytes, 8-byte aligned) and
    sets *out. No other memory is ever used; any number of clients may coexist. */
WPS_API wps_status wps_client_init(wps_client **out, const wps_client_config *config, void *memory, size_t size,
                                   wps_diag *diag);

/** Lifecycle states. */
typedef enum wps_client_state {
    WPS_CLIENT_STOPPED = 0,
    WPS_CLIENT_CONNECTING,   /* fresh connection: waiting for the URL or the socket */
    WPS_CLIENT_CONNECTED,    /* socket open */
    WPS_CLIENT_RECOVERING,   /* the socket dropped; reopening it with the recovery URL */
    WPS_CLIENT_DISCONNECTED, /* waiting to reconnect (back-off) */
    WPS_CLIENT_STOPPING      /* stop() was called; waiting for the socket to close */
} wps_client_state;

/** Installs (fn) or removes (NULL) a trace callback: state transitions, retries and their reasons,
    recovery and reconnect attempts, dropped or refused frames, refused calls. Off by default;
    when off it costs one branch per trace point, and WPS_NO_TRACE compiles the points out. */
WPS_API void wps_client_set_trace(wps_client *client, wps_trace_fn fn, void *user);
/** "state", "retry", "recovery", "reconnect", "frame-dropped", "frame-refused", "call-refused",
    "resend", "not-kept"; "" for another value. */
WPS_API const char *wps_trace_kind_name(wps_trace_kind kind);

/** The client's state (WPS_CLIENT_STOPPED for NULL). */
WPS_API wps_client_state wps_client_get_state(const wps_client *client);
/** "stopped", "connecting", "connected", "recovering", "disconnected", "stopping" ("" if unknown). */
WPS_API const char *wps_client_state_name(wps_client_state state);

/* ---- host inputs. Each returns WPS_OK, or an error status without changing anything. ---- */

/** Starts connecting (WPS_ERR_STATE unless stopped). Emits WPS_ACTION_NEED_URL. */
WPS_API wps_status wps_client_start(wps_client *client, uint64_t now_ms);
/** Stops: cancels connecting, recovery and back-off, fails every pending call with
    WPS_ERR_STOPPED and ends in exactly one WPS_EVENT_STOPPED (after the socket, if any, has
    closed). A no-op when stopped or already stopping. */
WPS_API wps_status wps_client_stop(wps_client *client, uint64_t now_ms);
/** The client access URL asked for by WPS_ACTION_NEED_URL (copied; with borrow_url, kept by
    the caller until the next WPS_ACTION_NEED_URL). */
WPS_API wps_status wps_client_set_url(wps_client *client, uint64_t now_ms, const char *url, size_t len);
/** The host could not get a URL: the connection attempt fails. */
WPS_API wps_status wps_client_url_failed(wps_client *client, uint64_t now_ms);
/** The socket asked for by WPS_ACTION_OPEN is open. On a fresh connection calls wait for the
    service's `connected` frame; on a recovery they go out at once. An OPEN not polled yet is
    taken back (the host has its socket). */
WPS_API wps_status wps_client_on_open(wps_client *client, uint64_t now_ms);
/** The socket could not be opened (handshake refused, DNS, TLS ...). code: the HTTP or close
    status if known (a 1008 refusal of a recovery ends recovery), else 0. A WPS_ACTION_OPEN not
    polled yet is taken back (so is it by wps_client_on_close while opening, and a NEED_URL not
    polled by wps_client_url_failed). */
WPS_API wps_status wps_client_on_open_failed(wps_client *client, uint64_t now_ms, uint16_t code);
/** One complete WebSocket message. is_text: a text frame (else binary: on a JSON subprotocol it is
    reported as WPS_EVENT_FRAME_ERROR with WPS_ERR_FRAME_TYPE). The frame is only read; one whose
    decoded strings and data do not fit max_frame_size of scratch is reported as a frame error
    (WPS_ERR_BUFFER_TOO_SMALL, needed = the bytes it needs): use wps_client_on_frame_writable. */
WPS_API wps_status wps_client_on_frame(wps_client *client, uint64_t now_ms, const void *data, size_t len, bool is_text);
/** wps_client_on_frame for a frame the client may rewrite: one longer than max_frame_size is
    decoded in place (wps_decode_in_place; its bytes are rewritten), so a message of any size
    reaches the application whole without the client's memory growing. The frame must stay unchanged by the host until the
    actions about it are polled, as with wps_client_on_frame. */
WPS_API wps_status wps_client_on_frame_writable(wps_client *client, uint64_t now_ms, void *data, size_t len, bool is_text);
/** The socket closed (by either side). code: the close status (1005 none, 1006 abnormal).
    WPS_ERR_BUSY (like wps_client_on_open_failed and wps_client_url_failed) while a `disconnected`
    or `start-failed` event reporting the previous close is still queued: poll it first. */
WPS_API wps_status wps_client_on_close(wps_client *client, uint64_t now_ms, uint16_t code, const char *reason, size_t reason_len);
/** Time passed: runs every timer due at now_ms. */
WPS_API wps_status wps_client_tick(wps_client *client, uint64_t now_ms);
/** When the host must call wps_client_tick at the latest (UINT64_MAX: no timer pending). */
WPS_API uint64_t wps_client_next_deadline(const wps_client *client);

/* ---- calls. Each returns a call id (never 0) through *call; its completion arrives exactly
   once as WPS_ACTION_COMPLETE. A call that cannot even start fails at once (status returned,
   no completion, diag says why and diag->needed the size it would need): bad arguments
   (WPS_ERR_INVALID_ARGUMENT), WPS_ERR_TOO_MANY_CALLS (max_calls pending: try again later),
   WPS_ERR_TOO_LARGE (the frame exceeds max_frame_size or a name max_name_len: it never fits),
   WPS_ERR_CAPACITY (max_groups groups remembered, or a name escaping beyond the internal frame
   buffer), WPS_ERR_BUSY. A call made while the client is
   stopped or stopping completes at once with WPS_ERR_NOT_SENT. diag may be NULL. ---- */

/** Per-call options; NULL means all defaults. */
typedef struct wps_call_options {
    bool fire_and_forget;    /* sendToGroup/sendEvent: no ackId; completes once handed to the host */
    bool no_echo;            /* sendToGroup: not delivered back to this connection */
    bool has_ack_id;         /* use ack_id instead of the next automatic one */
    uint64_t ack_id;
    wps_slice invocation_id; /* invokeEvent: ptr NULL = automatic "1", "2", ... */
    uint32_t timeout_ms;     /* 0: the configured default; WPS_NO_TIMEOUT: none */
    bool borrow_payload;     /* the client keeps no copy: it encodes the frame from the caller's
                                group or event name and data each time it hands an attempt to the
                                host (WPS_ACTION_SEND). Lifetime rule: they must stay valid and
                                unchanged until the call's WPS_ACTION_COMPLETE has been polled
                                (the invocation id is copied). The SEND frame of a borrowed call
                                is valid until the next call into the client, wps_client_poll
                                included: send it before polling again. A payload changed against
                                the rule so that it no longer encodes (or no longer fits) is not
                                sent: the call completes with WPS_ERR_INVALID_ARGUMENT. */
} wps_call_options;

/** Identifies one call until its completion (never 0; ids are reused only after 2^32 calls). */
typedef uint32_t wps_call_id;

/** What a call was. */
typedef enum wps_call_kind {
    WPS_CALL_JOIN_GROUP = 1,
    WPS_CALL_LEAVE_GROUP,
    WPS_CALL_SEND_TO_GROUP,
    WPS_CALL_SEND_EVENT,
    WPS_CALL_INVOKE_EVENT
} wps_call_kind;

/** joinGroup: on success the group is remembered and rejoined after every fresh connection. */
WPS_API wps_status wps_client_join_group(wps_client *client, uint64_t now_ms, wps_slice group, const wps_call_options *options,
                                         wps_call_id *call, wps_diag *diag);
/** leaveGroup: on success the group is no longer rejoined. */
WPS_API wps_status wps_client_leave_group(wps_client *client, uint64_t now_ms, wps_slice group, const wps_call_options *options,
                                          wps_call_id *call, wps_diag *diag);
/** sendToGroup. data: raw JSON text for WPS_DATA_JSON, UTF-8 for text, bytes for binary/protobuf
    (copied into the call's frame, at most max_frame_size once encoded; a borrowed call,
    wps_call_options.borrow_payload or wps_client_config.borrow_payloads, keeps no copy: the
    group name and data stay with the caller until the call completes). */
WPS_API wps_status wps_client_send_to_group(wps_client *client, uint64_t now_ms, wps_slice group, wps_data_type data_type,
                                            wps_slice data, const wps_call_options *options, wps_call_id *call, wps_diag *diag);
/** sendEvent (the `event` message) to the service's event handler; data as for send_to_group. */
WPS_API wps_status wps_client_send_event(wps_client *client, uint64_t now_ms, wps_slice event, wps_data_type data_type,
                                         wps_slice data, const wps_call_options *options, wps_call_id *call, wps_diag *diag);
/** invokeEvent: completes with the invokeResponse's data. Never retried; an invocation sent when
    the connection ends completes with WPS_ERR_DISCONNECTED. */
WPS_API wps_status wps_client_invoke_event(wps_client *client, uint64_t now_ms, wps_slice event, wps_data_type data_type,
                                           wps_slice data, const wps_call_options *options, wps_call_id *call, wps_diag *diag);
/** Cancels a pending call: it completes with WPS_ERR_CANCELLED at once (an invocation already
    sent is also cancelled at the service). WPS_ERR_INVALID_ARGUMENT for an unknown or finished call. */
WPS_API wps_status wps_client_cancel(wps_client *client, uint64_t now_ms, wps_call_id call);

/* ---- outputs ---- */

/** What the host must do next. */
typedef enum wps_action_kind {
    WPS_ACTION_NONE = 0,
    WPS_ACTION_NEED_URL, /* get a client access URL, then wps_client_set_url (or _url_failed) */
    WPS_ACTION_OPEN,     /* open a WebSocket to url with the subprotocol; then _on_open or _on_open_failed */
    WPS_ACTION_SEND,     /* send frame (a text frame when is_text) */
    WPS_ACTION_CLOSE,    /* close the socket (close_code, close_reason); then _on_close */
    WPS_ACTION_EVENT,    /* an event: see event */
    WPS_ACTION_COMPLETE  /* a call finished: see call, status */
} wps_action_kind;

/** Events delivered to the application (the JS SDK's events plus recovery and error reports). */
typedef enum wps_event_kind {
    WPS_EVENT_NONE = 0,
    WPS_EVENT_CONNECTED,           /* connection_id, user_id: a fresh connection is ready (after rejoins) */
    WPS_EVENT_DISCONNECTED,        /* connection_id, message (the service's reason), close_code, close_reason */
    WPS_EVENT_STOPPED,             /* the client is stopped */
    WPS_EVENT_RECOVERING,          /* connection_id: the socket dropped; recovery starts */
    WPS_EVENT_RECOVERED,           /* connection_id: the recovery socket is open */
    WPS_EVENT_GROUP_MESSAGE,       /* message (kind WPS_KIND_GROUP_DATA) */
    WPS_EVENT_SERVER_MESSAGE,      /* message (kind WPS_KIND_SERVER_DATA) */
    WPS_EVENT_REJOIN_GROUP_FAILED, /* group, ack_id, status, error_name, error_message */
    WPS_EVENT_START_FAILED,        /* the first connection of start() failed (close_code; status
                                      WPS_ERR_CONNECT_FAILED); the client is stopped */
    WPS_EVENT_FRAME_ERROR          /* a received frame was rejected (status, error_message, needed); the client goes on */
} wps_event_kind;

/** One action. Only the fields named for its kind are set; the rest are zero. */
typedef struct wps_action {
    wps_action_kind kind;
    wps_event_kind event;
    wps_slice url;            /* OPEN (NUL-terminated) */
    const char *subprotocol;  /* OPEN */
    wps_slice frame;          /* SEND */
    bool is_text;             /* SEND */
    uint16_t close_code;      /* CLOSE; DISCONNECTED, START_FAILED: as reported by the host */
    wps_slice close_reason;   /* CLOSE; DISCONNECTED, START_FAILED */
    wps_slice connection_id;  /* CONNECTED, DISCONNECTED, RECOVERING, RECOVERED */
    wps_slice user_id;        /* CONNECTED */
    wps_slice group;          /* REJOIN_GROUP_FAILED */
    wps_slice message_text;   /* DISCONNECTED: the service's disconnected message, if any */
    size_t needed;            /* FRAME_ERROR with WPS_ERR_BUFFER_TOO_SMALL: scratch bytes the frame needs;
                                 a poll that returned false with WPS_ERR_BUFFER_TOO_SMALL: the transmit
                                 buffer the next action needs (wps_client_poll_into) */
    const wps_message *message; /* GROUP_MESSAGE, SERVER_MESSAGE */
    wps_call_id call;         /* COMPLETE */
    wps_call_kind call_kind;  /* COMPLETE */
    wps_status status;        /* COMPLETE (WPS_OK or why it failed), REJOIN_GROUP_FAILED, FRAME_ERROR, START_FAILED;
                                 WPS_ERR_BUFFER_TOO_SMALL when a poll returned false for want of a
                                 transmit buffer (host_transmit_buffer) */
    bool sent;                /* COMPLETE: an attempt of the call was handed to the host (WPS_ACTION_SEND) */
    bool has_ack_id;          /* COMPLETE, REJOIN_GROUP_FAILED */
    uint64_t ack_id;          /* COMPLETE, REJOIN_GROUP_FAILED (the rejoin's joinGroup ackId) */
    bool is_duplicated;       /* COMPLETE: the service had already processed this ackId (with WPS_OK);
                                 with WPS_ERR_ACK_FAILED: a retry was answered Duplicate after the
                                 service had answered that ackId with an error, so it failed; or,
                                 in a session restored from a snapshot, the only attempt was: another
                                 message had that ackId (see wps_client_restore) */
    wps_slice invocation_id;  /* COMPLETE (invokeEvent) */
    wps_data_type data_type;  /* COMPLETE (invokeEvent): the response data, if has_data */
    bool has_data;
    wps_slice data;
    wps_slice error_name;     /* COMPLETE, REJOIN_GROUP_FAILED: the service's error name, if any */
    wps_slice error_message;  /* COMPLETE, REJOIN_GROUP_FAILED, FRAME_ERROR: details */
} wps_action;

/** Takes the next action; returns false (and kind WPS_ACTION_NONE) when there is none. A client
    with host_transmit_buffer has no buffer to write a SEND frame or an OPEN URL into: use
    wps_client_poll_into (here such an action stays queued, and false comes with status
    WPS_ERR_BUFFER_TOO_SMALL and needed = the buffer's size). */
WPS_API bool wps_client_poll(wps_client *client, wps_action *out);
/** wps_client_poll, with the host lending the transmit buffer for this action: with
    borrow_payloads the frame of a SEND and the URL of an OPEN are written into buf (the URL
    NUL-terminated) and stay there until the host lends buf again. For a SEND or OPEN, cap must
    be at least wps_client_transmit_size(&config) (the client's own transmit buffer, if it has
    one, is then left alone); other actions write nothing and need no buf. A smaller buf, or
    none where the client has no buffer of its own (host_transmit_buffer), leaves a SEND or OPEN
    queued, and the actions behind it (the queue is first in, first out), and returns false with
    status WPS_ERR_BUFFER_TOO_SMALL and needed = that size (an empty queue: false with WPS_OK).
    Without borrow_payloads frames and URLs stay in the client's memory and buf is not used. */
WPS_API bool wps_client_poll_into(wps_client *client, wps_action *out, char *buf, size_t cap);
/** The transmit buffer wps_client_poll_into needs for this configuration (borrow_payloads): the
    largest of max_frame_size, the recovery URL (max_url_len + 64 + 2 * max_token_len + 1) and a
    rejoin with a group name escaped at 6 bytes a byte; 0 without borrow_payloads or for an
    invalid configuration. With libwebsockets lend buf + LWS_PRE and send in place. */
WPS_API size_t wps_client_transmit_size(const wps_client_config *config);

/* ---- session snapshot: survive a deep sleep or a process restart ---- */

/** Saves the recoverable part of the session (URL, connectionId, reconnectionToken, userId,
    sequence position and the sequenceIds lost for lack of memory, ackId and invocation
    counters, joined groups) into out; pending calls are not saved. A session already ended
    (stopped, or reported disconnected) is left out: its restore connects afresh. Only reads the
    client: it may be called anywhere, also while handling an action. *out_len gets
    the size (or the size needed, with WPS_ERR_BUFFER_TOO_SMALL). Format: versioned, little-endian,
    CRC-32 checked; documented in docs/client-guide.md ("Session snapshots"), with when to save. */
WPS_API wps_status wps_client_snapshot(const wps_client *client, void *out, size_t cap, size_t *out_len);
/** Loads a snapshot into a stopped client (a fresh one after a restart). The next
    wps_client_start then tries recovery first (WPS_EVENT_RECOVERING, then RECOVERED on success)
    and falls back to a fresh connection (WPS_EVENT_DISCONNECTED, then NEED_URL) when the service
    refuses or the recovery window ends. That start skips 65536 ackIds (the last process may
    have used some after its snapshot), and in the restored session a Duplicate answering the
    only attempt of an ackId the client chose completes WPS_ERR_ACK_FAILED (not delivered).
    WPS_ERR_SNAPSHOT for a corrupted, truncated or foreign snapshot, WPS_ERR_CAPACITY when it
    does not fit this client's capacities, WPS_ERR_STATE unless stopped with no call pending,
    WPS_ERR_BUSY while events of the last session are still queued (poll them). Nothing changes
    on error. */
WPS_API wps_status wps_client_restore(wps_client *client, const void *snapshot, size_t len, wps_diag *diag);

/** "need-url", "open", "send", "close", "event", "complete" ("none" for WPS_ACTION_NONE). */
WPS_API const char *wps_action_kind_name(wps_action_kind kind);
/** The JS SDK's event names: "connected", "disconnected", "stopped", "group-message",
    "server-message", "rejoin-group-failed", and "recovering", "recovered", "start-failed",
    "frame-error". */
WPS_API const char *wps_event_kind_name(wps_event_kind kind);
/** The JS SDK's method names: "joinGroup", "leaveGroup", "sendToGroup", "sendEvent", "invokeEvent". */
WPS_API const char *wps_call_kind_name(wps_call_kind kind);

#endif /* WPS_NO_CLIENT */

#ifndef WPS_NO_SERVICE
/* =============================================================================================
   SERVICE HELPERS (sections 4-9, no I/O): crypto, connection strings, client access tokens,
   REST requests and responses, webhooks, access-token verification
   ============================================================================================= */

/* ============ >>crypto  4. SHA-256, HMAC, base64url, percent-encoding */

/** SHA-256 (FIPS 180-4), incremental. */
typedef struct wps_sha256_ctx {
    uint32_t h[8];
    uint64_t length; /* bytes hashed so far */
    unsigned char block[64];
    size_t used;
} wps_sha256_ctx;
WPS_API void wps_sha256_init(wps_sha256_ctx *s);
WPS_API void wps_sha256_update(wps_sha256_ctx *s, const void *data, size_t len);
WPS_API void wps_sha256_final(wps_sha256_ctx *s, unsigned char digest[32]);
/** One-shot SHA-256. */
WPS_API void wps_sha256(const void *data, size_t len, unsigned char digest[32]);
/** HMAC-SHA256 (RFC 2104) with a key of any length. */
WPS_API void wps_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len, unsigned char mac[32]);
/** true when a[0..n) == b[0..n), in time that depends only on n (for secrets and signatures). */
WPS_API bool wps_equal_constant_time(const void *a, const void *b, size_t n);
/** base64url without padding (RFC 4648 section 5). Returns the length; writes only if it fits cap. */
WPS_API size_t wps_base64url_encode(const void *src, size_t n, char *out, size_t cap);
/** Percent-encodes everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), as
    uppercase %XX. Returns the length; writes only if it fits cap. */
WPS_API size_t wps_percent_encode(const char *src, size_t n, char *out, size_t cap);

/* ============ >>connstr  5. connection strings */

/** A parsed connection string (Web PubSub or SignalR): slices into the string. */
typedef struct wps_connection_string {
    wps_slice endpoint;        /* as given, trailing '/' removed */
    wps_slice access_key;      /* the key text, used as its UTF-8 bytes (never base64-decoded) */
    wps_slice version;         /* optional */
    wps_slice client_endpoint; /* SignalR, optional: an absolute http(s) URL */
    wps_slice server_endpoint; /* SignalR, optional: an absolute http(s) URL */
    uint16_t port;             /* 0 when absent */
} wps_connection_string;

/** Parses `Endpoint=...;AccessKey=...;Version=1.0;[Port=...;][ClientEndpoint=...;][ServerEndpoint=...;]`:
    split on ';' and at the first '=', names case-insensitive and in any order, whitespace around
    names and values trimmed, empty parts and parts without '=' skipped. Errors
    (WPS_ERR_CONNECTION_STRING, diag names the property): missing Endpoint or AccessKey, a
    duplicate property, Port outside 1..65535, an endpoint that is not http(s). AuthType (Entra
    ID) is WPS_ERR_UNSUPPORTED: wps.h signs with access keys only. Unknown names are ignored. */
WPS_API wps_status wps_connection_string_parse(const char *text, size_t len, wps_connection_string *out, wps_diag *diag);

/** The effective endpoint "scheme://host[:port][/path]" as the official SDKs' URL parsers give
    it: Port applied, "https://" added when the Endpoint has no scheme, the host lowercased, the
    scheme's default port dropped, a path (a reverse proxy's prefix) kept without its trailing
    slash. Client URLs, audiences and REST URLs start with it. Returns the length; writes only if
    it fits cap. */
WPS_API size_t wps_connection_string_endpoint(const wps_connection_string *cs, char *out, size_t cap);

/* ============ >>tokens  6. client access tokens and URLs */

/** Which client endpoint a token is for. */
typedef enum wps_client_kind {
    WPS_CLIENT_KIND_DEFAULT = 0, /* /client/hubs/{hub} */
    WPS_CLIENT_KIND_MQTT,        /* /clients/mqtt/hubs/{hub} */
    WPS_CLIENT_KIND_SOCKETIO     /* /clients/socketio/hubs/{hub} */
} wps_client_kind;

/** What a client access token grants. Slices need not be NUL-terminated. */
typedef struct wps_token_options {
    wps_slice hub;              /* ^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$ */
    wps_slice user_id;          /* `sub` (Web PubSub) / `asrs.s.uid` (SignalR); ptr NULL = none */
    const wps_slice *roles;     /* `role` array (Web PubSub), e.g. "webpubsub.joinLeaveGroup" */
    size_t role_count;
    const wps_slice *groups;    /* `webpubsub.group` array: groups joined on connect */
    size_t group_count;
    uint64_t now;               /* the caller's clock: Unix time in seconds (iat) */
    uint32_t expires_minutes;   /* exp = now + this; 0 means 60 (the SDKs' default) */
    wps_client_kind client_kind;
} wps_token_options;

/** A Web PubSub client access token: HS256 JWT {"alg":"HS256","typ":"JWT"} with claims aud
    (`<endpoint>/client/hubs/<hub>`, http(s)), iat, exp, [sub], [role[]], [webpubsub.group[]].
    *out_len gets the length (or the size needed with WPS_ERR_BUFFER_TOO_SMALL); not NUL-terminated. */
WPS_API wps_status wps_client_access_token(const wps_connection_string *cs, const wps_token_options *options, char *out, size_t cap,
                                           size_t *out_len, wps_diag *diag);
/** The client access URL `ws(s)://<host[:port]>[/path]/client/hubs/<hub>?access_token=<token>`
    (the endpoint as wps_connection_string_endpoint gives it, then the path of the client kind).
    Same size rules as wps_client_access_token. An endpoint path a URL parser would change
    (blanks, non-ASCII, '?', '#', '"', '<', '>', '\\', '^', '`', '{', '|', '}', a "." or ".."
    segment) is WPS_ERR_INVALID_ARGUMENT; so is now + the lifetime past UINT64_MAX. */
WPS_API wps_status wps_client_access_url(const wps_connection_string *cs, const wps_token_options *options, char *out, size_t cap,
                                         size_t *out_len, wps_diag *diag);
/** SignalR serverless negotiate: token with aud `<scheme>://<host>/client/?hub=<hub lowercased>`
    (port dropped), claims aud, iat, nbf, exp, [asrs.s.uid]; the client URL
    `<ClientEndpoint or endpoint>/client/?hub=<hub lowercased>` goes to url_out (may be NULL).
    An endpoint with a path is WPS_ERR_UNSUPPORTED (how the SignalR SDKs place it is not known
    here; it is refused, not dropped), and so it is for SignalR operations of wps_rest_build. */
WPS_API wps_status wps_signalr_client_token(const wps_connection_string *cs, const wps_token_options *options, char *out, size_t cap,
                                            size_t *out_len, char *url_out, size_t url_cap, size_t *url_len, wps_diag *diag);

/* ============ >>rest  7. REST requests and responses */

/* ---------------------------------------------------------------- REST requests */

/** Which REST API an operation belongs to. */
typedef enum wps_service {
    WPS_SERVICE_WEBPUBSUB = 0, /* Azure Web PubSub data plane */
    WPS_SERVICE_SIGNALR = 1    /* Azure SignalR Service data plane (serverless REST) */
} wps_service;

/** The query parameters REST operations take besides api-version: X(enum, wire name). */
#define WPS_REST_QUERIES(X) \
    X(WPS_RQ_APPLICATION, "application") \
    X(WPS_RQ_EXCLUDED, "excluded") \
    X(WPS_RQ_FILTER, "filter") \
    X(WPS_RQ_MESSAGE_TTL_SECONDS, "messageTtlSeconds") \
    X(WPS_RQ_REASON, "reason") \
    X(WPS_RQ_USER_ID, "userId") \
    X(WPS_RQ_ROLE, "role") \
    X(WPS_RQ_MINUTES_TO_EXPIRE, "minutesToExpire") \
    X(WPS_RQ_GROUP, "group") \
    X(WPS_RQ_CLIENT_TYPE, "clientType") \
    X(WPS_RQ_MAX_PAGE_SIZE, "maxpagesize") \
    X(WPS_RQ_TOP, "top") \
    X(WPS_RQ_CONTINUATION_TOKEN, "continuationToken") \
    X(WPS_RQ_TARGET_NAME, "targetName") \
    X(WPS_RQ_TTL, "ttl") \
    X(WPS_RQ_COMPLETED, "completed")
/** A REST query parameter (WPS_REST_QUERIES); WPS_RQ_NONE ends an operation's list. */
typedef enum wps_rest_query {
    WPS_RQ_NONE = 0,
#define WPS__RQ_ENUM(e, wire) e,
    WPS_REST_QUERIES(WPS__RQ_ENUM)
#undef WPS__RQ_ENUM
    WPS_RQ_COUNT
} wps_rest_query;
/** An operation's query parameters as data, in the order its requests carry them (the official
    SDKs' order): up to five wps_rest_query values packed 5 bits each, first in the low bits
    (wps_rest_operation_query reads them back). */
#define WPS_REST_Q0() 0u
#define WPS_REST_Q1(a) ((uint32_t)WPS_RQ_##a)
#define WPS_REST_Q2(a, b) (WPS_REST_Q1(a) | (uint32_t)WPS_RQ_##b << 5)
#define WPS_REST_Q3(a, b, c) (WPS_REST_Q2(a, b) | (uint32_t)WPS_RQ_##c << 10)
#define WPS_REST_Q4(a, b, c, d) (WPS_REST_Q3(a, b, c) | (uint32_t)WPS_RQ_##d << 15)
#define WPS_REST_Q5(a, b, c, d, e) (WPS_REST_Q4(a, b, c, d) | (uint32_t)WPS_RQ_##e << 20)

/** Every data-plane operation of Web PubSub 2024-12-01 and SignalR 2024-12-01:
    X(enum, service, name, method, path, query parameters, body, success status).
    name is the REST operationId without its group prefix (what wps_rest_operation_find takes);
    query is the parameters the operation accepts besides api-version, in their order
    (WPS_REST_Q0() ... WPS_REST_Q5(...) of wps_rest_query values); body is
    NONE, RAW (the caller's bytes), GROUPS (JSON {"groups":[..],"filter":".."}), PAYLOAD (SignalR
    PayloadMessage {"target":..,"arguments":[..]}) or COMMANDS (SignalR command array). */
#define WPS_REST_OPERATIONS(X)                                                                                                          \
    X(WPS_REST_GET_SERVICE_STATUS, WEBPUBSUB, "GetServiceStatus", "HEAD", "/api/health", WPS_REST_Q0(), NONE, 200)                             \
    X(WPS_REST_ADD_CONNECTIONS_TO_GROUPS, WEBPUBSUB, "AddConnectionsToGroups", "POST", "/api/hubs/{hub}/:addToGroups", WPS_REST_Q0(), GROUPS, 200) \
    X(WPS_REST_REMOVE_CONNECTIONS_FROM_GROUPS, WEBPUBSUB, "RemoveConnectionsFromGroups", "POST", "/api/hubs/{hub}/:removeFromGroups", WPS_REST_Q0(),  \
      GROUPS, 200)                                                                                                                      \
    X(WPS_REST_CLOSE_ALL_CONNECTIONS, WEBPUBSUB, "CloseAllConnections", "POST", "/api/hubs/{hub}/:closeConnections", WPS_REST_Q2(EXCLUDED, REASON),  \
      NONE, 204)                                                                                                                        \
    X(WPS_REST_GENERATE_CLIENT_TOKEN, WEBPUBSUB, "GenerateClientToken", "POST", "/api/hubs/{hub}/:generateToken",                      \
      WPS_REST_Q5(USER_ID, ROLE, MINUTES_TO_EXPIRE, GROUP, CLIENT_TYPE), NONE, 200)                                                                        \
    X(WPS_REST_SEND_TO_ALL, WEBPUBSUB, "SendToAll", "POST", "/api/hubs/{hub}/:send", WPS_REST_Q3(EXCLUDED, FILTER, MESSAGE_TTL_SECONDS), RAW, 202)     \
    X(WPS_REST_CLOSE_CONNECTION, WEBPUBSUB, "CloseConnection", "DELETE", "/api/hubs/{hub}/connections/{connectionId}", WPS_REST_Q1(REASON), NONE,   \
      204)                                                                                                                              \
    X(WPS_REST_CONNECTION_EXISTS, WEBPUBSUB, "ConnectionExists", "HEAD", "/api/hubs/{hub}/connections/{connectionId}", WPS_REST_Q0(), NONE, 200)   \
    X(WPS_REST_SEND_TO_CONNECTION, WEBPUBSUB, "SendToConnection", "POST", "/api/hubs/{hub}/connections/{connectionId}/:send",          \
      WPS_REST_Q1(MESSAGE_TTL_SECONDS), RAW, 202)                                                                                                    \
    X(WPS_REST_REMOVE_CONNECTION_FROM_ALL_GROUPS, WEBPUBSUB, "RemoveConnectionFromAllGroups", "DELETE",                                \
      "/api/hubs/{hub}/connections/{connectionId}/groups", WPS_REST_Q0(), NONE, 204)                                                              \
    X(WPS_REST_GROUP_EXISTS, WEBPUBSUB, "GroupExists", "HEAD", "/api/hubs/{hub}/groups/{group}", WPS_REST_Q0(), NONE, 200)                        \
    X(WPS_REST_CLOSE_GROUP_CONNECTIONS, WEBPUBSUB, "CloseGroupConnections", "POST", "/api/hubs/{hub}/groups/{group}/:closeConnections", \
      WPS_REST_Q2(EXCLUDED, REASON), NONE, 204)                                                                                                     \
    X(WPS_REST_SEND_TO_GROUP, WEBPUBSUB, "SendToGroup", "POST", "/api/hubs/{hub}/groups/{group}/:send",                                \
      WPS_REST_Q3(EXCLUDED, FILTER, MESSAGE_TTL_SECONDS), RAW, 202)                                                                                    \
    X(WPS_REST_LIST_CONNECTIONS_IN_GROUP, WEBPUBSUB, "ListConnectionsInGroup", "GET", "/api/hubs/{hub}/groups/{group}/connections",     \
      WPS_REST_Q3(MAX_PAGE_SIZE, TOP, CONTINUATION_TOKEN), NONE, 200)                                                                                   \
    X(WPS_REST_REMOVE_CONNECTION_FROM_GROUP, WEBPUBSUB, "RemoveConnectionFromGroup", "DELETE",                                         \
      "/api/hubs/{hub}/groups/{group}/connections/{connectionId}", WPS_REST_Q0(), NONE, 204)                                                      \
    X(WPS_REST_ADD_CONNECTION_TO_GROUP, WEBPUBSUB, "AddConnectionToGroup", "PUT", "/api/hubs/{hub}/groups/{group}/connections/{connectionId}", \
      WPS_REST_Q0(), NONE, 200)                                                                                                                    \
    X(WPS_REST_REVOKE_PERMISSION, WEBPUBSUB, "RevokePermission", "DELETE", "/api/hubs/{hub}/permissions/{permission}/connections/{connectionId}", \
      WPS_REST_Q1(TARGET_NAME), NONE, 204)                                                                                                          \
    X(WPS_REST_CHECK_PERMISSION, WEBPUBSUB, "CheckPermission", "HEAD", "/api/hubs/{hub}/permissions/{permission}/connections/{connectionId}", \
      WPS_REST_Q1(TARGET_NAME), NONE, 200)                                                                                                          \
    X(WPS_REST_GRANT_PERMISSION, WEBPUBSUB, "GrantPermission", "PUT", "/api/hubs/{hub}/permissions/{permission}/connections/{connectionId}", \
      WPS_REST_Q1(TARGET_NAME), NONE, 200)                                                                                                          \
    X(WPS_REST_USER_EXISTS, WEBPUBSUB, "UserExists", "HEAD", "/api/hubs/{hub}/users/{userId}", WPS_REST_Q0(), NONE, 200)                          \
    X(WPS_REST_CLOSE_USER_CONNECTIONS, WEBPUBSUB, "CloseUserConnections", "POST", "/api/hubs/{hub}/users/{userId}/:closeConnections",   \
      WPS_REST_Q2(EXCLUDED, REASON), NONE, 204)                                                                                                     \
    X(WPS_REST_SEND_TO_USER, WEBPUBSUB, "SendToUser", "POST", "/api/hubs/{hub}/users/{userId}/:send", WPS_REST_Q2(FILTER, MESSAGE_TTL_SECONDS), RAW,  \
      202)                                                                                                                              \
    X(WPS_REST_REMOVE_USER_FROM_ALL_GROUPS, WEBPUBSUB, "RemoveUserFromAllGroups", "DELETE", "/api/hubs/{hub}/users/{userId}/groups", WPS_REST_Q0(), \
      NONE, 204)                                                                                                                        \
    X(WPS_REST_REMOVE_USER_FROM_GROUP, WEBPUBSUB, "RemoveUserFromGroup", "DELETE", "/api/hubs/{hub}/users/{userId}/groups/{group}", WPS_REST_Q0(),  \
      NONE, 204)                                                                                                                        \
    X(WPS_REST_ADD_USER_TO_GROUP, WEBPUBSUB, "AddUserToGroup", "PUT", "/api/hubs/{hub}/users/{userId}/groups/{group}", WPS_REST_Q0(), NONE, 200)   \
    X(WPS_REST_SIGNALR_GET_ACCESS_KEY, SIGNALR, "GetAccessKey", "GET", "/api/auth/accessKey", WPS_REST_Q0(), NONE, 200)                         \
    X(WPS_REST_SIGNALR_GET_SERVICE_STATUS, SIGNALR, "GetServiceStatus", "HEAD", "/api/health", WPS_REST_Q0(), NONE, 200)                         \
    X(WPS_REST_SIGNALR_CLOSE_CONNECTIONS, SIGNALR, "CloseConnections", "POST", "/api/hubs/{hub}/:closeConnections",                    \
      WPS_REST_Q3(APPLICATION, EXCLUDED, REASON), NONE, 204)                                                                                         \
    X(WPS_REST_SIGNALR_EXECUTE, SIGNALR, "Execute", "POST", "/api/hubs/{hub}/:execute", WPS_REST_Q1(FILTER), COMMANDS, 202)                       \
    X(WPS_REST_SIGNALR_GENERATE_CLIENT_TOKEN, SIGNALR, "GenerateClientToken", "POST", "/api/hubs/{hub}/:generateToken",                \
      WPS_REST_Q2(USER_ID, MINUTES_TO_EXPIRE), NONE, 200)                                                                                              \
    X(WPS_REST_SIGNALR_BROADCAST, SIGNALR, "Broadcast", "POST", "/api/hubs/{hub}/:send", WPS_REST_Q2(APPLICATION, EXCLUDED), PAYLOAD, 202)          \
    X(WPS_REST_SIGNALR_CLOSE_CONNECTION, SIGNALR, "CloseConnection", "DELETE", "/api/hubs/{hub}/connections/{connectionId}",            \
      WPS_REST_Q2(APPLICATION, REASON), NONE, 200)                                                                                                  \
    X(WPS_REST_SIGNALR_CHECK_CONNECTION_EXISTENCE, SIGNALR, "CheckConnectionExistence", "HEAD", "/api/hubs/{hub}/connections/{connectionId}", \
      WPS_REST_Q1(APPLICATION), NONE, 200)                                                                                                         \
    X(WPS_REST_SIGNALR_INVOKE_CLIENT_CONNECTION, SIGNALR, "InvokeClientConnection", "POST",                                            \
      "/api/hubs/{hub}/connections/{connectionId}/:invoke", WPS_REST_Q1(APPLICATION), PAYLOAD, 200)                                               \
    X(WPS_REST_SIGNALR_SEND_TO_CONNECTION, SIGNALR, "SendToConnection", "POST", "/api/hubs/{hub}/connections/{connectionId}/:send",     \
      WPS_REST_Q1(APPLICATION), PAYLOAD, 202)                                                                                                      \
    X(WPS_REST_SIGNALR_REMOVE_CONNECTION_FROM_ALL_GROUPS, SIGNALR, "RemoveConnectionFromAllGroups", "DELETE",                          \
      "/api/hubs/{hub}/connections/{connectionId}/groups", WPS_REST_Q1(APPLICATION), NONE, 200)                                                   \
    X(WPS_REST_SIGNALR_COMPLETE_CONNECTION_STREAM, SIGNALR, "CompleteConnectionStream", "POST",                                        \
      "/api/hubs/{hub}/connections/{connectionId}/streams/{streamId}/:complete", WPS_REST_Q2(REASON, APPLICATION), NONE, 202)                      \
    X(WPS_REST_SIGNALR_SEND_TO_CONNECTION_STREAM, SIGNALR, "SendToConnectionStream", "POST",                                           \
      "/api/hubs/{hub}/connections/{connectionId}/streams/{streamId}/:send", WPS_REST_Q2(APPLICATION, COMPLETED), RAW, 202)                        \
    X(WPS_REST_SIGNALR_CHECK_GROUP_EXISTENCE, SIGNALR, "CheckGroupExistence", "HEAD", "/api/hubs/{hub}/groups/{group}", WPS_REST_Q1(APPLICATION),  \
      NONE, 200)                                                                                                                        \
    X(WPS_REST_SIGNALR_CLOSE_GROUP_CONNECTIONS, SIGNALR, "CloseGroupConnections", "POST", "/api/hubs/{hub}/groups/{group}/:closeConnections", \
      WPS_REST_Q3(APPLICATION, EXCLUDED, REASON), NONE, 204)                                                                                         \
    X(WPS_REST_SIGNALR_GROUP_BROADCAST, SIGNALR, "GroupBroadcast", "POST", "/api/hubs/{hub}/groups/{group}/:send", WPS_REST_Q2(APPLICATION, EXCLUDED), \
      PAYLOAD, 202)                                                                                                                     \
    X(WPS_REST_SIGNALR_LIST_CONNECTIONS_IN_GROUP, SIGNALR, "ListConnectionsInGroup", "GET", "/api/hubs/{hub}/groups/{group}/connections", \
      WPS_REST_Q4(MAX_PAGE_SIZE, TOP, APPLICATION, CONTINUATION_TOKEN), NONE, 200)                                                                       \
    X(WPS_REST_SIGNALR_REMOVE_CONNECTION_FROM_GROUP, SIGNALR, "RemoveConnectionFromGroup", "DELETE",                                   \
      "/api/hubs/{hub}/groups/{group}/connections/{connectionId}", WPS_REST_Q1(APPLICATION), NONE, 200)                                           \
    X(WPS_REST_SIGNALR_ADD_CONNECTION_TO_GROUP, SIGNALR, "AddConnectionToGroup", "PUT",                                                \
      "/api/hubs/{hub}/groups/{group}/connections/{connectionId}", WPS_REST_Q1(APPLICATION), NONE, 200)                                           \
    X(WPS_REST_SIGNALR_CHECK_USER_EXISTENCE, SIGNALR, "CheckUserExistence", "HEAD", "/api/hubs/{hub}/users/{user}", WPS_REST_Q1(APPLICATION), NONE, \
      200)                                                                                                                              \
    X(WPS_REST_SIGNALR_CLOSE_USER_CONNECTIONS, SIGNALR, "CloseUserConnections", "POST", "/api/hubs/{hub}/users/{user}/:closeConnections", \
      WPS_REST_Q3(APPLICATION, EXCLUDED, REASON), NONE, 204)                                                                                         \
    X(WPS_REST_SIGNALR_SEND_TO_USER, SIGNALR, "SendToUser", "POST", "/api/hubs/{hub}/users/{user}/:send", WPS_REST_Q1(APPLICATION), PAYLOAD, 202) \
    X(WPS_REST_SIGNALR_REMOVE_USER_FROM_ALL_GROUPS, SIGNALR, "RemoveUserFromAllGroups", "DELETE", "/api/hubs/{hub}/users/{user}/groups", \
      WPS_REST_Q1(APPLICATION), NONE, 204)                                                                                                         \
    X(WPS_REST_SIGNALR_REMOVE_USER_FROM_GROUP, SIGNALR, "RemoveUserFromGroup", "DELETE", "/api/hubs/{hub}/users/{user}/groups/{group}",  \
      WPS_REST_Q1(APPLICATION), NONE, 204)                                                                                                         \
    X(WPS_REST_SIGNALR_CHECK_USER_EXISTENCE_IN_GROUP, SIGNALR, "CheckUserExistenceInGroup", "HEAD",                                    \
      "/api/hubs/{hub}/users/{user}/groups/{group}", WPS_REST_Q1(APPLICATION), NONE, 200)                                                         \
    X(WPS_REST_SIGNALR_ADD_USER_TO_GROUP, SIGNALR, "AddUserToGroup", "PUT", "/api/hubs/{hub}/users/{user}/groups/{group}",             \
      WPS_REST_Q2(APPLICATION, TTL), NONE, 200)

/** A REST operation (see WPS_REST_OPERATIONS). */
typedef enum wps_rest_operation {
#define WPS__REST_ENUM(e, svc, name, method, path, query, body, ok) e,
    WPS_REST_OPERATIONS(WPS__REST_ENUM)
#undef WPS__REST_ENUM
    WPS_REST_OPERATION_COUNT
} wps_rest_operation;

/** One SignalR :execute command. */
typedef enum wps_signalr_command_kind {
    WPS_SIGNALR_SEND_MESSAGE = 0,   /* {"type":"SendMessage","message":{"target":..,"arguments":..}} */
    WPS_SIGNALR_JOIN_GROUP = 1,     /* {"type":"JoinGroup","group":..} */
    WPS_SIGNALR_LEAVE_GROUP = 2,    /* {"type":"LeaveGroup","group":..} */
    WPS_SIGNALR_CLOSE_CONNECTION = 3 /* {"type":"CloseConnection"[,"reason":..]} */
} wps_signalr_command_kind;

/** One command of a SignalR :execute request body (wps_rest_params.commands): its kind and the
    fields that kind uses. */
typedef struct wps_signalr_command {
    wps_signalr_command_kind kind;
    wps_slice target;    /* SendMessage: the client method (non-empty) */
    wps_slice arguments; /* SendMessage: raw JSON array text, e.g. ["hi",1]; empty = [] */
    wps_slice group;     /* JoinGroup / LeaveGroup */
    wps_slice reason;    /* CloseConnection, optional (ptr NULL = none) */
} wps_signalr_command;

/** The parameters of one REST call. Zero-initialize, then set what the operation takes (the
    names in WPS_REST_OPERATIONS); a parameter the operation does not take is an error, so a
    typo never silently drops a filter. Slices need not be NUL-terminated; ptr NULL = unset. */
typedef struct wps_rest_params {
    wps_slice hub;            /* ^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$ (SignalR: lowercased in the URL) */
    wps_slice application;    /* SignalR `application` (same pattern as hub; lowercased) */
    wps_slice group;          /* path {group}: 1..1024 bytes, not only whitespace */
    wps_slice user_id;        /* path {userId}/{user}, or the `userId` query of :generateToken */
    wps_slice connection_id;  /* path {connectionId} */
    wps_slice permission;     /* path {permission}: "sendToGroup" or "joinLeaveGroup" */
    wps_slice stream_id;      /* path {streamId} */
    wps_slice target_name;    /* `targetName` (the group a permission is about) */
    wps_slice filter;         /* OData filter: the `filter` query, or the body field of :addToGroups */
    wps_slice reason;         /* `reason` */
    wps_slice client_type;    /* `clientType`: "Default" or "MQTT" (case-insensitive) */
    wps_slice continuation_token; /* `continuationToken` */
    const wps_slice *excluded; /* `excluded`, repeated: connection ids */
    size_t excluded_count;
    const wps_slice *roles;   /* `role`, repeated (:generateToken) */
    size_t role_count;
    const wps_slice *groups;  /* `group`, repeated (:generateToken); or the body "groups" of :addToGroups */
    size_t group_count;
    bool has_message_ttl;     /* `messageTtlSeconds`: 0..300 (0: never expires) */
    uint32_t message_ttl_seconds;
    uint32_t minutes_to_expire; /* `minutesToExpire`: 0 = unset, else >= 1 */
    uint32_t max_page_size;   /* `maxpagesize`: 0 = unset, else 1..200 */
    uint32_t top;             /* `top`: 0 = unset, else 1..2147483647 */
    bool has_ttl;             /* SignalR AddUserToGroup `ttl` in seconds: 0..2147483647 */
    uint32_t ttl;
    bool has_completed;       /* SignalR SendToConnectionStream `completed` */
    bool completed;
    wps_slice body;           /* RAW bodies; for PAYLOAD/COMMANDS a ready-made JSON body overrides the fields below */
    wps_slice content_type;   /* RAW: application/octet-stream (default), text/plain or application/json
                                 (parameters such as "; charset=utf-8" allowed); PAYLOAD: default application/json */
    wps_slice target;         /* PAYLOAD: the client method (non-empty) */
    wps_slice arguments;      /* PAYLOAD: raw JSON array text; empty = [] */
    const wps_signalr_command *commands; /* COMMANDS */
    size_t command_count;
    wps_slice api_version;    /* ptr NULL: "2024-12-01"; "" (ptr set, len 0): no api-version query
                                 (2021-08-01-preview made it optional); SignalR "1.0" (the v1
                                 path family) is refused */
    wps_slice next_link;      /* paging: the absolute nextLink of the previous page; the request is
                                 a GET of exactly that URL (it must start with the endpoint). top,
                                 maxpagesize and continuationToken are refused beside it (the link
                                 carries them); a hub, group or application given with it must be
                                 valid, and is not used */
    uint64_t now;             /* the caller's clock, Unix seconds: iat, exp of the JWT */
    uint32_t token_seconds;   /* JWT lifetime; 0 = 3600 (the JS SDK's 1 h) */
} wps_rest_params;

/** A built request. method/content_type are static strings; url, authorization and any built
    body live in the caller's buffer; a RAW body is the caller's own bytes. */
typedef struct wps_rest_request {
    const char *method;       /* "GET", "HEAD", "POST", "PUT", "DELETE" */
    wps_slice url;            /* absolute, percent-encoded; it is also the JWT's aud */
    wps_slice host;           /* in url: "host[:port]", the Host header's value */
    wps_slice target;         /* in url: path and query, the request line's target
                                 ("POST <target> HTTP/1.1"); it starts with the endpoint's path */
    wps_slice authorization;  /* the whole header value: "Bearer <jwt>" */
    wps_slice content_type;   /* empty when there is no body */
    wps_slice body;
    bool has_body;            /* send Content-Type and the body (it may be empty) */
    uint16_t success_status;  /* 200/202/204 per the spec; HEAD checks answer 200 (yes) or 404 (no) */
} wps_rest_request;

/** Builds a REST request with no I/O: method, URL (endpoint with Port, percent-encoded path
    segments, `api-version` first, then the operation's query parameters in WPS_REST_OPERATIONS
    order, arrays repeated), `Authorization: Bearer` JWT (HS256 with the access key; claims aud =
    the exact URL, iat, exp) and body. Everything is validated before anything is built:
    WPS_ERR_INVALID_ARGUMENT with diag.reason naming the parameter (bad hub, empty id, group over
    1024 bytes, number out of range, a parameter the operation does not take, bad Content-Type),
    WPS_ERR_UTF8 for text that is not UTF-8 (JSON bodies). *needed gets the buffer size needed
    (also on WPS_ERR_BUFFER_TOO_SMALL); wps_rest_build never writes past cap. */
WPS_API wps_status wps_rest_build(const wps_connection_string *cs, wps_rest_operation op, const wps_rest_params *params, char *buf,
                                  size_t cap, wps_rest_request *out, size_t *needed, wps_diag *diag);
/** The operation's name (its operationId, e.g. "SendToGroup"), or NULL when out of range. */
WPS_API const char *wps_rest_operation_name(wps_rest_operation op);
/** The operation's service. */
WPS_API wps_service wps_rest_operation_service(wps_rest_operation op);
/** Finds an operation by name for a service, case-insensitively (also the SignalR spellings
    with their "SignalR_" prefix, "HealthApi_GetServiceStatus", and for convenience "SendToAll"/
    "SendToGroup" for SignalR's Broadcast/GroupBroadcast and "GenerateToken"). false when unknown. */
WPS_API bool wps_rest_operation_find(wps_service service, const char *name, size_t len, wps_rest_operation *out);
/** The i-th query parameter (from 0) the operation takes besides api-version, in request order;
    WPS_RQ_NONE past the last one or for an operation out of range. */
WPS_API wps_rest_query wps_rest_operation_query(wps_rest_operation op, unsigned i);
/** A query parameter's wire name ("excluded", "messageTtlSeconds", ...); "" for WPS_RQ_NONE or
    out of range. */
WPS_API const char *wps_rest_query_name(wps_rest_query query);

/* ---------------------------------------------------------------- REST responses */

/** A member of a group (ListConnectionsInGroup). */
typedef struct wps_group_member {
    wps_slice connection_id;
    wps_slice user_id; /* ptr NULL when absent or null */
} wps_group_member;

/** ErrorDetail {code, message, target, details[], inner{code, inner}} (both services). */
typedef struct wps_rest_error {
    wps_slice code, message, target;
    wps_slice inner_code;   /* the innermost inner.code, if any */
    size_t detail_count;    /* entries of details[] (not unpacked) */
    wps_slice details;      /* raw JSON text of details[], empty when absent */
} wps_rest_error;

/** SignalR ServiceResponse {statusCode, code, level, scope, errorKind, message, jsonObject, isSuccess}. */
typedef struct wps_signalr_service_response {
    uint32_t status_code;   /* 0 when absent */
    wps_slice code, level, scope, error_kind, message;
    wps_slice json_object;  /* raw JSON text, empty when absent */
    bool has_is_success, is_success;
} wps_signalr_service_response;

/* The response parsers read JSON bodies zero-copy: slices point into body, or into scratch for
   strings with escapes (scratch of body_len bytes is always enough; may be NULL otherwise, then
   WPS_ERR_BUFFER_TOO_SMALL tells). Unknown members are ignored; a wrong JSON type, a missing
   required member or bad JSON is an error with an offset in diag. */

/** :generateToken → {"token":".."} (both services). */
WPS_API wps_status wps_rest_parse_token(const void *body, size_t len, char *scratch, size_t scratch_cap, wps_slice *token, wps_diag *diag);
/** A ListConnectionsInGroup page {"value":[{connectionId,userId}],"nextLink":..}: at most cap
    members are stored; *count gets the number in the page (more than cap is
    WPS_ERR_BUFFER_TOO_SMALL, with the first cap stored). next_link is empty on the last page. */
WPS_API wps_status wps_rest_parse_group_members(const void *body, size_t len, char *scratch, size_t scratch_cap, wps_group_member *members,
                                                size_t cap, size_t *count, wps_slice *next_link, wps_diag *diag);
/** An error body (ErrorDetail). */
WPS_API wps_status wps_rest_parse_error(const void *body, size_t len, char *scratch, size_t scratch_cap, wps_rest_error *out, wps_diag *diag);
/** A SignalR ServiceResponse body. */
WPS_API wps_status wps_signalr_parse_service_response(const void *body, size_t len, char *scratch, size_t scratch_cap,
                                                      wps_signalr_service_response *out, wps_diag *diag);
/** SignalR InvokeClientConnection → {"result": any, "protocol": ".."}: result is the raw JSON text. */
WPS_API wps_status wps_signalr_parse_invoke_result(const void *body, size_t len, char *scratch, size_t scratch_cap, wps_slice *result,
                                                   wps_slice *protocol, wps_diag *diag);
/** The body of :addToGroups / :removeFromGroups, {"groups":[..],"filter":".."}, as a service
    reads it: the groups (at least one) and the filter (ptr NULL when absent) into mem, with the
    memory rules of wps_webhook_parse_connect. */
WPS_API wps_status wps_rest_parse_groups_request(const void *body, size_t len, void *mem, size_t mem_cap, const wps_slice **groups,
                                                 size_t *group_count, wps_slice *filter, size_t *needed, wps_diag *diag);
/** SignalR GetAccessKey → {"AccessKey":"..","KeyId":".."}. */
WPS_API wps_status wps_signalr_parse_access_key(const void *body, size_t len, char *scratch, size_t scratch_cap, wps_slice *access_key,
                                                wps_slice *key_id, wps_diag *diag);

/* ============ >>webhooks  8. webhooks: signatures, abuse protection, CloudEvents, replies, MQTT codes, SignalR upstream */

/* ---------------------------------------------------------------- signatures and abuse protection */

/** The webhook signature of one access key: "sha256=" + lowercase hex of
    HMAC-SHA256(key text, connection id), 71 bytes (not NUL-terminated). The value of Web
    PubSub's ce-signature and SignalR's X-ASRS-Signature (one per key, joined with ","). */
WPS_API void wps_webhook_signature(wps_slice access_key, wps_slice connection_id, char out[71]);
/** Verifies a ce-signature / X-ASRS-Signature header: it is split on ',' and spaces, and each
    "sha256=<hex>" part is compared (hex case-insensitively, in constant time) with the
    signature of every key. WPS_OK if any part matches any key, else WPS_ERR_SIGNATURE (also for
    a missing header: fail closed). No key at all is WPS_ERR_INVALID_ARGUMENT. */
WPS_API wps_status wps_webhook_verify_signature(wps_slice connection_id, wps_slice header, const wps_slice *keys, size_t key_count,
                                                wps_diag *diag);
/** The abuse-protection preflight (OPTIONS with WebHook-Request-Origin): origin_header is that
    header's value (split on ',' and spaces). With allowed hosts given (the service hosts, e.g.
    "my-host.webpubsub.net", or endpoints such as the connection string's Endpoint
    "https://my-host.webpubsub.net" or "http://127.0.0.1:8080": only their hosts are compared,
    case-insensitively, as the .NET handler compares a configured endpoint's host: the service
    sends its host without a port), one origin must be among them; with none, any origin is accepted. WPS_OK: answer 200 with "WebHook-Allowed-Origin: *". A missing
    header or a foreign origin is WPS_ERR_ORIGIN: answer 400 ("Abuse Protection validation
    failed."), as the .NET handler does. */
WPS_API wps_status wps_webhook_check_origin(wps_slice origin_header, const wps_slice *allowed_hosts, size_t host_count, wps_diag *diag);

/* ---------------------------------------------------------------- webhooks (CloudEvents) */

/** One HTTP header as the host's HTTP stack hands it over (names compared case-insensitively). */
typedef struct wps_http_header {
    wps_slice name;
    wps_slice value;
} wps_http_header;

/** Which upstream event a webhook request carries (ce-type). */
typedef enum wps_webhook_kind {
    WPS_WEBHOOK_CONNECT = 1,      /* azure.webpubsub.sys.connect: blocking, answer with a connect response */
    WPS_WEBHOOK_CONNECTED = 2,    /* azure.webpubsub.sys.connected: body {} */
    WPS_WEBHOOK_DISCONNECTED = 3, /* azure.webpubsub.sys.disconnected: body {"reason":..} */
    WPS_WEBHOOK_USER_EVENT = 4,   /* azure.webpubsub.user.<event>: the client's data is the body */
    WPS_WEBHOOK_OTHER_SYSTEM = 5  /* another azure.webpubsub.sys.* event (forward compatibility) */
} wps_webhook_kind;

/** A parsed CloudEvents (binary mode) webhook request: slices into the header values. */
typedef struct wps_webhook_event {
    wps_webhook_kind kind;
    wps_slice type;             /* ce-type */
    wps_slice event_name;       /* ce-eventName (connect, message, a custom event...) */
    wps_slice hub;              /* ce-hub */
    wps_slice connection_id;    /* ce-connectionId (MQTT: the client id) */
    wps_slice user_id;          /* ce-userId; ptr NULL when absent */
    wps_slice subprotocol;      /* ce-subprotocol; ptr NULL when absent */
    wps_slice signature;        /* ce-signature */
    wps_slice origin;           /* WebHook-Request-Origin */
    wps_slice connection_state; /* ce-connectionState: base64 of a JSON object; ptr NULL when absent */
    wps_slice spec_version, awps_version, source, id, time; /* ce-specversion, ce-awpsversion, ce-source, ce-id, ce-time */
    wps_slice physical_connection_id, session_id;           /* MQTT: ce-physicalConnectionId, ce-sessionId */
    wps_slice content_type;     /* Content-Type */
    wps_data_type data_type;    /* user events: from Content-Type (text/plain, application/json, application/octet-stream) */
    bool is_mqtt;               /* ce-subprotocol "mqtt" and a ce-physicalConnectionId */
} wps_webhook_event;

/** Parses the headers of a webhook POST. Required: ce-awpsversion, ce-type (azure.webpubsub.*),
    ce-hub, ce-connectionId, ce-eventName (WPS_ERR_MISSING_FIELD naming the header); one of each
    ce-* header (WPS_ERR_DUPLICATE_KEY); a user event's Content-Type must be one of the three
    (WPS_ERR_UNSUPPORTED). No check of signature, hub or origin: see wps_webhook_accept. */
WPS_API wps_status wps_webhook_parse(const wps_http_header *headers, size_t count, wps_webhook_event *out, wps_diag *diag);

/** What a webhook handler accepts. */
typedef struct wps_webhook_options {
    wps_slice hub;                    /* the hub served (compared case-insensitively); ptr NULL = any */
    const wps_slice *keys;            /* access keys (primary, secondary); none = no signature check */
    size_t key_count;
    const wps_slice *allowed_origins; /* service hosts or endpoints (see wps_webhook_check_origin); none = any */
    size_t allowed_origin_count;
} wps_webhook_options;

/** Parses and checks a webhook POST the way docs/service-rules.md 7 says (the .NET handler's codes):
    WPS_OK, or the reason to reject with *reject_status: 400 for missing/duplicate headers, a
    foreign hub (WPS_ERR_WRONG_HUB) or origin (WPS_ERR_ORIGIN); 401 for a signature that matches
    no key (WPS_ERR_SIGNATURE: fail closed). *reject_status is 0 on WPS_OK. */
WPS_API wps_status wps_webhook_accept(const wps_webhook_options *options, const wps_http_header *headers, size_t count, wps_webhook_event *out,
                                      uint16_t *reject_status, wps_diag *diag);

/** The data type a Content-Type names: text/plain → TEXT, application/json → JSON,
    application/octet-stream → BINARY (parameters such as charset ignored). false otherwise. */
WPS_API bool wps_webhook_data_type(wps_slice content_type, wps_data_type *out);

/** A name/value pair of a string map (claims, query, headers: one pair per value) or an MQTT
    user property. */
typedef struct wps_webhook_pair {
    wps_slice name;
    wps_slice value;
} wps_webhook_pair;

/** A client certificate of a connect event: its thumbprint (required), and its content when the
    body has one (content.ptr NULL otherwise, as the .NET and Python models allow). */
typedef struct wps_webhook_certificate {
    wps_slice thumbprint; /* SHA-1 */
    wps_slice content;    /* PEM */
} wps_webhook_certificate;

/** The body of a connect event. Arrays and unescaped strings live in the caller's mem. */
typedef struct wps_webhook_connect_request {
    const wps_webhook_pair *claims;  /* token claims, one pair per value, in order */
    size_t claim_count;
    const wps_webhook_pair *query;   /* the connect URL's query (access_token included) */
    size_t query_count;
    const wps_webhook_pair *headers; /* the upgrade request's headers */
    size_t header_count;
    const wps_slice *subprotocols;   /* requested, in order */
    size_t subprotocol_count;
    const wps_webhook_certificate *client_certificates;
    size_t client_certificate_count;
    bool has_mqtt;                   /* MQTT connects: */
    uint32_t mqtt_protocol_version;  /* 4 = 3.1.1, 5 = 5.0 */
    wps_slice mqtt_username;         /* ptr NULL when absent */
    wps_slice mqtt_password;         /* base64 of the CONNECT password; ptr NULL when absent */
    const wps_webhook_pair *mqtt_user_properties;
    size_t mqtt_user_property_count;
} wps_webhook_connect_request;

/** Parses a connect body {"claims":{..},"query":{..},"headers":{..},"subprotocols":[..],
    "clientCertificates":[..],"mqtt":{..}}. Map values may be string arrays or single strings.
    mem receives the arrays and unescaped strings; *needed gets the size needed (also with
    WPS_ERR_BUFFER_TOO_SMALL). Unknown members are ignored; a member given twice keeps its last
    value, as JSON.parse does. The body is read once. */
WPS_API wps_status wps_webhook_parse_connect(const void *body, size_t len, void *mem, size_t mem_cap, wps_webhook_connect_request *out,
                                             size_t *needed, wps_diag *diag);

/** The body of a disconnected event. */
typedef struct wps_webhook_disconnected {
    wps_slice reason; /* ptr NULL when absent */
    bool has_mqtt;
    bool mqtt_initiated_by_client;
    bool has_mqtt_disconnect_packet;
    uint32_t mqtt_reason_code; /* disconnectPacket.code (MQTT 5 reason; 0 for 3.1.1) */
    const wps_webhook_pair *mqtt_user_properties;
    size_t mqtt_user_property_count;
} wps_webhook_disconnected;

/** Parses a disconnected body {"reason":..,"mqtt":{"initiatedByClient":..,"disconnectPacket":{..}}}. Same memory rules. */
WPS_API wps_status wps_webhook_parse_disconnected(const void *body, size_t len, void *mem, size_t mem_cap, wps_webhook_disconnected *out,
                                                  size_t *needed, wps_diag *diag);

/** A connect response (what the event handler answers): build it with
    wps_webhook_connect_response, or read one back with wps_webhook_parse_connect_response. */
typedef struct wps_webhook_connect_result {
    wps_slice user_id;       /* ptr NULL = keep the token's */
    const wps_slice *groups; /* groups to join */
    size_t group_count;
    wps_slice subprotocol;   /* one of the requested; ptr NULL = none (never "") */
    const wps_slice *roles;
    size_t role_count;
    bool has_mqtt;           /* "mqtt":{..} present */
    const wps_webhook_pair *mqtt_user_properties; /* sent in CONNACK (MQTT 5) */
    size_t mqtt_user_property_count;
    bool has_mqtt_code;      /* an MQTT error body {"mqtt":{"code":..,"reason":..}} */
    uint32_t mqtt_code;
    wps_slice mqtt_reason;
} wps_webhook_connect_result;

/** Writes the JSON of a 200 connect response, fields in the order of the .NET serializer
    (docs/service-rules.md vector #10): mqtt, userId, groups, subprotocol, roles; absent ones left out. With
    nothing to say *out_len is 2 ("{}"): answering 204 is equivalent. Same size rules as tokens. */
WPS_API wps_status wps_webhook_connect_response(const wps_webhook_connect_result *r, char *out, size_t cap, size_t *out_len, wps_diag *diag);
/** Writes an MQTT connect error body {"mqtt":{"code":N,"reason":..,"userProperties":[..]}}
    (vector #9); answer it with the status wps_mqtt_http_status(code). reason ptr NULL = none. */
WPS_API wps_status wps_webhook_mqtt_error(uint32_t code, wps_slice reason, const wps_webhook_pair *user_properties, size_t count, char *out,
                                          size_t cap, size_t *out_len, wps_diag *diag);
/** Reads a connect response body back (a 200 body, or an MQTT error body). */
WPS_API wps_status wps_webhook_parse_connect_response(const void *body, size_t len, void *mem, size_t mem_cap, wps_webhook_connect_result *out,
                                                      size_t *needed, wps_diag *diag);
/** The MQTT CONNACK code for a handler's HTTP failure status (docs/service-rules.md 4.4): protocol 4
    (3.1.1): 400→4, 401→5, else 3; protocol 5: 400→0x86, 401→0x87, else 0x80. */
WPS_API uint32_t wps_mqtt_connect_code(uint16_t http_status, uint32_t protocol_version);
/** The HTTP status for an MQTT connect error code: 1,2 → 400; 3 → 503; 4,5,0x86,0x87 → 401;
    0x8A → 403; 0x97,0x9F → 429; malformed/unsupported/topic/payload/size/retain/QoS → 400;
    anything else → 500 (as @azure/web-pubsub-express). */
WPS_API uint16_t wps_mqtt_http_status(uint32_t code);

/** A webhook request as the service sends it (for an emulator, or to test a handler). */
typedef struct wps_webhook_request_options {
    wps_webhook_kind kind;
    wps_slice event_name;       /* user events: the event ("message" for plain frames); system events: ignored */
    wps_slice hub, connection_id;
    wps_slice user_id, subprotocol, connection_state, physical_connection_id, session_id; /* ptr NULL = header left out */
    wps_slice id;               /* ce-id (required) */
    wps_slice time;             /* ce-time, e.g. 2021-01-01T00:00:00Z (required) */
    wps_slice origin;           /* WebHook-Request-Origin: the service host (required) */
    const wps_slice *keys;      /* ce-signature: one sha256=<hex> per key; none = no header */
    size_t key_count;
    wps_data_type data_type;    /* user events: the Content-Type (system events: application/json; charset=utf-8) */
} wps_webhook_request_options;

/** The headers of a webhook POST (ce-specversion, ce-type, ce-source, ce-id, ce-time,
    ce-awpsversion, ce-hub, ce-connectionId, ce-eventName, ce-userId, ce-subprotocol,
    ce-connectionState, ce-physicalConnectionId, ce-sessionId, ce-signature,
    WebHook-Request-Origin, Content-Type). Values point to the options, to static text, or into
    buf (ce-type, ce-source, ce-signature); *header_count and *needed get what is needed. Values
    with CR or LF are refused. */
WPS_API wps_status wps_webhook_request_headers(const wps_webhook_request_options *o, wps_http_header *headers, size_t header_cap,
                                               size_t *header_count, char *buf, size_t cap, size_t *needed, wps_diag *diag);

/** SignalR serverless upstream headers (docs/service-rules.md 4.6). */
typedef struct wps_signalr_upstream {
    wps_slice connection_id, hub, category, event; /* X-ASRS-Connection-Id, -Hub, -Category (connections|messages), -Event */
    wps_slice user_id;       /* X-ASRS-User-Id; ptr NULL when absent */
    wps_slice signature;     /* X-ASRS-Signature */
    wps_slice client_query;  /* X-ASRS-Client-Query; ptr NULL when absent */
    wps_slice first_claim;   /* the first X-ASRS-User-Claims; ptr NULL when absent */
    size_t claim_headers;    /* how many X-ASRS-User-Claims headers */
    wps_slice client_cert_thumbprint, connection_group; /* optional */
} wps_signalr_upstream;

/** Parses the X-ASRS-* headers (connection id, hub, category and event required) and, when keys
    are given, verifies X-ASRS-Signature as for Web PubSub (any part, any key, hex in any case):
    *reject_status 400 or 401 as wps_webhook_accept. */
WPS_API wps_status wps_signalr_upstream_accept(const wps_http_header *headers, size_t count, const wps_slice *keys, size_t key_count,
                                               wps_signalr_upstream *out, uint16_t *reject_status, wps_diag *diag);

/* ============ >>verify  9. verifying access tokens */

/** What a verified access token says (the service side: an emulator, a gateway). */
typedef struct wps_token_claims {
    wps_slice aud;           /* the audience (the first one when it is an array) */
    wps_slice sub;           /* Web PubSub user id; ptr NULL when absent */
    uint64_t iat, nbf, exp;  /* 0 when absent (exp is required) */
    const wps_slice *roles;  /* `role` (string or array) */
    size_t role_count;
    const wps_slice *groups; /* `webpubsub.group` (string or array) */
    size_t group_count;
} wps_token_claims;

/** Memory always enough for wps_token_verify of a token of token_len bytes. */
WPS_API size_t wps_token_memory_bound(size_t token_len);
/** Verifies an HS256 JWT signed with any of the keys (a client access token or a REST token):
    header {"alg":"HS256"}, the signature (constant time), exp required and > now, nbf (if
    any) <= now; now is Unix seconds from the caller's clock. The claims are decoded into mem
    (wps_token_memory_bound(len) bytes always suffice); the caller compares aud with the URL it
    expects. Errors: WPS_ERR_TOKEN (malformed: not three base64url parts, not JSON, another alg,
    claims of the wrong type), WPS_ERR_SIGNATURE (no key signs it), WPS_ERR_TOKEN_EXPIRED
    (expired or not yet valid), WPS_ERR_BUFFER_TOO_SMALL. */
WPS_API wps_status wps_token_verify(const wps_slice *keys, size_t key_count, const char *token, size_t len, uint64_t now, void *mem,
                                    size_t mem_cap, wps_token_claims *out, wps_diag *diag);

#endif /* WPS_NO_SERVICE */

#ifdef __cplusplus
}
#endif
#endif /* WPS_H_INCLUDED */

/* =============================================================================================
   IMPLEMENTATION
   ============================================================================================= */
#ifdef WPS_IMPLEMENTATION
#ifndef WPS__IMPLEMENTATION_DONE
#define WPS__IMPLEMENTATION_DONE

#ifndef WPS_ASSERT
#include <assert.h>
#define WPS_ASSERT(x) assert(x)
#endif
#if !defined(WPS_MEMCPY) || !defined(WPS_MEMSET) || !defined(WPS_MEMCMP) || !defined(WPS_MEMMOVE)
#include <string.h>
#endif
#ifndef WPS_MEMCPY
#define WPS_MEMCPY(d, s, n) memcpy((d), (s), (n))
#endif
#ifndef WPS_MEMMOVE
#define WPS_MEMMOVE(d, s, n) memmove((d), (s), (n))
#endif
#ifndef WPS_MEMSET
#define WPS_MEMSET(d, v, n) memset((d), (v), (n))
#endif
#ifndef WPS_MEMCMP
#define WPS_MEMCMP(a, b, n) memcmp((a), (b), (n))
#endif

#if !defined(WPS_NO_SIMD) && (defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2))
#include <emmintrin.h>
#define WPS__SSE2 1
#if defined(__AVX2__)
#include <immintrin.h>
#define WPS__AVX2 1 /* compile-time only (-mavx2, -march=native): long strings and base64 */
#endif
#endif

/* The size build: no decode fast path, no forced inlining (WPS_SMALL, or -Os unless WPS_FAST) */
#if defined(WPS_SMALL) || (defined(__OPTIMIZE_SIZE__) && !defined(WPS_FAST))
#define WPS__SMALL 1
#endif

#if (defined(__GNUC__) || defined(__clang__)) && !defined(WPS__SMALL)
#define WPS__INLINE static inline __attribute__((always_inline))
#define WPS__LIKELY(x) __builtin_expect(!!(x), 1)
#define WPS__UNLIKELY(x) __builtin_expect(!!(x), 0)
#elif defined(__GNUC__) || defined(__clang__)
#define WPS__INLINE static inline
#define WPS__SMALL_NOINLINE __attribute__((noinline)) /* keeps a callee's locals off its caller's stack, or one copy of its code */
#define WPS__LIKELY(x) __builtin_expect(!!(x), 1)
#define WPS__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define WPS__INLINE static
#define WPS__LIKELY(x) (x)
#define WPS__UNLIKELY(x) (x)
#endif
#ifndef WPS__SMALL_NOINLINE
#define WPS__SMALL_NOINLINE
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ============ >>base  1. status codes, slices, names, small helpers shared by every layer */

/* The status names and texts as arrays of NUL-separated strings, not tables of pointers: an
   array is a section of its own that the linker drops when nothing reads it, while strings that
   pointer tables (and switches compiled to tables) point to share one section with every such
   string of the program, kept whole when any of them is used. */
static const signed char wps__status_values[] = {
#define WPS__STATUS_VALUE(name, value, text) value,
    WPS_STATUS_LIST(WPS__STATUS_VALUE)
#undef WPS__STATUS_VALUE
};
static const char wps__status_names[] =
#define WPS__STATUS_NAME(name, value, text) #name "\0"
    WPS_STATUS_LIST(WPS__STATUS_NAME)
#undef WPS__STATUS_NAME
    "WPS_UNKNOWN_STATUS";
static const char wps__status_texts[] =
#define WPS__STATUS_TEXT(name, value, text) text "\0"
    WPS_STATUS_LIST(WPS__STATUS_TEXT)
#undef WPS__STATUS_TEXT
    "unknown status";

/* The i-th string of a list of NUL-separated strings of size bytes (its terminating NUL
   included); "" past its last one. */
static const char *wps__nth_name(const char *list, size_t size, unsigned i) {
    const char *end = list + size;
    for (; i; i--) {
        while (*list++) {
        }
        if (list >= end) return "";
    }
    return list;
}

/* The place of status in WPS_STATUS_LIST (the lists' last string, for an unknown status, if none). */
static unsigned wps__status_index(wps_status status) {
    unsigned i;
    for (i = 0; i < sizeof wps__status_values && wps__status_values[i] != (int)status; i++) {
    }
    return i;
}

WPS_API const char *wps_status_name(wps_status status) {
    return wps__nth_name(wps__status_names, sizeof wps__status_names, wps__status_index(status));
}

WPS_API const char *wps_strerror(wps_status status) {
    return wps__nth_name(wps__status_texts, sizeof wps__status_texts, wps__status_index(status));
}

WPS_API wps_slice wps_slice_make(const char *ptr, size_t len) {
    wps_slice s;
    s.ptr = ptr;
    s.len = len;
    return s;
}

static size_t wps__cstrlen(const char *s);

WPS_API wps_slice wps_slice_from_cstr(const char *s) { return wps_slice_make(s, s ? wps__cstrlen(s) : 0); }

static const char *const wps__protocol_names[4] = {
    "json.webpubsub.azure.v1", "json.reliable.webpubsub.azure.v1",
    "protobuf.webpubsub.azure.v1", "protobuf.reliable.webpubsub.azure.v1"};

WPS_API const char *wps_protocol_name(wps_protocol protocol) {
    unsigned i = (unsigned)protocol;
    return i < 4 ? wps__protocol_names[i] : "";
}

static int wps__slice_eq_cstr(const char *p, size_t n, const char *s) {
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] == 0 || s[i] != p[i]) return 0;
    return s[n] == 0;
}

WPS_API wps_status wps_protocol_from_name(const char *name, size_t len, wps_protocol *out) {
    unsigned i;
    if (!name || !out) return WPS_ERR_INVALID_ARGUMENT;
    for (i = 0; i < 4; i++)
        if (wps__slice_eq_cstr(name, len, wps__protocol_names[i])) {
            *out = (wps_protocol)i;
            return WPS_OK;
        }
    return WPS_ERR_INVALID_ARGUMENT;
}

WPS_API bool wps_protocol_is_reliable(wps_protocol protocol) {
    return protocol == WPS_PROTOCOL_JSON_RELIABLE || protocol == WPS_PROTOCOL_PROTOBUF_RELIABLE;
}

WPS_API bool wps_protocol_is_binary(wps_protocol protocol) {
    return protocol == WPS_PROTOCOL_PROTOBUF || protocol == WPS_PROTOCOL_PROTOBUF_RELIABLE;
}

WPS_API const char *wps_data_type_name(wps_data_type type) {
    switch (type) {
    case WPS_DATA_JSON: return "json";
    case WPS_DATA_TEXT: return "text";
    case WPS_DATA_BINARY: return "binary";
    case WPS_DATA_PROTOBUF: return "protobuf";
    }
    return "";
}

WPS_API void wps_message_init(wps_message *msg, wps_kind kind) {
    if (!msg) return;
    WPS_MEMSET(msg, 0, sizeof *msg);
    msg->kind = kind;
}

WPS_API wps_codec wps_codec_make(wps_protocol protocol, wps_direction direction) {
    wps_codec c;
    c.protocol = protocol;
    c.direction = direction;
    c.max_depth = WPS_DEFAULT_MAX_DEPTH;
    return c;
}

WPS_API size_t wps_decode_scratch_bound(size_t frame_len) { return frame_len; }

/* Diagnostics: "<key>: <text> at byte <offset>" without stdio. */
static void wps__diag_append(wps_diag *d, size_t *pos, const char *s, size_t n) {
    size_t i;
    for (i = 0; i < n && *pos + 1 < sizeof d->reason; i++) d->reason[(*pos)++] = s[i];
    d->reason[*pos] = 0;
}

/* Names the field of a recorded failure: the reason becomes "key: reason" (cut like
   wps__diag_append cuts) and the offset 0, the offset being about the field's own text. */
static void wps__diag_key_prefix(wps_diag *d, const char *key) {
    size_t k, n, i, sep;
    if (!d) return;
    n = wps__cstrlen(d->reason);
#ifdef WPS_NO_REASONS
    sep = n ? 1 : 0; /* "key at byte N" or "key": no sentence to put after ": " */
#else
    sep = 2; /* "key: sentence ..." */
#endif
    k = wps__cstrlen(key) + sep;
    if (k > sizeof d->reason - 1) k = sizeof d->reason - 1;
    if (n > sizeof d->reason - 1 - k) n = sizeof d->reason - 1 - k;
    WPS_MEMMOVE(d->reason + k, d->reason, n);
    d->reason[k + n] = 0;
    for (i = 0; i < k; i++) d->reason[i] = i + sep < k ? key[i] : sep == 2 && i + 2 == k ? ':' : ' ';
    d->offset = 0;
}

/* 32-bit targets have no instruction for 64-bit division (it would pull a libgcc helper into
   every path): these two divide with 32-bit operations only. */

/* The decimal digits of v into out (20 at most), most significant first; returns their count. */
static size_t wps__u64_dec(uint64_t v, char *out) {
    char *t = out; /* least significant first, then reversed in place (no buffer on the stack) */
    size_t n = 0, i;
    uint32_t w;
    while (v >> 32) { /* divide by 10 in three steps: 32 bits, then two 16-bit halves */
        uint32_t hi = (uint32_t)(v >> 32), lo = (uint32_t)v, qhi = hi / 10u, r = hi % 10u, mid, qmid, low, qlow;
        mid = (r << 16) | (lo >> 16);
        qmid = mid / 10u;
        r = mid % 10u;
        low = (r << 16) | (lo & 0xFFFFu);
        qlow = low / 10u;
        r = low % 10u;
        v = ((uint64_t)qhi << 32) | ((uint64_t)qmid << 16) | qlow;
        t[n++] = (char)('0' + (int)r);
    }
    w = (uint32_t)v;
    do {
        t[n++] = (char)('0' + (int)(w % 10u));
        w /= 10u;
    } while (w);
    for (i = 0; i < n / 2; i++) {
        char x = t[i];
        t[i] = t[n - 1 - i];
        t[n - 1 - i] = x;
    }
    return n;
}

/* a / b for a 32-bit b: one 32-bit division when a fits in 32 bits, else binary long division
   (the client's timers). */
#ifndef WPS_NO_CLIENT
static uint64_t wps__div_u64(uint64_t a, uint32_t b) {
    uint64_t q = 0, r = 0;
    int i;
    if (!(a >> 32)) return (uint32_t)a / b;
    for (i = 63; i >= 0; i--) {
        r = (r << 1) | ((a >> i) & 1u);
        if (r >= b) {
            r -= b;
            q |= (uint64_t)1 << i;
        }
    }
    return q;
}
#endif

static void wps__diag_append_u64(wps_diag *d, size_t *pos, uint64_t v) {
    char tmp[20];
    wps__diag_append(d, pos, tmp, wps__u64_dec(v, tmp));
}

/* strlen without libc: GCC would turn the plain loop back into a call to strlen */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
static size_t wps__cstrlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/* The one error-propagation macro: return the status of x unless it is WPS_OK. */
#define WPS__TRY(x)                                                                                                                     \
    do {                                                                                                                                \
        wps_status wps__st_ = (x);                                                                                                      \
        if (wps__st_ != WPS_OK) return wps__st_;                                                                                        \
    } while (0)

/* a + b, or SIZE_MAX when it would wrap: lengths saturate (no buffer reaches SIZE_MAX, so a
   saturated length is always refused as too large) instead of wrapping to a small one. */
static size_t wps__sat_add(size_t a, size_t b) { return b > SIZE_MAX - a ? SIZE_MAX : a + b; }

/* The one case-insensitive compare (ASCII letters only, as HTTP header names, dataType values
   and connection-string keys are compared): a[0..n) == b[0..n). */
static int wps__ieq_n(const char *a, const char *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x - 'A' < 26u) x |= 0x20u;
        if (y - 'A' < 26u) y |= 0x20u;
        if (x != y) return 0;
    }
    return 1;
}

/* a[0..an) equals the NUL-terminated b, case-insensitively. */
static int wps__ieq_name(const char *a, size_t an, const char *b) { return wps__cstrlen(b) == an && wps__ieq_n(a, b, an); }

/* The sentence of a failure or a trace record: every one is written WPS__WHY("..."), through
   the macros below, so that WPS_NO_REASONS leaves the sentences out of the build. Under it the
   failure functions (wps__fail_at and the *_at functions that call it) drop any text they are
   given; the trace keeps a text that is not a sentence (the state names of a transition, a
   decoder's reason handed on by a frame error). WPS__WHY_NOT_NULL is for a function whose NULL
   means "no problem": under WPS_NO_REASONS its sentences become "". */
#ifdef WPS_NO_REASONS
#define WPS__WHY(text) ((void)(text), (const char *)0)
#define WPS__WHY_NOT_NULL(text) ((void)(text), "")
#else
#define WPS__WHY(text) (text)
#define WPS__WHY_NOT_NULL(text) (text)
#endif

/* Records a failure. key (may be NULL) names the field; text (NULL under WPS_NO_REASONS)
   describes; offset is a byte offset in the input, or (size_t)-1 for "no offset". Returns status
   for tail calls. */
static wps_status wps__fail_at(wps_diag *d, wps_status status, const char *key, const char *text, size_t offset) {
    size_t pos = 0;
    if (!d) return status;
    d->status = status;
    d->offset = offset == (size_t)-1 ? 0 : offset;
    d->reason[0] = 0;
    if (key) wps__diag_append(d, &pos, key, wps__cstrlen(key));
#ifdef WPS_NO_REASONS
    if (offset != (size_t)-1) {
        wps__diag_append(d, &pos, pos ? " at byte " : "at byte ", pos ? 9u : 8u);
        wps__diag_append_u64(d, &pos, (uint64_t)offset);
    }
    (void)text;
#else
    if (key) wps__diag_append(d, &pos, ": ", 2);
    wps__diag_append(d, &pos, text, wps__cstrlen(text));
    if (offset != (size_t)-1) {
        wps__diag_append(d, &pos, " at byte ", 9);
        wps__diag_append_u64(d, &pos, (uint64_t)offset);
    }
#endif
    return status;
}
#define wps__fail(d, st, key, text, offset) wps__fail_at((d), (st), (key), WPS__WHY(text), (offset))

/* ============ >>codec  2. the codec */

/* ----------------------------------------------------------------------------- JSON scanning */

enum { WPS__J_NONE = 0, WPS__J_STRING, WPS__J_NUMBER, WPS__J_OBJECT, WPS__J_ARRAY, WPS__J_TRUE, WPS__J_FALSE, WPS__J_NULL };

typedef struct wps__scan {
    const unsigned char *beg;
    const unsigned char *end;
    wps_diag *diag;       /* the caller's details (may be NULL) */
    wps_status *status;   /* where a failure's status goes whether or not diag is given (may be NULL) */
    uint32_t max_depth;
} wps__scan;

/* A scanning failure: the status (always kept) and, when the caller wants them, the details. */
static wps_status wps__scan_fail_key_at(const wps__scan *s, wps_status st, const char *key, const char *text, size_t offset) {
    if (s->status) *s->status = st;
    return wps__fail_at(s->diag, st, key, text, offset);
}
#define wps__scan_fail_key(s, st, key, text, offset) wps__scan_fail_key_at((s), (st), (key), WPS__WHY(text), (offset))

static wps_status wps__scan_fail_at(const wps__scan *s, wps_status st, const unsigned char *at, const char *text) {
    return wps__scan_fail_key_at(s, st, NULL, text, (size_t)(at - s->beg));
}
#define wps__scan_fail(s, st, at, text) wps__scan_fail_at((s), (st), (at), WPS__WHY(text))

WPS__INLINE const unsigned char *wps__ws(const unsigned char *p, const unsigned char *end) {
    if (WPS__LIKELY(p < end && *p > ' ')) return p;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    return p;
}

static int wps__hexval(unsigned c) {
    if (c >= '0' && c <= '9') return (int)(c - '0');
    c |= 0x20u;
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    return -1;
}

static int wps__hex4(const unsigned char *p, unsigned *out) {
    int a = wps__hexval(p[0]), b = wps__hexval(p[1]), c = wps__hexval(p[2]), d = wps__hexval(p[3]);
    if ((a | b | c | d) < 0) return 0;
    *out = (unsigned)((a << 12) | (b << 8) | (c << 4) | d);
    return true;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0 if invalid. */
static size_t wps__utf8_seq(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    size_t avail = (size_t)(end - p);
    if (c >= 0xC2 && c <= 0xDF) {
        if (avail >= 2 && (p[1] & 0xC0) == 0x80) return 2;
        return 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F; /* no UTF-16 surrogates */
        if (avail >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80) return 3;
        return 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F; /* <= U+10FFFF */
        if (avail >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80) return 4;
        return 0;
    }
    return 0;
}

/* Offset of the first invalid UTF-8 byte in [p, p+n), or n if valid. */
static size_t wps__utf8_check(const unsigned char *p, size_t n) {
    const unsigned char *q = p, *end = p + n;
    while (q < end) {
        if (*q < 0x80) {
            q++;
        } else {
            size_t k = wps__utf8_seq(q, end);
            if (!k) return (size_t)(q - p);
            q += k;
        }
    }
    return n;
}

#ifndef WPS__SMALL /* (8-byte word scanning: not in the size build) */
static uint64_t wps__load64(const unsigned char *p) {
    uint64_t v;
    WPS_MEMCPY(&v, p, 8);
    return v;
}
#endif

/* a[0..n) == b[0..n). With a constant n (every use here) compilers unroll it into a few loads and
   compares, where a memcmp call would cost more than the comparison itself. */
#ifdef WPS__SMALL /* (the size build: one byte loop for every call) */
static int wps__eq(const void *a, const char *b, size_t n) {
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;
    while (n--)
        if (*x++ != *y++) return 0;
    return 1;
}
#else
WPS__INLINE int wps__eq(const void *a, const char *b, size_t n) {
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;
    uint64_t u, v;
    uint32_t s, t;
    uint16_t h, k;
    while (n >= 8) {
        WPS_MEMCPY(&u, x, 8);
        WPS_MEMCPY(&v, y, 8);
        if (u != v) return 0;
        x += 8;
        y += 8;
        n -= 8;
    }
    if (n >= 4) { /* 4..7 bytes: two overlapping 4-byte words */
        WPS_MEMCPY(&s, x, 4);
        WPS_MEMCPY(&t, y, 4);
        if (s != t) return 0;
        WPS_MEMCPY(&s, x + n - 4, 4);
        WPS_MEMCPY(&t, y + n - 4, 4);
        return s == t;
    }
    if (n >= 2) {
        WPS_MEMCPY(&h, x, 2);
        WPS_MEMCPY(&k, y, 2);
        if (h != k) return 0;
        WPS_MEMCPY(&h, x + n - 2, 2);
        WPS_MEMCPY(&k, y + n - 2, 2);
        return h == k;
    }
    return n == 0 || x[0] == y[0];
}
#endif

#define WPS__ONES UINT64_C(0x0101010101010101)
#define WPS__HIGHS UINT64_C(0x8080808080808080)

#ifndef WPS__SMALL
/* Nonzero if any of the 8 bytes is '"', '\\', < 0x20 or >= 0x80. */
static uint64_t wps__str_special8(uint64_t v) {
    uint64_t q = v ^ (WPS__ONES * 0x22u);
    uint64_t b = v ^ (WPS__ONES * 0x5Cu);
    uint64_t lt = v - WPS__ONES * 0x20u;
    q = (q - WPS__ONES) & ~q;
    b = (b - WPS__ONES) & ~b;
    return (q | b | lt | v) & WPS__HIGHS;
}
#endif

/* Index (0..7) of the first flagged byte of a nonzero mask, in memory order. Only on
   little-endian GCC/clang, where the lowest flagged byte is always a true hit (borrows only flag
   later bytes); elsewhere the 8-byte window is rescanned byte by byte. */
#if !defined(WPS_NO_SIMD) && !defined(WPS__SMALL) && defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && (defined(__GNUC__) || defined(__clang__))
#define WPS__FIRST_BYTE(mask) ((size_t)__builtin_ctzll(mask) >> 3)
#define WPS__HAVE_FIRST_BYTE 1
#endif

#ifdef WPS__SSE2
/* splatted constants as plain data: one load each instead of a shuffle sequence per call */
static const unsigned char wps__sse_quote[16] = {34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34, 34};
static const unsigned char wps__sse_bslash[16] = {92, 92, 92, 92, 92, 92, 92, 92, 92, 92, 92, 92, 92, 92, 92, 92};
static const unsigned char wps__sse_space[16] = {32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32};
#endif

static int wps__str_plain(unsigned c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

/* p points inside a string body (after the opening quote). On success returns the pointer after
   the closing quote and sets *escaped when the string contains a backslash. NULL on error. */
static const unsigned char *wps__scan_string_body(const wps__scan *s, const unsigned char *p, int *escaped) {
    const unsigned char *end = s->end;
    for (;;) {
        /* jump to the next '"', '\\', control or non-ASCII byte */
        for (;;) {
#ifdef WPS__AVX2
            if ((size_t)(end - p) >= 32) {
                const __m256i w = _mm256_loadu_si256((const __m256i *)(const void *)p);
                const __m256i h = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(w, _mm256_set1_epi8('"')), _mm256_cmpeq_epi8(w, _mm256_set1_epi8('\\'))),
                                                  _mm256_cmpgt_epi8(_mm256_set1_epi8(' '), w));
                const unsigned m32 = (unsigned)_mm256_movemask_epi8(h);
                if (m32) {
                    p += __builtin_ctz(m32);
                    break;
                }
                p += 32;
                continue;
            }
#endif
#if defined(WPS__SSE2) && defined(WPS__HAVE_FIRST_BYTE)
            if ((size_t)(end - p) >= 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
                __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                                           _mm_cmplt_epi8(v, _mm_set1_epi8(' ')));
                unsigned mask = (unsigned)_mm_movemask_epi8(hit);
                if (mask) {
                    p += __builtin_ctz(mask);
                    break;
                }
                p += 16;
                continue;
            }
#endif
#ifndef WPS__SMALL /* (the size build scans byte by byte: no 64-bit word code on small cores) */
            if ((size_t)(end - p) >= 8) {
                uint64_t mask = wps__str_special8(wps__load64(p));
                if (mask) {
#ifdef WPS__HAVE_FIRST_BYTE
                    p += WPS__FIRST_BYTE(mask);
#else
                    while (wps__str_plain(*p)) p++;
#endif
                    break;
                }
                p += 8;
            } else
#endif
            {
                while (p < end && wps__str_plain(*p)) p++;
                break;
            }
        }
        if (WPS__UNLIKELY(p >= end)) {
            wps__scan_fail(s, WPS_ERR_SYNTAX, p, "unterminated string");
            return NULL;
        }
        {
            unsigned c = *p;
            if (c == '"') return p + 1;
            if (c == '\\') {
                unsigned cp, lo;
                *escaped = 1;
                if (end - p < 2) {
                    wps__scan_fail(s, WPS_ERR_SYNTAX, p, "unterminated string");
                    return NULL;
                }
                c = p[1];
                if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
                    p += 2;
                    continue;
                }
                if (c != 'u') {
                    wps__scan_fail(s, WPS_ERR_ESCAPE, p, "invalid escape character");
                    return NULL;
                }
                if (end - p < 6 || !wps__hex4(p + 2, &cp)) {
                    wps__scan_fail(s, WPS_ERR_ESCAPE, p, "\\u must be followed by 4 hex digits");
                    return NULL;
                }
                if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    wps__scan_fail(s, WPS_ERR_ESCAPE, p, "lone low surrogate in \\u escape");
                    return NULL;
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !wps__hex4(p + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                        wps__scan_fail(s, WPS_ERR_ESCAPE, p, "lone high surrogate in \\u escape");
                        return NULL;
                    }
                    p += 12;
                } else {
                    p += 6;
                }
                continue;
            }
            if (c < 0x20) {
                wps__scan_fail(s, WPS_ERR_CONTROL_CHAR, p, "raw control character in string");
                return NULL;
            }
            /* the scan loops stop only at '"', '\\', controls and non-ASCII bytes */
            WPS_ASSERT(c >= 0x80);
            {
                size_t k = wps__utf8_seq(p, end);
                if (!k) {
                    wps__scan_fail(s, WPS_ERR_UTF8, p, "invalid UTF-8 sequence");
                    return NULL;
                }
                p += k;
            }
        }
    }
}

/* GCC's -Warray-bounds flags the tail load below on short literal frames, where the length test
   before it rules it out. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#endif
/* p points at the opening quote. Inline fast path for short plain strings (most keys and ids). */
WPS__INLINE const unsigned char *wps__scan_string(const wps__scan *s, const unsigned char *p, int *escaped) {
    const unsigned char *q = p + 1;
#if defined(WPS__SSE2) && defined(WPS__HAVE_FIRST_BYTE)
    const __m128i quote = _mm_loadu_si128((const __m128i *)(const void *)wps__sse_quote);
    const __m128i bslash = _mm_loadu_si128((const __m128i *)(const void *)wps__sse_bslash);
    const __m128i space = _mm_loadu_si128((const __m128i *)(const void *)wps__sse_space);
    for (;;) {
        __m128i v, hit;
        unsigned mask;
        if (WPS__LIKELY((size_t)(s->end - q) >= 16)) {
            v = _mm_loadu_si128((const __m128i *)(const void *)q);
        } else if ((size_t)(s->end - s->beg) >= 16) {
            /* the tail: the last 16 bytes of the frame, bytes before q shifted out below */
            v = _mm_loadu_si128((const __m128i *)(const void *)(s->end - 16));
            hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)), _mm_cmplt_epi8(v, space));
            mask = (unsigned)_mm_movemask_epi8(hit) >> (16 - (size_t)(s->end - q));
            if (!mask) return wps__scan_string_body(s, s->end, escaped); /* unterminated */
            q += __builtin_ctz(mask);
            if (WPS__LIKELY(*q == '"')) return q + 1;
            return wps__scan_string_body(s, q, escaped);
        } else {
            break;
        }
        /* signed compare: bytes < 0x20 and bytes >= 0x80 (negative) both flag */
        hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)), _mm_cmplt_epi8(v, space));
        mask = (unsigned)_mm_movemask_epi8(hit);
        if (mask) {
            q += __builtin_ctz(mask);
            if (WPS__LIKELY(*q == '"')) return q + 1;
            return wps__scan_string_body(s, q, escaped);
        }
        q += 16;
#ifdef WPS__AVX2
        while ((size_t)(s->end - q) >= 32) { /* a long string: 32 bytes per step */
            const __m256i w = _mm256_loadu_si256((const __m256i *)(const void *)q);
            const __m256i h = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(w, _mm256_set1_epi8('"')), _mm256_cmpeq_epi8(w, _mm256_set1_epi8('\\'))),
                                              _mm256_cmpgt_epi8(_mm256_set1_epi8(' '), w));
            const unsigned m32 = (unsigned)_mm256_movemask_epi8(h);
            if (m32) {
                q += __builtin_ctz(m32);
                if (WPS__LIKELY(*q == '"')) return q + 1;
                return wps__scan_string_body(s, q, escaped);
            }
            q += 32;
        }
#endif
    }
#endif
#ifdef WPS__HAVE_FIRST_BYTE
    while (WPS__LIKELY((size_t)(s->end - q) >= 8)) {
        uint64_t mask = wps__str_special8(wps__load64(q));
        if (mask) {
            q += WPS__FIRST_BYTE(mask);
            if (WPS__LIKELY(*q == '"')) return q + 1;
            break;
        }
        q += 8;
    }
#endif
    return wps__scan_string_body(s, q, escaped);
}
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#pragma GCC diagnostic pop
#endif

static const unsigned char *wps__scan_number(const wps__scan *s, const unsigned char *p) {
    const unsigned char *end = s->end, *start = p;
    if (p < end && *p == '-') p++;
    if (p >= end || *p < '0' || *p > '9') {
        wps__scan_fail(s, WPS_ERR_SYNTAX, start, "invalid number");
        return NULL;
    }
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9') {
            wps__scan_fail(s, WPS_ERR_SYNTAX, start, "number with a leading zero");
            return NULL;
        }
    } else {
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9') {
            wps__scan_fail(s, WPS_ERR_SYNTAX, p, "digit expected after the decimal point");
            return NULL;
        }
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || *p < '0' || *p > '9') {
            wps__scan_fail(s, WPS_ERR_SYNTAX, p, "digit expected in the exponent");
            return NULL;
        }
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    return p;
}

WPS__INLINE const unsigned char *wps__scan_literal(const wps__scan *s, const unsigned char *p, const char *lit, size_t n) {
    if ((size_t)(s->end - p) < n || !wps__eq(p, lit, n)) {
        wps__scan_fail(s, WPS_ERR_SYNTAX, p, "invalid literal");
        return NULL;
    }
    return p + n;
}

/* Plain positive integers inline; everything else through the full RFC 8259 grammar. */
WPS__INLINE const unsigned char *wps__scan_number_fast(const wps__scan *s, const unsigned char *p) {
    const unsigned char *q = p, *end = s->end;
    if (*q >= '1' && *q <= '9') {
        q++;
        while (q < end && *q >= '0' && *q <= '9') q++;
        if (q >= end || (*q != '.' && *q != 'e' && *q != 'E')) return q;
    }
    return wps__scan_number(s, p);
}

/* Validates one JSON value starting at p (no leading whitespace) whose nesting level is depth
   (a value directly inside the top-level object has depth 1; a container there is at depth 2).
   Returns the pointer after it, *jtype = its type, *escaped for strings. Iterative: the only
   stack is a bit set of container types. */
static const unsigned char *wps__skip_value(const wps__scan *s, const unsigned char *p, uint32_t depth, int *jtype, int *escaped) {
    uint32_t stack[(WPS_MAX_DEPTH_LIMIT + 32) / 32]; /* a bit per level: 1 object, 0 array (small stack frames) */
    uint32_t level = 0;
    const unsigned char *end = s->end;
    int esc_dummy = 0;
    *escaped = 0;
    if (p >= end) {
        wps__scan_fail(s, WPS_ERR_SYNTAX, p, "unexpected end of input, value expected");
        return NULL;
    }
    switch (*p) { /* the value's own type */
    case '"': *jtype = WPS__J_STRING; return wps__scan_string(s, p, escaped);
    case 't': *jtype = WPS__J_TRUE; return wps__scan_literal(s, p, "true", 4);
    case 'f': *jtype = WPS__J_FALSE; return wps__scan_literal(s, p, "false", 5);
    case 'n': *jtype = WPS__J_NULL; return wps__scan_literal(s, p, "null", 4);
    case '{': *jtype = WPS__J_OBJECT; break;
    case '[': *jtype = WPS__J_ARRAY; break;
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9')) {
            *jtype = WPS__J_NUMBER;
            return wps__scan_number_fast(s, p);
        }
        wps__scan_fail(s, WPS_ERR_SYNTAX, p, "value expected");
        return NULL;
    }
open: /* p at '{' or '[' */
    if (depth + level + 1 > s->max_depth) {
        wps__scan_fail(s, WPS_ERR_DEPTH, p, "nesting too deep");
        return NULL;
    }
    if (*p == '{') stack[level >> 5] |= (uint32_t)1 << (level & 31);
    else stack[level >> 5] &= ~((uint32_t)1 << (level & 31));
    level++;
    p = wps__ws(p + 1, end);
    if (p < end && *p == (((stack[(level - 1) >> 5] >> ((level - 1) & 31)) & 1u) ? '}' : ']')) {
        level--;
        p++;
        goto after_value;
    }
element:
    if ((stack[(level - 1) >> 5] >> ((level - 1) & 31)) & 1u) {
        if (p >= end || *p != '"') {
            wps__scan_fail(s, WPS_ERR_SYNTAX, p, "object key expected");
            return NULL;
        }
        p = wps__scan_string(s, p, &esc_dummy);
        if (!p) return NULL;
        p = wps__ws(p, end);
        if (p >= end || *p != ':') {
            wps__scan_fail(s, WPS_ERR_SYNTAX, p, "':' expected");
            return NULL;
        }
        p = wps__ws(p + 1, end);
    }
    if (p >= end) {
        wps__scan_fail(s, WPS_ERR_SYNTAX, p, "unexpected end of input, value expected");
        return NULL;
    }
    switch (*p) {
    case '"': p = wps__scan_string(s, p, &esc_dummy); break;
    case '{':
    case '[': goto open;
    case 't': p = wps__scan_literal(s, p, "true", 4); break;
    case 'f': p = wps__scan_literal(s, p, "false", 5); break;
    case 'n': p = wps__scan_literal(s, p, "null", 4); break;
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9')) {
            p = wps__scan_number_fast(s, p);
            break;
        }
        wps__scan_fail(s, WPS_ERR_SYNTAX, p, "value expected");
        return NULL;
    }
    if (!p) return NULL;
after_value:
    while (level) {
        int in_obj = (int)((stack[(level - 1) >> 5] >> ((level - 1) & 31)) & 1u);
        p = wps__ws(p, end);
        if (p < end && *p == ',') {
            p = wps__ws(p + 1, end);
            goto element;
        }
        if (p < end && *p == (in_obj ? '}' : ']')) {
            level--;
            p++;
            continue;
        }
        wps__scan_fail(s, WPS_ERR_SYNTAX, p,
                       p >= end ? (in_obj ? "unterminated object" : "unterminated array") : (in_obj ? "',' or '}' expected" : "',' or ']' expected"));
        return NULL;
    }
    return p;
}

/* ------------------------------------------------------------------------------ key table */

enum {
    WPS__K_TYPE, WPS__K_KIND, WPS__K_EVENT, WPS__K_FROM, WPS__K_GROUP, WPS__K_DATA_TYPE, WPS__K_DATA,
    WPS__K_ACK_ID, WPS__K_SUCCESS, WPS__K_ERROR, WPS__K_SEQUENCE_ID, WPS__K_FROM_USER_ID, WPS__K_USER_ID,
    WPS__K_CONNECTION_ID, WPS__K_RECONNECTION_TOKEN, WPS__K_MESSAGE, WPS__K_NO_ECHO, WPS__K_STREAM,
    WPS__K_INVOCATION_ID, WPS__K_TARGET, WPS__K_STREAM_ID, WPS__K_STREAM_SEQUENCE_ID,
    WPS__K_EXPECTED_SEQUENCE_ID, WPS__K_NAME, WPS__K_STATE, WPS__K_ITEMS, WPS__K_END_OF_STREAM,
    WPS__K_USER_ERROR_CODE, WPS__K_IDLE_TIMEOUT_MS, WPS__K_IDLE_TIMEOUT_IN_MS, WPS__K_BINARY,
    WPS__K_COUNT, /* keys the lookup knows; below, members of nested objects in the same table */
    WPS__K_ERR_NAME = WPS__K_COUNT, WPS__K_ERR_MESSAGE, WPS__K_ERR_CODE,
    WPS__K_STR_ID, WPS__K_STR_SEQ, WPS__K_STR_END, WPS__K_STR_IDLE, WPS__K_STR_IDLE_IN, WPS__K_STR_ERROR,
    WPS__K_SERR_NAME, WPS__K_SERR_MESSAGE, WPS__K_SERR_CODE, WPS__K_DATA_BINARY,
    WPS__K_SLOTS
};

/* Object contexts: which members of a nested object are recorded, and under which slot. */
enum { WPS__CTX_TOP, WPS__CTX_ERROR, WPS__CTX_STREAM, WPS__CTX_STREAM_ERROR, WPS__CTX_DATA };

static const char *const wps__key_names[WPS__K_SLOTS] = {
    "type", "kind", "event", "from", "group", "dataType", "data",
    "ackId", "success", "error", "sequenceId", "fromUserId", "userId",
    "connectionId", "reconnectionToken", "message", "noEcho", "stream",
    "invocationId", "target", "streamId", "streamSequenceId",
    "expectedSequenceId", "name", "state", "items", "endOfStream",
    "userErrorCode", "idleTimeoutMs", "idleTimeoutInMs", "$binary",
    "error.name", "error.message", "error.userErrorCode",
    "stream.streamId", "stream.streamSequenceId", "stream.endOfStream", "stream.idleTimeoutMs",
    "stream.idleTimeoutInMs", "stream.error", "stream.error.name", "stream.error.message",
    "stream.error.userErrorCode", "data.$binary"};

/* n is fixed in each case below, so this is a constant-length compare the compiler inlines */
#define WPS__KEYIS(id, lit) (wps__eq(k, lit, sizeof(lit) - 1) ? (int)(id) : -1)

/* Key id of the unescaped key text k[0..n), or -1. The size build scans the name table (60
   bytes of code); the others switch on the length and first byte (900 bytes, faster). */
#ifdef WPS__SMALL
static int wps__key_lookup(const char *k, size_t n) {
    int i;
    for (i = 0; i < WPS__K_COUNT; i++) {
        const char *name = wps__key_names[i];
        size_t j = 0;
        while (j < n && name[j] && name[j] == k[j]) j++;
        if (j == n && !name[j]) return i;
    }
    return -1;
}
#else
WPS__INLINE int wps__key_lookup(const char *k, size_t n) {
    switch (n) {
    case 4:
        if (k[0] == 't') return WPS__KEYIS(WPS__K_TYPE, "type");
        if (k[0] == 'k') return WPS__KEYIS(WPS__K_KIND, "kind");
        if (k[0] == 'f') return WPS__KEYIS(WPS__K_FROM, "from");
        if (k[0] == 'd') return WPS__KEYIS(WPS__K_DATA, "data");
        if (k[0] == 'n') return WPS__KEYIS(WPS__K_NAME, "name");
        return -1;
    case 5:
        if (k[0] == 'e') {
            if (k[1] == 'v') return WPS__KEYIS(WPS__K_EVENT, "event");
            return WPS__KEYIS(WPS__K_ERROR, "error");
        }
        if (k[0] == 'g') return WPS__KEYIS(WPS__K_GROUP, "group");
        if (k[0] == 'a') return WPS__KEYIS(WPS__K_ACK_ID, "ackId");
        if (k[0] == 's') return WPS__KEYIS(WPS__K_STATE, "state");
        if (k[0] == 'i') return WPS__KEYIS(WPS__K_ITEMS, "items");
        return -1;
    case 6:
        if (k[0] == 's') return WPS__KEYIS(WPS__K_STREAM, "stream");
        if (k[0] == 'u') return WPS__KEYIS(WPS__K_USER_ID, "userId");
        if (k[0] == 'n') return WPS__KEYIS(WPS__K_NO_ECHO, "noEcho");
        if (k[0] == 't') return WPS__KEYIS(WPS__K_TARGET, "target");
        return -1;
    case 7:
        if (k[0] == 's') return WPS__KEYIS(WPS__K_SUCCESS, "success");
        if (k[0] == 'm') return WPS__KEYIS(WPS__K_MESSAGE, "message");
        if (k[0] == '$') return WPS__KEYIS(WPS__K_BINARY, "$binary");
        return -1;
    case 8:
        if (k[0] == 'd') return WPS__KEYIS(WPS__K_DATA_TYPE, "dataType");
        if (k[0] == 's') return WPS__KEYIS(WPS__K_STREAM_ID, "streamId");
        return -1;
    case 10:
        if (k[0] == 's') return WPS__KEYIS(WPS__K_SEQUENCE_ID, "sequenceId");
        if (k[0] == 'f') return WPS__KEYIS(WPS__K_FROM_USER_ID, "fromUserId");
        return -1;
    case 11: return WPS__KEYIS(WPS__K_END_OF_STREAM, "endOfStream");
    case 12:
        if (k[0] == 'c') return WPS__KEYIS(WPS__K_CONNECTION_ID, "connectionId");
        if (k[0] == 'i') return WPS__KEYIS(WPS__K_INVOCATION_ID, "invocationId");
        return -1;
    case 13:
        if (k[0] == 'u') return WPS__KEYIS(WPS__K_USER_ERROR_CODE, "userErrorCode");
        if (k[0] == 'i') return WPS__KEYIS(WPS__K_IDLE_TIMEOUT_MS, "idleTimeoutMs");
        return -1;
    case 15: return WPS__KEYIS(WPS__K_IDLE_TIMEOUT_IN_MS, "idleTimeoutInMs");
    case 16: return WPS__KEYIS(WPS__K_STREAM_SEQUENCE_ID, "streamSequenceId");
    case 17: return WPS__KEYIS(WPS__K_RECONNECTION_TOKEN, "reconnectionToken");
    case 18: return WPS__KEYIS(WPS__K_EXPECTED_SEQUENCE_ID, "expectedSequenceId");
    default: return -1;
    }
}
#endif

/* Unescapes the body of a validated JSON string (without quotes) into dst (at most cap bytes
   written); returns the unescaped length. */
static size_t wps__unescape(const unsigned char *src, size_t n, char *dst, size_t cap) {
    size_t i = 0, o = 0;
    while (i < n) {
        unsigned c;
        size_t j = i;
        /* copy the run up to the next backslash in one piece */
#if defined(WPS__SSE2) && defined(WPS__HAVE_FIRST_BYTE)
        while (j + 16 <= n) {
            const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + j));
            const unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
            if (m) {
                j += (size_t)__builtin_ctz(m);
                goto found;
            }
            j += 16;
        }
#endif
#ifndef WPS__SMALL
        while (j + 8 <= n) {
            uint64_t b = wps__load64(src + j) ^ (WPS__ONES * 0x5Cu);
            b = (b - WPS__ONES) & ~b & WPS__HIGHS;
            if (b) {
#ifdef WPS__HAVE_FIRST_BYTE
                j += WPS__FIRST_BYTE(b);
#else
                while (src[j] != '\\') j++;
#endif
                goto found;
            }
            j += 8;
        }
#endif
        while (j < n && src[j] != '\\') j++;
#if !defined(WPS__SMALL) || (defined(WPS__SSE2) && defined(WPS__HAVE_FIRST_BYTE))
    found:
#endif
        if (j > i) {
            /* memmove: wps_decode_in_place unescapes over the source (dst + o <= src + i) */
            if (dst && o < cap) WPS_MEMMOVE(dst + o, src + i, (j - i) <= cap - o ? j - i : cap - o);
            o += j - i;
            i = j;
            if (i >= n) break;
        }
        c = (i + 1 < n) ? src[i + 1] : 0;
        i += 2;
        switch (c) {
        case 'b': c = 8; break;
        case 'f': c = 12; break;
        case 'n': c = 10; break;
        case 'r': c = 13; break;
        case 't': c = 9; break;
        case 'u': {
            unsigned cp = 0, lo = 0;
            unsigned char buf[4];
            size_t k, len;
            if (i + 4 > n || !wps__hex4(src + i, &cp)) return o; /* unreachable on validated input */
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= n && src[i] == '\\' && src[i + 1] == 'u' && wps__hex4(src + i + 2, &lo) &&
                lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000u + ((cp - 0xD800u) << 10) + (lo - 0xDC00u);
                i += 6;
            }
            if (cp < 0x80) {
                buf[0] = (unsigned char)cp;
                len = 1;
            } else if (cp < 0x800) {
                buf[0] = (unsigned char)(0xC0 | (cp >> 6));
                buf[1] = (unsigned char)(0x80 | (cp & 0x3F));
                len = 2;
            } else if (cp < 0x10000) {
                buf[0] = (unsigned char)(0xE0 | (cp >> 12));
                buf[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
                buf[2] = (unsigned char)(0x80 | (cp & 0x3F));
                len = 3;
            } else {
                buf[0] = (unsigned char)(0xF0 | (cp >> 18));
                buf[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
                buf[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
                buf[3] = (unsigned char)(0x80 | (cp & 0x3F));
                len = 4;
            }
            for (k = 0; k < len; k++, o++)
                if (o < cap) dst[o] = (char)buf[k];
            continue;
        }
        default: break; /* '"', '\\', '/' stand for themselves */
        }
        if (o < cap) dst[o] = (char)c;
        o++;
    }
    return o;
}

/* One recorded member of an object: where its value is, its JSON type, escapes in a string. */
typedef struct wps__slot {
    const unsigned char *p;
    size_t bits; /* length << 4 | escaped << 3 | WPS__J_*: 8 bytes a slot on 32-bit targets (the
                    slot table lives on the stack); frames are shorter than SIZE_MAX / 16 */
} wps__slot;
#define WPS__SLOT_N(sl) ((sl)->bits >> 4)
#define WPS__SLOT_JT(sl) ((int)((sl)->bits & 7u))
#define WPS__SLOT_ESC(sl) ((int)(((sl)->bits >> 3) & 1u))
#define WPS__SLOT_BITS(n, esc, jt) ((size_t)(n) << 4 | (size_t)((esc) != 0) << 3 | (size_t)(jt))

typedef struct wps__obj {
    uint64_t seen; /* bit per slot */
    wps__slot slot[WPS__K_SLOTS];
} wps__obj;

/* The key id of an escaped key ("\u0074ype" is type), or -1. Its own frame, so the recursive
   wps__scan_object does not carry the buffer. */
WPS__SMALL_NOINLINE static int wps__key_lookup_escaped(const unsigned char *k, size_t len) {
    char kb[24];
    size_t un = wps__unescape(k, len, kb, sizeof kb);
    return un <= sizeof kb ? wps__key_lookup(kb, un) : -1;
}

/* Slot of key `id` (a lookup result) inside an object of context ctx, or -1 (not recorded). */
WPS__INLINE int wps__ctx_slot(int ctx, int id) {
    switch (ctx) {
    case WPS__CTX_TOP: return id == WPS__K_BINARY ? -1 : id;
    case WPS__CTX_ERROR:
    case WPS__CTX_STREAM_ERROR: {
        int base = ctx == WPS__CTX_ERROR ? WPS__K_ERR_NAME : WPS__K_SERR_NAME;
        if (id == WPS__K_NAME) return base;
        if (id == WPS__K_MESSAGE) return base + 1;
        if (id == WPS__K_USER_ERROR_CODE) return base + 2;
        return -1;
    }
    case WPS__CTX_STREAM:
        switch (id) {
        case WPS__K_STREAM_ID: return WPS__K_STR_ID;
        case WPS__K_STREAM_SEQUENCE_ID: return WPS__K_STR_SEQ;
        case WPS__K_END_OF_STREAM: return WPS__K_STR_END;
        case WPS__K_IDLE_TIMEOUT_MS: return WPS__K_STR_IDLE;
        case WPS__K_IDLE_TIMEOUT_IN_MS: return WPS__K_STR_IDLE_IN;
        case WPS__K_ERROR: return WPS__K_STR_ERROR;
        default: return -1;
        }
    default: return id == WPS__K_BINARY ? WPS__K_DATA_BINARY : -1;
    }
}

/* Context of an object value stored in `slot`, or -1 when its members are not recorded. */
static int wps__child_ctx(int slot) {
    if (slot == WPS__K_ERROR) return WPS__CTX_ERROR;
    if (slot == WPS__K_STREAM) return WPS__CTX_STREAM;
    if (slot == WPS__K_STR_ERROR) return WPS__CTX_STREAM_ERROR;
    return -1;
}

/* Scans the object at p (at nesting depth `depth`, top level = 1) and validates every value. Known
   keys are recorded in o (o->seen must be cleared by the caller for the top level); the members
   of known nested objects (error, stream, stream.error, rendered data) are recorded too, in one
   pass, under their own slots. */
static const unsigned char *wps__scan_object(const wps__scan *s, const unsigned char *p, uint32_t depth, wps__obj *o, int ctx) {
    const unsigned char *end = s->end;
    if (depth > s->max_depth) {
        wps__scan_fail(s, WPS_ERR_DEPTH, p, "nesting too deep");
        return NULL;
    }
    p = wps__ws(p + 1, end); /* p was at '{' */
    if (p < end && *p == '}') return p + 1;
    for (;;) {
        const unsigned char *kstart, *v;
        int kesc = 0, id, slot, jt, vesc = 0;
        if (p >= end || *p != '"') {
            wps__scan_fail(s, WPS_ERR_SYNTAX, p, "object key expected");
            return NULL;
        }
        kstart = p + 1;
        p = wps__scan_string(s, p, &kesc);
        if (!p) return NULL;
        {
            size_t klen = (size_t)(p - 1 - kstart);
            id = kesc ? wps__key_lookup_escaped(kstart, klen) : wps__key_lookup((const char *)kstart, klen);
        }
        slot = id < 0 ? -1 : wps__ctx_slot(ctx, id);
        if (slot >= 0) {
            uint64_t bit = (uint64_t)1 << slot;
            if (o->seen & bit) {
                wps__scan_fail_key(s, WPS_ERR_DUPLICATE_KEY, wps__key_names[slot], "duplicate key", (size_t)(kstart - 1 - s->beg));
                return NULL;
            }
            o->seen |= bit;
        }
        /* compact JSON first: ':' right after the key, the value right after ':' */
        if (WPS__UNLIKELY(p >= end || *p != ':')) {
            p = wps__ws(p, end);
            if (p >= end || *p != ':') {
                wps__scan_fail(s, WPS_ERR_SYNTAX, p, "':' expected");
                return NULL;
            }
        }
        p++;
        if (WPS__UNLIKELY(p >= end || *p <= ' ')) {
            p = wps__ws(p, end);
            if (p >= end) {
                wps__scan_fail(s, WPS_ERR_SYNTAX, p, "unexpected end of input, value expected");
                return NULL;
            }
        }
        v = p;
        switch (*p) {
        case '"':
            jt = WPS__J_STRING;
            p = wps__scan_string(s, p, &vesc);
            break;
        case 't':
            jt = WPS__J_TRUE;
            p = wps__scan_literal(s, p, "true", 4);
            break;
        case 'f':
            jt = WPS__J_FALSE;
            p = wps__scan_literal(s, p, "false", 5);
            break;
        case 'n':
            jt = WPS__J_NULL;
            p = wps__scan_literal(s, p, "null", 4);
            break;
        case '{': {
            int child = slot >= 0 ? wps__child_ctx(slot) : -1;
            if (child >= 0) {
                jt = WPS__J_OBJECT;
                p = wps__scan_object(s, p, depth + 1, o, child);
            } else {
                p = wps__skip_value(s, p, depth, &jt, &vesc);
            }
            break;
        }
        default:
            if (*p == '-' || (*p >= '0' && *p <= '9')) {
                jt = WPS__J_NUMBER;
                p = wps__scan_number_fast(s, p);
            } else {
                p = wps__skip_value(s, p, depth, &jt, &vesc);
            }
            break;
        }
        if (!p) return NULL;
        if (slot >= 0) {
            o->slot[slot].p = v;
            o->slot[slot].bits = WPS__SLOT_BITS(p - v, vesc, jt);
        }
        if (WPS__UNLIKELY(p >= end || *p <= ' ')) p = wps__ws(p, end);
        if (WPS__LIKELY(p < end && *p == ',')) {
            p++;
            if (WPS__UNLIKELY(p >= end || *p != '"')) p = wps__ws(p, end);
            continue;
        }
        if (p < end && *p == '}') return p + 1;
        wps__scan_fail(s, WPS_ERR_SYNTAX, p, "',' or '}' expected");
        return NULL;
    }
}

/* ----------------------------------------------------------------------- kind descriptors */

/* Field ids used by the per-kind tables (decode, encode and render share them). */
enum {
    WPS__F_END = 0, WPS__F_ACK_ID, WPS__F_SUCCESS, WPS__F_ERROR, WPS__F_GROUP, WPS__F_EVENT,
    WPS__F_FROM_USER_ID, WPS__F_DATA, WPS__F_SEQUENCE_ID, WPS__F_STREAM_INFO, WPS__F_STREAM_START,
    WPS__F_USER_ID, WPS__F_CONNECTION_ID, WPS__F_RECONNECTION_TOKEN, WPS__F_MESSAGE, WPS__F_NO_ECHO,
    WPS__F_INVOCATION_ID, WPS__F_TARGET, WPS__F_STREAM_ID, WPS__F_STREAM_SEQUENCE_ID,
    WPS__F_EXPECTED_SEQUENCE_ID, WPS__F_NACK_NAME, WPS__F_NACK_MESSAGE, WPS__F_STATE, WPS__F_ITEMS,
    WPS__F_END_ERROR
};

/* The plain fields, by field id: the key (WPS__K_*), the value's JSON type (WPS__J_STRING,
   WPS__J_NUMBER for uint64, WPS__J_TRUE for bool; 0 for the fields with their own code), where
   it is in wps_message and its WPS_HAS_* bit (0: a slice, present when its ptr is set). Decode,
   encode and the required-field check read it, instead of a switch each. */
typedef struct wps__field_desc {
    unsigned char key, jt;
    unsigned short offset;
    unsigned short has;
} wps__field_desc;

#define WPS__FD(key, jt, member, has) {(unsigned char)(key), (unsigned char)(jt), (unsigned short)offsetof(wps_message, member), (unsigned short)(has)}
static const wps__field_desc wps__fields[] = {
    WPS__FD(0, 0, kind, 0), /* WPS__F_END */
    WPS__FD(WPS__K_ACK_ID, WPS__J_NUMBER, ack_id, WPS_HAS_ACK_ID),
    WPS__FD(WPS__K_SUCCESS, WPS__J_TRUE, success, WPS_HAS_SUCCESS),
    WPS__FD(WPS__K_ERROR, 0, error, WPS_HAS_ERROR),
    WPS__FD(WPS__K_GROUP, WPS__J_STRING, group, 0),
    WPS__FD(WPS__K_EVENT, WPS__J_STRING, event, 0),
    WPS__FD(WPS__K_FROM_USER_ID, WPS__J_STRING, from_user_id, 0),
    WPS__FD(WPS__K_DATA, 0, data, WPS_HAS_DATA),
    WPS__FD(WPS__K_SEQUENCE_ID, WPS__J_NUMBER, sequence_id, WPS_HAS_SEQUENCE_ID),
    WPS__FD(WPS__K_STREAM, 0, stream_id, WPS_HAS_STREAM),
    WPS__FD(WPS__K_STREAM, 0, stream_id, WPS_HAS_STREAM),
    WPS__FD(WPS__K_USER_ID, WPS__J_STRING, user_id, 0),
    WPS__FD(WPS__K_CONNECTION_ID, WPS__J_STRING, connection_id, 0),
    WPS__FD(WPS__K_RECONNECTION_TOKEN, WPS__J_STRING, reconnection_token, 0),
    WPS__FD(WPS__K_MESSAGE, WPS__J_STRING, message, 0),
    WPS__FD(WPS__K_NO_ECHO, WPS__J_TRUE, no_echo, WPS_HAS_NO_ECHO),
    WPS__FD(WPS__K_INVOCATION_ID, WPS__J_STRING, invocation_id, 0),
    WPS__FD(WPS__K_TARGET, WPS__J_STRING, target, 0),
    WPS__FD(WPS__K_STREAM_ID, WPS__J_STRING, stream_id, 0),
    WPS__FD(WPS__K_STREAM_SEQUENCE_ID, WPS__J_NUMBER, stream_sequence_id, WPS_HAS_STREAM_SEQUENCE_ID),
    WPS__FD(WPS__K_EXPECTED_SEQUENCE_ID, WPS__J_NUMBER, expected_sequence_id, WPS_HAS_EXPECTED_SEQUENCE_ID),
    WPS__FD(WPS__K_NAME, WPS__J_STRING, error.name, 0),
    WPS__FD(WPS__K_MESSAGE, WPS__J_STRING, error.message, 0),
    WPS__FD(WPS__K_STATE, 0, state, 0),
    WPS__FD(WPS__K_ITEMS, 0, items, 0),
    WPS__FD(WPS__K_ERROR, 0, error, WPS_HAS_ERROR), /* WPS__F_END_ERROR */
};
#undef WPS__FD
typedef char wps__kinds_paired[WPS_KIND_SERVER_DATA == WPS_KIND_GROUP_DATA + 1 && WPS_KIND_DISCONNECTED == WPS_KIND_CONNECTED + 1 ? 1 : -1];
typedef char wps__fields_complete[sizeof wps__fields / sizeof wps__fields[0] == WPS__F_END_ERROR + 1 ? 1 : -1];
typedef char wps__field_ids_fit[WPS__F_END_ERROR < 0x80 ? 1 : -1]; /* below WPS__R's flag */
typedef char wps__fields_fit[sizeof(wps_message) <= 0xFFFFu && WPS_HAS_EXPECTED_SEQUENCE_ID <= 0xFFFFu ? 1 : -1]; /* 16-bit offsets and bits */

/* The member of field f of m, for reading and for writing. */
#define WPS__FIELD_AT(m, f) ((void *)((char *)(m) + wps__fields[f].offset))
#define WPS__FIELD_IN(m, f) ((const void *)((const char *)(m) + wps__fields[f].offset))

#define WPS__DIR_DOWN 1u
#define WPS__DIR_UP 2u

typedef struct wps__kind_desc {
    const char *kind_name;  /* @azure/web-pubsub-client kind */
    const char *wire_type;  /* JSON "type" */
    const char *sub;        /* "from" (message) or "event" (system), else NULL */
    unsigned char dirs;
    unsigned char fields[7]; /* field ids in wire order, WPS__R(id) when required (checked in
                                this order), WPS__F_END-terminated (20 bytes an entry on 32-bit
                                targets) */
} wps__kind_desc;

#define WPS__R(f) ((f) | 0x80u)         /* a required field in wps__kind_desc.fields */
#define WPS__FIELD_ID(b) ((b) & 0x7fu) /* the field id of an entry of wps__kind_desc.fields */

static const wps__kind_desc wps__kinds[WPS_KIND_COUNT_] = {
    {"", "", NULL, 0, {0}},
    {"ack", "ack", NULL, WPS__DIR_DOWN, {WPS__R(WPS__F_ACK_ID), WPS__R(WPS__F_SUCCESS), WPS__F_ERROR, 0}},
    {"groupData", "message", "group", WPS__DIR_DOWN,
     {WPS__R(WPS__F_GROUP), WPS__F_FROM_USER_ID, WPS__F_DATA, WPS__F_SEQUENCE_ID, WPS__F_STREAM_INFO, 0}},
    {"serverData", "message", "server", WPS__DIR_DOWN, {WPS__R(WPS__F_DATA), WPS__F_SEQUENCE_ID, 0}},
    {"connected", "system", "connected", WPS__DIR_DOWN,
     {WPS__F_USER_ID, WPS__R(WPS__F_CONNECTION_ID), WPS__F_RECONNECTION_TOKEN, 0}},
    {"disconnected", "system", "disconnected", WPS__DIR_DOWN, {WPS__F_MESSAGE, 0}},
    {"pong", "pong", NULL, WPS__DIR_DOWN, {0}},
    {"streamAck", "streamAck", NULL, WPS__DIR_DOWN, {WPS__R(WPS__F_STREAM_ID), WPS__R(WPS__F_EXPECTED_SEQUENCE_ID), 0}},
    {"streamNack", "streamNack", NULL, WPS__DIR_DOWN,
     {WPS__R(WPS__F_STREAM_ID), WPS__R(WPS__F_EXPECTED_SEQUENCE_ID), WPS__F_NACK_NAME, WPS__F_NACK_MESSAGE, 0}},
    {"streamClosed", "streamClosed", NULL, WPS__DIR_DOWN, {WPS__R(WPS__F_STREAM_ID), WPS__F_ERROR, 0}},
    {"groupStateSnapshot", "groupStateSnapshot", NULL, WPS__DIR_DOWN, {WPS__R(WPS__F_GROUP), WPS__R(WPS__F_ITEMS), 0}},
    {"groupStateUpdate", "groupStateUpdate", NULL, WPS__DIR_DOWN, {WPS__R(WPS__F_GROUP), WPS__R(WPS__F_ITEMS), 0}},
    {"invokeResponse", "invokeResponse", NULL, WPS__DIR_DOWN | WPS__DIR_UP,
     {WPS__R(WPS__F_INVOCATION_ID), WPS__F_SUCCESS, WPS__F_ERROR, WPS__F_DATA, 0}},
    {"cancelInvocation", "cancelInvocation", NULL, WPS__DIR_DOWN | WPS__DIR_UP, {WPS__R(WPS__F_INVOCATION_ID), 0}},
    {"joinGroup", "joinGroup", NULL, WPS__DIR_UP, {WPS__R(WPS__F_GROUP), WPS__F_ACK_ID, 0}},
    {"leaveGroup", "leaveGroup", NULL, WPS__DIR_UP, {WPS__R(WPS__F_GROUP), WPS__F_ACK_ID, 0}},
    {"sendToGroup", "sendToGroup", NULL, WPS__DIR_UP,
     {WPS__R(WPS__F_GROUP), WPS__F_ACK_ID, WPS__F_NO_ECHO, WPS__F_DATA, WPS__F_STREAM_START, 0}},
    {"sendEvent", "event", NULL, WPS__DIR_UP, {WPS__R(WPS__F_EVENT), WPS__F_ACK_ID, WPS__R(WPS__F_DATA), 0}},
    {"sequenceAck", "sequenceAck", NULL, WPS__DIR_UP, {WPS__R(WPS__F_SEQUENCE_ID), 0}},
    {"ping", "ping", NULL, WPS__DIR_UP, {0}},
    {"invoke", "invoke", NULL, WPS__DIR_UP, {WPS__R(WPS__F_INVOCATION_ID), WPS__F_TARGET, WPS__F_EVENT, WPS__F_DATA, 0}},
    {"streamData", "streamData", NULL, WPS__DIR_UP, {WPS__R(WPS__F_STREAM_ID), WPS__F_STREAM_SEQUENCE_ID, WPS__F_DATA, 0}},
    {"streamEnd", "streamEnd", NULL, WPS__DIR_UP, {WPS__R(WPS__F_STREAM_ID), WPS__F_END_ERROR, 0}},
    {"setGroupState", "setGroupState", NULL, WPS__DIR_UP, {WPS__R(WPS__F_GROUP), WPS__F_ACK_ID, WPS__F_STATE, 0}},
    {"subscribeGroupState", "subscribeGroupState", NULL, WPS__DIR_UP, {WPS__R(WPS__F_GROUP), WPS__F_ACK_ID, 0}},
    {"unsubscribeGroupState", "unsubscribeGroupState", NULL, WPS__DIR_UP, {WPS__R(WPS__F_GROUP), WPS__F_ACK_ID, 0}},
};

/* Kind of a wire "type" (the first of two kinds for "message" and "system"); NONE if unknown:
   the first kind of wps__kinds with that wire type (one table says it; compares stop at the
   first differing byte). */
static wps_kind wps__wire_kind(const char *t, size_t n) {
    unsigned i;
    for (i = 1; i < (unsigned)WPS_KIND_COUNT_; i++)
        if (wps__slice_eq_cstr(t, n, wps__kinds[i].wire_type)) return (wps_kind)i;
    return WPS_KIND_NONE;
}

WPS_API const char *wps_kind_name(wps_kind kind) {
    unsigned i = (unsigned)kind;
    return i < (unsigned)WPS_KIND_COUNT_ ? wps__kinds[i].kind_name : "";
}

WPS_API wps_kind wps_kind_from_name(const char *name, size_t len) {
    unsigned i;
    if (!name) return WPS_KIND_NONE;
    for (i = 1; i < (unsigned)WPS_KIND_COUNT_; i++)
        if (wps__slice_eq_cstr(name, len, wps__kinds[i].kind_name)) return (wps_kind)i;
    return WPS_KIND_NONE;
}

WPS_API bool wps_kind_allows_direction(wps_kind kind, wps_direction direction) {
    unsigned i = (unsigned)kind;
    if (i == 0 || i >= (unsigned)WPS_KIND_COUNT_) return false;
    return (wps__kinds[i].dirs & (direction == WPS_UPSTREAM ? WPS__DIR_UP : WPS__DIR_DOWN)) != 0;
}

/* ------------------------------------------------------------------------------- decoding */

typedef struct wps__scratch {
    char *buf;
    size_t cap;
    size_t used;
    size_t needed;
} wps__scratch;

typedef struct wps__dec {
    wps__scan s;
    wps__scratch mem;
    int rendered; /* parsing the rendered (kind) shape instead of the wire shape */
    int in_place; /* wps_decode_in_place: decoded bytes go over their own encoded form */
    wps_status status; /* a scanning failure's status (s.status points here) */
    wps__obj *obj;     /* the recorded members (one table for the frame, nested objects included) */
} wps__dec;

static size_t wps__off(const wps__dec *d, const unsigned char *p) { return (size_t)(p - d->s.beg); }

/* Present and not null? Sets *err for a bad state. */
static int wps__has(const wps__obj *o, int key) {
    return ((o->seen >> key) & 1u) && WPS__SLOT_JT(&o->slot[key]) != WPS__J_NULL;
}

/* The string body [body, body+n) as a slice: in place, or unescaped into scratch. */
WPS__INLINE void wps__str_out(wps__dec *d, const unsigned char *body, size_t n, int escaped, wps_slice *out) {
    if (!escaped) {
        out->ptr = (const char *)body;
        out->len = n;
        return;
    }
    if (d->in_place) { /* the unescaped text is never longer: it overwrites its own escapes */
        out->ptr = (const char *)body;
        out->len = wps__unescape(body, n, (char *)(uintptr_t)body, n);
        return;
    }
    {
        size_t room = d->mem.cap - d->mem.used;
        char *dst = d->mem.buf ? d->mem.buf + d->mem.used : NULL;
        size_t len = wps__unescape(body, n, dst, dst ? room : 0);
        WPS_ASSERT(d->mem.used <= d->mem.cap && len <= n);
        d->mem.needed += len;
        if (dst && len <= room) {
            d->mem.used += len;
            out->ptr = dst;
        } else {
            d->mem.used = d->mem.cap; /* out of room: keep counting only */
            out->ptr = (const char *)body;
        }
        out->len = len;
    }
}

WPS__INLINE wps_status wps__get_str(wps__dec *d, const wps__obj *o, int key, wps_slice *out) {
    const wps__slot *sl = &o->slot[key];
    const unsigned char *body;
    size_t n;
    if (!wps__has(o, key)) {
        out->ptr = NULL;
        out->len = 0;
        return WPS_OK;
    }
    if (WPS__SLOT_JT(sl) != WPS__J_STRING)
        return wps__fail(d->s.diag, WPS_ERR_TYPE_MISMATCH, wps__key_names[key], "string expected", wps__off(d, sl->p));
    WPS_ASSERT(WPS__SLOT_N(sl) >= 2 && sl->p[0] == '"' && sl->p[WPS__SLOT_N(sl) - 1] == '"');
    body = sl->p + 1;
    n = WPS__SLOT_N(sl) - 2;
    wps__str_out(d, body, n, WPS__SLOT_ESC(sl), out);
    return WPS_OK;
}

/* Compares two equal-length digit strings: a <= b. */
static int wps__digits_le(const unsigned char *a, const char *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++)
        if (a[i] != (unsigned char)b[i]) return a[i] < (unsigned char)b[i];
    return 1;
}

static wps_status wps__get_u64(wps__dec *d, const wps__obj *o, int key, uint64_t *out) {
    const wps__slot *sl = &o->slot[key];
    const unsigned char *p = sl->p, *e = sl->p + WPS__SLOT_N(sl);
    uint64_t v = 0;
    if (WPS__SLOT_JT(sl) != WPS__J_NUMBER)
        return wps__fail(d->s.diag, WPS_ERR_TYPE_MISMATCH, wps__key_names[key], "unsigned integer expected", wps__off(d, p));
    if (*p == '-')
        return wps__fail(d->s.diag, WPS_ERR_NUMBER, wps__key_names[key], "negative number where an unsigned integer is expected", wps__off(d, p));
    for (; p < e; p++) {
        if (*p < '0' || *p > '9')
            return wps__fail(d->s.diag, WPS_ERR_NUMBER, wps__key_names[key],
                             *p == '.' ? "fraction where an unsigned integer is expected" : "exponent where an unsigned integer is expected",
                             wps__off(d, sl->p));
    }
    /* only digits now (the scanner rejected leading zeros); up to 19 digits cannot overflow */
    if (WPS__SLOT_N(sl) > 20 || (WPS__SLOT_N(sl) == 20 && !wps__digits_le(sl->p, "18446744073709551615", 20)))
        return wps__fail(d->s.diag, WPS_ERR_NUMBER, wps__key_names[key], "integer larger than 18446744073709551615", wps__off(d, sl->p));
    for (p = sl->p; p < e; p++) v = v * 10u + (unsigned)(*p - '0');
    *out = v;
    return WPS_OK;
}

static wps_status wps__get_bool(wps__dec *d, const wps__obj *o, int key, bool *out) {
    const wps__slot *sl = &o->slot[key];
    if (WPS__SLOT_JT(sl) == WPS__J_TRUE) *out = true;
    else if (WPS__SLOT_JT(sl) == WPS__J_FALSE) *out = false;
    else return wps__fail(d->s.diag, WPS_ERR_TYPE_MISMATCH, wps__key_names[key], "true or false expected", wps__off(d, sl->p));
    return WPS_OK;
}

/* Copies a short string value into a NUL-terminated reason fragment. */
static wps_status wps__ignored(wps__dec *d, const char *what, wps_slice value) {
    wps_diag *dg = d->s.diag;
    size_t pos = 0, n = value.len > 48 ? 48 : value.len;
    if (!dg) return WPS_IGNORED;
    dg->status = WPS_IGNORED;
    dg->offset = 0;
    dg->needed = 0;
    dg->reason[0] = 0;
    wps__diag_append(dg, &pos, "unknown ", 8);
    wps__diag_append(dg, &pos, what, wps__cstrlen(what));
    wps__diag_append(dg, &pos, " '", 2);
    /* keep the reason printable ASCII so it can be embedded anywhere */
    {
        size_t i;
        for (i = 0; i < n; i++) {
            char c = value.ptr[i];
            char r = '?';
            if (c >= 0x20 && c < 0x7F && c != '\'' && c != '"' && c != '\\') r = c;
            wps__diag_append(dg, &pos, &r, 1);
        }
    }
    if (value.len > n) wps__diag_append(dg, &pos, "...", 3);
    wps__diag_append(dg, &pos, "'", 1);
    return WPS_IGNORED;
}

/* Base64 value of a byte (WPS__B64V): 0..63, 64 = '=', 255 = invalid. */
#ifdef WPS__SMALL /* (the size build computes the value: 200 bytes less than the table) */
static unsigned wps__b64v(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return (unsigned)(c - 'A');
    if (c >= 'a' && c <= 'z') return (unsigned)(c - 'a' + 26);
    if (c >= '0' && c <= '9') return (unsigned)(c - '0' + 52);
    return c == '+' ? 62u : c == '/' ? 63u : c == '=' ? 64u : 255u;
}
#define WPS__B64V(c) wps__b64v(c)
#else
static const unsigned char wps__b64dec[256] = {
    255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
    255,255,255,255,255,255,255,255,255,255,255,62,255,255,255,63,52,53,54,55,56,57,58,59,60,61,255,255,255,64,255,255,
    255,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,255,255,255,255,255,
    255,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,255,255,255,255,255,
    255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
    255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
    255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
    255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255};
#define WPS__B64V(c) wps__b64dec[c]
#endif

static const char wps__b64enc[65] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decoded length of n base64 chars judged by length and padding only, or (size_t)-1 when n is not
   a multiple of 4. The characters are validated while decoding (or by wps__b64_check). */
static size_t wps__b64_len(const unsigned char *s, size_t n) {
    size_t pad = 0;
    if (n % 4 != 0) return (size_t)-1;
    if (n >= 1 && s[n - 1] == '=') pad++;
    if (n >= 2 && s[n - 2] == '=') pad++;
    return n / 4 * 3 - pad;
}

/* Validates strict padded base64; returns the decoded length, or (size_t)-1 with *bad = offset. */
static size_t wps__b64_check(const unsigned char *s, size_t n, size_t *bad) {
    size_t i, pad = 0;
    if (n % 4 != 0) {
        *bad = n;
        return (size_t)-1;
    }
    if (n >= 1 && s[n - 1] == '=') pad++;
    if (n >= 2 && s[n - 2] == '=') pad++;
    for (i = 0; i < n - pad; i++)
        if (WPS__B64V(s[i]) > 63) {
            *bad = i;
            return (size_t)-1;
        }
    return n / 4 * 3 - pad;
}

/* Decodes n (a multiple of 4) base64 chars into out while validating them. Returns 1, or 0 with
   *bad = offset of the first invalid character ('=' only as the last one or two). */
static int wps__b64_decode_checked(const unsigned char *s, size_t n, unsigned char *out, size_t *bad) {
    size_t i = 0, o = 0, full = n >= 4 ? n - 4 : 0;
    if (n == 0) return 1;
#ifdef WPS__AVX2
    {
        /* 32 characters -> 24 bytes per step, after W. Mula and D. Lemire, "Faster Base64 Encoding
           and Decoding Using AVX2 Instructions" (2018): nibble lookups classify, a per-range
           offset translates, two multiply-adds pack. Stores exactly 24 bytes (in-place safe). */
        const __m256i lut_lo = _mm256_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A,
                                                0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
        const __m256i lut_hi = _mm256_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
                                                0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
        const __m256i lut_roll = _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
                                                  0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
        const __m256i pack = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                                              2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
        const __m256i nib = _mm256_set1_epi8(0x0F);
        while (i + 32 <= full) {
            const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi32(v, 4), nib);
            const __m256i cls = _mm256_and_si256(_mm256_shuffle_epi8(lut_lo, _mm256_and_si256(v, nib)), _mm256_shuffle_epi8(lut_hi, hi));
            __m256i x;
            if (!_mm256_testz_si256(cls, cls)) break; /* '=' or a bad character: the loops below report it */
            x = _mm256_add_epi8(v, _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('/')), hi)));
            x = _mm256_maddubs_epi16(x, _mm256_set1_epi32(0x01400140));
            x = _mm256_madd_epi16(x, _mm256_set1_epi32(0x00011000));
            x = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(x, pack), _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
            _mm_storeu_si128((__m128i *)(void *)(out + o), _mm256_castsi256_si128(x));
            _mm_storel_epi64((__m128i *)(void *)(out + o + 16), _mm256_extracti128_si256(x, 1));
            i += 32;
            o += 24;
        }
    }
#endif
#if defined(WPS__SSE2) && defined(WPS__HAVE_FIRST_BYTE)
    /* 16 characters -> 12 bytes per step. Each block is followed by at least the final quad, so
       the 4-byte store of its last 3 bytes may spill one byte into the next block's output. */
    while (i + 16 <= full) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
        const __m128i lower = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('a' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('z' + 1)));
        const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        const __m128i plus = _mm_cmpeq_epi8(v, _mm_set1_epi8('+'));
        const __m128i slash = _mm_cmpeq_epi8(v, _mm_set1_epi8('/'));
        __m128i valid = _mm_or_si128(_mm_or_si128(upper, lower), _mm_or_si128(_mm_or_si128(digit, plus), slash));
        __m128i off, vals, w;
        uint32_t lane[4];
        int k;
        if (_mm_movemask_epi8(valid) != 0xFFFF) break; /* '=' or a bad character: the scalar loop reports it */
        off = _mm_or_si128(_mm_or_si128(_mm_and_si128(upper, _mm_set1_epi8(-65)), _mm_and_si128(lower, _mm_set1_epi8(-71))),
                           _mm_or_si128(_mm_and_si128(digit, _mm_set1_epi8(4)),
                                        _mm_or_si128(_mm_and_si128(plus, _mm_set1_epi8(19)), _mm_and_si128(slash, _mm_set1_epi8(16)))));
        vals = _mm_add_epi8(v, off); /* 0..63 per byte */
        /* (a << 6) | b per 16-bit lane, then (x << 12) | y per 32-bit lane: 24 bits in order */
        w = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(vals, _mm_set1_epi16(0x00FF)), 6), _mm_srli_epi16(vals, 8));
        w = _mm_or_si128(_mm_slli_epi32(_mm_and_si128(w, _mm_set1_epi32(0x0000FFFF)), 12), _mm_srli_epi32(w, 16));
        _mm_storeu_si128((__m128i *)(void *)lane, w);
        for (k = 0; k < 4; k++) {
            uint32_t be = __builtin_bswap32(lane[k] << 8);
            WPS_MEMCPY(out + o + 3 * (size_t)k, &be, 4);
        }
        i += 16;
        o += 12;
    }
#endif
    for (; i < full; i += 4) {
        unsigned a = WPS__B64V(s[i]), b = WPS__B64V(s[i + 1]), c = WPS__B64V(s[i + 2]), e = WPS__B64V(s[i + 3]);
        uint32_t v;
        if ((a | b | c | e) > 63u) {
            while (WPS__B64V(s[i]) <= 63u) i++;
            *bad = i;
            return 0;
        }
        v = ((uint32_t)a << 18) | ((uint32_t)b << 12) | ((uint32_t)c << 6) | (uint32_t)e;
        out[o] = (unsigned char)(v >> 16);
        out[o + 1] = (unsigned char)(v >> 8);
        out[o + 2] = (unsigned char)v;
        o += 3;
    }
    {
        unsigned a = WPS__B64V(s[i]), b = WPS__B64V(s[i + 1]), c = WPS__B64V(s[i + 2]), e = WPS__B64V(s[i + 3]);
        uint32_t v;
        if (a > 63u || b > 63u || c > 64u || e > 64u || (c == 64u && e != 64u)) {
            *bad = a > 63u ? i : b > 63u ? i + 1 : (c > 64u || (c == 64u && e != 64u)) ? i + 2 : i + 3;
            return 0;
        }
        v = ((uint32_t)a << 18) | ((uint32_t)b << 12) | ((uint32_t)(c & 63u) << 6) | (uint32_t)(e & 63u);
        out[o++] = (unsigned char)(v >> 16);
        if (c != 64u) out[o++] = (unsigned char)(v >> 8);
        if (e != 64u) out[o++] = (unsigned char)v;
    }
    return 1;
}

WPS_API wps_status wps_base64_decode(const char *src, size_t n, void *out, size_t cap, size_t *out_len, wps_diag *diag) {
    size_t bad = 0, len;
    if ((!src && n) || !out_len || (!out && cap)) return WPS_ERR_INVALID_ARGUMENT;
    len = wps__b64_len((const unsigned char *)src, n);
    if (len == (size_t)-1) return wps__fail(diag, WPS_ERR_BASE64, NULL, "base64 length is not a multiple of 4", n);
    *out_len = len;
    if (len > cap) {
        if (wps__b64_check((const unsigned char *)src, n, &bad) == (size_t)-1)
            return wps__fail(diag, WPS_ERR_BASE64, NULL, "invalid base64 character", bad);
        if (diag) diag->needed = len;
        return wps__fail(diag, WPS_ERR_BUFFER_TOO_SMALL, NULL, "output buffer too small for the decoded bytes", (size_t)-1);
    }
    if (!wps__b64_decode_checked((const unsigned char *)src, n, (unsigned char *)out, &bad))
        return wps__fail(diag, WPS_ERR_BASE64, NULL, "invalid base64 character", bad);
    return WPS_OK;
}

WPS_API size_t wps_base64_encode(const void *src, size_t n, char *out, size_t cap) {
    const unsigned char *s = (const unsigned char *)src;
    size_t need, i, o = 0;
    if (!src && n) return 0;
    if (n > (SIZE_MAX - 3) / 4 * 3) return SIZE_MAX; /* 4*ceil(n/3) would not fit in size_t */
    need = (n + 2) / 3 * 4;
    if (need > cap || (!out && need)) return need;
    for (i = 0; i + 3 <= n; i += 3) {
        uint32_t v = ((uint32_t)s[i] << 16) | ((uint32_t)s[i + 1] << 8) | s[i + 2];
        out[o++] = wps__b64enc[v >> 18];
        out[o++] = wps__b64enc[(v >> 12) & 63];
        out[o++] = wps__b64enc[(v >> 6) & 63];
        out[o++] = wps__b64enc[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        out[o++] = wps__b64enc[v >> 18];
        out[o++] = wps__b64enc[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = ((uint32_t)s[i] << 16) | ((uint32_t)s[i + 1] << 8);
        out[o++] = wps__b64enc[v >> 18];
        out[o++] = wps__b64enc[(v >> 12) & 63];
        out[o++] = wps__b64enc[(v >> 6) & 63];
        out[o++] = '=';
    }
    return o;
}

/* Decodes base64 in a string slot into scratch. */
static wps_status wps__get_base64(wps__dec *d, const wps__slot *sl, const char *key, wps_slice *out) {
    const unsigned char *body = sl->p + 1;
    size_t n = WPS__SLOT_N(sl) - 2, bad = 0, len;
    WPS_ASSERT(WPS__SLOT_JT(sl) == WPS__J_STRING && WPS__SLOT_N(sl) >= 2);
    if (d->in_place) { /* unescape (if needed) and decode over the string itself */
        unsigned char *w = (unsigned char *)(uintptr_t)body;
        size_t u = WPS__SLOT_ESC(sl) ? wps__unescape(body, n, (char *)w, n) : n;
        len = wps__b64_len(w, u);
        if (len == (size_t)-1)
            return wps__fail(d->s.diag, WPS_ERR_BASE64, key, "base64 length is not a multiple of 4", wps__off(d, body));
        if (!wps__b64_decode_checked(w, u, w, &bad))
            return wps__fail(d->s.diag, WPS_ERR_BASE64, key, WPS__SLOT_ESC(sl) ? "invalid base64 character (after unescaping)" : "invalid base64 character",
                             wps__off(d, WPS__SLOT_ESC(sl) ? body : body + bad));
        out->ptr = (const char *)w;
        out->len = len;
        return WPS_OK;
    }
    if (WPS__SLOT_ESC(sl)) {
        /* valid JSON such as "AA\/A" or "AA\u002bA": unescape into scratch, then decode in place
           (output never overtakes input). This rare path needs the unescaped length of scratch. */
        size_t room = d->mem.cap - d->mem.used, u;
        char *dst = d->mem.buf ? d->mem.buf + d->mem.used : NULL;
        u = wps__unescape(body, n, dst, dst ? room : 0);
        d->mem.needed += u;
        if (!dst || u > room) {
            d->mem.used = d->mem.cap;
            out->ptr = (const char *)body;
            out->len = 0;
            return WPS_OK; /* reported as WPS_ERR_BUFFER_TOO_SMALL by the caller */
        }
        len = wps__b64_len((const unsigned char *)dst, u);
        if (len == (size_t)-1)
            return wps__fail(d->s.diag, WPS_ERR_BASE64, key, "base64 length is not a multiple of 4", wps__off(d, body));
        if (!wps__b64_decode_checked((const unsigned char *)dst, u, (unsigned char *)dst, &bad))
            return wps__fail(d->s.diag, WPS_ERR_BASE64, key, "invalid base64 character (after unescaping)", wps__off(d, body));
        d->mem.used += u;
        out->ptr = dst;
        out->len = len;
        return WPS_OK;
    }
    len = wps__b64_len(body, n);
    if (len == (size_t)-1)
        return wps__fail(d->s.diag, WPS_ERR_BASE64, key, "base64 length is not a multiple of 4", wps__off(d, body));
    d->mem.needed += len;
    if (d->mem.buf && len <= d->mem.cap - d->mem.used) {
        char *dst = d->mem.buf + d->mem.used;
        if (!wps__b64_decode_checked(body, n, (unsigned char *)dst, &bad))
            return wps__fail(d->s.diag, WPS_ERR_BASE64, key, "invalid base64 character", wps__off(d, body + bad));
        d->mem.used += len;
        out->ptr = dst;
    } else {
        if (wps__b64_check(body, n, &bad) == (size_t)-1)
            return wps__fail(d->s.diag, WPS_ERR_BASE64, key, "invalid base64 character", wps__off(d, body + bad));
        d->mem.used = d->mem.cap;
        out->ptr = (const char *)body;
    }
    out->len = len;
    return WPS_OK;
}

/* dataType + data. *present is set when data is there. Returns WPS_IGNORED for unknown dataType. */
static wps_status wps__get_data(wps__dec *d, const wps__obj *o, wps_message *m) {
    wps_data_type dt = WPS_DATA_JSON;
    const wps__slot *sl;
    wps_status st;
    if (wps__has(o, WPS__K_DATA_TYPE)) {
        wps_slice v; /* unescaped: "\u0074ext" is text */
        const unsigned char *b;
        st = wps__get_str(d, o, WPS__K_DATA_TYPE, &v);
        if (st != WPS_OK) return st;
        b = (const unsigned char *)v.ptr;
        if (wps__ieq_name((const char *)b, v.len, "json")) dt = WPS_DATA_JSON;
        else if (wps__ieq_name((const char *)b, v.len, "text")) dt = WPS_DATA_TEXT;
        else if (wps__ieq_name((const char *)b, v.len, "binary")) dt = WPS_DATA_BINARY;
        else if (wps__ieq_name((const char *)b, v.len, "protobuf")) dt = WPS_DATA_PROTOBUF;
        else return wps__ignored(d, "dataType", v);
    }
    if (!((o->seen >> WPS__K_DATA) & 1u)) {
        if (wps__has(o, WPS__K_DATA_TYPE))
            return wps__fail(d->s.diag, WPS_ERR_MISSING_FIELD, "data", "dataType given without data", (size_t)-1);
        return WPS_OK;
    }
    sl = &o->slot[WPS__K_DATA];
    m->data_type = dt;
    m->has |= WPS_HAS_DATA;
    if (dt == WPS_DATA_JSON) {
        m->data.ptr = (const char *)sl->p;
        m->data.len = WPS__SLOT_N(sl);
        return WPS_OK;
    }
    if (d->rendered && (dt == WPS_DATA_BINARY || dt == WPS_DATA_PROTOBUF)) {
        /* {"$binary":"<base64>"}: scanned here, once the dataType says it is one (json data may
           hold any keys, "$binary" twice included). The value was validated by the main scan. */
        wps__scan s2 = d->s;
        if (WPS__SLOT_JT(sl) != WPS__J_OBJECT)
            return wps__fail(d->s.diag, WPS_ERR_TYPE_MISMATCH, "data", "{\"$binary\":\"<base64>\"} expected", wps__off(d, sl->p));
        s2.end = sl->p + WPS__SLOT_N(sl);
        /* its one member goes to its own slot of the frame's table (no second table on the stack) */
        d->obj->seen &= ~((uint64_t)1 << WPS__K_DATA_BINARY);
        if (!wps__scan_object(&s2, sl->p, 2, d->obj, WPS__CTX_DATA)) return d->status;
        if (!wps__has(o, WPS__K_DATA_BINARY) || WPS__SLOT_JT(&o->slot[WPS__K_DATA_BINARY]) != WPS__J_STRING)
            return wps__fail(d->s.diag, WPS_ERR_TYPE_MISMATCH, "data", "{\"$binary\":\"<base64>\"} expected", wps__off(d, sl->p));
        return wps__get_base64(d, &o->slot[WPS__K_DATA_BINARY], "data", &m->data);
    }
    if (WPS__SLOT_JT(sl) != WPS__J_STRING)
        return wps__fail(d->s.diag, WPS_ERR_TYPE_MISMATCH, "data",
                         dt == WPS_DATA_TEXT ? "string expected for dataType text" : "base64 string expected", wps__off(d, sl->p));
    if (dt == WPS_DATA_TEXT) return wps__get_str(d, o, WPS__K_DATA, &m->data);
    return wps__get_base64(d, sl, "data", &m->data);
}


/* An error object recorded under `slot` with members at base, base+1, base+2. */
static wps_status wps__get_error(wps__dec *d, const wps__obj *o, int slot, int base, int allow_name, int allow_code, wps_message *m) {
    if (!wps__has(o, slot)) return WPS_OK;
    if (WPS__SLOT_JT(&o->slot[slot]) != WPS__J_OBJECT)
        return wps__fail(d->s.diag, WPS_ERR_TYPE_MISMATCH, wps__key_names[slot], "object expected", wps__off(d, o->slot[slot].p));
    WPS__TRY(wps__get_str(d, o, base, &m->error.name));
    WPS__TRY(wps__get_str(d, o, base + 1, &m->error.message));
    WPS__TRY(wps__get_str(d, o, base + 2, &m->error.user_error_code));
    if (!allow_name && m->error.name.ptr)
        return wps__fail(d->s.diag, WPS_ERR_INVALID_MESSAGE, "error", "streamEnd error must not contain name", wps__off(d, o->slot[slot].p));
    if (!allow_code) m->error.user_error_code.ptr = NULL, m->error.user_error_code.len = 0;
    m->has |= WPS_HAS_ERROR;
    return WPS_OK;
}

static wps_status wps__get_u64_opt(wps__dec *d, const wps__obj *o, int key, uint64_t *out, wps_message *m, uint32_t bit) {
    if (!wps__has(o, key)) return WPS_OK;
    WPS__TRY(wps__get_u64(d, o, key, out));
    m->has |= bit;
    return WPS_OK;
}

static wps_status wps__get_field(wps__dec *d, const wps__obj *o, int field, wps_message *m) {
    const wps__field_desc *f = &wps__fields[field];
    switch (f->jt) {
    case WPS__J_NUMBER: return wps__get_u64_opt(d, o, f->key, (uint64_t *)WPS__FIELD_AT(m, field), m, f->has);
    case WPS__J_TRUE:
        if (!wps__has(o, f->key)) return WPS_OK;
        WPS__TRY(wps__get_bool(d, o, f->key, (bool *)WPS__FIELD_AT(m, field)));
        m->has |= f->has;
        return WPS_OK;
    case WPS__J_STRING: return wps__get_str(d, o, f->key, (wps_slice *)WPS__FIELD_AT(m, field));
    default: break;
    }
    switch (field) {
    case WPS__F_ERROR: return wps__get_error(d, o, WPS__K_ERROR, WPS__K_ERR_NAME, 1, 0, m);
    case WPS__F_END_ERROR: return wps__get_error(d, o, WPS__K_ERROR, WPS__K_ERR_NAME, 0, 1, m);
    case WPS__F_DATA: return wps__get_data(d, o, m);
    case WPS__F_STATE:
    case WPS__F_ITEMS: {
        int key = f->key, want = field == WPS__F_STATE ? WPS__J_OBJECT : WPS__J_ARRAY;
        wps_slice *dst = (wps_slice *)WPS__FIELD_AT(m, field);
        const wps__slot *sl = &o->slot[key];
        if (!wps__has(o, key)) return WPS_OK;
        if (WPS__SLOT_JT(sl) != want)
            return wps__fail(d->s.diag, WPS_ERR_TYPE_MISMATCH, wps__key_names[key], want == WPS__J_OBJECT ? "object expected" : "array expected", wps__off(d, sl->p));
        dst->ptr = (const char *)sl->p;
        dst->len = WPS__SLOT_N(sl);
        return WPS_OK;
    }
    case WPS__F_STREAM_INFO:
    case WPS__F_STREAM_START: {
        if (!wps__has(o, WPS__K_STREAM)) return WPS_OK;
        if (WPS__SLOT_JT(&o->slot[WPS__K_STREAM]) != WPS__J_OBJECT)
            return wps__fail(d->s.diag, WPS_ERR_TYPE_MISMATCH, "stream", "object expected", wps__off(d, o->slot[WPS__K_STREAM].p));
        WPS__TRY(wps__get_str(d, o, WPS__K_STR_ID, &m->stream_id));
        if (!m->stream_id.ptr) return wps__fail(d->s.diag, WPS_ERR_MISSING_FIELD, "stream.streamId", "required field missing", (size_t)-1);
        if (field == WPS__F_STREAM_INFO) {
            if (!wps__has(o, WPS__K_STR_SEQ))
                return wps__fail(d->s.diag, WPS_ERR_MISSING_FIELD, "stream.streamSequenceId", "required field missing", (size_t)-1);
            WPS__TRY(wps__get_u64_opt(d, o, WPS__K_STR_SEQ, &m->stream_sequence_id, m, WPS_HAS_STREAM_SEQUENCE_ID));
            if (wps__has(o, WPS__K_STR_END)) {
                WPS__TRY(wps__get_bool(d, o, WPS__K_STR_END, &m->end_of_stream));
                m->has |= WPS_HAS_END_OF_STREAM;
            }
            WPS__TRY(wps__get_error(d, o, WPS__K_STR_ERROR, WPS__K_SERR_NAME, 1, 1, m));
        } else {
            int key = d->rendered ? WPS__K_STR_IDLE_IN : WPS__K_STR_IDLE;
            WPS__TRY(wps__get_u64_opt(d, o, key, &m->idle_timeout_ms, m, WPS_HAS_IDLE_TIMEOUT));
        }
        m->has |= WPS_HAS_STREAM;
        return WPS_OK;
    }
    default: return WPS_OK;
    }
}

/* Is field f (of the table) in m? */
static int wps__field_present(const wps_message *m, unsigned f) {
    if (wps__fields[f].has) return (m->has & wps__fields[f].has) != 0;
    return ((const wps_slice *)WPS__FIELD_IN(m, f))->ptr != NULL;
}

/* Cross-field rules shared by decode and encode, after the required fields of the kind (in its
   order). `sending` adds the rules wps.h applies only to what it writes itself (be
   liberal in what you accept): no sequenceId on the non-reliable subprotocol. */
static wps_status wps__check_rules(const wps_message *m, wps_protocol protocol, int sending, wps_diag *diag) {
    const wps__kind_desc *k = &wps__kinds[m->kind];
    unsigned i;
    for (i = 0; k->fields[i]; i++) {
        unsigned f = WPS__FIELD_ID(k->fields[i]);
        WPS_ASSERT(i + 1 < sizeof k->fields); /* every list ends with WPS__F_END within its bytes */
        if (k->fields[i] != f && !wps__field_present(m, f))
            return wps__fail(diag, WPS_ERR_MISSING_FIELD, wps__key_names[wps__fields[f].key], "required field missing", (size_t)-1);
    }
    switch (m->kind) {
    case WPS_KIND_SEND_TO_GROUP:
        if (m->has & WPS_HAS_STREAM) {
            if (m->has & (WPS_HAS_DATA | WPS_HAS_ACK_ID))
                return wps__fail(diag, WPS_ERR_INVALID_MESSAGE, "stream", "a stream start must not carry data, dataType or ackId", (size_t)-1);
            if ((m->has & WPS_HAS_IDLE_TIMEOUT) && m->idle_timeout_ms == 0)
                return wps__fail(diag, WPS_ERR_INVALID_MESSAGE, "stream.idleTimeoutMs", "must be greater than 0", (size_t)-1);
        } else if (!(m->has & WPS_HAS_DATA)) {
            return wps__fail(diag, WPS_ERR_MISSING_FIELD, "data", "required field missing", (size_t)-1);
        }
        break;
    case WPS_KIND_GROUP_DATA:
        /* a stream's terminal fragment "may be empty" (docs/protocol.md 7.2): data is optional there */
        if (!(m->has & (WPS_HAS_DATA | WPS_HAS_STREAM)))
            return wps__fail(diag, WPS_ERR_MISSING_FIELD, "data", "required field missing", (size_t)-1);
        break;
    case WPS_KIND_STREAM_DATA:
        if (!(m->has & WPS_HAS_STREAM_SEQUENCE_ID) != !(m->has & WPS_HAS_DATA))
            return wps__fail(diag, WPS_ERR_INVALID_MESSAGE, "streamSequenceId",
                             "streamData carries streamSequenceId, dataType and data together or none of them", (size_t)-1);
        break;
    case WPS_KIND_SEQUENCE_ACK:
        if (!wps_protocol_is_reliable(protocol))
            return wps__fail(diag, WPS_ERR_INVALID_MESSAGE, "sequenceAck", "only valid on the reliable subprotocols", (size_t)-1);
        break;
    default: break;
    }
    if (sending && (m->has & WPS_HAS_SEQUENCE_ID) && m->kind != WPS_KIND_SEQUENCE_ACK && !wps_protocol_is_reliable(protocol))
        return wps__fail(diag, WPS_ERR_INVALID_MESSAGE, "sequenceId", "only the reliable subprotocols carry sequenceId", (size_t)-1);
    return WPS_OK;
}

/* ---------------------------------------------------------------------- decode fast path */
#ifndef WPS__SMALL /* the size build leaves the fast path out: the general decoder is the definition */

/* The general decoder above is the definition of decoding. This path decodes the downstream
   frames that dominate real traffic (ack, message, system, pong) in one pass, typing each value
   as it is scanned, and hands every other frame back with WPS__BAIL: other kinds, null values,
   escaped keys or discriminators, stream info, 20-digit or signed numbers, a missing required
   field, a short scratch buffer, and every error, so that the general decoder gives the exact
   result and diagnosis. Everything it returns WPS_OK for, the general decoder decodes the same
   way: fuzz/decode_fast.c checks that on every input.

   Bounds: the frame (trailing whitespace trimmed) must end with '}'. A byte the scanner has
   matched as anything but that final '}' therefore has a readable byte after it, which is
   what lets the separators below be read without end checks. */

#define WPS__BAIL ((wps_status)2)

/* One top-level value seen by the fast path: p..p+n is the whole JSON value (strings with their
   quotes); u is a number's value. */
typedef struct wps__fval {
    const unsigned char *p;
    size_t n;
    uint64_t u;
    int jt, esc;
} wps__fval;

/* Top-level keys the fast path types; any other key of the key table bails. */
#define WPS__FAST_KEYS                                                                                                   \
    ((1u << WPS__K_TYPE) | (1u << WPS__K_EVENT) | (1u << WPS__K_FROM) | (1u << WPS__K_GROUP) | (1u << WPS__K_DATA_TYPE) | \
     (1u << WPS__K_DATA) | (1u << WPS__K_ACK_ID) | (1u << WPS__K_SUCCESS) | (1u << WPS__K_ERROR) |                        \
     (1u << WPS__K_SEQUENCE_ID) | (1u << WPS__K_FROM_USER_ID) | (1u << WPS__K_USER_ID) | (1u << WPS__K_CONNECTION_ID) |   \
     (1u << WPS__K_RECONNECTION_TOKEN) | (1u << WPS__K_MESSAGE))

/* Members of the nested "error" object, after the top-level key ids. */
enum { WPS__FE_NAME = WPS__K_COUNT, WPS__FE_MESSAGE, WPS__FE_CODE, WPS__FE_COUNT };

/* Skips whitespace at p, which must stay before end. */
#define WPS__FAST_WS(p)                          \
    do {                                         \
        if (WPS__UNLIKELY(*(p) <= ' ')) {        \
            (p) = wps__ws((p), end);             \
            if ((p) >= end) return NULL;         \
        }                                        \
    } while (0)

/* A hot key matched with its closing quote and the colon (`type":`) in one constant-length
   compare: no string scan, no lookup. Sets *after past the colon. -1: the general key path. */
#define WPS__FK(lit, id)                                                                       \
    if ((size_t)(end - k) >= sizeof(lit) - 1 && wps__eq(k, lit, sizeof(lit) - 1)) {           \
        *after = k + sizeof(lit) - 1;                                                          \
        return (id);                                                                           \
    }
WPS__INLINE int wps__fast_key(const unsigned char *k, const unsigned char *end, const unsigned char **after) {
    switch (*k) {
    case 't': WPS__FK("type\":", WPS__K_TYPE) break;
    case 'f':
        WPS__FK("from\":", WPS__K_FROM)
        WPS__FK("fromUserId\":", WPS__K_FROM_USER_ID)
        break;
    case 'g': WPS__FK("group\":", WPS__K_GROUP) break;
    case 'd':
        WPS__FK("data\":", WPS__K_DATA)
        WPS__FK("dataType\":", WPS__K_DATA_TYPE)
        break;
    case 'a': WPS__FK("ackId\":", WPS__K_ACK_ID) break;
    case 's':
        WPS__FK("sequenceId\":", WPS__K_SEQUENCE_ID)
        WPS__FK("success\":", WPS__K_SUCCESS)
        break;
    case 'e':
        WPS__FK("event\":", WPS__K_EVENT)
        WPS__FK("error\":", WPS__K_ERROR)
        break;
    case 'u': WPS__FK("userId\":", WPS__K_USER_ID) break;
    case 'c': WPS__FK("connectionId\":", WPS__K_CONNECTION_ID) break;
    case 'r': WPS__FK("reconnectionToken\":", WPS__K_RECONNECTION_TOKEN) break;
    case 'm': WPS__FK("message\":", WPS__K_MESSAGE) break;
    default: break;
    }
    return -1;
}
#undef WPS__FK

/* An unsigned integer of at most 19 digits (never overflows); NULL for anything else. */
WPS__INLINE const unsigned char *wps__fast_u64(const unsigned char *p, uint64_t *out) {
    const unsigned char *start = p;
    uint64_t v = 0;
    unsigned c;
    /* stops at the final '}' at the latest */
    while ((c = (unsigned)*p - '0') <= 9u) {
        v = v * 10u + c;
        p++;
    }
    if (p == start || p - start > 19 || (*start == '0' && p - start > 1) || *p == '.' || *p == 'e' || *p == 'E') return NULL;
    *out = v;
    return p;
}

/* Validates the container at p ('{' or '[') at nesting depth `depth` (its parent's). */
static const unsigned char *wps__fast_skip(const wps__scan *s, const unsigned char *p, uint32_t depth) {
    const unsigned char *end = s->end;
    uint64_t stack = 0; /* bit per open container, 1 = object */
    uint32_t level = 0;
    int esc;
open: /* p at '{' or '[' (not the final '}'): p + 1 is readable */
    if (depth + level + 1 > s->max_depth || level >= 64) return NULL;
    stack = (stack << 1) | (*p == '{');
    level++;
    p++;
    WPS__FAST_WS(p);
    if (*p == ((stack & 1u) ? '}' : ']')) {
        p++;
        goto close;
    }
    for (;;) {
        if (stack & 1u) {
            if (*p != '"') return NULL;
            p = wps__scan_string(s, p, &esc);
            if (!p) return NULL;
            WPS__FAST_WS(p); /* a closing quote is not the final '}': p < end */
            if (*p != ':') return NULL;
            p++;
            WPS__FAST_WS(p);
        }
        switch (*p) {
        case '"': p = wps__scan_string(s, p, &esc); break;
        case '{':
        case '[': goto open;
        case 't': p = (end - p >= 4 && wps__eq(p, "true", 4)) ? p + 4 : NULL; break;
        case 'f': p = (end - p >= 5 && wps__eq(p, "false", 5)) ? p + 5 : NULL; break;
        case 'n': p = (end - p >= 4 && wps__eq(p, "null", 4)) ? p + 4 : NULL; break;
        default: p = wps__scan_number_fast(s, p); break;
        }
        if (!p || p >= end) return NULL;
    after: /* p < end, after a value */
        WPS__FAST_WS(p);
        if (*p == ',') {
            p++;
            WPS__FAST_WS(p);
            continue;
        }
        if (*p != ((stack & 1u) ? '}' : ']')) return NULL;
        p++;
    close:
        stack >>= 1;
        if (--level == 0) return p;
        if (p >= end) return NULL;
        goto after;
    }
}

/* The members of an "error" object (p at '{'): name, message and userErrorCode strings. */
static const unsigned char *wps__fast_error(const wps__scan *s, const unsigned char *p, wps__fval *v, uint64_t *seen) {
    const unsigned char *end = s->end;
    p++;
    WPS__FAST_WS(p);
    if (*p == '}') return p + 1;
    for (;;) {
        const unsigned char *k = p + 1;
        int esc = 0, id;
        if (*p != '"') return NULL;
        p = wps__scan_string(s, p, &esc);
        if (!p || esc) return NULL;
        switch (wps__key_lookup((const char *)k, (size_t)(p - 1 - k))) {
        case WPS__K_NAME: id = WPS__FE_NAME; break;
        case WPS__K_MESSAGE: id = WPS__FE_MESSAGE; break;
        case WPS__K_USER_ERROR_CODE: id = WPS__FE_CODE; break;
        default: id = -1; break;
        }
        WPS__FAST_WS(p);
        if (*p != ':') return NULL;
        p++;
        WPS__FAST_WS(p);
        if (id < 0) {
            if (*p == '{' || *p == '[') {
                p = wps__fast_skip(s, p, 2);
            } else {
                int jt;
                p = wps__skip_value(s, p, 2, &jt, &esc);
            }
        } else {
            uint64_t bit = (uint64_t)1 << id;
            if ((*seen & bit) || *p != '"') return NULL;
            *seen |= bit;
            v[id].p = p;
            v[id].jt = WPS__J_STRING;
            v[id].esc = 0;
            p = wps__scan_string(s, p, &v[id].esc);
            if (!p) return NULL;
            v[id].n = (size_t)(p - v[id].p);
        }
        if (!p || p >= end) return NULL;
        WPS__FAST_WS(p);
        if (*p == ',') {
            p++;
            WPS__FAST_WS(p);
            continue;
        }
        if (*p == '}') return p + 1;
        return NULL;
    }
}

#define WPS__FAST_HAS(id) ((seen >> (id)) & 1u)
/* the member is an unescaped string equal to lit */
#define WPS__FAST_IS(id, lit) (v[id].n == sizeof(lit) + 1 && wps__eq(v[id].p + 1, lit, sizeof(lit) - 1))

/* A string member into out when present; 0 when it is not a string. */
WPS__INLINE int wps__fast_str(wps__dec *d, const wps__fval *f, wps_slice *out) {
    if (f->jt != WPS__J_STRING) return 0;
    wps__str_out(d, f->p + 1, f->n - 2, f->esc, out);
    return 1;
}

/* 4 or 8 ASCII letters of a dataType compared with a lowercase name, case-insensitively. */
WPS__INLINE int wps__fast_ieq4(const unsigned char *p, const char *lower) {
    uint32_t a, b;
    WPS_MEMCPY(&a, p, 4);
    WPS_MEMCPY(&b, lower, 4);
    return (a | 0x20202020u) == b;
}

static int wps__fast_data(wps__dec *d, const wps__fval *v, uint64_t seen, wps_message *m) {
    const wps__fval *f = &v[WPS__K_DATA];
    if (!WPS__FAST_HAS(WPS__K_DATA)) return 0; /* required by every fast kind that carries data */
    m->has |= WPS_HAS_DATA;
    if (WPS__FAST_HAS(WPS__K_DATA_TYPE)) {
        const wps__fval *t = &v[WPS__K_DATA_TYPE];
        const unsigned char *b = t->p + 1;
        if (t->jt != WPS__J_STRING || t->esc) return 0;
        switch (t->n) {
        case 6:
            if (wps__fast_ieq4(b, "json")) goto json;
            if (!wps__fast_ieq4(b, "text") || f->jt != WPS__J_STRING) return 0;
            m->data_type = WPS_DATA_TEXT;
            wps__str_out(d, f->p + 1, f->n - 2, f->esc, &m->data);
            return 1;
        case 8:
            if (!wps__fast_ieq4(b, "bina") || (b[4] | 0x20) != 'r' || (b[5] | 0x20) != 'y') return 0;
            m->data_type = WPS_DATA_BINARY;
            break;
        case 10:
            if (!wps__fast_ieq4(b, "prot") || !wps__fast_ieq4(b + 4, "obuf")) return 0;
            m->data_type = WPS_DATA_PROTOBUF;
            break;
        default: return 0;
        }
        if (f->jt != WPS__J_STRING) return 0;
        {
            wps__slot sl;
            sl.p = f->p;
            sl.bits = WPS__SLOT_BITS(f->n, f->esc, WPS__J_STRING);
            return wps__get_base64(d, &sl, "data", &m->data) == WPS_OK;
        }
    }
json:
    m->data_type = WPS_DATA_JSON;
    m->data.ptr = (const char *)f->p;
    m->data.len = f->n;
    return 1;
}

/* Decodes a downstream frame of a hot kind: WPS_OK with *m filled, or WPS__BAIL. */
static wps_status wps__fast_decode(const void *frame, size_t len, void *scratch, size_t cap, uint32_t max_depth, wps_message *m) {
    wps__dec dec, *d = &dec;
    const unsigned char *p = (const unsigned char *)frame, *end = p + len;
    wps__fval v[WPS__FE_COUNT];
    uint64_t seen = 0;
    while (end > p && end[-1] <= ' ') {
        if (end[-1] != ' ' && end[-1] != '\n' && end[-1] != '\r' && end[-1] != '\t') return WPS__BAIL;
        end--;
    }
    if (*p != '{' || end - p < 2 || end[-1] != '}') return WPS__BAIL;
    d->s.beg = p;
    d->s.end = end;
    d->s.diag = NULL; /* failures bail; the general decoder diagnoses */
    d->s.status = NULL;
    d->s.max_depth = max_depth;
    d->mem.buf = (char *)scratch;
    d->mem.cap = cap;
    d->mem.used = 0;
    d->mem.needed = 0;
    d->rendered = 0;
    d->in_place = 0;
    p++;
    if (WPS__UNLIKELY(*p != '"')) {
        p = wps__ws(p, end);
        if (p >= end || *p != '"') return WPS__BAIL; /* also "{}" */
    }
    for (;;) { /* p at the opening quote of a key */
        const unsigned char *after;
        int esc = 0, id = wps__fast_key(p + 1, end, &after);
        if (WPS__LIKELY(id >= 0)) {
            p = after;
        } else {
            const unsigned char *k = p + 1;
            p = wps__scan_string(&d->s, p, &esc);
            if (!p || esc) return WPS__BAIL;
            id = wps__key_lookup((const char *)k, (size_t)(p - 1 - k));
            if (WPS__UNLIKELY(*p != ':')) { /* p < end: the closing quote is not the final '}' */
                p = wps__ws(p, end);
                if (p >= end || *p != ':') return WPS__BAIL;
            }
            p++;
        }
        if (WPS__UNLIKELY(*p <= ' ')) { /* the colon is not the final '}': p < end */
            p = wps__ws(p, end);
            if (p >= end) return WPS__BAIL;
        }
        if (id < 0) {
            if (*p == '{' || *p == '[') {
                p = wps__fast_skip(&d->s, p, 1);
            } else {
                int jt;
                p = wps__skip_value(&d->s, p, 1, &jt, &esc);
            }
        } else {
            uint64_t bit = (uint64_t)1 << id;
            wps__fval *f = &v[id];
            if (!((WPS__FAST_KEYS >> id) & 1u) || (seen & bit)) return WPS__BAIL;
            seen |= bit;
            f->p = p;
            switch (*p) {
            case '"':
                f->jt = WPS__J_STRING;
                f->esc = 0;
                p = wps__scan_string(&d->s, p, &f->esc);
                break;
            case 't':
                if (end - p < 4 || !wps__eq(p, "true", 4)) return WPS__BAIL;
                f->jt = WPS__J_TRUE;
                p += 4;
                break;
            case 'f':
                if (end - p < 5 || !wps__eq(p, "false", 5)) return WPS__BAIL;
                f->jt = WPS__J_FALSE;
                p += 5;
                break;
            case '{':
                f->jt = WPS__J_OBJECT;
                p = id == WPS__K_ERROR ? wps__fast_error(&d->s, p, v, &seen) : wps__fast_skip(&d->s, p, 1);
                break;
            case '[':
                f->jt = WPS__J_ARRAY;
                p = wps__fast_skip(&d->s, p, 1);
                break;
            default:
                f->jt = WPS__J_NUMBER;
                p = wps__fast_u64(p, &f->u);
                break;
            }
            if (!p) return WPS__BAIL;
            f->n = (size_t)(p - f->p);
        }
        if (!p || p >= end) return WPS__BAIL;
        if (WPS__UNLIKELY(*p <= ' ')) {
            p = wps__ws(p, end);
            if (p >= end) return WPS__BAIL;
        }
        if (WPS__LIKELY(*p == ',')) {
            p++;
            if (WPS__UNLIKELY(*p != '"')) {
                p = wps__ws(p, end);
                if (p >= end || *p != '"') return WPS__BAIL;
            }
            continue;
        }
        if (*p == '}' && p + 1 == end) break;
        return WPS__BAIL;
    }
    WPS_MEMSET(m, 0, sizeof *m);
    if (!WPS__FAST_HAS(WPS__K_TYPE) || v[WPS__K_TYPE].jt != WPS__J_STRING || v[WPS__K_TYPE].esc) return WPS__BAIL;
    switch (v[WPS__K_TYPE].n) {
    case 5: /* "ack": ackId and success required */
        if (!WPS__FAST_IS(WPS__K_TYPE, "ack") || !WPS__FAST_HAS(WPS__K_ACK_ID) || v[WPS__K_ACK_ID].jt != WPS__J_NUMBER ||
            !WPS__FAST_HAS(WPS__K_SUCCESS) || (v[WPS__K_SUCCESS].jt != WPS__J_TRUE && v[WPS__K_SUCCESS].jt != WPS__J_FALSE))
            return WPS__BAIL;
        m->kind = WPS_KIND_ACK;
        m->ack_id = v[WPS__K_ACK_ID].u;
        m->success = v[WPS__K_SUCCESS].jt == WPS__J_TRUE;
        m->has = WPS_HAS_ACK_ID | WPS_HAS_SUCCESS;
        if (WPS__FAST_HAS(WPS__K_ERROR)) { /* an ack's error carries no userErrorCode */
            if (v[WPS__K_ERROR].jt != WPS__J_OBJECT) return WPS__BAIL;
            if (WPS__FAST_HAS(WPS__FE_NAME)) wps__fast_str(d, &v[WPS__FE_NAME], &m->error.name);
            if (WPS__FAST_HAS(WPS__FE_MESSAGE)) wps__fast_str(d, &v[WPS__FE_MESSAGE], &m->error.message);
            if (WPS__FAST_HAS(WPS__FE_CODE) && v[WPS__FE_CODE].esc) /* the general path unescapes it into scratch */
                d->mem.needed += wps__unescape(v[WPS__FE_CODE].p + 1, v[WPS__FE_CODE].n - 2, NULL, 0);
            m->has |= WPS_HAS_ERROR;
        }
        break;
    case 6: /* "pong" */
        if (!WPS__FAST_IS(WPS__K_TYPE, "pong")) return WPS__BAIL;
        m->kind = WPS_KIND_PONG;
        break;
    case 8: /* "system" */
        if (!WPS__FAST_IS(WPS__K_TYPE, "system") || !WPS__FAST_HAS(WPS__K_EVENT) || v[WPS__K_EVENT].jt != WPS__J_STRING ||
            v[WPS__K_EVENT].esc)
            return WPS__BAIL;
        if (WPS__FAST_IS(WPS__K_EVENT, "connected")) { /* connectionId required */
            m->kind = WPS_KIND_CONNECTED;
            if ((WPS__FAST_HAS(WPS__K_USER_ID) && !wps__fast_str(d, &v[WPS__K_USER_ID], &m->user_id)) ||
                !WPS__FAST_HAS(WPS__K_CONNECTION_ID) || !wps__fast_str(d, &v[WPS__K_CONNECTION_ID], &m->connection_id) ||
                (WPS__FAST_HAS(WPS__K_RECONNECTION_TOKEN) && !wps__fast_str(d, &v[WPS__K_RECONNECTION_TOKEN], &m->reconnection_token)))
                return WPS__BAIL;
        } else if (WPS__FAST_IS(WPS__K_EVENT, "disconnected")) {
            m->kind = WPS_KIND_DISCONNECTED;
            if (WPS__FAST_HAS(WPS__K_MESSAGE) && !wps__fast_str(d, &v[WPS__K_MESSAGE], &m->message)) return WPS__BAIL;
        } else {
            return WPS__BAIL;
        }
        break;
    case 9: /* "message": data required; a group message's group too */
        if (!WPS__FAST_IS(WPS__K_TYPE, "message") || !WPS__FAST_HAS(WPS__K_FROM) || v[WPS__K_FROM].jt != WPS__J_STRING ||
            v[WPS__K_FROM].esc)
            return WPS__BAIL;
        if (WPS__FAST_IS(WPS__K_FROM, "group")) {
            m->kind = WPS_KIND_GROUP_DATA;
            if (!WPS__FAST_HAS(WPS__K_GROUP) || !wps__fast_str(d, &v[WPS__K_GROUP], &m->group) ||
                (WPS__FAST_HAS(WPS__K_FROM_USER_ID) && !wps__fast_str(d, &v[WPS__K_FROM_USER_ID], &m->from_user_id)))
                return WPS__BAIL;
        } else if (WPS__FAST_IS(WPS__K_FROM, "server")) {
            m->kind = WPS_KIND_SERVER_DATA;
        } else {
            return WPS__BAIL;
        }
        if (!wps__fast_data(d, v, seen, m)) return WPS__BAIL;
        if (WPS__FAST_HAS(WPS__K_SEQUENCE_ID)) {
            if (v[WPS__K_SEQUENCE_ID].jt != WPS__J_NUMBER) return WPS__BAIL;
            m->sequence_id = v[WPS__K_SEQUENCE_ID].u;
            m->has |= WPS_HAS_SEQUENCE_ID;
        }
        break;
    default: return WPS__BAIL;
    }
    return d->mem.needed <= cap ? WPS_OK : WPS__BAIL;
}

#undef WPS__FAST_WS
#undef WPS__FAST_HAS
#undef WPS__FAST_IS
#endif /* !WPS__SMALL: the decode fast path */

/* d->s.diag, d->s.max_depth, d->mem.buf and d->mem.cap are set by the caller (the scratch,
   its capacity, the details wanted, the nesting limit): fewer arguments, a smaller frame. */
static wps_status wps__decode_common(wps__dec *d, const void *frame, size_t len, wps_message *out) {
    const unsigned char *p, *end;
    wps_diag *diag = d->s.diag;
    void *scratch = d->mem.buf;
    size_t cap = d->mem.cap;
    uint32_t max_depth = d->s.max_depth;
    wps__obj o;
    if (diag) {
        diag->status = WPS_OK;
        diag->offset = 0;
        diag->needed = 0;
        diag->reason[0] = 0;
    }
    if (!out || (!frame && len) || (!scratch && cap)) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL pointer argument", (size_t)-1);
    WPS_MEMSET(out, 0, sizeof *out);
    if (max_depth == 0 || max_depth > WPS_MAX_DEPTH_LIMIT)
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "max_depth must be 1..WPS_MAX_DEPTH_LIMIT", (size_t)-1);
    if (!frame) return wps__fail(diag, WPS_ERR_EMPTY, NULL, "empty frame", (size_t)-1); /* len is 0 here */
    if (len > SIZE_MAX / 16) /* 256 MB on 32-bit targets: the recorded lengths keep 4 bits of flags */
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "frame longer than SIZE_MAX / 16", (size_t)-1);
    d->s.beg = (const unsigned char *)frame;
    d->s.end = d->s.beg + len;
    d->status = WPS_OK;
    d->s.status = &d->status;
    d->mem.used = 0;
    d->mem.needed = 0;
    p = d->s.beg;
    end = d->s.end;
    p = wps__ws(p, end);
    if (p >= end) return wps__fail(diag, WPS_ERR_EMPTY, NULL, "empty frame", (size_t)-1);
    if (*p != '{') {
        if (*p == '[' || *p == '"' || *p == '-' || (*p >= '0' && *p <= '9') || *p == 't' || *p == 'f' || *p == 'n') {
            int jt, esc;
            if (!wps__skip_value(&d->s, p, 1, &jt, &esc)) return d->status;
            return wps__fail(diag, WPS_ERR_INVALID_MESSAGE, NULL, "the frame must be a JSON object", wps__off(d, p));
        }
        return wps__scan_fail(&d->s, WPS_ERR_SYNTAX, p, "'{' expected");
    }
    o.seen = 0;
    d->obj = &o;
    p = wps__scan_object(&d->s, p, 1, &o, WPS__CTX_TOP);
    if (!p) return d->status;
    p = wps__ws(p, end);
    if (p != end) return wps__scan_fail(&d->s, WPS_ERR_TRAILING, p, "data after the JSON object");
    {
        /* discriminators */
        wps_kind kind = WPS_KIND_NONE;
        const wps__kind_desc *k;
        unsigned i;
        if (d->rendered) {
            wps_slice kn;
            if (!wps__has(&o, WPS__K_KIND)) return wps__fail(diag, WPS_ERR_MISSING_FIELD, "kind", "required field missing", (size_t)-1);
            WPS__TRY(wps__get_str(d, &o, WPS__K_KIND, &kn));
            kind = wps_kind_from_name(kn.ptr, kn.len);
            if (kind == WPS_KIND_NONE) return wps__ignored(d, "kind", kn);
        } else {
            wps_slice ty;
            if (!wps__has(&o, WPS__K_TYPE)) return wps__fail(diag, WPS_ERR_MISSING_FIELD, "type", "required field missing", (size_t)-1);
            WPS__TRY(wps__get_str(d, &o, WPS__K_TYPE, &ty));
            kind = wps__wire_kind(ty.ptr, ty.len);
            if (kind == WPS_KIND_NONE) return wps__ignored(d, "type", ty);
            k = &wps__kinds[kind];
            if (k->sub) {
                /* message: from; system: event. Resolve among the kinds sharing this wire type. */
                int key = kind == WPS_KIND_CONNECTED ? WPS__K_EVENT : WPS__K_FROM;
                wps_slice sv;
                wps_kind first = kind;
                if (!wps__has(&o, key))
                    return wps__fail(diag, WPS_ERR_MISSING_FIELD, wps__key_names[key], "required field missing", (size_t)-1);
                WPS__TRY(wps__get_str(d, &o, key, &sv));
                /* the kinds sharing a wire type are neighbours in wps__kinds (message: groupData,
                   serverData; system: connected, disconnected), told apart by their `sub` */
                for (kind = WPS_KIND_NONE, i = (unsigned)first; i < (unsigned)first + 2u; i++)
                    if (wps__slice_eq_cstr(sv.ptr, sv.len, wps__kinds[i].sub)) kind = (wps_kind)i;
                if (kind == WPS_KIND_NONE) return wps__ignored(d, key == WPS__K_EVENT ? "system event" : "from", sv);
            }
        }
        out->kind = kind;
        k = &wps__kinds[kind];
        for (i = 0; k->fields[i]; i++) {
            wps_status st = wps__get_field(d, &o, (int)WPS__FIELD_ID(k->fields[i]), out);
            if (st != WPS_OK) {
                if (st == WPS_IGNORED) out->kind = WPS_KIND_NONE;
                return st;
            }
        }
    }
    if (d->mem.needed > cap) {
        if (diag) diag->needed = d->mem.needed;
        return wps__fail(diag, WPS_ERR_BUFFER_TOO_SMALL, NULL, "scratch buffer too small (see diag.needed)", (size_t)-1);
    }
    return WPS_OK;
}

/* The general decoder (fuzz/decode_fast.c compares wps_decode's fast path with it). */
static wps_status wps__decode(const wps_codec *codec, const void *frame, size_t frame_len, void *scratch,
                              size_t scratch_cap, wps_message *out, wps_diag *diag) {
    wps__dec d;
    wps_status st;
    if (!codec) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL codec", (size_t)-1);
    if (wps_protocol_is_binary(codec->protocol) || (unsigned)codec->protocol > 3u) {
        if (out) WPS_MEMSET(out, 0, sizeof *out);
        return wps__fail(diag, WPS_ERR_UNSUPPORTED_PROTOCOL, NULL, "protobuf subprotocols are not in this build's codec yet", (size_t)-1);
    }
    d.rendered = 0;
    d.in_place = scratch == frame && frame != NULL; /* wps_decode_in_place */
    if (d.in_place) scratch_cap = 0;
    d.s.diag = diag;
    d.s.max_depth = codec->max_depth;
    d.mem.buf = d.in_place ? NULL : (char *)scratch;
    d.mem.cap = scratch_cap;
    st = wps__decode_common(&d, frame, frame_len, out);
    if (st != WPS_OK) {
        if (out) out->kind = WPS_KIND_NONE;
        return st;
    }
    if (!wps_kind_allows_direction(out->kind, codec->direction)) {
        /* A type of the other direction is not a message of this one: ignore, like unknown types. */
        wps_slice ty = wps_slice_from_cstr(wps__kinds[out->kind].wire_type);
        out->kind = WPS_KIND_NONE;
        return wps__ignored(&d, codec->direction == WPS_UPSTREAM ? "upstream type" : "downstream type", ty);
    }
    st = wps__check_rules(out, codec->protocol, 0, diag);
    if (st != WPS_OK) out->kind = WPS_KIND_NONE;
    return st;
}

WPS_API wps_status wps_decode(const wps_codec *codec, const void *frame, size_t frame_len, void *scratch,
                              size_t scratch_cap, wps_message *out, wps_diag *diag) {
#ifndef WPS__SMALL
    if (codec && out && frame && frame_len >= 2 && frame_len <= SIZE_MAX / 16 && (scratch || !scratch_cap) && codec->direction == WPS_DOWNSTREAM &&
        (codec->protocol == WPS_PROTOCOL_JSON || codec->protocol == WPS_PROTOCOL_JSON_RELIABLE) && codec->max_depth >= 2 &&
        codec->max_depth <= WPS_MAX_DEPTH_LIMIT) {
        wps_status st = wps__fast_decode(frame, frame_len, scratch, scratch_cap, codec->max_depth, out);
        if (st == WPS_OK) {
            if (diag) {
                diag->status = WPS_OK;
                diag->offset = 0;
                diag->needed = 0;
                diag->reason[0] = 0;
            }
            return WPS_OK;
        }
    }
#endif
    return wps__decode(codec, frame, frame_len, scratch, scratch_cap, out, diag);
}

WPS_API wps_status wps_decode_in_place(const wps_codec *codec, void *frame, size_t frame_len, wps_message *out, wps_diag *diag) {
    if (!frame) return wps__decode(codec, frame, frame_len, NULL, 0, out, diag);
    return wps__decode(codec, frame, frame_len, frame, 0, out, diag); /* scratch == frame: in place */
}

WPS_API wps_status wps_message_parse_rendered(const wps_codec *codec, const char *json, size_t len, void *scratch,
                                              size_t scratch_cap, wps_message *out, wps_diag *diag) {
    wps__dec d;
    wps_status st;
    d.rendered = 1;
    d.in_place = 0;
    d.s.diag = diag;
    d.s.max_depth = codec ? codec->max_depth : WPS_DEFAULT_MAX_DEPTH;
    d.mem.buf = (char *)scratch;
    d.mem.cap = scratch_cap;
    st = wps__decode_common(&d, json, len, out);
    if (st == WPS_OK) st = wps__check_rules(out, codec ? codec->protocol : WPS_PROTOCOL_JSON_RELIABLE, 0, diag);
    if (st != WPS_OK && out) out->kind = WPS_KIND_NONE;
    return st;
}

/* ------------------------------------------------------------------------------- writing */

typedef struct wps__w {
    char *buf;
    size_t cap;
    size_t len;
} wps__w;

/* Output lengths saturate at SIZE_MAX (which no buffer reaches) instead of wrapping. */
static void wps__put(wps__w *w, const char *s, size_t n) {
    if (w->buf && w->len <= w->cap && n <= w->cap - w->len && n) WPS_MEMCPY(w->buf + w->len, s, n);
    w->len = wps__sat_add(w->len, n);
}

static void wps__putc(wps__w *w, char c) {
    if (w->buf && w->len < w->cap) w->buf[w->len] = c;
    if (w->len != SIZE_MAX) w->len++;
}

static void wps__puts(wps__w *w, const char *s) { wps__put(w, s, wps__cstrlen(s)); }

static void wps__put_u64(wps__w *w, uint64_t v) {
    char tmp[20];
    wps__put(w, tmp, wps__u64_dec(v, tmp));
}

/* Writes a JSON string literal of bytes p[0..n) (which must be valid UTF-8). Escapes like
   JSON.stringify: \" \\ \b \f \n \r \t, other controls as \u00XX; everything else raw. */
static void wps__put_jstr(wps__w *w, const char *p, size_t n) {
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, run = 0;
    wps__putc(w, '"');
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        const char *esc = NULL;
        char ub[6];
        if (c >= 0x20 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        wps__put(w, p + run, i - run);
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case 8: esc = "\\b"; break;
        case 12: esc = "\\f"; break;
        case 10: esc = "\\n"; break;
        case 13: esc = "\\r"; break;
        case 9: esc = "\\t"; break;
        default:
            ub[0] = '\\'; ub[1] = 'u'; ub[2] = '0'; ub[3] = '0';
            ub[4] = hex[c >> 4]; ub[5] = hex[c & 15];
            wps__put(w, ub, 6);
            break;
        }
        if (esc) wps__puts(w, esc);
        i++;
        run = i;
    }
    wps__put(w, p + run, n - run);
    wps__putc(w, '"');
}

/* Copies validated JSON text without insignificant whitespace. */
static void wps__put_minified(wps__w *w, const char *p, size_t n) {
    size_t i = 0, run = 0;
    int in_str = 0;
    while (i < n) {
        char c = p[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = 0;
            i++;
            continue;
        }
        if (c == '"') in_str = 1;
        else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            wps__put(w, p + run, i - run);
            run = i + 1;
        }
        i++;
    }
    wps__put(w, p + run, n - run);
}

static void wps__put_key(wps__w *w, const char *key) {
    wps__putc(w, ',');
    wps__putc(w, '"');
    wps__puts(w, key);
    wps__putc(w, '"');
    wps__putc(w, ':');
}

static void wps__put_b64(wps__w *w, const char *p, size_t n) {
    size_t need = n > (SIZE_MAX - 3) / 4 * 3 ? SIZE_MAX : (n + 2) / 3 * 4;
    if (need == SIZE_MAX || w->len > SIZE_MAX - need) {
        w->len = SIZE_MAX; /* cannot fit any buffer: reported as too small */
        return;
    }
    if (w->buf && need && w->len <= w->cap && need <= w->cap - w->len) wps_base64_encode(p, n, w->buf + w->len, need);
    w->len += need;
}

typedef struct wps__enc {
    wps__w w;
    wps_diag *diag;
    int rendered;
    uint32_t max_depth;
} wps__enc;

static wps_status wps__enc_str(wps__enc *e, const char *key, wps_slice v) {
    size_t bad;
    if (!v.ptr) return WPS_OK;
    bad = wps__utf8_check((const unsigned char *)v.ptr, v.len);
    if (bad != v.len) return wps__fail(e->diag, WPS_ERR_UTF8, key, "invalid UTF-8 in the value", bad);
    wps__put_key(&e->w, key);
    wps__put_jstr(&e->w, v.ptr, v.len);
    return WPS_OK;
}

static wps_status wps__check_json(wps__enc *e, const char *key, wps_slice v, int want) {
    wps__scan s;
    wps_status st = WPS_OK;
    const unsigned char *p, *q;
    int jt = 0, esc = 0;
    if (!v.ptr || !v.len) return wps__fail(e->diag, WPS_ERR_SYNTAX, key, "empty JSON value", (size_t)-1); /* (no NULL + 0) */
    s.beg = (const unsigned char *)v.ptr;
    s.end = s.beg + v.len;
    s.diag = e->diag; /* the reason is given the field's name below */
    s.status = &st;
    s.max_depth = e->max_depth;
    p = wps__ws(s.beg, s.end);
    if (p >= s.end) return wps__fail(e->diag, WPS_ERR_SYNTAX, key, "empty JSON value", (size_t)-1);
    q = wps__skip_value(&s, p, 1, &jt, &esc);
    if (!q) {
        wps__diag_key_prefix(e->diag, key);
        return st;
    }
    if (wps__ws(q, s.end) != s.end) return wps__fail(e->diag, WPS_ERR_TRAILING, key, "data after the JSON value", (size_t)(q - s.beg));
    if (want && jt != want) return wps__fail(e->diag, WPS_ERR_TYPE_MISMATCH, key, want == WPS__J_OBJECT ? "object expected" : "array expected", (size_t)-1);
    return WPS_OK;
}

static wps_status wps__enc_data(wps__enc *e, const wps_message *m) {
    if (!(m->has & WPS_HAS_DATA)) return WPS_OK;
    if ((unsigned)m->data_type > 3u) return wps__fail(e->diag, WPS_ERR_INVALID_ARGUMENT, "dataType", "unknown data type", (size_t)-1);
    if (!m->data.ptr && m->data.len) return wps__fail(e->diag, WPS_ERR_INVALID_ARGUMENT, "data", "NULL data with a length", (size_t)-1);
    wps__put_key(&e->w, "dataType");
    wps__putc(&e->w, '"');
    wps__puts(&e->w, wps_data_type_name(m->data_type));
    wps__putc(&e->w, '"');
    switch (m->data_type) {
    case WPS_DATA_JSON:
        WPS__TRY(wps__check_json(e, "data", m->data, 0));
        wps__put_key(&e->w, "data");
        wps__put_minified(&e->w, m->data.ptr, m->data.len);
        return WPS_OK;
    case WPS_DATA_TEXT: {
        wps_slice v = m->data;
        if (!v.ptr) v.ptr = "";
        return wps__enc_str(e, "data", v);
    }
    default:
        wps__put_key(&e->w, "data");
        if (e->rendered) wps__puts(&e->w, "{\"$binary\":");
        wps__putc(&e->w, '"');
        wps__put_b64(&e->w, m->data.ptr ? m->data.ptr : "", m->data.len);
        wps__putc(&e->w, '"');
        if (e->rendered) wps__putc(&e->w, '}');
        return WPS_OK;
    }
}

static void wps__enc_u64(wps__enc *e, const char *key, uint64_t v) {
    wps__put_key(&e->w, key);
    wps__put_u64(&e->w, v);
}

static void wps__enc_bool(wps__enc *e, const char *key, bool v) {
    wps__put_key(&e->w, key);
    wps__puts(&e->w, v ? "true" : "false");
}

/* Writes an object body {...} whose members are added with wps__put_key (which starts with a
   comma): open with '{' and patch the first comma away. */
static void wps__obj_open(wps__enc *e, const char *key, size_t *mark) {
    wps__put_key(&e->w, key);
    wps__putc(&e->w, '{');
    *mark = e->w.len;
}

static void wps__obj_close(wps__enc *e, size_t mark) {
    WPS_ASSERT(mark >= 1 && mark <= e->w.len);
    /* remove the comma right after '{' (written by the first wps__put_key) */
    if (e->w.len > mark) {
        if (e->w.buf && e->w.len <= e->w.cap) WPS_MEMMOVE(e->w.buf + mark, e->w.buf + mark + 1, e->w.len - mark - 1);
        if (e->w.len != SIZE_MAX) e->w.len--;
    }
    wps__putc(&e->w, '}');
}

static wps_status wps__enc_error(wps__enc *e, const wps_message *m, int with_name, int with_code) {
    size_t mark;
    if (!(m->has & WPS_HAS_ERROR)) return WPS_OK;
    if (!with_name && m->error.name.ptr)
        return wps__fail(e->diag, WPS_ERR_INVALID_MESSAGE, "error", "streamEnd error must not contain name", (size_t)-1);
    wps__obj_open(e, "error", &mark);
    if (with_name) WPS__TRY(wps__enc_str(e, "name", m->error.name));
    WPS__TRY(wps__enc_str(e, "message", m->error.message));
    if (with_code) WPS__TRY(wps__enc_str(e, "userErrorCode", m->error.user_error_code));
    wps__obj_close(e, mark);
    return WPS_OK;
}

static wps_status wps__enc_field(wps__enc *e, const wps_message *m, int field) {
    const wps__field_desc *f = &wps__fields[field];
    const char *key = wps__key_names[f->key];
    switch (f->jt) {
    case WPS__J_NUMBER:
        if (m->has & f->has) wps__enc_u64(e, key, *(const uint64_t *)WPS__FIELD_IN(m, field));
        return WPS_OK;
    case WPS__J_TRUE:
        if (m->has & f->has) wps__enc_bool(e, key, *(const bool *)WPS__FIELD_IN(m, field));
        return WPS_OK;
    case WPS__J_STRING: return wps__enc_str(e, key, *(const wps_slice *)WPS__FIELD_IN(m, field));
    default: break;
    }
    switch (field) {
    case WPS__F_ERROR: return wps__enc_error(e, m, 1, 0);
    case WPS__F_END_ERROR: return wps__enc_error(e, m, 0, 1);
    case WPS__F_DATA: return wps__enc_data(e, m);
    case WPS__F_STATE:
        if (!m->state.ptr) return WPS_OK;
        WPS__TRY(wps__check_json(e, "state", m->state, WPS__J_OBJECT));
        wps__put_key(&e->w, "state");
        wps__put_minified(&e->w, m->state.ptr, m->state.len);
        return WPS_OK;
    case WPS__F_ITEMS:
        if (!m->items.ptr) return WPS_OK;
        WPS__TRY(wps__check_json(e, "items", m->items, WPS__J_ARRAY));
        wps__put_key(&e->w, "items");
        wps__put_minified(&e->w, m->items.ptr, m->items.len);
        return WPS_OK;
    case WPS__F_STREAM_INFO:
    case WPS__F_STREAM_START: {
        size_t mark;
        if (!(m->has & WPS_HAS_STREAM)) return WPS_OK;
        if (!m->stream_id.ptr) return wps__fail(e->diag, WPS_ERR_MISSING_FIELD, "stream.streamId", "required field missing", (size_t)-1);
        wps__obj_open(e, "stream", &mark);
        WPS__TRY(wps__enc_str(e, "streamId", m->stream_id));
        if (field == WPS__F_STREAM_INFO) {
            if (!(m->has & WPS_HAS_STREAM_SEQUENCE_ID))
                return wps__fail(e->diag, WPS_ERR_MISSING_FIELD, "stream.streamSequenceId", "required field missing", (size_t)-1);
            wps__enc_u64(e, "streamSequenceId", m->stream_sequence_id);
            if (m->has & WPS_HAS_END_OF_STREAM) wps__enc_bool(e, "endOfStream", m->end_of_stream);
            WPS__TRY(wps__enc_error(e, m, 1, 1));
        } else if (m->has & WPS_HAS_IDLE_TIMEOUT) {
            wps__enc_u64(e, e->rendered ? "idleTimeoutInMs" : "idleTimeoutMs", m->idle_timeout_ms);
        }
        wps__obj_close(e, mark);
        return WPS_OK;
    }
    default: return WPS_OK;
    }
}

static wps_status wps__write_message(wps__enc *e, const wps_message *m) {
    const wps__kind_desc *k = &wps__kinds[m->kind];
    unsigned i;
    if (e->rendered) {
        wps__puts(&e->w, "{\"kind\":\"");
        wps__puts(&e->w, k->kind_name);
        wps__putc(&e->w, '"');
    } else {
        wps__puts(&e->w, "{\"type\":\"");
        wps__puts(&e->w, k->wire_type);
        wps__putc(&e->w, '"');
        if (k->sub) {
            wps__put_key(&e->w, m->kind == WPS_KIND_CONNECTED || m->kind == WPS_KIND_DISCONNECTED ? "event" : "from");
            wps__putc(&e->w, '"');
            wps__puts(&e->w, k->sub);
            wps__putc(&e->w, '"');
        }
    }
    for (i = 0; k->fields[i]; i++) WPS__TRY(wps__enc_field(e, m, (int)WPS__FIELD_ID(k->fields[i])));
    wps__putc(&e->w, '}');
    return WPS_OK;
}

static wps_status wps__finish(wps__enc *e, size_t *out_len) {
    if (out_len) *out_len = e->w.len;
    if (e->w.len > e->w.cap) {
        if (e->diag) e->diag->needed = e->w.len;
        return wps__fail(e->diag, WPS_ERR_BUFFER_TOO_SMALL, NULL, "output buffer too small (see the returned length)", (size_t)-1);
    }
    return WPS_OK;
}

static void wps__diag_clear(wps_diag *diag) {
    if (!diag) return;
    diag->status = WPS_OK;
    diag->offset = 0;
    diag->needed = 0;
    diag->reason[0] = 0;
}

WPS_API wps_status wps_encode(const wps_codec *codec, const wps_message *msg, void *out, size_t cap, size_t *out_len, wps_diag *diag) {
    wps__enc e;
    wps_status st;
    wps__diag_clear(diag);
    if (out_len) *out_len = 0;
    if (!codec || !msg || (!out && cap)) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL pointer argument", (size_t)-1);
    if (wps_protocol_is_binary(codec->protocol) || (unsigned)codec->protocol > 3u)
        return wps__fail(diag, WPS_ERR_UNSUPPORTED_PROTOCOL, NULL, "protobuf subprotocols are not in this build's codec yet", (size_t)-1);
    if ((unsigned)msg->kind == 0 || (unsigned)msg->kind >= (unsigned)WPS_KIND_COUNT_)
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, "kind", "unknown message kind", (size_t)-1);
    if (!wps_kind_allows_direction(msg->kind, codec->direction))
        return wps__fail(diag, WPS_ERR_WRONG_DIRECTION, wps_kind_name(msg->kind),
                         codec->direction == WPS_UPSTREAM ? "is not an upstream message" : "is not a downstream message", (size_t)-1);
    st = wps__check_rules(msg, codec->protocol, 1, diag);
    if (st != WPS_OK) return st;
    e.w.buf = (char *)out;
    e.w.cap = cap;
    e.w.len = 0;
    e.diag = diag;
    e.rendered = 0;
    e.max_depth = codec->max_depth ? codec->max_depth : WPS_DEFAULT_MAX_DEPTH;
    if (e.max_depth > WPS_MAX_DEPTH_LIMIT) e.max_depth = WPS_MAX_DEPTH_LIMIT;
    st = wps__write_message(&e, msg);
    if (st != WPS_OK) {
        if (out_len) *out_len = 0;
        return st;
    }
    return wps__finish(&e, out_len);
}

WPS_API wps_status wps_message_render(const wps_message *msg, char *out, size_t cap, size_t *out_len) {
    wps__enc e;
    wps_status st;
    if (out_len) *out_len = 0;
    if (!msg || (!out && cap)) return WPS_ERR_INVALID_ARGUMENT;
    if ((unsigned)msg->kind == 0 || (unsigned)msg->kind >= (unsigned)WPS_KIND_COUNT_) return WPS_ERR_INVALID_ARGUMENT;
    e.w.buf = out;
    e.w.cap = cap;
    e.w.len = 0;
    e.diag = NULL;
    e.rendered = 1;
    e.max_depth = WPS_MAX_DEPTH_LIMIT;
    st = wps__write_message(&e, msg);
    if (st != WPS_OK) return st;
    return wps__finish(&e, out_len);
}

WPS_API wps_status wps_render_result(wps_status status, const wps_message *msg, const wps_diag *diag, char *out,
                                     size_t cap, size_t *out_len) {
    wps__enc e;
    if (status == WPS_OK) return wps_message_render(msg, out, cap, out_len);
    if (out_len) *out_len = 0;
    if (!out && cap) return WPS_ERR_INVALID_ARGUMENT;
    e.w.buf = out;
    e.w.cap = cap;
    e.w.len = 0;
    e.diag = NULL;
    e.rendered = 1;
    e.max_depth = 1;
    if (status == WPS_IGNORED) {
        const char *r = diag ? diag->reason : "ignored";
        wps__puts(&e.w, "{\"$ignored\":");
        wps__put_jstr(&e.w, r, wps__cstrlen(r));
    } else {
        char tmp[WPS_REASON_SIZE + 64];
        size_t pos = 0, n, i;
        const char *name = wps_status_name(status), *r = diag && diag->reason[0] ? diag->reason : wps_strerror(status);
        n = wps__cstrlen(name);
        for (i = 0; i < n && pos < sizeof tmp; i++) tmp[pos++] = name[i];
        if (pos + 2 <= sizeof tmp) tmp[pos++] = ':', tmp[pos++] = ' ';
        n = wps__cstrlen(r);
        for (i = 0; i < n && pos < sizeof tmp; i++) tmp[pos++] = r[i];
        /* a reason is ASCII-only by construction except for echoed key names; keep it valid */
        wps__puts(&e.w, "{\"$error\":");
        wps__put_jstr(&e.w, tmp, pos);
    }
    wps__putc(&e.w, '}');
    return wps__finish(&e, out_len);
}

#ifndef WPS_NO_CLIENT
/* ============ >>client  3. the client */

WPS_API bool wps_retry_next_delay(const wps_retry_policy *p, uint32_t attempt, uint32_t *delay_ms) {
    uint32_t t = 0;
    if (!p || attempt == 0 || (p->max_retries != WPS_RETRY_UNLIMITED && attempt > p->max_retries)) return false;
    if (p->mode != WPS_RETRY_EXPONENTIAL) {
        if (delay_ms) *delay_ms = p->delay_ms;
        return true;
    }
    /* T = ceil(log2(max) - log2(delay) + 1) = 1 + the smallest k >= 0 with delay * 2^k >= max */
    if (p->delay_ms == 0) {
        if (delay_ms) *delay_ms = 0;
        return true;
    }
    while (t < 64 && ((uint64_t)p->delay_ms << t) < (uint64_t)p->max_delay_ms) t++;
    t += 1;
    if (delay_ms) {
        if (attempt >= t || attempt > 32) {
            *delay_ms = p->max_delay_ms;
        } else {
            uint64_t d = (uint64_t)p->delay_ms << (attempt - 1);
            *delay_ms = d > p->max_delay_ms ? p->max_delay_ms : (uint32_t)d;
        }
    }
    return 1;
}

WPS_API wps_client_config wps_client_config_default(void) {
    wps_client_config c;
    WPS_MEMSET(&c, 0, sizeof c);
    c.protocol = WPS_PROTOCOL_JSON_RELIABLE;
    c.auto_reconnect = true;
    c.auto_rejoin_groups = true;
    c.keepalive_interval_ms = 20000;
    c.keepalive_timeout_ms = 120000;
    c.message_retry.max_retries = 3;
    c.message_retry.delay_ms = 1000;
    c.message_retry.max_delay_ms = 30000;
    c.message_retry.mode = WPS_RETRY_FIXED;
    c.reconnect_retry.max_retries = WPS_RETRY_UNLIMITED;
    c.reconnect_retry.delay_ms = 1000;
    c.reconnect_retry.max_delay_ms = 30000;
    c.reconnect_retry.mode = WPS_RETRY_FIXED;
    c.recovery_window_ms = 30000;
    c.recovery_retry_ms = 1000;
    c.sequence_ack_interval_ms = 1000;
    c.quick_sequence_ack_diff = 300;
    c.ack_timeout_ms = WPS_NO_TIMEOUT;
    c.invoke_timeout_ms = WPS_NO_TIMEOUT;
    c.attempt_timeout_ms = WPS_NO_TIMEOUT;
    c.resend_after_session_loss = true;
    c.max_calls = 16;
    c.max_groups = 16;
    c.max_name_len = 128;
    c.max_frame_size = 8192;
    c.max_url_len = 2048;
    c.max_token_len = 1024;
    return c;
}

WPS_API wps_client_config wps_client_config_embedded(void) {
    wps_client_config c = wps_client_config_default();
    c.max_calls = 8;
    c.max_groups = 8;
    c.max_name_len = 32;
    c.max_frame_size = 1088;
    c.max_url_len = 512;
    c.max_token_len = 256;
    c.max_id_len = 64;
    c.borrow_payloads = true;
    c.receive_in_place = true;
    c.host_transmit_buffer = true;
    c.borrow_url = true;
    return c;
}

/* ---------------------------------------------------------------- state machine: data

   The connection has one state (wps__conn); everything else the client keeps is data about
   calls, groups and the session. Each host input is one function below that switches on the
   state and names its next state and effects; the table in docs/client-guide.md ("Client state machine")
   lists them all. Each input ends in wps__leave, which sends the calls a usable connection can
   carry (wps__pump) and, where WPS_ASSERT is active, checks the invariants (wps__check). */
typedef enum wps__conn {
    WPS__C_STOPPED = 0,     /* nothing under way */
    WPS__C_WAIT_URL,        /* fresh connection: NEED_URL asked */
    WPS__C_OPENING,         /* fresh connection: OPEN asked */
    WPS__C_HANDSHAKE,       /* fresh connection open: calls wait for the `connected` frame */
    WPS__C_READY,           /* open and usable: calls go out */
    WPS__C_CLOSING,         /* the client closes (keepalive timeout): waiting for on_close */
    WPS__C_RECOVER_OPENING, /* recovery socket asked */
    WPS__C_RECOVER_WAIT,    /* pause between recovery attempts */
    WPS__C_BACKOFF,         /* waiting to reconnect */
    WPS__C_STOP_OPENING,    /* stop() while a socket was opening: waiting for it to open or fail */
    WPS__C_STOP_CLOSING     /* stop() with a socket open: CLOSE asked, waiting for on_close */
} wps__conn;

/* call states: FREE (slot unused), WAITING (its next attempt waits for a usable connection),
   IN_FLIGHT (an attempt is queued or handed to the host on this connection, no answer yet),
   RETRY_WAIT (answered with an error; the next attempt waits for the retry delay), DONE (its
   completion is queued) */
enum { WPS__CALL_FREE, WPS__CALL_WAITING, WPS__CALL_IN_FLIGHT, WPS__CALL_RETRY_WAIT, WPS__CALL_DONE };
enum { WPS__START, WPS__RECONNECT };
/* queued records, one typed record per kind */
enum { WPS__R_NEED_URL = 1, WPS__R_OPEN, WPS__R_SEND_CALL, WPS__R_SEND_FRAME, WPS__R_CLOSE, WPS__R_EVENT, WPS__R_COMPLETE };
/* what an internal frame is */
enum { WPS__F_PING, WPS__F_SEQACK, WPS__F_REJOIN, WPS__F_CANCEL };

#define WPS__DISC_MAX 512u   /* the service's disconnected message kept for the event (at most
                                max_token_len bytes of it in smaller configurations) */
#define WPS__DISC_CAP(cfg) ((cfg)->max_token_len < WPS__DISC_MAX ? (cfg)->max_token_len : WPS__DISC_MAX)
#define WPS__ID_CAP(cfg) ((cfg)->max_id_len ? (cfg)->max_id_len : (cfg)->max_token_len)
#define WPS__LOST_MAX 8u     /* lost sequenceIds remembered by id (wps__seq_lost) */
#define WPS__REASON_MAX 124u /* a WebSocket close reason is at most 123 bytes */
#define WPS__NIL UINT32_MAX  /* no call (order list) */
/* internal frames, beyond their JSON string (quotes and escapes): {"type":"joinGroup","group":
   ...,"ackId":<20 digits>} and {"type":"cancelInvocation","invocationId":...}, rounded up; a
   ping and a sequenceAck together */
#define WPS__REJOIN_SIZE 64u
#define WPS__CANCEL_SIZE 48u
#define WPS__OUT_FIXED 96u

#define WPS__ACK_RESERVE 65536u /* ackIds a restored client skips at its start */

typedef struct wps__call {
    uint32_t id; /* 0: free */
    uint8_t state, kind, fire_and_forget, has_ack;
    uint8_t is_dup, has_data;
    uint8_t error_acked; /* an attempt was answered with an error ack (not Duplicate) */
    uint8_t answer_lost; /* an attempt reached the host and its connection ended before the answer */
    uint8_t borrowed, no_echo; /* borrowed: the frame is encoded from name/payload at each attempt */
    uint8_t own_ack;     /* the caller chose the ackId (wps_call_options.has_ack_id) */
    int8_t result;       /* wps_status (every status fits a signed byte: WPS__STATUS_FITS) */
    uint8_t data_type, payload_type; /* wps_data_type: of the answer's data; of a borrowed call's payload */
    uint16_t group;   /* join/leave: group entry (max_groups <= 65536) */
    uint32_t sent;    /* attempts queued or handed to the host (a queued one taken back is uncounted) */
    uint32_t attempt; /* failed attempts on open connections (error answers, attempt timeouts) */
    uint32_t frame_len, inv_len;
    uint32_t prev, next; /* the order list of pending calls (slots), oldest first */
    unsigned char *buf;  /* [invocation id (max_name_len)][frame (max_frame_size), unless borrow_payloads] */
    uint64_t order;      /* call order: position in the list (the 64-bit members after 48 bytes: no padding on 32-bit targets) */
    uint64_t ack_id, retry_at, timeout_at, attempt_at;
    wps_slice data, err_name, err_msg;
    wps_slice name, payload;   /* a borrowed call's arguments (the caller's memory) */
} wps__call;

typedef struct wps__group { /* (the 64-bit members first: no padding between them on 32-bit targets) */
    uint64_t rejoin_ack; /* 0: no rejoin in flight */
    uint64_t failed_ack; /* the ackId of the rejoin a queued rejoin-group-failed event reports */
    uint64_t queued_ack; /* borrow_payloads: the ackId of its rejoin frame still queued (encoded when
                            handed over, even if the rejoin settled meanwhile); 0: none queued */
    uint32_t len;  /* 0: free entry */
    uint32_t refs; /* pending calls naming it */
    char *name;
    uint8_t joined;
} wps__group;

/* Queued records: 8 bytes each (the queue has room for the worst input and a burst of calls,
   so records stay small). What an event says beyond its kind, code, status and group is in the client
   (connection and user id, the disconnected message, the refused frame's report) or in the
   group (a failed rejoin's ackId), where nothing can change it before the event is polled:
   those events point into the frame being received (frame_ref), and a new frame waits for them.
   A record's fields by kind:
     SEND_CALL, COMPLETE: half = the call's slot (max_calls <= 65536), word = its id;
     SEND_FRAME: bits = WPS__Q_WHAT (WPS__F_*) and the frame's length >> 16; half = its length's
       low 16 bits; word = its offset in the out buffer, or with borrow_payloads its argument
       (the group entry of a rejoin, the call slot of a cancelInvocation; the value of a
       sequenceAck is c->seqack_value, one being queued at a time);
     CLOSE: half = the code, bits WPS__Q_KEEPALIVE;
     EVENT: bits = WPS__E_* flags; half = the close code; word = the event kind, the status
       (8 bits, signed) and the group entry of a failed rejoin (16 bits): wps__rec_event_word. */
enum { WPS__Q_FRAME_REF = 1, WPS__Q_KEEPALIVE = 2, WPS__Q_RECOVERY = 2 /* OPEN: a recovery URL */ };
/* EVENT: the connection id, the user id, the text (disconnected message, frame error report),
   the error of the frame (failed rejoin) */
enum { WPS__E_CONN_ID = 2, WPS__E_USER_ID = 4, WPS__E_TEXT = 8, WPS__E_ERROR = 16 };
#define WPS__Q_WHAT(bits) (((bits) >> 1) & 3u)
/* every status fits an event record's signed byte (a new status below -128 fails to compile) */
#define WPS__STATUS_FITS(name, value, text) typedef char wps__status_fits_##name[(value) >= -128 && (value) <= 127 ? 1 : -1];
WPS_STATUS_LIST(WPS__STATUS_FITS)
#undef WPS__STATUS_FITS
#define WPS__Q_LEN_MAX ((1u << 21) - 1u) /* an internal frame's length: 16 + 5 bits */
typedef struct wps__rec {
    uint8_t kind; /* WPS__R_* */
    uint8_t bits; /* WPS__Q_FRAME_REF: points into the frame being received (or text the next
                     frame replaces); the rest by kind (above) */
    uint16_t half;
    uint32_t word;
} wps__rec;

struct wps_client {
    wps_client_config cfg;
    wps__conn conn;
    uint64_t now;
    bool fresh_is_start;    /* the fresh connection under way is start()'s first: failing ends the client */
    bool session;           /* a logical connection exists: its end is reported by `disconnected` */
    bool ids_restored;      /* the connection's ackIds continue a restored snapshot's */
    bool restored;          /* the session came from wps_client_restore: unrecoverable -> start afresh */
    bool connected_pending; /* `connected` waits for the rejoins to settle */
    bool ping_queued, seqack_queued;
    uint32_t rejoins_pending, reconnect_attempt;
    uint64_t reconnect_at, recovery_at, recovery_deadline;
    uint64_t last_rx, next_ping_at, seq_ack_at;
    uint64_t seq_max;   /* highest sequenceId delivered */
    uint64_t seqack_value; /* borrow_payloads: the value of the queued sequenceAck */
    uint64_t seq_lost[WPS__LOST_MAX]; /* sequenceIds lost for lack of memory and not delivered
                                         since (any order): acks stay below the lowest, and a
                                         redelivery of one is delivered, not dropped as a duplicate */
    uint32_t seq_lost_n;
    uint64_t seq_lost_floor; /* the lowest lost sequenceId the table had no room for (0: none):
                                acks stay below it for the rest of the session */
    bool seq_updated;
    uint64_t next_ack_id, next_invocation, next_order;
    uint32_t next_call_id, frame_refs, waiting; /* waiting: calls in WAITING */
    uint32_t first_call, last_call;             /* the order list */
    /* strings (lengths; has_* where empty is meaningful) */
    const char *url; /* the URL of the logical connection: url_buf, or the caller's (borrow_url) */
    char *url_buf, *open_url, *conn_id, *user_id, *token, *disc;
    size_t url_len, open_url_cap, conn_id_len, user_id_len, token_len, disc_len;
    bool has_conn_id, has_user_id, has_token, has_disc;
    uint16_t close_code;
    char close_reason[WPS__REASON_MAX];
    size_t close_reason_len;
    wps_diag rx_diag; /* the last refused frame's details (the frame-error event's text) */
    size_t rx_needed; /* and the scratch it needed */
    wps_slice rx_err_name, rx_err_msg; /* the error of the ack frame a rejoin-group-failed event reports */
    /* tables */
    wps__call *calls;
    wps__group *groups;
    wps__rec *q;
    uint32_t q_cap, q_head, q_len, q_reserve;
    char *out, *scratch;
    char *tx; /* borrow_payloads: the frame handed out last, or the open URL (NULL with
                 host_transmit_buffer: the host lends one to wps_client_poll_into) */
    size_t tx_cap;
    size_t out_cap, out_used; /* internal frames of queued records, then those handed out since the last input */
    wps_message msg;
    wps_codec up, down;
    wps_trace_fn trace;
    void *trace_user;
};

#ifndef WPS_NO_TRACE
static const char *const wps__conn_names[] = {"STOPPED",         "WAIT_URL",     "OPENING", "HANDSHAKE",    "READY",       "CLOSING",
                                              "RECOVER_OPENING", "RECOVER_WAIT", "BACKOFF", "STOP_OPENING", "STOP_CLOSING"};

static void wps__trace(const wps_client *c, wps_trace_kind kind, const char *text, wps_status st, uint32_t call, uint64_t ack,
                       uint32_t attempt, uint32_t delay) {
    wps_trace t;
    WPS_MEMSET(&t, 0, sizeof t);
    t.kind = kind;
    t.now_ms = c->now;
    t.text = text ? text : "";
    t.status = st;
    t.call = call;
    t.ack_id = ack;
    t.attempt = attempt;
    t.delay_ms = delay;
    c->trace(c->trace_user, &t);
}
/* WPS__TRACE takes a sentence (WPS__WHY), WPS__TRACE_AT a text already chosen or computed */
#define WPS__TRACE_AT(c, kind, text, st, call, ack, attempt, delay)                                                              \
    do {                                                                                                                        \
        if ((c)->trace) wps__trace((c), (kind), (text), (st), (call), (ack), (attempt), (delay));                                \
    } while (0)
#define WPS__TRACE(c, kind, text, st, call, ack, attempt, delay) WPS__TRACE_AT(c, kind, WPS__WHY(text), st, call, ack, attempt, delay)

/* -> state (traced) */
static void wps__to(wps_client *c, wps__conn state) {
    if (c->trace && c->conn != state) {
        char t[40];
        size_t n = 0;
        const char *a = wps__conn_names[c->conn], *b = wps__conn_names[state];
        while (*a) t[n++] = *a++;
        t[n++] = ' ';
        t[n++] = '-';
        t[n++] = '>';
        t[n++] = ' ';
        while (*b) t[n++] = *b++;
        t[n] = 0;
        wps__trace(c, WPS_TRACE_STATE, t, WPS_OK, 0, 0, 0, 0);
    }
    c->conn = state;
}
#else
#define WPS__TRACE(c, kind, text, st, call, ack, attempt, delay) ((void)(c))
#define WPS__TRACE_AT(c, kind, text, st, call, ack, attempt, delay) ((void)(c), (void)(text))
static void wps__to(wps_client *c, wps__conn state) { c->conn = state; }
#endif

WPS_API void wps_client_set_trace(wps_client *c, wps_trace_fn fn, void *user) {
    if (!c) return;
#ifndef WPS_NO_TRACE
    c->trace = fn;
    c->trace_user = user;
#else
    (void)fn;
    (void)user;
#endif
}

typedef struct wps__layout {
    size_t calls, groups, q, call_mem, names, out, scratch, tx, url, open_url, conn_id, user_id, token, disc, total;
    uint32_t q_cap, q_reserve;
    size_t open_url_cap, slot_size, tx_cap;
    uint64_t out_cap;
} wps__layout;

static size_t wps__align8(size_t n) { return (n + 7u) & ~(size_t)7u; }

/* Reserves n bytes (8-aligned) at *at; 0 on overflow (32-bit size_t with large capacities). */
static int wps__reserve(uint64_t *at, uint64_t n, size_t *offset) {
    uint64_t aligned = (n + 7u) & ~(uint64_t)7u;
    if (aligned < n || *at > (uint64_t)SIZE_MAX - aligned) return 0;
    *offset = (size_t)*at;
    *at += aligned;
    return 1;
}

static int wps__layout_of(const wps_client_config *cfg, wps__layout *l) {
    uint64_t at = 0;
    size_t self;
    int ok = 1;
    if (!cfg || cfg->max_calls == 0 || cfg->max_calls > 65536 || cfg->max_groups > 65536 || cfg->max_name_len < 24 ||
        cfg->max_name_len > 65536 || cfg->max_frame_size < 256 || cfg->max_frame_size > (1u << 30) || cfg->max_url_len < 16 ||
        cfg->max_url_len > (1u << 20) || cfg->max_token_len < 16 || cfg->max_token_len > (1u << 20) ||
        (cfg->max_id_len && (cfg->max_id_len < 16 || cfg->max_id_len > (1u << 20))) ||
        (cfg->host_transmit_buffer && !cfg->borrow_payloads) ||
        (cfg->protocol != WPS_PROTOCOL_JSON && cfg->protocol != WPS_PROTOCOL_JSON_RELIABLE) ||
        /* retrying forever without a pause would make every tick due at once */
        (cfg->message_retry.delay_ms == 0 && cfg->message_retry.max_retries == WPS_RETRY_UNLIMITED))
        return 0;
    /* the most one input queues: per call a completion and a cancelInvocation or a send (and the
       completion of a fire-and-forget send), per group a rejoin frame and its result, and a few
       events and frames */
    l->q_reserve = 3 * cfg->max_calls + 2 * cfg->max_groups + 16;
    /* and room beyond that for a burst of calls made between two polls: a call queues its SEND
       as it starts, and a fire-and-forget call its completion too (records already queued take
       from this room first) */
    l->q_cap = l->q_reserve + 2 * cfg->max_calls;
    l->slot_size = wps__align8((size_t)cfg->max_name_len + (cfg->borrow_payloads ? 0 : cfg->max_frame_size));
    /* url + "/" + "?" + both parameter names and, form-encoded, their values: together at most
       2 * max_token_len bytes (wps__recoverable refuses a longer pair) */
    l->open_url_cap = (size_t)cfg->max_url_len + 64 + 2 * (size_t)cfg->max_token_len;
    /* internal frames (rejoins, cancels, ping, sequenceAck) handed out between two inputs each
       keep their bytes: room for one per group and call, names escaped at 6 bytes per byte */
    /* internal frames queued at once: a rejoin per remembered group, a cancelInvocation per
       pending invocation, a ping and a sequenceAck (wps__out_committed). Room for names that
       need no escaping; a name whose escapes would not fit is refused (WPS_ERR_CAPACITY). */
    l->out_cap = ((uint64_t)cfg->max_groups + cfg->max_calls) * (WPS__REJOIN_SIZE + 2 + (uint64_t)cfg->max_name_len) + WPS__OUT_FIXED;
    if (cfg->borrow_payloads) l->out_cap = 0; /* internal frames are encoded into tx when handed over */
    ok &= wps__reserve(&at, sizeof(wps_client), &self);
    ok &= wps__reserve(&at, (uint64_t)sizeof(wps__call) * cfg->max_calls, &l->calls);
    ok &= wps__reserve(&at, (uint64_t)sizeof(wps__group) * (cfg->max_groups ? cfg->max_groups : 1), &l->groups);
    ok &= wps__reserve(&at, (uint64_t)sizeof(wps__rec) * l->q_cap, &l->q);
    ok &= wps__reserve(&at, (uint64_t)l->slot_size * cfg->max_calls, &l->call_mem);
    ok &= wps__reserve(&at, (uint64_t)cfg->max_name_len * cfg->max_groups, &l->names);
    ok &= wps__reserve(&at, l->out_cap, &l->out);
    ok &= wps__reserve(&at, cfg->receive_in_place ? 0 : cfg->max_frame_size, &l->scratch);
    /* borrow_payloads: one transmit buffer for the frames handed over (attempts and internal
       frames, a name escaped at 6 bytes a byte included) and the open URL (a queued OPEN never
       shares the queue with a frame: wps__check) */
    l->tx_cap = cfg->max_frame_size;
    if (l->open_url_cap + 1 > l->tx_cap) l->tx_cap = l->open_url_cap + 1;
    if (WPS__REJOIN_SIZE + 2 + 6 * (size_t)cfg->max_name_len > l->tx_cap) l->tx_cap = WPS__REJOIN_SIZE + 2 + 6 * (size_t)cfg->max_name_len;
    if (!cfg->borrow_payloads) l->tx_cap = 0;
    ok &= wps__reserve(&at, cfg->host_transmit_buffer ? 0 : l->tx_cap, &l->tx);
    ok &= wps__reserve(&at, cfg->borrow_url ? 0 : (uint64_t)cfg->max_url_len + 1, &l->url);
    ok &= wps__reserve(&at, cfg->borrow_payloads ? 0 : (uint64_t)l->open_url_cap + 1, &l->open_url);
    ok &= wps__reserve(&at, WPS__ID_CAP(cfg), &l->conn_id);
    ok &= wps__reserve(&at, WPS__ID_CAP(cfg), &l->user_id);
    ok &= wps__reserve(&at, cfg->max_token_len, &l->token);
    ok &= wps__reserve(&at, WPS__DISC_CAP(cfg), &l->disc);
    (void)self;
    if (!ok || l->out_cap > SIZE_MAX) return 0;
    l->total = (size_t)at;
    return 1;
}

WPS_API size_t wps_client_memory_size(const wps_client_config *config) {
    wps__layout l;
    return wps__layout_of(config, &l) ? l.total : 0;
}

WPS_API wps_status wps_client_init(wps_client **out, const wps_client_config *config, void *memory, size_t size, wps_diag *diag) {
    wps__layout l;
    wps_client *c;
    unsigned char *base = (unsigned char *)memory;
    uint32_t i;
    if (out) *out = NULL;
    if (!out || !config || !memory) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    if (!wps__layout_of(config, &l))
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "invalid configuration (capacities out of range or protocol not JSON)", (size_t)-1);
    if (((uintptr_t)memory & 7u) != 0) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "memory must be 8-byte aligned", (size_t)-1);
    if (size < l.total) {
        if (diag) diag->needed = l.total;
        return wps__fail(diag, WPS_ERR_BUFFER_TOO_SMALL, NULL, "memory smaller than wps_client_memory_size()", (size_t)-1);
    }
    WPS_MEMSET(base, 0, l.total);
    c = (wps_client *)(void *)base;
    c->cfg = *config;
    c->calls = (wps__call *)(void *)(base + l.calls);
    c->groups = (wps__group *)(void *)(base + l.groups);
    c->q = (wps__rec *)(void *)(base + l.q);
    c->q_cap = l.q_cap;
    c->q_reserve = l.q_reserve;
    for (i = 0; i < config->max_calls; i++) c->calls[i].buf = base + l.call_mem + l.slot_size * i;
    for (i = 0; i < config->max_groups; i++) c->groups[i].name = (char *)(base + l.names + (size_t)config->max_name_len * i);
    c->out = (char *)(base + l.out);
    c->out_cap = (size_t)l.out_cap;
    c->scratch = (char *)(base + l.scratch);
    c->tx = config->host_transmit_buffer ? NULL : (char *)(base + l.tx);
    c->tx_cap = l.tx_cap;
    c->url = c->url_buf = (char *)(base + l.url);
    c->open_url = config->borrow_payloads ? c->tx : (char *)(base + l.open_url);
    c->open_url_cap = l.open_url_cap;
    c->conn_id = (char *)(base + l.conn_id);
    c->user_id = (char *)(base + l.user_id);
    c->token = (char *)(base + l.token);
    c->disc = (char *)(base + l.disc);
    c->up = wps_codec_make(config->protocol, WPS_UPSTREAM);
    c->down = wps_codec_make(config->protocol, WPS_DOWNSTREAM);
    c->conn = WPS__C_STOPPED;
    c->first_call = c->last_call = WPS__NIL;
    *out = c;
    if (diag) wps__diag_clear(diag);
    return WPS_OK;
}

WPS_API wps_client_state wps_client_get_state(const wps_client *c) {
    static const wps_client_state map[] = {
        WPS_CLIENT_STOPPED,    /* STOPPED */
        WPS_CLIENT_CONNECTING, /* WAIT_URL */
        WPS_CLIENT_CONNECTING, /* OPENING */
        WPS_CLIENT_CONNECTED,  /* HANDSHAKE */
        WPS_CLIENT_CONNECTED,  /* READY */
        WPS_CLIENT_CONNECTED,  /* CLOSING */
        WPS_CLIENT_RECOVERING, /* RECOVER_OPENING */
        WPS_CLIENT_RECOVERING, /* RECOVER_WAIT */
        WPS_CLIENT_DISCONNECTED, /* BACKOFF */
        WPS_CLIENT_STOPPING,   /* STOP_OPENING */
        WPS_CLIENT_STOPPING    /* STOP_CLOSING */
    };
    return c ? map[c->conn] : WPS_CLIENT_STOPPED;
}

/* The names below are lists of NUL-separated strings, read by wps__nth_name like the status
   names (wps__status_names says why): a program that never asks for a name keeps none of them. */
WPS_API const char *wps_client_state_name(wps_client_state s) {
    static const char names[] = "stopped\0connecting\0connected\0recovering\0disconnected\0stopping";
    return wps__nth_name(names, sizeof names, (unsigned)s);
}

WPS_API const char *wps_trace_kind_name(wps_trace_kind k) {
    static const char names[] = "\0state\0retry\0recovery\0reconnect\0frame-dropped\0frame-refused\0call-refused\0resend\0not-kept";
    return wps__nth_name(names, sizeof names, (unsigned)k);
}

WPS_API const char *wps_action_kind_name(wps_action_kind k) {
    static const char names[] = "none\0need-url\0open\0send\0close\0event\0complete";
    return wps__nth_name(names, sizeof names, (unsigned)k);
}

WPS_API const char *wps_event_kind_name(wps_event_kind k) {
    static const char names[] = "none\0connected\0disconnected\0stopped\0recovering\0recovered\0group-message\0"
                                "server-message\0rejoin-group-failed\0start-failed\0frame-error";
    return wps__nth_name(names, sizeof names, (unsigned)k);
}

WPS_API const char *wps_call_kind_name(wps_call_kind k) {
    static const char names[] = "\0joinGroup\0leaveGroup\0sendToGroup\0sendEvent\0invokeEvent";
    return wps__nth_name(names, sizeof names, (unsigned)k);
}

/* ---------------------------------------------------------------- queue */

/* The i-th queued record (0: the next to poll). */
WPS__SMALL_NOINLINE static wps__rec *wps__q_at(const wps_client *c, uint32_t i) { return &c->q[(c->q_head + i) % c->q_cap]; }

static int wps__socket_open(const wps_client *c) { return c->conn == WPS__C_HANDSHAKE || c->conn == WPS__C_READY; }

/* A new record at the tail; inputs check wps__room first, and no input queues more than
   q_reserve records. */
static wps__rec *wps__push(wps_client *c, int kind, int frame_ref) {
    wps__rec *r;
    WPS_ASSERT(c->q_len < c->q_cap);
    r = wps__q_at(c, c->q_len);
    WPS_MEMSET(r, 0, sizeof *r);
    r->kind = (uint8_t)kind;
    r->bits = (uint8_t)(frame_ref ? WPS__Q_FRAME_REF : 0);
    c->q_len++;
    if (frame_ref) c->frame_refs++;
    return r;
}

static void wps__push_close(wps_client *c, int keepalive) {
    wps__rec *r = wps__push(c, WPS__R_CLOSE, 0);
    r->half = 1000;
    if (keepalive) r->bits |= WPS__Q_KEEPALIVE;
}

static wps__rec *wps__push_event(wps_client *c, wps_event_kind ev, int frame_ref) {
    wps__rec *r = wps__push(c, WPS__R_EVENT, frame_ref);
    r->word = (uint32_t)ev;
    return r;
}

/* A SEND_FRAME record of a frame encoded in the out buffer (wps__push_frame): its offset and
   length. */
static void wps__rec_set_frame(wps__rec *r, int what, size_t off, size_t len) {
    r->bits = (uint8_t)(what << 1 | (int)(len >> 16) << 3);
    r->half = (uint16_t)len;
    r->word = (uint32_t)off;
}
static size_t wps__rec_len(const wps__rec *r) { return r->half | (size_t)(r->bits >> 3) << 16; }

/* An event record's status (one signed byte: every wps_status fits) and group entry. */
static void wps__event_status(wps__rec *e, wps_status st) { e->word = (e->word & ~0xff00u) | (uint32_t)(uint8_t)(int8_t)st << 8; }
static wps_status wps__rec_status(const wps__rec *e) { return (wps_status)(int8_t)(uint8_t)(e->word >> 8); }

static void wps__event(wps_client *c, wps_event_kind ev) {
    /* the connection id and user id change only with a frame: those events hold the next one */
    int ids = ev == WPS_EVENT_CONNECTED || ev == WPS_EVENT_DISCONNECTED || ev == WPS_EVENT_RECOVERING || ev == WPS_EVENT_RECOVERED;
    wps__rec *e = wps__push_event(c, ev, ids);
    if (ids && c->has_conn_id) e->bits |= WPS__E_CONN_ID;
    if (ev == WPS_EVENT_CONNECTED && c->has_user_id) e->bits |= WPS__E_USER_ID;
    if (ev == WPS_EVENT_START_FAILED) wps__event_status(e, WPS_ERR_CONNECT_FAILED);
    if (ev == WPS_EVENT_DISCONNECTED || ev == WPS_EVENT_START_FAILED) {
        e->half = c->close_code;
        if (ev == WPS_EVENT_DISCONNECTED && c->has_disc) e->bits |= WPS__E_TEXT;
    }
}

/* The message of an internal frame from what it is and its argument: the value of a
   sequenceAck, the group entry of a rejoin (its ackId is the group's rejoin_ack), the call slot
   of a cancelInvocation. */
static void wps__internal_message(const wps_client *c, int what, uint64_t arg, wps_message *m) {
    switch (what) {
    case WPS__F_PING: wps_message_init(m, WPS_KIND_PING); break;
    case WPS__F_SEQACK:
        wps_message_init(m, WPS_KIND_SEQUENCE_ACK);
        m->sequence_id = arg;
        m->has = WPS_HAS_SEQUENCE_ID;
        break;
    case WPS__F_REJOIN: {
        const wps__group *g = &c->groups[arg];
        wps_message_init(m, WPS_KIND_JOIN_GROUP);
        m->group = wps_slice_make(g->name, g->len);
        m->ack_id = c->cfg.borrow_payloads ? g->queued_ack : g->rejoin_ack;
        m->has = WPS_HAS_ACK_ID;
        break;
    }
    default: {
        const wps__call *k = &c->calls[arg];
        wps_message_init(m, WPS_KIND_CANCEL_INVOCATION);
        m->invocation_id = wps_slice_make((const char *)k->buf, k->inv_len);
        break;
    }
    }
}

/* Queues an internal frame, encoded now into the out buffer; with borrow_payloads (no out
   buffer) the record keeps its argument and the frame is encoded into the transmit buffer when
   it is handed over (wps__encode_internal). */
WPS__SMALL_NOINLINE static void wps__push_frame(wps_client *c, int what, uint64_t arg) {
    wps_message m;
    size_t n = 0;
    wps__rec *r;
    if (c->cfg.borrow_payloads) {
        r = wps__push(c, WPS__R_SEND_FRAME, 0);
        r->bits |= (uint8_t)(what << 1);
        if (what == WPS__F_SEQACK) c->seqack_value = arg; /* one sequenceAck is queued at a time */
        else r->word = (uint32_t)arg;
        /* the rejoin may settle (stop, an early ack) before its frame is handed over: the frame
           keeps its ackId, and the group entry is not reused meanwhile (wps__group_get) */
        if (what == WPS__F_REJOIN) c->groups[arg].queued_ack = c->groups[arg].rejoin_ack;
        return;
    }
    wps__internal_message(c, what, arg, &m);
    if (wps_encode(&c->up, &m, c->out + c->out_used, c->out_cap - c->out_used, &n, NULL) != WPS_OK) {
        WPS_ASSERT(0); /* the out buffer is sized for every internal frame that can be queued at once */
        return;
    }
    WPS_ASSERT(n <= WPS__Q_LEN_MAX); /* 64 + 2 + 6 * max_name_len at most */
    r = wps__push(c, WPS__R_SEND_FRAME, 0);
    wps__rec_set_frame(r, what, c->out_used, n);
    c->out_used += n;
}

/* Room for the records one input may queue. */
static wps_status wps__room(const wps_client *c) { return c->q_cap - c->q_len >= c->q_reserve ? WPS_OK : WPS_ERR_BUSY; }

/* Every input starts here: it tells the time (never backwards), and it ends the life of the
   internal frames handed out by earlier polls: the frames of records still queued move to the
   front of the out buffer (in queue order, so every move goes down). */
static void wps__enter(wps_client *c, uint64_t now) {
    uint32_t i;
    size_t at = 0;
    if (now > c->now) c->now = now;
    if (!c->out_used && !c->ping_queued && !c->seqack_queued) return;
    c->ping_queued = c->seqack_queued = false; /* still queued, or handed over */
    for (i = 0; i < c->q_len; i++) {
        wps__rec *r = wps__q_at(c, i);
        if (r->kind != WPS__R_SEND_FRAME) continue;
        if (!c->cfg.borrow_payloads) { /* (borrow_payloads: the record holds its argument, not bytes) */
            size_t len = wps__rec_len(r);
            if (r->word != at) WPS_MEMMOVE(c->out + at, c->out + r->word, len);
            r->word = (uint32_t)at;
            at += len;
        }
        if (WPS__Q_WHAT(r->bits) == WPS__F_PING) c->ping_queued = true;
        if (WPS__Q_WHAT(r->bits) == WPS__F_SEQACK) c->seqack_queued = true;
    }
    c->out_used = at;
}

/* ---------------------------------------------------------------- calls */

static void wps__list_insert(wps_client *c, uint32_t slot) {
    /* by order: new calls go last; a call taken back goes to its old place */
    wps__call *k = &c->calls[slot];
    uint32_t after = c->last_call;
    while (after != WPS__NIL && c->calls[after].order > k->order) after = c->calls[after].prev;
    k->prev = after;
    k->next = after == WPS__NIL ? c->first_call : c->calls[after].next;
    if (k->next != WPS__NIL) c->calls[k->next].prev = slot;
    else c->last_call = slot;
    if (after != WPS__NIL) c->calls[after].next = slot;
    else c->first_call = slot;
}

static void wps__list_remove(wps_client *c, uint32_t slot) {
    wps__call *k = &c->calls[slot];
    if (k->prev != WPS__NIL) c->calls[k->prev].next = k->next;
    else c->first_call = k->next;
    if (k->next != WPS__NIL) c->calls[k->next].prev = k->prev;
    else c->last_call = k->prev;
    k->prev = k->next = WPS__NIL;
}

static uint32_t wps__call_slot(const wps_client *c, const wps__call *k) { return (uint32_t)(k - c->calls); }

static void wps__set_state(wps_client *c, wps__call *k, int state) {
    if (k->state == WPS__CALL_WAITING) c->waiting--;
    if (state == WPS__CALL_WAITING) c->waiting++;
    k->state = (uint8_t)state;
}

static void wps__group_unref(wps_client *c, wps__call *k) {
    if ((k->kind == WPS_CALL_JOIN_GROUP || k->kind == WPS_CALL_LEAVE_GROUP) && k->group < c->cfg.max_groups &&
        c->groups[k->group].refs)
        c->groups[k->group].refs--;
}

/* Queues the completion: the call leaves the order list; its slot is freed when polled. */
static void wps__complete(wps_client *c, wps__call *k, wps_status st, int frame_ref) {
    wps__rec *r;
    if (!frame_ref) { /* error details point into a frame: only a completion about that frame has them */
        k->err_name.ptr = k->err_msg.ptr = NULL;
        k->err_name.len = k->err_msg.len = 0;
        k->is_dup = 0;
        k->has_data = 0;
    }
    wps__set_state(c, k, WPS__CALL_DONE);
    k->result = (int8_t)st;
    wps__group_unref(c, k);
    wps__list_remove(c, wps__call_slot(c, k));
    r = wps__push(c, WPS__R_COMPLETE, frame_ref);
    r->half = (uint16_t)wps__call_slot(c, k);
    r->word = k->id;
}

/* Removes queued records that match (kind, slot) or, with slot WPS__NIL, every record of the
   kinds in mask; returns how many. Records keep their order. */
static uint32_t wps__unqueue(wps_client *c, uint32_t mask, uint32_t slot) {
    uint32_t i, n = 0, removed = 0;
    for (i = 0; i < c->q_len; i++) {
        wps__rec r = *wps__q_at(c, i);
        int match = (mask >> r.kind) & 1u;
        if (match && slot != WPS__NIL) match = (r.kind == WPS__R_SEND_CALL || r.kind == WPS__R_COMPLETE) && r.half == slot;
        if (match) {
            if (r.bits & WPS__Q_FRAME_REF) c->frame_refs--;
            removed++;
            continue;
        }
        *wps__q_at(c, n) = r;
        n++;
    }
    c->q_len = n;
    return removed;
}

#define WPS__MASK(k) (1u << (k))

/* A call ends without an answer (cancel, timeout, stop, give-up): an attempt still queued is
   taken back (it was never handed over), and an invocation the service has is cancelled there. */
static void wps__end_call(wps_client *c, wps__call *k, wps_status st) {
    if (k->state == WPS__CALL_IN_FLIGHT) {
        uint32_t back = wps__unqueue(c, WPS__MASK(WPS__R_SEND_CALL), wps__call_slot(c, k));
        k->sent -= back;
        if (!back && k->kind == WPS_CALL_INVOKE_EVENT && wps__socket_open(c)) wps__push_frame(c, WPS__F_CANCEL, wps__call_slot(c, k));
    }
    wps__complete(c, k, st, 0);
}

/* Queued records of the kinds in mask (WPS__MASK). */
static uint32_t wps__queued(const wps_client *c, uint32_t mask) {
    uint32_t j, n = 0;
    for (j = 0; j < c->q_len; j++) n += (mask >> wps__q_at(c, j)->kind) & 1u;
    return n;
}

/* wps__room for the inputs that replace the close reason (on_close, on_open_failed, url_failed):
   also busy while a `disconnected` or `start-failed` event reporting the current one is queued
   (a host that acts before polling; in order, those events come before the next socket's OPEN). */
static wps_status wps__room_reason(const wps_client *c) {
    uint32_t j;
    for (j = 0; j < c->q_len; j++) {
        const wps__rec *r = wps__q_at(c, j);
        if (r->kind == WPS__R_EVENT && ((r->word & 0xffu) == WPS_EVENT_DISCONNECTED || (r->word & 0xffu) == WPS_EVENT_START_FAILED))
            return WPS_ERR_BUSY;
    }
    return wps__room(c);
}

/* 1 if an attempt of the call in this slot is queued and not handed to the host yet. */
static int wps__send_queued(const wps_client *c, uint32_t slot) {
    uint32_t j;
    for (j = 0; j < c->q_len; j++) {
        const wps__rec *r = wps__q_at(c, j);
        if (r->kind == WPS__R_SEND_CALL && r->half == slot) return 1;
    }
    return 0;
}

/* An answer can only be about an attempt the host was given: not about a call whose only
   attempt is still queued. */
static int wps__unanswerable(const wps_client *c, const wps__call *k) { return k->sent == 1 && wps__send_queued(c, wps__call_slot(c, k)); }

/* Hands the call's next attempt to the host. */
static void wps__transmit(wps_client *c, wps__call *k) {
    wps__rec *r = wps__push(c, WPS__R_SEND_CALL, 0);
    if (k->sent && k->state == WPS__CALL_WAITING && k->answer_lost)
        WPS__TRACE(c, WPS_TRACE_RESEND, "sent again: its connection ended before the answer", WPS_OK, k->id, k->ack_id, k->attempt, 0);
    r->half = (uint16_t)wps__call_slot(c, k);
    r->word = k->id;
    k->sent++;
    if (k->fire_and_forget) {
        wps__complete(c, k, WPS_OK, 0); /* complete once handed over (taken back if it is not) */
        return;
    }
    wps__set_state(c, k, WPS__CALL_IN_FLIGHT);
    k->attempt_at = c->cfg.attempt_timeout_ms == WPS_NO_TIMEOUT ? 0 : c->now + c->cfg.attempt_timeout_ms;
}

/* Sends every waiting call, oldest first, when the connection is usable. */
static void wps__pump(wps_client *c) {
    uint32_t i, next;
    if (c->conn != WPS__C_READY || !c->waiting) return;
    for (i = c->first_call; i != WPS__NIL; i = next) {
        next = c->calls[i].next;
        if (c->calls[i].state == WPS__CALL_WAITING) wps__transmit(c, &c->calls[i]);
    }
}

/* An attempt on an open connection failed (error answer, attempt timeout): retry per the
   message policy with the same ackId, or complete. */
static void wps__attempt_failed(wps_client *c, wps__call *k, wps_status st, int frame_ref) {
    uint32_t delay = 0;
    if (k->kind == WPS_CALL_INVOKE_EVENT && st == WPS_ERR_TIMEOUT) {
        wps__end_call(c, k, st); /* never retried; unanswered, so the service is told to cancel it */
        return;
    }
    if (k->kind == WPS_CALL_INVOKE_EVENT || !wps_retry_next_delay(&c->cfg.message_retry, k->attempt + 1, &delay)) {
        wps__complete(c, k, st, frame_ref);
        return;
    }
    k->attempt++;
    k->result = (int8_t)st;
    wps__set_state(c, k, WPS__CALL_RETRY_WAIT);
    k->retry_at = c->now + delay;
    WPS__TRACE(c, WPS_TRACE_RETRY, st == WPS_ERR_TIMEOUT ? "no answer within attempt_timeout_ms" : "the service answered with an error", st,
               k->id, k->ack_id, k->attempt, delay);
    k->err_name.ptr = k->err_msg.ptr = NULL; /* they pointed into the frame of this attempt's answer */
    k->err_name.len = k->err_msg.len = 0;
}

/* ---------------------------------------------------------------- connection */

static void wps__copy_str(wps_client *c, const char *what, char *dst, size_t *len, bool *has, size_t cap, wps_slice s) {
    if (!s.ptr || s.len > cap) {
        if (s.ptr) WPS__TRACE_AT(c, WPS_TRACE_NOT_KEPT, what, WPS_OK, 0, 0, 0, (uint32_t)(s.len < UINT32_MAX ? s.len : UINT32_MAX));
        *has = false;
        *len = 0;
        return;
    }
    if (s.len) WPS_MEMCPY(dst, s.ptr, s.len);
    *len = s.len;
    *has = true;
}

/* -> WAIT_URL: a fresh connection (new credential, new connectionId, sequence reset). */
static void wps__fresh_connect(wps_client *c, int kind) {
    wps__to(c, WPS__C_WAIT_URL);
    c->fresh_is_start = kind == WPS__START;
    c->seq_max = 0;
    c->seq_lost_n = 0;
    c->seq_lost_floor = 0;
    c->seq_updated = false;
    c->connected_pending = false;
    c->has_conn_id = c->has_user_id = c->has_token = c->has_disc = false;
    c->ids_restored = false; /* a new connection: a new space of ackIds at the service */
    c->close_code = 0;
    /* close_reason stays: a disconnected event still queued points at it; only the next
       on_close (after that event was polled, since the new socket's OPEN comes after it)
       replaces it */
    c->url_len = 0;
    wps__push(c, WPS__R_NEED_URL, 0);
}

/* -> OPENING / RECOVER_OPENING. The URL is written as the OPEN is handed over
   (wps_client_poll_into): the record says which, the connection's or the recovery URL. */
static void wps__open(wps_client *c, wps__conn state) {
    wps__to(c, state);
    wps__push(c, WPS__R_OPEN, 0)->bits = state == WPS__C_RECOVER_OPENING ? WPS__Q_RECOVERY : 0;
}

/* Every pending call ends because the client ends by itself (start failed, reconnect gave up,
   no auto_reconnect): never sent -> NOT_SENT; sent -> DISCONNECTED; answered with an error
   and waiting to retry -> that error. */
static void wps__give_up_calls(wps_client *c) {
    uint32_t i, next;
    for (i = c->first_call; i != WPS__NIL; i = next) {
        wps__call *k = &c->calls[i];
        next = k->next;
        wps__end_call(c, k, k->state == WPS__CALL_RETRY_WAIT ? (wps_status)k->result : k->sent ? WPS_ERR_DISCONNECTED : WPS_ERR_NOT_SENT);
    }
}

/* -> STOPPED (every call has ended). */
static void wps__stopped(wps_client *c) {
    wps__give_up_calls(c);
    wps__to(c, WPS__C_STOPPED);
    c->session = false;
    c->connected_pending = false;
    wps__event(c, WPS_EVENT_STOPPED);
}

/* The session is lost: calls sent and not answered are sent again on the next connection
   (resend_after_session_loss) or end as "may have been delivered". */
static void wps__session_lost(wps_client *c) {
    uint32_t i, next;
    if (c->cfg.resend_after_session_loss) return;
    for (i = c->first_call; i != WPS__NIL; i = next) {
        wps__call *k = &c->calls[i];
        next = k->next;
        if (k->state == WPS__CALL_WAITING && k->sent) wps__complete(c, k, WPS_ERR_DISCONNECTED, 0);
    }
}

/* Recovery is impossible or over: `disconnected`, then reconnect, start afresh or stop. */
static void wps__no_recovery(wps_client *c, int stopping) {
    bool restored = c->restored;
    c->session = false;
    c->restored = false; /* reported disconnected: a later start connects afresh */
    wps__event(c, WPS_EVENT_DISCONNECTED);
    if (stopping) {
        wps__stopped(c);
        return;
    }
    wps__session_lost(c);
    if (restored) { /* a restored session that could not be recovered: start afresh */
        wps__fresh_connect(c, WPS__START);
    } else if (c->cfg.auto_reconnect) {
        c->reconnect_attempt = 0;
        wps__fresh_connect(c, WPS__RECONNECT); /* the first reconnect attempt is immediate */
    } else {
        wps__stopped(c);
    }
}

static int wps__form_plain(unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '*' || ch == '-' || ch == '.' ||
           ch == '_' || ch == ' ';
}

/* The connectionId and reconnectionToken, form-encoded, fit the recovery URL's room for them
   (2 * max_token_len): a byte outside wps__form_plain takes 3. */
static int wps__recoverable_pair(const wps_client *c, const char *id, size_t id_len, const char *tok, size_t tok_len) {
    size_t n = id_len + tok_len, i;
    for (i = 0; i < id_len; i++) n += wps__form_plain((unsigned char)id[i]) ? 0u : 2u;
    for (i = 0; i < tok_len; i++) n += wps__form_plain((unsigned char)tok[i]) ? 0u : 2u;
    return n <= 2 * (size_t)c->cfg.max_token_len;
}

static void wps__form_encode(char *dst, size_t *n, const char *s, size_t len) {
    static const char hex[] = "0123456789ABCDEF";
    size_t i;
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ' ') {
            dst[(*n)++] = '+';
        } else if (wps__form_plain(ch)) {
            dst[(*n)++] = (char)ch;
        } else {
            dst[(*n)++] = '%';
            dst[(*n)++] = hex[ch >> 4];
            dst[(*n)++] = hex[ch & 15];
        }
    }
}

static void wps__append(char *dst, size_t *n, const char *s) {
    size_t k = wps__cstrlen(s);
    WPS_MEMCPY(dst + *n, s, k);
    *n += k;
}

/* The URL of the current logical connection with awps_connection_id and awps_reconnection_token
   appended (as URLSearchParams.append serializes them) into d (open_url_cap + 1 bytes);
   returns its length. */
static size_t wps__build_recovery_url(const wps_client *c, char *d) {
    size_t n = 0, i, q = c->url_len;
    for (i = 0; i < c->url_len; i++) {
        if (c->url[i] == '#') {
            q = i;
            break;
        }
    }
    WPS_MEMCPY(d, c->url, q);
    n = q;
    /* "wss://host" has an empty path: the URL serializer writes "/" */
    for (i = 0; i + 2 < q; i++) {
        if (c->url[i] == ':' && c->url[i + 1] == '/' && c->url[i + 2] == '/') {
            size_t j;
            for (j = i + 3; j < q && c->url[j] != '/' && c->url[j] != '?'; j++) {
            }
            if (j == q || c->url[j] == '?') {
                WPS_MEMMOVE(d + j + 1, d + j, q - j);
                d[j] = '/';
                n++;
            }
            break;
        }
    }
    {
        int has_query = 0;
        for (i = 0; i < n; i++)
            if (d[i] == '?') has_query = 1;
        if (!has_query) d[n++] = '?';
        else if (d[n - 1] != '?' && d[n - 1] != '&') d[n++] = '&';
    }
    wps__append(d, &n, "awps_connection_id=");
    wps__form_encode(d, &n, c->conn_id, c->conn_id_len);
    wps__append(d, &n, "&awps_reconnection_token=");
    wps__form_encode(d, &n, c->token, c->token_len);
    WPS_ASSERT(n <= c->open_url_cap);
    d[n] = 0;
    return n;
}

/* -> RECOVER_OPENING */
static void wps__recovery_attempt(wps_client *c) {
    wps__open(c, WPS__C_RECOVER_OPENING);
    WPS__TRACE(c, WPS_TRACE_RECOVERY, "recovery attempt", WPS_OK, 0, 0, 0,
               c->recovery_deadline > c->now ? (uint32_t)(c->recovery_deadline - c->now) : 0);
}

/* A recovery episode starts: `recovering`, 30 s window, first attempt at once. */
static void wps__start_recovery(wps_client *c) {
    c->session = true;
    wps__event(c, WPS_EVENT_RECOVERING);
    c->recovery_deadline = c->now + c->cfg.recovery_window_ms;
    wps__recovery_attempt(c);
}

/* A rejoin in flight is settled: when the last one settles, `connected`. */
static void wps__rejoin_settled(wps_client *c) {
    if (c->rejoins_pending) c->rejoins_pending--;
    if (!c->rejoins_pending && c->connected_pending) {
        c->connected_pending = false;
        wps__event(c, WPS_EVENT_CONNECTED);
    }
}

static void wps__rejoin_failed(wps_client *c, uint32_t gi, wps_status st, wps_slice name, wps_slice message, int frame_ref) {
    wps__rec *e = wps__push_event(c, WPS_EVENT_REJOIN_GROUP_FAILED, frame_ref);
    e->word |= gi << 16;
    wps__event_status(e, st);
    c->groups[gi].failed_ack = c->groups[gi].rejoin_ack;
    if (frame_ref) { /* the ack frame's error (one such frame at a time: the next waits for this event) */
        e->bits |= WPS__E_ERROR;
        c->rx_err_name = name;
        c->rx_err_msg = message;
    }
    c->groups[gi].rejoin_ack = 0;
    wps__rejoin_settled(c);
}

/* Rejoins still in flight when the connection ends or the client stops: they fail, and the
   connection they belong to is announced first, so the host sees connected before anything
   about its end. */
static void wps__flush_rejoins(wps_client *c, wps_status st) {
    uint32_t i;
    wps_slice none = {NULL, 0};
    if (!c->connected_pending) return;
    for (i = 0; i < c->cfg.max_groups; i++)
        if (c->groups[i].rejoin_ack) wps__rejoin_failed(c, i, st, none, none, 0);
    if (c->connected_pending) {
        c->connected_pending = false;
        c->rejoins_pending = 0;
        wps__event(c, WPS_EVENT_CONNECTED);
    }
}

/* The open socket is gone (HANDSHAKE, READY, CLOSING, STOP_CLOSING + on_close). What was queued
   for it and not handed over is taken back; calls sent and not answered wait to be sent again
   (an invocation ends: it is never resent). */
static void wps__connection_lost(wps_client *c, uint16_t code) {
    uint32_t i, n = 0, next;
    int stopping = c->conn == WPS__C_STOP_CLOSING;
    for (i = 0; i < c->q_len; i++) { /* take back the records of the gone socket */
        wps__rec r = *wps__q_at(c, i);
        if (r.kind == WPS__R_SEND_CALL || r.kind == WPS__R_COMPLETE) {
            wps__call *k = &c->calls[r.half];
            if (r.kind == WPS__R_SEND_CALL) {
                k->sent--;
                if (k->state == WPS__CALL_DONE && !k->fire_and_forget) continue; /* answered meanwhile: done */
                if (k->state == WPS__CALL_DONE) /* fire-and-forget: not handed over after all */
                    wps__list_insert(c, r.half);
                wps__set_state(c, k, WPS__CALL_WAITING);
                continue;
            }
            if (k->state != WPS__CALL_DONE) { /* its fire-and-forget completion, taken back above */
                if (r.bits & WPS__Q_FRAME_REF) c->frame_refs--;
                continue;
            }
        } else if (r.kind == WPS__R_SEND_FRAME) {
            if (WPS__Q_WHAT(r.bits) == WPS__F_REJOIN && c->cfg.borrow_payloads) c->groups[r.word].queued_ack = 0;
            if (WPS__Q_WHAT(r.bits) == WPS__F_PING) c->ping_queued = false;
            if (WPS__Q_WHAT(r.bits) == WPS__F_SEQACK) {
                c->seqack_queued = false;
                c->seq_updated = true; /* owed again on the next socket */
            }
            continue;
        } else if (r.kind == WPS__R_CLOSE) {
            continue;
        }
        *wps__q_at(c, n) = r;
        n++;
    }
    c->q_len = n;
    c->close_code = code;
    wps__flush_rejoins(c, WPS_ERR_DISCONNECTED);
    for (i = c->first_call; i != WPS__NIL; i = next) {
        wps__call *k = &c->calls[i];
        next = k->next;
        if (k->state != WPS__CALL_IN_FLIGHT) continue;
        if (k->kind == WPS_CALL_INVOKE_EVENT) {
            wps__complete(c, k, WPS_ERR_DISCONNECTED, 0);
        } else {
            k->answer_lost = 1;
            wps__set_state(c, k, WPS__CALL_WAITING);
        }
    }
    if (stopping) {
        if (c->session) wps__no_recovery(c, 1);
        else wps__stopped(c); /* stop() raced the open: never connected, nothing to report */
        return;
    }
    if (code == 1008 || !wps_protocol_is_reliable(c->cfg.protocol) || !c->has_conn_id || !c->has_token || !c->url_len) {
        wps__no_recovery(c, 0);
        return;
    }
    wps__start_recovery(c);
}

/* A socket that never opened is gone, or no URL could be had (WAIT_URL, OPENING,
   RECOVER_OPENING, STOP_OPENING). */
static void wps__connect_failed(wps_client *c, uint16_t code) {
    uint32_t delay = 0;
    /* an OPEN (or NEED_URL) not polled yet asked for the socket (or URL) now reported failed:
       there is nothing to open (its URL is written only as it is handed over, from what may
       have changed by then) */
    wps__unqueue(c, WPS__MASK(WPS__R_OPEN) | WPS__MASK(WPS__R_NEED_URL), WPS__NIL);
    switch (c->conn) {
    case WPS__C_STOP_OPENING:
        wps__unqueue(c, WPS__MASK(WPS__R_CLOSE), WPS__NIL); /* the socket never opened: nothing to close */
        if (c->session) wps__no_recovery(c, 1);
        else wps__stopped(c);
        return;
    case WPS__C_RECOVER_OPENING:
        if (code == 1008) { /* the service refuses this recovery for good (protocol spec 1.4) */
            c->close_code = code;
            c->close_reason_len = 0;
            wps__no_recovery(c, 0);
            return;
        }
        wps__to(c, WPS__C_RECOVER_WAIT);
        c->recovery_at = c->now + c->cfg.recovery_retry_ms;
        return;
    default: /* a fresh connection */
        if (c->fresh_is_start) {
            c->close_code = code;
            wps__give_up_calls(c);
            wps__to(c, WPS__C_STOPPED);
            c->session = false;
            wps__event(c, WPS_EVENT_START_FAILED);
            return;
        }
        c->reconnect_attempt++;
        if (!wps_retry_next_delay(&c->cfg.reconnect_retry, c->reconnect_attempt, &delay)) {
            wps__stopped(c);
            return;
        }
        wps__to(c, WPS__C_BACKOFF);
        c->reconnect_at = c->now + delay;
        WPS__TRACE(c, WPS_TRACE_RECONNECT, "reconnect back-off", WPS_OK, 0, 0, c->reconnect_attempt, delay);
        return;
    }
}

/* ---------------------------------------------------------------- invariants */

#if !defined(NDEBUG) || defined(WPS_CHECK_INVARIANTS)
/* Runs after every input while WPS_ASSERT is active (not under NDEBUG, or with
   WPS_CHECK_INVARIANTS): the order list holds exactly the pending calls, oldest first; the
   counters match; a usable connection leaves no call waiting; records are well formed. */
static void wps__check(const wps_client *c) {
    uint32_t i, listed = 0, pending = 0, waiting = 0, refs = 0, prev = WPS__NIL, opens = 0, sends = 0;
    uint64_t order = 0;
    size_t frames = 0;
    for (i = c->first_call; i != WPS__NIL; i = c->calls[i].next) {
        const wps__call *k = &c->calls[i];
        WPS_ASSERT(i < c->cfg.max_calls && k->id && k->prev == prev && (listed == 0 || k->order > order));
        WPS_ASSERT(k->state == WPS__CALL_WAITING || k->state == WPS__CALL_IN_FLIGHT || k->state == WPS__CALL_RETRY_WAIT);
        WPS_ASSERT(k->state != WPS__CALL_IN_FLIGHT || k->sent > 0);
        order = k->order;
        prev = i;
        if (++listed > c->cfg.max_calls) break;
    }
    WPS_ASSERT(prev == c->last_call);
    for (i = 0; i < c->cfg.max_calls; i++) {
        const wps__call *k = &c->calls[i];
        WPS_ASSERT(k->id ? k->state != WPS__CALL_FREE : k->state == WPS__CALL_FREE);
        if (k->id && k->state != WPS__CALL_DONE) pending++;
        if (k->state == WPS__CALL_WAITING) waiting++;
    }
    WPS_ASSERT(pending == listed && waiting == c->waiting);
    WPS_ASSERT(c->conn != WPS__C_READY || c->waiting == 0);
    WPS_ASSERT(c->conn != WPS__C_STOPPED || (pending == 0 && !c->session));
    WPS_ASSERT(c->q_len <= c->q_cap && c->out_used <= c->out_cap);
    WPS_ASSERT(c->seq_lost_n <= WPS__LOST_MAX);
    for (i = 0; i < c->seq_lost_n; i++) WPS_ASSERT(c->seq_lost[i] > 0);
    for (i = 0; i < c->q_len; i++) {
        const wps__rec *r = wps__q_at(c, i);
        WPS_ASSERT(r->kind >= WPS__R_NEED_URL && r->kind <= WPS__R_COMPLETE);
        refs += r->bits & WPS__Q_FRAME_REF;
        opens += r->kind == WPS__R_OPEN;
        sends += r->kind == WPS__R_SEND_CALL || r->kind == WPS__R_SEND_FRAME;
        if (r->kind == WPS__R_SEND_CALL || r->kind == WPS__R_COMPLETE)
            WPS_ASSERT(r->half < c->cfg.max_calls && c->calls[r->half].id == r->word);
        if (r->kind == WPS__R_COMPLETE) WPS_ASSERT(c->calls[r->half].state == WPS__CALL_DONE);
        if (r->kind == WPS__R_SEND_FRAME && !c->cfg.borrow_payloads) {
            WPS_ASSERT(r->word == frames && (size_t)r->word + wps__rec_len(r) <= c->out_used);
            frames += wps__rec_len(r);
        }
        if (r->kind == WPS__R_SEND_FRAME && c->cfg.borrow_payloads) { /* the argument the frame is encoded from */
            WPS_ASSERT(WPS__Q_WHAT(r->bits) != WPS__F_REJOIN || (r->word < c->cfg.max_groups && c->groups[r->word].queued_ack));
            WPS_ASSERT(WPS__Q_WHAT(r->bits) != WPS__F_CANCEL ||
                       (r->word < c->cfg.max_calls && c->calls[r->word].id && c->calls[r->word].kind == WPS_CALL_INVOKE_EVENT));
        }
    }
    WPS_ASSERT(refs == c->frame_refs);
    /* a queued OPEN never shares the queue with a frame to send (no socket is open while another
       opens; a drop takes unpolled frames back) */
    WPS_ASSERT(!opens || !sends);
    (void)opens;
    (void)sends;
    (void)order; /* used only by WPS_ASSERT, which may expand to nothing */
    (void)prev;
    (void)frames;
    (void)refs;
}
#define WPS__CHECK(c) wps__check(c)
#else
#define WPS__CHECK(c) ((void)0)
#endif

/* Every input that changed something ends here. */
WPS__SMALL_NOINLINE static wps_status wps__leave(wps_client *c) {
    wps__pump(c);
    WPS__CHECK(c);
    return WPS_OK;
}

/* ---------------------------------------------------------------- inputs */

WPS_API wps_status wps_client_start(wps_client *c, uint64_t now) {
    if (!c) return WPS_ERR_INVALID_ARGUMENT;
    wps__enter(c, now); /* even a refused input tells the time */
    if (c->conn != WPS__C_STOPPED) return WPS_ERR_STATE;
    if (wps__room(c) != WPS_OK) return WPS_ERR_BUSY;
    c->next_ping_at = c->now + c->cfg.keepalive_interval_ms;
    if (c->restored) {
        /* skip the ackIds the process that took the snapshot may have used after it: the
           service answers a reused one Duplicate and drops the message (wps__on_ack reports it
           if it still happens) */
        c->next_ack_id += WPS__ACK_RESERVE; /* restore refuses counters above UINT64_MAX / 2 */
        c->ids_restored = true;
    }
    if (c->restored && c->has_conn_id && c->has_token && c->url_len && wps_protocol_is_reliable(c->cfg.protocol)) {
        wps__start_recovery(c); /* a restored session: recover it first */
        return wps__leave(c);
    }
    c->restored = false;
    wps__fresh_connect(c, WPS__START);
    return wps__leave(c);
}

WPS_API wps_status wps_client_stop(wps_client *c, uint64_t now) {
    uint32_t i, next;
    if (!c) return WPS_ERR_INVALID_ARGUMENT;
    wps__enter(c, now); /* even a refused input tells the time */
    if (c->conn == WPS__C_STOPPED || c->conn == WPS__C_STOP_OPENING || c->conn == WPS__C_STOP_CLOSING) return WPS_OK;
    if (wps__room(c) != WPS_OK) return WPS_ERR_BUSY;
    wps__flush_rejoins(c, WPS_ERR_STOPPED);
    for (i = c->first_call; i != WPS__NIL; i = next) {
        next = c->calls[i].next;
        wps__end_call(c, &c->calls[i], WPS_ERR_STOPPED);
    }
    switch (c->conn) {
    case WPS__C_OPENING:
    case WPS__C_RECOVER_OPENING: /* the host opens it, then closes it */
        wps__push_close(c, 0);
        wps__to(c, WPS__C_STOP_OPENING);
        break;
    case WPS__C_HANDSHAKE:
    case WPS__C_READY:
        wps__push_close(c, 0);
        wps__to(c, WPS__C_STOP_CLOSING);
        break;
    case WPS__C_CLOSING: wps__to(c, WPS__C_STOP_CLOSING); break; /* a keepalive close already asked for */
    case WPS__C_WAIT_URL:
        wps__unqueue(c, WPS__MASK(WPS__R_NEED_URL), WPS__NIL);
        wps__stopped(c);
        break;
    case WPS__C_RECOVER_WAIT: wps__no_recovery(c, 1); break;
    default: wps__stopped(c); break; /* BACKOFF */
    }
    return wps__leave(c);
}

/* The URL of the logical connection: the caller's own (borrow_url), else a copy. */
static void wps__keep_url(wps_client *c, const char *url, size_t len) {
    if (c->cfg.borrow_url) {
        c->url = url;
    } else {
        if (len) WPS_MEMCPY(c->url_buf, url, len);
        c->url = c->url_buf;
    }
    c->url_len = len;
}

WPS_API wps_status wps_client_set_url(wps_client *c, uint64_t now, const char *url, size_t len) {
    if (!c || (!url && len)) return WPS_ERR_INVALID_ARGUMENT;
    wps__enter(c, now); /* even a refused input tells the time */
    if (c->conn != WPS__C_WAIT_URL) return WPS_ERR_STATE;
    if (len == 0 || len > c->cfg.max_url_len) return WPS_ERR_INVALID_ARGUMENT;
    if (wps__room(c) != WPS_OK) return WPS_ERR_BUSY;
    wps__keep_url(c, url, len);
    wps__open(c, WPS__C_OPENING);
    return wps__leave(c);
}

WPS_API wps_status wps_client_url_failed(wps_client *c, uint64_t now) {
    if (!c) return WPS_ERR_INVALID_ARGUMENT;
    wps__enter(c, now); /* even a refused input tells the time */
    if (c->conn != WPS__C_WAIT_URL) return WPS_ERR_STATE;
    if (wps__room_reason(c) != WPS_OK) return WPS_ERR_BUSY;
    c->close_reason_len = 0; /* no socket, no reason */
    wps__connect_failed(c, 0);
    return wps__leave(c);
}

/* The sequenceAck the client may send: the highest sequenceId delivered, but never one that
   covers a message the application did not get. */
static uint64_t wps__seq_ack_value(const wps_client *c) {
    uint64_t low = c->seq_lost_floor;
    uint32_t i;
    for (i = 0; i < c->seq_lost_n; i++)
        if (!low || c->seq_lost[i] < low) low = c->seq_lost[i];
    return low && c->seq_max >= low ? low - 1 : c->seq_max;
}

/* A message with this sequenceId was lost for lack of memory (reported as a frame error): no
   sequenceAck may cover it, and its redelivery is a delivery. */
static void wps__seq_lost(wps_client *c, uint64_t id) {
    uint32_t i;
    for (i = 0; i < c->seq_lost_n; i++)
        if (c->seq_lost[i] == id) return;
    if (c->seq_lost_n < WPS__LOST_MAX) c->seq_lost[c->seq_lost_n++] = id;
    else if (!c->seq_lost_floor || id < c->seq_lost_floor) c->seq_lost_floor = id;
}

/* 1 if id was lost and is now delivered again (it leaves the lost table). */
static int wps__seq_refill(wps_client *c, uint64_t id) {
    uint32_t i;
    for (i = 0; i < c->seq_lost_n; i++)
        if (c->seq_lost[i] == id) {
            c->seq_lost[i] = c->seq_lost[--c->seq_lost_n];
            return 1;
        }
    return 0;
}

static void wps__seqack_check(wps_client *c) {
    if (c->seq_updated && !c->seqack_queued && wps__socket_open(c) && wps_protocol_is_reliable(c->cfg.protocol)) {
        c->seqack_queued = true;
        c->seq_updated = false;
        wps__push_frame(c, WPS__F_SEQACK, wps__seq_ack_value(c));
    }
}

WPS_API wps_status wps_client_on_open(wps_client *c, uint64_t now) {
    if (!c) return WPS_ERR_INVALID_ARGUMENT;
    wps__enter(c, now); /* even a refused input tells the time */
    if (c->conn != WPS__C_OPENING && c->conn != WPS__C_RECOVER_OPENING && c->conn != WPS__C_STOP_OPENING) return WPS_ERR_STATE;
    if (wps__room(c) != WPS_OK) return WPS_ERR_BUSY;
    /* a host that opened the socket without polling its OPEN has it: the OPEN is taken back (no
       OPEN may stay queued beside the frames of an open socket) */
    wps__unqueue(c, WPS__MASK(WPS__R_OPEN), WPS__NIL);
    if (c->conn == WPS__C_STOP_OPENING) { /* stop() raced the open: close it (again, if the host had the first) */
        wps__to(c, WPS__C_STOP_CLOSING);
        if (!wps__queued(c, WPS__MASK(WPS__R_CLOSE))) wps__push_close(c, 0);
        return wps__leave(c);
    }
    c->last_rx = c->now;
    c->seqack_queued = false;
    c->ping_queued = false;
    if (c->cfg.keepalive_interval_ms) {
        /* the ping timer keeps the phase it got at start() */
        while (c->next_ping_at <= c->now) c->next_ping_at += c->cfg.keepalive_interval_ms;
    }
    if (c->conn == WPS__C_OPENING) { /* fresh: usable once the service says `connected` */
        wps__to(c, WPS__C_HANDSHAKE);
        c->session = true;
        c->fresh_is_start = false; /* started: later failures reconnect */
    } else {                       /* recovered: usable at once */
        wps__to(c, WPS__C_READY);
        c->restored = false;
        wps__event(c, WPS_EVENT_RECOVERED);
    }
    if (wps_protocol_is_reliable(c->cfg.protocol)) {
        wps__seqack_check(c); /* the SDK's sequenceAck task runs once at every open */
        c->seq_ack_at = c->now + c->cfg.sequence_ack_interval_ms;
    }
    return wps__leave(c);
}

WPS_API wps_status wps_client_on_open_failed(wps_client *c, uint64_t now, uint16_t code) {
    if (!c) return WPS_ERR_INVALID_ARGUMENT;
    wps__enter(c, now); /* even a refused input tells the time */
    if (c->conn != WPS__C_OPENING && c->conn != WPS__C_RECOVER_OPENING && c->conn != WPS__C_STOP_OPENING) return WPS_ERR_STATE;
    if (wps__room_reason(c) != WPS_OK) return WPS_ERR_BUSY;
    if (!c->session) c->close_reason_len = 0; /* a failed fresh open has no close reason (a recovery keeps the lost one's) */
    wps__connect_failed(c, code);
    return wps__leave(c);
}

WPS_API wps_status wps_client_on_close(wps_client *c, uint64_t now, uint16_t code, const char *reason, size_t reason_len) {
    if (!c || (!reason && reason_len)) return WPS_ERR_INVALID_ARGUMENT;
    wps__enter(c, now); /* even a refused input tells the time */
    switch (c->conn) {
    case WPS__C_STOPPED:
    case WPS__C_WAIT_URL:
    case WPS__C_RECOVER_WAIT:
    case WPS__C_BACKOFF: return WPS_ERR_STATE; /* no socket */
    default: break;
    }
    if (wps__room_reason(c) != WPS_OK) return WPS_ERR_BUSY;
    if (reason_len > WPS__REASON_MAX) reason_len = WPS__REASON_MAX;
    if (reason_len) WPS_MEMCPY(c->close_reason, reason, reason_len);
    c->close_reason_len = reason_len;
    if (c->conn == WPS__C_OPENING || c->conn == WPS__C_RECOVER_OPENING || c->conn == WPS__C_STOP_OPENING) wps__connect_failed(c, code);
    else wps__connection_lost(c, code);
    return wps__leave(c);
}

static void wps__frame_error(wps_client *c, wps_status st, const char *reason, size_t needed) {
    size_t n = reason ? wps__cstrlen(reason) : 0;
    char *to = c->rx_diag.reason;
    wps__rec *e;
    if (n >= sizeof c->rx_diag.reason) n = sizeof c->rx_diag.reason - 1;
    if (n && reason != to) WPS_MEMCPY(to, reason, n);
    to[n] = 0;
    WPS__TRACE_AT(c, WPS_TRACE_FRAME_REFUSED, to, st, 0, 0, 0, 0);
    e = wps__push_event(c, WPS_EVENT_FRAME_ERROR, 1); /* the next bad frame would overwrite the reason */
    wps__event_status(e, st);
    e->bits |= WPS__E_TEXT;
    c->rx_needed = needed;
}

WPS__SMALL_NOINLINE static void wps__on_ack(wps_client *c, const wps_message *m) {
    uint32_t i, next, matched = 0;
    int dup = m->error.name.len == 9 && wps__eq(m->error.name.ptr, "Duplicate", 9);
    int ok = (m->success && (m->has & WPS_HAS_SUCCESS)) || dup;
    for (i = c->first_call; i != WPS__NIL; i = next) {
        wps__call *k = &c->calls[i];
        next = k->next;
        if (k->state != WPS__CALL_IN_FLIGHT || !k->has_ack || k->ack_id != m->ack_id || wps__unanswerable(c, k)) continue;
        matched++;
        k->is_dup = (uint8_t)dup;
        k->err_name = m->error.name;
        k->err_msg = m->error.message;
        if (dup && k->error_acked && !k->answer_lost) {
            /* the retry of an ackId the service already answered with an error, and no other
               attempt reached it: "Duplicate" here means "already processed, and it failed".
               With an attempt whose answer was lost, Duplicate says that one was processed. */
            wps__complete(c, k, WPS_ERR_ACK_FAILED, 1);
        } else if (dup && k->sent == 1 && !k->own_ack && c->ids_restored) {
            /* in a session restored from a snapshot, the only attempt, under an ackId this
               client chose, answered Duplicate: the service processed another message under it,
               not this one (the snapshot is older than calls the last process made after it;
               the start skipped WPS__ACK_RESERVE ackIds to make this rare). Not delivered: said
               so, not counted as a delivery. Elsewhere Duplicate is success, as in the SDKs. */
            wps__complete(c, k, WPS_ERR_ACK_FAILED, 1);
        } else if (ok) {
            if (k->kind == WPS_CALL_JOIN_GROUP) c->groups[k->group].joined = 1;
            if (k->kind == WPS_CALL_LEAVE_GROUP) c->groups[k->group].joined = 0;
            wps__complete(c, k, WPS_OK, 1);
        } else {
            k->error_acked = 1;
            wps__attempt_failed(c, k, WPS_ERR_ACK_FAILED, 1);
        }
    }
    for (i = 0; i < c->cfg.max_groups; i++) {
        if (c->groups[i].len && c->groups[i].rejoin_ack != 0 && c->groups[i].rejoin_ack == m->ack_id) {
            matched++;
            if (ok) {
                c->groups[i].rejoin_ack = 0;
                wps__rejoin_settled(c);
            } else {
                wps__rejoin_failed(c, i, WPS_ERR_ACK_FAILED, m->error.name, m->error.message, 1);
            }
        }
    }
    if (!matched) WPS__TRACE(c, WPS_TRACE_FRAME_DROPPED, "an ack for no pending call", WPS_OK, 0, m->ack_id, 0, 0);
}

WPS__SMALL_NOINLINE static void wps__on_invoke_response(wps_client *c, const wps_message *m) {
    uint32_t i;
    for (i = c->first_call; i != WPS__NIL; i = c->calls[i].next) {
        wps__call *k = &c->calls[i];
        if (k->state != WPS__CALL_IN_FLIGHT || k->kind != WPS_CALL_INVOKE_EVENT || k->inv_len != m->invocation_id.len ||
            (k->inv_len && WPS_MEMCMP(k->buf, m->invocation_id.ptr, k->inv_len) != 0) || wps__unanswerable(c, k))
            continue;
        k->err_name = m->error.name;
        k->err_msg = m->error.message;
        if (!(m->has & WPS_HAS_SUCCESS)) {
            k->err_msg = wps_slice_from_cstr("Unsupported invoke response frame.");
            wps__complete(c, k, WPS_ERR_INVALID_MESSAGE, 1);
        } else if (!m->success) {
            wps__complete(c, k, WPS_ERR_INVOKE_FAILED, 1);
        } else {
            k->has_data = (uint8_t)((m->has & WPS_HAS_DATA) != 0);
            k->data_type = (uint8_t)m->data_type;
            k->data = m->data;
            wps__complete(c, k, WPS_OK, 1);
        }
        return;
    }
    WPS__TRACE(c, WPS_TRACE_FRAME_DROPPED, "an invokeResponse for no pending invocation", WPS_OK, 0, 0, 0, 0);
}

/* A data message's sequenceId: 1 to deliver it, 0 for a duplicate (dropped). */
static int wps__sequence(wps_client *c, const wps_message *m) {
    uint64_t diff = 0;
    int owed = c->seq_updated, refill = wps__seq_refill(c, m->sequence_id);
    c->seq_updated = true; /* even a duplicate: the next tick re-sends the maximum */
    if (m->sequence_id > c->seq_max) {
        diff = m->sequence_id - c->seq_max;
        c->seq_max = m->sequence_id;
    }
    if (!owed && c->seq_ack_at < c->now && c->cfg.sequence_ack_interval_ms) {
        /* nothing was owed while the timer's ticks passed: the next tick on its grid, like the
           SDK's 1 s task; an ack already owed is never postponed */
        uint64_t k = wps__div_u64(c->now - c->seq_ack_at, c->cfg.sequence_ack_interval_ms) + 1;
        c->seq_ack_at += k * c->cfg.sequence_ack_interval_ms;
    }
    if (diff == 0 && !refill) {
        WPS__TRACE(c, WPS_TRACE_FRAME_DROPPED, "duplicate sequenceId", WPS_OK, 0, 0, 0, 0);
        return 0;
    }
    if (diff > c->cfg.quick_sequence_ack_diff) wps__seqack_check(c);
    return 1;
}

WPS__SMALL_NOINLINE static void wps__on_data(wps_client *c, const wps_message *m) {
    if ((m->has & WPS_HAS_SEQUENCE_ID) && !wps__sequence(c, m)) return;
    if (m != &c->msg) c->msg = *m; /* decoded there by wps__on_frame */
    wps__push_event(c, m->kind == WPS_KIND_GROUP_DATA ? WPS_EVENT_GROUP_MESSAGE : WPS_EVENT_SERVER_MESSAGE, 1);
}

WPS__SMALL_NOINLINE static void wps__on_connected(wps_client *c, const wps_message *m) {
    uint32_t i;
    /* a connected frame on a socket being closed (stop, keepalive) starts nothing: the next
       connection is then a fresh one, with its rejoins */
    if (c->conn != WPS__C_HANDSHAKE && c->conn != WPS__C_READY) return;
    wps__copy_str(c, WPS__WHY("connectionId longer than max_id_len (the session cannot be recovered)"), c->conn_id, &c->conn_id_len,
                  &c->has_conn_id, WPS__ID_CAP(&c->cfg), m->connection_id);
    wps__copy_str(c, WPS__WHY("userId longer than max_id_len"), c->user_id, &c->user_id_len, &c->has_user_id, WPS__ID_CAP(&c->cfg), m->user_id);
    wps__copy_str(c, WPS__WHY("reconnectionToken longer than max_token_len (the session cannot be recovered)"), c->token, &c->token_len,
                  &c->has_token, c->cfg.max_token_len, m->reconnection_token);
    if (c->has_conn_id && c->has_token && !wps__recoverable_pair(c, c->conn_id, c->conn_id_len, c->token, c->token_len)) {
        WPS__TRACE(c, WPS_TRACE_NOT_KEPT, "reconnectionToken: with the connectionId, longer than 2 * max_token_len URL-encoded (the session cannot be recovered)",
                   WPS_OK, 0, 0, 0, (uint32_t)c->token_len);
        c->has_token = false;
        c->token_len = 0;
    }
    if (c->conn == WPS__C_READY) return; /* later connected frames only refresh the id and token */
    wps__to(c, WPS__C_READY);                /* rejoins first, then the waiting calls (wps__leave) */
    c->rejoins_pending = 0;
    c->connected_pending = true;
    if (c->cfg.auto_rejoin_groups) {
        for (i = 0; i < c->cfg.max_groups; i++) {
            wps__group *g = &c->groups[i];
            if (!g->len || !g->joined) continue;
            g->rejoin_ack = ++c->next_ack_id;
            c->rejoins_pending++;
            wps__push_frame(c, WPS__F_REJOIN, i);
        }
    }
    if (!c->rejoins_pending) {
        c->connected_pending = false;
        wps__event(c, WPS_EVENT_CONNECTED);
    }
}

/* (the public functions' arguments in their order, writable second: on 32-bit targets they
   jump here with their own stack arguments, no frame of their own) */
static wps_status wps__on_frame(wps_client *c, void *writable, uint64_t now, const void *data, size_t len, bool is_text) {
    /* the frame is decoded into the client (not the stack): the message the events of this
       frame point to, and the details of a refused frame */
    wps_message *m;
    wps_diag *d;
    wps_status st;
    if (!c || (!data && len)) return WPS_ERR_INVALID_ARGUMENT;
    wps__enter(c, now); /* even a refused input tells the time */
    if (c->frame_refs) return WPS_ERR_BUSY;
    if (c->conn != WPS__C_HANDSHAKE && c->conn != WPS__C_READY && c->conn != WPS__C_CLOSING && c->conn != WPS__C_STOP_CLOSING)
        return WPS_ERR_STATE;
    if (wps__room(c) != WPS_OK) return WPS_ERR_BUSY;
    c->last_rx = c->now;
    if (!is_text && !wps_protocol_is_binary(c->cfg.protocol)) { /* client-behavior O12 */
        wps__frame_error(c, WPS_ERR_FRAME_TYPE, WPS__WHY("a binary frame on a JSON subprotocol (the service sends text frames)"), 0);
        return wps__leave(c);
    }
    /* the scratch always holds a frame of up to max_frame_size (wps_decode_scratch_bound); a
       longer writable frame goes straight to the in-place decoder, and so does every writable
       frame of a client without scratch (receive_in_place) */
    m = &c->msg;
    d = &c->rx_diag;
    if (writable && (len > c->cfg.max_frame_size || c->cfg.receive_in_place))
        st = wps__decode(&c->down, writable, len, writable, 0, m, d); /* = wps_decode_in_place */
    else st = wps_decode(&c->down, data, len, c->scratch, c->cfg.receive_in_place ? 0 : c->cfg.max_frame_size, m, d);
    if (st == WPS_IGNORED) return wps__leave(c);
    if (st != WPS_OK) {
        if (st == WPS_ERR_BUFFER_TOO_SMALL && (m->has & WPS_HAS_SEQUENCE_ID) && m->sequence_id > c->seq_max) {
            /* lost for lack of memory: no sequenceAck may cover it */
            wps__seq_lost(c, m->sequence_id);
        }
        wps__frame_error(c, st, d->reason, st == WPS_ERR_BUFFER_TOO_SMALL ? d->needed : 0);
        return wps__leave(c);
    }
    switch (m->kind) {
    case WPS_KIND_ACK: wps__on_ack(c, m); break;
    case WPS_KIND_GROUP_DATA:
    case WPS_KIND_SERVER_DATA: wps__on_data(c, m); break;
    case WPS_KIND_CONNECTED: wps__on_connected(c, m); break;
    case WPS_KIND_DISCONNECTED:
        /* kept for the disconnected event, which comes when the socket closes */
        c->has_disc = true;
        c->disc_len = m->message.len > WPS__DISC_CAP(&c->cfg) ? WPS__DISC_CAP(&c->cfg) : m->message.len;
        if (c->disc_len < m->message.len)
            WPS__TRACE(c, WPS_TRACE_NOT_KEPT, "disconnected message cut short", WPS_OK, 0, 0, 0, (uint32_t)(m->message.len < UINT32_MAX ? m->message.len : UINT32_MAX));
        if (c->disc_len) WPS_MEMCPY(c->disc, m->message.ptr, c->disc_len);
        break;
    case WPS_KIND_INVOKE_RESPONSE: wps__on_invoke_response(c, m); break;
    default: break; /* pong (liveness only) and kinds this client does not act on */
    }
    return wps__leave(c);
}

WPS_API wps_status wps_client_on_frame(wps_client *c, uint64_t now, const void *data, size_t len, bool is_text) {
    return wps__on_frame(c, NULL, now, data, len, is_text);
}

WPS_API wps_status wps_client_on_frame_writable(wps_client *c, uint64_t now, void *data, size_t len, bool is_text) {
    return wps__on_frame(c, data, now, data, len, is_text);
}

WPS_API wps_status wps_client_tick(wps_client *c, uint64_t now) {
    uint32_t i, next;
    if (!c) return WPS_ERR_INVALID_ARGUMENT;
    wps__enter(c, now); /* even a refused input tells the time */
    if (wps__room(c) != WPS_OK) return WPS_ERR_BUSY;
    now = c->now;
    switch (c->conn) {
    case WPS__C_BACKOFF:
        if (c->reconnect_at <= now) wps__fresh_connect(c, WPS__RECONNECT);
        break;
    case WPS__C_RECOVER_WAIT:
        if (c->recovery_at <= now) {
            if (now >= c->recovery_deadline) wps__no_recovery(c, 0);
            else wps__recovery_attempt(c);
        }
        break;
    case WPS__C_HANDSHAKE:
    case WPS__C_READY:
        if (c->cfg.keepalive_timeout_ms && now - c->last_rx > c->cfg.keepalive_timeout_ms) {
            wps__push_close(c, 1);
            wps__to(c, WPS__C_CLOSING);
        }
        break;
    default: break;
    }
    if (c->cfg.keepalive_interval_ms && c->next_ping_at && c->next_ping_at <= now && c->conn != WPS__C_STOPPED) {
        if (wps__socket_open(c) && !c->ping_queued) {
            c->ping_queued = true;
            wps__push_frame(c, WPS__F_PING, 0);
        }
        c->next_ping_at += (wps__div_u64(now - c->next_ping_at, c->cfg.keepalive_interval_ms) + 1) * c->cfg.keepalive_interval_ms;
    }
    if (wps__socket_open(c) && c->cfg.sequence_ack_interval_ms && c->seq_ack_at <= now && wps_protocol_is_reliable(c->cfg.protocol)) {
        wps__seqack_check(c);
        c->seq_ack_at += (wps__div_u64(now - c->seq_ack_at, c->cfg.sequence_ack_interval_ms) + 1) * c->cfg.sequence_ack_interval_ms;
    }
    for (i = c->first_call; i != WPS__NIL; i = next) {
        wps__call *k = &c->calls[i];
        next = k->next;
        if (k->timeout_at && k->timeout_at <= now) {
            wps__end_call(c, k, WPS_ERR_TIMEOUT);
        } else if (k->state == WPS__CALL_RETRY_WAIT && k->retry_at <= now) {
            wps__set_state(c, k, WPS__CALL_WAITING); /* sent when a connection is usable (wps__leave) */
        } else if (k->state == WPS__CALL_IN_FLIGHT && k->attempt_at && k->attempt_at <= now) {
            /* unanswered on an open connection: a failed attempt. One the host has not polled yet
               has not started: its clock starts again (it keeps its place in the order) */
            if (wps__send_queued(c, i)) k->attempt_at = now + c->cfg.attempt_timeout_ms;
            else wps__attempt_failed(c, k, WPS_ERR_TIMEOUT, 0);
        }
    }
    return wps__leave(c);
}

static void wps__min_into(uint64_t *d, uint64_t t) {
    if (t < *d) *d = t;
}

WPS_API uint64_t wps_client_next_deadline(const wps_client *c) {
    uint64_t d = UINT64_MAX;
    uint32_t i;
    if (!c) return d;
    if (c->conn == WPS__C_BACKOFF) wps__min_into(&d, c->reconnect_at);
    if (c->conn == WPS__C_RECOVER_WAIT) wps__min_into(&d, c->recovery_at);
    if (wps__socket_open(c)) {
        if (c->cfg.keepalive_timeout_ms) wps__min_into(&d, c->last_rx + c->cfg.keepalive_timeout_ms + 1);
        if (c->cfg.keepalive_interval_ms) wps__min_into(&d, c->next_ping_at);
        if (c->seq_updated && !c->seqack_queued && wps_protocol_is_reliable(c->cfg.protocol) && c->cfg.sequence_ack_interval_ms)
            wps__min_into(&d, c->seq_ack_at);
    }
    for (i = c->first_call; i != WPS__NIL; i = c->calls[i].next) {
        const wps__call *k = &c->calls[i];
        if (k->timeout_at) wps__min_into(&d, k->timeout_at);
        if (k->state == WPS__CALL_RETRY_WAIT) wps__min_into(&d, k->retry_at);
        if (k->state == WPS__CALL_IN_FLIGHT && k->attempt_at) wps__min_into(&d, k->attempt_at);
    }
    if (d != UINT64_MAX && d < c->now) d = c->now;
    return d;
}

/* ---------------------------------------------------------------- calls (API) */

static wps__call *wps__call_alloc(wps_client *c) {
    uint32_t i;
    for (i = 0; i < c->cfg.max_calls; i++) {
        wps__call *k = &c->calls[i];
        if (!k->id) {
            unsigned char *buf = k->buf;
            WPS_MEMSET(k, 0, sizeof *k);
            k->buf = buf;
            k->prev = k->next = WPS__NIL;
            return k;
        }
    }
    return NULL;
}

/* The bytes of a JSON string literal of p[0..n) as the encoder writes it. */
static size_t wps__jstr_size(const char *p, size_t n) {
    wps__w w;
    w.buf = NULL;
    w.cap = 0;
    w.len = 0;
    wps__put_jstr(&w, p, n);
    return w.len;
}

/* What the internal frames the client may have to queue at once take in the out buffer: a
   rejoin per group entry, a cancelInvocation per pending invocation, a ping and a sequenceAck.
   Admitting a group or an invocation keeps it within out_cap. */
static size_t wps__out_committed(const wps_client *c) {
    size_t n = WPS__OUT_FIXED;
    uint32_t i;
    for (i = 0; i < c->cfg.max_groups; i++)
        if (c->groups[i].len) n += WPS__REJOIN_SIZE + wps__jstr_size(c->groups[i].name, c->groups[i].len);
    for (i = 0; i < c->cfg.max_calls; i++)
        if (c->calls[i].id && c->calls[i].kind == WPS_CALL_INVOKE_EVENT) n += WPS__CANCEL_SIZE + wps__jstr_size((const char *)c->calls[i].buf, c->calls[i].inv_len);
    return n;
}

/* The group entry for name (created if new); -1 when the table is full, -2 when its rejoin
   frame would not fit the internal frame buffer (wps__out_committed). */
static int wps__group_get(wps_client *c, wps_slice name) {
    uint32_t i;
    int free_slot = -1, reusable = -1;
    for (i = 0; i < c->cfg.max_groups; i++) {
        wps__group *g = &c->groups[i];
        if (g->len == name.len && g->len && WPS_MEMCMP(g->name, name.ptr, name.len) == 0) return (int)i;
        if (!g->len && free_slot < 0) free_slot = (int)i;
        if (g->len && !g->joined && !g->refs && !g->rejoin_ack && !g->queued_ack && reusable < 0) reusable = (int)i;
    }
    if (free_slot < 0) free_slot = reusable; /* forget a group left and idle */
    if (free_slot < 0) return -1;
    {
        /* its rejoin frame must fit beside the others (a name that escapes a lot may not) */
        size_t committed = wps__out_committed(c), add = WPS__REJOIN_SIZE + wps__jstr_size(name.ptr, name.len);
        if (c->groups[free_slot].len) committed -= WPS__REJOIN_SIZE + wps__jstr_size(c->groups[free_slot].name, c->groups[free_slot].len);
        if (!c->cfg.borrow_payloads && committed + add > c->out_cap) return -2; /* (borrow_payloads: tx holds any one) */
    }
    c->groups[free_slot].len = (uint32_t)name.len;
    c->groups[free_slot].joined = 0;
    c->groups[free_slot].refs = 0;
    c->groups[free_slot].rejoin_ack = 0;
    c->groups[free_slot].queued_ack = 0;
    WPS_MEMCPY(c->groups[free_slot].name, name.ptr, name.len);
    return free_slot;
}

static int wps__invocation_pending(const wps_client *c, const char *id, size_t n) {
    uint32_t i;
    for (i = c->first_call; i != WPS__NIL; i = c->calls[i].next) {
        const wps__call *k = &c->calls[i];
        if (k->kind == WPS_CALL_INVOKE_EVENT && k->inv_len == n && (n == 0 || WPS_MEMCMP(k->buf, id, n) == 0)) return 1;
    }
    return 0;
}

/* A refused call: the status, with a reason and the size it would need in diag. */
static wps_status wps__refuse_at(const wps_client *c, wps_diag *diag, wps_status st, const char *why, size_t needed) {
    if (c) WPS__TRACE_AT(c, WPS_TRACE_CALL_REFUSED, why, st, 0, 0, 0, (uint32_t)(needed > UINT32_MAX ? UINT32_MAX : needed));
    wps__fail_at(diag, st, NULL, why, (size_t)-1);
    if (diag) diag->needed = needed;
    return st;
}
#define wps__refuse(c, diag, st, why, needed) wps__refuse_at((c), (diag), (st), WPS__WHY(why), (needed))

/* The message of a call's attempt, from what the call keeps (one definition for its first
   encoding and for a borrowed call's encoding at each attempt). */
static void wps__call_message(const wps__call *k, wps_message *m) {
    wps_message_init(m, WPS_KIND_NONE);
    switch ((wps_call_kind)k->kind) {
    case WPS_CALL_JOIN_GROUP: m->kind = WPS_KIND_JOIN_GROUP; m->group = k->name; break;
    case WPS_CALL_LEAVE_GROUP: m->kind = WPS_KIND_LEAVE_GROUP; m->group = k->name; break;
    case WPS_CALL_SEND_TO_GROUP:
        m->kind = WPS_KIND_SEND_TO_GROUP;
        m->group = k->name;
        m->no_echo = k->no_echo != 0;
        m->has |= WPS_HAS_NO_ECHO; /* the SDK always writes noEcho */
        break;
    case WPS_CALL_SEND_EVENT: m->kind = WPS_KIND_SEND_EVENT; m->event = k->name; break;
    default: m->kind = WPS_KIND_INVOKE; m->event = k->name; m->target = wps_slice_from_cstr("event"); break;
    }
    if (k->kind == WPS_CALL_SEND_TO_GROUP || k->kind == WPS_CALL_SEND_EVENT || k->kind == WPS_CALL_INVOKE_EVENT) {
        m->data_type = (wps_data_type)k->payload_type;
        m->data = k->payload;
        m->has |= WPS_HAS_DATA;
    }
    if (k->kind == WPS_CALL_INVOKE_EVENT) m->invocation_id = wps_slice_make((const char *)k->buf, k->inv_len);
    if (k->has_ack) {
        m->ack_id = k->ack_id;
        m->has |= WPS_HAS_ACK_ID;
    }
}

static wps_status wps__call_start(wps_client *c, uint64_t now, wps_call_kind kind, wps_slice name, wps_data_type dt, wps_slice data,
                                  const wps_call_options *opt, wps_call_id *out, wps_diag *diag) {
    wps_call_options none;
    wps__call *k;
    wps_message m;
    size_t n = 0;
    int gi = -1;
    uint32_t timeout;
    wps_status st;
    if (out) *out = 0;
    if (diag) wps__diag_clear(diag);
    if (!c) return wps__refuse(NULL, diag, WPS_ERR_INVALID_ARGUMENT, "NULL client", 0);
    wps__enter(c, now); /* even a refused input tells the time */
    if (!name.ptr || name.len == 0 || (!data.ptr && data.len))
        return wps__refuse(c, diag, WPS_ERR_INVALID_ARGUMENT, "the name is empty, or data is NULL with a length", 0);
    if (!opt) {
        WPS_MEMSET(&none, 0, sizeof none);
        opt = &none;
    }
    if ((kind == WPS_CALL_JOIN_GROUP || kind == WPS_CALL_LEAVE_GROUP || kind == WPS_CALL_SEND_TO_GROUP) && name.len > c->cfg.max_name_len)
        return wps__refuse(c, diag, WPS_ERR_TOO_LARGE, "the group name is longer than max_name_len", name.len);
    if (kind == WPS_CALL_INVOKE_EVENT && opt->invocation_id.ptr && opt->invocation_id.len > c->cfg.max_name_len)
        return wps__refuse(c, diag, WPS_ERR_TOO_LARGE, "the invocation id is longer than max_name_len", opt->invocation_id.len);
    if (wps__room(c) != WPS_OK) return wps__refuse(c, diag, WPS_ERR_BUSY, "actions are still queued: poll them first", 0);
    k = wps__call_alloc(c);
    if (!k) return wps__refuse(c, diag, WPS_ERR_TOO_MANY_CALLS, "max_calls calls are pending: try again once one completes", 0);
    k->kind = (uint8_t)kind;
    k->borrowed = (uint8_t)(opt->borrow_payload || c->cfg.borrow_payloads);
    k->name = name;
    k->no_echo = (uint8_t)opt->no_echo;
    if (kind == WPS_CALL_SEND_TO_GROUP || kind == WPS_CALL_SEND_EVENT || kind == WPS_CALL_INVOKE_EVENT) {
        k->payload_type = (uint8_t)((unsigned)dt > 3u ? 255u : (unsigned)dt); /* out of range: refused by the encoder below */
        k->payload = data;
    }
    if (kind == WPS_CALL_INVOKE_EVENT) {
        if (opt->invocation_id.ptr) {
            if (opt->invocation_id.len == 0) return wps__refuse(c, diag, WPS_ERR_INVALID_ARGUMENT, "empty invocation id", 0);
            if (wps__invocation_pending(c, opt->invocation_id.ptr, opt->invocation_id.len))
                return wps__refuse(c, diag, WPS_ERR_INVALID_ARGUMENT, "an invocation with this id is pending", 0);
            WPS_MEMCPY(k->buf, opt->invocation_id.ptr, opt->invocation_id.len);
            k->inv_len = (uint32_t)opt->invocation_id.len;
        } else {
            do { /* "1", "2", ...; skipping ids callers chose */
                char tmp[20];
                size_t len = wps__u64_dec(++c->next_invocation, tmp);
                for (n = 0; n < len; n++) k->buf[n] = (unsigned char)tmp[n];
                k->inv_len = (uint32_t)len;
            } while (wps__invocation_pending(c, (const char *)k->buf, k->inv_len));
        }
        if (!c->cfg.borrow_payloads && wps__out_committed(c) + WPS__CANCEL_SIZE + wps__jstr_size((const char *)k->buf, k->inv_len) > c->out_cap)
            return wps__refuse(c, diag, WPS_ERR_CAPACITY, "the invocation id needs too many escapes for the internal frame buffer", 0);
    } else if (!((kind == WPS_CALL_SEND_TO_GROUP || kind == WPS_CALL_SEND_EVENT) && opt->fire_and_forget)) {
        k->has_ack = 1;
        k->own_ack = (uint8_t)(opt->has_ack_id != 0);
        k->ack_id = opt->has_ack_id ? opt->ack_id : c->next_ack_id + 1;
    } else {
        k->fire_and_forget = 1;
    }
    if (kind == WPS_CALL_JOIN_GROUP || kind == WPS_CALL_LEAVE_GROUP) {
        gi = wps__group_get(c, name);
        if (gi == -2) return wps__refuse(c, diag, WPS_ERR_CAPACITY, "the group name needs too many escapes for the internal frame buffer", 0);
        if (gi < 0) return wps__refuse(c, diag, WPS_ERR_CAPACITY, "max_groups groups are remembered (joined, or with calls pending)", 0);
    }
    wps__call_message(k, &m);
    /* a borrowed call is encoded here only to check it and measure it (no output) */
    st = wps_encode(&c->up, &m, k->borrowed ? NULL : k->buf + c->cfg.max_name_len, k->borrowed ? 0 : c->cfg.max_frame_size, &n, diag);
    if (st == WPS_ERR_BUFFER_TOO_SMALL && k->borrowed && n <= c->cfg.max_frame_size) st = WPS_OK;
    if (st == WPS_ERR_BUFFER_TOO_SMALL) return wps__refuse(c, diag, WPS_ERR_TOO_LARGE, "the frame is larger than max_frame_size", n);
    if (st != WPS_OK) return st;
    /* committed: nothing below fails */
    if (k->has_ack && !opt->has_ack_id) c->next_ack_id++;
    k->frame_len = (uint32_t)n;
    if (gi >= 0) {
        k->group = (uint16_t)gi;
        c->groups[gi].refs++;
    }
    timeout = opt->timeout_ms ? opt->timeout_ms : (kind == WPS_CALL_INVOKE_EVENT ? c->cfg.invoke_timeout_ms : c->cfg.ack_timeout_ms);
    k->timeout_at = timeout == WPS_NO_TIMEOUT ? 0 : c->now + timeout;
    if (++c->next_call_id == 0) c->next_call_id = 1;
    k->id = c->next_call_id;
    k->order = ++c->next_order;
    k->state = WPS__CALL_WAITING;
    c->waiting++;
    wps__list_insert(c, wps__call_slot(c, k));
    if (out) *out = k->id;
    if (c->conn == WPS__C_STOPPED || c->conn == WPS__C_STOP_OPENING || c->conn == WPS__C_STOP_CLOSING)
        wps__complete(c, k, WPS_ERR_NOT_SENT, 0); /* no connection will come */
    if (diag) wps__diag_clear(diag);
    return wps__leave(c);
}

WPS_API wps_status wps_client_join_group(wps_client *c, uint64_t now, wps_slice group, const wps_call_options *opt, wps_call_id *call,
                                         wps_diag *diag) {
    wps_slice none = {NULL, 0};
    return wps__call_start(c, now, WPS_CALL_JOIN_GROUP, group, WPS_DATA_JSON, none, opt, call, diag);
}

WPS_API wps_status wps_client_leave_group(wps_client *c, uint64_t now, wps_slice group, const wps_call_options *opt, wps_call_id *call,
                                          wps_diag *diag) {
    wps_slice none = {NULL, 0};
    return wps__call_start(c, now, WPS_CALL_LEAVE_GROUP, group, WPS_DATA_JSON, none, opt, call, diag);
}

WPS_API wps_status wps_client_send_to_group(wps_client *c, uint64_t now, wps_slice group, wps_data_type dt, wps_slice data,
                                            const wps_call_options *opt, wps_call_id *call, wps_diag *diag) {
    return wps__call_start(c, now, WPS_CALL_SEND_TO_GROUP, group, dt, data, opt, call, diag);
}

WPS_API wps_status wps_client_send_event(wps_client *c, uint64_t now, wps_slice event, wps_data_type dt, wps_slice data,
                                         const wps_call_options *opt, wps_call_id *call, wps_diag *diag) {
    return wps__call_start(c, now, WPS_CALL_SEND_EVENT, event, dt, data, opt, call, diag);
}

WPS_API wps_status wps_client_invoke_event(wps_client *c, uint64_t now, wps_slice event, wps_data_type dt, wps_slice data,
                                           const wps_call_options *opt, wps_call_id *call, wps_diag *diag) {
    return wps__call_start(c, now, WPS_CALL_INVOKE_EVENT, event, dt, data, opt, call, diag);
}

WPS_API wps_status wps_client_cancel(wps_client *c, uint64_t now, wps_call_id id) {
    uint32_t i;
    if (!c || !id) return WPS_ERR_INVALID_ARGUMENT;
    wps__enter(c, now); /* even a refused input tells the time */
    if (wps__room(c) != WPS_OK) return WPS_ERR_BUSY;
    for (i = c->first_call; i != WPS__NIL; i = c->calls[i].next) {
        if (c->calls[i].id != id) continue;
        wps__end_call(c, &c->calls[i], WPS_ERR_CANCELLED);
        return wps__leave(c);
    }
    return WPS_ERR_INVALID_ARGUMENT;
}

/* ---------------------------------------------------------------- snapshot */

static uint32_t wps__crc32(const unsigned char *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    size_t i;
    int k;
    for (i = 0; i < n; i++) {
        crc ^= p[i];
        for (k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void wps__put_le(wps__w *w, uint64_t v, int bytes) {
    unsigned char b[8];
    int i;
    for (i = 0; i < bytes; i++) b[i] = (unsigned char)(v >> (8 * i));
    wps__put(w, (const char *)b, (size_t)bytes);
}

static void wps__put_lenstr(wps__w *w, const char *s, size_t n) {
    wps__put_le(w, n, 4);
    wps__put(w, s, n);
}

#define WPS__SNAP_MAGIC "WPSs"
#define WPS__SNAP_VERSION 2u /* 2: the lost sequenceIds follow the groups; 1 is still read */

WPS_API wps_status wps_client_snapshot(const wps_client *c, void *out, size_t cap, size_t *out_len) {
    wps__w w;
    uint32_t i, groups = 0;
    bool live;
    if (out_len) *out_len = 0;
    if (!c || (!out && cap) || !out_len) return WPS_ERR_INVALID_ARGUMENT;
    w.buf = (char *)out;
    w.cap = cap;
    w.len = 0;
    for (i = 0; i < c->cfg.max_groups; i++)
        if (c->groups[i].len && c->groups[i].joined) groups++;
    /* a session reported ended (stopped, or disconnected with no recovery) is not saved: its
       restore would only try a recovery the service refuses */
    live = c->session || c->restored;
    wps__put(&w, WPS__SNAP_MAGIC, 4);
    wps__put_le(&w, WPS__SNAP_VERSION, 1);
    wps__put_le(&w, (uint64_t)c->cfg.protocol, 1);
    wps__put_le(&w, live ? (uint64_t)((c->has_conn_id ? 1u : 0u) | (c->has_token ? 2u : 0u) | (c->has_user_id ? 4u : 0u)) : 0u, 2);
    wps__put_le(&w, c->seq_max, 8);
    wps__put_le(&w, c->next_ack_id, 8);
    wps__put_le(&w, c->next_invocation, 8);
    wps__put_le(&w, c->url_len, 4);
    if (w.buf && w.len + c->url_len <= w.cap && c->url == w.buf + w.len) w.len += c->url_len; /* borrow_url: restored from this very buffer */
    else wps__put(&w, c->url, c->url_len);
    wps__put_lenstr(&w, c->conn_id, live && c->has_conn_id ? c->conn_id_len : 0);
    wps__put_lenstr(&w, c->user_id, live && c->has_user_id ? c->user_id_len : 0);
    wps__put_lenstr(&w, c->token, live && c->has_token ? c->token_len : 0);
    wps__put_le(&w, groups, 4);
    for (i = 0; i < c->cfg.max_groups; i++)
        if (c->groups[i].len && c->groups[i].joined) wps__put_lenstr(&w, c->groups[i].name, c->groups[i].len);
    /* the sequenceIds lost for lack of memory: the restored client still acknowledges below them */
    wps__put_le(&w, c->seq_lost_n, 1);
    for (i = 0; i < c->seq_lost_n; i++) wps__put_le(&w, c->seq_lost[i], 8);
    wps__put_le(&w, c->seq_lost_floor, 8);
    *out_len = w.len + 4;
    if (w.len + 4 > cap) return WPS_ERR_BUFFER_TOO_SMALL;
    wps__put_le(&w, wps__crc32((const unsigned char *)w.buf, w.len), 4);
    return WPS_OK;
}

typedef struct wps__rbuf {
    const unsigned char *p;
    size_t n, at;
    int bad;
} wps__rbuf;

static uint64_t wps__r_u(wps__rbuf *r, int bytes) {
    uint64_t v = 0;
    int i;
    if (r->n - r->at < (size_t)bytes) {
        r->bad = 1;
        return 0;
    }
    for (i = 0; i < bytes; i++) v |= (uint64_t)r->p[r->at + (size_t)i] << (8 * i);
    r->at += (size_t)bytes;
    return v;
}

/* A length-prefixed string: its bytes stay in the snapshot; *len gets the length. */
static const char *wps__r_str(wps__rbuf *r, size_t *len) {
    uint64_t n = wps__r_u(r, 4);
    const char *s;
    if (r->bad || n > r->n - r->at) {
        r->bad = 1;
        *len = 0;
        return NULL;
    }
    s = (const char *)r->p + r->at;
    r->at += (size_t)n;
    *len = (size_t)n;
    return s;
}

WPS_API wps_status wps_client_restore(wps_client *c, const void *snap, size_t len, wps_diag *diag) {
    wps__rbuf r;
    uint64_t seq, ack, inv, ngroups, flags, i, version, lost[WPS__LOST_MAX], lost_n = 0, lost_floor = 0;
    const char *url, *cid, *uid, *tok;
    size_t url_len, cid_len, uid_len, tok_len;
    if (diag) wps__diag_clear(diag);
    if (!c || (!snap && len)) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    if (c->conn != WPS__C_STOPPED) return wps__fail(diag, WPS_ERR_STATE, NULL, "the client must be stopped", (size_t)-1);
    /* queued events of the last session read its connection and user ids at poll */
    if (c->frame_refs) return wps__fail(diag, WPS_ERR_BUSY, NULL, "events of the last session are still queued: poll them first", (size_t)-1);
    for (i = 0; i < c->cfg.max_calls; i++)
        if (c->calls[i].id) return wps__fail(diag, WPS_ERR_STATE, NULL, "calls are pending: restore a client without pending calls", (size_t)-1);
    r.p = (const unsigned char *)snap;
    r.n = len;
    r.at = 0;
    r.bad = 0;
    if (len < 4 + 4 + 24 + 16 + 4 + 4 || !wps__eq(r.p, WPS__SNAP_MAGIC, 4))
        return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "not a wps.h session snapshot", 0);
    if (wps__crc32(r.p, len - 4) != (uint32_t)(r.p[len - 4] | (uint32_t)r.p[len - 3] << 8 | (uint32_t)r.p[len - 2] << 16 | (uint32_t)r.p[len - 1] << 24))
        return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "checksum mismatch (corrupted or truncated)", len - 4);
    r.n = len - 4;
    r.at = 4;
    version = wps__r_u(&r, 1);
    if (version != 1 && version != WPS__SNAP_VERSION) return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "unsupported snapshot version", 4);
    if (wps__r_u(&r, 1) != (uint64_t)c->cfg.protocol)
        return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "snapshot of another subprotocol", 5);
    flags = wps__r_u(&r, 2);
    seq = wps__r_u(&r, 8);
    ack = wps__r_u(&r, 8);
    if (ack > UINT64_MAX / 2) return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "an ackId counter no session reaches", 16);
    inv = wps__r_u(&r, 8);
    url = wps__r_str(&r, &url_len);
    cid = wps__r_str(&r, &cid_len);
    uid = wps__r_str(&r, &uid_len);
    tok = wps__r_str(&r, &tok_len);
    ngroups = wps__r_u(&r, 4);
    if (r.bad) return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "truncated snapshot", r.at);
    if ((flags & ~7u) || (!(flags & 1u) && cid_len) || (!(flags & 2u) && tok_len) || (!(flags & 4u) && uid_len))
        return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "inconsistent snapshot flags", 6);
    if (url_len > c->cfg.max_url_len || cid_len > WPS__ID_CAP(&c->cfg) || uid_len > WPS__ID_CAP(&c->cfg) ||
        tok_len > c->cfg.max_token_len || ngroups > c->cfg.max_groups)
        return wps__fail(diag, WPS_ERR_CAPACITY, NULL, "the snapshot exceeds this client's capacities", (size_t)-1);
    if (!wps__recoverable_pair(c, cid, cid_len, tok, tok_len))
        return wps__fail(diag, WPS_ERR_CAPACITY, NULL, "the connectionId and reconnectionToken need more than 2 * max_token_len bytes URL-encoded",
                         (size_t)-1);
    {
        /* validate the groups before changing anything */
        wps__rbuf g = r;
        size_t out_need = WPS__OUT_FIXED;
        for (i = 0; i < ngroups; i++) {
            size_t n, m;
            const char *name = wps__r_str(&g, &n);
            wps__rbuf h = r;
            uint64_t j;
            if (g.bad) return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "truncated snapshot", g.at);
            if (n == 0 || n > c->cfg.max_name_len) return wps__fail(diag, WPS_ERR_CAPACITY, NULL, "a group name exceeds max_name_len", g.at);
            out_need += WPS__REJOIN_SIZE + wps__jstr_size(name, n);
            if (!c->cfg.borrow_payloads && out_need > c->out_cap)
                return wps__fail(diag, WPS_ERR_CAPACITY, NULL, "the group names need too many escapes for the internal frame buffer", g.at);
            for (j = 0; j < i; j++) { /* each group once */
                const char *other = wps__r_str(&h, &m);
                if (m == n && WPS_MEMCMP(other, name, n) == 0) return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "a group appears twice", g.at);
            }
        }
        if (version >= 2) {
            lost_n = wps__r_u(&g, 1);
            if (lost_n > WPS__LOST_MAX) return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "more lost sequenceIds than a client remembers", g.at);
            for (i = 0; i < lost_n; i++) {
                uint64_t j;
                lost[i] = wps__r_u(&g, 8);
                if (g.bad) break; /* refused as truncated below */
                if (lost[i] == 0) return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "a lost sequenceId of 0", g.at - 8);
                for (j = 0; j < i; j++)
                    if (lost[j] == lost[i]) return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "a lost sequenceId appears twice", g.at - 8);
            }
            lost_floor = wps__r_u(&g, 8);
            if (g.bad) return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, "truncated snapshot", g.at);
        }
        if (g.at != g.n) return wps__fail(diag, WPS_ERR_SNAPSHOT, NULL, version >= 2 ? "data after the lost sequenceIds" : "data after the last group", g.at);
    }
    /* commit */
    wps__keep_url(c, url, url_len); /* with borrow_url: inside the caller's snapshot */
    c->conn_id_len = cid_len;
    c->has_conn_id = (flags & 1u) != 0;
    if (cid_len) WPS_MEMCPY(c->conn_id, cid, cid_len);
    c->user_id_len = uid_len;
    c->has_user_id = (flags & 4u) != 0;
    if (uid_len) WPS_MEMCPY(c->user_id, uid, uid_len);
    c->token_len = tok_len;
    c->has_token = (flags & 2u) != 0;
    if (tok_len) WPS_MEMCPY(c->token, tok, tok_len);
    c->seq_max = seq;
    c->seq_lost_n = (uint32_t)lost_n;
    for (i = 0; i < lost_n; i++) c->seq_lost[i] = lost[i];
    c->seq_lost_floor = lost_floor;
    c->seq_updated = false;
    if (ack > c->next_ack_id) c->next_ack_id = ack;
    if (inv > c->next_invocation) c->next_invocation = inv;
    for (i = 0; i < c->cfg.max_groups; i++) {
        c->groups[i].len = 0;
        c->groups[i].joined = 0;
        c->groups[i].refs = 0;
        c->groups[i].rejoin_ack = 0;
        c->groups[i].queued_ack = 0;
    }
    for (i = 0; i < ngroups; i++) {
        size_t n;
        const char *name = wps__r_str(&r, &n);
        wps__group *g = &c->groups[i];
        WPS_MEMCPY(g->name, name, n);
        g->len = (uint32_t)n;
        g->joined = 1;
    }
    c->restored = true;
    return WPS_OK;
}

/* ---------------------------------------------------------------- poll */

/* borrow_payloads: encodes an internal frame into the transmit buffer tx as it is handed over
   (it always fits: the buffer has room for a name escaped at 6 bytes a byte). */
WPS__SMALL_NOINLINE static int wps__encode_internal(wps_client *c, char *tx, int what, uint64_t arg, wps_slice *frame) {
    wps_message m;
    size_t n = 0;
    wps__internal_message(c, what, arg, &m);
    if (what == WPS__F_REJOIN) c->groups[arg].queued_ack = 0; /* handed over */
    if (wps_encode(&c->up, &m, tx, c->tx_cap, &n, NULL) != WPS_OK) {
        WPS_ASSERT(0);
        return 0;
    }
    *frame = wps_slice_make(tx, n);
    return 1;
}

/* Encodes a borrowed call's attempt as it is handed to the host: into the transmit buffer
   (borrow_payloads) or the call's own frame memory. 0 when the caller's data no longer encodes
   within max_frame_size (it changed against the lifetime rule): the attempt is not sent and the
   call ends with WPS_ERR_INVALID_ARGUMENT (its completion is queued, or, for a fire-and-forget
   call, already queued and now says so). */
WPS__SMALL_NOINLINE static int wps__encode_borrowed(wps_client *c, char *tx, wps__call *k, wps_slice *frame) {
    wps_message m;
    char *dst = c->cfg.borrow_payloads ? tx : (char *)k->buf + c->cfg.max_name_len;
    size_t n = 0;
    wps__call_message(k, &m);
    if (wps_encode(&c->up, &m, dst, c->cfg.max_frame_size, &n, NULL) == WPS_OK) { /* (at most max_frame_size, as when it was made) */
        *frame = wps_slice_make(dst, n);
        return 1;
    }
    k->sent--;
    if (k->state == WPS__CALL_DONE) k->result = (int8_t)WPS_ERR_INVALID_ARGUMENT;
    else wps__complete(c, k, WPS_ERR_INVALID_ARGUMENT, 0);
    return 0;
}

/* Dequeues and converts: every decision was made by the input that queued the record. The one
   exception is writing: the URL of an OPEN, a borrowed call's attempt, and with borrow_payloads
   every frame, are written here, as they are handed over (into the transmit buffer: the
   client's, or the one the host lends). The slot of a completion handed over is free for the
   next call. */
WPS_API bool wps_client_poll_into(wps_client *c, wps_action *out, char *buf, size_t cap) {
    wps__rec r;
    char *tx;
    if (!out) return false;
    WPS_MEMSET(out, 0, sizeof *out);
    if (!c) return false;
    /* where a URL or frame is written: the buffer lent, else the client's (open_url: the
       transmit buffer with borrow_payloads, NULL with host_transmit_buffer) */
    tx = buf && c->cfg.borrow_payloads ? (cap >= c->tx_cap ? buf : NULL) : c->open_url;
    for (;;) {
        if (!c->q_len) return false;
        r = c->q[c->q_head];
        if (!tx && (r.kind == WPS__R_OPEN || r.kind == WPS__R_SEND_CALL || r.kind == WPS__R_SEND_FRAME)) {
            out->status = WPS_ERR_BUFFER_TOO_SMALL; /* stays queued until a buffer is lent */
            out->needed = c->tx_cap;
            return false;
        }
        c->q_head = (c->q_head + 1) % c->q_cap;
        c->q_len--;
        if (r.bits & WPS__Q_FRAME_REF) c->frame_refs--;
        if (r.kind == WPS__R_SEND_CALL && c->calls[r.half].borrowed &&
            !wps__encode_borrowed(c, tx, &c->calls[r.half], &out->frame))
            continue; /* the call ended instead (its completion is queued) */
        if (r.kind == WPS__R_SEND_FRAME && c->cfg.borrow_payloads &&
            !wps__encode_internal(c, tx, (int)WPS__Q_WHAT(r.bits), WPS__Q_WHAT(r.bits) == WPS__F_SEQACK ? c->seqack_value : r.word, &out->frame))
            continue;
        break;
    }
    switch (r.kind) {
    case WPS__R_NEED_URL: out->kind = WPS_ACTION_NEED_URL; break;
    case WPS__R_OPEN: {
        size_t n = c->url_len;
        out->kind = WPS_ACTION_OPEN;
        if (r.bits & WPS__Q_RECOVERY) {
            n = wps__build_recovery_url(c, tx);
        } else {
            if (n) WPS_MEMCPY(tx, c->url, n);
            tx[n] = 0;
        }
        out->url = wps_slice_make(tx, n);
        out->subprotocol = wps_protocol_name(c->cfg.protocol);
        break;
    }
    case WPS__R_SEND_CALL: {
        wps__call *k = &c->calls[r.half];
        out->kind = WPS_ACTION_SEND;
        if (!k->borrowed) out->frame = wps_slice_make((const char *)k->buf + c->cfg.max_name_len, k->frame_len);
        out->is_text = true;
        break;
    }
    case WPS__R_SEND_FRAME:
        out->kind = WPS_ACTION_SEND;
        out->is_text = true;
        if (!c->cfg.borrow_payloads) out->frame = wps_slice_make(c->out + r.word, wps__rec_len(&r));
        break;
    case WPS__R_CLOSE:
        out->kind = WPS_ACTION_CLOSE;
        out->close_code = r.half;
        out->close_reason = wps_slice_from_cstr((r.bits & WPS__Q_KEEPALIVE) ? "keepalive timeout" : "stopped by the client");
        break;
    case WPS__R_EVENT: {
        const wps__rec *e = &r;
        uint32_t group = e->word >> 16;
        out->kind = WPS_ACTION_EVENT;
        out->event = (wps_event_kind)(e->word & 0xffu);
        if (e->bits & WPS__E_CONN_ID) out->connection_id = wps_slice_make(c->conn_id, c->conn_id_len);
        out->close_code = e->half;
        out->status = wps__rec_status(e);
        switch (out->event) {
        case WPS_EVENT_CONNECTED:
            if (e->bits & WPS__E_USER_ID) out->user_id = wps_slice_make(c->user_id, c->user_id_len);
            break;
        case WPS_EVENT_DISCONNECTED:
        case WPS_EVENT_START_FAILED:
            if (e->bits & WPS__E_TEXT) out->message_text = wps_slice_make(c->disc, c->disc_len);
            out->close_reason = wps_slice_make(c->close_reason, c->close_reason_len);
            break;
        case WPS_EVENT_GROUP_MESSAGE:
        case WPS_EVENT_SERVER_MESSAGE: out->message = &c->msg; break;
        case WPS_EVENT_REJOIN_GROUP_FAILED:
            out->group = wps_slice_make(c->groups[group].name, c->groups[group].len);
            out->has_ack_id = true;
            out->ack_id = c->groups[group].failed_ack;
            if (e->bits & WPS__E_ERROR) {
                out->error_name = c->rx_err_name;
                out->error_message = c->rx_err_msg;
            }
            break;
        case WPS_EVENT_FRAME_ERROR:
            out->error_message = wps_slice_make(c->rx_diag.reason, wps__cstrlen(c->rx_diag.reason));
            out->needed = c->rx_needed;
            break;
        default: break;
        }
        break;
    }
    default: { /* WPS__R_COMPLETE */
        wps__call *k = &c->calls[r.half];
        out->kind = WPS_ACTION_COMPLETE;
        out->call = k->id;
        out->call_kind = (wps_call_kind)k->kind;
        out->status = (wps_status)k->result;
        out->sent = k->sent != 0;
        out->has_ack_id = k->has_ack != 0;
        out->ack_id = k->has_ack ? k->ack_id : 0;
        out->is_duplicated = k->is_dup != 0;
        if (k->kind == WPS_CALL_INVOKE_EVENT) out->invocation_id = wps_slice_make((const char *)k->buf, k->inv_len);
        out->has_data = k->has_data != 0;
        out->data_type = (wps_data_type)k->data_type;
        out->data = k->data;
        if (k->result != WPS_OK || k->is_dup) {
            out->error_name = k->err_name;
            out->error_message = k->err_msg;
        }
        k->id = 0; /* the slot is free; its memory stays valid until the next call into the client */
        k->state = WPS__CALL_FREE;
        break;
    }
    }
    return true;
}

WPS_API bool wps_client_poll(wps_client *c, wps_action *out) { return wps_client_poll_into(c, out, NULL, 0); }

WPS_API size_t wps_client_transmit_size(const wps_client_config *config) {
    wps__layout l;
    return wps__layout_of(config, &l) ? l.tx_cap : 0;
}

#endif /* WPS_NO_CLIENT */


#ifndef WPS_NO_SERVICE
/* service helpers (sections 4-9) use the codec's internals, never the client */
/* ============ >>crypto  4. SHA-256, HMAC, base64url, percent-encoding */

static const uint32_t wps__sha256_k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

#define WPS__ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void wps__sha256_block(wps_sha256_ctx *s, const unsigned char *p) {
    uint32_t w[64], a, b, c, d, e, f, g, h;
    size_t i;
    for (i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++) {
        uint32_t s0 = WPS__ROR(w[i - 15], 7) ^ WPS__ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = WPS__ROR(w[i - 2], 17) ^ WPS__ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (i = 0; i < 64; i++) {
        uint32_t t1 = h + (WPS__ROR(e, 6) ^ WPS__ROR(e, 11) ^ WPS__ROR(e, 25)) + ((e & f) ^ (~e & g)) + wps__sha256_k[i] + w[i];
        uint32_t t2 = (WPS__ROR(a, 2) ^ WPS__ROR(a, 13) ^ WPS__ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}
#undef WPS__ROR

WPS_API void wps_sha256_init(wps_sha256_ctx *s) {
    static const uint32_t iv[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
    WPS_MEMCPY(s->h, iv, sizeof iv);
    s->length = 0;
    s->used = 0;
}

WPS_API void wps_sha256_update(wps_sha256_ctx *s, const void *data, size_t len) {
    const unsigned char *p = (const unsigned char *)data;
    s->length += len;
    while (len) {
        size_t take = 64 - s->used < len ? 64 - s->used : len;
        if (s->used == 0 && len >= 64) {
            wps__sha256_block(s, p);
            p += 64;
            len -= 64;
            continue;
        }
        WPS_MEMCPY(s->block + s->used, p, take);
        s->used += take;
        p += take;
        len -= take;
        if (s->used == 64) {
            wps__sha256_block(s, s->block);
            s->used = 0;
        }
    }
}

WPS_API void wps_sha256_final(wps_sha256_ctx *s, unsigned char digest[32]) {
    uint64_t bits = s->length * 8u;
    size_t i;
    s->block[s->used++] = 0x80;
    if (s->used > 56) {
        WPS_MEMSET(s->block + s->used, 0, 64 - s->used);
        wps__sha256_block(s, s->block);
        s->used = 0;
    }
    WPS_MEMSET(s->block + s->used, 0, 56 - s->used);
    for (i = 0; i < 8; i++) s->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    wps__sha256_block(s, s->block);
    for (i = 0; i < 8; i++) {
        digest[4 * i] = (unsigned char)(s->h[i] >> 24);
        digest[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        digest[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        digest[4 * i + 3] = (unsigned char)s->h[i];
    }
}

WPS_API void wps_sha256(const void *data, size_t len, unsigned char digest[32]) {
    wps_sha256_ctx s;
    wps_sha256_init(&s);
    wps_sha256_update(&s, data, len);
    wps_sha256_final(&s, digest);
}

/* HMAC-SHA256 in two halves, so that a JWT can be signed as it is written. */
static void wps__hmac_begin(wps_sha256_ctx *inner, unsigned char opad[64], const void *key, size_t key_len) {
    unsigned char k[64], ipad[64];
    int i;
    WPS_MEMSET(k, 0, sizeof k);
    if (key_len > 64) wps_sha256(key, key_len, k);
    else if (key_len) WPS_MEMCPY(k, key, key_len);
    for (i = 0; i < 64; i++) {
        ipad[i] = (unsigned char)(k[i] ^ 0x36);
        opad[i] = (unsigned char)(k[i] ^ 0x5c);
    }
    wps_sha256_init(inner);
    wps_sha256_update(inner, ipad, 64);
}

static void wps__hmac_end(wps_sha256_ctx *inner, const unsigned char opad[64], unsigned char mac[32]) {
    unsigned char ih[32];
    wps_sha256_ctx outer;
    wps_sha256_final(inner, ih);
    wps_sha256_init(&outer);
    wps_sha256_update(&outer, opad, 64);
    wps_sha256_update(&outer, ih, 32);
    wps_sha256_final(&outer, mac);
}

WPS_API void wps_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len, unsigned char mac[32]) {
    wps_sha256_ctx inner;
    unsigned char opad[64];
    wps__hmac_begin(&inner, opad, key, key_len);
    wps_sha256_update(&inner, msg, msg_len);
    wps__hmac_end(&inner, opad, mac);
}

WPS_API bool wps_equal_constant_time(const void *a, const void *b, size_t n) {
    const volatile unsigned char *x = (const volatile unsigned char *)a, *y = (const volatile unsigned char *)b;
    unsigned diff = 0;
    size_t i;
    for (i = 0; i < n; i++) diff |= (unsigned)(x[i] ^ y[i]);
    return diff == 0;
}

WPS_API size_t wps_base64url_encode(const void *src, size_t n, char *out, size_t cap) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *p = (const unsigned char *)src;
    size_t need = n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0), i, o = 0;
    if (!out || need > cap) return need;
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = t[v >> 18], out[o++] = t[(v >> 12) & 63], out[o++] = t[(v >> 6) & 63], out[o++] = t[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        out[o++] = t[v >> 18], out[o++] = t[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        out[o++] = t[v >> 18], out[o++] = t[(v >> 12) & 63], out[o++] = t[(v >> 6) & 63];
    }
    return o;
}

WPS_API size_t wps_percent_encode(const char *src, size_t n, char *out, size_t cap) {
    static const char hex[] = "0123456789ABCDEF";
    size_t i, need = 0, o = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        need = need > SIZE_MAX - 3u ? SIZE_MAX : need + (plain ? 1u : 3u);
    }
    if (!out || need > cap) return need;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    return o;
}

/* wps__put_jstr of a slice (absent or empty: ""). */
static void wps__put_jslice(wps__w *w, wps_slice s) {
    if (!s.len) wps__put(w, "\"\"", 2);
    else wps__put_jstr(w, s.ptr, s.len);
}

/* ============ >>connstr  5. connection strings */

static wps_slice wps__trim(const char *p, size_t n) {
    while (n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n')) n--;
    return wps_slice_make(p, n);
}

static int wps__is_http_url(wps_slice s) {
    size_t k = (s.len >= 8 && wps__ieq_name(s.ptr, 8, "https://")) ? 8 : (s.len >= 7 && wps__ieq_name(s.ptr, 7, "http://")) ? 7 : 0;
    return k && s.len > k;
}

/* The authority of an endpoint "[http(s)://]host[:port][/...]": the host (a name, an IPv4
   address or a bracketed IPv6 literal, never empty) and the port (0 when absent). 0 when the
   host is empty or the port is not 1..65535. */
typedef struct wps__authority {
    size_t scheme;  /* length of "https://" or "http://", 0 without one */
    int https;      /* https:// or no scheme */
    size_t host, host_end, end; /* e[host..host_end) is the host; end: where the path starts */
    uint32_t port;
} wps__authority;

static int wps__authority_of(wps_slice e, wps__authority *a) {
    size_t i;
    a->https = 1;
    a->scheme = 0;
    if (e.len >= 8 && wps__ieq_name(e.ptr, 8, "https://")) a->scheme = 8;
    else if (e.len >= 7 && wps__ieq_name(e.ptr, 7, "http://")) a->scheme = 7, a->https = 0;
    i = a->host = a->scheme;
    if (i < e.len && e.ptr[i] == '[') { /* an IPv6 literal keeps its colons: hex digits, ':' and '.' */
        for (i++; i < e.len && e.ptr[i] != ']'; i++) {
            char c = e.ptr[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.')) return 0;
        }
        if (i >= e.len || i == a->host + 1) return 0; /* unclosed, or "[]" */
        i++;
    } else { /* a name or an IPv4 address: no userinfo, query or fragment */
        for (; i < e.len && e.ptr[i] != ':' && e.ptr[i] != '/'; i++) {
            char c = e.ptr[i];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) return 0;
        }
    }
    a->host_end = i;
    a->port = 0;
    if (i < e.len && e.ptr[i] == ':') {
        size_t d = ++i;
        while (i < e.len && e.ptr[i] >= '0' && e.ptr[i] <= '9' && a->port <= 65535u) a->port = a->port * 10u + (uint32_t)(e.ptr[i++] - '0');
        if (i == d || a->port < 1 || a->port > 65535u) return 0;
    }
    a->end = i;
    return a->host_end > a->host && (i == e.len || e.ptr[i] == '/');
}

WPS_API wps_status wps_connection_string_parse(const char *text, size_t len, wps_connection_string *out, wps_diag *diag) {
    size_t i = 0;
    unsigned seen = 0;
    wps_connection_string cs;
    if (diag) wps__diag_clear(diag);
    if (!out || (!text && len)) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    WPS_MEMSET(&cs, 0, sizeof cs);
    WPS_MEMSET(out, 0, sizeof *out);
    while (i < len) {
        size_t start = i, eq = (size_t)-1, end;
        wps_slice name, value;
        unsigned bit = 0;
        wps_slice *dst = NULL;
        while (i < len && text[i] != ';') {
            if (text[i] == '=' && eq == (size_t)-1) eq = i;
            i++;
        }
        end = i;
        i++; /* past ';' */
        if (eq == (size_t)-1) continue; /* empty parts and parts without '=' are skipped */
        name = wps__trim(text + start, eq - start);
        value = wps__trim(text + eq + 1, end - eq - 1);
        if (wps__ieq_name(name.ptr, name.len, "endpoint")) bit = 1, dst = &cs.endpoint;
        else if (wps__ieq_name(name.ptr, name.len, "accesskey")) bit = 2, dst = &cs.access_key;
        else if (wps__ieq_name(name.ptr, name.len, "version")) bit = 4, dst = &cs.version;
        else if (wps__ieq_name(name.ptr, name.len, "clientendpoint")) bit = 8, dst = &cs.client_endpoint;
        else if (wps__ieq_name(name.ptr, name.len, "serverendpoint")) bit = 16, dst = &cs.server_endpoint;
        else if (wps__ieq_name(name.ptr, name.len, "port")) bit = 32;
        else if (wps__ieq_name(name.ptr, name.len, "authtype"))
            return wps__fail(diag, WPS_ERR_UNSUPPORTED, "AuthType", "Entra ID (AuthType) is not supported: wps.h signs with an AccessKey", start);
        else continue; /* other properties are ignored */
        if (seen & bit) return wps__fail(diag, WPS_ERR_CONNECTION_STRING, NULL, "duplicate property in the connection string", start);
        seen |= bit;
        if (dst) *dst = value;
        if (bit == 32) {
            uint32_t port = 0;
            size_t k;
            if (value.len == 0 || value.len > 5) return wps__fail(diag, WPS_ERR_CONNECTION_STRING, "Port", "invalid Port value (1..65535)", start);
            for (k = 0; k < value.len; k++) {
                if (value.ptr[k] < '0' || value.ptr[k] > '9') return wps__fail(diag, WPS_ERR_CONNECTION_STRING, "Port", "invalid Port value (1..65535)", start);
                port = port * 10u + (uint32_t)(value.ptr[k] - '0');
            }
            if (port < 1 || port > 65535) return wps__fail(diag, WPS_ERR_CONNECTION_STRING, "Port", "invalid Port value (1..65535)", start);
            cs.port = (uint16_t)port;
        }
    }
    if (!(seen & 1) || cs.endpoint.len == 0) return wps__fail(diag, WPS_ERR_CONNECTION_STRING, "Endpoint", "required property not found in the connection string", (size_t)-1);
    if (!(seen & 2) || cs.access_key.len == 0) return wps__fail(diag, WPS_ERR_CONNECTION_STRING, "AccessKey", "required property not found in the connection string", (size_t)-1);
    while (cs.endpoint.len && cs.endpoint.ptr[cs.endpoint.len - 1] == '/') cs.endpoint.len--;
    {
        /* http(s)://host, or a bare host (the JS SDK prepends https://) */
        size_t k;
        int scheme = wps__is_http_url(cs.endpoint);
        for (k = 0; k < cs.endpoint.len && !scheme; k++)
            if (cs.endpoint.ptr[k] == ':' && k + 2 < cs.endpoint.len && cs.endpoint.ptr[k + 1] == '/')
                return wps__fail(diag, WPS_ERR_CONNECTION_STRING, "Endpoint", "the endpoint must be an http or https URL", (size_t)-1);
        if (cs.endpoint.len == 0) return wps__fail(diag, WPS_ERR_CONNECTION_STRING, "Endpoint", "the endpoint is empty", (size_t)-1);
    }
    {
        wps__authority a;
        if (!wps__authority_of(cs.endpoint, &a))
            return wps__fail(diag, WPS_ERR_CONNECTION_STRING, "Endpoint", "the endpoint needs a host (a name of letters, digits, '.', '-', '_', or an IPv6 literal) and, if any, a port 1..65535", (size_t)-1);
        if (((seen & 8) && !wps__authority_of(cs.client_endpoint, &a)) || ((seen & 16) && !wps__authority_of(cs.server_endpoint, &a)))
            return wps__fail(diag, WPS_ERR_CONNECTION_STRING, (seen & 8) && !wps__authority_of(cs.client_endpoint, &a) ? "ClientEndpoint" : "ServerEndpoint",
                             "the endpoint needs a host (a name of letters, digits, '.', '-', '_', or an IPv6 literal) and, if any, a port 1..65535", (size_t)-1);
    }
    if (((seen & 8) && !wps__is_http_url(cs.client_endpoint)) || ((seen & 16) && !wps__is_http_url(cs.server_endpoint)))
        return wps__fail(diag, WPS_ERR_CONNECTION_STRING, (seen & 8) && !wps__is_http_url(cs.client_endpoint) ? "ClientEndpoint" : "ServerEndpoint",
                         "must be an absolute http or https URL", (size_t)-1);
    *out = cs;
    return WPS_OK;
}

static void wps__put_lower(wps__w *b, wps_slice s) {
    size_t i;
    for (i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        wps__put(b, &c, 1);
    }
}

/* Where the target (path and query) of a URL this file built starts: the first '/' after
   "scheme://"; n when there is none. */
static size_t wps__url_target(const char *u, size_t n) {
    size_t t = 0;
    while (t < n && u[t] != ':') t++;
    for (t = t + 3 < n ? t + 3 : n; t < n && u[t] != '/'; t++) {}
    return t;
}

/* The path after an endpoint's authority, trailing '/' removed (empty for "https://h/"). */
static wps_slice wps__endpoint_path(wps_slice e, const wps__authority *a) {
    wps_slice p;
    p.ptr = e.ptr + a->end;
    p.len = e.len - a->end;
    while (p.len && p.ptr[p.len - 1] == '/') p.len--;
    return p;
}

/* scheme://host[:port][/path] of the connection string's endpoint, with the Port property
   applied, as the official SDKs' URL parsers give it: the host lowercased, the scheme's default
   port dropped, the path kept (a reverse proxy's prefix; SignalR builders refuse one first). */
static void wps__put_endpoint(wps__w *b, const wps_connection_string *cs, int ws, int with_port) {
    wps_slice e = cs->endpoint, path;
    wps__authority a;
    uint32_t port;
    if (!wps__authority_of(e, &a)) return; /* refused by wps__endpoint_ok before anything is signed */
    wps__puts(b, ws ? (a.https ? "wss://" : "ws://") : (a.https ? "https://" : "http://"));
    wps__put_lower(b, wps_slice_make(e.ptr + a.host, a.host_end - a.host));
    port = cs->port ? cs->port : a.port;
    if (with_port && port && port != (a.https ? 443u : 80u)) {
        wps__put(b, ":", 1);
        wps__put_u64(b, port);
    }
    path = wps__endpoint_path(e, &a);
    wps__put(b, path.ptr, path.len);
}

WPS_API size_t wps_connection_string_endpoint(const wps_connection_string *cs, char *out, size_t cap) {
    wps__w b;
    b.buf = out;
    b.cap = cap;
    b.len = 0;
    if (!cs) return 0;
    b.cap = 0; /* measure first: nothing is written unless all of it fits */
    wps__put_endpoint(&b, cs, 0, 1);
    if (b.len <= cap) {
        b.cap = cap;
        b.len = 0;
        wps__put_endpoint(&b, cs, 0, 1);
    }
    return b.len;
}

/* ============ >>tokens  6. client access tokens and URLs (HS256 JWT) */

static int wps__hub_ok(wps_slice h) {
    size_t i;
    if (!h.ptr || h.len == 0 || h.len > 128) return 0;
    if (!((h.ptr[0] >= 'A' && h.ptr[0] <= 'Z') || (h.ptr[0] >= 'a' && h.ptr[0] <= 'z'))) return 0;
    for (i = 1; i < h.len; i++) {
        char c = h.ptr[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '`' || c == ',' || c == '.' ||
              c == '[' || c == ']'))
            return 0;
    }
    return 1;
}

static const char *wps__client_path(wps_client_kind k) {
    return k == WPS_CLIENT_KIND_MQTT ? "/clients/mqtt/hubs/" : k == WPS_CLIENT_KIND_SOCKETIO ? "/clients/socketio/hubs/" : "/client/hubs/";
}

/* The endpoint goes into URLs and JWT audiences: host characters in the host, and a path that
   URL parsers take as it is: printable ASCII without a query or fragment ('?', '#') and without
   the characters the WHATWG URL parser (the JS SDK's) percent-encodes or RFC 3986 forbids in a
   path ('"' '<' '>' '\\' '^' '`' '{' '|' '}'), and no "." or ".." segment (which it removes):
   the aud and URL are then the JS SDK's, byte for byte. Percent-encoding is the caller's. */
static int wps__endpoint_ok(wps_slice e) {
    size_t i, seg;
    wps__authority a;
    wps_slice path;
    if (!e.ptr || !wps__authority_of(e, &a)) return 0;
    for (i = a.scheme; i < e.len && e.ptr[i] != '/'; i++) {
        char c = e.ptr[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_'))
            return 0;
    }
    path = wps__endpoint_path(e, &a);
    for (; i < e.len; i++) {
        unsigned char c = (unsigned char)e.ptr[i];
        if (c <= ' ' || c >= 0x7f || c == '"' || c == '#' || c == '<' || c == '>' || c == '?' || c == '\\' || c == '^' || c == '`' || c == '{' ||
            c == '|' || c == '}')
            return 0;
    }
    for (i = 0; i < path.len; i = seg) { /* path starts with '/': each segment after one */
        size_t k = i + 1, dots = 0;
        for (seg = i + 1; seg < path.len && path.ptr[seg] != '/'; seg++) {}
        while (k < seg && dots < 3) { /* "." or "%2e" (the parser's dot), once or twice */
            if (path.ptr[k] == '.') k++;
            else if (seg - k >= 3 && path.ptr[k] == '%' && path.ptr[k + 1] == '2' && (path.ptr[k + 2] | 0x20) == 'e') k += 3;
            else break;
            dots++;
        }
        if (k == seg && dots >= 1 && dots <= 2) return 0;
    }
    return 1;
}

/* An endpoint (or an absent one) with a path after its host. The SignalR SDKs' handling of
   such a path is not known here (their audiences are scheme://host/): SignalR builders refuse
   it rather than drop it. */
static int wps__endpoint_has_path(wps_slice e) {
    wps__authority a;
    return e.ptr && wps__authority_of(e, &a) && wps__endpoint_path(e, &a).len > 0;
}


static wps_status wps__token_check(const wps_connection_string *cs, const wps_token_options *o, int signalr, wps_diag *diag) {
    size_t i;
    if (diag) wps__diag_clear(diag);
    if (!cs || !o || !cs->access_key.ptr || !cs->endpoint.ptr) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    if (!wps__endpoint_ok(cs->endpoint) || (signalr && cs->client_endpoint.ptr && !wps__endpoint_ok(cs->client_endpoint)))
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, "Endpoint", "a host with characters no host has, or a path a URL parser would change", (size_t)-1);
    if (signalr && (wps__endpoint_has_path(cs->endpoint) || wps__endpoint_has_path(cs->client_endpoint)))
        return wps__fail(diag, WPS_ERR_UNSUPPORTED, "Endpoint", "a path in a SignalR endpoint is not supported", (size_t)-1);
    if (o->now > UINT64_MAX - (uint64_t)(o->expires_minutes ? o->expires_minutes : 60u) * 60u)
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, "now", "now + the lifetime is past the largest time a token can carry", (size_t)-1);
    if (!wps__hub_ok(o->hub)) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, "hub", "hub names match ^[A-Za-z][A-Za-z0-9_`,.[\\]]{0,127}$", (size_t)-1);
    if ((o->role_count && !o->roles) || (o->group_count && !o->groups) || (unsigned)o->client_kind > 2u)
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "invalid roles, groups or client kind", (size_t)-1);
    if (o->user_id.ptr && wps__utf8_check((const unsigned char *)o->user_id.ptr, o->user_id.len) != o->user_id.len)
        return wps__fail(diag, WPS_ERR_UTF8, "userId", "not UTF-8", (size_t)-1);
    for (i = 0; i < o->role_count; i++)
        if (!o->roles[i].ptr || wps__utf8_check((const unsigned char *)o->roles[i].ptr, o->roles[i].len) != o->roles[i].len)
            return wps__fail(diag, WPS_ERR_UTF8, "role", "a role is NULL or not UTF-8", (size_t)-1);
    for (i = 0; i < o->group_count; i++)
        if (!o->groups[i].ptr || wps__utf8_check((const unsigned char *)o->groups[i].ptr, o->groups[i].len) != o->groups[i].len)
            return wps__fail(diag, WPS_ERR_UTF8, "group", "a group is NULL or not UTF-8", (size_t)-1);
    return WPS_OK;
}

/* The Web PubSub claims; written twice: to measure, then into scratch inside out. */
/* What a JWT is signed from: the key (cs) and whatever its claims function reads. */
typedef struct wps__claims {
    const wps_connection_string *cs;
    const wps_token_options *o; /* client tokens */
    const struct wps__rest_ctx *rest; /* REST: the request whose URL is aud */
    uint64_t iat, exp;                /* REST */
} wps__claims;

static wps__claims wps__claims_of(const wps_connection_string *cs, const wps_token_options *o) {
    wps__claims c;
    WPS_MEMSET(&c, 0, sizeof c);
    c.cs = cs;
    c.o = o;
    return c;
}

static void wps__put_wps_claims(wps__w *b, const wps__claims *c) {
    const wps_connection_string *cs = c->cs;
    const wps_token_options *o = c->o;
    size_t i;
    uint64_t exp = o->now + (uint64_t)(o->expires_minutes ? o->expires_minutes : 60u) * 60u;
    wps__puts(b, "{\"aud\":\"");
    wps__put_endpoint(b, cs, 0, 1);
    wps__puts(b, wps__client_path(o->client_kind));
    wps__put(b, o->hub.ptr, o->hub.len); /* the hub pattern needs no JSON escape */
    wps__puts(b, "\",\"iat\":");
    wps__put_u64(b, o->now);
    wps__puts(b, ",\"exp\":");
    wps__put_u64(b, exp);
    if (o->user_id.ptr) {
        wps__puts(b, ",\"sub\":");
        wps__put_jslice(b, o->user_id);
    }
    if (o->role_count) {
        wps__puts(b, ",\"role\":[");
        for (i = 0; i < o->role_count; i++) {
            if (i) wps__put(b, ",", 1);
            wps__put_jslice(b, o->roles[i]);
        }
        wps__put(b, "]", 1);
    }
    if (o->group_count) {
        wps__puts(b, ",\"webpubsub.group\":[");
        for (i = 0; i < o->group_count; i++) {
            if (i) wps__put(b, ",", 1);
            wps__put_jslice(b, o->groups[i]);
        }
        wps__put(b, "]", 1);
    }
    wps__put(b, "}", 1);
}

/* Signs the claims written by fn into a JWT in out, with no other memory: the claims are
   written at the end of the token's space and base64url-encoded forward through a 48-byte stack
   window (the encoded text never reaches claims not yet read, since it grows by 4/3 and starts
   at least 36 + 1 + claims/3 bytes earlier). */
static wps_status wps__sign(wps__claims c, void (*fn)(wps__w *, const wps__claims *), char *out, size_t cap, size_t *len,
                            wps_diag *diag) {
    static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    const size_t hn = 36; /* base64url of the 27-byte header */
    wps__w w;
    size_t claims_len, cn, jwt_len, done = 0, at;
    char *claims;
    unsigned char mac[32];
    w.buf = NULL;
    w.cap = 0;
    w.len = 0;
    fn(&w, &c);
    claims_len = w.len;
    cn = wps_base64url_encode(NULL, claims_len, NULL, 0);
    jwt_len = wps__sat_add(wps__sat_add(hn, cn), 45);
    *len = jwt_len;
    if (!out || jwt_len > cap) {
        if (diag) diag->needed = jwt_len;
        return wps__fail(diag, WPS_ERR_BUFFER_TOO_SMALL, NULL, "output buffer too small (see *out_len)", (size_t)-1);
    }
    claims = out + jwt_len - claims_len;
    w.buf = claims;
    w.cap = claims_len;
    w.len = 0;
    fn(&w, &c);
    at = hn + 1;
    while (done < claims_len) {
        unsigned char win[48];
        size_t take = claims_len - done < sizeof win ? claims_len - done : sizeof win;
        WPS_MEMCPY(win, claims + done, take);
        at += wps_base64url_encode(win, take, out + at, cap - at);
        done += take;
    }
    WPS_ASSERT(at == hn + 1 + cn);
    wps_base64url_encode(header, sizeof header - 1, out, cap);
    out[hn] = '.';
    out[hn + 1 + cn] = '.';
    wps_hmac_sha256(c.cs->access_key.ptr, c.cs->access_key.len, out, hn + 1 + cn, mac);
    wps_base64url_encode(mac, 32, out + hn + 1 + cn + 1, 43);
    return WPS_OK;
}

WPS_API wps_status wps_client_access_token(const wps_connection_string *cs, const wps_token_options *o, char *out, size_t cap,
                                           size_t *len, wps_diag *diag) {
    wps_status st;
    size_t dummy;
    if (!len) len = &dummy;
    *len = 0;
    st = wps__token_check(cs, o, 0, diag);
    if (st != WPS_OK) return st;
    return wps__sign(wps__claims_of(cs, o), wps__put_wps_claims, out, cap, len, diag);
}

/* ws(s)://host[:port]/<client path><hub>?access_token= */
static void wps__put_access_url_prefix(wps__w *b, const wps_connection_string *cs, const wps_token_options *o) {
    wps__put_endpoint(b, cs, 1, 1);
    wps__puts(b, wps__client_path(o->client_kind));
    wps__put(b, o->hub.ptr, o->hub.len);
    wps__puts(b, "?access_token=");
}

WPS_API wps_status wps_client_access_url(const wps_connection_string *cs, const wps_token_options *o, char *out, size_t cap, size_t *len,
                                         wps_diag *diag) {
    wps__w b;
    size_t dummy, tlen = 0, prefix;
    wps_status st;
    if (!len) len = &dummy;
    *len = 0;
    st = wps__token_check(cs, o, 0, diag);
    if (st != WPS_OK) return st;
    b.buf = NULL;
    b.cap = 0;
    b.len = 0;
    wps__put_access_url_prefix(&b, cs, o);
    prefix = b.len;
    wps__sign(wps__claims_of(cs, o), wps__put_wps_claims, NULL, 0, &tlen, NULL);
    *len = prefix + tlen;
    if (!out || *len > cap) {
        if (diag) diag->needed = *len;
        return wps__fail(diag, WPS_ERR_BUFFER_TOO_SMALL, NULL, "output buffer too small (see *out_len)", (size_t)-1);
    }
    b.buf = out;
    b.cap = cap;
    b.len = 0;
    wps__put_access_url_prefix(&b, cs, o);
    WPS_ASSERT(b.len == prefix);
    return wps__sign(wps__claims_of(cs, o), wps__put_wps_claims, out + prefix, cap - prefix, &tlen, diag);
}

/* SignalR client claims: aud without the port (AudienceBaseUrl), iat, nbf, exp, [asrs.s.uid]. */
static void wps__put_signalr_claims(wps__w *b, const wps__claims *c) {
    const wps_connection_string *cs = c->cs;
    const wps_token_options *o = c->o;
    uint64_t exp = o->now + (uint64_t)(o->expires_minutes ? o->expires_minutes : 60u) * 60u;
    wps__puts(b, "{\"aud\":\"");
    wps__put_endpoint(b, cs, 0, 0);
    wps__puts(b, "/client/?hub=");
    wps__put_lower(b, o->hub);
    wps__puts(b, "\",\"iat\":");
    wps__put_u64(b, o->now);
    wps__puts(b, ",\"nbf\":");
    wps__put_u64(b, o->now);
    wps__puts(b, ",\"exp\":");
    wps__put_u64(b, exp);
    if (o->user_id.ptr) {
        wps__puts(b, ",\"asrs.s.uid\":");
        wps__put_jslice(b, o->user_id);
    }
    wps__put(b, "}", 1);
}

WPS_API wps_status wps_signalr_client_token(const wps_connection_string *cs, const wps_token_options *o, char *out, size_t cap, size_t *len,
                                            char *url_out, size_t url_cap, size_t *url_len, wps_diag *diag) {
    wps_status st;
    size_t dummy;
    if (!len) len = &dummy;
    *len = 0;
    if (url_len) *url_len = 0;
    st = wps__token_check(cs, o, 1, diag);
    if (st != WPS_OK) return st;
    if (o->role_count || o->group_count || o->client_kind != WPS_CLIENT_KIND_DEFAULT)
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "roles, groups and client kinds are Web PubSub token options", (size_t)-1);
    if (url_out || url_len) {
        wps__w b;
        wps_connection_string base = *cs;
        if (cs->client_endpoint.ptr) {
            base.endpoint = cs->client_endpoint;
            base.port = 0;
        }
        b.buf = url_out;
        b.cap = url_cap;
        b.len = 0;
        wps__put_endpoint(&b, &base, 0, 1);
        wps__puts(&b, "/client/?hub=");
        wps__put_lower(&b, o->hub);
        if (url_len) *url_len = b.len;
        if (url_out && b.len > url_cap) {
            if (diag) diag->needed = b.len;
            return wps__fail(diag, WPS_ERR_BUFFER_TOO_SMALL, NULL, "URL buffer too small (see *url_len)", (size_t)-1);
        }
    }
    return wps__sign(wps__claims_of(cs, o), wps__put_signalr_claims, out, cap, len, diag);
}


/* ============ >>rest  7. REST requests and responses */

static wps_slice wps__slice_lit(const char *s) {
    wps_slice r;
    r.ptr = s;
    r.len = wps__cstrlen(s);
    return r;
}

enum { WPS__BODY_NONE = 0, WPS__BODY_RAW, WPS__BODY_GROUPS, WPS__BODY_PAYLOAD, WPS__BODY_COMMANDS };

typedef struct wps__rest_op {
    unsigned char service, body;
    uint16_t ok;
    const char *name, *method, *path;
    uint32_t query; /* WPS_REST_Q*(...): the query parameters in request order */
} wps__rest_op;

static const wps__rest_op wps__rest_ops[WPS_REST_OPERATION_COUNT] = {
#define WPS__REST_ROW(e, svc, name, method, path, query, body, ok) {WPS_SERVICE_##svc, WPS__BODY_##body, ok, name, method, path, query},
    WPS_REST_OPERATIONS(WPS__REST_ROW)
#undef WPS__REST_ROW
};

/* The i-th query parameter of the operation's packed list (WPS_RQ_NONE past the end). */
static wps_rest_query wps__rest_q(const wps__rest_op *op, unsigned i) { return i < 5 ? (wps_rest_query)((op->query >> (5 * i)) & 31u) : WPS_RQ_NONE; }

WPS_API wps_rest_query wps_rest_operation_query(wps_rest_operation op, unsigned i) {
    return (unsigned)op < (unsigned)WPS_REST_OPERATION_COUNT ? wps__rest_q(&wps__rest_ops[op], i) : WPS_RQ_NONE;
}

WPS_API const char *wps_rest_query_name(wps_rest_query q) {
    static const char *const n[] = {"",
#define WPS__RQ_NAME(e, wire) wire,
                                    WPS_REST_QUERIES(WPS__RQ_NAME)
#undef WPS__RQ_NAME
    };
    return (unsigned)q < sizeof n / sizeof n[0] ? n[q] : "";
}

WPS_API const char *wps_rest_operation_name(wps_rest_operation op) {
    return (unsigned)op < (unsigned)WPS_REST_OPERATION_COUNT ? wps__rest_ops[op].name : NULL;
}

WPS_API wps_service wps_rest_operation_service(wps_rest_operation op) {
    return (unsigned)op < (unsigned)WPS_REST_OPERATION_COUNT ? (wps_service)wps__rest_ops[op].service : WPS_SERVICE_WEBPUBSUB;
}

WPS_API bool wps_rest_operation_find(wps_service service, const char *name, size_t len, wps_rest_operation *out) {
    static const struct {
        unsigned char service;
        const char *alias;
        wps_rest_operation op;
    } aliases[] = {
        {WPS_SERVICE_WEBPUBSUB, "HealthApi_GetServiceStatus", WPS_REST_GET_SERVICE_STATUS},
        {WPS_SERVICE_WEBPUBSUB, "GenerateToken", WPS_REST_GENERATE_CLIENT_TOKEN},
        {WPS_SERVICE_SIGNALR, "HealthApi_GetServiceStatus", WPS_REST_SIGNALR_GET_SERVICE_STATUS},
        {WPS_SERVICE_SIGNALR, "Auth_GetAccessKey", WPS_REST_SIGNALR_GET_ACCESS_KEY},
        {WPS_SERVICE_SIGNALR, "HubProxyV20230701_Execute", WPS_REST_SIGNALR_EXECUTE},
        {WPS_SERVICE_SIGNALR, "GenerateToken", WPS_REST_SIGNALR_GENERATE_CLIENT_TOKEN},
        {WPS_SERVICE_SIGNALR, "SendToAll", WPS_REST_SIGNALR_BROADCAST},
        {WPS_SERVICE_SIGNALR, "SendToGroup", WPS_REST_SIGNALR_GROUP_BROADCAST},
        {WPS_SERVICE_SIGNALR, "CheckUserExistence", WPS_REST_SIGNALR_CHECK_USER_EXISTENCE},
    };
    size_t i;
    if (!name) return false;
    if (len > 8 && wps__ieq_name(name, 8, "signalr_") && service == WPS_SERVICE_SIGNALR) name += 8, len -= 8;
    else if (len > 10 && wps__ieq_name(name, 10, "webpubsub_") && service == WPS_SERVICE_WEBPUBSUB) name += 10, len -= 10;
    for (i = 0; i < (size_t)WPS_REST_OPERATION_COUNT; i++)
        if (wps__rest_ops[i].service == (unsigned char)service && wps__ieq_name(name, len, wps__rest_ops[i].name)) {
            if (out) *out = (wps_rest_operation)i;
            return true;
        }
    for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (aliases[i].service == (unsigned char)service && wps__ieq_name(name, len, aliases[i].alias)) {
            if (out) *out = aliases[i].op;
            return true;
        }
    return false;
}

/* Does the operation take the query parameter q? */
static int wps__rest_takes(const wps__rest_op *op, wps_rest_query q) {
    unsigned i;
    for (i = 0; i < 5; i++)
        if (wps__rest_q(op, i) == q) return 1;
    return 0;
}

/* Does the path template contain {name}? */
static int wps__rest_path_has(const wps__rest_op *op, const char *name) {
    const char *p = op->path;
    size_t n = wps__cstrlen(name);
    for (; *p; p++)
        if (*p == '{') {
            size_t k = 0;
            while (p[1 + k] && p[1 + k] != '}') k++;
            if (k == n && WPS_MEMCMP(p + 1, name, n) == 0) return 1;
        }
    return 0;
}

static void wps__put_pct(wps__w *b, wps_slice s) {
    size_t n = wps_percent_encode(s.ptr, s.len, NULL, 0);
    if (b->buf && b->len <= b->cap && n <= b->cap - b->len) wps_percent_encode(s.ptr, s.len, b->buf + b->len, n);
    b->len = wps__sat_add(b->len, n);
}

static void wps__put_pct_lower(wps__w *b, wps_slice s) {
    size_t i;
    for (i = 0; i < s.len; i++) { /* the hub pattern's characters; only ` , [ ] need escapes */
        char c = s.ptr[i];
        wps_slice one;
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        one.ptr = &c;
        one.len = 1;
        wps__put_pct(b, one);
    }
}

struct wps__rest_ctx {
    const wps_connection_string *cs;
    const wps__rest_op *op;
    const wps_rest_params *p;
    wps_slice api_version;
    const char *permission; /* canonical spelling */
};
typedef struct wps__rest_ctx wps__rest_ctx;

static int wps__rest_base(const wps__rest_ctx *x, wps_connection_string *base) {
    *base = *x->cs;
    if (x->op->service == WPS_SERVICE_SIGNALR && x->cs->server_endpoint.ptr) {
        base->endpoint = x->cs->server_endpoint;
        base->port = 0;
        return 1;
    }
    return 0;
}

static void wps__put_query(wps__w *b, int *first, const char *name, wps_slice v) {
    wps__put(b, *first ? "?" : "&", 1);
    *first = 0;
    wps__puts(b, name);
    wps__put(b, "=", 1);
    wps__put_pct(b, v);
}

static void wps__put_query_u64(wps__w *b, int *first, const char *name, uint64_t v) {
    wps__put(b, *first ? "?" : "&", 1);
    *first = 0;
    wps__puts(b, name);
    wps__put(b, "=", 1);
    wps__put_u64(b, v);
}

static void wps__put_rest_url(wps__w *b, const wps__rest_ctx *x) {
    const wps_rest_params *p = x->p;
    const char *t = x->op->path;
    unsigned qi;
    wps_connection_string base;
    int first = 1, signalr = x->op->service == WPS_SERVICE_SIGNALR;
    if (p->next_link.ptr) {
        wps__put(b, p->next_link.ptr, p->next_link.len);
        return;
    }
    wps__rest_base(x, &base);
    wps__put_endpoint(b, &base, 0, 1);
    while (*t) {
        if (*t == '{') {
            const char *e = t + 1;
            while (*e != '}') e++;
            size_t k = (size_t)(e - t) + 1; /* the placeholder with its braces */
#define WPS__PH(lit) (k == sizeof(lit) - 1 && WPS_MEMCMP(t, lit, k) == 0)
            if (WPS__PH("{hub}")) {
                if (signalr) wps__put_pct_lower(b, p->hub);
                else wps__put_pct(b, p->hub);
            } else if (WPS__PH("{group}")) {
                wps__put_pct(b, p->group);
            } else if (WPS__PH("{connectionId}")) {
                wps__put_pct(b, p->connection_id);
            } else if (WPS__PH("{permission}")) {
                wps__puts(b, x->permission);
            } else if (WPS__PH("{streamId}")) {
                wps__put_pct(b, p->stream_id);
            } else { /* {userId} / {user} */
                wps__put_pct(b, p->user_id);
            }
#undef WPS__PH
            t = e + 1;
        } else {
            const char *e = t;
            while (*e && *e != '{') e++;
            wps__put(b, t, (size_t)(e - t));
            t = e;
        }
    }
    if (x->api_version.len) wps__put_query(b, &first, "api-version", x->api_version);
    for (qi = 0; qi < 5; qi++) { /* the operation's own order */
        wps_rest_query q = wps__rest_q(x->op, qi);
        const wps_slice *list = NULL;
        wps_slice one = {NULL, 0};
        size_t n = 0, i;
        uint64_t num = 0;
        int has_num = 0;
        switch (q) { /* the value(s) of q: a string, a list (one pair per value), or a number */
        case WPS_RQ_EXCLUDED: list = p->excluded, n = p->excluded_count; break;
        case WPS_RQ_ROLE: list = p->roles, n = p->role_count; break;
        case WPS_RQ_GROUP: list = p->groups, n = p->group_count; break;
        case WPS_RQ_FILTER: one = p->filter; break;
        case WPS_RQ_REASON: one = p->reason; break;
        case WPS_RQ_USER_ID: one = p->user_id; break;
        case WPS_RQ_CLIENT_TYPE: one = p->client_type; break;
        case WPS_RQ_CONTINUATION_TOKEN: one = p->continuation_token; break;
        case WPS_RQ_TARGET_NAME: one = p->target_name; break;
        case WPS_RQ_COMPLETED: one = !p->has_completed ? one : p->completed ? wps__slice_lit("true") : wps__slice_lit("false"); break;
        case WPS_RQ_MESSAGE_TTL_SECONDS: has_num = p->has_message_ttl, num = p->message_ttl_seconds; break;
        case WPS_RQ_TTL: has_num = p->has_ttl, num = p->ttl; break;
        case WPS_RQ_MINUTES_TO_EXPIRE: has_num = p->minutes_to_expire != 0, num = p->minutes_to_expire; break;
        case WPS_RQ_MAX_PAGE_SIZE: has_num = p->max_page_size != 0, num = p->max_page_size; break;
        case WPS_RQ_TOP: has_num = p->top != 0, num = p->top; break;
        default: break;
        }
        if (q == WPS_RQ_APPLICATION && p->application.ptr) { /* SignalR lower-cases it */
            wps__put(b, first ? "?" : "&", 1);
            first = 0;
            wps__puts(b, "application=");
            wps__put_pct_lower(b, p->application);
        }
        for (i = 0; i < n; i++) wps__put_query(b, &first, wps_rest_query_name(q), list[i]);
        if (one.ptr) wps__put_query(b, &first, wps_rest_query_name(q), one);
        if (has_num) wps__put_query_u64(b, &first, wps_rest_query_name(q), num);
    }
}

static void wps__put_json_array(wps__w *b, const wps_slice *v, size_t n) {
    size_t i;
    wps__put(b, "[", 1);
    for (i = 0; i < n; i++) {
        if (i) wps__put(b, ",", 1);
        wps__put_jslice(b, v[i]);
    }
    wps__put(b, "]", 1);
}

static void wps__put_payload(wps__w *b, wps_slice target, wps_slice arguments) {
    wps__puts(b, "{\"target\":");
    wps__put_jslice(b, target);
    wps__puts(b, ",\"arguments\":");
    if (arguments.len) wps__put(b, arguments.ptr, arguments.len);
    else wps__put(b, "[]", 2);
    wps__put(b, "}", 1);
}

/* The JSON body built from the parameters (GROUPS, PAYLOAD, COMMANDS without a ready body). */
static void wps__put_rest_body(wps__w *b, const wps__rest_ctx *x) {
    const wps_rest_params *p = x->p;
    size_t i;
    switch (x->op->body) {
    case WPS__BODY_GROUPS:
        wps__puts(b, "{\"groups\":");
        wps__put_json_array(b, p->groups, p->group_count);
        if (p->filter.ptr) {
            wps__puts(b, ",\"filter\":");
            wps__put_jslice(b, p->filter);
        }
        wps__put(b, "}", 1);
        break;
    case WPS__BODY_PAYLOAD:
        if (!p->body.ptr) wps__put_payload(b, p->target, p->arguments);
        break;
    case WPS__BODY_COMMANDS:
        if (p->body.ptr) break;
        wps__put(b, "[", 1);
        for (i = 0; i < p->command_count; i++) {
            const wps_signalr_command *c = &p->commands[i];
            static const char *const types[] = {"SendMessage", "JoinGroup", "LeaveGroup", "CloseConnection"};
            if (i) wps__put(b, ",", 1);
            wps__puts(b, "{\"type\":\"");
            wps__puts(b, types[c->kind]);
            wps__put(b, "\"", 1);
            if (c->kind == WPS_SIGNALR_SEND_MESSAGE) {
                wps__puts(b, ",\"message\":");
                wps__put_payload(b, c->target, c->arguments);
            } else if (c->kind == WPS_SIGNALR_CLOSE_CONNECTION) {
                if (c->reason.ptr) {
                    wps__puts(b, ",\"reason\":");
                    wps__put_jslice(b, c->reason);
                }
            } else {
                wps__puts(b, ",\"group\":");
                wps__put_jslice(b, c->group);
            }
            wps__put(b, "}", 1);
        }
        wps__put(b, "]", 1);
        break;
    default: break;
    }
}

/* aud is the URL itself: percent-encoded ASCII (a nextLink is checked to need no JSON escape) */
static void wps__put_rest_claims(wps__w *b, const wps__claims *c) {
    wps__puts(b, "{\"aud\":\"");
    wps__put_rest_url(b, c->rest);
    wps__puts(b, "\",\"iat\":");
    wps__put_u64(b, c->iat);
    wps__puts(b, ",\"exp\":");
    wps__put_u64(b, c->exp);
    wps__put(b, "}", 1);
}

static wps_status wps__rest_bad_at(wps_diag *diag, const char *key, const char *text) {
    return wps__fail_at(diag, WPS_ERR_INVALID_ARGUMENT, key, text, (size_t)-1);
}
#define wps__rest_bad(diag, key, text) wps__rest_bad_at((diag), (key), WPS__WHY(text))

static int wps__utf8_ok(wps_slice s) { return !s.len || (s.ptr && wps__utf8_check((const unsigned char *)s.ptr, s.len) == s.len); }

/* Group names: 1..1024 bytes of UTF-8, not only whitespace, no line breaks (^(?!\s+$).+$). */
/* "." and ".." would be removed from the path by URL normalization (curl, fetch, .NET, Kestrel)
   and turn the request into another operation: refused in every path value */
static int wps__dot_segment(wps_slice s) { return s.ptr && ((s.len == 1 && s.ptr[0] == '.') || (s.len == 2 && s.ptr[0] == '.' && s.ptr[1] == '.')); }

static const char *wps__group_problem(wps_slice g, int in_path) {
    size_t i;
    int blank = 1;
    if (!g.ptr || g.len == 0) return WPS__WHY_NOT_NULL("a group name must not be empty");
    if (in_path && wps__dot_segment(g)) return WPS__WHY_NOT_NULL("a group name in a URL path cannot be \".\" or \"..\"");
    if (g.len > 1024) return WPS__WHY_NOT_NULL("a group name is at most 1024 bytes");
    if (!wps__utf8_ok(g)) return WPS__WHY_NOT_NULL("a group name must be UTF-8");
    for (i = 0; i < g.len; i++) {
        char c = g.ptr[i];
        if (c == '\n' || c == '\r') return WPS__WHY_NOT_NULL("a group name must not contain line breaks");
        if (c != ' ' && c != '\t' && c != '\v' && c != '\f') blank = 0;
    }
    return blank ? WPS__WHY_NOT_NULL("a group name must not be only whitespace") : NULL;
}

/* A JSON value of the wanted type (WPS__J_*), with nothing after it but whitespace. */
static int wps__json_is(wps_slice v, int want) {
    wps__scan s;
    const unsigned char *p, *end;
    int jt = 0, esc = 0;
    if (!v.ptr) return 0;
    s.beg = (const unsigned char *)v.ptr;
    s.end = s.beg + v.len;
    s.diag = NULL;
    s.status = NULL;
    s.max_depth = WPS_MAX_DEPTH_LIMIT;
    end = s.end;
    if (wps__utf8_check(s.beg, v.len) != v.len) return 0;
    p = wps__ws(s.beg, end);
    p = wps__skip_value(&s, p, 0, &jt, &esc);
    if (!p || (want && jt != want)) return 0;
    return wps__ws(p, end) == end;
}

static int wps__media_is(wps_slice ct, const char *type) {
    size_t n = 0;
    while (n < ct.len && ct.ptr[n] != ';' && ct.ptr[n] != ' ') n++;
    return wps__ieq_name(ct.ptr, n, type);
}

static wps_status wps__rest_check(wps__rest_ctx *x, wps_diag *diag) {
    const wps_rest_params *p = x->p;
    const wps__rest_op *op = x->op;
    size_t i;
    int signalr = op->service == WPS_SERVICE_SIGNALR;
    static const struct {
        const char *key, *path;
        unsigned char query; /* wps_rest_query, or WPS_RQ_NONE for a path parameter */
    } uses[] = {{"application", NULL, WPS_RQ_APPLICATION},
                {"group", "group", WPS_RQ_NONE},
                {"connectionId", "connectionId", WPS_RQ_NONE},
                {"permission", "permission", WPS_RQ_NONE},
                {"streamId", "streamId", WPS_RQ_NONE},
                {"targetName", NULL, WPS_RQ_TARGET_NAME},
                {"reason", NULL, WPS_RQ_REASON},
                {"clientType", NULL, WPS_RQ_CLIENT_TYPE},
                {"continuationToken", NULL, WPS_RQ_CONTINUATION_TOKEN},
                {"excluded", NULL, WPS_RQ_EXCLUDED},
                {"role", NULL, WPS_RQ_ROLE},
                {"messageTtlSeconds", NULL, WPS_RQ_MESSAGE_TTL_SECONDS},
                {"minutesToExpire", NULL, WPS_RQ_MINUTES_TO_EXPIRE},
                {"maxpagesize", NULL, WPS_RQ_MAX_PAGE_SIZE},
                {"top", NULL, WPS_RQ_TOP},
                {"ttl", NULL, WPS_RQ_TTL},
                {"completed", NULL, WPS_RQ_COMPLETED}};
    const int set[] = {p->application.ptr != NULL, p->group.ptr != NULL,        p->connection_id.ptr != NULL, p->permission.ptr != NULL,
                       p->stream_id.ptr != NULL,   p->target_name.ptr != NULL,  p->reason.ptr != NULL,        p->client_type.ptr != NULL,
                       p->continuation_token.ptr != NULL, p->excluded_count != 0, p->role_count != 0,        p->has_message_ttl,
                       p->minutes_to_expire != 0,  p->max_page_size != 0,       p->top != 0,                  p->has_ttl,
                       p->has_completed};
    WPS_ASSERT(sizeof set / sizeof set[0] == sizeof uses / sizeof uses[0]);
    /* 1. every parameter given is one the operation takes */
    for (i = 0; i < sizeof uses / sizeof uses[0]; i++)
        if (set[i] && !((uses[i].query && wps__rest_takes(op, (wps_rest_query)uses[i].query)) || (uses[i].path && wps__rest_path_has(op, uses[i].path))))
            return wps__rest_bad(diag, uses[i].key, "this operation does not take this parameter");
    if (p->hub.ptr && !wps__rest_path_has(op, "hub")) return wps__rest_bad(diag, "hub", "this operation does not take a hub");
    if (p->user_id.ptr && !wps__rest_takes(op, WPS_RQ_USER_ID) && !wps__rest_path_has(op, "userId") && !wps__rest_path_has(op, "user"))
        return wps__rest_bad(diag, "userId", "this operation does not take this parameter");
    if (p->group_count && !wps__rest_takes(op, WPS_RQ_GROUP) && op->body != WPS__BODY_GROUPS)
        return wps__rest_bad(diag, "groups", "this operation does not take a group list");
    if (p->filter.ptr && !wps__rest_takes(op, WPS_RQ_FILTER) && op->body != WPS__BODY_GROUPS)
        return wps__rest_bad(diag, "filter", "this operation does not take this parameter");
    if ((p->body.ptr || p->content_type.ptr) && op->body != WPS__BODY_RAW && op->body != WPS__BODY_PAYLOAD && op->body != WPS__BODY_COMMANDS)
        return wps__rest_bad(diag, "body", "this operation has no body");
    if ((p->target.ptr || p->arguments.ptr) && op->body != WPS__BODY_PAYLOAD)
        return wps__rest_bad(diag, "target", "target and arguments build a SignalR PayloadMessage: this operation has none");
    if (p->command_count && op->body != WPS__BODY_COMMANDS) return wps__rest_bad(diag, "commands", "only Execute takes commands");
    if (p->next_link.ptr && op != &wps__rest_ops[WPS_REST_LIST_CONNECTIONS_IN_GROUP] &&
        op != &wps__rest_ops[WPS_REST_SIGNALR_LIST_CONNECTIONS_IN_GROUP])
        return wps__rest_bad(diag, "nextLink", "only ListConnectionsInGroup pages");
    if ((p->excluded_count && !p->excluded) || (p->role_count && !p->roles) || (p->group_count && !p->groups) ||
        (p->command_count && !p->commands))
        return wps__rest_bad(diag, NULL, "a count is set but its array is NULL");
    /* 2. api-version */
    if (p->api_version.ptr) {
        x->api_version = p->api_version;
        for (i = 0; i < p->api_version.len; i++) {
            char c = p->api_version.ptr[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.'))
                return wps__rest_bad(diag, "api-version", "api-version is letters, digits, '-' and '.'");
        }
        if (signalr && p->api_version.len >= 3 && WPS_MEMCMP(p->api_version.ptr, "1.0", 3) == 0)
            return wps__rest_bad(diag, "api-version", "SignalR v1 (/api/v1/...) has other paths, methods and statuses: use 2022-06-01 or later");
    } else {
        x->api_version.ptr = "2024-12-01";
        x->api_version.len = 10;
    }
    /* 3. the next page: a GET of the service's own nextLink */
    if (p->next_link.ptr) {
        char base[512];
        wps__w b;
        wps_connection_string bcs;
        b.buf = base;
        b.cap = sizeof base;
        b.len = 0;
        wps__rest_base(x, &bcs);
        wps__put_endpoint(&b, &bcs, 0, 1);
        {
            /* scheme and host compared case-insensitively, the endpoint's path exactly (paths
               are case-sensitive: another case could be another proxy route) */
            size_t path = wps__url_target(base, b.len < sizeof base ? b.len : sizeof base);
            if (b.len > sizeof base || p->next_link.len <= b.len || !wps__ieq_n(p->next_link.ptr, base, path) ||
                (b.len > path && WPS_MEMCMP(p->next_link.ptr + path, base + path, b.len - path) != 0) || p->next_link.ptr[b.len] != '/')
                return wps__rest_bad(diag, "nextLink", "the next link must be an absolute URL on the connection string's endpoint, its path included");
        }
        for (i = 0; i < p->next_link.len; i++)
            if ((unsigned char)p->next_link.ptr[i] <= ' ' || (unsigned char)p->next_link.ptr[i] >= 0x7f || p->next_link.ptr[i] == '"' ||
                p->next_link.ptr[i] == '\\')
                return wps__rest_bad(diag, "nextLink", "the next link must be a percent-encoded URL (no spaces, quotes or control characters)");
        /* the link carries the request: paging parameters beside it would be dropped, so they
           are refused; the operation's names given with it must still be valid */
        if (p->top || p->max_page_size || p->continuation_token.ptr)
            return wps__rest_bad(diag, "nextLink", "the next link carries the paging: top, maxpagesize and continuationToken do not go with it");
        if (p->hub.ptr && !wps__hub_ok(p->hub)) return wps__rest_bad(diag, "hub", "hub names match ^[A-Za-z][A-Za-z0-9_`,.[\\]]{0,127}$");
        if (p->group.ptr && wps__group_problem(p->group, 1)) return wps__rest_bad_at(diag, "group", wps__group_problem(p->group, 1));
        if (p->application.ptr && !wps__hub_ok(p->application))
            return wps__rest_bad(diag, "application", "application names match ^[A-Za-z][A-Za-z0-9_`,.[\\]]{0,127}$");
        return WPS_OK;
    }
    /* 4. path values */
    if (wps__rest_path_has(op, "hub")) {
        if (!wps__hub_ok(p->hub)) return wps__rest_bad(diag, "hub", "hub names match ^[A-Za-z][A-Za-z0-9_`,.[\\]]{0,127}$");
    }
    if (p->application.ptr && !wps__hub_ok(p->application))
        return wps__rest_bad(diag, "application", "application names match ^[A-Za-z][A-Za-z0-9_`,.[\\]]{0,127}$");
    if (wps__rest_path_has(op, "group")) {
        const char *why = wps__group_problem(p->group, 1);
        if (why) return wps__rest_bad_at(diag, "group", why);
    }
    if (wps__dot_segment(p->connection_id) || wps__dot_segment(p->stream_id) ||
        (wps__dot_segment(p->user_id) && (wps__rest_path_has(op, "userId") || wps__rest_path_has(op, "user")))) /* the userId query of :generateToken may be "." */
        return wps__rest_bad(diag, "path", "\".\" and \"..\" cannot be path values (URL normalization removes them)");
    if (wps__rest_path_has(op, "connectionId") && (!p->connection_id.ptr || !p->connection_id.len))
        return wps__rest_bad(diag, "connectionId", "the connection id must not be empty");
    if ((wps__rest_path_has(op, "userId") || wps__rest_path_has(op, "user")) && (!p->user_id.ptr || !p->user_id.len))
        return wps__rest_bad(diag, "userId", "the user id must not be empty");
    if (wps__rest_path_has(op, "streamId") && (!p->stream_id.ptr || !p->stream_id.len))
        return wps__rest_bad(diag, "streamId", "the stream id must not be empty");
    if (wps__rest_path_has(op, "permission")) {
        if (p->permission.ptr && wps__ieq_name(p->permission.ptr, p->permission.len, "sendToGroup")) x->permission = "sendToGroup";
        else if (p->permission.ptr && wps__ieq_name(p->permission.ptr, p->permission.len, "joinLeaveGroup")) x->permission = "joinLeaveGroup";
        else return wps__rest_bad(diag, "permission", "the permission is sendToGroup or joinLeaveGroup");
    }
    /* 5. query values */
    for (i = 0; i < p->excluded_count; i++)
        if (!p->excluded[i].ptr || !p->excluded[i].len) return wps__rest_bad(diag, "excluded", "an excluded connection id must not be empty");
    for (i = 0; i < p->role_count; i++)
        if (!p->roles[i].ptr || !p->roles[i].len) return wps__rest_bad(diag, "role", "a role must not be empty");
    for (i = 0; i < p->group_count; i++) {
        const char *why = wps__group_problem(p->groups[i], 0); /* a body or query value */
        if (why) return wps__rest_bad_at(diag, "groups", why);
    }
    if (p->target_name.ptr) {
        const char *why = wps__group_problem(p->target_name, 0);
        if (why) return wps__rest_bad_at(diag, "targetName", why);
    }
    if (p->has_message_ttl && p->message_ttl_seconds > 300) return wps__rest_bad(diag, "messageTtlSeconds", "messageTtlSeconds is 0..300");
    if (p->minutes_to_expire > 2147483647u) return wps__rest_bad(diag, "minutesToExpire", "minutesToExpire is 1..2147483647");
    if (p->max_page_size > 200) return wps__rest_bad(diag, "maxpagesize", "maxpagesize is 1..200");
    if (p->top > 2147483647u) return wps__rest_bad(diag, "top", "top is 1..2147483647");
    if (p->has_ttl && p->ttl > 2147483647u) return wps__rest_bad(diag, "ttl", "ttl is 0..2147483647 seconds");
    if (p->client_type.ptr && !wps__ieq_name(p->client_type.ptr, p->client_type.len, "default") &&
        !wps__ieq_name(p->client_type.ptr, p->client_type.len, "mqtt"))
        return wps__rest_bad(diag, "clientType", "clientType is Default or MQTT");
    if (p->filter.ptr && !p->filter.len) return wps__rest_bad(diag, "filter", "an OData filter must not be empty");
    if (!wps__utf8_ok(p->filter) || !wps__utf8_ok(p->reason) || !wps__utf8_ok(p->user_id))
        return wps__fail(diag, WPS_ERR_UTF8, !wps__utf8_ok(p->filter) ? "filter" : !wps__utf8_ok(p->reason) ? "reason" : "userId",
                         "text parameters must be UTF-8", (size_t)-1);
    /* 6. bodies */
    if (p->content_type.ptr) {
        for (i = 0; i < p->content_type.len; i++)
            if ((unsigned char)p->content_type.ptr[i] < ' ' || (unsigned char)p->content_type.ptr[i] == 0x7f)
                return wps__rest_bad(diag, "Content-Type", "control characters in a header value");
        if (!signalr && !wps__media_is(p->content_type, "application/octet-stream") && !wps__media_is(p->content_type, "text/plain") &&
            !wps__media_is(p->content_type, "application/json"))
            return wps__rest_bad(diag, "Content-Type", "Web PubSub takes application/octet-stream, text/plain or application/json");
    }
    if (p->body.len && !p->body.ptr) return wps__rest_bad(diag, "body", "NULL body with a length");
    switch (op->body) {
    case WPS__BODY_GROUPS:
        if (!p->group_count) return wps__rest_bad(diag, "groups", "at least one group is needed");
        break;
    case WPS__BODY_PAYLOAD:
        if (p->body.ptr) {
            if (p->target.ptr || p->arguments.ptr) return wps__rest_bad(diag, "body", "give a body or target/arguments, not both");
            break;
        }
        if (!p->target.ptr || !p->target.len) return wps__rest_bad(diag, "target", "the SignalR target (client method) must not be empty");
        if (!wps__utf8_ok(p->target)) return wps__fail(diag, WPS_ERR_UTF8, "target", "the target must be UTF-8", (size_t)-1);
        if (p->arguments.len && !wps__json_is(p->arguments, WPS__J_ARRAY))
            return wps__rest_bad(diag, "arguments", "arguments must be the text of one JSON array");
        break;
    case WPS__BODY_COMMANDS:
        if (p->body.ptr) {
            if (p->command_count) return wps__rest_bad(diag, "body", "give a body or commands, not both");
            break;
        }
        if (!p->command_count) return wps__rest_bad(diag, "commands", "at least one command is needed");
        for (i = 0; i < p->command_count; i++) {
            const wps_signalr_command *c = &p->commands[i];
            if ((unsigned)c->kind > 3u) return wps__rest_bad(diag, "commands", "unknown command kind");
            if (c->kind == WPS_SIGNALR_SEND_MESSAGE) {
                if (!c->target.ptr || !c->target.len || !wps__utf8_ok(c->target))
                    return wps__rest_bad(diag, "commands", "a SendMessage command needs a UTF-8 target");
                if (c->arguments.len && !wps__json_is(c->arguments, WPS__J_ARRAY))
                    return wps__rest_bad(diag, "commands", "SendMessage arguments must be the text of one JSON array");
            } else if (c->kind == WPS_SIGNALR_CLOSE_CONNECTION) {
                if (!wps__utf8_ok(c->reason)) return wps__rest_bad(diag, "commands", "a close reason must be UTF-8");
            } else {
                const char *why = wps__group_problem(c->group, 0);
                if (why) return wps__rest_bad_at(diag, "commands", why);
            }
        }
        break;
    default: break;
    }
    return WPS_OK;
}

WPS_API wps_status wps_rest_build(const wps_connection_string *cs, wps_rest_operation op, const wps_rest_params *p, char *buf, size_t cap,
                                  wps_rest_request *out, size_t *needed, wps_diag *diag) {
    wps__rest_ctx x;
    wps__w b;
    wps__claims c;
    wps_status st;
    size_t url_len, jwt_len = 0, body_len, total, dummy;
    if (!needed) needed = &dummy;
    *needed = 0;
    if (diag) wps__diag_clear(diag);
    if (!cs || !p || !out || !cs->endpoint.ptr || !cs->access_key.ptr || (unsigned)op >= (unsigned)WPS_REST_OPERATION_COUNT)
        return wps__rest_bad(diag, NULL, "NULL argument or unknown operation");
    WPS_MEMSET(out, 0, sizeof *out);
    WPS_MEMSET(&x, 0, sizeof x);
    x.cs = cs;
    x.op = &wps__rest_ops[op];
    x.p = p;
    if (!wps__endpoint_ok(cs->endpoint) || (cs->server_endpoint.ptr && !wps__endpoint_ok(cs->server_endpoint)))
        return wps__rest_bad(diag, "Endpoint", "a host with characters no host has, or a path a URL parser would change");
    if (x.op->service == WPS_SERVICE_SIGNALR && (wps__endpoint_has_path(cs->endpoint) || wps__endpoint_has_path(cs->server_endpoint)))
        return wps__fail(diag, WPS_ERR_UNSUPPORTED, "Endpoint", "a path in a SignalR endpoint is not supported", (size_t)-1);
    if (p->now > UINT64_MAX - (p->token_seconds ? p->token_seconds : 3600u))
        return wps__rest_bad(diag, "now", "now + token_seconds is past the largest time a token can carry");
    st = wps__rest_check(&x, diag);
    if (st != WPS_OK) return st;
    /* measure: URL, "Bearer " + JWT, built body */
    b.buf = NULL;
    b.cap = 0;
    b.len = 0;
    wps__put_rest_url(&b, &x);
    url_len = b.len;
    b.len = 0;
    wps__put_rest_body(&b, &x);
    body_len = b.len;
    WPS_MEMSET(&c, 0, sizeof c);
    c.cs = cs;
    c.rest = &x;
    c.iat = p->now;
    c.exp = p->now + (p->token_seconds ? p->token_seconds : 3600u);
    wps__sign(c, wps__put_rest_claims, NULL, 0, &jwt_len, NULL);
    total = wps__sat_add(wps__sat_add(url_len, 7), wps__sat_add(jwt_len, body_len));
    *needed = total;
    if (total == SIZE_MAX) return wps__rest_bad(diag, "body", "the request would be larger than memory can hold");
    if (!buf || total > cap) {
        if (diag) diag->needed = total;
        return wps__fail(diag, WPS_ERR_BUFFER_TOO_SMALL, NULL, "buffer too small (see *needed)", (size_t)-1);
    }
    b.buf = buf;
    b.cap = url_len;
    b.len = 0;
    wps__put_rest_url(&b, &x);
    WPS_ASSERT(b.len == url_len);
    WPS_MEMCPY(buf + url_len, "Bearer ", 7);
    st = wps__sign(c, wps__put_rest_claims, buf + url_len + 7, jwt_len, &jwt_len, diag);
    if (st != WPS_OK) return st;
    out->method = x.op->method;
    out->url.ptr = buf;
    out->url.len = url_len;
    {
        /* "scheme://" + host[:port] + target: the URL always has its scheme and a path */
        size_t t = wps__url_target(buf, url_len), h = 0;
        while (h < t && buf[h] != ':') h++;
        h = h + 3 < t ? h + 3 : t;
        out->host = wps_slice_make(buf + h, t - h);
        out->target = wps_slice_make(buf + t, url_len - t);
    }
    out->authorization.ptr = buf + url_len;
    out->authorization.len = 7 + jwt_len;
    out->success_status = x.op->ok;
    if (x.op->body == WPS__BODY_RAW || ((x.op->body == WPS__BODY_PAYLOAD || x.op->body == WPS__BODY_COMMANDS) && p->body.ptr)) {
        out->body.ptr = p->body.ptr ? p->body.ptr : "";
        out->body.len = p->body.len;
        out->has_body = true;
    } else if (x.op->body != WPS__BODY_NONE) {
        b.buf = buf + url_len + 7 + jwt_len;
        b.cap = body_len;
        b.len = 0;
        wps__put_rest_body(&b, &x);
        out->body.ptr = b.buf;
        out->body.len = body_len;
        out->has_body = true;
    }
    if (out->has_body) {
        if (p->content_type.ptr) out->content_type = p->content_type;
        else out->content_type = wps__slice_lit(x.op->body == WPS__BODY_RAW ? "application/octet-stream" : "application/json");
    }
    *needed = url_len + 7 + jwt_len + (out->body.ptr == buf + url_len + 7 + jwt_len ? body_len : 0);
    return WPS_OK;
}


/* ---------------------------------------------------------------- JSON bodies (service side) */

/* A cursor over the members of one JSON object or the elements of one array, for the service
   helpers' small bodies. Each byte is scanned once: a scalar is validated as it is stepped
   over (wps__skip_value); a container value is left pending, to be opened by the caller
   (wps__jit_open, whose cursor hands its end back to this one) or skipped, validated, by the
   next step. */
typedef struct wps__jit {
    const wps__scan *s;
    const unsigned char *p; /* after '{' / '[', after the previous value, or (pend) at a container value */
    struct wps__jit *parent; /* the cursor this one's container is a value of (NULL at the top) */
    const unsigned char *start; /* this container's '{' / '[' */
    uint32_t depth;          /* nesting level of the members */
    int object, first, pend; /* pend: the last value is a container not stepped over yet */
} wps__jit;

typedef struct wps__jval {
    wps_slice key;      /* object members: the key as written (escaped keys never match a name) */
    int key_escaped;
    const unsigned char *beg, *end; /* the value's text (end NULL for a container until wps__jval_end) */
    int type, escaped;
    wps__jit *from;     /* the cursor that gave this value */
} wps__jval;

/* Opens the container at p (skipping whitespace); 0 with diag set if it is not of that kind. */
static int wps__jit_root(wps__jit *it, const wps__scan *s, const unsigned char *p, uint32_t depth, int object) {
    p = wps__ws(p, s->end);
    it->parent = NULL;
    it->pend = 0;
    it->start = p;
    it->s = s;
    it->depth = depth;
    it->object = object;
    it->first = 1;
    if (p >= s->end || *p != (object ? '{' : '[')) {
        wps__scan_fail(s, WPS_ERR_TYPE_MISMATCH, p, object ? "JSON object expected" : "JSON array expected");
        return 0;
    }
    if (depth > s->max_depth) {
        wps__scan_fail(s, WPS_ERR_DEPTH, p, "nesting too deep");
        return 0;
    }
    it->p = p + 1;
    return 1;
}

/* Opens the container value v (of the kind object says) as a cursor of its own; when that
   cursor reaches its end, v's cursor continues after it. */
static int wps__jit_open(wps__jit *it, const wps__scan *s, const wps__jval *v, uint32_t depth, int object) {
    if (!wps__jit_root(it, s, v->beg, depth, object)) return 0;
    it->parent = v->from;
    return 1;
}

/* 1: a member/element in *v; 0: the end (it->p after the closing bracket); -1: error (diag). */
static int wps__jit_next(wps__jit *it, wps__jval *v) {
    const wps__scan *s = it->s;
    const unsigned char *p;
    if (it->pend) { /* the last value was a container nobody opened: step over it */
        int t, e;
        p = wps__skip_value(s, it->p, it->depth, &t, &e);
        if (!p) return -1;
        it->p = p;
        it->pend = 0;
    }
    p = wps__ws(it->p, s->end);
    if (p < s->end && *p == (it->object ? '}' : ']')) {
        it->p = p + 1;
        if (it->parent && it->parent->pend && it->parent->p == it->start) { /* the parent goes on from here */
            it->parent->p = it->p;
            it->parent->pend = 0;
        }
        return 0;
    }
    if (!it->first) {
        if (p >= s->end || *p != ',') {
            wps__scan_fail(s, WPS_ERR_SYNTAX, p, it->object ? "',' or '}' expected" : "',' or ']' expected");
            return -1;
        }
        p = wps__ws(p + 1, s->end);
    }
    it->first = 0;
    v->key.ptr = NULL;
    v->key.len = 0;
    v->key_escaped = 0;
    if (it->object) {
        const unsigned char *k = p;
        if (p >= s->end || *p != '"') {
            wps__scan_fail(s, WPS_ERR_SYNTAX, p, "object key expected");
            return -1;
        }
        p = wps__scan_string(s, p, &v->key_escaped);
        if (!p) return -1;
        v->key.ptr = (const char *)k + 1;
        v->key.len = (size_t)(p - k) - 2;
        p = wps__ws(p, s->end);
        if (p >= s->end || *p != ':') {
            wps__scan_fail(s, WPS_ERR_SYNTAX, p, "':' expected");
            return -1;
        }
        p = wps__ws(p + 1, s->end);
    }
    v->beg = p;
    v->from = it;
    if (p < s->end && (*p == '{' || *p == '[')) {
        v->type = *p == '{' ? WPS__J_OBJECT : WPS__J_ARRAY;
        v->escaped = 0;
        v->end = NULL;
        it->p = p;
        it->pend = 1;
        return 1;
    }
    p = wps__skip_value(s, p, it->depth, &v->type, &v->escaped);
    if (!p) return -1;
    v->end = p;
    it->p = p;
    return 1;
}

/* The end of v's text: a container not opened is stepped over (validated) now. NULL: error. */
static const unsigned char *wps__jval_end(wps__jval *v) {
    if (!v->end) {
        wps__jit *it = v->from;
        int t, e;
        if (!it->pend || it->p != v->beg) return NULL; /* (callers ask right after the value) */
        v->end = wps__skip_value(it->s, v->beg, it->depth, &t, &e);
        if (!v->end) return NULL;
        it->p = v->end;
        it->pend = 0;
    }
    return v->end;
}

static int wps__jkey(const wps__jval *v, const char *name) {
    size_t n = wps__cstrlen(name);
    return !v->key_escaped && v->key.len == n && WPS_MEMCMP(v->key.ptr, name, n) == 0;
}

/* One body being parsed: the scan, the cursor over its top-level object, the scratch for
   unescaped strings, and a diag of its own when the caller passed none. */
typedef struct wps__jdoc {
    wps__scan s;
    wps__jit it;
    wps__scratch m;
    wps_diag local;
} wps__jdoc;

static int wps__jbody(wps__scan *s, wps__jit *it, const void *body, size_t len, wps_diag *diag);
static void wps__jscratch(wps__scratch *m, char *scratch, size_t cap);

/* Begins a body parse; *diag is replaced by the document's own when NULL. 0 on error (status in
   (*diag)->status). */
static int wps__jopen(wps__jdoc *d, const void *body, size_t len, char *scratch, size_t scratch_cap, wps_diag **diag) {
    if (!*diag) *diag = &d->local;
    wps__jscratch(&d->m, scratch, scratch_cap);
    return wps__jbody(&d->s, &d->it, body, len, *diag);
}

/* Begins a body parse: UTF-8 check, then the top-level object. */
static int wps__jbody(wps__scan *s, wps__jit *it, const void *body, size_t len, wps_diag *diag) {
    static const unsigned char none[1] = {0};
    s->beg = body ? (const unsigned char *)body : none; /* no arithmetic on NULL */
    s->end = s->beg + (body ? len : 0);
    s->diag = diag;
    s->status = NULL;
    s->max_depth = 32;
    if (diag) wps__diag_clear(diag);
    if (!body && len) {
        wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL body", (size_t)-1);
        return 0;
    }
    if (len == 0) {
        wps__fail(diag, WPS_ERR_EMPTY, NULL, "empty body", 0);
        return 0;
    }
    /* no separate UTF-8 pass: strings are checked as they are scanned, and any other byte
       outside ASCII is a syntax error */
    return wps__jit_root(it, s, s->beg, 1, 1);
}

/* The body ends after the object (whitespace only). */
static wps_status wps__jbody_end(const wps__scan *s, const wps__jit *it) {
    const unsigned char *p = wps__ws(it->p, s->end);
    if (p != s->end) return wps__scan_fail(s, WPS_ERR_TRAILING, p, "data after the JSON object");
    return WPS_OK;
}

static wps_status wps__jerr(const wps__scan *s) { return s->diag && s->diag->status ? s->diag->status : WPS_ERR_SYNTAX; }

/* A string value (or null → ptr NULL) as a slice: in place or unescaped into scratch. */
static wps_status wps__jstring(const wps__scan *s, wps__scratch *m, const wps__jval *v, const char *key, int nullable, wps_slice *out) {
    const unsigned char *body;
    size_t n;
    if (v->type == WPS__J_NULL && nullable) {
        out->ptr = NULL;
        out->len = 0;
        return WPS_OK;
    }
    if (v->type != WPS__J_STRING) return wps__fail(s->diag, WPS_ERR_TYPE_MISMATCH, key, "string expected", (size_t)(v->beg - s->beg));
    body = v->beg + 1;
    n = (size_t)(v->end - v->beg) - 2;
    if (!v->escaped) {
        out->ptr = (const char *)body;
        out->len = n;
        return WPS_OK;
    }
    {
        size_t room = m->cap - m->used;
        char *dst = m->buf ? m->buf + m->used : NULL;
        size_t len = wps__unescape(body, n, dst, dst ? room : 0);
        m->needed += len;
        if (!dst || len > room) {
            if (s->diag) s->diag->needed = m->needed;
            return wps__fail(s->diag, WPS_ERR_BUFFER_TOO_SMALL, key, "scratch too small for an escaped string (body length always suffices)",
                             (size_t)(v->beg - s->beg));
        }
        m->used += len;
        out->ptr = dst;
        out->len = len;
    }
    return WPS_OK;
}

static void wps__jscratch(wps__scratch *m, char *scratch, size_t cap) {
    m->buf = scratch;
    m->cap = scratch ? cap : 0;
    m->used = 0;
    m->needed = 0;
}

/* The raw JSON text of a value (a container is stepped over now); ptr NULL on error (diag). */
static wps_slice wps__jraw(wps__jval *v) {
    wps_slice r;
    const unsigned char *end = wps__jval_end(v);
    r.ptr = end ? (const char *)v->beg : NULL;
    r.len = end ? (size_t)(end - v->beg) : 0;
    return r;
}

static wps_status wps__jmissing(const wps__scan *s, const char *key) {
    return wps__fail(s->diag, WPS_ERR_MISSING_FIELD, key, "required member missing", (size_t)-1);
}


/* Parses an object whose members are all strings; names[i] fills out[i] (ptr NULL when absent or
   null); required is a bit set of the names that must be present. */
static wps_status wps__jstrings(const void *body, size_t len, char *scratch, size_t scratch_cap, const char *const *names, wps_slice *out,
                                size_t count, unsigned required, wps_diag *diag) {
    wps__jdoc j;
    wps__jval v;
    size_t i;
    unsigned seen = 0;
    int r;
    for (i = 0; i < count; i++) out[i].ptr = NULL, out[i].len = 0;
    if (!wps__jopen(&j, body, len, scratch, scratch_cap, &diag)) return diag->status;
    while ((r = wps__jit_next(&j.it, &v)) == 1)
        for (i = 0; i < count; i++)
            if (wps__jkey(&v, names[i])) {
                WPS__TRY(wps__jstring(&j.s, &j.m, &v, names[i], 1, &out[i]));
                seen |= 1u << i;
            }
    if (r < 0) return wps__jerr(&j.s);
    for (i = 0; i < count; i++)
        if (((required >> i) & 1u) && !((seen >> i) & 1u && out[i].ptr)) return wps__jmissing(&j.s, names[i]);
    return wps__jbody_end(&j.s, &j.it);
}

WPS_API wps_status wps_rest_parse_token(const void *body, size_t len, char *scratch, size_t scratch_cap, wps_slice *token, wps_diag *diag) {
    static const char *const names[] = {"token"};
    if (!token) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    return wps__jstrings(body, len, scratch, scratch_cap, names, token, 1, 1u, diag);
}

WPS_API wps_status wps_signalr_parse_access_key(const void *body, size_t len, char *scratch, size_t scratch_cap, wps_slice *access_key,
                                                wps_slice *key_id, wps_diag *diag) {
    static const char *const names[] = {"AccessKey", "KeyId"};
    wps_slice out[2];
    if (!access_key || !key_id) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    WPS__TRY(wps__jstrings(body, len, scratch, scratch_cap, names, out, 2, 3u, diag));
    *access_key = out[0];
    *key_id = out[1];
    return WPS_OK;
}

WPS_API wps_status wps_rest_parse_group_members(const void *body, size_t len, char *scratch, size_t scratch_cap, wps_group_member *members,
                                                size_t cap, size_t *count, wps_slice *next_link, wps_diag *diag) {
    wps__jdoc j;
    wps__jval v;
    size_t n = 0;
    int r, have_value = 0;
    if (!count || !next_link || (cap && !members)) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    *count = 0;
    next_link->ptr = NULL;
    next_link->len = 0;
    if (!wps__jopen(&j, body, len, scratch, scratch_cap, &diag)) return diag->status;
    while ((r = wps__jit_next(&j.it, &v)) == 1) {
        if (wps__jkey(&v, "nextLink")) {
            WPS__TRY(wps__jstring(&j.s, &j.m, &v, "nextLink", 1, next_link));
        } else if (wps__jkey(&v, "value")) {
            wps__jit arr;
            wps__jval e;
            int re;
            have_value = 1;
            n = 0;
            if (!wps__jit_open(&arr, &j.s, &v, 2, 0)) return wps__jerr(&j.s);
            while ((re = wps__jit_next(&arr, &e)) == 1) {
                wps__jit obj;
                wps__jval f;
                int rf;
                wps_group_member gm;
                gm.connection_id.ptr = gm.user_id.ptr = NULL;
                gm.connection_id.len = gm.user_id.len = 0;
                if (!wps__jit_open(&obj, &j.s, &e, 3, 1)) return wps__jerr(&j.s);
                while ((rf = wps__jit_next(&obj, &f)) == 1) {
                    if (wps__jkey(&f, "connectionId")) WPS__TRY(wps__jstring(&j.s, &j.m, &f, "connectionId", 0, &gm.connection_id));
                    else if (wps__jkey(&f, "userId")) WPS__TRY(wps__jstring(&j.s, &j.m, &f, "userId", 1, &gm.user_id));
                }
                if (rf < 0) return wps__jerr(&j.s);
                if (!gm.connection_id.ptr) return wps__fail(diag, WPS_ERR_MISSING_FIELD, "connectionId", "a group member has no connectionId",
                                                            (size_t)(e.beg - j.s.beg));
                if (n < cap) members[n] = gm;
                n++;
            }
            if (re < 0) return wps__jerr(&j.s);
        }
    }
    if (r < 0) return wps__jerr(&j.s);
    if (!have_value) return wps__jmissing(&j.s, "value");
    WPS__TRY(wps__jbody_end(&j.s, &j.it));
    *count = n;
    if (n > cap) {
        if (diag) diag->needed = n;
        return wps__fail(diag, WPS_ERR_BUFFER_TOO_SMALL, "value", "more members than cap (see *count)", (size_t)-1);
    }
    return WPS_OK;
}

/* An inner error object at this depth and the ones nested in it: out->inner_code is the code
   of the deepest level that has one (a null code is no code). Each level is read once. */
/* One object of the inner chain: *found gets the code of the innermost object that has one (a
   string), following at each level the last "code" and the last "inner" (as JSON.parse keeps
   them); a null code, or an inner that is not an object, gives none at its level. */
static wps_status wps__rest_inner(wps__jdoc *j, wps__jval *v, uint32_t depth, wps_slice *found) {
    wps__jit in;
    wps__jval f;
    wps_slice here, sub;
    int rf;
    here.ptr = sub.ptr = NULL;
    here.len = sub.len = 0;
    if (!wps__jit_open(&in, &j->s, v, depth, 1)) return wps__jerr(&j->s);
    while ((rf = wps__jit_next(&in, &f)) == 1) {
        if (wps__jkey(&f, "code")) {
            WPS__TRY(wps__jstring(&j->s, &j->m, &f, "inner.code", 1, &here));
        } else if (wps__jkey(&f, "inner")) {
            sub.ptr = NULL;
            sub.len = 0;
            if (f.type == WPS__J_OBJECT) WPS__TRY(wps__rest_inner(j, &f, depth + 1, &sub));
        }
    }
    if (rf < 0) return wps__jerr(&j->s);
    *found = sub.ptr ? sub : here;
    return WPS_OK;
}

WPS_API wps_status wps_rest_parse_error(const void *body, size_t len, char *scratch, size_t scratch_cap, wps_rest_error *out, wps_diag *diag) {
    wps__jdoc j;
    wps__jval v;
    int r;
    if (!out) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    WPS_MEMSET(out, 0, sizeof *out);
    if (!wps__jopen(&j, body, len, scratch, scratch_cap, &diag)) return diag->status;
    while ((r = wps__jit_next(&j.it, &v)) == 1) {
        if (wps__jkey(&v, "code")) WPS__TRY(wps__jstring(&j.s, &j.m, &v, "code", 1, &out->code));
        else if (wps__jkey(&v, "message")) WPS__TRY(wps__jstring(&j.s, &j.m, &v, "message", 1, &out->message));
        else if (wps__jkey(&v, "target")) WPS__TRY(wps__jstring(&j.s, &j.m, &v, "target", 1, &out->target));
        else if (wps__jkey(&v, "details") && v.type == WPS__J_NULL) { /* the last one wins */
            out->details.ptr = NULL;
            out->details.len = 0;
            out->detail_count = 0;
        } else if (wps__jkey(&v, "details")) {
            wps__jit arr;
            wps__jval e;
            int re;
            if (!wps__jit_open(&arr, &j.s, &v, 2, 0)) return wps__jerr(&j.s);
            out->detail_count = 0;
            while ((re = wps__jit_next(&arr, &e)) == 1) out->detail_count++;
            if (re < 0) return wps__jerr(&j.s);
            out->details.ptr = (const char *)v.beg; /* the array's text, up to where its cursor ended */
            out->details.len = (size_t)(arr.p - v.beg);
        } else if (wps__jkey(&v, "inner")) { /* follow inner.inner... to the innermost code */
            out->inner_code.ptr = NULL;
            out->inner_code.len = 0;
            if (v.type != WPS__J_NULL) WPS__TRY(wps__rest_inner(&j, &v, 2, &out->inner_code));
        }
    }
    if (r < 0) return wps__jerr(&j.s);
    return wps__jbody_end(&j.s, &j.it);
}

WPS_API wps_status wps_signalr_parse_service_response(const void *body, size_t len, char *scratch, size_t scratch_cap,
                                                      wps_signalr_service_response *out, wps_diag *diag) {
    wps__jdoc j;
    wps__jval v;
    int r;
    if (!out) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    WPS_MEMSET(out, 0, sizeof *out);
    if (!wps__jopen(&j, body, len, scratch, scratch_cap, &diag)) return diag->status;
    while ((r = wps__jit_next(&j.it, &v)) == 1) {
        if (wps__jkey(&v, "statusCode")) {
            uint64_t code = 0;
            const unsigned char *p = v.beg;
            if (v.type != WPS__J_NUMBER) return wps__fail(diag, WPS_ERR_TYPE_MISMATCH, "statusCode", "number expected", (size_t)(v.beg - j.s.beg));
            while (p < v.end && *p >= '0' && *p <= '9' && code < 1000) code = code * 10 + (uint64_t)(*p++ - '0');
            if (p != v.end || code > 999) return wps__fail(diag, WPS_ERR_NUMBER, "statusCode", "an HTTP status code expected", (size_t)(v.beg - j.s.beg));
            out->status_code = (uint32_t)code;
        } else if (wps__jkey(&v, "code")) WPS__TRY(wps__jstring(&j.s, &j.m, &v, "code", 1, &out->code));
        else if (wps__jkey(&v, "level")) WPS__TRY(wps__jstring(&j.s, &j.m, &v, "level", 1, &out->level));
        else if (wps__jkey(&v, "scope")) WPS__TRY(wps__jstring(&j.s, &j.m, &v, "scope", 1, &out->scope));
        else if (wps__jkey(&v, "errorKind")) WPS__TRY(wps__jstring(&j.s, &j.m, &v, "errorKind", 1, &out->error_kind));
        else if (wps__jkey(&v, "message")) WPS__TRY(wps__jstring(&j.s, &j.m, &v, "message", 1, &out->message));
        else if (wps__jkey(&v, "jsonObject")) {
            out->json_object = wps__jraw(&v);
            if (!out->json_object.ptr) return wps__jerr(&j.s);
        }
        else if (wps__jkey(&v, "isSuccess")) {
            if (v.type != WPS__J_TRUE && v.type != WPS__J_FALSE && v.type != WPS__J_NULL)
                return wps__fail(diag, WPS_ERR_TYPE_MISMATCH, "isSuccess", "true or false expected", (size_t)(v.beg - j.s.beg));
            out->has_is_success = v.type != WPS__J_NULL;
            out->is_success = v.type == WPS__J_TRUE;
        }
    }
    if (r < 0) return wps__jerr(&j.s);
    return wps__jbody_end(&j.s, &j.it);
}

WPS_API wps_status wps_signalr_parse_invoke_result(const void *body, size_t len, char *scratch, size_t scratch_cap, wps_slice *result,
                                                   wps_slice *protocol, wps_diag *diag) {
    wps__jdoc j;
    wps__jval v;
    int r;
    if (!result || !protocol) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    result->ptr = protocol->ptr = NULL;
    result->len = protocol->len = 0;
    if (!wps__jopen(&j, body, len, scratch, scratch_cap, &diag)) return diag->status;
    while ((r = wps__jit_next(&j.it, &v)) == 1) {
        if (wps__jkey(&v, "result")) {
            *result = wps__jraw(&v);
            if (!result->ptr) return wps__jerr(&j.s);
        }
        else if (wps__jkey(&v, "protocol")) WPS__TRY(wps__jstring(&j.s, &j.m, &v, "protocol", 1, protocol));
    }
    if (r < 0) return wps__jerr(&j.s);
    return wps__jbody_end(&j.s, &j.it);
}


/* ============ >>webhooks  8. webhooks */

/* ---------------------------------------------------------------- signatures and abuse protection */

WPS_API void wps_webhook_signature(wps_slice key, wps_slice connection_id, char out[71]) {
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[32];
    int i;
    wps_hmac_sha256(key.ptr, key.ptr ? key.len : 0, connection_id.ptr, connection_id.ptr ? connection_id.len : 0, mac);
    WPS_MEMCPY(out, "sha256=", 7);
    for (i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[mac[i] >> 4];
        out[8 + 2 * i] = hex[mac[i] & 15];
    }
}

WPS_API wps_status wps_webhook_verify_signature(wps_slice connection_id, wps_slice header, const wps_slice *keys, size_t key_count,
                                                wps_diag *diag) {
    size_t k, i = 0;
    int match = 0;
    if (diag) wps__diag_clear(diag);
    if (!keys || key_count == 0) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "no access key to verify with", (size_t)-1);
    if (!header.ptr) header.len = 0;
    while (i < header.len) {
        size_t start, j;
        char part[71];
        while (i < header.len && (header.ptr[i] == ',' || header.ptr[i] == ' ')) i++;
        start = i;
        while (i < header.len && header.ptr[i] != ',' && header.ptr[i] != ' ') i++;
        if (i - start != 71) continue; /* not "sha256=" + 64 hex digits */
        for (j = 0; j < 71; j++) {
            char c = header.ptr[start + j];
            part[j] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; /* "SHA256=" and hex case-insensitive */
        }
        for (k = 0; k < key_count; k++) {
            char want[71];
            wps_webhook_signature(keys[k], connection_id, want);
            match |= wps_equal_constant_time(want, part, 71);
        }
    }
    return match ? WPS_OK : wps__fail(diag, WPS_ERR_SIGNATURE, "ce-signature", "no part of the signature matches an access key", (size_t)-1);
}

/* The host of "host", "host:port" or "http(s)://host[:port][/path]" (the text itself when it is
   none of these). */
static wps_slice wps__host_of(wps_slice s) {
    wps__authority a;
    if (wps__authority_of(s, &a)) return wps_slice_make(s.ptr + a.host, a.host_end - a.host);
    return s;
}

/* Two hosts compared case-insensitively, each given as a host or as an endpoint. */
static int wps__same_host(wps_slice x, wps_slice y) {
    x = wps__host_of(x);
    y = wps__host_of(y);
    return x.len == y.len && wps__ieq_n(x.ptr, y.ptr, x.len);
}

WPS_API wps_status wps_webhook_check_origin(wps_slice origin, const wps_slice *allowed, size_t count, wps_diag *diag) {
    size_t i = 0, k;
    int any = 0;
    if (diag) wps__diag_clear(diag);
    if (count && !allowed) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL allowed hosts", (size_t)-1);
    if (!origin.ptr) origin.len = 0;
    while (i < origin.len) {
        size_t start;
        while (i < origin.len && (origin.ptr[i] == ',' || origin.ptr[i] == ' ')) i++;
        start = i;
        while (i < origin.len && origin.ptr[i] != ',' && origin.ptr[i] != ' ') i++;
        if (i == start) continue;
        any = 1;
        if (!count) return WPS_OK;
        for (k = 0; k < count; k++)
            if (allowed[k].ptr && wps__same_host(wps_slice_make(origin.ptr + start, i - start), allowed[k])) return WPS_OK;
    }
    return wps__fail(diag, WPS_ERR_ORIGIN, "WebHook-Request-Origin", any ? "Abuse Protection validation failed." : "missing WebHook-Request-Origin", (size_t)-1);
}

/* ---------------------------------------------------------------- CloudEvents requests */

static wps_slice wps__header(const wps_http_header *h, size_t count, const char *name, size_t *times) {
    wps_slice r;
    size_t i;
    r.ptr = NULL;
    r.len = 0;
    *times = 0;
    for (i = 0; i < count; i++)
        if (h[i].name.ptr && wps__ieq_name(h[i].name.ptr, h[i].name.len, name)) {
            if (!*times) r = h[i].value.ptr ? h[i].value : wps__slice_lit("");
            ++*times;
        }
    return r;
}

/* A table-driven header read: each named header (one at most) into the slice at offset at. */
typedef struct wps__hfield {
    const char *name;
    int required;
    size_t at;
} wps__hfield;

/* The headers wps_webhook_parse (CloudEvents, the first WPS__CE_HEADERS rows) and
   wps_signalr_upstream_accept (X-ASRS-*, the rest) read: name, required, field. */
static const wps__hfield wps__header_fields[] = {
    {"ce-awpsversion", 1, offsetof(wps_webhook_event, awps_version)},
    {"ce-type", 1, offsetof(wps_webhook_event, type)},
    {"ce-hub", 1, offsetof(wps_webhook_event, hub)},
    {"ce-connectionId", 1, offsetof(wps_webhook_event, connection_id)},
    {"ce-eventName", 1, offsetof(wps_webhook_event, event_name)},
    {"ce-userId", 0, offsetof(wps_webhook_event, user_id)},
    {"ce-subprotocol", 0, offsetof(wps_webhook_event, subprotocol)},
    {"ce-signature", 0, offsetof(wps_webhook_event, signature)},
    {"ce-connectionState", 0, offsetof(wps_webhook_event, connection_state)},
    {"ce-specversion", 0, offsetof(wps_webhook_event, spec_version)},
    {"ce-source", 0, offsetof(wps_webhook_event, source)},
    {"ce-id", 0, offsetof(wps_webhook_event, id)},
    {"ce-time", 0, offsetof(wps_webhook_event, time)},
    {"ce-physicalConnectionId", 0, offsetof(wps_webhook_event, physical_connection_id)},
    {"ce-sessionId", 0, offsetof(wps_webhook_event, session_id)},
    {"WebHook-Request-Origin", 0, offsetof(wps_webhook_event, origin)},
    {"Content-Type", 0, offsetof(wps_webhook_event, content_type)},
    {"X-ASRS-Connection-Id", 1, offsetof(wps_signalr_upstream, connection_id)},
    {"X-ASRS-Hub", 1, offsetof(wps_signalr_upstream, hub)},
    {"X-ASRS-Category", 1, offsetof(wps_signalr_upstream, category)},
    {"X-ASRS-Event", 1, offsetof(wps_signalr_upstream, event)},
    {"X-ASRS-User-Id", 0, offsetof(wps_signalr_upstream, user_id)},
    {"X-ASRS-Signature", 0, offsetof(wps_signalr_upstream, signature)},
    {"X-ASRS-Client-Query", 0, offsetof(wps_signalr_upstream, client_query)},
    {"X-ASRS-Client-Cert-Thumbprint", 0, offsetof(wps_signalr_upstream, client_cert_thumbprint)},
    {"X-ASRS-Connection-Group", 0, offsetof(wps_signalr_upstream, connection_group)},
};
#define WPS__CE_HEADERS 17u
#define WPS__ASRS_HEADERS 9u

static wps_status wps__read_headers(const wps_http_header *headers, size_t count, const wps__hfield *fields, size_t n, void *out,
                                    wps_diag *diag) {
    size_t i, times;
    for (i = 0; i < n; i++) {
        wps_slice v = wps__header(headers, count, fields[i].name, &times);
        if (times > 1) return wps__fail(diag, WPS_ERR_DUPLICATE_KEY, fields[i].name, "the header appears more than once", (size_t)-1);
        if (fields[i].required && (!times || !v.len)) return wps__fail(diag, WPS_ERR_MISSING_FIELD, fields[i].name, "required header missing", (size_t)-1);
        *(wps_slice *)(void *)((char *)out + fields[i].at) = v;
    }
    return WPS_OK;
}

WPS_API bool wps_webhook_data_type(wps_slice ct, wps_data_type *out) {
    wps_data_type t;
    if (!ct.ptr) return false;
    while (ct.len && ct.ptr[0] == ' ') ct.ptr++, ct.len--;
    if (wps__media_is(ct, "text/plain")) t = WPS_DATA_TEXT;
    else if (wps__media_is(ct, "application/json")) t = WPS_DATA_JSON;
    else if (wps__media_is(ct, "application/octet-stream")) t = WPS_DATA_BINARY;
    else return false;
    if (out) *out = t;
    return true;
}

WPS_API wps_status wps_webhook_parse(const wps_http_header *headers, size_t count, wps_webhook_event *out, wps_diag *diag) {
    wps_slice t;
    if (diag) wps__diag_clear(diag);
    if (!out || (count && !headers)) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    WPS_MEMSET(out, 0, sizeof *out);
    {
        wps_status st = wps__read_headers(headers, count, wps__header_fields, WPS__CE_HEADERS, out, diag);
        if (st != WPS_OK) return st;
    }
    t = out->type;
    if (t.len > 20 && WPS_MEMCMP(t.ptr, "azure.webpubsub.sys.", 20) == 0) {
        wps_slice rest;
        rest.ptr = t.ptr + 20;
        rest.len = t.len - 20;
        out->kind = wps__ieq_name(rest.ptr, rest.len, "connect")        ? WPS_WEBHOOK_CONNECT
                    : wps__ieq_name(rest.ptr, rest.len, "connected")    ? WPS_WEBHOOK_CONNECTED
                    : wps__ieq_name(rest.ptr, rest.len, "disconnected") ? WPS_WEBHOOK_DISCONNECTED
                                                                        : WPS_WEBHOOK_OTHER_SYSTEM;
    } else if (t.len > 21 && WPS_MEMCMP(t.ptr, "azure.webpubsub.user.", 21) == 0) {
        out->kind = WPS_WEBHOOK_USER_EVENT;
        if (!wps_webhook_data_type(out->content_type, &out->data_type))
            return wps__fail(diag, WPS_ERR_UNSUPPORTED, "Content-Type", "a user event's Content-Type is text/plain, application/json or application/octet-stream",
                             (size_t)-1);
    } else {
        return wps__fail(diag, WPS_ERR_INVALID_MESSAGE, "ce-type", "not an azure.webpubsub.sys.* or azure.webpubsub.user.* event", (size_t)-1);
    }
    out->is_mqtt = out->subprotocol.ptr && wps__ieq_name(out->subprotocol.ptr, out->subprotocol.len, "mqtt") && out->physical_connection_id.ptr;
    return WPS_OK;
}

WPS_API wps_status wps_webhook_accept(const wps_webhook_options *o, const wps_http_header *headers, size_t count, wps_webhook_event *out,
                                      uint16_t *reject_status, wps_diag *diag) {
    wps_status st;
    uint16_t dummy;
    if (!reject_status) reject_status = &dummy;
    *reject_status = 400;
    if (!o) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL options", (size_t)-1);
    st = wps_webhook_parse(headers, count, out, diag);
    if (st != WPS_OK) return st;
    if (o->hub.ptr && !(out->hub.len == o->hub.len && wps__ieq_n(out->hub.ptr, o->hub.ptr, o->hub.len)))
        return wps__fail(diag, WPS_ERR_WRONG_HUB, "ce-hub", "Hub is not registered.", (size_t)-1);
    if (o->allowed_origin_count) {
        st = wps_webhook_check_origin(out->origin, o->allowed_origins, o->allowed_origin_count, diag);
        if (st != WPS_OK) return st;
    }
    if (o->key_count) {
        st = wps_webhook_verify_signature(out->connection_id, out->signature, o->keys, o->key_count, diag);
        if (st != WPS_OK) {
            *reject_status = 401;
            return st;
        }
    }
    *reject_status = 0;
    return WPS_OK;
}

/* ------------------------------------------------ webhook bodies: one pass into caller memory */

/* The body is parsed once, straight into the caller's memory: arrays grow from the front, one
   at a time (each array's elements are contiguous: a member seen again starts its array anew), and
   unescaped strings from the back. `need` is what the body needs wherever the memory lies (each
   array counts its worst-case alignment padding), so the parse succeeds when need <= cap, and
   then everything was placed: the padding actually used is never more than counted. With less
   memory the walk goes on measuring, and the parse fails with the exact figure. */
typedef struct wps__arena {
    char *p;
    size_t cap, front, back, need;
    int full;           /* a placement did not fit: measuring only from there on */
    const void *last;   /* the array the front's last element belongs to */
} wps__arena;

typedef struct wps__walk {
    wps__jdoc j;
    wps__arena a;
} wps__walk;

/* The next element of the array `array` (the address of the caller's pointer to it, n elements
   so far): its slot, or NULL when measuring. The caller points its array at the first slot. */
static void *wps__arena_elem(wps__arena *a, const void *array, size_t n, size_t size) {
    size_t pad = 0, align = sizeof(void *);
    if (!n) a->need = wps__sat_add(a->need, align - 1);
    a->need = wps__sat_add(a->need, size);
    if (!a->p || a->full) return NULL;
    WPS_ASSERT(!n || a->last == array); /* contiguous: one array at a time */
    if (!n) pad = (size_t)((align - (size_t)((uintptr_t)(a->p + a->front) % align)) % align);
    if (a->front + pad > a->cap - a->back || size > a->cap - a->back - a->front - pad) {
        a->full = 1;
        return NULL;
    }
    a->front += pad;
    a->last = array;
    a->front += size;
    return a->p + a->front - size;
}

/* Room for len bytes of an unescaped string, or NULL when measuring. */
static char *wps__arena_str(wps__arena *a, size_t len) {
    a->need = wps__sat_add(a->need, len);
    if (!a->p || a->full || !len) return NULL;
    if (len > a->cap - a->back - a->front) {
        a->full = 1;
        return NULL;
    }
    a->back += len;
    return a->p + a->cap - a->back;
}

/* A string (or null) value: in place, or unescaped into the arena. */
static wps_status wps__wstr(wps__walk *w, const wps__jval *v, const char *key, wps_slice *out) {
    const unsigned char *body;
    size_t n, len;
    out->ptr = NULL;
    out->len = 0;
    if (v->type == WPS__J_NULL) return WPS_OK;
    if (v->type != WPS__J_STRING) return wps__fail(w->j.s.diag, WPS_ERR_TYPE_MISMATCH, key, "string expected", (size_t)(v->beg - w->j.s.beg));
    body = v->beg + 1;
    n = (size_t)(v->end - v->beg) - 2;
    if (!v->escaped) {
        out->ptr = (const char *)body;
        out->len = n;
        return WPS_OK;
    }
    len = wps__unescape(body, n, NULL, 0);
    {
        char *dst = wps__arena_str(&w->a, len);
        if (dst) wps__unescape(body, n, dst, len);
        out->ptr = dst ? dst : ""; /* measuring: the parse fails, with the size it needs */
    }
    out->len = len;
    return WPS_OK;
}

static wps_status wps__wnum(wps__walk *w, const wps__jval *v, const char *key, uint32_t *out) {
    uint64_t x = 0;
    const unsigned char *p = v->beg;
    if (v->type != WPS__J_NUMBER) return wps__fail(w->j.s.diag, WPS_ERR_TYPE_MISMATCH, key, "number expected", (size_t)(v->beg - w->j.s.beg));
    while (p < v->end && *p >= '0' && *p <= '9' && x <= 0xFFFFFFFFu) x = x * 10 + (uint64_t)(*p++ - '0');
    if (p != v->end || x > 0xFFFFFFFFu) return wps__fail(w->j.s.diag, WPS_ERR_NUMBER, key, "an unsigned 32-bit integer expected", (size_t)(v->beg - w->j.s.beg));
    *out = (uint32_t)x;
    return WPS_OK;
}

#define WPS__WOPEN(it, at, depth, object)                                                                                              \
    do {                                                                                                                                \
        if (!wps__jit_open((it), &w->j.s, (at), (depth), (object))) return wps__jerr(&w->j.s);                                        \
    } while (0)

/* name -> string | string[] map: one pair per value (null values and null elements skipped). */
static wps_status wps__wmap(wps__walk *w, const wps__jval *mv, uint32_t depth, const char *key, wps_webhook_pair **arr, size_t *n) {
    wps__jit it;
    wps__jval v;
    int r;
    /* a member seen again replaces the first, as JSON.parse does; the first's elements stay behind
       unused, in memory that `need` counted for both */
    *arr = NULL;
    *n = 0;
    if (mv->type == WPS__J_NULL) return WPS_OK;
    WPS__WOPEN(&it, mv, depth, 1);
    while ((r = wps__jit_next(&it, &v)) == 1) {
        wps_webhook_pair pr;
        wps__jval nv;
        nv.type = WPS__J_STRING;
        nv.beg = (const unsigned char *)v.key.ptr - 1;
        nv.end = (const unsigned char *)v.key.ptr + v.key.len + 1;
        nv.escaped = v.key_escaped;
        WPS__TRY(wps__wstr(w, &nv, key, &pr.name));
        if (v.type == WPS__J_ARRAY) {
            wps__jit ai;
            wps__jval e;
            int re;
            WPS__WOPEN(&ai, &v, depth + 1, 0);
            while ((re = wps__jit_next(&ai, &e)) == 1) {
                if (e.type == WPS__J_NULL) continue;
                WPS__TRY(wps__wstr(w, &e, key, &pr.value));
                {
                    wps_webhook_pair *slot = (wps_webhook_pair *)wps__arena_elem(&w->a, arr, *n, sizeof pr);
                    if (slot && !*n) *arr = slot;
                    if (slot) *slot = pr;
                }
                ++*n;
            }
            if (re < 0) return wps__jerr(&w->j.s);
        } else if (v.type != WPS__J_NULL) {
            WPS__TRY(wps__wstr(w, &v, key, &pr.value));
            {
                wps_webhook_pair *slot = (wps_webhook_pair *)wps__arena_elem(&w->a, arr, *n, sizeof pr);
                if (slot && !*n) *arr = slot;
                if (slot) *slot = pr;
            }
            ++*n;
        }
    }
    return r < 0 ? wps__jerr(&w->j.s) : WPS_OK;
}

/* [string...] */
static wps_status wps__wstrings(wps__walk *w, const wps__jval *av, uint32_t depth, const char *key, wps_slice **arr, size_t *n) {
    wps__jit it;
    wps__jval v;
    int r;
    /* a member seen again replaces the first, as JSON.parse does; the first's elements stay behind
       unused, in memory that `need` counted for both */
    *arr = NULL;
    *n = 0;
    if (av->type == WPS__J_NULL) return WPS_OK;
    WPS__WOPEN(&it, av, depth, 0);
    while ((r = wps__jit_next(&it, &v)) == 1) {
        wps_slice s, *slot;
        if (v.type == WPS__J_NULL) continue;
        WPS__TRY(wps__wstr(w, &v, key, &s));
        slot = (wps_slice *)wps__arena_elem(&w->a, arr, *n, sizeof s);
        if (slot && !*n) *arr = slot;
        if (slot) *slot = s;
        ++*n;
    }
    return r < 0 ? wps__jerr(&w->j.s) : WPS_OK;
}

/* [{"name":..,"value":..}...] (MQTT user properties) or [{"thumbprint":..,"content":..}...]:
   both members are required strings. */
static wps_status wps__wobjs(wps__walk *w, const wps__jval *av, uint32_t depth, const char *key, const char *k1, const char *k2,
                             wps_webhook_pair **pairs, wps_webhook_certificate **certs, size_t *n) {
    wps__jit it;
    wps__jval v;
    int r;
    /* a member seen again replaces the first, as JSON.parse does; the first's elements stay behind
       unused, in memory that `need` counted for both */
    if (pairs) *pairs = NULL;
    else *certs = NULL;
    *n = 0;
    if (av->type == WPS__J_NULL) return WPS_OK;
    WPS__WOPEN(&it, av, depth, 0);
    while ((r = wps__jit_next(&it, &v)) == 1) {
        wps__jit oi;
        wps__jval f;
        int rf;
        wps_slice a, b;
        a.ptr = b.ptr = NULL;
        a.len = b.len = 0;
        WPS__WOPEN(&oi, &v, depth + 1, 1);
        while ((rf = wps__jit_next(&oi, &f)) == 1) {
            if (wps__jkey(&f, k1)) WPS__TRY(wps__wstr(w, &f, key, &a));
            else if (wps__jkey(&f, k2)) WPS__TRY(wps__wstr(w, &f, key, &b));
        }
        if (rf < 0) return wps__jerr(&w->j.s);
        /* user properties need both; a certificate may come with its thumbprint only (.NET, Python models) */
        if (!a.ptr || (!b.ptr && !(wps__cstrlen(k2) == 7 && WPS_MEMCMP(k2, "content", 7) == 0)))
            return wps__fail(w->j.s.diag, WPS_ERR_MISSING_FIELD, key, !a.ptr ? k1 : k2, (size_t)(v.beg - w->j.s.beg)); /* (the member's name) */
        if (pairs) {
            wps_webhook_pair *slot = (wps_webhook_pair *)wps__arena_elem(&w->a, pairs, *n, sizeof *slot);
            if (slot && !*n) *pairs = slot;
            if (slot) slot->name = a, slot->value = b;
        } else {
            wps_webhook_certificate *slot = (wps_webhook_certificate *)wps__arena_elem(&w->a, certs, *n, sizeof *slot);
            if (slot && !*n) *certs = slot;
            if (slot) slot->thumbprint = a, slot->content = b;
        }
        ++*n;
    }
    return r < 0 ? wps__jerr(&w->j.s) : WPS_OK;
}


static wps_status wps__walk_connect_members(wps__walk *w, wps_webhook_connect_request *o, wps_webhook_pair **claims, wps_webhook_pair **query,
                                            wps_webhook_pair **headers, wps_slice **subs, wps_webhook_certificate **certs, wps_webhook_pair **props) {
    wps__jval v;
    int r;
    WPS_MEMSET(o, 0, sizeof *o);

    while ((r = wps__jit_next(&w->j.it, &v)) == 1) {
        if (wps__jkey(&v, "claims")) WPS__TRY(wps__wmap(w, &v, 2, "claims", claims, &o->claim_count));
        else if (wps__jkey(&v, "query")) WPS__TRY(wps__wmap(w, &v, 2, "query", query, &o->query_count));
        else if (wps__jkey(&v, "headers")) WPS__TRY(wps__wmap(w, &v, 2, "headers", headers, &o->header_count));
        else if (wps__jkey(&v, "subprotocols")) WPS__TRY(wps__wstrings(w, &v, 2, "subprotocols", subs, &o->subprotocol_count));
        else if (wps__jkey(&v, "clientCertificates"))
            WPS__TRY(wps__wobjs(w, &v, 2, "clientCertificates", "thumbprint", "content", NULL, certs, &o->client_certificate_count));
        else if (wps__jkey(&v, "mqtt")) { /* a member given again replaces the first */
            wps__jit mi;
            wps__jval f;
            int rf;
            o->has_mqtt = false;
            o->mqtt_protocol_version = 0;
            o->mqtt_username.ptr = o->mqtt_password.ptr = NULL;
            o->mqtt_username.len = o->mqtt_password.len = 0;
            *props = NULL;
            o->mqtt_user_property_count = 0;
            if (v.type == WPS__J_NULL) continue;
            o->has_mqtt = true;
            WPS__WOPEN(&mi, &v, 2, 1);
            while ((rf = wps__jit_next(&mi, &f)) == 1) {
                if (wps__jkey(&f, "protocolVersion")) WPS__TRY(wps__wnum(w, &f, "mqtt.protocolVersion", &o->mqtt_protocol_version));
                else if (wps__jkey(&f, "username")) WPS__TRY(wps__wstr(w, &f, "mqtt.username", &o->mqtt_username));
                else if (wps__jkey(&f, "password")) WPS__TRY(wps__wstr(w, &f, "mqtt.password", &o->mqtt_password));
                else if (wps__jkey(&f, "userProperties"))
                    WPS__TRY(wps__wobjs(w, &f, 3, "mqtt.userProperties", "name", "value", props, NULL, &o->mqtt_user_property_count));
            }
            if (rf < 0) return wps__jerr(&w->j.s);
        }
    }
    return r < 0 ? wps__jerr(&w->j.s) : WPS_OK;
}

static wps_status wps__walk_connect(wps__walk *w, void *vout) {
    wps_webhook_connect_request *o = (wps_webhook_connect_request *)vout;
    wps_webhook_pair *claims = NULL, *query = NULL, *headers = NULL, *props = NULL;
    wps_slice *subs = NULL;
    wps_webhook_certificate *certs = NULL;
    WPS__TRY(wps__walk_connect_members(w, o, &claims, &query, &headers, &subs, &certs, &props));
    o->claims = claims;
    o->query = query;
    o->headers = headers;
    o->subprotocols = subs;
    o->client_certificates = certs;
    o->mqtt_user_properties = props;
    return WPS_OK;
}

static wps_status wps__walk_disconnected(wps__walk *w, void *vout) {
    wps_webhook_disconnected *o = (wps_webhook_disconnected *)vout;
    wps_webhook_pair *props = NULL;
    wps__jval v;
    int r;
    WPS_MEMSET(o, 0, sizeof *o);
    while ((r = wps__jit_next(&w->j.it, &v)) == 1) {
        if (wps__jkey(&v, "reason")) WPS__TRY(wps__wstr(w, &v, "reason", &o->reason));
        else if (wps__jkey(&v, "mqtt")) { /* a member given again replaces the first */
            wps__jit mi;
            wps__jval f;
            int rf;
            o->has_mqtt = o->mqtt_initiated_by_client = o->has_mqtt_disconnect_packet = false;
            o->mqtt_reason_code = 0;
            props = NULL;
            o->mqtt_user_property_count = 0;
            if (v.type == WPS__J_NULL) continue;
            o->has_mqtt = true;
            WPS__WOPEN(&mi, &v, 2, 1);
            while ((rf = wps__jit_next(&mi, &f)) == 1) {
                if (wps__jkey(&f, "initiatedByClient")) {
                    if (f.type != WPS__J_TRUE && f.type != WPS__J_FALSE)
                        return wps__fail(w->j.s.diag, WPS_ERR_TYPE_MISMATCH, "mqtt.initiatedByClient", "true or false expected", (size_t)(f.beg - w->j.s.beg));
                    o->mqtt_initiated_by_client = f.type == WPS__J_TRUE;
                } else if (wps__jkey(&f, "disconnectPacket") && f.type != WPS__J_NULL) {
                    wps__jit pi;
                    wps__jval g;
                    int rg;
                    o->has_mqtt_disconnect_packet = true;
                    WPS__WOPEN(&pi, &f, 3, 1);
                    while ((rg = wps__jit_next(&pi, &g)) == 1) {
                        if (wps__jkey(&g, "code")) WPS__TRY(wps__wnum(w, &g, "mqtt.disconnectPacket.code", &o->mqtt_reason_code));
                        else if (wps__jkey(&g, "userProperties"))
                            WPS__TRY(wps__wobjs(w, &g, 4, "mqtt.disconnectPacket.userProperties", "name", "value", &props, NULL,
                                                 &o->mqtt_user_property_count));
                    }
                    if (rg < 0) return wps__jerr(&w->j.s);
                }
            }
            if (rf < 0) return wps__jerr(&w->j.s);
        }
    }
    if (r < 0) return wps__jerr(&w->j.s);
    o->mqtt_user_properties = props;
    return WPS_OK;
}

static wps_status wps__walk_connect_result(wps__walk *w, void *vout) {
    wps_webhook_connect_result *o = (wps_webhook_connect_result *)vout;
    wps_slice *groups = NULL, *roles = NULL;
    wps_webhook_pair *props = NULL;
    wps__jval v;
    int r;
    WPS_MEMSET(o, 0, sizeof *o);
    while ((r = wps__jit_next(&w->j.it, &v)) == 1) {
        if (wps__jkey(&v, "userId")) WPS__TRY(wps__wstr(w, &v, "userId", &o->user_id));
        else if (wps__jkey(&v, "subprotocol")) WPS__TRY(wps__wstr(w, &v, "subprotocol", &o->subprotocol));
        else if (wps__jkey(&v, "groups")) WPS__TRY(wps__wstrings(w, &v, 2, "groups", &groups, &o->group_count));
        else if (wps__jkey(&v, "roles")) WPS__TRY(wps__wstrings(w, &v, 2, "roles", &roles, &o->role_count));
        else if (wps__jkey(&v, "mqtt")) { /* a member given again replaces the first */
            wps__jit mi;
            wps__jval f;
            int rf;
            o->has_mqtt = o->has_mqtt_code = false;
            o->mqtt_code = 0;
            o->mqtt_reason.ptr = NULL;
            o->mqtt_reason.len = 0;
            props = NULL;
            o->mqtt_user_property_count = 0;
            if (v.type == WPS__J_NULL) continue;
            o->has_mqtt = true;
            WPS__WOPEN(&mi, &v, 2, 1);
            while ((rf = wps__jit_next(&mi, &f)) == 1) {
                if (wps__jkey(&f, "code")) {
                    WPS__TRY(wps__wnum(w, &f, "mqtt.code", &o->mqtt_code));
                    o->has_mqtt_code = true;
                } else if (wps__jkey(&f, "reason")) WPS__TRY(wps__wstr(w, &f, "mqtt.reason", &o->mqtt_reason));
                else if (wps__jkey(&f, "userProperties"))
                    WPS__TRY(wps__wobjs(w, &f, 3, "mqtt.userProperties", "name", "value", &props, NULL, &o->mqtt_user_property_count));
            }
            if (rf < 0) return wps__jerr(&w->j.s);
        }
    }
    if (r < 0) return wps__jerr(&w->j.s);
    o->groups = groups;
    o->roles = roles;
    o->mqtt_user_properties = props;
    return WPS_OK;
}

/* Parses body once with fn, placing what it keeps into mem (cap bytes): *needed gets the
   memory the body needs (also on success); less is WPS_ERR_BUFFER_TOO_SMALL. */
static wps_status wps__one_pass(const void *body, size_t len, void *mem, size_t cap, void *out, size_t *needed, wps_diag *diag,
                                wps_status (*fn)(wps__walk *, void *)) {
    wps__walk w;
    size_t dummy;
    if (!needed) needed = &dummy;
    *needed = 0;
    if (!out) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    WPS_MEMSET(&w, 0, sizeof w);
    w.a.p = (char *)mem;
    w.a.cap = mem ? cap : 0;
    if (!wps__jopen(&w.j, body, len, NULL, 0, &diag)) return diag->status;
    WPS__TRY(fn(&w, out));
    WPS__TRY(wps__jbody_end(&w.j.s, &w.j.it));
    *needed = w.a.need;
    if (w.a.need > w.a.cap) {
        WPS_ASSERT(w.a.full || !mem || w.a.need > cap);
        diag->needed = w.a.need;
        return wps__fail(diag, WPS_ERR_BUFFER_TOO_SMALL, NULL, "memory too small (see *needed)", (size_t)-1);
    }
    WPS_ASSERT(!w.a.full);
    return WPS_OK;
}

typedef struct wps__groups_request {
    const wps_slice *groups;
    size_t group_count;
    wps_slice filter;
} wps__groups_request;

static wps_status wps__walk_groups_request(wps__walk *w, void *vout) {
    wps__groups_request *o = (wps__groups_request *)vout;
    wps_slice *groups = NULL;
    wps__jval v;
    int r;
    WPS_MEMSET(o, 0, sizeof *o);
    while ((r = wps__jit_next(&w->j.it, &v)) == 1) {
        if (wps__jkey(&v, "groups")) WPS__TRY(wps__wstrings(w, &v, 2, "groups", &groups, &o->group_count));
        else if (wps__jkey(&v, "filter")) WPS__TRY(wps__wstr(w, &v, "filter", &o->filter));
    }
    if (r < 0) return wps__jerr(&w->j.s);
    if (!o->group_count) return wps__fail(w->j.s.diag, WPS_ERR_MISSING_FIELD, "groups", "at least one group is required", (size_t)-1);
    o->groups = groups;
    return WPS_OK;
}

WPS_API wps_status wps_rest_parse_groups_request(const void *body, size_t len, void *mem, size_t mem_cap, const wps_slice **groups,
                                                 size_t *group_count, wps_slice *filter, size_t *needed, wps_diag *diag) {
    wps__groups_request g;
    wps_status st;
    if (needed) *needed = 0;
    if (!groups || !group_count || !filter) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    st = wps__one_pass(body, len, mem, mem_cap, &g, needed, diag, wps__walk_groups_request);
    *groups = st == WPS_OK ? g.groups : NULL;
    *group_count = st == WPS_OK ? g.group_count : 0;
    *filter = st == WPS_OK ? g.filter : wps_slice_make(NULL, 0);
    return st;
}

WPS_API wps_status wps_webhook_parse_connect(const void *body, size_t len, void *mem, size_t mem_cap, wps_webhook_connect_request *out,
                                             size_t *needed, wps_diag *diag) {
    return wps__one_pass(body, len, mem, mem_cap, out, needed, diag, wps__walk_connect);
}

WPS_API wps_status wps_webhook_parse_disconnected(const void *body, size_t len, void *mem, size_t mem_cap, wps_webhook_disconnected *out,
                                                  size_t *needed, wps_diag *diag) {
    return wps__one_pass(body, len, mem, mem_cap, out, needed, diag, wps__walk_disconnected);
}

WPS_API wps_status wps_webhook_parse_connect_response(const void *body, size_t len, void *mem, size_t mem_cap, wps_webhook_connect_result *out,
                                                      size_t *needed, wps_diag *diag) {
    return wps__one_pass(body, len, mem, mem_cap, out, needed, diag, wps__walk_connect_result);
}

static void wps__put_props(wps__w *b, const wps_webhook_pair *p, size_t n) {
    size_t i;
    wps__puts(b, "\"userProperties\":[");
    for (i = 0; i < n; i++) {
        if (i) wps__put(b, ",", 1);
        wps__puts(b, "{\"name\":");
        wps__put_jslice(b, p[i].name);
        wps__puts(b, ",\"value\":");
        wps__put_jslice(b, p[i].value);
        wps__put(b, "}", 1);
    }
    wps__put(b, "]", 1);
}

static int wps__slices_utf8(const wps_slice *s, size_t n) {
    size_t i;
    for (i = 0; i < n; i++)
        if (!s[i].ptr || !wps__utf8_ok(s[i])) return 0;
    return 1;
}

static int wps__pairs_utf8(const wps_webhook_pair *p, size_t n) {
    size_t i;
    for (i = 0; i < n; i++)
        if (!p[i].name.ptr || !p[i].value.ptr || !wps__utf8_ok(p[i].name) || !wps__utf8_ok(p[i].value)) return 0;
    return 1;
}

/* Writes what fn writes into out when it fits (the size first); the JSON builders share this. */
static wps_status wps__put_emit(void (*fn)(wps__w *, const void *), const void *ctx, char *out, size_t cap, size_t *len, wps_diag *diag) {
    wps__w b;
    size_t dummy;
    if (!len) len = &dummy;
    b.buf = NULL;
    b.cap = 0;
    b.len = 0;
    fn(&b, ctx);
    *len = b.len;
    if (!out || b.len > cap) {
        if (diag) diag->needed = b.len;
        return wps__fail(diag, WPS_ERR_BUFFER_TOO_SMALL, NULL, "output buffer too small (see *out_len)", (size_t)-1);
    }
    b.buf = out;
    b.cap = cap;
    b.len = 0;
    fn(&b, ctx);
    return WPS_OK;
}

/* ,"key": (no comma before the first member) */
static void wps__put_member(wps__w *b, int *first, const char *key) {
    if (!*first) wps__put(b, ",", 1);
    *first = 0;
    wps__put(b, "\"", 1);
    wps__puts(b, key);
    wps__put(b, "\":", 2);
}

static void wps__put_connect_result(wps__w *b, const void *ctx) {
    const wps_webhook_connect_result *r = (const wps_webhook_connect_result *)ctx;
    int first = 1;
    wps__put(b, "{", 1);
    if (r->has_mqtt || r->mqtt_user_property_count) {
        wps__put_member(b, &first, "mqtt");
        wps__put(b, "{", 1);
        wps__put_props(b, r->mqtt_user_properties, r->mqtt_user_property_count);
        wps__put(b, "}", 1);
    }
    if (r->user_id.ptr) wps__put_member(b, &first, "userId"), wps__put_jslice(b, r->user_id);
    if (r->group_count) wps__put_member(b, &first, "groups"), wps__put_json_array(b, r->groups, r->group_count);
    if (r->subprotocol.ptr) wps__put_member(b, &first, "subprotocol"), wps__put_jslice(b, r->subprotocol);
    if (r->role_count) wps__put_member(b, &first, "roles"), wps__put_json_array(b, r->roles, r->role_count);
    wps__put(b, "}", 1);
}

WPS_API wps_status wps_webhook_connect_response(const wps_webhook_connect_result *r, char *out, size_t cap, size_t *len, wps_diag *diag) {
    if (diag) wps__diag_clear(diag);
    if (len) *len = 0;
    if (!r || (r->group_count && !r->groups) || (r->role_count && !r->roles) || (r->mqtt_user_property_count && !r->mqtt_user_properties))
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    if (r->subprotocol.ptr && !r->subprotocol.len)
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, "subprotocol", "the subprotocol is one of the requested ones, never empty (leave it out)", (size_t)-1);
    if (!wps__utf8_ok(r->user_id) || !wps__utf8_ok(r->subprotocol) || !wps__slices_utf8(r->groups, r->group_count) ||
        !wps__slices_utf8(r->roles, r->role_count) || !wps__pairs_utf8(r->mqtt_user_properties, r->mqtt_user_property_count))
        return wps__fail(diag, WPS_ERR_UTF8, NULL, "strings must be UTF-8 (and not NULL in arrays)", (size_t)-1);
    return wps__put_emit(wps__put_connect_result, r, out, cap, len, diag);
}

static void wps__put_mqtt_error(wps__w *b, const void *ctx) {
    const wps_webhook_connect_result *r = (const wps_webhook_connect_result *)ctx;
    wps__puts(b, "{\"mqtt\":{\"code\":");
    wps__put_u64(b, r->mqtt_code);
    if (r->mqtt_reason.ptr) {
        wps__puts(b, ",\"reason\":");
        wps__put_jslice(b, r->mqtt_reason);
    }
    if (r->mqtt_user_property_count) {
        wps__put(b, ",", 1);
        wps__put_props(b, r->mqtt_user_properties, r->mqtt_user_property_count);
    }
    wps__puts(b, "}}");
}

WPS_API wps_status wps_webhook_mqtt_error(uint32_t code, wps_slice reason, const wps_webhook_pair *props, size_t count, char *out, size_t cap,
                                          size_t *len, wps_diag *diag) {
    wps_webhook_connect_result r;
    if (diag) wps__diag_clear(diag);
    if (len) *len = 0;
    if (count && !props) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL user properties", (size_t)-1);
    if (!wps__utf8_ok(reason) || !wps__pairs_utf8(props, count)) return wps__fail(diag, WPS_ERR_UTF8, NULL, "strings must be UTF-8", (size_t)-1);
    WPS_MEMSET(&r, 0, sizeof r);
    r.mqtt_code = code;
    r.mqtt_reason = reason;
    r.mqtt_user_properties = props;
    r.mqtt_user_property_count = count;
    return wps__put_emit(wps__put_mqtt_error, &r, out, cap, len, diag);
}

WPS_API uint32_t wps_mqtt_connect_code(uint16_t http_status, uint32_t protocol_version) {
    if (protocol_version >= 5) return http_status == 400 ? 0x86u : http_status == 401 ? 0x87u : 0x80u;
    return http_status == 400 ? 4u : http_status == 401 ? 5u : 3u;
}

WPS_API uint16_t wps_mqtt_http_status(uint32_t code) {
    switch (code) {
    case 1: case 2: return 400;                 /* 3.1.1: unacceptable protocol version, identifier rejected */
    case 3: return 503;                         /* 3.1.1: server unavailable */
    case 4: case 5: case 0x86: case 0x87: return 401; /* bad user name or password, not authorized */
    case 0x8A: return 403;                      /* banned */
    case 0x97: case 0x9F: return 429;           /* quota exceeded, connection rate exceeded */
    case 0x81: case 0x83: case 0x84: case 0x85: case 0x8C: case 0x90: case 0x95: case 0x99: case 0x9A: case 0x9B:
        return 400; /* malformed, implementation specific, unsupported version, client id, bad auth method, topic, packet size, payload, retain, QoS */
    default: return 500;
    }
}

/* ---------------------------------------------------------------- building webhook requests */

static int wps__header_safe(wps_slice s) {
    size_t i;
    for (i = 0; i < s.len; i++)
        if (s.ptr[i] == '\r' || s.ptr[i] == '\n' || s.ptr[i] == 0) return 0;
    return 1;
}

typedef struct wps__whctx {
    const wps_webhook_request_options *o;
} wps__whctx;

/* The built values, one after the other: ce-type, ce-source, ce-signature. */
static void wps__put_webhook_values(wps__w *b, const wps_webhook_request_options *o, size_t *type_len, size_t *source_len) {
    static const char *const sys[] = {"", "connect", "connected", "disconnected"};
    size_t at = b->len, k;
    if (o->kind == WPS_WEBHOOK_USER_EVENT) {
        wps__puts(b, "azure.webpubsub.user.");
        wps__put(b, o->event_name.ptr, o->event_name.len);
    } else {
        wps__puts(b, "azure.webpubsub.sys.");
        wps__puts(b, sys[o->kind]);
    }
    *type_len = b->len - at;
    at = b->len;
    wps__puts(b, "/hubs/");
    wps__put(b, o->hub.ptr, o->hub.len);
    wps__puts(b, "/client/");
    wps__put(b, o->connection_id.ptr, o->connection_id.len);
    *source_len = b->len - at;
    for (k = 0; k < o->key_count; k++) {
        char sig[71];
        if (k) wps__put(b, ",", 1);
        if (b->buf && b->len <= b->cap && 71 <= b->cap - b->len) wps_webhook_signature(o->keys[k], o->connection_id, sig), wps__put(b, sig, 71);
        else b->len = wps__sat_add(b->len, 71);
    }
}

WPS_API wps_status wps_webhook_request_headers(const wps_webhook_request_options *o, wps_http_header *headers, size_t header_cap,
                                               size_t *header_count, char *buf, size_t cap, size_t *needed, wps_diag *diag) {
    const wps_slice opt[] = {o ? o->user_id : wps__slice_lit(""), o ? o->subprotocol : wps__slice_lit(""), o ? o->connection_state : wps__slice_lit(""),
                             o ? o->physical_connection_id : wps__slice_lit(""), o ? o->session_id : wps__slice_lit("")};
    static const char *const opt_names[] = {"ce-userId", "ce-subprotocol", "ce-connectionState", "ce-physicalConnectionId", "ce-sessionId"};
    wps_http_header h[17];
    wps__w b;
    size_t n = 0, i, type_len = 0, source_len = 0, dummy;
    if (!header_count) header_count = &dummy;
    if (!needed) needed = &dummy;
    *header_count = 0;
    *needed = 0;
    if (diag) wps__diag_clear(diag);
    if (!o || (o->key_count && !o->keys)) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    if (o->kind < WPS_WEBHOOK_CONNECT || o->kind > WPS_WEBHOOK_USER_EVENT)
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, "kind", "connect, connected, disconnected or a user event", (size_t)-1);
    if (!wps__hub_ok(o->hub)) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, "hub", "hub names match ^[A-Za-z][A-Za-z0-9_`,.[\\]]{0,127}$", (size_t)-1);
    if (!o->connection_id.ptr || !o->connection_id.len || !o->id.ptr || !o->id.len || !o->time.ptr || !o->time.len || !o->origin.ptr || !o->origin.len)
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "connection id, ce-id, ce-time and origin are required", (size_t)-1);
    if (o->kind == WPS_WEBHOOK_USER_EVENT && (!o->event_name.ptr || !o->event_name.len || (unsigned)o->data_type > (unsigned)WPS_DATA_BINARY))
        return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, "eventName", "a user event needs a name and a JSON, text or binary data type", (size_t)-1);
    {
        const wps_slice all[] = {o->connection_id, o->id, o->time, o->origin, o->event_name, opt[0], opt[1], opt[2], opt[3], opt[4]};
        for (i = 0; i < sizeof all / sizeof all[0]; i++)
            if (!wps__header_safe(all[i]) || !wps__utf8_ok(all[i]))
                return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "header values must be UTF-8 without CR, LF or NUL", (size_t)-1);
    }
    b.buf = NULL;
    b.cap = 0;
    b.len = 0;
    wps__put_webhook_values(&b, o, &type_len, &source_len);
    *needed = b.len;
#define WPS__H(nm, val)                                                                                                                  \
    do {                                                                                                                                \
        h[n].name = wps__slice_lit(nm);                                                                                                 \
        h[n].value = (val);                                                                                                             \
        n++;                                                                                                                            \
    } while (0)
    WPS__H("ce-specversion", wps__slice_lit("1.0"));
    WPS__H("ce-type", wps_slice_make(buf, type_len)); /* buf may be NULL here: then only counted */
    WPS__H("ce-source", wps_slice_make(buf ? buf + type_len : NULL, source_len));
    WPS__H("ce-id", o->id);
    WPS__H("ce-time", o->time);
    WPS__H("ce-awpsversion", wps__slice_lit("1.0"));
    WPS__H("ce-hub", o->hub);
    WPS__H("ce-connectionId", o->connection_id);
    WPS__H("ce-eventName", o->kind == WPS_WEBHOOK_USER_EVENT ? o->event_name
                          : wps__slice_lit(o->kind == WPS_WEBHOOK_CONNECT ? "connect" : o->kind == WPS_WEBHOOK_CONNECTED ? "connected" : "disconnected"));
    for (i = 0; i < 5; i++)
        if (opt[i].ptr) WPS__H(opt_names[i], opt[i]);
    if (o->key_count) WPS__H("ce-signature", wps_slice_make(buf ? buf + type_len + source_len : NULL, b.len - type_len - source_len));
    WPS__H("WebHook-Request-Origin", o->origin);
    WPS__H("Content-Type", wps__slice_lit(o->kind != WPS_WEBHOOK_USER_EVENT        ? "application/json; charset=utf-8"
                                          : o->data_type == WPS_DATA_TEXT   ? "text/plain; charset=utf-8"
                                          : o->data_type == WPS_DATA_BINARY ? "application/octet-stream"
                                                                            : "application/json; charset=utf-8"));
#undef WPS__H
    *header_count = n;
    if (!buf || !headers || b.len > cap || n > header_cap) {
        if (diag) diag->needed = b.len;
        return wps__fail(diag, WPS_ERR_BUFFER_TOO_SMALL, NULL, "buffer or header array too small (see *needed, *header_count)", (size_t)-1);
    }
    b.buf = buf;
    b.cap = cap;
    b.len = 0;
    wps__put_webhook_values(&b, o, &type_len, &source_len);
    for (i = 0; i < n; i++) headers[i] = h[i];
    return WPS_OK;
}

/* ---------------------------------------------------------------- SignalR upstream */

WPS_API wps_status wps_signalr_upstream_accept(const wps_http_header *headers, size_t count, const wps_slice *keys, size_t key_count,
                                               wps_signalr_upstream *out, uint16_t *reject_status, wps_diag *diag) {
    uint16_t dummy;
    if (!reject_status) reject_status = &dummy;
    *reject_status = 400;
    if (diag) wps__diag_clear(diag);
    if (!out || (count && !headers) || (key_count && !keys)) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument", (size_t)-1);
    WPS_MEMSET(out, 0, sizeof *out);
    {
        wps_status st = wps__read_headers(headers, count, wps__header_fields + WPS__CE_HEADERS, WPS__ASRS_HEADERS, out, diag);
        if (st != WPS_OK) return st;
    }
    out->first_claim = wps__header(headers, count, "X-ASRS-User-Claims", &out->claim_headers);
    if (key_count) {
        wps_status st = wps_webhook_verify_signature(out->connection_id, out->signature, keys, key_count, diag);
        if (st != WPS_OK) {
            *reject_status = 401;
            return st;
        }
    }
    *reject_status = 0;
    return WPS_OK;
}


/* ============ >>verify  9. verifying access tokens */

/* base64url without padding into out (cap bytes); returns the length, or (size_t)-1 for a
   character outside the alphabet or an impossible length. */
static size_t wps__b64url_decode(const char *s, size_t n, unsigned char *out, size_t cap) {
    size_t i, o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    if (n % 4 == 1) return (size_t)-1;
    for (i = 0; i < n; i++) {
        char c = s[i];
        unsigned v;
        if (c >= 'A' && c <= 'Z') v = (unsigned)(c - 'A');
        else if (c >= 'a' && c <= 'z') v = (unsigned)(c - 'a') + 26u;
        else if (c >= '0' && c <= '9') v = (unsigned)(c - '0') + 52u;
        else if (c == '-') v = 62;
        else if (c == '_') v = 63;
        else return (size_t)-1;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap) return (size_t)-1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return o;
}

/* A claim that is a string or an array of strings: one entry per string. */
static wps_status wps__wstr_or_array(wps__walk *w, const wps__jval *v, const char *key, wps_slice **arr, size_t *n) {
    if (v->type == WPS__J_ARRAY) return wps__wstrings(w, v, 2, key, arr, n);
    /* a member seen again replaces the first, as JSON.parse does; the first's elements stay behind
       unused, in memory that `need` counted for both */
    *arr = NULL;
    *n = 0;
    if (v->type == WPS__J_NULL) return WPS_OK;
    {
        wps_slice s, *slot;
        WPS__TRY(wps__wstr(w, v, key, &s));
        slot = (wps_slice *)wps__arena_elem(&w->a, arr, *n, sizeof s);
        if (slot && !*n) *arr = slot;
        if (slot) *slot = s;
        ++*n;
    }
    return WPS_OK;
}

static wps_status wps__walk_claims(wps__walk *w, void *vout) {
    wps_token_claims *o = (wps_token_claims *)vout;
    wps_slice *roles = NULL, *groups = NULL;
    wps__jval v;
    int r;
    WPS_MEMSET(o, 0, sizeof *o);
    while ((r = wps__jit_next(&w->j.it, &v)) == 1) {
        if (wps__jkey(&v, "aud") && v.type == WPS__J_ARRAY) { /* several audiences: the first */
            wps__jit ai;
            wps__jval e;
            int re;
            o->aud.ptr = NULL; /* an "aud" given again replaces the first (the last wins, as JSON.parse) */
            o->aud.len = 0;
            WPS__WOPEN(&ai, &v, 2, 0);
            while ((re = wps__jit_next(&ai, &e)) == 1)
                if (!o->aud.ptr) WPS__TRY(wps__wstr(w, &e, "aud", &o->aud));
            if (re < 0) return wps__jerr(&w->j.s);
        } else if (wps__jkey(&v, "aud")) WPS__TRY(wps__wstr(w, &v, "aud", &o->aud));
        else if (wps__jkey(&v, "sub")) WPS__TRY(wps__wstr(w, &v, "sub", &o->sub));
        else if (wps__jkey(&v, "role")) WPS__TRY(wps__wstr_or_array(w, &v, "role", &roles, &o->role_count));
        else if (wps__jkey(&v, "webpubsub.group")) WPS__TRY(wps__wstr_or_array(w, &v, "webpubsub.group", &groups, &o->group_count));
        else if (wps__jkey(&v, "iat") || wps__jkey(&v, "nbf") || wps__jkey(&v, "exp")) {
            uint64_t x = 0;
            const unsigned char *p = v.beg;
            if (v.type != WPS__J_NUMBER || *p == '-')
                return wps__fail(w->j.s.diag, WPS_ERR_TOKEN, "iat/nbf/exp", "a time claim must be a non-negative number", (size_t)-1);
            while (p < v.end && *p >= '0' && *p <= '9' && x < 100000000000000ull) x = x * 10 + (uint64_t)(*p++ - '0');
            if (p < v.end && *p != '.') /* a fraction is ignored; an exponent or 16+ digits are not times */
                return wps__fail(w->j.s.diag, WPS_ERR_TOKEN, "iat/nbf/exp", "a time claim is Unix seconds", (size_t)-1);
            if (v.key.ptr[0] == 'i') o->iat = x;
            else if (v.key.ptr[0] == 'n') o->nbf = x;
            else o->exp = x ? x : 1;
        }
    }
    if (r < 0) return wps__jerr(&w->j.s);
    o->roles = roles;
    o->groups = groups;
    return WPS_OK;
}

WPS_API size_t wps_token_memory_bound(size_t token_len) { return token_len * 8 + 64; }

WPS_API wps_status wps_token_verify(const wps_slice *keys, size_t key_count, const char *token, size_t len, uint64_t now, void *mem,
                                    size_t mem_cap, wps_token_claims *out, wps_diag *diag) {
    const char *dot1, *dot2;
    unsigned char head[256], sig[40], mac[32];
    size_t hn, sn, pn, k, need = 0;
    int match = 0;
    wps_slice alg;
    wps_status st;
    static const char *const hnames[] = {"alg"};
    if (diag) wps__diag_clear(diag);
    if (!out || !token || !keys || !key_count) return wps__fail(diag, WPS_ERR_INVALID_ARGUMENT, NULL, "NULL argument or no key", (size_t)-1);
    WPS_MEMSET(out, 0, sizeof *out);
    for (dot1 = token; dot1 < token + len && *dot1 != '.'; dot1++) {
    }
    for (dot2 = dot1 + (dot1 < token + len); dot2 < token + len && *dot2 != '.'; dot2++) {
    }
    if (dot2 >= token + len) return wps__fail(diag, WPS_ERR_TOKEN, NULL, "a JWT has three '.'-separated parts", (size_t)-1);
    hn = wps__b64url_decode(token, (size_t)(dot1 - token), head, sizeof head);
    if (hn == (size_t)-1) return wps__fail(diag, WPS_ERR_TOKEN, "header", "not base64url, or longer than 256 bytes", (size_t)-1);
    if (wps__jstrings(head, hn, NULL, 0, hnames, &alg, 1, 1u, NULL) != WPS_OK || !(alg.len == 5 && WPS_MEMCMP(alg.ptr, "HS256", 5) == 0))
        return wps__fail(diag, WPS_ERR_TOKEN, "header", "the header must be a JSON object with \"alg\":\"HS256\"", (size_t)-1);
    sn = wps__b64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token), sig, sizeof sig);
    if (sn != 32) return wps__fail(diag, WPS_ERR_TOKEN, "signature", "an HS256 signature is 32 bytes of base64url", (size_t)-1);
    for (k = 0; k < key_count; k++) {
        wps_hmac_sha256(keys[k].ptr, keys[k].ptr ? keys[k].len : 0, token, (size_t)(dot2 - token), mac);
        match |= wps_equal_constant_time(mac, sig, 32);
    }
    if (!match) return wps__fail(diag, WPS_ERR_SIGNATURE, NULL, "the token is not signed with any of the keys", (size_t)-1);
    /* the claims: decoded at the start of mem, then parsed into the rest */
    pn = (size_t)(dot2 - dot1 - 1) / 4 * 3 + 3;
    if (!mem || mem_cap < pn) {
        if (diag) diag->needed = wps_token_memory_bound(len);
        return wps__fail(diag, WPS_ERR_BUFFER_TOO_SMALL, NULL, "memory too small (wps_token_memory_bound)", (size_t)-1);
    }
    pn = wps__b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), (unsigned char *)mem, mem_cap);
    if (pn == (size_t)-1) return wps__fail(diag, WPS_ERR_TOKEN, "claims", "not base64url", (size_t)-1);
    st = wps__one_pass(mem, pn, (char *)mem + pn, mem_cap - pn, out, &need, diag, wps__walk_claims);
    if (st == WPS_ERR_BUFFER_TOO_SMALL) {
        if (diag) diag->needed = pn + need; /* the decoded claims come first */
        return st;
    }
    if (st != WPS_OK) {
        if (diag) diag->status = WPS_ERR_TOKEN;
        return WPS_ERR_TOKEN;
    }
    if (!out->exp) return wps__fail(diag, WPS_ERR_TOKEN, "exp", "the token has no expiry", (size_t)-1);
    if (now >= out->exp) return wps__fail(diag, WPS_ERR_TOKEN_EXPIRED, "exp", "the token has expired", (size_t)-1);
    if (out->nbf && now < out->nbf) return wps__fail(diag, WPS_ERR_TOKEN_EXPIRED, "nbf", "the token is not valid yet", (size_t)-1);
    return WPS_OK;
}

#endif /* WPS_NO_SERVICE */

#ifdef __cplusplus
}
#endif

#endif /* WPS__IMPLEMENTATION_DONE */
#endif /* WPS_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
MIT License

Copyright (c) 2026 The wps.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
*/
