/* wps rest / wps webhook: the service helpers of wps.h on the command line (part of build/wps).
 *
 *   wps rest --connection-string CS --hub H [--service webpubsub|signalr] [--api-version V]
 *            [--now UNIX_SECONDS] [--expires-minutes N] OPERATION [--PARAM VALUE]...
 *            [--body TEXT | --body-file F] [--content-type T]
 *       prints the request: "METHOD <absolute URL>", "Name: value" header lines, an empty line,
 *       then the body bytes. PARAM names are the REST parameter names (case-insensitive).
 *
 *   wps webhook ...   see cmd_webhook below.
 */
#define _POSIX_C_SOURCE 200809L
#include "../wps.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int wps_cli_rest(int argc, char **argv);
int wps_cli_webhook(int argc, char **argv);

#define MAX_LIST 256

/* Reads a whole file (or stdin for "-"); the caller frees. */
static char *read_all(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    char *p = NULL;
    size_t n = 0, cap = 0;
    if (!f) return NULL;
    for (;;) {
        size_t got;
        if (n == cap) {
            char *np = (char *)realloc(p, cap ? cap * 2 : 4096);
            if (!np) {
                free(p);
                p = NULL;
                break;
            }
            p = np;
            cap = cap ? cap * 2 : 4096;
        }
        got = fread(p + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (f != stdin) fclose(f);
    *len = n;
    return p;
}

static int parse_u32(const char *v, uint32_t *out) {
    char *end;
    unsigned long long x;
    if (!v || !*v || *v == '-') return 0;
    x = strtoull(v, &end, 10);
    if (*end || x > 0xFFFFFFFFull) return 0;
    *out = (uint32_t)x;
    return 1;
}

static int rest_usage(void) {
    fputs("usage: wps rest --connection-string CS --hub H [--service webpubsub|signalr] [--api-version V]\n"
          "                [--now UNIX_SECONDS] [--expires-minutes N] OPERATION [--PARAM VALUE]...\n"
          "                [--body TEXT | --body-file F] [--content-type T]\n"
          "PARAMs: --group --groups --userId (--user) --connectionId --permission --excluded --filter --reason\n"
          "        --targetName --messageTtlSeconds --role --minutesToExpire --clientType --maxpagesize --top\n"
          "        --continuationToken --application --ttl --streamId --completed --target --arguments\n"
          "        --command send:TARGET[:ARGS_JSON]|join:GROUP|leave:GROUP|close[:REASON] --next-link URL\n"
          "OPERATIONs: the REST operation names, e.g. SendToGroup, AddUserToGroup, CloseConnection:\n",
          stderr);
    {
        int i;
        for (i = 0; i < (int)WPS_REST_OPERATION_COUNT; i++)
            fprintf(stderr, "  %-9s %s\n", wps_rest_operation_service((wps_rest_operation)i) == WPS_SERVICE_SIGNALR ? "signalr" : "webpubsub",
                    wps_rest_operation_name((wps_rest_operation)i));
    }
    return 2;
}

int wps_cli_rest(int argc, char **argv) {
    const char *cstr = NULL, *opname = NULL, *body_file = NULL;
    wps_service service = WPS_SERVICE_WEBPUBSUB;
    wps_rest_operation op;
    wps_rest_params p;
    wps_slice excluded[MAX_LIST], roles[MAX_LIST], groups[MAX_LIST];
    wps_signalr_command commands[MAX_LIST];
    const char *group_arg = NULL;
    size_t ngroups_flag = 0;
    wps_connection_string cs;
    wps_rest_request req;
    wps_diag d;
    wps_status st;
    char *buf = NULL, *file_body = NULL;
    size_t need = 0;
    int i, group_is_list;
    memset(&p, 0, sizeof p);
    p.now = (uint64_t)time(NULL);
    for (i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strncmp(a, "--", 2) != 0) {
            if (opname) {
                fprintf(stderr, "wps rest: unexpected argument '%s'\n", a);
                return rest_usage();
            }
            opname = a;
            continue;
        }
        if (!v) {
            fprintf(stderr, "wps rest: option %s needs a value\n", a);
            return rest_usage();
        }
        i++;
        a += 2;
#define IS(name) (!strcasecmp(a, name))
        if (IS("connection-string")) cstr = v;
        else if (IS("hub")) p.hub = wps_slice_from_cstr(v);
        else if (IS("service")) {
            if (!strcmp(v, "signalr")) service = WPS_SERVICE_SIGNALR;
            else if (strcmp(v, "webpubsub") != 0) return rest_usage();
        } else if (IS("api-version")) p.api_version = wps_slice_from_cstr(v);
        else if (IS("now")) p.now = strtoull(v, NULL, 10);
        else if (IS("expires-minutes")) {
            uint32_t m;
            if (!parse_u32(v, &m) || m > 0xFFFFFFFFu / 60u) return rest_usage();
            p.token_seconds = m * 60u;
        } else if (IS("body")) p.body = wps_slice_from_cstr(v);
        else if (IS("body-file")) body_file = v;
        else if (IS("content-type")) p.content_type = wps_slice_from_cstr(v);
        else if (IS("group")) {
            if (!group_arg) group_arg = v;
            if (ngroups_flag < MAX_LIST) groups[ngroups_flag++] = wps_slice_from_cstr(v);
        } else if (IS("groups")) {
            if (ngroups_flag < MAX_LIST) groups[ngroups_flag++] = wps_slice_from_cstr(v);
            group_arg = NULL;
        } else if (IS("userId") || IS("user")) p.user_id = wps_slice_from_cstr(v);
        else if (IS("connectionId")) p.connection_id = wps_slice_from_cstr(v);
        else if (IS("permission")) p.permission = wps_slice_from_cstr(v);
        else if (IS("excluded")) {
            if (p.excluded_count < MAX_LIST) excluded[p.excluded_count++] = wps_slice_from_cstr(v);
        } else if (IS("filter")) p.filter = wps_slice_from_cstr(v);
        else if (IS("reason")) p.reason = wps_slice_from_cstr(v);
        else if (IS("targetName")) p.target_name = wps_slice_from_cstr(v);
        else if (IS("messageTtlSeconds")) {
            if (!parse_u32(v, &p.message_ttl_seconds)) return rest_usage();
            p.has_message_ttl = true;
        } else if (IS("role")) {
            if (p.role_count < MAX_LIST) roles[p.role_count++] = wps_slice_from_cstr(v);
        } else if (IS("minutesToExpire")) {
            if (!parse_u32(v, &p.minutes_to_expire)) return rest_usage();
        } else if (IS("clientType")) p.client_type = wps_slice_from_cstr(v);
        else if (IS("maxpagesize")) {
            if (!parse_u32(v, &p.max_page_size)) return rest_usage();
        } else if (IS("top")) {
            if (!parse_u32(v, &p.top)) return rest_usage();
        } else if (IS("continuationToken")) p.continuation_token = wps_slice_from_cstr(v);
        else if (IS("application")) p.application = wps_slice_from_cstr(v);
        else if (IS("ttl")) {
            if (!parse_u32(v, &p.ttl)) return rest_usage();
            p.has_ttl = true;
        } else if (IS("streamId")) p.stream_id = wps_slice_from_cstr(v);
        else if (IS("completed")) {
            p.has_completed = true;
            if (!strcmp(v, "true")) p.completed = true;
            else if (strcmp(v, "false") != 0) return rest_usage();
        } else if (IS("target")) p.target = wps_slice_from_cstr(v);
        else if (IS("arguments")) p.arguments = wps_slice_from_cstr(v);
        else if (IS("next-link") || IS("nextLink")) p.next_link = wps_slice_from_cstr(v);
        else if (IS("command")) {
            wps_signalr_command *c = &commands[p.command_count];
            const char *colon = strchr(v, ':');
            size_t kl = colon ? (size_t)(colon - v) : strlen(v);
            if (p.command_count >= MAX_LIST) return rest_usage();
            memset(c, 0, sizeof *c);
            if (kl == 4 && !strncmp(v, "send", 4) && colon) {
                const char *c2 = strchr(colon + 1, ':');
                c->kind = WPS_SIGNALR_SEND_MESSAGE;
                c->target.ptr = colon + 1;
                c->target.len = c2 ? (size_t)(c2 - colon - 1) : strlen(colon + 1);
                if (c2) c->arguments = wps_slice_from_cstr(c2 + 1);
            } else if (kl == 4 && !strncmp(v, "join", 4) && colon) {
                c->kind = WPS_SIGNALR_JOIN_GROUP;
                c->group = wps_slice_from_cstr(colon + 1);
            } else if (kl == 5 && !strncmp(v, "leave", 5) && colon) {
                c->kind = WPS_SIGNALR_LEAVE_GROUP;
                c->group = wps_slice_from_cstr(colon + 1);
            } else if (kl == 5 && !strncmp(v, "close", 5)) {
                c->kind = WPS_SIGNALR_CLOSE_CONNECTION;
                if (colon) c->reason = wps_slice_from_cstr(colon + 1);
            } else {
                fprintf(stderr, "wps rest: bad --command '%s'\n", v);
                return rest_usage();
            }
            p.command_count++;
        } else {
            fprintf(stderr, "wps rest: unknown option --%s\n", a);
            return rest_usage();
        }
#undef IS
    }
    if (!cstr || !opname) return rest_usage();
    if (!wps_rest_operation_find(service, opname, strlen(opname), &op)) {
        fprintf(stderr, "wps rest: unknown %s operation '%s'\n", service == WPS_SERVICE_SIGNALR ? "signalr" : "webpubsub", opname);
        return rest_usage();
    }
    /* --hub is part of the synopsis: operations without one (health, access key) ignore it */
    if (strstr(wps_rest_operation_name(op), "ServiceStatus") || op == WPS_REST_SIGNALR_GET_ACCESS_KEY) p.hub.ptr = NULL;
    /* --group is the path {group}, except where the operation takes a list of groups */
    group_is_list = op == WPS_REST_GENERATE_CLIENT_TOKEN || op == WPS_REST_ADD_CONNECTIONS_TO_GROUPS || op == WPS_REST_REMOVE_CONNECTIONS_FROM_GROUPS;
    if (group_is_list) {
        p.groups = groups;
        p.group_count = ngroups_flag;
    } else if (group_arg) {
        p.group = wps_slice_from_cstr(group_arg);
        if (ngroups_flag > 1) {
            fputs("wps rest: this operation takes one --group\n", stderr);
            return 2;
        }
    } else if (ngroups_flag) {
        p.groups = groups;
        p.group_count = ngroups_flag;
    }
    p.excluded = excluded;
    p.roles = roles;
    p.commands = commands;
    if (body_file) {
        size_t n = 0;
        file_body = read_all(body_file, &n);
        if (!file_body) {
            fprintf(stderr, "wps rest: cannot read %s\n", body_file);
            return 1;
        }
        p.body.ptr = file_body;
        p.body.len = n;
    }
    st = wps_connection_string_parse(cstr, strlen(cstr), &cs, &d);
    if (st == WPS_OK) {
        st = wps_rest_build(&cs, op, &p, NULL, 0, &req, &need, &d);
        if (st == WPS_ERR_BUFFER_TOO_SMALL) {
            buf = (char *)malloc(need ? need : 1);
            st = buf ? wps_rest_build(&cs, op, &p, buf, need, &req, &need, &d) : WPS_ERR_INVALID_ARGUMENT;
        }
    }
    if (st != WPS_OK) {
        fprintf(stderr, "wps rest: %s: %s\n", wps_status_name(st), d.reason);
        free(buf);
        free(file_body);
        return 1;
    }
    printf("%s %.*s\n", req.method, (int)req.url.len, req.url.ptr);
    printf("Authorization: %.*s\n", (int)req.authorization.len, req.authorization.ptr);
    if (req.has_body) printf("Content-Type: %.*s\n", (int)req.content_type.len, req.content_type.ptr);
    fputs("\n", stdout);
    if (req.has_body) fwrite(req.body.ptr, 1, req.body.len, stdout);
    free(buf);
    free(file_body);
    return fflush(stdout) == 0 ? 0 : 1;
}

int wps_cli_webhook(int argc, char **argv) { (void)argc; (void)argv; return 2; }
