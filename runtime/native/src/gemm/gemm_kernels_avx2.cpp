// AVX2 + FMA f32 micro-kernel (6×16 register tile: 12 ymm accumulators, 2 B vectors, 1
// broadcast) and its packing, for CPUs without AVX-512 (e.g. Zen 2/3). Compiled for AVX2 by the
// pragma below whatever the unit's -march; only called after a CPU check.
#if defined(__x86_64__) && !defined(SCALIFY_GEMM_NO_X86)
#pragma GCC target("avx2,fma,f16c")
#include <immintrin.h>

#include "gemm_pack.h"
#include "gemm_pack_vec.h"

namespace scalify_gemm {
namespace detail {
namespace {

constexpr int MR = 6, NR = 16;

// One k-step in assembly: B's two vectors, then each row of A broadcast and multiplied in.
// Written out because GCC, with 15 of the 16 ymm registers live, folds the B loads into the FMAs
// (12 loads per k-step instead of 2) or spills an accumulator, which costs a quarter of the
// kernel's speed. Same FMAs in the same order as the C++ form: the results are bit-identical.
#define SF_ASM_STEP(AO, BO)                          \
  "vmovaps " #BO "(%[b]), %%ymm0\n\t"                \
  "vmovaps " #BO "+32(%[b]), %%ymm1\n\t"             \
  "vbroadcastss " #AO "(%[a]), %%ymm2\n\t"           \
  "vfmadd231ps %%ymm0, %%ymm2, %%ymm4\n\t"           \
  "vfmadd231ps %%ymm1, %%ymm2, %%ymm5\n\t"           \
  "vbroadcastss " #AO "+4(%[a]), %%ymm3\n\t"         \
  "vfmadd231ps %%ymm0, %%ymm3, %%ymm6\n\t"           \
  "vfmadd231ps %%ymm1, %%ymm3, %%ymm7\n\t"           \
  "vbroadcastss " #AO "+8(%[a]), %%ymm2\n\t"         \
  "vfmadd231ps %%ymm0, %%ymm2, %%ymm8\n\t"           \
  "vfmadd231ps %%ymm1, %%ymm2, %%ymm9\n\t"           \
  "vbroadcastss " #AO "+12(%[a]), %%ymm3\n\t"        \
  "vfmadd231ps %%ymm0, %%ymm3, %%ymm10\n\t"          \
  "vfmadd231ps %%ymm1, %%ymm3, %%ymm11\n\t"          \
  "vbroadcastss " #AO "+16(%[a]), %%ymm2\n\t"        \
  "vfmadd231ps %%ymm0, %%ymm2, %%ymm12\n\t"          \
  "vfmadd231ps %%ymm1, %%ymm2, %%ymm13\n\t"          \
  "vbroadcastss " #AO "+20(%[a]), %%ymm3\n\t"        \
  "vfmadd231ps %%ymm0, %%ymm3, %%ymm14\n\t"          \
  "vfmadd231ps %%ymm1, %%ymm3, %%ymm15\n\t"

void kernel_6x16(int64_t kcp, const void* av, const void* bv, float* c, int64_t ldc, int flags, float alpha) {
  const float* a = static_cast<const float*>(av);
  const float* b = static_cast<const float*>(bv);
  for (int i = 0; i < MR; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  alignas(32) float acc[MR * NR];  // row i: acc[16 i … 16 i + 15]
  int64_t k4 = kcp >> 2, k1 = kcp & 3;
  __asm__ volatile(
      "vxorps %%ymm4, %%ymm4, %%ymm4\n\t"
      "vxorps %%ymm5, %%ymm5, %%ymm5\n\t"
      "vxorps %%ymm6, %%ymm6, %%ymm6\n\t"
      "vxorps %%ymm7, %%ymm7, %%ymm7\n\t"
      "vxorps %%ymm8, %%ymm8, %%ymm8\n\t"
      "vxorps %%ymm9, %%ymm9, %%ymm9\n\t"
      "vxorps %%ymm10, %%ymm10, %%ymm10\n\t"
      "vxorps %%ymm11, %%ymm11, %%ymm11\n\t"
      "vxorps %%ymm12, %%ymm12, %%ymm12\n\t"
      "vxorps %%ymm13, %%ymm13, %%ymm13\n\t"
      "vxorps %%ymm14, %%ymm14, %%ymm14\n\t"
      "vxorps %%ymm15, %%ymm15, %%ymm15\n\t"
      "test %[k4], %[k4]\n\t"
      "jz 2f\n\t"
      "1:\n\t"
      "prefetcht0 768(%[a])\n\t"
      SF_ASM_STEP(0, 0)
      SF_ASM_STEP(24, 64)
      SF_ASM_STEP(48, 128)
      SF_ASM_STEP(72, 192)
      "add $96, %[a]\n\t"
      "add $256, %[b]\n\t"
      "dec %[k4]\n\t"
      "jnz 1b\n\t"
      "2:\n\t"
      "test %[k1], %[k1]\n\t"
      "jz 4f\n\t"
      "3:\n\t"
      SF_ASM_STEP(0, 0)
      "add $24, %[a]\n\t"
      "add $64, %[b]\n\t"
      "dec %[k1]\n\t"
      "jnz 3b\n\t"
      "4:\n\t"
      "vmovaps %%ymm4, (%[acc])\n\t"
      "vmovaps %%ymm5, 32(%[acc])\n\t"
      "vmovaps %%ymm6, 64(%[acc])\n\t"
      "vmovaps %%ymm7, 96(%[acc])\n\t"
      "vmovaps %%ymm8, 128(%[acc])\n\t"
      "vmovaps %%ymm9, 160(%[acc])\n\t"
      "vmovaps %%ymm10, 192(%[acc])\n\t"
      "vmovaps %%ymm11, 224(%[acc])\n\t"
      "vmovaps %%ymm12, 256(%[acc])\n\t"
      "vmovaps %%ymm13, 288(%[acc])\n\t"
      "vmovaps %%ymm14, 320(%[acc])\n\t"
      "vmovaps %%ymm15, 352(%[acc])\n\t"
      : [a] "+r"(a), [b] "+r"(b), [k4] "+r"(k4), [k1] "+r"(k1)
      : [acc] "r"(acc)
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
        "xmm15", "memory", "cc");
#undef SF_ASM_STEP
  const __m256 c00 = _mm256_load_ps(acc), c01 = _mm256_load_ps(acc + 8), c10 = _mm256_load_ps(acc + 16), c11 = _mm256_load_ps(acc + 24);
  const __m256 c20 = _mm256_load_ps(acc + 32), c21 = _mm256_load_ps(acc + 40), c30 = _mm256_load_ps(acc + 48), c31 = _mm256_load_ps(acc + 56);
  const __m256 c40 = _mm256_load_ps(acc + 64), c41 = _mm256_load_ps(acc + 72), c50 = _mm256_load_ps(acc + 80), c51 = _mm256_load_ps(acc + 88);
  const __m256 al = _mm256_set1_ps(alpha);
#define SF_OUT(ROW, V0, V1)                                                    \
  {                                                                            \
    float* p = c + (ROW) * ldc;                                                \
    __m256 v0 = V0, v1 = V1;                                                   \
    if (flags & kAccumulate) {                                                 \
      v0 = _mm256_add_ps(_mm256_loadu_ps(p), v0);                              \
      v1 = _mm256_add_ps(_mm256_loadu_ps(p + 8), v1);                          \
    }                                                                          \
    if (flags & kScale) {                                                      \
      v0 = _mm256_mul_ps(v0, al);                                              \
      v1 = _mm256_mul_ps(v1, al);                                              \
    }                                                                          \
    if (flags & kAddC) {                                                       \
      v0 = _mm256_add_ps(_mm256_loadu_ps(p), v0);                              \
      v1 = _mm256_add_ps(_mm256_loadu_ps(p + 8), v1);                          \
    }                                                                          \
    _mm256_storeu_ps(p, v0);                                                   \
    _mm256_storeu_ps(p + 8, v1);                                               \
  }
  SF_OUT(0, c00, c01);
  SF_OUT(1, c10, c11);
  SF_OUT(2, c20, c21);
  SF_OUT(3, c30, c31);
  SF_OUT(4, c40, c41);
  SF_OUT(5, c50, c51);
#undef SF_OUT
}

KernelSpec make_spec() {
  KernelSpec s{};
  s.path = Path::Avx2F32;
  s.mr = MR;
  s.nr = NR;
  s.kp = 1;
  s.bytes = 4;
  s.mc = 72;
  s.kc = 256;
  s.nc = 4096;
  s.nw = 4096;
  s.a_resident = false;
  s.kernel = &kernel_6x16;
  fill_pack_avx2<MR, false>(s.pack_a);  // A: row-major (k contiguous) is the common case
  fill_pack_avx2<NR, true>(s.pack_b);   // B: row-major (columns contiguous) is the common case
  return s;
}

}  // namespace

// Built on first use, which the driver makes only after the CPU check (a load-time initializer
// compiled for this unit's instruction set could run on a CPU without it).
const KernelSpec* spec_avx2_f32() {
  static const KernelSpec s = make_spec();
  return &s;
}

}  // namespace detail
}  // namespace scalify_gemm

#else
#include "gemm_internal.h"
namespace scalify_gemm {
namespace detail {
const KernelSpec* spec_avx2_f32() { return nullptr; }
}  // namespace detail
}  // namespace scalify_gemm
#endif
