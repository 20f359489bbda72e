#include "include/CImageShims.h"
#include "shim_internal.h"
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <stdarg.h>

void sv_free(void *p) { free(p); }

void sv_gray_from_color(const uint8_t *src, size_t count, size_t step, int r_off, int b_off, uint8_t *dst) {
    for (size_t i = 0; i < count; i++, src += step) {
        uint32_t r = src[r_off], g = src[1], b = src[b_off];
        dst[i] = (uint8_t)((3735u * b + 19235u * g + 9798u * r + 16384u) >> 15);
    }
}

void sv_set_message(sv_result *out, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
}

void sv_result_reset(sv_result *out) {
    memset(out, 0, sizeof *out);
    out->orientation = 1;
}

int sv_check_size(sv_result *out, uint64_t width, uint64_t height, uint64_t max_pixels) {
    out->width = (uint32_t)width;
    out->height = (uint32_t)height;
    if (width == 0 || height == 0) {
        out->status = SV_CORRUPT;
        sv_set_message(out, "image has zero size (%llux%llu)", (unsigned long long)width, (unsigned long long)height);
        return 0;
    }
    if (width > max_pixels || height > max_pixels || width * height > max_pixels) {
        out->status = SV_TOO_LARGE;
        sv_set_message(out, "%llux%llu exceeds the pixel limit %llu", (unsigned long long)width,
                       (unsigned long long)height, (unsigned long long)max_pixels);
        return 0;
    }
    return 1;
}
