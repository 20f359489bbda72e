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

void sv_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, sv_result *out) {
    sv_result_reset(out);
    struct jpeg_decompress_struct cinfo;
    jpeg_guard guard;
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
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xffff);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        out->status = SV_CORRUPT; sv_set_message(out, "JPEG holds tables only, no image");
        jpeg_destroy_decompress(&cinfo);
        return;
    }
    if (!sv_check_size(out, cinfo.image_width, cinfo.image_height, max_pixels)) {
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
    jpeg_start_decompress(&cinfo);
    uint32_t width = cinfo.output_width, height = cinfo.output_height;
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
