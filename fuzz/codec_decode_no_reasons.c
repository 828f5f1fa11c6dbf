/* libFuzzer target: fuzz/codec_decode.c on a build without the sentences of failures
   (WPS_NO_REASONS): the same round trips, and every failure's reason at most a key and a byte
   offset. Seeds: fuzz/corpus/codec_decode. */
#define WPS_NO_REASONS
#include "codec_decode.c"
