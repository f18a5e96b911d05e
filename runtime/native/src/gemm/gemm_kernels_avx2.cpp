// AVX2 + FMA f32 micro-kernel (6×16 register tile: 12 ymm accumulators, 2 B vectors, 1
// broadcast) and its packing, for CPUs without AVX-512 (e.g. Zen 2/3). Compiled for AVX2 by the
// pragma below whatever the unit's -march; only called after a CPU check.
#if defined(__x86_64__) && !defined(SCALIFY_GEMM_NO_X86)
#pragma GCC target("avx2,fma,f16c")
#include <immintrin.h>

#include "gemm_pack.h"

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


// ---- vectorised packing (the generic templates in gemm_pack.h handle every other layout)

// Eight consecutive source elements decoded to f32.
template <ElemType T> inline __m256 load8(const typename Src<T>::S* p);
template <> inline __m256 load8<ElemType::F32>(const float* p) { return _mm256_loadu_ps(p); }
template <> inline __m256 load8<ElemType::BF16>(const uint16_t* p) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))), 16));
}
template <> inline __m256 load8<ElemType::F16>(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
template <> inline __m256 load8<ElemType::F8E4M3FN>(const uint8_t* p) {
  const float* t = g_e4m3_f32;
  return _mm256_setr_ps(t[p[0]], t[p[1]], t[p[2]], t[p[3]], t[p[4]], t[p[5]], t[p[6]], t[p[7]]);
}
template <> inline __m256 load8<ElemType::F8E5M2>(const uint8_t* p) {
  const float* t = g_e5m2_f32;
  return _mm256_setr_ps(t[p[0]], t[p[1]], t[p[2]], t[p[3]], t[p[4]], t[p[5]], t[p[6]], t[p[7]]);
}

inline void transpose8(__m256& r0, __m256& r1, __m256& r2, __m256& r3, __m256& r4, __m256& r5, __m256& r6, __m256& r7) {
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
  r0 = _mm256_permute2f128_ps(u0, u4, 0x20);
  r1 = _mm256_permute2f128_ps(u1, u5, 0x20);
  r2 = _mm256_permute2f128_ps(u2, u6, 0x20);
  r3 = _mm256_permute2f128_ps(u3, u7, 0x20);
  r4 = _mm256_permute2f128_ps(u0, u4, 0x31);
  r5 = _mm256_permute2f128_ps(u1, u5, 0x31);
  r6 = _mm256_permute2f128_ps(u2, u6, 0x31);
  r7 = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Stores the first `n` (6 or 8) lanes.
template <int N> inline void store_lanes(float* d, __m256 v) {
  if (N == 8) {
    _mm256_storeu_ps(d, v);
  } else {
    _mm_storeu_ps(d, _mm256_castps256_ps128(v));
    _mm_storel_pi(reinterpret_cast<__m64*>(d + 4), _mm256_extractf128_ps(v, 1));
  }
}

// Rows with k contiguous (row-major A, column-major B): 8×8 transposes. W = 6 or 16.
template <ElemType T, int W>
int pack_kcontig(const void* srcv, int64_t sr, int64_t sk, int rows, int64_t kc, void* dstv) {
  typedef typename Src<T>::S S;
  if (sk != 1 || rows != W || kc < 8) return pack_f32<T, W>(srcv, sr, sk, rows, kc, dstv);
  const S* src = static_cast<const S*>(srcv);
  float* dst = static_cast<float*>(dstv);
  const int64_t kfull = kc & ~int64_t(7);
  constexpr int G = (W + 7) / 8;  // groups of 8 rows
  for (int64_t k = 0; k < kfull; k += 8) {
    for (int g = 0; g < G; ++g) {
      constexpr int L = W - 8 * (G - 1) < 8 ? W - 8 * (G - 1) : 8;  // lanes of the last group
      const int lanes = g == G - 1 ? L : 8;
      const S* s = src + int64_t(8 * g) * sr + k;
      const __m256 z = _mm256_setzero_ps();
      __m256 r0 = load8<T>(s), r1 = load8<T>(s + sr), r2 = load8<T>(s + 2 * sr), r3 = load8<T>(s + 3 * sr);
      __m256 r4 = load8<T>(s + 4 * sr), r5 = load8<T>(s + 5 * sr);
      __m256 r6 = lanes > 6 ? load8<T>(s + 6 * sr) : z, r7 = lanes > 7 ? load8<T>(s + 7 * sr) : z;
      transpose8(r0, r1, r2, r3, r4, r5, r6, r7);
      float* d = dst + k * W + 8 * g;
      if (lanes == 8) {
        store_lanes<8>(d, r0); store_lanes<8>(d + W, r1); store_lanes<8>(d + 2 * W, r2); store_lanes<8>(d + 3 * W, r3);
        store_lanes<8>(d + 4 * W, r4); store_lanes<8>(d + 5 * W, r5); store_lanes<8>(d + 6 * W, r6); store_lanes<8>(d + 7 * W, r7);
      } else {
        store_lanes<6>(d, r0); store_lanes<6>(d + W, r1); store_lanes<6>(d + 2 * W, r2); store_lanes<6>(d + 3 * W, r3);
        store_lanes<6>(d + 4 * W, r4); store_lanes<6>(d + 5 * W, r5); store_lanes<6>(d + 6 * W, r6); store_lanes<6>(d + 7 * W, r7);
      }
    }
  }
  for (int64_t k = kfull; k < kc; ++k)
    for (int r = 0; r < W; ++r) dst[k * W + r] = Src<T>::f32(src[r * sr + k]);
  return 0;
}

// Rows contiguous (column-major A, row-major B): decode W consecutive values per k. W = 16.
template <ElemType T, int W>
int pack_rcontig(const void* srcv, int64_t sr, int64_t sk, int rows, int64_t kc, void* dstv) {
  typedef typename Src<T>::S S;
  if (sr != 1 || rows != W || W % 8 != 0) return pack_kcontig<T, W>(srcv, sr, sk, rows, kc, dstv);
  const S* src = static_cast<const S*>(srcv);
  float* dst = static_cast<float*>(dstv);
  for (int64_t k = 0; k < kc; ++k)
    for (int j = 0; j < W; j += 8) _mm256_storeu_ps(dst + k * W + j, load8<T>(src + k * sk + j));
  return 0;
}

template <int W, bool kRowsContig>
void fill_pack_avx2(PackFn* t) {
  if (kRowsContig) {
    t[int(ElemType::F32)] = &pack_rcontig<ElemType::F32, W>;
    t[int(ElemType::F16)] = &pack_rcontig<ElemType::F16, W>;
    t[int(ElemType::BF16)] = &pack_rcontig<ElemType::BF16, W>;
    t[int(ElemType::F8E4M3FN)] = &pack_rcontig<ElemType::F8E4M3FN, W>;
    t[int(ElemType::F8E5M2)] = &pack_rcontig<ElemType::F8E5M2, W>;
  } else {
    t[int(ElemType::F32)] = &pack_kcontig<ElemType::F32, W>;
    t[int(ElemType::F16)] = &pack_kcontig<ElemType::F16, W>;
    t[int(ElemType::BF16)] = &pack_kcontig<ElemType::BF16, W>;
    t[int(ElemType::F8E4M3FN)] = &pack_kcontig<ElemType::F8E4M3FN, W>;
    t[int(ElemType::F8E5M2)] = &pack_kcontig<ElemType::F8E5M2, W>;
  }
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
