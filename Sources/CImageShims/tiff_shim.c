/* TIFF through libtiff, the way OpenCV's TiffDecoder reads it into an 8-bit 3-channel image:
 * TIFFReadRGBAStrip / TIFFReadRGBATile into a bottom-up RGBA buffer, rows placed exactly as
 * OpenCV places them (vertical flip for bottom-origin orientations), then OpenCV's partial
 * orientation fix (transposes for orientations 5–8). Errors and warnings go to per-open handlers
 * (no stderr, no global state); any libtiff error fails the decode. */
#include "include/CImageShims.h"
#include "shim_internal.h"
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

typedef struct {
    const uint8_t *data;
    toff_t size, pos;
    sv_result *out;
    int errors;
} tiff_source;

static int tiff_error_handler(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif;
    tiff_source *src = (tiff_source *)user;
    src->errors++;
    if (src->out->message[0] == 0) {
        char text[400];
        vsnprintf(text, sizeof text, fmt, ap);
        if (module && module[0]) sv_set_message(src->out, "%s: %s", module, text);
        else sv_set_message(src->out, "%s", text);
    }
    return 1;
}

static int tiff_warning_handler(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1; /* warnings (unknown tags, odd but readable fields) never change the pixels */
}

static tmsize_t tiff_read(thandle_t h, void *buf, tmsize_t n) {
    tiff_source *src = (tiff_source *)h;
    if (n < 0) return 0;
    toff_t left = src->size - src->pos;
    if ((toff_t)n > left) n = (tmsize_t)left;
    memcpy(buf, src->data + src->pos, (size_t)n);
    src->pos += (toff_t)n;
    return n;
}

static tmsize_t tiff_write(thandle_t h, void *buf, tmsize_t n) { (void)h; (void)buf; (void)n; return 0; }

static toff_t tiff_seek(thandle_t h, toff_t off, int whence) {
    tiff_source *src = (tiff_source *)h;
    toff_t pos = src->pos;
    switch (whence) {
    case SEEK_SET: pos = off; break;
    case SEEK_CUR: pos += off; break;
    case SEEK_END: pos = src->size + off; break;
    default: return (toff_t)-1;
    }
    if (pos > src->size) pos = src->size;
    src->pos = pos;
    return pos;
}

static int tiff_close(thandle_t h) { (void)h; return 0; }
static toff_t tiff_size(thandle_t h) { return ((tiff_source *)h)->size; }

static int tiff_map(thandle_t h, void **base, toff_t *size) {
    tiff_source *src = (tiff_source *)h;
    *base = (void *)src->data;
    *size = src->size;
    return 1;
}

static void tiff_unmap(thandle_t h, void *base, toff_t size) { (void)h; (void)base; (void)size; }

static void fail(sv_result *out, int status, const char *text) {
    if (out->status == SV_OK) out->status = status;
    if (out->message[0] == 0) sv_set_message(out, "%s", text);
}

/* OpenCV's fixOrientationPartial on the gray result: 6/8 → rotate 180° then transpose; 5/7 → transpose. */
static uint8_t *fix_orientation_partial(uint8_t *gray, uint32_t *w, uint32_t *h, uint16_t orientation) {
    int flip_both = orientation == ORIENTATION_RIGHTTOP || orientation == ORIENTATION_LEFTBOT;
    int transpose = flip_both || orientation == ORIENTATION_LEFTTOP || orientation == ORIENTATION_RIGHTBOT;
    if (!transpose) return gray;
    uint32_t W = *w, H = *h;
    uint8_t *t = malloc((size_t)W * H);
    if (!t) return NULL;
    /* out(x, y) over the H×W transposed image = src'(y, x), src' = src rotated 180° if flip_both */
    for (uint32_t y = 0; y < W; y++) {
        uint8_t *dst = t + (size_t)y * H;
        for (uint32_t x = 0; x < H; x++) {
            uint32_t sx = y, sy = x;
            if (flip_both) { sx = W - 1 - sx; sy = H - 1 - sy; }
            dst[x] = gray[(size_t)sy * W + sx];
        }
    }
    free(gray);
    *w = H; *h = W;
    return t;
}

void sv_tiff_decode(const uint8_t *data, size_t size, const sv_limits *limits, uint32_t page, sv_result *out) {
    sv_result_reset(out);
    uint64_t max_pixels = limits->max_pixels;
    sv_watch watch;
    sv_watch_start(&watch, limits->max_seconds);
    tiff_source src = { data, (toff_t)size, 0, out, 0 };
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts) { fail(out, SV_NO_MEMORY, "out of memory"); return; }
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_error_handler, &src);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_warning_handler, &src);
    uint64_t cap = max_pixels * 4u + (64u << 20);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)(cap > (uint64_t)(((size_t)-1) >> 1) ? 0 : cap));
    TIFF *tif = TIFFClientOpenExt("scan", "r", (thandle_t)&src, tiff_read, tiff_write, tiff_seek, tiff_close,
                                  tiff_size, tiff_map, tiff_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif) {
        fail(out, src.size < 16 ? SV_TRUNCATED : SV_CORRUPT, "libtiff could not open the file");
        return;
    }
    uint8_t *gray = NULL;
    uint32_t *raster = NULL;
    if (page > 0) {
        if (!TIFFSetDirectory(tif, (tdir_t)page)) {
            out->status = SV_PAGE_OUT_OF_RANGE;
            out->message[0] = 0;
            out->width = page;
            out->page_count = (uint32_t)TIFFNumberOfDirectories(tif);
            sv_set_message(out, "page %u of %u", page, out->page_count);
            goto done;
        }
    }
    uint32_t width = 0, height = 0;
    uint16_t photometric = 0;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height) ||
        !TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric)) {
        fail(out, SV_CORRUPT, "missing ImageWidth, ImageLength or PhotometricInterpretation");
        goto done;
    }
    /* OpenCV's readHeader validation. */
    int is_gray = photometric == PHOTOMETRIC_MINISWHITE || photometric == PHOTOMETRIC_MINISBLACK;
    uint16_t bpp = 8, ncn = is_gray ? 1 : 3, sample_format = SAMPLEFORMAT_UINT;
    if (!TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bpp)) bpp = 1;
    TIFFGetField(tif, TIFFTAG_SAMPLESPERPIXEL, &ncn);
    TIFFGetField(tif, TIFFTAG_SAMPLEFORMAT, &sample_format);
    if (ncn == 3 && photometric == PHOTOMETRIC_LOGLUV) {
        fail(out, SV_UNSUPPORTED, "LogLuv high-dynamic-range TIFF");
        goto done;
    }
    if (bpp > 8 && (photometric > 2 || (ncn != 1 && ncn != 3 && ncn != 4))) bpp = 8;
    if (ncn < 1 || ncn > 4) { fail(out, SV_UNSUPPORTED, "samples per pixel must be 1 to 4"); goto done; }
    int int_format = sample_format == SAMPLEFORMAT_UINT || sample_format == SAMPLEFORMAT_INT;
    switch (bpp) {
    case 1: case 8: case 10: case 12: case 14: case 16:
        if (!int_format) { fail(out, SV_UNSUPPORTED, "non-integer sample format"); goto done; }
        break;
    case 4:
        if (photometric != PHOTOMETRIC_PALETTE || !int_format) {
            fail(out, SV_UNSUPPORTED, "4-bit samples are supported for palette images only");
            goto done;
        }
        break;
    case 32: case 64:
        break; /* rejected below by TIFFRGBAImageOK, as in OpenCV */
    default:
        fail(out, SV_UNSUPPORTED, "bits per sample must be 1, 4, 8, 10, 12, 14, 16, 32 or 64");
        goto done;
    }
    if (!sv_check_size(out, width, height, max_pixels)) goto done;
    out->page_count = 0;

    int tiled = TIFFIsTiled(tif) != 0;
    uint16_t orientation = ORIENTATION_TOPLEFT;
    TIFFGetField(tif, TIFFTAG_ORIENTATION, &orientation);
    int vert_flip = orientation == ORIENTATION_BOTRIGHT || orientation == ORIENTATION_RIGHTBOT ||
                    orientation == ORIENTATION_BOTLEFT || orientation == ORIENTATION_LEFTBOT;
    uint32_t tile_w0 = width, tile_h0 = 0;
    if (tiled) {
        if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tile_w0) || !TIFFGetField(tif, TIFFTAG_TILELENGTH, &tile_h0)) {
            fail(out, SV_CORRUPT, "tiled TIFF without tile size");
            goto done;
        }
    } else {
        TIFFGetField(tif, TIFFTAG_ROWSPERSTRIP, &tile_h0);
    }
    if (tile_w0 == 0) tile_w0 = width;
    if (tile_h0 == 0 || (!tiled && tile_h0 == UINT32_MAX)) tile_h0 = height;
    if (tile_w0 > (1u << 24) || tile_h0 > (1u << 24)) { fail(out, SV_CORRUPT, "tile or strip size over 2^24"); goto done; }
    if ((uint64_t)tile_w0 * tile_h0 * 4 >= (uint64_t)(1u << 30) * 95 / 100) {
        /* OpenCV switches to scanline reading (or fails) here; that needs a >250-megapixel strip. */
        fail(out, SV_UNSUPPORTED, "strip or tile buffer of 1 GB or more");
        goto done;
    }
    char why[1024];
    if (!TIFFRGBAImageOK(tif, why)) { fail(out, SV_UNSUPPORTED, why); goto done; }
    /* Strips never hold more rows than the image; tiles are always written whole. */
    uint32_t buffer_rows = tiled ? tile_h0 : (tile_h0 < height ? tile_h0 : height);
    if (tiled && (uint64_t)tile_w0 * tile_h0 > max_pixels) {
        fail(out, SV_CORRUPT, "tile larger than the pixel limit");
        goto done;
    }
    gray = malloc((size_t)width * height);
    raster = malloc((size_t)tile_w0 * buffer_rows * 4);
    if (!gray || !raster) { fail(out, SV_NO_MEMORY, "out of memory"); goto done; }
    /* Errors while reading the directory that libtiff recovered from do not fail the decode (nor do
     * they in OpenCV); from here on every libtiff error does. */
    src.errors = 0;
    out->message[0] = 0;
    for (uint32_t y = 0; y < height; y += tile_h0) {
        uint32_t tile_h = tile_h0 < height - y ? tile_h0 : height - y;
        uint32_t img_y = vert_flip ? height - y - tile_h : y;
        for (uint32_t x = 0; x < width; x += tile_w0) {
            uint32_t tile_w = tile_w0 < width - x ? tile_w0 : width - x;
            const uint8_t *start = (const uint8_t *)raster;
            int ok;
            if (!tiled) {
                ok = TIFFReadRGBAStrip(tif, y, raster);
            } else {
                ok = TIFFReadRGBATile(tif, x, y, raster);
                start += (size_t)(tile_h0 - tile_h) * tile_w0 * 4; /* tiles fill the buffer bottom-up */
            }
            if (!ok || src.errors) { fail(out, SV_CORRUPT, "libtiff could not read the image data"); goto done; }
            /* Between strips and tiles: libtiff cannot be stopped inside one, but a strip or tile
             * is at most the pixel limit (its own progressive-JPEG codec stops at 100 scans). */
            if (sv_watch_expired(&watch, (uint64_t)tile_w * tile_h, out, "TIFF")) goto done;
            for (uint32_t i = 0; i < tile_h; i++) {
                sv_gray_from_color(start + (size_t)i * tile_w0 * 4, tile_w, 4, 0, 2,
                                   gray + (size_t)(img_y + tile_h - i - 1) * width + x);
            }
        }
    }
    uint8_t *fixed = fix_orientation_partial(gray, &width, &height, orientation);
    if (!fixed) { fail(out, SV_NO_MEMORY, "out of memory"); goto done; }
    gray = fixed;
    out->width = width;
    out->height = height;
    out->orientation = orientation;
    out->pixels = gray;
    gray = NULL;
    out->status = SV_OK;
    out->message[0] = 0;
done:
    free(gray);
    free(raster);
    TIFFClose(tif);
    if (out->status != SV_OK) { free(out->pixels); out->pixels = NULL; }
}

const char *sv_tiff_version(void) { return TIFFGetVersion(); }
