/* wps-emulator core: see emulator_core.h. Everything on the wire goes through wps.h: frames
 * are decoded and encoded by its codec, tokens checked by wps_token_verify, REST routes taken
 * from WPS_REST_OPERATIONS, generated tokens minted by wps_client_access_token. */
#include "emulator_core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ small containers */

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("wps-emulator: out of memory\n", stderr);
        abort();
    }
    return q;
}

static char *xstrndup(const char *s, size_t n) {
    char *d = (char *)xrealloc(NULL, n + 1);
    if (n) memcpy(d, s, n);
    d[n] = 0;
    return d;
}

typedef struct strv {
    char **v;
    size_t n, cap;
} strv;

static int strv_find(const strv *s, const char *x) {
    size_t i;
    for (i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], x)) return (int)i;
    return -1;
}

static void strv_add(strv *s, const char *x, size_t n) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->v = (char **)xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = xstrndup(x, n);
}

static void strv_add_unique(strv *s, const char *x) {
    if (strv_find(s, x) < 0) strv_add(s, x, strlen(x));
}

static int strv_remove(strv *s, const char *x) {
    int i = strv_find(s, x);
    if (i < 0) return 0;
    free(s->v[i]);
    s->v[i] = s->v[--s->n];
    return 1;
}

static void strv_free(strv *s) {
    size_t i;
    for (i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* a growable byte buffer */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_put(sbuf *b, const void *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        while (b->n + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 256;
        b->p = (char *)xrealloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

/* the length of the UTF-8 sequence at s[0..n), 0 when it is not valid UTF-8 (RFC 3629) */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    size_t len, i;
    uint32_t cp;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) len = 2, cp = s[0] & 0x1Fu;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) len = 3, cp = s[0] & 0x0Fu;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) len = 4, cp = s[0] & 0x07u;
    else return 0;
    if (n < len) return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    return len;
}

static int utf8_valid(const char *s, size_t n) {
    size_t i = 0, k;
    while (i < n) {
        if (!(k = utf8_seq((const unsigned char *)s + i, n - i))) return 0;
        i += k;
    }
    return 1;
}

/* a JSON string of s[0..n): escapes, and U+FFFD for bytes that are not UTF-8 */
static void sb_jstr(sbuf *b, const char *s, size_t n) {
    size_t i = 0, k;
    sb_put(b, "\"", 1);
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        char e[8];
        if (c == '"' || c == '\\') e[0] = '\\', e[1] = (char)c, sb_put(b, e, 2), i++;
        else if (c < 0x20) snprintf(e, sizeof e, "\\u%04x", c), sb_put(b, e, 6), i++;
        else if ((k = utf8_seq((const unsigned char *)s + i, n - i)) != 0) sb_put(b, s + i, k), i += k;
        else sb_put(b, "\\ufffd", 6), i++;
    }
    sb_put(b, "\"", 1);
}

/* a close or disconnected reason: valid UTF-8 ('?' for other bytes), at most max bytes, cut
   between characters (a WebSocket close reason has at most 123) */
static char *clean_reason(const char *s, size_t max) {
    size_t n = strlen(s), i = 0, o = 0, k;
    char *r = (char *)xrealloc(NULL, (n < max ? n : max) + 1);
    while (i < n) {
        k = utf8_seq((const unsigned char *)s + i, n - i);
        if (o + (k ? k : 1) > max) break;
        if (k) memcpy(r + o, s + i, k), o += k, i += k;
        else r[o++] = '?', i++;
    }
    r[o] = 0;
    return r;
}

/* a set of ackIds (open addressing; 0 is stored as a flag) */
typedef struct idset {
    uint64_t *v;
    size_t n, cap;
    int has_zero;
} idset;

static int idset_insert(idset *s, uint64_t x) { /* 1 if new */
    size_t i;
    if (x == 0) {
        if (s->has_zero) return 0;
        return s->has_zero = 1;
    }
    if ((s->n + 1) * 2 > s->cap) {
        idset t;
        size_t k;
        t.cap = s->cap ? s->cap * 2 : 64;
        t.v = (uint64_t *)xrealloc(NULL, t.cap * sizeof *t.v);
        memset(t.v, 0, t.cap * sizeof *t.v);
        t.n = 0;
        t.has_zero = s->has_zero;
        for (k = 0; k < s->cap; k++)
            if (s->v[k]) idset_insert(&t, s->v[k]);
        free(s->v);
        *s = t;
    }
    for (i = (size_t)(x * 0x9E3779B97F4A7C15ull) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->v[i] == x) return 0;
        if (!s->v[i]) {
            s->v[i] = x;
            s->n++;
            return 1;
        }
    }
}

static int idset_contains(const idset *s, uint64_t x) {
    size_t i;
    if (x == 0) return s->has_zero;
    if (!s->cap) return 0;
    for (i = (size_t)(x * 0x9E3779B97F4A7C15ull) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->v[i] == x) return 1;
        if (!s->v[i]) return 0;
    }
}

/* ------------------------------------------------------------------ the model */

enum { CONN_UPGRADED, CONN_OPEN, CONN_DETACHED, CONN_DOOMED, CONN_CLOSING };

typedef struct pending {
    uint64_t seq;
    char *frame;
    size_t len;
} pending;

struct emu_conn {
    emu_conn *next, *prev;
    char id[40];
    char token[40];
    char *hub;
    char *user; /* NULL: anonymous */
    strv roles, groups, perms;
    int protocol; /* wps_protocol, or -1 for a simple WebSocket client */
    int reliable;
    int state;
    int recovery; /* this upgrade recovers the session of target */
    int forward;  /* a recovered placeholder: its socket now carries target's session */
    emu_conn *target;
    void *socket;
    uint64_t detached_at;
    uint64_t next_seq;
    pending *q;
    size_t qn, qcap;
    uint64_t qbytes;
    idset acks;
    char doom_reason[96];
    /* upstream events */
    char *subprotocol;       /* the selected subprotocol ("" or NULL: none) */
    char *conn_state;        /* ce-connectionState set by a handler, or NULL */
    char *end_reason;        /* the disconnected event's reason */
    uint64_t event_seq;      /* ce-id */
    int connect_accepted;    /* a connect event (or none configured) let it in: disconnected is due */
    uint16_t peer_code;      /* the close code the client sent on this socket, 0: none (yet) */
    uint64_t outage_until;   /* fault injection: recoveries answered 503 until then */
};

typedef struct user_groups {
    char *hub, *user;
    strv groups;
} user_groups;

struct emu {
    emu_config cfg;
    emu_host host;
    emu_faults faults;
    char *cstr;
    wps_connection_string cs;
    wps_slice key;
    strv hubs;
    emu_conn *conns;
    user_groups *ug;
    size_t ug_n, ug_cap;
    uint64_t counter, rng;
    emu_stats stats;
    char origin[256];        /* WebHook-Request-Origin: the endpoint's host */
    strv preflight_ok;       /* handler URLs validated (abuse protection) */
    struct held_ack *held;   /* acks held back by the ack_delay_ms fault, oldest first */
    uint64_t now;            /* the time of the input being handled */
};

/* an encoded ack waiting for its time (fault injection) */
typedef struct held_ack {
    struct held_ack *next;
    char conn_id[40];
    uint64_t due;
    size_t len;
    char frame[1];
} held_ack;

static void logf_(emu *e, const char *fmt, ...) {
    char line[512];
    va_list ap;
    if (!e->host.log) return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    e->host.log(e->host.ctx, line);
}

static uint64_t rnd(emu *e) {
    e->rng ^= e->rng << 13;
    e->rng ^= e->rng >> 7;
    e->rng ^= e->rng << 17;
    return e->rng;
}

emu *emu_new(const emu_config *cfg, const emu_host *host, char *error, size_t error_cap) {
    emu *e = (emu *)xrealloc(NULL, sizeof *e);
    wps_diag d;
    size_t i;
    memset(e, 0, sizeof *e);
    e->cfg = *cfg;
    e->host = *host;
    if (!e->cfg.recovery_window_ms) e->cfg.recovery_window_ms = 30000;
    if (!e->cfg.max_unacked_messages) e->cfg.max_unacked_messages = 1000;
    if (!e->cfg.max_unacked_bytes) e->cfg.max_unacked_bytes = 16u * 1024u * 1024u;
    e->cstr = xstrndup(cfg->connection_string, strlen(cfg->connection_string));
    if (wps_connection_string_parse(e->cstr, strlen(e->cstr), &e->cs, &d) != WPS_OK) {
        snprintf(error, error_cap, "connection string: %s", d.reason);
        free(e->cstr);
        free(e);
        return NULL;
    }
    e->key = e->cs.access_key;
    for (i = 0; i < cfg->hub_count; i++) {
        char *h = xstrndup(cfg->hubs[i], strlen(cfg->hubs[i]));
        char *p;
        for (p = h; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        strv_add_unique(&e->hubs, h);
        free(h);
    }
    e->rng = cfg->seed ? cfg->seed : 0x2545F4914F6CDD1Dull;
    { /* the origin of webhook requests: the endpoint's host */
        const char *h = e->cs.endpoint.ptr, *end = h + e->cs.endpoint.len, *s = h;
        while (s + 2 < end && !(s[0] == '/' && s[1] == '/')) s++;
        if (s + 2 < end) s += 2;
        else s = h;
        for (i = 0; s + i < end && s[i] != '/' && s[i] != ':' && i + 1 < sizeof e->origin; i++) e->origin[i] = s[i];
        e->origin[i] = 0;
    }
    return e;
}

static void conn_free(emu_conn *c) {
    size_t i;
    free(c->subprotocol);
    free(c->conn_state);
    free(c->end_reason);
    free(c->hub);
    free(c->user);
    strv_free(&c->roles);
    strv_free(&c->groups);
    strv_free(&c->perms);
    for (i = 0; i < c->qn; i++) free(c->q[i].frame);
    free(c->q);
    free(c->acks.v);
    free(c);
}

static void conn_unlink(emu *e, emu_conn *c) {
    emu_conn *o;
    for (o = e->conns; o; o = o->next)
        if (o->target == c) o->target = NULL, o->forward = 0;
    if (c->prev) c->prev->next = c->next;
    else if (e->conns == c) e->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    c->next = c->prev = NULL;
}

void emu_free(emu *e) {
    size_t i;
    if (!e) return;
    while (e->conns) {
        emu_conn *c = e->conns;
        conn_unlink(e, c);
        conn_free(c);
    }
    for (i = 0; i < e->ug_n; i++) free(e->ug[i].hub), free(e->ug[i].user), strv_free(&e->ug[i].groups);
    free(e->ug);
    strv_free(&e->hubs);
    strv_free(&e->preflight_ok);
    while (e->held) {
        held_ack *h = e->held;
        e->held = h->next;
        free(h);
    }
    free(e->cstr);
    free(e);
}

emu_faults *emu_faults_of(emu *e) { return &e->faults; }
emu_stats emu_stats_of(const emu *e) { return e->stats; }

static user_groups *ug_find(emu *e, const char *hub, const char *user, int create) {
    size_t i;
    for (i = 0; i < e->ug_n; i++)
        if (!strcmp(e->ug[i].hub, hub) && !strcmp(e->ug[i].user, user)) return &e->ug[i];
    if (!create) return NULL;
    if (e->ug_n == e->ug_cap) {
        e->ug_cap = e->ug_cap ? e->ug_cap * 2 : 8;
        e->ug = (user_groups *)xrealloc(e->ug, e->ug_cap * sizeof *e->ug);
    }
    memset(&e->ug[e->ug_n], 0, sizeof e->ug[0]);
    e->ug[e->ug_n].hub = xstrndup(hub, strlen(hub));
    e->ug[e->ug_n].user = xstrndup(user, strlen(user));
    return &e->ug[e->ug_n++];
}

/* ------------------------------------------------------------------ text helpers */

static int hexval(int c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* percent-decodes s[0..n) ('+' is a space in queries only) into a new string */
static char *pct_decode(const char *s, size_t n, int plus) {
    char *d = (char *)xrealloc(NULL, n + 1);
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            d[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else if (plus && s[i] == '+') {
            d[o++] = ' ';
        } else {
            d[o++] = s[i];
        }
    }
    d[o] = 0;
    return d;
}

/* the decoded values of query parameter name, in order */
static void query_values(const char *q, const char *name, strv *out) {
    size_t nl = strlen(name);
    while (q && *q) {
        const char *amp = strchr(q, '&'), *end = amp ? amp : q + strlen(q), *eq = (const char *)memchr(q, '=', (size_t)(end - q));
        if (eq && (size_t)(eq - q) == nl && !strncmp(q, name, nl)) {
            char *v = pct_decode(eq + 1, (size_t)(end - eq - 1), 1);
            strv_add(out, v, strlen(v));
            free(v);
        }
        q = amp ? amp + 1 : NULL;
    }
}

static char *query_value(const char *q, const char *name) {
    strv v = {0};
    char *r = NULL;
    query_values(q, name, &v);
    if (v.n) r = xstrndup(v.v[0], strlen(v.v[0]));
    strv_free(&v);
    return r;
}

/* the next non-empty item of a comma-separated list, spaces and tabs trimmed; 0 at the end */
static int list_next(const char **s, const char **item, size_t *len) {
    const char *p = *s;
    while (p && *p) {
        const char *end = strchr(p, ','), *a = p;
        size_t n;
        if (!end) end = p + strlen(p);
        while (a < end && (*a == ' ' || *a == '\t')) a++;
        n = (size_t)(end - a);
        while (n && (a[n - 1] == ' ' || a[n - 1] == '\t')) n--;
        p = *end ? end + 1 : end;
        if (n) {
            *s = p;
            *item = a;
            *len = n;
            return 1;
        }
    }
    *s = p;
    return 0;
}

static int ieqn(const char *a, const char *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        int x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return 0;
    }
    return 1;
}

static int ieq(const char *a, const char *b) {
    size_t n = strlen(a);
    return n == strlen(b) && ieqn(a, b, n);
}

static void lower(char *s) {
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
}

static int hub_served(emu *e, const char *hub_lower) { return !e->hubs.n || strv_find(&e->hubs, hub_lower) >= 0; }

static int hub_name_ok(const char *h) {
    size_t i, n = strlen(h);
    if (!n || n > 128 || !((h[0] >= 'A' && h[0] <= 'Z') || (h[0] >= 'a' && h[0] <= 'z'))) return 0;
    for (i = 1; i < n; i++)
        if (!((h[i] >= 'A' && h[i] <= 'Z') || (h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') || strchr("_`,.[]", h[i]))) return 0;
    return 1;
}

/* The path of a URL (after scheme://host), or the string itself when it has no scheme. */
static const char *url_path(const char *u) {
    const char *p = strstr(u, "://");
    if (!p) return u;
    p = strchr(p + 3, '/');
    return p ? p : "";
}

/* ------------------------------------------------------------------ roles */

/* A wildcard group pattern of webpubsub.*Groups.<pattern> (docs/service-rules.md 5): '?' one char but '.',
   '*' any run without '.', '**' anything, '\' escapes. Memoized over (pattern, string)
   positions, so a hostile pattern cannot take exponential time. */
static int wild_at(const char *p, size_t pi, size_t pn, const char *s, size_t si, size_t sn, unsigned char *memo) {
    unsigned char *m = &memo[pi * (sn + 1) + si];
    int r;
    if (*m) return *m - 1;
    if (pi == pn) r = si == sn;
    else if (p[pi] == '*' && pi + 1 < pn && p[pi + 1] == '*') /* '**': skip it, or eat one character */
        r = wild_at(p, pi + 2, pn, s, si, sn, memo) || (si < sn && wild_at(p, pi, pn, s, si + 1, sn, memo));
    else if (p[pi] == '*')
        r = wild_at(p, pi + 1, pn, s, si, sn, memo) || (si < sn && s[si] != '.' && wild_at(p, pi, pn, s, si + 1, sn, memo));
    else if (p[pi] == '?')
        r = si < sn && s[si] != '.' && wild_at(p, pi + 1, pn, s, si + 1, sn, memo);
    else {
        size_t k = p[pi] == '\\' && pi + 1 < pn ? pi + 1 : pi;
        r = si < sn && p[k] == s[si] && wild_at(p, k + 1, pn, s, si + 1, sn, memo);
    }
    *m = (unsigned char)(r + 1);
    return r;
}

static int wild(const char *p, const char *s) {
    size_t pn = strlen(p), sn = strlen(s);
    unsigned char *memo;
    int r;
    if (pn > 2048 || sn > 2048) return 0; /* longer than any valid role or group */
    memo = (unsigned char *)xrealloc(NULL, (pn + 1) * (sn + 1));
    memset(memo, 0, (pn + 1) * (sn + 1));
    r = wild_at(p, 0, pn, s, 0, sn, memo);
    free(memo);
    return r;
}

/* "perm:group" (group NULL: every group), as REST grants are kept */
static char *grant_key(const char *perm, const char *group) {
    size_t pl = strlen(perm), gl = group ? strlen(group) : 0;
    char *k = (char *)xrealloc(NULL, pl + gl + 2);
    memcpy(k, perm, pl);
    k[pl] = ':';
    if (gl) memcpy(k + pl + 1, group, gl);
    k[pl + 1 + gl] = 0;
    return k;
}

/* Does the connection hold permission perm ("joinLeaveGroup" / "sendToGroup") for group? */
static int allowed(const emu_conn *c, const char *perm, const char *group) {
    size_t i, pl = strlen(perm);
    char *grant;
    int ok;
    for (i = 0; i < c->roles.n; i++) {
        const char *r = c->roles.v[i];
        if (strncmp(r, "webpubsub.", 10) != 0 || strncmp(r + 10, perm, pl) != 0) continue;
        r += 10 + pl;
        if (!*r) return 1;                                /* webpubsub.sendToGroup */
        if (*r == '.' && !strcmp(r + 1, group)) return 1; /* webpubsub.sendToGroup.<group> */
        if (*r == 's' && r[1] == '.' && wild(r + 2, group)) return 1; /* webpubsub.sendToGroups.<pattern> */
    }
    grant = grant_key(perm, NULL); /* REST-granted permissions */
    ok = strv_find(&c->perms, grant) >= 0;
    free(grant);
    if (ok) return 1;
    grant = grant_key(perm, group);
    ok = strv_find(&c->perms, grant) >= 0;
    free(grant);
    return ok;
}

/* ------------------------------------------------------------------ sending */

static void send_raw(emu *e, emu_conn *c, const void *data, size_t len, int is_text) {
    if (c->state != CONN_OPEN || !c->socket) return;
    e->stats.messages_out++;
    e->host.send(e->host.ctx, c, c->socket, data, len, is_text);
}

/* encodes m for the connection's protocol and sends it */
static void send_msg(emu *e, emu_conn *c, const wps_message *m) {
    wps_codec codec = wps_codec_make((wps_protocol)c->protocol, WPS_DOWNSTREAM);
    size_t n = 0;
    char stackbuf[2048], *buf = stackbuf;
    wps_status st = wps_encode(&codec, m, buf, sizeof stackbuf, &n, NULL);
    if (st == WPS_ERR_BUFFER_TOO_SMALL) {
        buf = (char *)xrealloc(NULL, n);
        st = wps_encode(&codec, m, buf, n, &n, NULL);
    }
    if (st == WPS_OK) send_raw(e, c, buf, n, !wps_protocol_is_binary((wps_protocol)c->protocol));
    else logf_(e, "encode failed for %s: %s", c->id, wps_status_name(st));
    if (buf != stackbuf) free(buf);
}

static void conn_close(emu *e, emu_conn *c, uint16_t code, const char *reason, int with_disconnected) {
    char *full = clean_reason(reason ? reason : "", 4096), *cut = clean_reason(reason ? reason : "", 123);
    if (!c->end_reason) c->end_reason = xstrndup(full, strlen(full));
    if (c->state == CONN_OPEN && with_disconnected && c->protocol >= 0) {
        wps_message m;
        wps_message_init(&m, WPS_KIND_DISCONNECTED);
        m.message = wps_slice_from_cstr(full);
        send_msg(e, c, &m);
    }
    if (c->socket && (c->state == CONN_OPEN || c->state == CONN_DOOMED)) {
        c->state = CONN_CLOSING;
        e->host.close(e->host.ctx, c, c->socket, code, cut);
    } else if (c->state == CONN_DETACHED) {
        c->state = CONN_CLOSING; /* no socket: forgotten at the next tick */
    }
    free(full);
    free(cut);
}

/* A data message to one connection: a group message (group != NULL; from_user NULL for a REST
   group send, which has no sender: no fromUserId) or a server message. */
static void deliver(emu *e, emu_conn *c, const char *group, const char *from_user, wps_data_type dt, const char *data, size_t len) {
    wps_message m;
    if (c->state != CONN_OPEN && !(c->state == CONN_DETACHED && c->reliable)) return;
    if (c->protocol < 0) { /* a simple WebSocket client gets the raw payload (text frames must be UTF-8) */
        send_raw(e, c, data, len, dt != WPS_DATA_BINARY && dt != WPS_DATA_PROTOBUF && utf8_valid(data, len));
        return;
    }
    wps_message_init(&m, group ? WPS_KIND_GROUP_DATA : WPS_KIND_SERVER_DATA);
    if (group) m.group = wps_slice_from_cstr(group);
    if (from_user) m.from_user_id = wps_slice_from_cstr(from_user);
    m.has |= WPS_HAS_DATA;
    m.data_type = dt;
    m.data = wps_slice_make(data, len);
    if (c->reliable) {
        wps_codec codec = wps_codec_make((wps_protocol)c->protocol, WPS_DOWNSTREAM);
        size_t n = 0;
        pending *p;
        m.has |= WPS_HAS_SEQUENCE_ID;
        m.sequence_id = c->next_seq + 1;
        if (wps_encode(&codec, &m, NULL, 0, &n, NULL) != WPS_ERR_BUFFER_TOO_SMALL) { /* no gap in the sequence for it */
            logf_(e, "connection %s: a message that cannot be encoded is not delivered", c->id);
            return;
        }
        c->next_seq++;
        if (c->qn == c->qcap) {
            c->qcap = c->qcap ? c->qcap * 2 : 16;
            c->q = (pending *)xrealloc(c->q, c->qcap * sizeof *c->q);
        }
        p = &c->q[c->qn++];
        p->seq = m.sequence_id;
        p->frame = (char *)xrealloc(NULL, n);
        wps_encode(&codec, &m, p->frame, n, &p->len, NULL);
        c->qbytes += p->len;
        if (c->qn > e->cfg.max_unacked_messages || c->qbytes > e->cfg.max_unacked_bytes) {
            logf_(e, "connection %s: %u unacked messages (%llu bytes): the session ends", c->id, (unsigned)c->qn, (unsigned long long)c->qbytes);
            conn_close(e, c, 1008, "The unacknowledged message queue is full.", 1);
            return;
        }
        if (c->state == CONN_OPEN) send_raw(e, c, p->frame, p->len, !wps_protocol_is_binary((wps_protocol)c->protocol));
        return;
    }
    send_msg(e, c, &m);
}

static void send_ack(emu *e, emu_conn *c, uint64_t ack_id, const char *error, const char *message) {
    wps_message m;
    wps_message_init(&m, WPS_KIND_ACK);
    m.has |= WPS_HAS_ACK_ID | WPS_HAS_SUCCESS;
    m.ack_id = ack_id;
    /* an ackId is remembered once its message was processed (a refused one was not: its retry
       with the same ackId is refused again rather than answered Duplicate) */
    if (!error) {
        /* remembered for the last ~64k processed messages: a long-lived publisher does not grow
           the set without end (the JS client gives every send an ackId) */
        if (c->acks.n >= 65536) {
            free(c->acks.v);
            memset(&c->acks, 0, sizeof c->acks);
        }
        idset_insert(&c->acks, ack_id);
    }
    m.success = error == NULL;
    if (error) {
        m.has |= WPS_HAS_ERROR;
        m.error.name = wps_slice_from_cstr(error);
        m.error.message = wps_slice_from_cstr(message ? message : "");
    }
    if (e->faults.ack_delay_ms && c->protocol >= 0) { /* held back: sent by emu_tick when due */
        wps_codec codec = wps_codec_make((wps_protocol)c->protocol, WPS_DOWNSTREAM);
        size_t n = 0;
        held_ack *h, **tail = &e->held;
        if (wps_encode(&codec, &m, NULL, 0, &n, NULL) != WPS_ERR_BUFFER_TOO_SMALL) return;
        h = (held_ack *)xrealloc(NULL, sizeof *h + n);
        memset(h, 0, sizeof *h);
        snprintf(h->conn_id, sizeof h->conn_id, "%s", c->id);
        h->due = e->now + e->faults.ack_delay_ms;
        wps_encode(&codec, &m, h->frame, n, &h->len, NULL);
        while (*tail) tail = &(*tail)->next;
        *tail = h;
        return;
    }
    send_msg(e, c, &m);
}

/* ------------------------------------------------------------------ upstream events (webhooks) */

/* name in a comma-separated list ("*" matches every name) */
static int list_has(const char *list, const char *name) {
    size_t n = strlen(name), len;
    const char *s = list, *item;
    while (list_next(&s, &item, &len))
        if ((len == 1 && *item == '*') || (len == n && !strncmp(item, name, n))) return 1;
    return 0;
}

static const emu_event_handler *handler_for(const emu *e, const char *hub, const char *event, int system) {
    size_t i;
    if (!e->host.webhook) return NULL;
    for (i = 0; i < e->cfg.event_handler_count; i++) {
        const emu_event_handler *h = &e->cfg.event_handlers[i];
        if (strcmp(h->hub, "*") && !ieq(h->hub, hub)) continue;
        if (system ? list_has(h->system_events, event) && strcmp(event, "*") : list_has(h->user_events, event)) return h;
    }
    return NULL;
}

/* the URL template with {hub} and {event} replaced */
static char *expand_url(const char *tmpl, const char *hub, const char *event) {
    sbuf b = {0};
    const char *s;
    for (s = tmpl; *s; s++) {
        const char *v = !strncmp(s, "{hub}", 5) ? hub : !strncmp(s, "{event}", 7) ? event : NULL;
        if (v) { /* a path segment: percent-encoded */
            size_t n = wps_percent_encode(v, strlen(v), NULL, 0);
            char *enc = (char *)xrealloc(NULL, n + 1);
            wps_percent_encode(v, strlen(v), enc, n);
            sb_put(&b, enc, n);
            free(enc);
            s += v == hub ? 4 : 6;
        } else {
            sb_put(&b, s, 1);
        }
    }
    sb_put(&b, "", 0);
    return b.p;
}

static void webhook_response_free(emu_webhook_response *r) {
    free(r->body);
    free(r->connection_state);
    memset(r, 0, sizeof *r);
}

/* abuse protection, once per URL: OPTIONS with WebHook-Request-Origin; the handler must allow
   the origin (or *) with a 200 */
static int preflight(emu *e, const char *url) {
    emu_webhook_request rq;
    emu_webhook_response rs;
    wps_http_header h[2];
    int ok;
    if (strv_find(&e->preflight_ok, url) >= 0) return 1;
    if (e->preflight_ok.n >= 1024) strv_free(&e->preflight_ok); /* {event} URLs: bounded */
    memset(&rq, 0, sizeof rq);
    memset(&rs, 0, sizeof rs);
    h[0].name = wps_slice_from_cstr("WebHook-Request-Origin");
    h[0].value = wps_slice_from_cstr(e->origin);
    h[1].name = wps_slice_from_cstr("ce-awpsversion"); /* the JS handler answers preflights only with it */
    h[1].value = wps_slice_from_cstr("1.0");
    rq.method = "OPTIONS";
    rq.url = url;
    rq.headers = h;
    rq.header_count = 2;
    if (e->host.webhook(e->host.ctx, &rq, &rs) != 0) {
        logf_(e, "event handler %s: unreachable (abuse-protection preflight)", url);
        return 0; /* retried with the next event */
    }
    ok = rs.status == 200 && (!strcmp(rs.allowed_origin, "*") || strstr(rs.allowed_origin, e->origin) != NULL);
    if (ok) strv_add_unique(&e->preflight_ok, url);
    else /* not remembered: the next event asks again (a handler may still be starting) */
        logf_(e, "event handler %s: abuse-protection validation failed (status %d, WebHook-Allowed-Origin \"%s\"): the event is not sent",
              url, rs.status, rs.allowed_origin);
    webhook_response_free(&rs);
    return ok;
}

/* POSTs one event for c. Returns the handler's status with *resp filled (free it), 0 when no
   handler takes this event, -1 when it could not be delivered, -2 when no request can carry it
   (an event name with CR/LF). */
static int post_event(emu *e, emu_conn *c, wps_webhook_kind kind, const char *event, wps_data_type dt, const void *body, size_t len,
                      uint64_t now_ms, emu_webhook_response *resp) {
    const emu_event_handler *h = handler_for(e, c->hub, event, kind != WPS_WEBHOOK_USER_EVENT);
    wps_webhook_request_options o;
    wps_http_header hdr[24];
    size_t nh = 0, need = 0;
    char stackbuf[1024], *buf = stackbuf, id[32], when[32], *url;
    emu_webhook_request rq;
    wps_diag d;
    wps_status st;
    time_t secs = (time_t)(now_ms / 1000u);
    struct tm *tm = gmtime(&secs);
    int rc = -1;
    memset(resp, 0, sizeof *resp);
    if (!h) return 0;
    url = expand_url(h->url_template, c->hub, event);
    if (!preflight(e, url)) goto done;
    memset(&o, 0, sizeof o);
    o.kind = kind;
    o.event_name = wps_slice_from_cstr(event);
    o.hub = wps_slice_from_cstr(c->hub);
    o.connection_id = wps_slice_from_cstr(c->id);
    if (c->user) o.user_id = wps_slice_from_cstr(c->user);
    if (c->subprotocol && c->subprotocol[0]) o.subprotocol = wps_slice_from_cstr(c->subprotocol);
    if (c->conn_state) o.connection_state = wps_slice_from_cstr(c->conn_state);
    snprintf(id, sizeof id, "%llu", (unsigned long long)++c->event_seq);
    o.id = wps_slice_from_cstr(id);
    if (!tm || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", tm)) snprintf(when, sizeof when, "1970-01-01T00:00:00Z");
    o.time = wps_slice_from_cstr(when);
    o.origin = wps_slice_from_cstr(e->origin);
    o.keys = &e->key;
    o.key_count = 1;
    o.data_type = dt;
    st = wps_webhook_request_headers(&o, hdr, sizeof hdr / sizeof hdr[0], &nh, buf, sizeof stackbuf, &need, &d);
    if (st == WPS_ERR_BUFFER_TOO_SMALL && need > sizeof stackbuf) { /* a long event name */
        buf = (char *)xrealloc(NULL, need);
        st = wps_webhook_request_headers(&o, hdr, sizeof hdr / sizeof hdr[0], &nh, buf, need, &need, &d);
    }
    if (st != WPS_OK) {
        logf_(e, "connection %s: an event named %.64s cannot be sent to a handler: %s", c->id, event, d.reason);
        rc = -2;
        goto done;
    }
    memset(&rq, 0, sizeof rq);
    rq.method = "POST";
    rq.url = url;
    rq.headers = hdr;
    rq.header_count = nh;
    rq.body = body;
    rq.body_len = len;
    e->stats.webhooks++;
    if (e->host.webhook(e->host.ctx, &rq, resp) != 0) {
        logf_(e, "connection %s: %s event: the handler %s cannot be reached", c->id, event, url);
        memset(resp, 0, sizeof *resp);
        goto done;
    }
    rc = resp->status;
    if (rc < 100 || rc > 599) { /* not an HTTP answer */
        logf_(e, "connection %s: %s event: the handler's answer has no valid status", c->id, event);
        webhook_response_free(resp);
        rc = -1;
        goto done;
    }
    if (rc < 200 || rc > 299) logf_(e, "connection %s: %s event: the handler answered %d", c->id, event, rc);
    /* blocking events may set the connection state */
    if ((kind == WPS_WEBHOOK_CONNECT || kind == WPS_WEBHOOK_USER_EVENT) && rc >= 200 && rc <= 299 && resp->connection_state) {
        free(c->conn_state);
        c->conn_state = resp->connection_state[0] ? xstrndup(resp->connection_state, strlen(resp->connection_state)) : NULL;
    }
done:
    if (buf != stackbuf) free(buf);
    free(url);
    return rc;
}

/* {"name":["v",..],..} of a query string (every parameter, decoded) */
static void sb_query_map(sbuf *b, const char *q) {
    strv names = {0};
    const char *s;
    size_t i, k;
    sb_put(b, "{", 1);
    for (s = q; s && *s;) {
        const char *amp = strchr(s, '&'), *stop = amp ? amp : s + strlen(s), *eq = (const char *)memchr(s, '=', (size_t)(stop - s));
        char *name = pct_decode(s, (size_t)((eq ? eq : stop) - s), 1);
        if (name[0]) strv_add_unique(&names, name);
        free(name);
        s = amp ? amp + 1 : NULL;
    }
    for (i = 0; i < names.n; i++) {
        strv vals = {0};
        query_values(q, names.v[i], &vals);
        if (i) sb_put(b, ",", 1);
        sb_jstr(b, names.v[i], strlen(names.v[i]));
        sb_put(b, ":[", 2);
        for (k = 0; k < vals.n; k++) {
            if (k) sb_put(b, ",", 1);
            sb_jstr(b, vals.v[k], strlen(vals.v[k]));
        }
        sb_put(b, "]", 1);
        strv_free(&vals);
    }
    sb_put(b, "}", 1);
    strv_free(&names);
}

static void sb_claim(sbuf *b, int *first, const char *name, const wps_slice *v, size_t n) {
    size_t i;
    if (!n) return;
    if (!*first) sb_put(b, ",", 1);
    *first = 0;
    sb_jstr(b, name, strlen(name));
    sb_put(b, ":[", 2);
    for (i = 0; i < n; i++) {
        if (i) sb_put(b, ",", 1);
        sb_jstr(b, v[i].ptr ? v[i].ptr : "", v[i].len);
    }
    sb_put(b, "]", 1);
}

/* the connect event's body: claims, query, headers, subprotocols, clientCertificates */
static char *connect_body(const emu_upgrade *u, const char *q, const wps_token_claims *cl, size_t *len) {
    sbuf b = {0};
    int first = 1;
    size_t i, k;
    char num[3][24];
    wps_slice nums[3];
    sb_str(&b, "{\"claims\":{");
    sb_claim(&b, &first, "aud", &cl->aud, cl->aud.ptr ? 1 : 0);
    sb_claim(&b, &first, "sub", &cl->sub, cl->sub.ptr ? 1 : 0);
    snprintf(num[0], sizeof num[0], "%llu", (unsigned long long)cl->iat);
    snprintf(num[1], sizeof num[1], "%llu", (unsigned long long)cl->nbf);
    snprintf(num[2], sizeof num[2], "%llu", (unsigned long long)cl->exp);
    for (i = 0; i < 3; i++) nums[i] = wps_slice_from_cstr(num[i]);
    sb_claim(&b, &first, "iat", &nums[0], cl->iat ? 1 : 0);
    sb_claim(&b, &first, "nbf", &nums[1], cl->nbf ? 1 : 0);
    sb_claim(&b, &first, "exp", &nums[2], cl->exp ? 1 : 0);
    sb_claim(&b, &first, "role", cl->roles, cl->role_count);
    sb_claim(&b, &first, "webpubsub.group", cl->groups, cl->group_count);
    sb_str(&b, "},\"query\":");
    sb_query_map(&b, q);
    sb_str(&b, ",\"headers\":{");
    for (i = 0; i < u->header_count; i++) { /* one member per name, its values in order */
        int seen = 0;
        for (k = 0; k < i && !seen; k++)
            seen = u->headers[k].name.len == u->headers[i].name.len && ieqn(u->headers[k].name.ptr, u->headers[i].name.ptr, u->headers[i].name.len);
        if (seen) continue;
        if (i) sb_put(&b, ",", 1);
        sb_jstr(&b, u->headers[i].name.ptr, u->headers[i].name.len);
        sb_put(&b, ":[", 2);
        for (k = i; k < u->header_count; k++) {
            if (u->headers[k].name.len != u->headers[i].name.len || !ieqn(u->headers[k].name.ptr, u->headers[i].name.ptr, u->headers[i].name.len)) continue;
            if (k != i) sb_put(&b, ",", 1);
            sb_jstr(&b, u->headers[k].value.ptr, u->headers[k].value.len);
        }
        sb_put(&b, "]", 1);
    }
    sb_str(&b, "},\"subprotocols\":[");
    {
        const char *s = u->subprotocols, *item;
        size_t l;
        int n = 0;
        while (list_next(&s, &item, &l)) {
            if (n++) sb_put(&b, ",", 1);
            sb_jstr(&b, item, l);
        }
    }
    sb_str(&b, "],\"clientCertificates\":[]}");
    *len = b.n;
    return b.p;
}

/* ------------------------------------------------------------------ connections */

static emu_conn *find_conn(emu *e, const char *id) {
    emu_conn *c;
    for (c = e->conns; c; c = c->next)
        if (!strcmp(c->id, id) && c->state != CONN_DOOMED && !c->recovery) return c;
    return NULL;
}

static emu_conn *new_conn(emu *e) {
    emu_conn *c = (emu_conn *)xrealloc(NULL, sizeof *c);
    memset(c, 0, sizeof *c);
    c->next = e->conns;
    if (e->conns) e->conns->prev = c;
    e->conns = c;
    return c;
}

static void join(emu_conn *c, const char *group) { strv_add_unique(&c->groups, group); }

/* the subprotocol chosen from the header: the first predefined JSON one offered */
static int pick_protocol(const char *header, char *name, size_t cap) {
    const char *p = header, *s;
    size_t n;
    name[0] = 0;
    while (list_next(&p, &s, &n)) {
        wps_protocol proto;
        if (wps_protocol_from_name(s, n, &proto) == WPS_OK && !wps_protocol_is_binary(proto) && n < cap) {
            memcpy(name, s, n);
            name[n] = 0;
            return (int)proto;
        }
    }
    return -1;
}

int emu_served_subprotocol(const char *header, char *name, size_t cap) { return pick_protocol(header, name, cap) >= 0; }

static void reject(emu *e, emu_accept *out, int status, const char *fmt, const char *detail) {
    char why[sizeof out->reason + 64];
    out->status = status;
    snprintf(why, sizeof why, fmt, detail ? detail : "");
    {   /* the reason line is cut to fit */
        size_t i;
        for (i = 0; why[i] && i + 1 < sizeof out->reason; i++) out->reason[i] = why[i];
        out->reason[i] = 0;
    }
    e->stats.rejected++;
    logf_(e, "rejected WebSocket upgrade: %d %s", status, out->reason);
}

/* the blocking connect event: the handler may refuse (its 4xx/5xx goes to the client), set the
   user, add groups and roles, and pick the subprotocol among the requested ones */
static int connect_event(emu *e, emu_conn *c, const emu_upgrade *u, const char *q, const wps_token_claims *claims, uint64_t now_ms,
                         emu_accept *out) {
    emu_webhook_response rs;
    wps_webhook_connect_result r;
    size_t len, need = 0, i;
    char *body = connect_body(u, q, claims, &len);
    void *mem = NULL;
    wps_diag d;
    int st = post_event(e, c, WPS_WEBHOOK_CONNECT, "connect", WPS_DATA_JSON, body, len, now_ms, &rs), ok = 0;
    free(body);
    if (st == 0) { /* no connect handler */
        webhook_response_free(&rs);
        return 1;
    }
    if (st < 0) {
        webhook_response_free(&rs);
        reject(e, out, 500, "the connect event handler cannot be reached%s", "");
        return 0;
    }
    if (st < 200 || st > 299) {
        char why[64];
        snprintf(why, sizeof why, "%d", st);
        reject(e, out, st >= 400 && st <= 599 ? st : 500, "the connect event handler refused the connection with status %s", why);
        goto out;
    }
    if (st == 200 && rs.body_len) {
        need = 0;
        if (wps_webhook_parse_connect_response(rs.body, rs.body_len, NULL, 0, &r, &need, &d) == WPS_ERR_BUFFER_TOO_SMALL) mem = xrealloc(NULL, need);
        if (wps_webhook_parse_connect_response(rs.body, rs.body_len, mem, need, &r, &need, &d) != WPS_OK) {
            reject(e, out, 500, "the connect event handler's response is invalid: %s", d.reason);
            goto out;
        }
        if (r.user_id.ptr) {
            free(c->user);
            c->user = xstrndup(r.user_id.ptr, r.user_id.len);
        }
        for (i = 0; i < r.group_count; i++) {
            char *g = xstrndup(r.groups[i].ptr, r.groups[i].len);
            join(c, g);
            free(g);
        }
        for (i = 0; i < r.role_count; i++) strv_add(&c->roles, r.roles[i].ptr, r.roles[i].len);
        if (r.subprotocol.ptr) {
            char *sp = xstrndup(r.subprotocol.ptr, r.subprotocol.len);
            int requested = 0;
            const char *s = u->subprotocols, *item;
            size_t l;
            while (!requested && list_next(&s, &item, &l)) requested = l == r.subprotocol.len && !strncmp(item, sp, l); /* one of the requested? */
            if (!requested || r.subprotocol.len >= sizeof out->subprotocol) {
                reject(e, out, 500, "the connect event handler chose a subprotocol the client did not request: %s", sp);
                free(sp);
                goto out;
            }
            c->protocol = pick_protocol(sp, out->subprotocol, sizeof out->subprotocol);
            if (c->protocol < 0) snprintf(out->subprotocol, sizeof out->subprotocol, "%s", sp); /* a custom one: a simple client */
            c->reliable = c->protocol >= 0 && wps_protocol_is_reliable((wps_protocol)c->protocol);
            free(sp);
        }
    }
    if (!c->user) { /* docs/service-rules.md 4.4: no userId from the claims or the response: dropped */
        reject(e, out, 401, "no userId from the token or the connect event handler%s", "");
        goto out;
    }
    ok = 1;
out:
    free(mem);
    webhook_response_free(&rs);
    return ok;
}

void emu_upgrade_request(emu *e, const emu_upgrade *u, uint64_t now_ms, emu_accept *out) {
    const char *target = u->target ? u->target : "", *q = strchr(target, '?');
    size_t path_len = q ? (size_t)(q - target) : strlen(target);
    char *path = pct_decode(target, path_len, 0), *hub = NULL, *token = NULL, *rid = NULL, *rtok = NULL;
    void *mem = NULL;
    wps_token_claims claims;
    wps_diag d;
    wps_status st;
    emu_conn *c;
    size_t i;
    memset(out, 0, sizeof *out);
    e->now = now_ms;
    if (q) q++;
    if (strstr(target, "%00")) { /* a NUL would cut a name short */
        reject(e, out, 400, "a NUL in the request target%s", "");
        goto done;
    }
    /* /client/hubs/{hub} or /client/?hub={hub} */
    if (!strncmp(path, "/client/hubs/", 13) && path[13] && !strchr(path + 13, '/')) hub = xstrndup(path + 13, strlen(path + 13));
    else if ((!strcmp(path, "/client/") || !strcmp(path, "/client")) && q) hub = query_value(q, "hub");
    if (!hub) {
        reject(e, out, 404, "no client endpoint at %s", path);
        goto done;
    }
    if (!hub_name_ok(hub)) {
        reject(e, out, 400, "invalid hub name %s", hub);
        goto done;
    }
    lower(hub);
    if (!hub_served(e, hub)) {
        reject(e, out, 404, "hub %s is not served", hub);
        goto done;
    }
    token = q ? query_value(q, "access_token") : NULL;
    if (!token && u->authorization && !strncmp(u->authorization, "Bearer ", 7)) token = xstrndup(u->authorization + 7, strlen(u->authorization + 7));
    if (!token) {
        reject(e, out, 401, "no access token (access_token query or Authorization: Bearer)%s", NULL);
        goto done;
    }
    mem = xrealloc(NULL, wps_token_memory_bound(strlen(token)));
    st = wps_token_verify(&e->key, 1, token, strlen(token), now_ms / 1000u, mem, wps_token_memory_bound(strlen(token)), &claims, &d);
    /* a recovery needs no fresh token (docs/protocol.md 4: the session is the credential): an expired
       one still has to carry a valid signature (the claims are decoded by then) */
    if (st == WPS_ERR_TOKEN_EXPIRED && q && strstr(q, "awps_connection_id=")) st = WPS_OK;
    if (st != WPS_OK) {
        reject(e, out, 401, "access token refused: %s", d.reason);
        goto done;
    }
    {
        char *aud = xstrndup(claims.aud.ptr ? claims.aud.ptr : "", claims.aud.len);
        char want[200];
        char want2[200];
        snprintf(want, sizeof want, "/client/hubs/%s", hub);
        snprintf(want2, sizeof want2, "/client/?hub=%s", hub);
        if (!ieq(url_path(aud), want) && !ieq(url_path(aud), want2)) {
            reject(e, out, 401, "the token's audience is %s", aud);
            free(aud);
            goto done;
        }
        free(aud);
    }
    c = new_conn(e);
    c->hub = hub;
    hub = NULL;
    c->protocol = pick_protocol(u->subprotocols, out->subprotocol, sizeof out->subprotocol);
    c->reliable = c->protocol >= 0 && wps_protocol_is_reliable((wps_protocol)c->protocol);
    c->state = CONN_UPGRADED;
    if (claims.sub.ptr) c->user = xstrndup(claims.sub.ptr, claims.sub.len);
    for (i = 0; i < claims.role_count; i++) strv_add(&c->roles, claims.roles[i].ptr, claims.roles[i].len);
    rid = q ? query_value(q, "awps_connection_id") : NULL;
    rtok = q ? query_value(q, "awps_reconnection_token") : NULL;
    if (rid || rtok) { /* a recovery: accepted at the HTTP level, ended with 1008 if impossible */
        emu_conn *t = rid ? find_conn(e, rid) : NULL;
        if (t && now_ms < t->outage_until) {
            conn_unlink(e, c);
            conn_free(c);
            reject(e, out, 503, "recovery of %s during a simulated outage", rid);
            goto done;
        }
        c->recovery = 1;
        snprintf(c->id, sizeof c->id, "%s", rid ? rid : "");
        if (e->faults.refuse_recovery) snprintf(c->doom_reason, sizeof c->doom_reason, "Recovery refused (fault injection).");
        else if (!t || !c->reliable || !rtok || strcmp(t->token, rtok) || t->state == CONN_CLOSING || strcmp(t->hub, c->hub))
            snprintf(c->doom_reason, sizeof c->doom_reason, "The connection cannot be recovered.");
        else c->target = t;
    } else {
        e->counter++;
        snprintf(c->id, sizeof c->id, "%08llx%08llx-%llu", (unsigned long long)(rnd(e) & 0xffffffffu), (unsigned long long)(rnd(e) & 0xffffffffu),
                 (unsigned long long)e->counter);
        snprintf(c->token, sizeof c->token, "%016llx%016llx", (unsigned long long)rnd(e), (unsigned long long)rnd(e));
        for (i = 0; i < claims.group_count; i++) {
            char *g = xstrndup(claims.groups[i].ptr, claims.groups[i].len);
            join(c, g);
            free(g);
        }
        if (c->user) {
            user_groups *ug = ug_find(e, c->hub, c->user, 0);
            if (ug)
                for (i = 0; i < ug->groups.n; i++) join(c, ug->groups.v[i]);
        }
        if (!connect_event(e, c, u, q, &claims, now_ms, out)) {
            conn_unlink(e, c);
            conn_free(c);
            goto done;
        }
    }
    if (out->subprotocol[0]) c->subprotocol = xstrndup(out->subprotocol, strlen(out->subprotocol));
    out->status = 101;
    out->conn = c;
done:
    free(mem);
    free(path);
    free(hub);
    free(token);
    free(rid);
    free(rtok);
}

void emu_upgrade_abandoned(emu *e, emu_conn *c) {
    conn_unlink(e, c);
    conn_free(c);
}

static void send_connected(emu *e, emu_conn *c) {
    wps_message m;
    if (c->protocol < 0) return;
    wps_message_init(&m, WPS_KIND_CONNECTED);
    m.connection_id = wps_slice_from_cstr(c->id);
    if (c->user) m.user_id = wps_slice_from_cstr(c->user);
    if (c->reliable) m.reconnection_token = wps_slice_from_cstr(c->token);
    send_msg(e, c, &m);
}

void emu_socket_open(emu *e, emu_conn *c, void *socket, uint64_t now_ms) {
    size_t i;
    c->socket = socket;
    if (c->recovery) {
        emu_conn *t = c->target;
        if (t && t->state != CONN_OPEN && t->state != CONN_DETACHED && !c->doom_reason[0]) /* closed since the upgrade */
            snprintf(c->doom_reason, sizeof c->doom_reason, "The connection cannot be recovered.");
        if (!t || c->doom_reason[0]) {
            c->state = CONN_DOOMED;
            logf_(e, "recovery of %s refused: %s", c->id, c->doom_reason[0] ? c->doom_reason : "no session");
            e->host.close(e->host.ctx, c, socket, 1008, c->doom_reason[0] ? c->doom_reason : "The connection cannot be recovered.");
            return;
        }
        /* the old socket, if still there, is replaced; the placeholder forwards to the session */
        if (t->socket && t->state == CONN_OPEN) {
            e->host.close(e->host.ctx, t, t->socket, 1000, "Replaced by a recovered connection.");
            if (e->host.detach) e->host.detach(e->host.ctx, t->socket); /* its late close must not reach t */
        }
        t->socket = socket;
        t->state = CONN_OPEN;
        c->state = CONN_DOOMED;
        c->forward = 1;
        send_connected(e, t);
        for (i = 0; i < t->qn; i++) send_raw(e, t, t->q[i].frame, t->q[i].len, !wps_protocol_is_binary((wps_protocol)t->protocol));
        logf_(e, "connection %s recovered, %u unacked messages resent", t->id, (unsigned)t->qn);
        return;
    }
    c->state = CONN_OPEN;
    e->stats.connections++;
    logf_(e, "connection %s opened (hub %s, user %s, %s)", c->id, c->hub, c->user ? c->user : "-",
          c->protocol < 0 ? "simple WebSocket" : wps_protocol_name((wps_protocol)c->protocol));
    send_connected(e, c);
    c->connect_accepted = 1; /* from now on its end is announced by a disconnected event */
    {
        emu_webhook_response rs;
        post_event(e, c, WPS_WEBHOOK_CONNECTED, "connected", WPS_DATA_JSON, "{}", 2, now_ms, &rs);
        webhook_response_free(&rs);
    }
}

/* the session a socket speaks for: a recovered placeholder forwards to its session */
static emu_conn *session(emu_conn *c, void *socket) {
    if (c->forward && c->target && c->target->socket == socket) return c->target;
    return c->socket == socket ? c : NULL;
}

/* a user event for the handler: 0 = no handler takes it; 1 = handled (*ok: a 2xx answer, whose
   body, if any, is in rs with the data type of its Content-Type); 2 = no request can carry it */
static int user_event(emu *e, emu_conn *c, const char *event, wps_data_type dt, const void *data, size_t len, uint64_t now_ms,
                      emu_webhook_response *rs, int *ok, wps_data_type *rdt) {
    int st = post_event(e, c, WPS_WEBHOOK_USER_EVENT, event, dt, data, len, now_ms, rs);
    *ok = st >= 200 && st <= 299;
    *rdt = WPS_DATA_BINARY;
    if (*ok && rs->body_len && !wps_webhook_data_type(wps_slice_from_cstr(rs->content_type), rdt)) *rdt = WPS_DATA_BINARY;
    return st == -2 ? 2 : st != 0;
}

static void handle_message(emu *e, emu_conn *c, const wps_message *m, uint64_t now_ms) {
    char *group = m->group.ptr ? xstrndup(m->group.ptr, m->group.len) : NULL;
    int has_ack = (m->has & WPS_HAS_ACK_ID) != 0;
    emu_conn *o;
    /* an ackId processed once in this session: a repeat is answered Duplicate, whatever the request */
    if (has_ack && (m->kind == WPS_KIND_JOIN_GROUP || m->kind == WPS_KIND_LEAVE_GROUP || m->kind == WPS_KIND_SEND_TO_GROUP ||
                    m->kind == WPS_KIND_SEND_EVENT) &&
        idset_contains(&c->acks, m->ack_id)) {
        send_ack(e, c, m->ack_id, "Duplicate", "The ackId has been used by a previous message.");
        free(group);
        return;
    }
    /* the fault fail_acks: the service fails the request before processing it (nothing joined,
       left, delivered or sent to a handler, the ackId not remembered), so a retry with the same
       ackId is processed afresh, as the protocol's Duplicate check implies */
    if (has_ack && e->faults.fail_acks &&
        (m->kind == WPS_KIND_JOIN_GROUP || m->kind == WPS_KIND_LEAVE_GROUP || m->kind == WPS_KIND_SEND_TO_GROUP || m->kind == WPS_KIND_SEND_EVENT)) {
        logf_(e, "connection %s: %s with ackId %llu failed (fault fail_acks)", c->id, wps_kind_name(m->kind), (unsigned long long)m->ack_id);
        send_ack(e, c, m->ack_id, "InternalServerError", "Injected failure.");
        free(group);
        return;
    }
    if ((m->kind == WPS_KIND_JOIN_GROUP || m->kind == WPS_KIND_LEAVE_GROUP || m->kind == WPS_KIND_SEND_TO_GROUP) &&
        (!m->group.len || m->group.len > 1024)) { /* docs/protocol.md: group names are 1..1024 characters */
        logf_(e, "connection %s: %s refused: the group name has %u characters (1..1024)", c->id, wps_kind_name(m->kind), (unsigned)m->group.len);
        if (has_ack) send_ack(e, c, m->ack_id, "BadRequest", "The group name must have 1 to 1024 characters.");
        free(group);
        return;
    }
    switch (m->kind) {
    case WPS_KIND_JOIN_GROUP:
    case WPS_KIND_LEAVE_GROUP:
        if (!allowed(c, "joinLeaveGroup", group)) {
            logf_(e, "connection %s: %s %.64s refused: Forbidden (no joinLeaveGroup role or permission)", c->id, wps_kind_name(m->kind), group);
            if (has_ack) send_ack(e, c, m->ack_id, "Forbidden", "The connection has no permission to join or leave the group.");
            break;
        }
        if (m->kind == WPS_KIND_JOIN_GROUP) join(c, group);
        else strv_remove(&c->groups, group);
        if (has_ack) send_ack(e, c, m->ack_id, NULL, NULL);
        break;
    case WPS_KIND_SEND_TO_GROUP:
        if (!allowed(c, "sendToGroup", group)) {
            logf_(e, "connection %s: sendToGroup %.64s refused: Forbidden (no sendToGroup role or permission)", c->id, group);
            if (has_ack) send_ack(e, c, m->ack_id, "Forbidden", "The connection has no permission to send to the group.");
            break;
        }
        for (o = e->conns; o; o = o->next)
            if (!o->recovery && !strcmp(o->hub, c->hub) && strv_find(&o->groups, group) >= 0 && !(m->no_echo && o == c))
                deliver(e, o, group, c->user, m->data_type, m->data.ptr, m->data.len);
        if (has_ack) send_ack(e, c, m->ack_id, NULL, NULL);
        break;
    case WPS_KIND_SEND_EVENT: { /* to the hub's user event handler, if one takes it; else dropped */
        emu_webhook_response rs;
        wps_data_type rdt;
        int ok;
        char *ev = xstrndup(m->event.ptr ? m->event.ptr : "", m->event.len);
        int handled = user_event(e, c, ev, m->data_type, m->data.ptr, m->data.len, now_ms, &rs, &ok, &rdt);
        if (handled == 2) { /* not a name a request can carry: refused, the connection stays */
            if (has_ack) send_ack(e, c, m->ack_id, "BadRequest", "The event name cannot be sent to the event handler.");
        } else if (!handled || ok) {
            if (has_ack) send_ack(e, c, m->ack_id, NULL, NULL);
            if (rs.body_len) deliver(e, c, NULL, NULL, rdt, rs.body, rs.body_len); /* the answer goes back to the caller */
        } else { /* docs/service-rules.md 4.4: a failed user event drops the connection */
            if (has_ack) send_ack(e, c, m->ack_id, "InternalServerError", "The event handler failed.");
            conn_close(e, c, 1011, "The event handler failed.", 1);
        }
        webhook_response_free(&rs);
        free(ev);
        break;
    }
    case WPS_KIND_PING: {
        wps_message p;
        wps_message_init(&p, WPS_KIND_PONG);
        send_msg(e, c, &p);
        break;
    }
    case WPS_KIND_SEQUENCE_ACK: {
        size_t k = 0, i;
        if (!c->reliable) break;
        for (i = 0; i < c->qn; i++) {
            if (c->q[i].seq <= m->sequence_id) {
                c->qbytes -= c->q[i].len;
                free(c->q[i].frame);
            } else {
                c->q[k++] = c->q[i];
            }
        }
        c->qn = k;
        break;
    }
    case WPS_KIND_INVOKE: { /* the handler's answer is the invocation's result */
        wps_message r;
        emu_webhook_response rs;
        wps_data_type rdt;
        int ok;
        char *ev = xstrndup(m->event.ptr ? m->event.ptr : "", m->event.len);
        wps_message_init(&r, WPS_KIND_INVOKE_RESPONSE);
        r.invocation_id = m->invocation_id;
        r.has |= WPS_HAS_SUCCESS;
        int handled = user_event(e, c, ev, m->data_type, m->data.ptr, m->data.len, now_ms, &rs, &ok, &rdt);
        if (handled != 1) {
            r.has |= WPS_HAS_ERROR;
            r.error.name = wps_slice_from_cstr("InvocationFailed");
            r.error.message = wps_slice_from_cstr(handled ? "The event name cannot be sent to the event handler." : "No event handler takes this event.");
        } else if (!ok) {
            r.has |= WPS_HAS_ERROR;
            r.error.name = wps_slice_from_cstr(rs.status >= 400 && rs.status <= 499 ? "BadRequest" : "InternalServerError");
            r.error.message = wps_slice_from_cstr("The event handler failed.");
        } else {
            r.success = true;
            if (rs.body_len) {
                r.has |= WPS_HAS_DATA;
                r.data_type = rdt;
                r.data = wps_slice_make(rs.body, rs.body_len);
            }
        }
        send_msg(e, c, &r);
        webhook_response_free(&rs);
        free(ev);
        break;
    }
    default: /* streams, group state, cancel: not served by this emulator */
        if (has_ack) {
            logf_(e, "connection %s: %s is not served by wps-emulator", c->id, wps_kind_name(m->kind));
            send_ack(e, c, m->ack_id, "BadRequest", "This request is not supported by wps-emulator.");
        }
        break;
    }
    free(group);
}

void emu_socket_frame(emu *e, emu_conn *c, void *socket, const void *data, size_t len, int is_text, uint64_t now_ms) {
    wps_codec codec;
    wps_message m;
    wps_diag d;
    wps_status st;
    char stackbuf[4096], *scratch = stackbuf;
    e->now = now_ms;
    c = session(c, socket);
    if (!c || c->state != CONN_OPEN) return; /* a replaced or doomed socket */
    e->stats.messages_in++;
    if (c->protocol < 0) { /* a simple client's frames are the user event "message"; the answer is sent back */
        emu_webhook_response rs;
        wps_data_type rdt;
        int ok;
        if (user_event(e, c, "message", is_text ? WPS_DATA_TEXT : WPS_DATA_BINARY, data, len, now_ms, &rs, &ok, &rdt)) {
            if (ok && rs.body_len) deliver(e, c, NULL, NULL, rdt, rs.body, rs.body_len);
            else if (!ok) conn_close(e, c, 1011, "The event handler failed.", 0);
        }
        webhook_response_free(&rs);
        return;
    }
    codec = wps_codec_make((wps_protocol)c->protocol, WPS_UPSTREAM);
    if (wps_decode_scratch_bound(len) > sizeof stackbuf) scratch = (char *)xrealloc(NULL, wps_decode_scratch_bound(len));
    st = wps_decode(&codec, data, len, scratch, wps_decode_scratch_bound(len), &m, &d);
    if (st == WPS_OK) handle_message(e, c, &m, now_ms);
    else if (st != WPS_IGNORED) { /* the service declines a client that breaks the format */
        logf_(e, "connection %s sent an invalid message (%s: %s): closing", c->id, wps_status_name(st), d.reason);
        conn_close(e, c, 1008, "Invalid message.", 1);
    }
    if (scratch != stackbuf) free(scratch);
}

/* a session ends: the disconnected event (non-blocking: its answer is only logged), then it goes */
static void conn_release(emu *e, emu_conn *c, uint64_t now_ms, const char *reason) {
    if (c->connect_accepted && !c->recovery) {
        emu_webhook_response rs;
        sbuf b = {0};
        const char *why = c->end_reason ? c->end_reason : reason;
        sb_str(&b, "{\"reason\":");
        sb_jstr(&b, why, strlen(why));
        sb_str(&b, "}");
        post_event(e, c, WPS_WEBHOOK_DISCONNECTED, "disconnected", WPS_DATA_JSON, b.p, b.n, now_ms, &rs);
        webhook_response_free(&rs);
        free(b.p);
    }
    conn_unlink(e, c);
    conn_free(c);
}

void emu_socket_close_code(emu *e, emu_conn *c, void *socket, uint16_t code) {
    c = session(c, socket);
    (void)e;
    if (c) c->peer_code = code;
}

/* a session lost its socket: a reliable one waits for recovery, unless the client closed it normally */
static void session_lost(emu *e, emu_conn *t, uint64_t now_ms) {
    uint16_t code = t->peer_code;
    t->socket = NULL;
    t->peer_code = 0;
    if (t->state == CONN_OPEN && t->reliable && code != 1000 && code != 1001 && code != 1005) {
        t->state = CONN_DETACHED;
        t->detached_at = now_ms;
        logf_(e, "connection %s dropped; its session waits %u ms for recovery", t->id, (unsigned)e->cfg.recovery_window_ms);
    } else if (t->state == CONN_OPEN) {
        t->state = CONN_CLOSING;
        logf_(e, "connection %s closed%s", t->id, code ? " by the client" : "");
    } /* CLOSING: freed by the next tick */
}

void emu_socket_closed(emu *e, emu_conn *c, void *socket, uint64_t now_ms) {
    if (c->recovery) { /* a placeholder, forwarding or not: it goes; its session may lose its socket */
        if (c->forward && c->target && c->target->socket == socket) session_lost(e, c->target, now_ms);
        conn_unlink(e, c);
        conn_free(c);
        return;
    }
    if (c->socket != socket) return; /* an old socket replaced by a recovery */
    session_lost(e, c, now_ms);
    if (c->state != CONN_DETACHED) conn_release(e, c, now_ms, "The client closed the connection.");
}

void emu_tick(emu *e, uint64_t now_ms) {
    emu_conn *c = e->conns, *next;
    e->now = now_ms;
    while (e->held && e->held->due <= now_ms) { /* delayed acks, to the session if it is still there */
        held_ack *h = e->held;
        emu_conn *to = find_conn(e, h->conn_id);
        e->held = h->next;
        if (to && to->state == CONN_OPEN) send_raw(e, to, h->frame, h->len, !wps_protocol_is_binary((wps_protocol)to->protocol));
        free(h);
    }
    for (; c; c = next) {
        next = c->next;
        if ((c->state == CONN_DETACHED && now_ms - c->detached_at >= e->cfg.recovery_window_ms) || (c->state == CONN_CLOSING && !c->socket)) {
            if (c->state == CONN_DETACHED) logf_(e, "session %s expired without recovery (%u unacked messages lost)", c->id, (unsigned)c->qn);
            conn_release(e, c, now_ms, c->state == CONN_DETACHED ? "The connection was lost and not recovered in time." : "The connection was closed.");
        }
    }
}

int emu_fault_outage(emu *e, const char *id, uint32_t ms) {
    emu_conn *c = find_conn(e, id);
    if (!c) return 0;
    c->outage_until = e->now + ms;
    logf_(e, "fault injection: recoveries of %s fail for %u ms", id, (unsigned)ms);
    return 1;
}

int emu_fault_drop(emu *e, const char *id, int code_1008) {
    emu_conn *c = find_conn(e, id);
    if (!c || c->state != CONN_OPEN || !c->socket) return 0;
    logf_(e, "fault injection: %s connection %s", code_1008 ? "closing with 1008" : "dropping", id);
    if (code_1008) conn_close(e, c, 1008, "Closed by fault injection.", 1);
    else e->host.close(e->host.ctx, c, c->socket, 0, NULL); /* code 0: abrupt, no close frame */
    return 1;
}

/* ------------------------------------------------------------------ OData filters */

/* The subset of OData the REST filter uses (docs/service-rules.md 3.3): userId / connectionId compared with
   eq, ne, gt, lt, ge, le to a string literal ('' escapes '), '<group>' in groups, and / or / not,
   parentheses. A recursive-descent evaluator over one connection; *bad is set on a syntax error. */
typedef struct odata {
    const char *p;
    const emu_conn *c;
    int bad;
    int depth; /* nested not / ( ): capped, so a hostile filter cannot exhaust the stack */
} odata;

#define ODATA_MAX_DEPTH 64

static void od_ws(odata *o) {
    while (*o->p == ' ') o->p++;
}

static int od_word(odata *o, const char *w) {
    size_t n = strlen(w);
    od_ws(o);
    if (!strncmp(o->p, w, n) && !((o->p[n] >= 'a' && o->p[n] <= 'z') || (o->p[n] >= 'A' && o->p[n] <= 'Z') || o->p[n] == '_')) {
        o->p += n;
        return 1;
    }
    return 0;
}

/* a string literal, or the value of userId / connectionId (NULL value: null) */
static int od_operand(odata *o, char *buf, size_t cap, int *is_null) {
    od_ws(o);
    *is_null = 0;
    if (*o->p == '\'') {
        size_t n = 0;
        o->p++;
        for (;;) {
            if (!*o->p) return o->bad = 1, 0;
            if (*o->p == '\'') {
                if (o->p[1] == '\'') o->p++;
                else break;
            }
            if (n + 1 < cap) buf[n++] = *o->p;
            o->p++;
        }
        o->p++;
        buf[n] = 0;
        return 1;
    }
    if (od_word(o, "userId")) {
        if (o->c->user) snprintf(buf, cap, "%s", o->c->user);
        else *is_null = 1, buf[0] = 0;
        return 1;
    }
    if (od_word(o, "connectionId")) {
        snprintf(buf, cap, "%s", o->c->id);
        return 1;
    }
    if (od_word(o, "null")) {
        *is_null = 1;
        buf[0] = 0;
        return 1;
    }
    return o->bad = 1, 0;
}

static int od_or(odata *o);

static int od_comparison(odata *o);

static int od_primary(odata *o) {
    int v;
    od_ws(o);
    if (o->depth >= ODATA_MAX_DEPTH) return o->bad = 1, 0;
    if (od_word(o, "not")) {
        o->depth++;
        v = !od_primary(o);
        o->depth--;
        return v;
    }
    if (*o->p == '(') {
        o->p++;
        o->depth++;
        v = od_or(o);
        o->depth--;
        od_ws(o);
        if (*o->p != ')') return o->bad = 1, 0;
        o->p++;
        return v;
    }
    return od_comparison(o);
}

/* operand (eq|ne|gt|lt|ge|le) operand, or 'g' in groups: not recursive */
static int od_comparison(odata *o) {
    char a[1100], b[1100];
    int an, bn, cmp;
    if (!od_operand(o, a, sizeof a, &an)) return 0;
    if (od_word(o, "in")) {
        if (!od_word(o, "groups")) return o->bad = 1, 0;
        return !an && strv_find(&o->c->groups, a) >= 0;
    }
    {
        const char *ops[] = {"eq", "ne", "gt", "lt", "ge", "le"};
        int k;
        for (k = 0; k < 6; k++)
            if (od_word(o, ops[k])) break;
        if (k == 6) return o->bad = 1, 0;
        if (!od_operand(o, b, sizeof b, &bn)) return 0;
        if (an || bn) return k == 0 ? an == bn : k == 1 ? an != bn : 0;
        cmp = strcmp(a, b);
        return k == 0 ? cmp == 0 : k == 1 ? cmp != 0 : k == 2 ? cmp > 0 : k == 3 ? cmp < 0 : k == 4 ? cmp >= 0 : cmp <= 0;
    }
}

static int od_and(odata *o) {
    int v = od_primary(o);
    while (!o->bad && od_word(o, "and")) v = od_primary(o) && v;
    return v;
}

static int od_or(odata *o) {
    int v = od_and(o);
    while (!o->bad && od_word(o, "or")) v = od_and(o) || v;
    return v;
}

/* 1 match, 0 no match, -1 syntax error */
static int odata_match(const char *filter, const emu_conn *c) {
    odata o;
    int v;
    if (!filter) return 1;
    memset(&o, 0, sizeof o);
    o.p = filter;
    o.c = c;
    o.bad = 0;
    v = od_or(&o);
    od_ws(&o);
    if (o.bad || *o.p) return -1;
    return v;
}

/* a syntax check, on an empty connection */
static int odata_syntax_bad(const char *filter) {
    emu_conn probe;
    memset(&probe, 0, sizeof probe);
    return odata_match(filter, &probe) < 0;
}

/* ------------------------------------------------------------------ REST */

typedef struct route {
    wps_rest_operation op;
    const char *method, *path;
} route;

static const route routes[] = {
#define EMU_ROUTE(en, svc, name, method, path, query, body, ok) {en, method, path},
    WPS_REST_OPERATIONS(EMU_ROUTE)
#undef EMU_ROUTE
};

/* path parameters of a matched route */
typedef struct rparams {
    char *hub, *group, *user, *conn, *perm;
} rparams;

static void rparams_free(rparams *p) {
    free(p->hub), free(p->group), free(p->user), free(p->conn), free(p->perm);
    memset(p, 0, sizeof *p);
}

static int match_route(const route *r, const char *path, rparams *out) {
    const char *t = r->path, *s = path;
    memset(out, 0, sizeof *out);
    while (*t && *s) {
        if (*t == '{') {
            const char *te = strchr(t, '}'), *se = strchr(s, '/');
            size_t n = se ? (size_t)(se - s) : strlen(s);
            char **slot = NULL, *v;
            if (!te || n == 0) break;
            if (!strncmp(t, "{hub}", 5)) slot = &out->hub;
            else if (!strncmp(t, "{group}", 7)) slot = &out->group;
            else if (!strncmp(t, "{connectionId}", 14)) slot = &out->conn;
            else if (!strncmp(t, "{permission}", 12)) slot = &out->perm;
            else slot = &out->user;
            v = pct_decode(s, n, 0);
            free(*slot);
            *slot = v;
            t = te + 1;
            s += n;
        } else {
            if (*t != *s) break;
            t++, s++;
        }
    }
    if (*t || *s) {
        rparams_free(out);
        return 0;
    }
    return 1;
}

static void respond(emu_response *out, int status, const char *ctype, const char *body) {
    out->status = status;
    snprintf(out->content_type, sizeof out->content_type, "%s", ctype ? ctype : "");
    if (body) {
        out->body_len = strlen(body);
        out->body = xstrndup(body, out->body_len);
    }
}

static void respond_error(emu_response *out, int status, const char *code, const char *message) {
    sbuf b = {0};
    sb_str(&b, "{\"code\":");
    sb_jstr(&b, code, strlen(code));
    sb_str(&b, ",\"message\":");
    sb_jstr(&b, message, strlen(message));
    sb_str(&b, "}");
    out->status = status;
    snprintf(out->content_type, sizeof out->content_type, "application/json");
    snprintf(out->error_code, sizeof out->error_code, "%s", code);
    out->body = b.p;
    out->body_len = b.n;
}

void emu_response_free(emu_response *r) {
    free(r->body);
    r->body = NULL;
}

/* Bearer JWT with aud = the request URL (with or without the query, any host form) */
/* appends s[0..n) percent-decoded, then re-encoded with only the unreserved characters kept */
static void sb_canon(sbuf *b, const char *s, size_t n, int plus) {
    char *dec = pct_decode(s, n, plus);
    size_t i;
    for (i = 0; dec[i]; i++) {
        unsigned char ch = (unsigned char)dec[i];
        char hex[4];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch)) sb_put(b, dec + i, 1);
        else {
            snprintf(hex, sizeof hex, "%%%02X", ch);
            sb_put(b, hex, 3);
        }
    }
    free(dec);
}

/* path?query with every path segment and query name and value decoded and re-encoded the same
   way: two spellings of one URL compare equal */
static char *canon_target(const char *t) {
    sbuf b = {0};
    const char *q = strchr(t, '?'), *s = t, *end = q ? q : t + strlen(t);
    for (;;) {
        const char *slash = s;
        while (slash < end && *slash != '/') slash++;
        sb_canon(&b, s, (size_t)(slash - s), 0);
        if (slash >= end) break;
        sb_put(&b, "/", 1);
        s = slash + 1;
    }
    for (s = q; s; ) {
        const char *amp = strchr(s + 1, '&'), *stop = amp ? amp : s + 1 + strlen(s + 1);
        const char *eq = (const char *)memchr(s + 1, '=', (size_t)(stop - s - 1));
        sb_put(&b, s, 1); /* '?' or '&' */
        sb_canon(&b, s + 1, (size_t)((eq ? eq : stop) - s - 1), 1);
        if (eq) {
            sb_put(&b, "=", 1);
            sb_canon(&b, eq + 1, (size_t)(stop - eq - 1), 1);
        }
        s = amp;
    }
    sb_put(&b, "", 0);
    return b.p;
}

static int rest_auth(emu *e, const emu_request *r, uint64_t now_ms, emu_response *out) {
    wps_token_claims claims;
    wps_diag d;
    const char *tok;
    void *mem;
    size_t len, cap;
    wps_status st;
    int ok = 0;
    if (!r->authorization || strncmp(r->authorization, "Bearer ", 7) != 0) {
        logf_(e, "REST %s %.200s refused: no Authorization: Bearer token", r->method, r->target);
        respond_error(out, 401, "Unauthorized", "An Authorization: Bearer token is required.");
        return 0;
    }
    tok = r->authorization + 7;
    len = strlen(tok);
    cap = wps_token_memory_bound(len);
    mem = xrealloc(NULL, cap);
    st = wps_token_verify(&e->key, 1, tok, len, now_ms / 1000u, mem, cap, &claims, &d);
    if (st == WPS_OK) {
        char *aud = xstrndup(claims.aud.ptr ? claims.aud.ptr : "", claims.aud.len);
        char *want = canon_target(r->target), *have = canon_target(url_path(aud)), *q = strchr(want, '?');
        /* the audience is the request URL; one without its query also passes */
        ok = !strcmp(have, want) || (q && strlen(have) == (size_t)(q - want) && !strncmp(have, want, (size_t)(q - want)));
        if (!ok) snprintf(d.reason, sizeof d.reason, "the token's audience is not this request's URL");
        free(want);
        free(have);
        free(aud);
    }
    free(mem);
    if (!ok) {
        logf_(e, "REST %s %s refused: %s", r->method, r->target, d.reason);
        respond_error(out, 401, "Unauthorized", d.reason);
    }
    return ok;
}

static int conn_in_hub(const emu_conn *c, const char *hub) {
    return !c->recovery && c->state != CONN_CLOSING && c->state != CONN_UPGRADED && !strcmp(c->hub, hub);
}

/* the content type of a REST send → the data type of the message */
static int data_type_of(const char *ct, wps_data_type *dt) {
    if (!ct) return 0;
    return wps_webhook_data_type(wps_slice_from_cstr(ct), dt);
}

void emu_rest(emu *e, const emu_request *r, uint64_t now_ms, emu_response *out) {
    const char *q = strchr(r->target, '?');
    size_t plen = q ? (size_t)(q - r->target) : strlen(r->target);
    char *path = xstrndup(r->target, plen);
    strv excluded = {0};
    char *filter = NULL, *reason = NULL, *target_name = NULL;
    rparams p;
    size_t i;
    int matched = -1, path_known = 0;
    emu_conn *c, *next;
    memset(out, 0, sizeof *out);
    memset(&p, 0, sizeof p);
    e->stats.rest_requests++;
    e->now = now_ms;
    if (q) q++;
    if (strstr(r->target, "%00")) { /* a NUL would cut a name short: chat%00evil is not chat */
        respond_error(out, 400, "InvalidArgument", "Names and values cannot contain NUL.");
        goto done;
    }
    for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (wps_rest_operation_service(routes[i].op) != WPS_SERVICE_WEBPUBSUB) continue;
        if (!match_route(&routes[i], path, &p)) continue;
        path_known = 1;
        if (!strcmp(routes[i].method, r->method)) {
            matched = (int)i;
            break;
        }
        rparams_free(&p);
    }
    if (matched < 0) {
        if (path_known) respond_error(out, 405, "MethodNotAllowed", "This method is not allowed here.");
        else respond_error(out, 404, "NotFound", "No REST operation at this path.");
        goto done;
    }
    if (routes[matched].op != WPS_REST_GET_SERVICE_STATUS && !rest_auth(e, r, now_ms, out)) goto done;
    if (p.hub) {
        if (!hub_name_ok(p.hub)) {
            respond_error(out, 400, "InvalidArgument", "Invalid hub name.");
            goto done;
        }
        lower(p.hub);
    }
    if (q) {
        query_values(q, "excluded", &excluded);
        filter = query_value(q, "filter");
        reason = query_value(q, "reason");
        target_name = query_value(q, "targetName");
    }
    if (filter) { /* the filter must parse, whatever the connections */
        if (odata_syntax_bad(filter)) {
            respond_error(out, 400, "InvalidArgument", "The filter is not a valid OData expression.");
            goto done;
        }
    }
    switch (routes[matched].op) {
    case WPS_REST_GET_SERVICE_STATUS: respond(out, 200, NULL, NULL); break;
    case WPS_REST_SEND_TO_ALL:
    case WPS_REST_SEND_TO_GROUP:
    case WPS_REST_SEND_TO_USER:
    case WPS_REST_SEND_TO_CONNECTION: {
        wps_data_type dt;
        wps_rest_operation op = routes[matched].op;
        size_t n = 0;
        if (!data_type_of(r->content_type, &dt)) {
            respond_error(out, 415, "UnsupportedMediaType", "Content-Type must be text/plain, application/json or application/octet-stream.");
            break;
        }
        if (dt == WPS_DATA_JSON && r->body_len) {
            wps_codec codec = wps_codec_make(WPS_PROTOCOL_JSON, WPS_DOWNSTREAM);
            wps_message m;
            size_t need = 0;
            wps_message_init(&m, WPS_KIND_SERVER_DATA);
            m.has |= WPS_HAS_DATA;
            m.data = wps_slice_make((const char *)r->body, r->body_len);
            if (wps_encode(&codec, &m, NULL, 0, &need, NULL) != WPS_ERR_BUFFER_TOO_SMALL) {
                respond_error(out, 400, "InvalidArgument", "The body is not valid JSON.");
                break;
            }
        }
        for (c = e->conns; c; c = next) {
            int m;
            next = c->next;
            if (!conn_in_hub(c, p.hub)) continue;
            if (op == WPS_REST_SEND_TO_GROUP && strv_find(&c->groups, p.group) < 0) continue;
            if (op == WPS_REST_SEND_TO_USER && (!c->user || strcmp(c->user, p.user))) continue;
            if (op == WPS_REST_SEND_TO_CONNECTION && strcmp(c->id, p.conn)) continue;
            if (strv_find(&excluded, c->id) >= 0) continue;
            m = odata_match(filter, c);
            if (m != 1) continue;
            /* SendToGroup reaches subprotocol clients as a group message with no sender, as the
               service does (docs/protocol.md 3.2): from:"group", the group, no fromUserId. The
               official client raises group-message for it (its live test "receives binary group
               message sent by service"); the official emulator (Azure/azure-webpubsub
               tools/emulator) passes sender null to the same fan-out as a client's sendToGroup,
               and writes fromUserId as null or leaves it out depending on the revision. */
            deliver(e, c, op == WPS_REST_SEND_TO_GROUP ? p.group : NULL, NULL, dt, (const char *)r->body, r->body_len);
            n++;
        }
        logf_(e, "REST %s: delivered to %u connection(s)", wps_rest_operation_name(op), (unsigned)n);
        respond(out, 202, NULL, NULL);
        break;
    }
    case WPS_REST_CLOSE_ALL_CONNECTIONS:
    case WPS_REST_CLOSE_GROUP_CONNECTIONS:
    case WPS_REST_CLOSE_USER_CONNECTIONS:
    case WPS_REST_CLOSE_CONNECTION: {
        wps_rest_operation op = routes[matched].op;
        for (c = e->conns; c; c = next) {
            next = c->next;
            if (!conn_in_hub(c, p.hub) || strv_find(&excluded, c->id) >= 0) continue;
            if (op == WPS_REST_CLOSE_GROUP_CONNECTIONS && strv_find(&c->groups, p.group) < 0) continue;
            if (op == WPS_REST_CLOSE_USER_CONNECTIONS && (!c->user || strcmp(c->user, p.user))) continue;
            if (op == WPS_REST_CLOSE_CONNECTION && strcmp(c->id, p.conn)) continue;
            conn_close(e, c, 1000, reason ? reason : "Closed by the server.", 1);
        }
        respond(out, 204, NULL, NULL);
        break;
    }
    case WPS_REST_CONNECTION_EXISTS:
    case WPS_REST_GROUP_EXISTS:
    case WPS_REST_USER_EXISTS: {
        int found = 0;
        for (c = e->conns; c && !found; c = c->next) {
            if (!conn_in_hub(c, p.hub)) continue;
            if (routes[matched].op == WPS_REST_CONNECTION_EXISTS) found = !strcmp(c->id, p.conn);
            else if (routes[matched].op == WPS_REST_GROUP_EXISTS) found = strv_find(&c->groups, p.group) >= 0;
            else found = c->user && !strcmp(c->user, p.user);
        }
        respond(out, found ? 200 : 404, NULL, NULL);
        break;
    }
    case WPS_REST_ADD_CONNECTION_TO_GROUP:
    case WPS_REST_REMOVE_CONNECTION_FROM_GROUP:
    case WPS_REST_REMOVE_CONNECTION_FROM_ALL_GROUPS: {
        int found = 0;
        for (c = e->conns; c; c = c->next) {
            if (!conn_in_hub(c, p.hub) || strcmp(c->id, p.conn)) continue;
            found = 1;
            if (routes[matched].op == WPS_REST_ADD_CONNECTION_TO_GROUP) join(c, p.group);
            else if (routes[matched].op == WPS_REST_REMOVE_CONNECTION_FROM_GROUP) strv_remove(&c->groups, p.group);
            else strv_free(&c->groups);
        }
        if (!found && routes[matched].op == WPS_REST_ADD_CONNECTION_TO_GROUP) respond_error(out, 404, "NotFound", "No such connection.");
        else respond(out, routes[matched].op == WPS_REST_ADD_CONNECTION_TO_GROUP ? 200 : 204, NULL, NULL);
        break;
    }
    case WPS_REST_ADD_USER_TO_GROUP:
    case WPS_REST_REMOVE_USER_FROM_GROUP:
    case WPS_REST_REMOVE_USER_FROM_ALL_GROUPS: {
        wps_rest_operation op = routes[matched].op;
        user_groups *ug = ug_find(e, p.hub, p.user, op == WPS_REST_ADD_USER_TO_GROUP);
        if (ug) {
            if (op == WPS_REST_ADD_USER_TO_GROUP) strv_add_unique(&ug->groups, p.group);
            else if (op == WPS_REST_REMOVE_USER_FROM_GROUP) strv_remove(&ug->groups, p.group);
            else strv_free(&ug->groups);
        }
        for (c = e->conns; c; c = c->next) {
            if (!conn_in_hub(c, p.hub) || !c->user || strcmp(c->user, p.user)) continue;
            if (op == WPS_REST_ADD_USER_TO_GROUP) join(c, p.group);
            else if (op == WPS_REST_REMOVE_USER_FROM_GROUP) strv_remove(&c->groups, p.group);
            else strv_free(&c->groups);
        }
        respond(out, op == WPS_REST_ADD_USER_TO_GROUP ? 200 : 204, NULL, NULL);
        break;
    }
    case WPS_REST_ADD_CONNECTIONS_TO_GROUPS:
    case WPS_REST_REMOVE_CONNECTIONS_FROM_GROUPS: {
        const wps_slice *groups = NULL;
        size_t gn = 0, need = 0;
        wps_slice fs;
        void *mem = NULL;
        char *f = NULL;
        wps_diag d;
        wps_status st = wps_rest_parse_groups_request(r->body, r->body_len, NULL, 0, &groups, &gn, &fs, &need, &d);
        if (st == WPS_ERR_BUFFER_TOO_SMALL) {
            mem = xrealloc(NULL, need);
            st = wps_rest_parse_groups_request(r->body, r->body_len, mem, need, &groups, &gn, &fs, &need, &d);
        }
        if (st != WPS_OK) {
            respond_error(out, 400, "InvalidArgument", d.reason);
            free(mem);
            break;
        }
        if (fs.ptr) f = xstrndup(fs.ptr, fs.len);
        if (f && odata_syntax_bad(f)) {
            respond_error(out, 400, "InvalidArgument", "The filter is not a valid OData expression.");
        } else {
            for (c = e->conns; c; c = c->next) {
                if (!conn_in_hub(c, p.hub) || (f && odata_match(f, c) != 1)) continue;
                for (i = 0; i < gn; i++) {
                    char *g = xstrndup(groups[i].ptr, groups[i].len);
                    if (routes[matched].op == WPS_REST_ADD_CONNECTIONS_TO_GROUPS) join(c, g);
                    else strv_remove(&c->groups, g);
                    free(g);
                }
            }
            respond(out, 200, NULL, NULL);
        }
        free(f);
        free(mem);
        break;
    }
    case WPS_REST_GRANT_PERMISSION:
    case WPS_REST_REVOKE_PERMISSION:
    case WPS_REST_CHECK_PERMISSION: {
        char *grant;
        int found = 0, has = 0;
        if (strcmp(p.perm, "sendToGroup") && strcmp(p.perm, "joinLeaveGroup")) {
            respond_error(out, 400, "InvalidArgument", "The permission is sendToGroup or joinLeaveGroup.");
            break;
        }
        grant = grant_key(p.perm, target_name);
        for (c = e->conns; c; c = c->next) {
            if (!conn_in_hub(c, p.hub) || strcmp(c->id, p.conn)) continue;
            found = 1;
            if (routes[matched].op == WPS_REST_GRANT_PERMISSION) strv_add_unique(&c->perms, grant);
            else if (routes[matched].op == WPS_REST_REVOKE_PERMISSION) strv_remove(&c->perms, grant);
            else has = target_name ? allowed(c, p.perm, target_name) : strv_find(&c->perms, grant) >= 0;
        }
        if (routes[matched].op == WPS_REST_CHECK_PERMISSION) respond(out, has ? 200 : 404, NULL, NULL);
        else if (!found && routes[matched].op == WPS_REST_GRANT_PERMISSION) respond_error(out, 404, "NotFound", "No such connection.");
        else respond(out, routes[matched].op == WPS_REST_GRANT_PERMISSION ? 200 : 204, NULL, NULL);
        free(grant);
        break;
    }
    case WPS_REST_GENERATE_CLIENT_TOKEN: {
        wps_token_options o;
        strv roles = {0}, groups = {0};
        wps_slice rs[64], gs[64];
        char *user = q ? query_value(q, "userId") : NULL, *mins = q ? query_value(q, "minutesToExpire") : NULL, *ct = q ? query_value(q, "clientType") : NULL;
        char tok[8192];
        size_t n = 0;
        sbuf b = {0};
        memset(&o, 0, sizeof o);
        if (q) query_values(q, "role", &roles), query_values(q, "group", &groups);
        for (i = 0; i < roles.n && i < 64; i++) rs[i] = wps_slice_from_cstr(roles.v[i]);
        for (i = 0; i < groups.n && i < 64; i++) gs[i] = wps_slice_from_cstr(groups.v[i]);
        o.hub = wps_slice_from_cstr(p.hub);
        if (user) o.user_id = wps_slice_from_cstr(user);
        o.roles = rs;
        o.role_count = roles.n < 64 ? roles.n : 64;
        o.groups = gs;
        o.group_count = groups.n < 64 ? groups.n : 64;
        o.now = now_ms / 1000u;
        o.expires_minutes = mins ? (uint32_t)strtoul(mins, NULL, 10) : 60;
        o.client_kind = ct && ieq(ct, "mqtt") ? WPS_CLIENT_KIND_MQTT : WPS_CLIENT_KIND_DEFAULT;
        if (mins && o.expires_minutes < 1) respond_error(out, 400, "InvalidArgument", "minutesToExpire must be at least 1.");
        else if (wps_client_access_token(&e->cs, &o, tok, sizeof tok, &n, NULL) != WPS_OK) respond_error(out, 400, "InvalidArgument", "Cannot generate a token.");
        else {
            sb_str(&b, "{\"token\":");
            sb_jstr(&b, tok, n);
            sb_str(&b, "}");
            out->status = 200;
            snprintf(out->content_type, sizeof out->content_type, "application/json");
            out->body = b.p;
            out->body_len = b.n;
        }
        strv_free(&roles), strv_free(&groups);
        free(user), free(mins), free(ct);
        break;
    }
    case WPS_REST_LIST_CONNECTIONS_IN_GROUP: {
        char *mps = q ? query_value(q, "maxpagesize") : NULL, *top = q ? query_value(q, "top") : NULL, *cont = q ? query_value(q, "continuationToken") : NULL;
        unsigned long page = mps ? strtoul(mps, NULL, 10) : 100, limit = top ? strtoul(top, NULL, 10) : 0xFFFFFFFFul,
                      skip = cont ? strtoul(cont, NULL, 10) : 0, k = 0, n = 0;
        sbuf b = {0};
        if (page < 1 || page > 200 || limit < 1) {
            respond_error(out, 400, "InvalidArgument", "maxpagesize is 1..200 and top at least 1.");
            free(mps), free(top), free(cont);
            break;
        }
        sb_str(&b, "{\"value\":[");
        for (c = e->conns; c; c = c->next) {
            if (!conn_in_hub(c, p.hub) || strv_find(&c->groups, p.group) < 0) continue;
            if (k++ < skip) continue;
            if (n == page || skip + n >= limit) break;
            if (n++) sb_str(&b, ",");
            sb_str(&b, "{\"connectionId\":");
            sb_jstr(&b, c->id, strlen(c->id));
            if (c->user) {
                sb_str(&b, ",\"userId\":");
                sb_jstr(&b, c->user, strlen(c->user));
            }
            sb_str(&b, "}");
        }
        sb_str(&b, "]");
        if (c && skip + n < limit) { /* more: the next page's absolute URL, on the host the client used */
            sbuf link = {0};
            char num[32], ep[512];
            size_t en;
            if (r->host && *r->host) {
                sb_str(&link, e->cs.endpoint.len >= 5 && !strncmp(e->cs.endpoint.ptr, "https", 5) ? "https://" : "http://");
                sb_str(&link, r->host);
            } else {
                en = wps_connection_string_endpoint(&e->cs, ep, sizeof ep - 1);
                sb_put(&link, ep, en < sizeof ep ? en : 0);
            }
            sb_str(&link, "/api/hubs/");
            sb_str(&link, p.hub);
            sb_str(&link, "/groups/");
            {
                size_t gn = wps_percent_encode(p.group, strlen(p.group), NULL, 0);
                char *g = (char *)xrealloc(NULL, gn + 1);
                wps_percent_encode(p.group, strlen(p.group), g, gn);
                sb_put(&link, g, gn);
                free(g);
            }
            snprintf(num, sizeof num, "%lu", page);
            sb_str(&link, "/connections?api-version=2024-12-01&maxpagesize=");
            sb_str(&link, num);
            if (top) {
                snprintf(num, sizeof num, "%lu", limit);
                sb_str(&link, "&top=");
                sb_str(&link, num);
            }
            snprintf(num, sizeof num, "%lu", skip + n);
            sb_str(&link, "&continuationToken=");
            sb_str(&link, num);
            sb_str(&b, ",\"nextLink\":");
            sb_jstr(&b, link.p, link.n);
            free(link.p);
        }
        sb_str(&b, "}");
        out->status = 200;
        snprintf(out->content_type, sizeof out->content_type, "application/json");
        out->body = b.p;
        out->body_len = b.n;
        free(mps), free(top), free(cont);
        break;
    }
    default: respond_error(out, 404, "NotFound", "Not served by this emulator."); break;
    }
done:
    logf_(e, "REST %s %s -> %d", r->method, r->target, out->status);
    rparams_free(&p);
    strv_free(&excluded);
    free(filter), free(reason), free(target_name), free(path);
}
