// Exhaustive check of the vector fp8 rounding (simd.h round_fp8) against the scalar encoders and
// the decode tables: all 2^32 f32 bit patterns for e4m3fn and e5m2, saturating or not
// (~2 minutes). Also that encoding a value directly gives the code the fused kernels store for
// its rounded image (fused.cpp skips the rounding of a cast that is only stored).
//
//   g++ -O3 -march=native -std=gnu++17 -I runtime/native/src runtime/native/src/test/fp8_exhaustive.cpp runtime/native/src/numerics.cpp -o /tmp/fp8x && /tmp/fp8x
#include <cstdio>
#include <cstring>
#include "simd.h"
using namespace scalify;
int main() {
  const DecodeTables& T = decode_tables();
  // every f32 pattern: vector round_fp8 vs the scalar table path
  long long mism = 0, store_mism = 0;
  for (int e4 = 0; e4 < 2; e4++) for (int sat = 0; sat < 2; sat++) {
    const float* table = e4 ? T.e4m3fn : T.e5m2;
    alignas(32) float buf[1024]; alignas(32) float ref[1024];
    alignas(32) uint8_t direct[1024], stored[1024];
    for (uint64_t base = 0; base < (1ull << 32); base += 1024) {
      for (int k = 0; k < 1024; k++) { uint32_t u = (uint32_t)(base + k); memcpy(&buf[k], &u, 4); }
      for (int k = 0; k < 1024; k++) { uint32_t u; memcpy(&u, &buf[k], 4); ref[k] = table[e4 ? encode_e4m3fn(u, sat) : encode_e5m2(u, sat)]; }
      simd::encode_fp8(reinterpret_cast<const uint32_t*>(buf), direct, 1024, e4, sat);
      simd::round_fp8(buf, 1024, e4, sat, table);
      if (memcmp(buf, ref, sizeof buf) != 0 && mism++ < 5)
        for (int k = 0; k < 1024; k++)
          if (memcmp(&buf[k], &ref[k], 4) != 0) {
            uint32_t got, want;
            memcpy(&got, &buf[k], 4);
            memcpy(&want, &ref[k], 4);
            printf("%s sat %d: %08llx → %08x, want %08x\n", e4 ? "e4m3fn" : "e5m2", sat, (unsigned long long)(base + k), got, want);
            break;
          }
      // fused_exec.cpp store_block: e4m3fn images through encode_fp8, e5m2 through store_e5m2_block
      if (e4) simd::encode_fp8(reinterpret_cast<const uint32_t*>(buf), stored, 1024, true, false);
      else simd::store_e5m2_block(reinterpret_cast<const uint32_t*>(buf), stored, 1024);
      if (memcmp(direct, stored, sizeof direct) != 0) store_mism++;
    }
  }
  printf("f32 blocks mismatching %lld, direct vs stored codes mismatching %lld\n", mism, store_mism);
  return mism || store_mism;
}
