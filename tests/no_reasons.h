/* Between the two halves of build/no-reasons: the WPS_NO_REASONS codec (tests/no_reasons.c). */
#ifndef WPS_TEST_NO_REASONS_H
#define WPS_TEST_NO_REASONS_H
wps_status nr_decode(wps_direction dir, const char *frame, size_t len, size_t scratch_cap, wps_message *m, wps_diag *d);
wps_status nr_encode(wps_protocol protocol, const wps_message *m, char *out, size_t cap, size_t *len, wps_diag *d);
void no_reasons_client(void);
#endif
