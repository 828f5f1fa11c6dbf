/* harness.h - a small test harness in the vocabulary of greatest (silentbicycle/greatest 1.5):
   TEST, SUITE, RUN_TEST, RUN_SUITE, ASSERT*, PASS, FAIL, GREATEST_MAIN_DEFS/BEGIN/END.
   Define WPS_USE_REAL_GREATEST to use a real greatest.h from the include path instead.
   No allocation. The run ends with a line "N passed, N failed". */
#ifndef WPS_TEST_HARNESS_H
#define WPS_TEST_HARNESS_H

#ifdef WPS_USE_REAL_GREATEST
#include <greatest.h>
#else

#include <stdio.h>
#include <string.h>

typedef enum greatest_test_res { GREATEST_TEST_RES_PASS = 0, GREATEST_TEST_RES_FAIL = -1, GREATEST_TEST_RES_SKIP = 1 } greatest_test_res;

struct greatest_run_info {
    unsigned passed, failed, skipped, assertions;
    const char *msg;
    const char *fail_file;
    unsigned fail_line;
    const char *filter;
    int verbose;
};
extern struct greatest_run_info greatest_info;

#define TEST static enum greatest_test_res
#define SUITE(name) void name(void)
#define SUITE_EXTERN(name) void name(void)
#define GREATEST_SUITE_EXTERN(name) void name(void)

#define GREATEST_FAILm(m)                                                                               \
    do {                                                                                                \
        greatest_info.msg = (m);                                                                        \
        greatest_info.fail_file = __FILE__;                                                             \
        greatest_info.fail_line = __LINE__;                                                             \
        return GREATEST_TEST_RES_FAIL;                                                                  \
    } while (0)
#define PASS() return GREATEST_TEST_RES_PASS
#define SKIP() return GREATEST_TEST_RES_SKIP
#define FAIL() GREATEST_FAILm("FAIL")
#define FAILm(m) GREATEST_FAILm(m)
#define ASSERTm(m, c)                                                                                   \
    do {                                                                                                \
        greatest_info.assertions++;                                                                     \
        if (!(c)) GREATEST_FAILm(m);                                                                    \
    } while (0)
#define ASSERT(c) ASSERTm(#c, c)
#define ASSERT_FALSE(c) ASSERTm("!(" #c ")", !(c))
#define ASSERT_EQm(m, exp, got) ASSERTm(m, (exp) == (got))
#define ASSERT_EQ(exp, got) ASSERT_EQm(#exp " != " #got, exp, got)
#define ASSERT_EQ_FMT(exp, got, fmt)                                                                    \
    do {                                                                                                \
        greatest_info.assertions++;                                                                     \
        if ((exp) != (got)) {                                                                           \
            fprintf(stdout, "\nExpected: " fmt "\n     Got: " fmt "\n", (exp), (got));                  \
            GREATEST_FAILm(#exp " != " #got);                                                           \
        }                                                                                               \
    } while (0)
#define ASSERT_STR_EQm(m, exp, got)                                                                     \
    do {                                                                                                \
        const char *greatest_e_ = (exp), *greatest_g_ = (got);                                          \
        greatest_info.assertions++;                                                                     \
        if (strcmp(greatest_e_, greatest_g_) != 0) {                                                    \
            fprintf(stdout, "\nExpected: %s\n     Got: %s\n", greatest_e_, greatest_g_);                \
            GREATEST_FAILm(m);                                                                          \
        }                                                                                               \
    } while (0)
#define ASSERT_STR_EQ(exp, got) ASSERT_STR_EQm(#exp " != " #got, exp, got)
#define ASSERT_MEM_EQ(exp, got, size) ASSERTm(#exp " != " #got, memcmp((exp), (got), (size)) == 0)
#define CHECK_CALL(call)                                                                                \
    do {                                                                                                \
        enum greatest_test_res greatest_r_ = (call);                                                    \
        if (greatest_r_ != GREATEST_TEST_RES_PASS) return greatest_r_;                                  \
    } while (0)

void greatest_run(const char *name, enum greatest_test_res (*fn)(void));
int greatest_test_selected(const char *name);
void greatest_test_report(const char *name, enum greatest_test_res r);
/* greatest's parametric tests: the suffix names the next RUN_TEST1 ("fn_suffix") */
void greatest_set_test_suffix(const char *suffix);
const char *greatest_test_name(const char *fn_name);

#define RUN_TEST(fn) greatest_run(#fn, fn)
#define RUN_TEST1(fn, arg)                                                                              \
    do {                                                                                                \
        const char *greatest_n_ = greatest_test_name(#fn);                                              \
        if (greatest_test_selected(greatest_n_)) {                                                      \
            greatest_info.msg = NULL;                                                                   \
            greatest_test_report(greatest_n_, fn(arg));                                                 \
        }                                                                                               \
        greatest_set_test_suffix(NULL);                                                                 \
    } while (0)
#define RUN_SUITE(s)                                                                                    \
    do {                                                                                                \
        if (greatest_info.verbose) printf("* Suite %s:\n", #s);                                         \
        s();                                                                                            \
    } while (0)

#define GREATEST_MAIN_DEFS()                                                                            \
    struct greatest_run_info greatest_info;                                                             \
    static void greatest_report(const char *name, enum greatest_test_res r) {                          \
        if (r == GREATEST_TEST_RES_PASS) {                                                              \
            greatest_info.passed++;                                                                     \
            if (greatest_info.verbose) printf("  ok   %s\n", name);                                     \
        } else if (r == GREATEST_TEST_RES_SKIP) {                                                       \
            greatest_info.skipped++;                                                                    \
            printf("  skip %s\n", name);                                                                \
        } else {                                                                                        \
            greatest_info.failed++;                                                                     \
            printf("FAIL %s: %s (%s:%u)\n", name, greatest_info.msg ? greatest_info.msg : "",          \
                   greatest_info.fail_file ? greatest_info.fail_file : "?", greatest_info.fail_line);   \
        }                                                                                               \
    }                                                                                                   \
    static const char *greatest_suffix_;                                                                \
    static char greatest_name_buf_[256];                                                                \
    int greatest_test_selected(const char *name) {                                                      \
        return !greatest_info.filter || strstr(name, greatest_info.filter) != NULL;                     \
    }                                                                                                   \
    void greatest_test_report(const char *name, enum greatest_test_res r) { greatest_report(name, r); } \
    void greatest_set_test_suffix(const char *suffix) { greatest_suffix_ = suffix; }                    \
    const char *greatest_test_name(const char *fn_name) {                                               \
        if (!greatest_suffix_) return fn_name;                                                          \
        snprintf(greatest_name_buf_, sizeof greatest_name_buf_, "%s_%s", fn_name, greatest_suffix_);    \
        return greatest_name_buf_;                                                                      \
    }                                                                                                   \
    void greatest_run(const char *name, enum greatest_test_res (*fn)(void)) {                           \
        if (!greatest_test_selected(name)) return;                                                      \
        greatest_info.msg = NULL;                                                                       \
        greatest_report(name, fn());                                                                    \
    }

#define GREATEST_MAIN_BEGIN()                                                                           \
    do {                                                                                                \
        int greatest_i_;                                                                                \
        memset(&greatest_info, 0, sizeof greatest_info);                                                \
        for (greatest_i_ = 1; greatest_i_ < argc; greatest_i_++) {                                      \
            if (!strcmp(argv[greatest_i_], "-v")) greatest_info.verbose = 1;                            \
            else if (!strcmp(argv[greatest_i_], "-t") && greatest_i_ + 1 < argc)                        \
                greatest_info.filter = argv[++greatest_i_];                                             \
        }                                                                                               \
    } while (0)

#define GREATEST_MAIN_END()                                                                             \
    do {                                                                                                \
        printf("%u passed, %u failed", greatest_info.passed, greatest_info.failed);                     \
        if (greatest_info.skipped) printf(", %u skipped", greatest_info.skipped);                       \
        printf("\n");                                                                                   \
        return greatest_info.failed ? 1 : 0;                                                            \
    } while (0)

#endif /* WPS_USE_REAL_GREATEST */
#endif /* WPS_TEST_HARNESS_H */
