// Decode tables and dtype names (see numerics.h). Values are built exactly as
// runtime/numerics/{f16,fp8}.ts build theirs, so decoding agrees bit for bit, NaN payloads too.
#include "numerics.h"

#include <cstring>

namespace scalify {

namespace {

/** The exact value of a finite minifloat magnitude code (bits.ts minifloatValue). */
float minifloat_value(uint32_t abs, int m, int bias) {
  const int e = static_cast<int>(abs >> m);
  const uint32_t frac = abs & ((1u << m) - 1u);
  if (e == 0) return std::ldexp(static_cast<float>(frac), 1 - bias - m);
  return std::ldexp(static_cast<float>((1u << m) + frac), e - bias - m);
}

float with_sign(uint32_t sign, float v) { return sign ? -v : v; }

DecodeTables* build() {
  auto* t = new DecodeTables;
  for (uint32_t c = 0; c < 65536; c++) {
    const uint32_t sign = (c & 0x8000u) << 16;
    const uint32_t abs = c & 0x7fffu;
    if (abs >= 0x7c00u)
      t->f16[c] = f32_from_bits(sign | 0x7f800000u | ((abs & 0x3ffu) << 13));
    else
      t->f16[c] = with_sign(sign, minifloat_value(abs, 10, 15));
  }
  for (uint32_t c = 0; c < 256; c++) {
    const uint32_t abs = c & 0x7fu;
    const uint32_t sign = (c & 0x80u) << 24;
    t->e4m3fn[c] = abs == 0x7fu ? f32_from_bits(sign | 0x7fc00000u) : with_sign(sign, minifloat_value(abs, 3, 7));
    if (abs == 0x7cu)
      t->e5m2[c] = f32_from_bits(sign | 0x7f800000u);
    else if (abs > 0x7cu)
      t->e5m2[c] = f32_from_bits(sign | 0x7f800000u | ((abs & 3u) << 21));
    else
      t->e5m2[c] = with_sign(sign, minifloat_value(abs, 2, 15));
  }
  return t;
}

const char* const kNames[kNumDTypes] = {"f32", "f16", "bf16", "f8e4m3fn", "f8e5m2", "i32", "bool"};

}  // namespace

const DecodeTables& decode_tables() {
  static const DecodeTables* t = build();
  return *t;
}

const char* dtype_name(DType d) {
  const int i = static_cast<int>(d);
  return i >= 0 && i < kNumDTypes ? kNames[i] : "?";
}

bool parse_dtype(const char* s, DType* out) {
  for (int i = 0; i < kNumDTypes; i++) {
    if (std::strcmp(s, kNames[i]) == 0) {
      *out = static_cast<DType>(i);
      return true;
    }
  }
  return false;
}

}  // namespace scalify
