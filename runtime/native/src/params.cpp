// Shapes, avals and the typed readers of parameter values (see core.h).
#include <cmath>
#include <sstream>

#include "core.h"

namespace scalify {

void fail(const std::string& msg) { throw Error(msg); }

int64_t checked_size(const Shape& s, const char* what) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) fail(std::string(what) + ": negative dimension in " + shape_str(s));
    if (d > kMaxElements) fail(std::string(what) + ": dimension too large in " + shape_str(s));
    n *= d;
    if (n > kMaxElements) fail(std::string(what) + ": too many elements in " + shape_str(s));
  }
  return n;
}

std::string shape_str(const Shape& s) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < s.size(); i++) o << (i ? "," : "") << s[i];
  o << "]";
  return o.str();
}

int64_t Aval::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string aval_str(const Aval& a) { return std::string(dtype_name(a.dtype)) + shape_str(a.shape); }

bool operator==(const Aval& a, const Aval& b) { return a.dtype == b.dtype && a.shape == b.shape; }

Shape row_major_strides(const Shape& s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

const PVal* PVal::find(const char* key) const {
  if (kind != Obj) return nullptr;
  for (const auto& kv : obj)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

const PVal& PVal::at(const char* key, const std::string& ctx) const {
  if (kind != Obj) fail(ctx + ": params must be an object");
  const PVal* v = find(key);
  if (v == nullptr) fail(ctx + ": missing param " + key);
  return *v;
}

int64_t p_int(const PVal& v, const std::string& ctx, const char* what, int64_t lo, int64_t hi) {
  if (v.kind != PVal::Num || !std::isfinite(v.num) || v.num != std::floor(v.num))
    fail(ctx + ": " + what + " must be an integer");
  if (v.num < static_cast<double>(lo) || v.num > static_cast<double>(hi))
    fail(ctx + ": " + what + " = " + std::to_string(static_cast<long long>(v.num)) + " is out of range [" + std::to_string(lo) + ", " +
         std::to_string(hi) + "]");
  return static_cast<int64_t>(v.num);
}

bool p_bool(const PVal& v, const std::string& ctx, const char* what) {
  if (v.kind != PVal::Bool) fail(ctx + ": " + what + " must be a boolean");
  return v.b;
}

const std::vector<PVal>& p_arr(const PVal& v, const std::string& ctx, const char* what) {
  if (v.kind != PVal::Arr) fail(ctx + ": " + what + " must be an array");
  return v.arr;
}

std::vector<int64_t> p_ints(const PVal& v, const std::string& ctx, const char* what, int64_t lo, int64_t hi) {
  const auto& a = p_arr(v, ctx, what);
  std::vector<int64_t> out;
  out.reserve(a.size());
  for (const auto& e : a) out.push_back(p_int(e, ctx, what, lo, hi));
  return out;
}

std::string p_str(const PVal& v, const std::string& ctx, const char* what) {
  if (v.kind != PVal::Str) fail(ctx + ": " + what + " must be a string");
  return v.str;
}

double p_num(const PVal& v, const std::string& ctx, const char* what) {
  if (v.kind != PVal::Num) fail(ctx + ": " + what + " must be a number");
  return v.num;
}

DType p_dtype(const PVal& v, const std::string& ctx, const char* what) {
  DType d;
  if (v.kind != PVal::Str || !parse_dtype(v.str.c_str(), &d)) fail(ctx + ": " + what + " must be a dtype name");
  return d;
}

}  // namespace scalify
