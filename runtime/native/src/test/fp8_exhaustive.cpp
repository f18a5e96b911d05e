// Exhaustive check of the vector fp8 rounding (simd.h round_fp8, fp8_to_f32_bits) against the
// scalar encoders and the decode tables: all 256 codes of both formats, and all 2^32 f32 bit
// patterns for e4m3fn and e5m2, saturating or not (~2 minutes). Also that encoding a value
// directly gives the code the fused kernels store for its rounded image (fused.cpp skips the
// rounding of a cast that is only stored).
//
//   g++ -O3 -march=native -std=gnu++17 -I runtime/native/src runtime/native/src/test/fp8_exhaustive.cpp runtime/native/src/numerics.cpp -o /tmp/fp8x && /tmp/fp8x
#include <cstdio>
#include <cstring>
#include "simd.h"
using namespace scalify;
int main() {
  const DecodeTables& T = decode_tables();
  int bad = 0;
  for (int e4 = 0; e4 < 2; e4++) {
    const float* table = e4 ? T.e4m3fn : T.e5m2;
    for (int c0 = 0; c0 < 256; c0 += 8) {
      alignas(32) uint32_t out[8];
      __m256i codes = _mm256_setr_epi32(c0, c0 + 1, c0 + 2, c0 + 3, c0 + 4, c0 + 5, c0 + 6, c0 + 7);
      _mm256_store_si256(reinterpret_cast<__m256i*>(out), simd::fp8_to_f32_bits(codes, e4, simd::fp8_specials(e4, table)));
      for (int k = 0; k < 8; k++) { uint32_t want; memcpy(&want, &table[c0 + k], 4); if (want != out[k]) { bad++; printf("%s code %02x: %08x vs table %08x\n", e4 ? "e4m3fn" : "e5m2", c0 + k, out[k], want); } }
    }
  }
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
      if (memcmp(buf, ref, sizeof buf) != 0) mism++;
      // fused_exec.cpp store_block: e4m3fn images through encode_fp8, e5m2 through store_e5m2_block
      if (e4) simd::encode_fp8(reinterpret_cast<const uint32_t*>(buf), stored, 1024, true, false);
      else simd::store_e5m2_block(reinterpret_cast<const uint32_t*>(buf), stored, 1024);
      if (memcmp(direct, stored, sizeof direct) != 0) store_mism++;
    }
  }
  printf("codes bad %d, f32 blocks mismatching %lld, direct vs stored codes mismatching %lld\n", bad, mism, store_mism);
  return bad || mism || store_mism;
}
