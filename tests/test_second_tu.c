/* Includes wps.h without WPS_IMPLEMENTATION (declarations only) and again after defining it in a
   different TU (main.c): checks the stb layout links, and that including twice is harmless. */
#include "../wps.h"
#include "../wps.h"
#include "harness.h"

TEST declarations_link_from_another_unit(void) {
    ASSERT_STR_EQ("json.webpubsub.azure.v1", wps_protocol_name(WPS_PROTOCOL_JSON));
    ASSERT_EQ(0, WPS_VERSION_MAJOR);
    PASS();
}

SUITE(second_translation_unit) { RUN_TEST(declarations_link_from_another_unit); }
