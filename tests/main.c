/* Test runner: the one translation unit that compiles the wps.h implementation. */
#define WPS_IMPLEMENTATION
#include "../wps.h"
#include "harness.h"

GREATEST_SUITE_EXTERN(codec);
GREATEST_SUITE_EXTERN(second_translation_unit);
GREATEST_SUITE_EXTERN(fast_path);
GREATEST_SUITE_EXTERN(client);
GREATEST_SUITE_EXTERN(crypto);
GREATEST_SUITE_EXTERN(tokens);
GREATEST_SUITE_EXTERN(rest);
GREATEST_SUITE_EXTERN(webhooks);

GREATEST_MAIN_DEFS()

int main(int argc, char **argv) {
    GREATEST_MAIN_BEGIN();
    RUN_SUITE(codec);
    RUN_SUITE(second_translation_unit);
    RUN_SUITE(fast_path);
    RUN_SUITE(client);
    RUN_SUITE(crypto);
    RUN_SUITE(tokens);
    RUN_SUITE(rest);
    RUN_SUITE(webhooks);
    GREATEST_MAIN_END();
}
