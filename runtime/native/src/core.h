// Core types of the native backend: errors, shapes and avals, parameter values, buffers and the
// kernel interface. Kernels are built by factories that validate everything (params, operand
// dtypes and shapes, exactly as the catalogue's shape rules in ir/primitives do) before any
// memory is touched; a bad plan or call becomes an `Error`, which the addon throws to JavaScript.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "numerics.h"

namespace scalify {

/** A validation failure; the addon turns it into a JavaScript Error with this message. */
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
[[noreturn]] void fail(const std::string& msg);

using Shape = std::vector<int64_t>;

/** Largest element count of one value (JavaScript typed arrays stop near 2^32). */
constexpr int64_t kMaxElements = int64_t{1} << 32;

/** Element count, or fail when a dim is negative or the product exceeds kMaxElements. */
int64_t checked_size(const Shape& s, const char* what);
std::string shape_str(const Shape& s);

struct Aval {
  DType dtype = DType::F32;
  Shape shape;
  int64_t size() const;
  int64_t bytes() const { return size() * item_size(dtype); }
  int rank() const { return static_cast<int>(shape.size()); }
};
std::string aval_str(const Aval& a);
bool operator==(const Aval& a, const Aval& b);
inline bool operator!=(const Aval& a, const Aval& b) { return !(a == b); }

/** Row-major strides in elements. */
Shape row_major_strides(const Shape& s);

/**
 * A parameter value converted from JavaScript (a primitive's params object: numbers, booleans,
 * strings, null, arrays and plain objects), so kernels never touch N-API.
 */
struct PVal {
  enum Kind { Null, Bool, Num, Str, Arr, Obj } kind = Null;
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<PVal> arr;
  std::vector<std::pair<std::string, PVal>> obj;

  /** The member `key` of an object; fails naming `ctx` when absent or when this is no object. */
  const PVal& at(const char* key, const std::string& ctx) const;
  const PVal* find(const char* key) const;
};

// Typed readers that fail with "<ctx>: <what> must be …".
int64_t p_int(const PVal& v, const std::string& ctx, const char* what, int64_t lo, int64_t hi);
bool p_bool(const PVal& v, const std::string& ctx, const char* what);
std::vector<int64_t> p_ints(const PVal& v, const std::string& ctx, const char* what, int64_t lo, int64_t hi);
const std::vector<PVal>& p_arr(const PVal& v, const std::string& ctx, const char* what);
DType p_dtype(const PVal& v, const std::string& ctx, const char* what);
std::string p_str(const PVal& v, const std::string& ctx, const char* what);
double p_num(const PVal& v, const std::string& ctx, const char* what);

/** A value's memory while a plan runs. */
struct Buf {
  void* data = nullptr;
  const Aval* aval = nullptr;
  int64_t n = 0;  // element count
  template <class T>
  T* as() const {
    return static_cast<T*>(data);
  }
};

/**
 * What casts to low-precision floats lost (DESIGN.md "Scalify semantics", last bullet), per
 * target dtype; added to by every thread. `touched` marks the dtypes a counting cast ran to.
 */
struct CastCounts {
  std::atomic<int64_t> saturated[kNumDTypes] = {};
  std::atomic<int64_t> flushed_to_zero[kNumDTypes] = {};
  std::atomic<int64_t> non_finite[kNumDTypes] = {};
  std::atomic<bool> touched[kNumDTypes] = {};
};

struct RunCtx {
  CastCounts* stats = nullptr;  // null: casts are not instrumented
  int64_t rerun_from = -1;      // set by a speculation guard that missed: the instruction to run again from
};

/**
 * Scalars a fused kernel reads from predictions instead of operands (runtime/native/speculate.ts):
 * one 4-byte lane each, written only by the plan's speculation guards between kernel runs.
 */
struct Predictions {
  std::vector<DType> dtypes;
  std::vector<uint32_t> lanes;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void run(const Buf* ins, const Buf* outs, RunCtx& ctx) const = 0;
  /**
   * May output `o` share its memory with input `i`? Elementwise kernels may (each element is
   * read before it is written); reshape-like kernels alias (then they do nothing).
   */
  virtual bool may_alias(int /*out*/, int /*in*/) const { return false; }
  /** The predicted scalars this kernel reads, if any. */
  virtual Predictions* predictions() { return nullptr; }
  /**
   * C++ source of a compiled form of this kernel named `name` (fused kernels of at least
   * `min_elements` elements, fused_jit.cpp), "" if it has none.
   */
  virtual std::string jit_source(const std::string& /*name*/, int64_t /*min_elements*/) const { return {}; }
  /** Runs the compiled form `fn` (built from jit_source) from now on. */
  virtual void jit_bind(void* /*fn*/) {}
};

using KernelPtr = std::unique_ptr<Kernel>;

/**
 * Builds the kernel of one primitive after checking params and operand avals; `outs` receives the
 * output avals. Fails with a message naming the primitive.
 */
KernelPtr make_kernel(const std::string& prim, const PVal& params, const std::vector<Aval>& ins, std::vector<Aval>* outs);
/**
 * The kernel of a count-only instruction: it only adds to the cast statistics, in counted runs;
 * checked as make_kernel checks the primitive.
 */
KernelPtr make_count_only(const std::string& prim, const PVal& params, const std::vector<Aval>& ins, std::vector<Aval>* outs);

// Families (one file each).
bool is_elementwise_prim(const std::string& prim);
KernelPtr make_elementwise(const std::string& prim, const PVal& params, const std::vector<Aval>& ins, std::vector<Aval>* outs);
/** A fused chain of elementwise equations (see fused.cpp for the program format). */
KernelPtr make_fused(const PVal& program, const std::vector<Aval>& ins, const std::vector<Aval>& outs);
KernelPtr make_shape_kernel(const std::string& prim, const PVal& params, const std::vector<Aval>& ins, std::vector<Aval>* outs);
KernelPtr make_indexing_kernel(const std::string& prim, const PVal& params, const std::vector<Aval>& ins, std::vector<Aval>* outs);
KernelPtr make_reduce_kernel(const std::string& prim, const PVal& params, const std::vector<Aval>& ins, std::vector<Aval>* outs);
KernelPtr make_dot_general(const PVal& params, const std::vector<Aval>& ins, std::vector<Aval>* outs);
KernelPtr make_random_kernel(const std::string& prim, const PVal& params, const std::vector<Aval>& ins, std::vector<Aval>* outs);

/** erf by W. J. Cody's rational approximations (runtime/kernels/erf.ts), in double. */
double erf_cody(double x);
/** o[i] = (float) erf_cody(a[i]) for a block (vectorised when the CPU and libm allow). */
void erf_block(const float* a, float* o, int64_t L);

}  // namespace scalify
