/* PNG row unfiltering (the four filters of PNG §9) out of place, for png_whole.c.
 *
 * On x86-64 with AVX2 the filters that dominate scans run in SSE registers: Sub as a prefix sum in
 * log steps (shifts of 1, 2, 4 and 8 pixels within 16 bytes, then the previous block's last pixel
 * added to every pixel), Paeth of 3- and 4-byte pixels one pixel at a time in 16-bit lanes
 * (libpng's filter_sse2_intrinsics.c does the same; the dependency on the pixel to the left stays
 * serial, but a pixel's bytes go together and no branch is mispredicted; two Paeth rows in a row
 * go together, one dependency chain in each half of the register), Up by the compiler's
 * vectoriser. Every other case (Average, Sub and Paeth of other pixel sizes) is the scalar loop.
 * All are integer arithmetic modulo 256, so every path gives the same bytes; PNGWholeInflateTests
 * checks them against libpng. */
#include "include/CImageShims.h"
#include "shim_internal.h"
#include <string.h>
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define SV_UNFILTER_SIMD 1
#endif

/* The Paeth predictor in libpng's form: pa = |b − c|, pb = |a − c|, pc = |a + b − 2c|; a on ties,
 * then b. */
static inline uint8_t paeth(uint8_t a, uint8_t b, uint8_t c) {
    int p = (int)b - c, q = (int)a - c;
    int pa = p < 0 ? -p : p, pb = q < 0 ? -q : q, pc = p + q < 0 ? -(p + q) : p + q;
    if (pb < pa) { pa = pb; a = b; }
    return pc < pa ? c : a;
}

static void unfilter_scalar(const uint8_t *restrict raw, const uint8_t *restrict prior, uint8_t *restrict out,
                            size_t n, size_t bpp, int filter) {
    size_t lead = bpp < n ? bpp : n;   /* the first pixel: its left neighbour (a, c) is zero */
    switch (filter) {
    case 1:
        memcpy(out, raw, lead);
        for (size_t i = lead; i < n; i++) out[i] = raw[i] + out[i - bpp];
        return;
    case 2:
        for (size_t i = 0; i < n; i++) out[i] = raw[i] + prior[i];
        return;
    case 3:
        for (size_t i = 0; i < lead; i++) out[i] = raw[i] + (prior[i] >> 1);
        for (size_t i = lead; i < n; i++) out[i] = raw[i] + (uint8_t)(((unsigned)out[i - bpp] + prior[i]) >> 1);
        return;
    default:   /* 4 */
        for (size_t i = 0; i < lead; i++) out[i] = raw[i] + prior[i];
        for (size_t i = lead; i < n; i++) out[i] = raw[i] + paeth(out[i - bpp], prior[i], prior[i - bpp]);
        return;
    }
}

#ifdef SV_UNFILTER_SIMD
#define SV_AVX2 __attribute__((target("avx2")))

/* Sub over blocks of STEP bytes (a whole number of pixels): PREFIX sums the block in place by
 * shifts of 1, 2, 4… pixels, then the previous block's last unfiltered pixel, repeated across the
 * block by `repeat`, is added. Reads and writes up to 15 bytes past `n`. */
#define SV_SUB_BLOCKS(STEP, BPP, PREFIX) { \
        uint8_t last[16]; \
        for (int j = 0; j < 16; j++) last[j] = (uint8_t)((STEP) - (BPP) + j % (BPP)); \
        const __m128i repeat = _mm_loadu_si128((const __m128i *)last); \
        __m128i carry = _mm_setzero_si128(); \
        for (size_t i = 0; i < n; i += (STEP)) { \
            __m128i v = _mm_loadu_si128((const __m128i *)(raw + i)); \
            PREFIX \
            v = _mm_add_epi8(v, carry); \
            _mm_storeu_si128((__m128i *)(out + i), v); \
            carry = _mm_shuffle_epi8(v, repeat); \
        } \
    }
#define SV_SHIFT_ADD(BYTES) v = _mm_add_epi8(v, _mm_bslli_si128(v, BYTES));

SV_AVX2 static void sub_simd(const uint8_t *raw, uint8_t *out, size_t n, size_t bpp) {
    switch (bpp) {
    case 1: SV_SUB_BLOCKS(16, 1, SV_SHIFT_ADD(1) SV_SHIFT_ADD(2) SV_SHIFT_ADD(4) SV_SHIFT_ADD(8)) return;
    case 2: SV_SUB_BLOCKS(16, 2, SV_SHIFT_ADD(2) SV_SHIFT_ADD(4) SV_SHIFT_ADD(8)) return;
    case 3: SV_SUB_BLOCKS(15, 3, SV_SHIFT_ADD(3) SV_SHIFT_ADD(6) SV_SHIFT_ADD(12)) return;
    default: SV_SUB_BLOCKS(16, 4, SV_SHIFT_ADD(4) SV_SHIFT_ADD(8)) return;
    }
}

SV_AVX2 static void up_simd(const uint8_t *restrict raw, const uint8_t *restrict prior, uint8_t *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = raw[i] + prior[i];
}

static inline __m128i pixel16(const uint8_t *p) {   /* 4 bytes as 16-bit lanes */
    int32_t v;
    memcpy(&v, p, 4);
    return _mm_unpacklo_epi8(_mm_cvtsi32_si128(v), _mm_setzero_si128());
}

/* x + Paeth(a, b, c) modulo 256 in each 16-bit lane (libpng's predictor: a on ties, then b). */
SV_AVX2 static inline __m128i paeth_lanes(__m128i a, __m128i b, __m128i c, __m128i x) {
    __m128i p = _mm_sub_epi16(b, c), q = _mm_sub_epi16(a, c);
    __m128i pa = _mm_abs_epi16(p), pb = _mm_abs_epi16(q), pc = _mm_abs_epi16(_mm_add_epi16(p, q));
    __m128i predicted = _mm_blendv_epi8(a, b, _mm_cmplt_epi16(pb, pa));
    predicted = _mm_blendv_epi8(predicted, c, _mm_cmplt_epi16(pc, _mm_min_epi16(pa, pb)));
    return _mm_and_si128(_mm_add_epi16(x, predicted), _mm_set1_epi16(0xFF));
}

/* Paeth for 3- and 4-byte pixels, a pixel at a time in 16-bit lanes (for 3 bytes the fourth lane
 * is the next pixel's, computed and then overwritten). Reads and writes 1 byte past `n` for 3. */
SV_AVX2 static void paeth_simd(const uint8_t *raw, const uint8_t *prior, uint8_t *out, size_t n, size_t bpp) {
    __m128i a = _mm_setzero_si128(), c = _mm_setzero_si128();
    for (size_t i = 0; i < n; i += bpp) {
        __m128i b = pixel16(prior + i);
        a = paeth_lanes(a, b, c, pixel16(raw + i));
        int32_t packed = _mm_cvtsi128_si32(_mm_packus_epi16(a, a));
        memcpy(out + i, &packed, 4);
        c = b;
    }
}

/* Paeth of two rows at once, both filtered with Paeth: the upper row's pixel i in the low half of
 * one register and the lower row's pixel i − 1 in the high half, so each instruction advances two
 * independent dependency chains (the lower row's pixel needs the upper row's pixels i − 1 and
 * i − 2, both done by then). The upper row's pixel above-left and the lower row's both come from
 * the previous step's registers. Same predictor and same bytes as paeth_simd, row by row. */
SV_AVX2 static void paeth_pair_simd(const uint8_t *raw0, const uint8_t *raw1, const uint8_t *prior, uint8_t *out0,
                                    uint8_t *out1, size_t n, size_t bpp) {
    __m128i a = _mm_setzero_si128(), b = _mm_setzero_si128(), c;
    for (size_t i = 0; i < n; i += bpp) {
        c = b;   /* [upper row's prior[i − bpp] | upper row's out[i − 2·bpp]] */
        b = _mm_unpacklo_epi64(pixel16(prior + i), a);
        __m128i x = i ? _mm_unpacklo_epi64(pixel16(raw0 + i), pixel16(raw1 + i - bpp)) : pixel16(raw0);
        a = paeth_lanes(a, b, c, x);
        uint64_t packed = (uint64_t)_mm_cvtsi128_si64(_mm_packus_epi16(a, a));
        uint32_t upper = (uint32_t)packed, lower = (uint32_t)(packed >> 32);
        memcpy(out0 + i, &upper, 4);
        if (i) memcpy(out1 + i - bpp, &lower, 4);
    }
    /* The lower row's last pixel, one step behind the loop: from its stored neighbours. */
    size_t last = n - bpp;
    for (size_t k = 0; k < bpp; k++) {
        uint8_t left = last ? out1[last - bpp + k] : 0, upLeft = last ? out0[last - bpp + k] : 0;
        out1[last + k] = raw1[last + k] + paeth(left, out0[last + k], upLeft);
    }
}
#endif

int sv_png_unfilter_paeth_pair(const uint8_t *raw0, const uint8_t *raw1, const uint8_t *prior, uint8_t *out0,
                               uint8_t *out1, size_t n, size_t bpp) {
#ifdef SV_UNFILTER_SIMD
    if ((bpp == 3 || bpp == 4) && n >= bpp && __builtin_cpu_supports("avx2")) {
        paeth_pair_simd(raw0, raw1, prior, out0, out1, n, bpp);
        return 1;
    }
#endif
    (void)raw0; (void)raw1; (void)prior; (void)out0; (void)out1; (void)n; (void)bpp;
    return 0;
}

const uint8_t *sv_png_unfilter_row(const uint8_t *raw, const uint8_t *prior, uint8_t *out, size_t n, size_t bpp,
                                   int filter) {
    if (filter == 0) return raw;
    if (filter > 4) return NULL;
#ifdef SV_UNFILTER_SIMD
    if (__builtin_cpu_supports("avx2")) {
        if (filter == 1 && bpp <= 4) return sub_simd(raw, out, n, bpp), out;
        if (filter == 2) return up_simd(raw, prior, out, n), out;
        if (filter == 4 && (bpp == 3 || bpp == 4)) return paeth_simd(raw, prior, out, n, bpp), out;
    }
#endif
    unfilter_scalar(raw, prior, out, n, bpp, filter);
    return out;
}
