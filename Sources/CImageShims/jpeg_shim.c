/* JPEG through libjpeg-turbo at its defaults (ISLOW IDCT, fancy upsampling), decoded to RGB
 * (or CMYK for 4-component files, converted the way OpenCV's icvCvt_CMYK2BGR does), then
 * BGR2GRAY. Warnings are silent except "premature end of data" (file or segment), an error here. */
#include "include/CImageShims.h"
#include "shim_internal.h"
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    sv_result *out;
} jpeg_guard;

/* libjpeg calls the progress monitor before reading each chunk of input (an iMCU row or a marker:
 * so at least once per scan) while jpeg_start_decompress swallows a multi-scan file, and once per
 * jpeg_read_scanlines call: the place to stop a decode that runs too long, as libjpeg-turbo's own
 * TurboJPEG API does for its scan limit. */
typedef struct {
    struct jpeg_progress_mgr pub;
    sv_watch watch;
    uint32_t max_scans;
} jpeg_limits;

static void jpeg_fail(j_common_ptr cinfo, int status) {
    jpeg_guard *guard = (jpeg_guard *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    if (guard->out->status == SV_OK) guard->out->status = status;
    if (guard->out->message[0] == 0) sv_set_message(guard->out, "%s", text);
    longjmp(guard->jump, 1);
}

static void jpeg_error_exit_fn(j_common_ptr cinfo) { jpeg_fail(cinfo, SV_CORRUPT); }

static void jpeg_emit_message_fn(j_common_ptr cinfo, int level) {
    /* Data that ends early — at the end of the input or at a marker inside the entropy-coded
     * segment — would leave libjpeg's gray fill in the image: fail instead. */
    if (level < 0 && (cinfo->err->msg_code == JWRN_JPEG_EOF || cinfo->err->msg_code == JWRN_HIT_MARKER))
        jpeg_fail(cinfo, SV_TRUNCATED);
    if (level < 0) cinfo->err->num_warnings++;
}

static void jpeg_output_message_fn(j_common_ptr cinfo) { (void)cinfo; }

/* Out of a decode over its limits through the error path (status and message already set). */
static void jpeg_stop(j_common_ptr cinfo) { longjmp(((jpeg_guard *)cinfo->err)->jump, 1); }

static void jpeg_progress_fn(j_common_ptr common) {
    j_decompress_ptr cinfo = (j_decompress_ptr)common;
    jpeg_limits *limits = (jpeg_limits *)cinfo->progress;
    sv_result *out = ((jpeg_guard *)cinfo->err)->out;
    if (limits->max_scans && cinfo->input_scan_number > 0 && (uint32_t)cinfo->input_scan_number > limits->max_scans) {
        out->status = SV_TOO_MANY_SCANS;
        sv_set_message(out, "progressive JPEG with over %u scans", limits->max_scans);
        jpeg_stop(common);
    }
    if (sv_watch_expired(&limits->watch, 1u << 16, out, "JPEG")) jpeg_stop(common);
}

/* The largest denominator (8, 4, 2) whose scaled long side stays >= floor; 1 when none does or floor is 0. */
static unsigned jpeg_scale_denominator(JDIMENSION width, JDIMENSION height, uint32_t floor) {
    JDIMENSION longest = width > height ? width : height;
    if (floor == 0) return 1;
    for (unsigned denom = 8; denom > 1; denom /= 2)
        if ((longest + denom - 1) / denom >= floor) return denom;
    return 1;
}

void sv_jpeg_decode(const uint8_t *data, size_t size, const sv_limits *max, uint32_t scale_floor, sv_result *out) {
    sv_result_reset(out);
    struct jpeg_decompress_struct cinfo;
    jpeg_guard guard;
    jpeg_limits limits;
    memset(&limits, 0, sizeof limits);
    limits.pub.progress_monitor = jpeg_progress_fn;
    limits.max_scans = max->max_scans;
    sv_watch_start(&limits.watch, max->max_seconds);
    uint8_t *volatile gray = NULL;
    uint8_t *volatile row = NULL;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&guard.pub);
    guard.pub.error_exit = jpeg_error_exit_fn;
    guard.pub.emit_message = jpeg_emit_message_fn;
    guard.pub.output_message = jpeg_output_message_fn;
    guard.out = out;
    if (setjmp(guard.jump)) {
        free(gray); free(row);
        free(out->exif); out->exif = NULL; out->exif_size = 0;
        jpeg_destroy_decompress(&cinfo);
        if (out->status == SV_OK) out->status = SV_CORRUPT;
        return;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &limits.pub;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xffff);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        out->status = SV_CORRUPT; sv_set_message(out, "JPEG holds tables only, no image");
        jpeg_destroy_decompress(&cinfo);
        return;
    }
    if (!sv_check_size(out, cinfo.image_width, cinfo.image_height, max->max_pixels)) {
        jpeg_destroy_decompress(&cinfo);
        return;
    }
    /* OpenCV reads the first APP1 marker as EXIF, skipping its 6-byte "Exif\0\0" header unchecked. */
    for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
        if (m->marker != JPEG_APP0 + 1) continue;
        if (m->data_length > 6) {
            out->exif = malloc(m->data_length - 6);
            if (out->exif) { memcpy(out->exif, m->data + 6, m->data_length - 6); out->exif_size = m->data_length - 6; }
        }
        break;
    }
    int cmyk = cinfo.num_components == 4;
    int mono = cinfo.jpeg_color_space == JCS_GRAYSCALE && cinfo.num_components == 1;
    /* Gray→RGB replication does not change BGR2GRAY, so gray JPEGs decode straight to one channel. */
    cinfo.out_color_space = cmyk ? JCS_CMYK : (mono ? JCS_GRAYSCALE : JCS_RGB);
    cinfo.scale_num = 1;
    cinfo.scale_denom = jpeg_scale_denominator(cinfo.image_width, cinfo.image_height, scale_floor);
    jpeg_start_decompress(&cinfo);
    uint32_t width = cinfo.output_width, height = cinfo.output_height;
    out->width = width; out->height = height;  /* smaller than the header's when DCT-scaled */
    size_t channels = (size_t)cinfo.output_components;
    gray = malloc((size_t)width * height);
    /* Several rows per call: libjpeg-turbo decodes a whole iMCU row at a time anyway. */
    enum { BATCH = 16 };
    row = mono ? NULL : malloc((size_t)width * channels * BATCH);
    if (!gray || (!mono && !row)) { out->status = SV_NO_MEMORY; sv_set_message(out, "out of memory"); longjmp(guard.jump, 1); }
    while (cinfo.output_scanline < height) {
        uint32_t y = cinfo.output_scanline;
        uint32_t want = height - y < BATCH ? height - y : BATCH;
        JSAMPROW targets[BATCH];
        for (uint32_t i = 0; i < want; i++)
            targets[i] = mono ? (JSAMPROW)(gray + (size_t)(y + i) * width) : (JSAMPROW)(row + (size_t)i * width * channels);
        JDIMENSION got = jpeg_read_scanlines(&cinfo, targets, want);
        if (got == 0) {
            out->status = SV_TRUNCATED; sv_set_message(out, "JPEG ended before all scanlines were decoded");
            longjmp(guard.jump, 1);
        }
        for (JDIMENSION i = 0; i < got && !mono; i++) {
            const uint8_t *src = row + (size_t)i * width * channels;
            uint8_t *dst = gray + (size_t)(y + i) * width;
            if (cmyk) {
                const uint8_t *p = src;
                for (uint32_t x = 0; x < width; x++, p += 4) {
                    int c = p[0], m = p[1], yy = p[2], k = p[3];
                    uint32_t r = (uint32_t)(k - ((255 - c) * k >> 8));
                    uint32_t g = (uint32_t)(k - ((255 - m) * k >> 8));
                    uint32_t b = (uint32_t)(k - ((255 - yy) * k >> 8));
                    dst[x] = (uint8_t)((3735u * b + 19235u * g + 9798u * r + 16384u) >> 15);
                }
            } else {
                sv_gray_from_color(src, width, 3, 0, 2, dst);
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    free(row);
    jpeg_destroy_decompress(&cinfo);
    out->pixels = gray;
    out->status = SV_OK;
}

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
} jpeg_encode_guard;

static void jpeg_encode_error_fn(j_common_ptr cinfo) { longjmp(((jpeg_encode_guard *)cinfo->err)->jump, 1); }

int sv_jpeg_encode_gray(const uint8_t *pixels, uint32_t width, uint32_t height, int quality, int progressive,
                        uint8_t **out_data, size_t *out_size, char *message, size_t message_capacity) {
    struct jpeg_compress_struct cinfo;
    jpeg_encode_guard guard;
    unsigned char *volatile buffer = NULL;
    unsigned long buffer_size = 0;
    if (message && message_capacity) message[0] = 0;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&guard.pub);
    guard.pub.error_exit = jpeg_encode_error_fn;
    guard.pub.output_message = jpeg_output_message_fn;
    if (setjmp(guard.jump)) {
        if (message && message_capacity) {
            char text[JMSG_LENGTH_MAX];
            (*cinfo.err->format_message)((j_common_ptr)&cinfo, text);
            snprintf(message, message_capacity, "%s", text);
        }
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return 1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, &buffer_size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = 1;
    cinfo.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * width);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out_data = buffer;
    *out_size = buffer_size;
    return 0;
}

int sv_jpeg_lib_version(void) { return JPEG_LIB_VERSION; }

#define SV_STRINGIFY_VALUE(x) #x
#define SV_STRINGIFY(x) SV_STRINGIFY_VALUE(x)
const char *sv_jpeg_turbo_version(void) {
#ifdef LIBJPEG_TURBO_VERSION
    return SV_STRINGIFY(LIBJPEG_TURBO_VERSION);
#else
    return NULL;
#endif
}
