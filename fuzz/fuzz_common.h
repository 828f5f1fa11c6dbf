/* fuzz_common.h: what the libFuzzer targets share. Each target includes it first (after the
   macros it sets for wps.h): it compiles the wps.h implementation into the target, and gives the
   checks every target makes.
     check(cond)             abort with the condition and its line when cond is false
     check_that(cond, what)  the same, saying what invariant was violated
     fuzz_slice_within(s, lo, hi)  an absent or empty slice, or one inside [lo, hi)
     fuzz_slice_same(a, b)   the same bytes, and both absent or both present */
#ifndef WPS_FUZZ_COMMON_H
#define WPS_FUZZ_COMMON_H

#ifndef WPS_IMPLEMENTATION
#define WPS_IMPLEMENTATION
#endif
#include "../wps.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_fail(const char *what, const char *cond, int line) {
    fprintf(stderr, "check failed: %s%s%s (line %d)\n", what ? what : "", what ? ": " : "", cond, line);
    abort();
}
#define check(cond) ((cond) ? (void)0 : fuzz_fail(NULL, #cond, __LINE__))
#define check_that(cond, what) ((cond) ? (void)0 : fuzz_fail((what), #cond, __LINE__))

static int fuzz_slice_within(wps_slice s, const char *lo, const char *hi) { return !s.ptr || !s.len || (s.ptr >= lo && s.ptr + s.len <= hi); }

static int fuzz_slice_same(wps_slice a, wps_slice b) {
    return a.len == b.len && (a.ptr == NULL) == (b.ptr == NULL) && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

#endif
