#ifndef SV_CPU_FEATURES_H
#define SV_CPU_FEATURES_H
/* The raw CPUID/XGETBV words the NeuralNet module decodes into CPUFeatures (which kernels
 * OpenBLAS may run). No interpretation here beyond "which leaves exist": off x86-64 every
 * field is zero and `available` is 0. */
#include <stdint.h>

typedef struct sv_cpu_registers {
    int available;          /* 1 when CPUID was executed (x86-64), else 0 and everything below is 0 */
    char vendor[13];        /* leaf 0 EBX·EDX·ECX, NUL-terminated ("GenuineIntel", "AuthenticAMD", ...) */
    uint32_t leaf1_ecx;     /* FMA (12), OSXSAVE (27), AVX (28) */
    uint32_t leaf7_ebx;     /* leaf 7 sub-leaf 0: AVX2 (5), AVX512F (16), DQ (17), CD (28), BW (30), VL (31) */
    uint32_t leaf7_1_eax;   /* leaf 7 sub-leaf 1: AVX512_BF16 (5); 0 when the sub-leaf does not exist */
    uint64_t xcr0;          /* XGETBV(0): register state the OS saves; 0 unless OSXSAVE is set */
} sv_cpu_registers;

void sv_cpu_read_registers(sv_cpu_registers *out);

#endif
