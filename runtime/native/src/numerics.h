// Bit-exact numerics shared by every native kernel: the dtypes, decoding of low-precision codes
// to f32 (tables), and encoding from f32 bits with round-to-nearest-even, a port of
// runtime/numerics/{bits,f16,bf16,fp8}.ts (DESIGN.md "Dtypes and numerics"). The casts of the
// two backends must agree bit for bit, so these functions follow the TypeScript line by line.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace scalify {

/** The IR's dtypes, in the order of ir/dtype.ts DTYPES. */
enum class DType : int32_t { F32 = 0, F16 = 1, BF16 = 2, E4M3FN = 3, E5M2 = 4, I32 = 5, BOOL = 6 };
constexpr int kNumDTypes = 7;

inline bool is_float(DType d) { return d != DType::I32 && d != DType::BOOL; }
inline bool is_low_precision(DType d) { return d == DType::F16 || d == DType::BF16 || d == DType::E4M3FN || d == DType::E5M2; }
inline int item_size(DType d) {
  switch (d) {
    case DType::F32:
    case DType::I32:
      return 4;
    case DType::F16:
    case DType::BF16:
      return 2;
    default:
      return 1;
  }
}
const char* dtype_name(DType d);
/** Parses a dtype name ("f32", "bf16", …); false when unknown. */
bool parse_dtype(const char* s, DType* out);

inline uint32_t f32_bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}
inline float f32_from_bits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

/** Decode tables (f32 values, NaN payloads as in runtime/numerics). bf16 needs none: bits << 16. */
struct DecodeTables {
  float f16[65536];
  float e4m3fn[256];
  float e5m2[256];
};
const DecodeTables& decode_tables();

inline float decode_bf16(uint16_t c) { return f32_from_bits(static_cast<uint32_t>(c) << 16); }

// ---- encoding (bits.ts) ----

/** `mag >>> shift` rounded to nearest, ties to even; uint32 arithmetic wraps as JS `>>>` does. */
inline uint32_t rne_shift(uint32_t mag, int shift) {
  return (mag + ((1u << (shift - 1)) - 1u) + ((mag >> shift) & 1u)) >> shift;
}

/** A finite f32 magnitude rounded to a format with m mantissa bits and bias `bias` (bits.ts roundMagnitude). */
inline uint32_t round_magnitude(uint32_t abs, int m, int bias) {
  const int shift = 23 - m;
  const int rebias = 127 - bias;
  const int e = static_cast<int>(abs >> 23);
  if (e > rebias) return rne_shift(abs, shift) - (static_cast<uint32_t>(rebias) << m);
  const uint32_t mant = e == 0 ? abs : ((abs & 0x7fffffu) | 0x800000u);
  const int s = shift + rebias + 1 - (e == 0 ? 1 : e);
  if (s > 25) return 0;
  return rne_shift(mant, s);
}

inline uint16_t encode_f16(uint32_t u) {
  const uint32_t sign = (u >> 16) & 0x8000u;
  const uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00u | 0x200u | ((abs >> 13) & 0x3ffu));
  const uint32_t c = round_magnitude(abs, 10, 15);
  return static_cast<uint16_t>(sign | (c > 0x7bffu ? 0x7c00u : c));
}

inline uint16_t encode_bf16(uint32_t u) {
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);
  return static_cast<uint16_t>(rne_shift(u, 16));
}

inline uint8_t encode_e4m3fn(uint32_t u, bool saturate) {
  const uint32_t sign = (u >> 24) & 0x80u;
  const uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<uint8_t>(sign | 0x7fu);
  const uint32_t c = round_magnitude(abs, 3, 7);
  if (c > 0x7eu) return static_cast<uint8_t>(sign | (saturate ? 0x7eu : 0x7fu));
  return static_cast<uint8_t>(sign | c);
}

inline uint8_t encode_e5m2(uint32_t u, bool saturate) {
  const uint32_t sign = (u >> 24) & 0x80u;
  const uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<uint8_t>(sign | 0x7eu);
  const uint32_t c = round_magnitude(abs, 2, 15);
  if (c > 0x7bu) return static_cast<uint8_t>(sign | (saturate ? 0x7bu : 0x7cu));
  return static_cast<uint8_t>(sign | c);
}

// ---- stores of values that are already representable ----
// A fused kernel holds low-precision values as their exact f32 images. Storing such a value
// must give back its code, NaN payloads included (select_n moves codes bit for bit). The
// reference encoders make every NaN quiet, so these variants invert the decode tables on NaN
// images first and fall back to the reference encoders (identical for every non-NaN value).

inline uint16_t store_f16(uint32_t u) {
  if ((u & 0x7fffffffu) > 0x7f800000u && (u & 0x1fffu) == 0)
    return static_cast<uint16_t>(((u >> 16) & 0x8000u) | 0x7c00u | ((u >> 13) & 0x3ffu));
  return encode_f16(u);
}
inline uint16_t store_bf16(uint32_t u) {
  if ((u & 0x7fffffffu) > 0x7f800000u && (u & 0xffffu) == 0) return static_cast<uint16_t>(u >> 16);
  return encode_bf16(u);
}
inline uint8_t store_e5m2(uint32_t u) {
  const uint32_t abs = u & 0x7fffffffu;
  if (abs == 0x7fa00000u || abs == 0x7fc00000u || abs == 0x7fe00000u)
    return static_cast<uint8_t>(((u >> 24) & 0x80u) | 0x7cu | ((abs >> 21) & 3u));
  return encode_e5m2(u, false);
}
inline uint8_t store_e4m3fn(uint32_t u) { return encode_e4m3fn(u, false); }

// ---- integers (runtime/numerics/codec.ts toInt32) ----

/** float → i32: truncate toward zero, saturate, NaN → 0. */
inline int32_t to_i32(float x) {
  if (x != x) return 0;
  const double d = x;
  if (d >= 2147483647.0) return 2147483647;
  if (d <= -2147483648.0) return INT32_MIN;
  return static_cast<int32_t>(d);
}

}  // namespace scalify
