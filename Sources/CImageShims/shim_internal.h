#ifndef SV_SHIM_INTERNAL_H
#define SV_SHIM_INTERNAL_H
#include "include/CImageShims.h"
void sv_set_message(sv_result *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sv_result_reset(sv_result *out);
/* Records the size; returns 0 (with status/message set) when empty or over the limit. */
int sv_check_size(sv_result *out, uint64_t width, uint64_t height, uint64_t max_pixels);
#endif
