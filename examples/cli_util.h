/* Small helpers shared by the wps command-line tool (the examples) and the tests that drive the
   same text formats. Not part of the library. */
#ifndef WPS_CLI_UTIL_H
#define WPS_CLI_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes s as a JSON string (UTF-8 passed through; controls, quotes and backslashes escaped). */
static inline void cli_put_jstr(FILE *f, const char *s, size_t n) {
    size_t i;
    fputc('"', f);
    for (i = 0; s && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

#ifndef WPS_NO_CLIENT
/* A retry policy written MAX/DELAY_MS/MAX_DELAY_MS[/exponential] (MAX may be "unlimited"). */
static inline int cli_retry_policy(const char *v, wps_retry_policy *p) {
    char maxr[32], mode[32] = "fixed";
    unsigned d = 0, md = 0;
    if (sscanf(v, "%31[^/]/%u/%u/%31s", maxr, &d, &md, mode) < 3) return 0;
    p->max_retries = !strcmp(maxr, "unlimited") ? WPS_RETRY_UNLIMITED : (uint32_t)strtoul(maxr, NULL, 10);
    p->delay_ms = d;
    p->max_delay_ms = md;
    p->mode = !strcmp(mode, "exponential") ? WPS_RETRY_EXPONENTIAL : WPS_RETRY_FIXED;
    return 1;
}
#endif

#endif
