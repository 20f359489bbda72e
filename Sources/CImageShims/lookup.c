/* Maps bytes through a 256-entry table (histogram equalisation's last step, one byte per pixel).
 * The scalar loop does a load, a dependent load and a store per pixel. With AVX-512 VBMI
 * (Ice Lake, Zen 4 and later) two VPERMI2B look up the low 7 bits of 64 pixels in each half of
 * the table and the pixel's top bit picks the half: four instructions per 64 pixels. A table
 * lookup has one answer, so both paths give the same bytes. */
#include "include/CImageShims.h"
#include <stdint.h>
#include <stddef.h>
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#endif

void sv_lookup_bytes_scalar(const uint8_t *src, uint8_t *dst, size_t count, const uint8_t *table) {
    for (size_t i = 0; i < count; i++) dst[i] = table[src[i]];
}

#if defined(__x86_64__) && defined(__clang__)
#define SV_VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))

SV_VBMI static inline __m512i lookup64(__m512i idx, __m512i t0, __m512i t1, __m512i t2, __m512i t3) {
    __m512i low = _mm512_permutex2var_epi8(t0, idx, t1), high = _mm512_permutex2var_epi8(t2, idx, t3);
    return _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), low, high);
}

SV_VBMI static void lookup_vbmi(const uint8_t *src, uint8_t *dst, size_t count, const uint8_t *table) {
    __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    size_t i = 0;
    for (; i + 64 <= count; i += 64)
        _mm512_storeu_si512(dst + i, lookup64(_mm512_loadu_si512(src + i), t0, t1, t2, t3));
    if (i < count) {
        __mmask64 tail = (1ULL << (count - i)) - 1;  /* count − i < 64 */
        _mm512_mask_storeu_epi8(dst + i, tail, lookup64(_mm512_maskz_loadu_epi8(tail, src + i), t0, t1, t2, t3));
    }
}
#endif

int sv_lookup_bytes_has_vbmi(void) {
#if defined(__x86_64__) && defined(__clang__)
    return __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bw");
#else
    return 0;
#endif
}

void sv_lookup_bytes(const uint8_t *src, uint8_t *dst, size_t count, const uint8_t *table) {
#if defined(__x86_64__) && defined(__clang__)
    if (sv_lookup_bytes_has_vbmi()) { lookup_vbmi(src, dst, count, table); return; }
#endif
    sv_lookup_bytes_scalar(src, dst, count, table);
}
