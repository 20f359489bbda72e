#include "cpu_features.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* XGETBV is only defined when CPUID.1:ECX.OSXSAVE is set (else #UD); the caller checks. */
static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

void sv_cpu_read_registers(sv_cpu_registers *out) {
    memset(out, 0, sizeof *out);
    unsigned int max_leaf, eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &max_leaf, &ebx, &ecx, &edx)) return;
    out->available = 1;
    memcpy(out->vendor, &ebx, 4);
    memcpy(out->vendor + 4, &edx, 4);
    memcpy(out->vendor + 8, &ecx, 4);
    if (max_leaf >= 1 && __get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
        out->leaf1_ecx = ecx;
        if (ecx & (1u << 27)) out->xcr0 = read_xcr0();
    }
    if (max_leaf >= 7) {
        unsigned int max_subleaf;
        __cpuid_count(7, 0, max_subleaf, ebx, ecx, edx);
        out->leaf7_ebx = ebx;
        if (max_subleaf >= 1) {
            __cpuid_count(7, 1, eax, ebx, ecx, edx);
            out->leaf7_1_eax = eax;
        }
    }
}

#else

void sv_cpu_read_registers(sv_cpu_registers *out) { memset(out, 0, sizeof *out); }

#endif
