/* PNG by whole-image inflate: every IDAT byte through libdeflate in one call, then our own
 * unfiltering and the gray conversion libpng's transforms + BGR2GRAY give (png_shim.c).
 *
 * Only a file that is clean in every respect takes this path: non-interlaced, a valid IHDR within
 * libpng's default user limits, every chunk's CRC right, known critical chunks only, no eXIf (its
 * orientation is libpng's to read), IDATs in one run, a zlib stream that inflates to exactly the
 * image's size with nothing after it, filter types 0–4, palette indices inside the palette, and an
 * inflated size under SV_PNG_WHOLE_MAX_RAW. Anything else returns 0 and the caller decodes with
 * libpng, which then gives its own pixels, error or warning — so this path changes no outcome, only
 * the time (libpng inflates row by row through zlib). */
#include "include/CImageShims.h"
#include "shim_internal.h"
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#define SV_PNG_WHOLE_MAX_RAW ((size_t)128 << 20)   /* inflated bytes; larger files stream through libpng */
#define SV_PNG_USER_MAX 1000000u                   /* libpng's default user width/height limit */
#define SV_PNG_CHUNK_MAX 8000000u                  /* libpng's default ancillary chunk malloc limit */

typedef struct {
    uint32_t width, height;
    int depth, color;          /* IHDR bit depth and colour type */
    int channels;              /* samples per pixel */
    size_t pixel_bytes;        /* filter unit: bytes per complete pixel, at least 1 */
    size_t row_bytes;          /* bytes of one unfiltered row, without its filter byte */
    uint8_t palette_gray[256];
    int palette_size;          /* -1: no PLTE */
    /* depth < 8: the gray value of pixel k of a packed byte b at [b * per_byte + k], and whether
     * any of the byte's pixels indexes past the palette */
    uint8_t packed_gray[256 * 8];
    uint8_t packed_bad[256];
    int per_byte;
    const uint8_t *idat;       /* the IDAT bytes in one piece (points into the file or `joined`) */
    size_t idat_size;
    uint8_t *joined;           /* malloc'd when the IDATs had to be joined */
} png_whole;

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* IHDR as libpng accepts it, with the layout derived; 0 for anything libpng should judge. */
static int read_header(png_whole *png, const uint8_t *d, uint32_t length) {
    if (length != 13) return 0;
    png->width = be32(d);
    png->height = be32(d + 4);
    png->depth = d[8];
    png->color = d[9];
    if (d[10] != 0 || d[11] != 0 || d[12] != 0) return 0;      /* compression, filter, interlace */
    if (png->width == 0 || png->height == 0 || png->width > SV_PNG_USER_MAX || png->height > SV_PNG_USER_MAX) return 0;
    int depth = png->depth;
    switch (png->color) {
    case 0: png->channels = 1; if (depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16) return 0; break;
    case 2: png->channels = 3; if (depth != 8 && depth != 16) return 0; break;
    case 3: png->channels = 1; if (depth != 1 && depth != 2 && depth != 4 && depth != 8) return 0; break;
    case 4: png->channels = 2; if (depth != 8 && depth != 16) return 0; break;
    case 6: png->channels = 4; if (depth != 8 && depth != 16) return 0; break;
    default: return 0;
    }
    uint64_t bits = (uint64_t)png->width * (uint64_t)(png->channels * depth);
    png->row_bytes = (size_t)((bits + 7) / 8);
    png->pixel_bytes = (size_t)(png->channels * depth + 7) / 8;
    return 1;
}

/* PLTE: RGB entries → gray through BGR2GRAY, as palette_to_rgb then the RGB path would give. */
static int read_palette(png_whole *png, const uint8_t *d, uint32_t length) {
    if (png->palette_size >= 0 || png->color != 3 || length == 0 || length % 3 != 0 || length / 3 > 256) return 0;
    png->palette_size = (int)(length / 3);
    sv_gray_from_color(d, (size_t)png->palette_size, 3, 0, 2, png->palette_gray);
    return 1;
}

/* Four ASCII letters, as libpng requires of a chunk type. */
static int is_chunk_name(const uint8_t *type) {
    for (int i = 0; i < 4; i++) {
        uint8_t c = type[i] & ~0x20;
        if (c < 'A' || c > 'Z') return 0;
    }
    return 1;
}

/* Walks the chunks up to IEND; 1 with the IDAT bytes found when every chunk is as required. */
static int read_chunks(png_whole *png, const uint8_t *data, size_t size) {
    static const uint8_t signature[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };
    if (size < 8 || memcmp(data, signature, 8) != 0) return 0;
    size_t pos = 8, idat_runs = 0, idat_total = 0;
    int seen_header = 0, in_idat = 0;
    const uint8_t *first_idat = NULL;
    for (;;) {
        if (size - pos < 12) return 0;
        uint32_t length = be32(data + pos);
        const uint8_t *type = data + pos + 4, *body = data + pos + 8;
        if (length > 0x7FFFFFFFu || size - pos - 12 < length || !is_chunk_name(type)) return 0;
        if (libdeflate_crc32(0, type, 4 + (size_t)length) != be32(body + length)) return 0;
        int is_idat = memcmp(type, "IDAT", 4) == 0;
        if (!seen_header) {
            if (memcmp(type, "IHDR", 4) != 0 || !read_header(png, body, length)) return 0;
            seen_header = 1;
        } else if (is_idat) {
            if (!in_idat) { if (idat_runs++ > 0) return 0; first_idat = body; }
            /* libpng refuses an IDAT chunk longer than its bound for the image (about its raw size) */
            if (length > (uint64_t)png->height * (png->row_bytes + 1)) return 0;
            idat_total += length;
        } else if (memcmp(type, "IEND", 4) == 0) {
            break;
        } else if (memcmp(type, "PLTE", 4) == 0) {
            if (idat_runs > 0 || !read_palette(png, body, length)) return 0;
        } else if ((type[0] & 0x20) == 0 || memcmp(type, "eXIf", 4) == 0 || length > SV_PNG_CHUNK_MAX) {
            return 0;   /* unknown critical chunk, EXIF, or an oversized ancillary chunk: libpng's */
        }
        in_idat = is_idat;
        pos += 12 + (size_t)length;
    }
    if (idat_runs != 1 || (png->color == 3 && png->palette_size < 0)) return 0;
    return (png->idat = first_idat, png->idat_size = idat_total, 1);
}

/* The IDAT bytes in one piece: in place when there is one IDAT chunk, else copied together. */
static int join_idats(png_whole *png) {
    const uint8_t *p = png->idat;
    uint32_t first = be32(p - 8);
    if (first == png->idat_size) return 1;
    png->joined = malloc(png->idat_size ? png->idat_size : 1);
    if (!png->joined) return 0;
    size_t copied = 0;
    while (copied < png->idat_size) {
        uint32_t length = be32(p - 8);
        memcpy(png->joined + copied, p, length);
        copied += length;
        p += (size_t)length + 12;
    }
    png->idat = png->joined;
    return 1;
}

/* The table for 1/2/4-bit rows: expand_gray_1_2_4_to_8's scaling (×255, ×85, ×17) or the palette. */
static void build_packed_table(png_whole *png) {
    int depth = png->depth, mask = (1 << depth) - 1;
    png->per_byte = 8 / depth;
    for (int b = 0; b < 256; b++) {
        png->packed_bad[b] = 0;
        for (int k = 0; k < png->per_byte; k++) {
            int v = b >> (8 - depth * (k + 1)) & mask;
            if (png->color == 0) {
                png->packed_gray[b * png->per_byte + k] = (uint8_t)(v * (255 / mask));
            } else {
                png->packed_bad[b] |= v >= png->palette_size;
                png->packed_gray[b * png->per_byte + k] = v < png->palette_size ? png->palette_gray[v] : 0;
            }
        }
    }
}

/* A 1/2/4-bit row through the table: whole bytes at once, the last byte's padding bits unread. */
static int packed_row(const png_whole *png, const uint8_t *s, uint8_t *d) {
    uint32_t w = png->width, n = (uint32_t)png->per_byte, full = w / n, x = 0;
    for (uint32_t i = 0; i < full; i++, x += n) {
        if (png->packed_bad[s[i]]) return 0;
        memcpy(d + x, png->packed_gray + (size_t)s[i] * n, n);
    }
    int depth = png->depth, mask = (1 << depth) - 1;
    for (uint32_t k = 0; x < w; x++, k++) {
        int v = s[full] >> (8 - depth * (int)(k + 1)) & mask;
        if (png->color == 3 && v >= png->palette_size) return 0;
        d[x] = png->packed_gray[(size_t)s[full] * n + k];
    }
    return 1;
}

/* One unfiltered row to gray, as strip_16, strip_alpha, palette_to_rgb, expand_gray_1_2_4_to_8
 * and BGR2GRAY give it; 0 when a palette index is outside the palette (libpng decides those).
 * `scratch` holds 3 × width bytes (16-bit colour rows are packed to 8-bit RGB there first). */
static int gray_row(const png_whole *png, const uint8_t *s, uint8_t *d, uint8_t *scratch) {
    uint32_t w = png->width;
    int depth = png->depth;
    size_t sample = depth == 16 ? 2 : 1;
    switch (png->color) {
    case 0:
    case 3:
        if (depth < 8) return packed_row(png, s, d);
        if (png->color == 0 && sample == 1) { memcpy(d, s, w); return 1; }
        if (png->color == 0) { for (uint32_t x = 0; x < w; x++) d[x] = s[2 * x]; return 1; }
        for (uint32_t x = 0; x < w; x++) {
            if (s[x] >= png->palette_size) return 0;
            d[x] = png->palette_gray[s[x]];
        }
        return 1;
    case 4:
        for (uint32_t x = 0; x < w; x++) d[x] = s[x * 2 * sample];
        return 1;
    default:   /* 2, 6 */
        if (depth == 8) {
            sv_gray_from_color(s, w, (size_t)png->channels, 0, 2, d);
            return 1;
        }
        for (uint32_t x = 0; x < w; x++)   /* 16-bit: the high byte of each sample (big-endian) */
            for (int c = 0; c < 3; c++) scratch[3 * x + c] = s[2 * ((size_t)x * png->channels + c)];
        sv_gray_from_color(scratch, w, 3, 0, 2, d);
        return 1;
    }
}

/* Unfilters and converts row by row, the deadline checked between rows. Rows are unfiltered out
 * of place into three rotating buffers (a row needs the one above; two Paeth rows in a row are
 * unfiltered together, sv_png_unfilter_paeth_pair). 1: `gray` holds the image or `out` holds the
 * deadline error; 0: a bad filter or palette index (libpng's to judge). `raw` has
 * SV_PNG_ROW_SLACK bytes past its end. */
static int rows_to_gray(const png_whole *png, const uint8_t *raw, uint8_t *gray, sv_watch *watch, sv_result *out) {
    size_t n = png->row_bytes, padded = n + SV_PNG_ROW_SLACK;
    uint8_t *rows = malloc(4 * padded), *scratch = malloc((size_t)png->width * 3);
    if (!rows || !scratch) { free(rows); free(scratch); return 0; }
    memset(rows, 0, padded);   /* the zero row above row 0 */
    const uint8_t *prior = rows;
    int ok = 1;
    for (uint32_t y = 0; y < png->height && ok; y++) {
        const uint8_t *filtered = raw + (size_t)y * (n + 1), *next = filtered + n + 1;
        uint8_t *target = rows + (1 + y % 3) * padded, *below = rows + (1 + (y + 1) % 3) * padded;
        uint64_t units = png->width;
        if (filtered[0] == 4 && y + 1 < png->height && next[0] == 4
            && sv_png_unfilter_paeth_pair(filtered + 1, next + 1, prior, target, below, n, png->pixel_bytes)) {
            ok = gray_row(png, target, gray + (size_t)y * png->width, scratch);
            y++;
            units *= 2;
            prior = below;
        } else {
            prior = sv_png_unfilter_row(filtered + 1, prior, target, n, png->pixel_bytes, filtered[0]);
            ok = prior != NULL;
        }
        ok = ok && gray_row(png, prior, gray + (size_t)y * png->width, scratch);
        if (ok && sv_watch_expired(watch, units, out, "PNG")) break;
    }
    free(rows);
    free(scratch);
    return ok;
}

/* One decompressor per thread, kept for the thread's life (about 10 KB; worker threads are few
 * and long-lived), so small scans do not pay its allocation. */
static struct libdeflate_decompressor *thread_inflater(void) {
    static _Thread_local struct libdeflate_decompressor *inflater;
    if (!inflater) inflater = libdeflate_alloc_decompressor();
    return inflater;
}

int sv_png_decode_whole(const uint8_t *data, size_t size, const sv_limits *limits, sv_result *out) {
    sv_watch watch;   /* from the call, so the inflate counts against the deadline too */
    sv_watch_start(&watch, limits->max_seconds);
    png_whole png;
    memset(&png, 0, sizeof png);
    png.palette_size = -1;
    if (!read_chunks(&png, data, size)) return 0;
    if (png.depth < 8) build_packed_table(&png);
    size_t raw_size = (size_t)png.height * (png.row_bytes + 1);
    if ((uint64_t)png.width * png.height > limits->max_pixels || raw_size > SV_PNG_WHOLE_MAX_RAW) return 0;
    if (!join_idats(&png)) return 0;
    /* Deflate with a 32 KiB window, or a smaller one no longer than the whole image: zlib (libpng)
     * rejects distances past a smaller window that libdeflate, always 32 KiB, would follow. */
    int window_log = png.idat_size >= 2 ? (png.idat[0] >> 4) + 8 : 0;
    if (png.idat_size < 2 || (png.idat[0] & 0x0F) != 8 || window_log > 15
        || (window_log < 15 && raw_size > (size_t)1 << window_log)) {
        free(png.joined);
        return 0;
    }
    uint8_t *raw = malloc(raw_size + SV_PNG_ROW_SLACK);   /* the last row: slack */
    uint8_t *gray = malloc((size_t)png.width * png.height);
    struct libdeflate_decompressor *inflater = thread_inflater();
    size_t used_in = 0, produced = 0;
    int done = raw && gray && inflater
        && libdeflate_zlib_decompress_ex(inflater, png.idat, png.idat_size, raw, raw_size, &used_in, &produced)
               == LIBDEFLATE_SUCCESS
        && used_in == png.idat_size && produced == raw_size;
    free(png.joined);
    sv_result_reset(out);
    done = done && sv_check_size(out, png.width, png.height, limits->max_pixels)
        && rows_to_gray(&png, raw, gray, &watch, out);
    free(raw);
    if (done && out->status == SV_OK) {
        out->pixels = gray;
        return 1;
    }
    free(gray);
    if (done) return 1;   /* stopped at the deadline: out says so */
    sv_result_reset(out);
    return 0;
}

const char *sv_deflate_version(void) { return LIBDEFLATE_VERSION_STRING; }
