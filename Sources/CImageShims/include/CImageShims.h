#ifndef SV_IMAGE_SHIMS_H
#define SV_IMAGE_SHIMS_H
/* setjmp-protected wrappers around libpng / libjpeg / libtiff for the Imaging module.
 * Every libpng/libjpeg error longjmps back into a frame of *this* file, never across Swift.
 * Results are 8-bit gray (OpenCV's BGR2GRAY of what cv::imread would produce). */
#include <stddef.h>
#include <stdint.h>

enum {
    SV_OK = 0,
    SV_TRUNCATED = 1,       /* input ended early */
    SV_CORRUPT = 2,         /* the library rejected the data */
    SV_TOO_LARGE = 3,       /* header dimensions exceed max_pixels (nothing allocated) */
    SV_NO_MEMORY = 4,
    SV_PAGE_OUT_OF_RANGE = 5,
    SV_UNSUPPORTED = 6,     /* valid file, variant the decoder cannot convert */
    SV_OVER_TIME = 7,       /* the decode ran past limits.max_seconds and was stopped */
    SV_TOO_MANY_SCANS = 8   /* JPEG: more scans than limits.max_scans (a progressive-JPEG bomb) */
};

/* What one decode may cost. Checked during the decode, not after it: the pixel limit from the
 * header before any allocation; the time limit between rows, strips, tiles and JPEG scans (libjpeg's
 * progress monitor); the scan limit each time libjpeg starts reading a scan. */
typedef struct sv_limits {
    uint64_t max_pixels;     /* width × height */
    double max_seconds;      /* wall-clock (monotonic) seconds from the call; 0: no limit */
    uint32_t max_scans;      /* JPEG scans; 0: no limit */
} sv_limits;

typedef struct sv_result {
    int status;
    uint32_t width;          /* set as soon as the header was read, also on SV_TOO_LARGE */
    uint32_t height;
    uint8_t *pixels;         /* malloc'd width*height gray bytes on SV_OK; release with sv_free */
    uint8_t *exif;           /* malloc'd EXIF TIFF-structure bytes (may be NULL); release with sv_free */
    size_t exif_size;
    uint32_t page_count;     /* TIFF: number of directories (when known) */
    uint16_t orientation;    /* TIFF: Orientation tag (1 if absent) */
    double seconds;          /* SV_OVER_TIME: seconds elapsed when the decode was stopped */
    char message[512];       /* library error text (NUL-terminated) */
} sv_result;

void sv_free(void *p);

/* glibc only (returns 0 elsewhere): serve allocations below `mmap_threshold` bytes from the heap and
 * return free heap memory to the system only beyond `trim_threshold`, so the next scan's decode
 * buffers reuse pages instead of faulting in (and zeroing) fresh ones. 1 when both were set. */
int sv_keep_heap_pages(size_t mmap_threshold, size_t trim_threshold);

/* Y = (3735 B + 19235 G + 9798 R + 16384) >> 15 for `count` pixels `step` bytes apart,
 * with red at byte `r_off` and blue at `b_off` of each pixel (green at 1). */
void sv_gray_from_color(const uint8_t *src, size_t count, size_t step, int r_off, int b_off, uint8_t *dst);

/* dst[i] = table[src[i]] for count bytes (src and dst may be the same buffer); AVX-512 VBMI where
 * the CPU has it (sv_lookup_bytes_has_vbmi), else sv_lookup_bytes_scalar — the same bytes. */
void sv_lookup_bytes(const uint8_t *src, uint8_t *dst, size_t count, const uint8_t *table);
void sv_lookup_bytes_scalar(const uint8_t *src, uint8_t *dst, size_t count, const uint8_t *table);
int sv_lookup_bytes_has_vbmi(void);

void sv_png_decode(const uint8_t *data, size_t size, const sv_limits *limits, sv_result *out);
/* The same decode through libpng alone (no whole-image inflate): the reference the fast path is
 * checked against. */
void sv_png_decode_libpng(const uint8_t *data, size_t size, const sv_limits *limits, sv_result *out);
/* The whole-image inflate path alone (png_whole.c): 1 when `out` holds its outcome (pixels, or the
 * deadline's error), 0 when the file is libpng's to decode (then `out` is reset). sv_png_decode
 * tries it first; tests call it to know the path was taken. */
int sv_png_decode_whole(const uint8_t *data, size_t size, const sv_limits *limits, sv_result *out);
/* Encodes width×height 8-bit gray as PNG. Returns 0 and a malloc'd buffer, or non-zero with message. */
int sv_png_encode_gray(const uint8_t *pixels, uint32_t width, uint32_t height,
                       uint8_t **out_data, size_t *out_size, char *message, size_t message_capacity);

/* scale_floor 0: full size. Otherwise libjpeg-turbo's DCT scaling at the smallest of 1/8, 1/4, 1/2
 * whose output long side (rounded up, as libjpeg sizes it) is still >= scale_floor; full size when
 * none is. Chosen from the header before decoding; the pixel limit applies to the full size. */
void sv_jpeg_decode(const uint8_t *data, size_t size, const sv_limits *limits, uint32_t scale_floor, sv_result *out);
/* Encodes width×height 8-bit gray as a baseline (progressive = 0) or progressive JPEG (libjpeg's
 * default scan script) at `quality`. Returns 0 and a malloc'd buffer, or non-zero with message. */
int sv_jpeg_encode_gray(const uint8_t *pixels, uint32_t width, uint32_t height, int quality, int progressive,
                        uint8_t **out_data, size_t *out_size, char *message, size_t message_capacity);

/* page is 0-based; on SV_PAGE_OUT_OF_RANGE, width holds the page asked for and page_count the total. */
void sv_tiff_decode(const uint8_t *data, size_t size, const sv_limits *limits, uint32_t page, sv_result *out);

/* Library versions for `sigverify info` (static strings, never freed). libpng and libtiff answer
 * at run time; libjpeg has no run-time version call, so those two come from the headers built against. */
const char *sv_png_version(void);
const char *sv_tiff_version(void);     /* TIFFGetVersion(): "LIBTIFF, Version 4.5.0\nCopyright ..." */
int sv_jpeg_lib_version(void);         /* JPEG_LIB_VERSION, e.g. 62 */
const char *sv_jpeg_turbo_version(void); /* LIBJPEG_TURBO_VERSION, or NULL for another libjpeg */
const char *sv_deflate_version(void);    /* LIBDEFLATE_VERSION_STRING (libdeflate has no run-time version call) */


#endif
