#ifndef SV_SHIM_INTERNAL_H
#define SV_SHIM_INTERNAL_H
#include "include/CImageShims.h"
void sv_set_message(sv_result *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sv_result_reset(sv_result *out);
/* Records the size; returns 0 (with status/message set) when empty or over the limit. */
int sv_check_size(sv_result *out, uint64_t width, uint64_t height, uint64_t max_pixels);

/* A decode's time limit: the clock is read at most once per 64 K units of work (pixels), so the
 * check costs nothing even on a 1-pixel-wide image of millions of rows. */
typedef struct sv_watch {
    double started, deadline;   /* CLOCK_MONOTONIC seconds; deadline 0: no limit */
    double max_seconds;
    uint64_t work;              /* units since the clock was last read */
} sv_watch;
void sv_watch_start(sv_watch *watch, double max_seconds);
/* Adds `units` of work; returns 1 (and sets out's status, message and seconds) once past the
 * deadline. `what` names the decoder ("JPEG"). */
int sv_watch_expired(sv_watch *watch, uint64_t units, sv_result *out, const char *what);
/* png_unfilter.c: undoes filter `filter` of one row of `n` bytes with `bpp` bytes per complete pixel
 * (at least 1), given `prior`, the previous unfiltered row (zeros above the first). Returns the
 * unfiltered row: `raw` itself for filter 0, else `out`; NULL for a filter type over 4. `raw`,
 * `prior` and `out` must each have SV_PNG_ROW_SLACK bytes past `n` that may be read (and, for
 * `out`, written). */
#define SV_PNG_ROW_SLACK 16
const uint8_t *sv_png_unfilter_row(const uint8_t *raw, const uint8_t *prior, uint8_t *out, size_t n, size_t bpp,
                                   int filter);
/* Two consecutive rows both filtered with Paeth (filter 4), `raw0` above `raw1`, into `out0` and
 * `out1` (distinct from `prior` and from each other), faster than two sv_png_unfilter_row calls.
 * 1 when done; 0 when this CPU or pixel size has no such path (nothing written): unfilter the rows
 * one at a time. The same slack rules as sv_png_unfilter_row. */
int sv_png_unfilter_paeth_pair(const uint8_t *raw0, const uint8_t *raw1, const uint8_t *prior, uint8_t *out0,
                               uint8_t *out1, size_t n, size_t bpp);
#endif
