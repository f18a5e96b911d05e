// The N-API entry points of the native backend (node-addon-api, C++ exceptions on):
//
//   compile(desc)                       → Plan      (desc: see runtime/native/lower.ts PlanJSON)
//   Plan#execute(args, stats?, timings?, reuse?) → outputs  (typed arrays; stats: cast counters
//                                                   added to, timings: nanoseconds per instruction
//                                                   added to, reuse: per output an ArrayBuffer of
//                                                   its exact size to write it into, or undefined)
//   runPrimitive(prim, params, inputs, stats?) → [{dtype, shape, data}]   (one kernel, for tests)
//   numThreads(), gemmImpl()
//
// Everything that comes from JavaScript is checked before a kernel runs: the structure and
// types of descriptors, every typed array's class against its dtype and its length against its
// shape, params against the kernels' shape rules. Problems become JavaScript errors; nothing
// here aborts the process.
#include <napi.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <dlfcn.h>  // POSIX: the compiled fused kernels' objects (jitLoad)
#ifdef __linux__
#include <malloc.h>
#endif

#include "gemm/gemm.h"
#include "jit_args.h"
#include "output_memory.h"
#include "plan.h"
#include "thread_pool.h"

namespace scalify {

namespace {

constexpr int kMaxDepth = 12;

/** A JavaScript params value → PVal (numbers, booleans, strings, null, arrays, plain objects). */
PVal to_pval(const Napi::Value& v, int depth, int64_t* budget) {
  if (depth > kMaxDepth) fail("params are nested too deeply");
  if (--*budget < 0) fail("params are too large");
  PVal p;
  if (v.IsNull() || v.IsUndefined()) {
    p.kind = PVal::Null;
  } else if (v.IsBoolean()) {
    p.kind = PVal::Bool;
    p.b = v.As<Napi::Boolean>().Value();
  } else if (v.IsNumber()) {
    p.kind = PVal::Num;
    p.num = v.As<Napi::Number>().DoubleValue();
  } else if (v.IsString()) {
    p.kind = PVal::Str;
    p.str = v.As<Napi::String>().Utf8Value();
  } else if (v.IsArray()) {
    p.kind = PVal::Arr;
    Napi::Array a = v.As<Napi::Array>();
    const uint32_t n = a.Length();
    if (n > 1000000) fail("params are too large");
    p.arr.reserve(n);
    for (uint32_t i = 0; i < n; i++) p.arr.push_back(to_pval(a.Get(i), depth + 1, budget));
  } else if (v.IsObject() && !v.IsTypedArray() && !v.IsFunction() && !v.IsArrayBuffer()) {
    p.kind = PVal::Obj;
    Napi::Object o = v.As<Napi::Object>();
    Napi::Array keys = o.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); i++) {
      Napi::Value k = keys.Get(i);
      if (!k.IsString()) continue;
      p.obj.emplace_back(k.As<Napi::String>().Utf8Value(), to_pval(o.Get(k), depth + 1, budget));
    }
  } else {
    fail("params hold an unsupported value");
  }
  return p;
}

PVal params_of(const Napi::Value& v) {
  int64_t budget = 2000000;
  return to_pval(v, 0, &budget);
}

napi_typedarray_type storage_type(DType d) {
  switch (d) {
    case DType::F32: return napi_float32_array;
    case DType::I32: return napi_int32_array;
    case DType::F16:
    case DType::BF16: return napi_uint16_array;
    default: return napi_uint8_array;
  }
}

const char* storage_name(DType d) {
  switch (d) {
    case DType::F32: return "Float32Array";
    case DType::I32: return "Int32Array";
    case DType::F16:
    case DType::BF16: return "Uint16Array";
    default: return "Uint8Array";
  }
}

uint8_t g_empty[64];

/** The memory of a typed array holding `a`, after checking its class and length. */
void* storage_of(const Napi::Value& v, const Aval& a, const std::string& what) {
  if (!v.IsTypedArray()) fail(what + ": expected a " + storage_name(a.dtype) + " for " + aval_str(a));
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  if (t.TypedArrayType() != storage_type(a.dtype))
    fail(what + ": expected a " + storage_name(a.dtype) + " for " + aval_str(a) + ", got another typed array class");
  if (static_cast<int64_t>(t.ElementLength()) != a.size())
    fail(what + ": " + aval_str(a) + " needs " + std::to_string(a.size()) + " elements, got " + std::to_string(t.ElementLength()));
  if (a.size() == 0) return g_empty;
  // The element pointer straight from N-API (works for ArrayBuffer and SharedArrayBuffer backing).
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value buffer;
  if (napi_get_typedarray_info(v.Env(), v, &type, &length, &data, &buffer, &offset) != napi_ok || data == nullptr)
    fail(what + ": cannot read the array's memory (detached?)");
  return data;
}

/** SCALIFY_NATIVE_POISON=1 fills every new output with 0xff bytes (NaN) first: tests use it to
 * show that kernels write all of their outputs, since output memory is not zero-filled. */
bool poison_outputs() {
  static const bool on = [] {
    const char* v = std::getenv("SCALIFY_NATIVE_POISON");
    return v != nullptr && v[0] != '\0' && v[0] != '0';
  }();
  return on;
}

Napi::TypedArray typed_view(Napi::Env env, DType d, Napi::ArrayBuffer buf, size_t offset, size_t n) {
  switch (d) {
    case DType::F32: return Napi::Float32Array::New(env, n, buf, offset);
    case DType::I32: return Napi::Int32Array::New(env, n, buf, offset);
    case DType::F16:
    case DType::BF16: return Napi::Uint16Array::New(env, n, buf, offset);
    default: return Napi::Uint8Array::New(env, n, buf, offset);
  }
}

/**
 * A typed array for an output of aval `a`; *data receives its memory: the output pool's for
 * large outputs (output_memory.h), else napi_create_buffer's (Buffer.allocUnsafe's allocation).
 * Neither is zero-filled, since every kernel writes all of its outputs (tests check it with
 * SCALIFY_NATIVE_POISON).
 */
Napi::TypedArray new_storage(Napi::Env env, const Aval& a, void** data) {
  const size_t n = static_cast<size_t>(a.size());
  const size_t bytes = n * static_cast<size_t>(item_size(a.dtype));
  if (bytes == 0) {
    *data = g_empty;
    return typed_view(env, a.dtype, Napi::ArrayBuffer::New(env, 0), 0, 0);
  }
  Napi::ArrayBuffer buf = pooled_array_buffer(env, bytes);
  size_t offset = 0;
  if (buf.IsEmpty()) {
    Napi::Buffer<uint8_t> b = Napi::Buffer<uint8_t>::New(env, bytes);
    buf = b.ArrayBuffer();
    offset = b.ByteOffset();
  }
  *data = static_cast<uint8_t*>(buf.Data()) + offset;
  if (poison_outputs()) std::memset(*data, 0xff, bytes);
  return typed_view(env, a.dtype, buf, offset, n);
}

/**
 * The output of aval `a` in `reuse`, an ArrayBuffer of exactly its size that JavaScript hands back
 * (memory of a deleted tensor: writing into memory already mapped saves the page faults and
 * zeroing of a fresh allocation, a pass over memory for a large output). It must not overlap an
 * argument or another reused output: `taken` holds their byte ranges, this one is added.
 */
Napi::TypedArray reused_storage(Napi::Env env, const Aval& a, const Napi::Value& reuse, std::vector<std::pair<const char*, size_t>>* taken, void** data,
                                const std::string& what) {
  if (!reuse.IsArrayBuffer()) fail(what + ": expected an ArrayBuffer or undefined");
  Napi::ArrayBuffer buf = reuse.As<Napi::ArrayBuffer>();
  const size_t n = static_cast<size_t>(a.size());
  const size_t bytes = n * static_cast<size_t>(item_size(a.dtype));
  if (bytes == 0 || buf.ByteLength() != bytes || buf.Data() == nullptr)
    fail(what + ": the ArrayBuffer must hold exactly " + std::to_string(bytes) + " bytes for " + aval_str(a) + ", it holds " + std::to_string(buf.ByteLength()));
  const char* p = static_cast<const char*>(buf.Data());
  for (const auto& [q, len] : *taken)
    if (p < q + len && q < p + bytes) fail(what + ": the ArrayBuffer overlaps an argument or another output");
  taken->push_back({p, bytes});
  *data = buf.Data();
  if (poison_outputs()) std::memset(*data, 0xff, bytes);
  return typed_view(env, a.dtype, buf, 0, n);
}

DType dtype_of(const Napi::Value& v, const std::string& what) {
  DType d;
  if (!v.IsString() || !parse_dtype(v.As<Napi::String>().Utf8Value().c_str(), &d)) fail(what + ": unknown dtype");
  return d;
}

Shape shape_of(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) fail(what + ": shape must be an array");
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() > 64) fail(what + ": rank too large");
  Shape s;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value d = a.Get(i);
    if (!d.IsNumber()) fail(what + ": shape must hold integers");
    const double x = d.As<Napi::Number>().DoubleValue();
    if (!(x >= 0) || x != std::floor(x) || x > static_cast<double>(kMaxElements)) fail(what + ": bad dimension in shape");
    s.push_back(static_cast<int64_t>(x));
  }
  checked_size(s, what.c_str());
  return s;
}

Napi::Object obj_of(const Napi::Value& v, const std::string& what) {
  if (!v.IsObject() || v.IsArray()) fail(what + " must be an object");
  return v.As<Napi::Object>();
}

Napi::Array arr_of(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) fail(what + " must be an array");
  return v.As<Napi::Array>();
}

std::vector<int64_t> ints_of(const Napi::Value& v, const std::string& what) {
  Napi::Array a = arr_of(v, what);
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) fail(what + " must hold integers");
    const double x = e.As<Napi::Number>().DoubleValue();
    if (x != std::floor(x) || std::fabs(x) > 1e15) fail(what + " must hold integers");
    out.push_back(static_cast<int64_t>(x));
  }
  return out;
}

/** Cast statistics layout: [saturated, flushedToZero, nonFinite], then per dtype d at 3 + 4d: [touched, saturated, flushedToZero, nonFinite]. */
constexpr uint32_t kStatsLength = 3 + 4 * kNumDTypes;

CastCounts* stats_target(const Napi::Value& v, CastCounts* counts) {
  if (v.IsUndefined() || v.IsNull()) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array || v.As<Napi::TypedArray>().ElementLength() < kStatsLength)
    fail("stats must be a Float64Array of " + std::to_string(kStatsLength) + " counters");
  return counts;
}

void add_stats(const Napi::Value& v, const CastCounts& c) {
  Napi::Float64Array a = v.As<Napi::Float64Array>();
  for (int d = 0; d < kNumDTypes; d++) {
    const double s = static_cast<double>(c.saturated[d].load()), f = static_cast<double>(c.flushed_to_zero[d].load()),
                 n = static_cast<double>(c.non_finite[d].load());
    a[0] = a[0] + s;
    a[1] = a[1] + f;
    a[2] = a[2] + n;
    const size_t b = 3 + 4 * static_cast<size_t>(d);
    if (c.touched[d].load()) a[b] = 1;
    a[b + 1] = a[b + 1] + s;
    a[b + 2] = a[b + 2] + f;
    a[b + 3] = a[b + 3] + n;
  }
}

/** Runs `f`, turning C++ failures into JavaScript exceptions. */
template <class F>
Napi::Value guarded(Napi::Env env, F f) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    throw Napi::Error::New(env, std::string("scalify native: ") + e.what());
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "scalify native: out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("scalify native: ") + e.what());
  }
}

PlanDesc plan_desc(const Napi::Value& v) {
  const Napi::Object o = obj_of(v, "plan");
  PlanDesc d;
  const Napi::Array values = arr_of(o.Get("values"), "plan.values");
  for (uint32_t i = 0; i < values.Length(); i++) {
    const std::string what = "plan.values[" + std::to_string(i) + "]";
    const Napi::Object vo = obj_of(values.Get(i), what);
    d.values.push_back(Aval{dtype_of(vo.Get("dtype"), what), shape_of(vo.Get("shape"), what)});
    const Napi::Value s = vo.Get("slot");
    if (!s.IsNumber()) fail(what + ".slot must be an integer");
    d.value_slot.push_back(static_cast<int64_t>(s.As<Napi::Number>().DoubleValue()));
  }
  const Napi::Array slots = arr_of(o.Get("slots"), "plan.slots");
  for (uint32_t i = 0; i < slots.Length(); i++) {
    const std::string what = "plan.slots[" + std::to_string(i) + "]";
    const Napi::Object so = obj_of(slots.Get(i), what);
    const Napi::Value kind = so.Get("kind");
    const std::string k = kind.IsString() ? kind.As<Napi::String>().Utf8Value() : "";
    SlotDesc sd;
    auto num = [&](const char* key) {
      const Napi::Value n = so.Get(key);
      if (!n.IsNumber()) fail(what + "." + key + " must be an integer");
      const double x = n.As<Napi::Number>().DoubleValue();
      if (x != std::floor(x) || x < 0 || x > 1e15) fail(what + "." + key + " must be a non-negative integer");
      return static_cast<int64_t>(x);
    };
    if (k == "internal") {
      sd.kind = SlotDesc::Internal;
      sd.bytes = num("bytes");
    } else if (k == "input") {
      sd.kind = SlotDesc::Input;
      sd.index = num("index");
    } else if (k == "output") {
      sd.kind = SlotDesc::Output;
      sd.index = num("index");
    } else if (k == "constant") {
      sd.kind = SlotDesc::Constant;
      const Napi::Value data = so.Get("data");
      if (!data.IsTypedArray()) fail(what + ".data must be a typed array");
      Napi::TypedArray t = data.As<Napi::TypedArray>();
      const size_t bytes = t.ByteLength();
      sd.data.resize(bytes);
      if (bytes > 0) {
        napi_typedarray_type type;
        size_t length = 0, offset = 0;
        void* src = nullptr;
        napi_value buffer;
        if (napi_get_typedarray_info(data.Env(), data, &type, &length, &src, &buffer, &offset) != napi_ok || src == nullptr)
          fail(what + ": cannot read the array's memory (detached?)");
        std::memcpy(sd.data.data(), src, bytes);
      }
      const Napi::Value dt = so.Get("dtype");
      if (!dt.IsUndefined() && t.TypedArrayType() != storage_type(dtype_of(dt, what))) fail(what + ": data is not the storage of its dtype");
    } else {
      fail(what + ".kind must be internal, input, output or constant");
    }
    d.slots.push_back(std::move(sd));
  }
  d.inputs = ints_of(o.Get("inputs"), "plan.inputs");
  d.outputs = ints_of(o.Get("outputs"), "plan.outputs");
  d.constants = ints_of(o.Get("constants"), "plan.constants");
  const Napi::Array instrs = arr_of(o.Get("instrs"), "plan.instrs");
  for (uint32_t i = 0; i < instrs.Length(); i++) {
    const std::string what = "plan.instrs[" + std::to_string(i) + "]";
    const Napi::Object io = obj_of(instrs.Get(i), what);
    InstrDesc in;
    const Napi::Value prim = io.Get("prim");
    if (!prim.IsString()) fail(what + ".prim must be a string");
    in.prim = prim.As<Napi::String>().Utf8Value();
    in.params = params_of(io.Get("params"));
    in.ins = ints_of(io.Get("ins"), what + ".ins");
    in.outs = ints_of(io.Get("outs"), what + ".outs");
    const Napi::Value count_only = io.Get("countOnly");
    if (!count_only.IsUndefined()) {
      if (!count_only.IsBoolean()) fail(what + ".countOnly must be a boolean");
      in.count_only = count_only.As<Napi::Boolean>().Value();
    }
    d.instrs.push_back(std::move(in));
  }
  return d;
}

class NativePlan : public Napi::ObjectWrap<NativePlan> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "NativePlan",
                       {InstanceMethod<&NativePlan::Execute>("execute"), InstanceAccessor<&NativePlan::ArenaBytes>("arenaBytes"),
                        InstanceAccessor<&NativePlan::NumInstructions>("numInstructions"), InstanceAccessor<&NativePlan::Reruns>("reruns"),
                        InstanceMethod<&NativePlan::JitSource>("jitSource"), InstanceMethod<&NativePlan::JitLoad>("jitLoad")});
  }

  explicit NativePlan(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativePlan>(info) {
    Napi::Env env = info.Env();
    guarded(env, [&]() -> Napi::Value {
      if (info.Length() < 1) fail("compile: a plan is needed");
      plan_.reset(new Plan(plan_desc(info[0])));
      external_ = plan_->arena_bytes();
      Napi::MemoryManagement::AdjustExternalMemory(env, external_);
      return env.Undefined();
    });
  }

  ~NativePlan() override {
    if (external_ > 0) Napi::MemoryManagement::AdjustExternalMemory(Env(), -external_);
  }

 private:
  Napi::Value Execute(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      const Napi::Array args = arr_of(info[0], "execute: args");
      if (args.Length() != plan_->num_inputs())
        fail("execute: the plan takes " + std::to_string(plan_->num_inputs()) + " arguments, got " + std::to_string(args.Length()));
      std::vector<void*> in;
      for (uint32_t k = 0; k < args.Length(); k++) in.push_back(storage_of(args.Get(k), plan_->input_aval(k), "execute: argument " + std::to_string(k)));
      CastCounts counts;
      CastCounts* stats = stats_target(info[1], &counts);
      Napi::Array result = Napi::Array::New(env, plan_->num_outputs());
      std::vector<void*> out;
      const bool reusing = info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull();
      Napi::Array reuse;
      std::vector<std::pair<const char*, size_t>> taken;
      if (reusing) {
        reuse = arr_of(info[3], "execute: reuse");
        if (reuse.Length() != plan_->num_outputs()) fail("execute: reuse must hold one entry per output (" + std::to_string(plan_->num_outputs()) + ")");
        for (uint32_t k = 0; k < args.Length(); k++)
          taken.push_back({static_cast<const char*>(in[k]), static_cast<size_t>(plan_->input_aval(k).size()) * static_cast<size_t>(item_size(plan_->input_aval(k).dtype))});
      }
      for (size_t k = 0; k < plan_->num_outputs(); k++) {
        void* p;
        const Napi::Value r = reusing ? reuse.Get(static_cast<uint32_t>(k)) : env.Undefined();
        const bool fresh = r.IsUndefined() || r.IsNull();
        result.Set(static_cast<uint32_t>(k), fresh ? new_storage(env, plan_->output_aval(k), &p)
                                                   : reused_storage(env, plan_->output_aval(k), r, &taken, &p, "execute: reuse " + std::to_string(k)));
        out.push_back(p);
      }
      // Optional profile: a Float64Array with one entry per instruction gets its nanoseconds added.
      double* timings = nullptr;
      if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull()) {
        if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
            info[2].As<Napi::TypedArray>().ElementLength() != plan_->num_instructions())
          fail("execute: timings must be a Float64Array with one entry per instruction");
        timings = info[2].As<Napi::Float64Array>().Data();
      }
      plan_->execute(in, out, stats, timings);
      if (stats) add_stats(info[1], counts);
      return result;
    });
  }

  /**
   * jitSource(prefix, minElements): a C++ translation unit with the compiled forms of the plan's
   * fused kernels of at least minElements elements (fused_jit.cpp), "" if there are none.
   */
  Napi::Value JitSource(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      const std::string prefix = jit_prefix(info[0], "jitSource");
      if (!info[1].IsNumber() || !(info[1].As<Napi::Number>().DoubleValue() >= 0)) fail("jitSource: minElements must be a number ≥ 0");
      const std::string kernels = plan_->jit_source(prefix, static_cast<int64_t>(info[1].As<Napi::Number>().DoubleValue()));
      if (kernels.empty()) return Napi::String::New(env, "");
      const std::string abi = std::to_string(jit::kAbi);
      return Napi::String::New(env, "// Compiled fused kernels of one scalify plan (runtime/native/src/fused_jit.cpp).\n#include \"jit_lanes.h\"\n"
                                    "using namespace scalify;\n"
                                    "extern \"C\" int " + prefix + "abi() { return " + abi + "; }\n" + kernels);
    });
  }

  /**
   * jitLoad(path, prefix): loads the shared object built from jitSource(prefix, …) and binds its
   * kernels; returns how many. The object stays loaded for the life of the process.
   */
  Napi::Value JitLoad(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      if (!info[0].IsString()) fail("jitLoad: the path must be a string");
      const std::string path = info[0].As<Napi::String>().Utf8Value();
      const std::string prefix = jit_prefix(info[1], "jitLoad");
      void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle == nullptr) fail("jitLoad: cannot load " + path + ": " + dlerror());
      auto abi = reinterpret_cast<int (*)()>(dlsym(handle, (prefix + "abi").c_str()));
      if (abi == nullptr || abi() != jit::kAbi) {
        dlclose(handle);
        fail("jitLoad: " + path + " was not built from this addon's jitSource (prefix " + prefix + ", version " + std::to_string(jit::kAbi) + ")");
      }
      int bound = 0;
      try {
        bound = plan_->jit_bind(prefix, [handle](const std::string& name) { return dlsym(handle, name.c_str()); });
      } catch (...) {
        dlclose(handle);  // nothing was bound
        throw;
      }
      return Napi::Number::New(env, bound);
    });
  }

  /** A C identifier prefix for the compiled kernels' symbols. */
  static std::string jit_prefix(const Napi::Value& v, const char* what) {
    if (!v.IsString()) fail(std::string(what) + ": the prefix must be a string");
    const std::string p = v.As<Napi::String>().Utf8Value();
    bool ok = !p.empty() && !std::isdigit(static_cast<unsigned char>(p[0]));
    for (char c : p) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok) fail(std::string(what) + ": the prefix must be a C identifier, got \"" + p + "\"");
    return p;
  }

  Napi::Value Reruns(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(plan_ ? plan_->reruns() : 0)); }
  Napi::Value ArenaBytes(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(plan_ ? plan_->arena_bytes() : 0)); }
  Napi::Value NumInstructions(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(plan_ ? plan_->num_instructions() : 0));
  }

  std::unique_ptr<Plan> plan_;
  int64_t external_ = 0;
};

Napi::Value RunPrimitive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!info[0].IsString()) fail("runPrimitive: the primitive name must be a string");
    const std::string prim = info[0].As<Napi::String>().Utf8Value();
    const PVal params = params_of(info[1]);
    const Napi::Array inputs = arr_of(info[2], "runPrimitive: inputs");
    std::vector<Aval> avals;
    std::vector<void*> data;
    for (uint32_t i = 0; i < inputs.Length(); i++) {
      const std::string what = "runPrimitive: input " + std::to_string(i);
      const Napi::Object t = obj_of(inputs.Get(i), what);
      avals.push_back(Aval{dtype_of(t.Get("dtype"), what), shape_of(t.Get("shape"), what)});
    }
    for (uint32_t i = 0; i < inputs.Length(); i++)
      data.push_back(storage_of(inputs.Get(i).As<Napi::Object>().Get("data"), avals[i], "runPrimitive: input " + std::to_string(i)));
    CastCounts counts;
    CastCounts* stats = stats_target(info[3], &counts);
    std::vector<Aval> outs;
    Napi::Array result = Napi::Array::New(env);
    run_primitive(prim, params, avals, data, &outs,
                  [&](const std::vector<Aval>& oa) {
                    std::vector<void*> ptrs;
                    for (size_t k = 0; k < oa.size(); k++) {
                      void* p;
                      Napi::Object t = Napi::Object::New(env);
                      t.Set("dtype", dtype_name(oa[k].dtype));
                      Napi::Array shape = Napi::Array::New(env, oa[k].shape.size());
                      for (size_t d = 0; d < oa[k].shape.size(); d++) shape.Set(static_cast<uint32_t>(d), Napi::Number::New(env, static_cast<double>(oa[k].shape[d])));
                      t.Set("shape", shape);
                      t.Set("data", new_storage(env, oa[k], &p));
                      result.Set(static_cast<uint32_t>(k), t);
                      ptrs.push_back(p);
                    }
                    return ptrs;
                  },
                  stats);
    if (stats) add_stats(info[3], counts);
    return result;
  });
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), ThreadPool::instance().num_threads()); }
Napi::Value GemmImpl(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), gemm::gemm_impl_name()); }

/** outputPoolStats() → {idleBytes, mappedBytes, reused, mapped}: the large-output pool (output_memory.h). */
Napi::Value OutputPoolStatsJs(const Napi::CallbackInfo& info) {
  const OutputPoolStats s = output_pool_stats();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("idleBytes", static_cast<double>(s.idle_bytes));
  o.Set("mappedBytes", static_cast<double>(s.mapped_bytes));
  o.Set("reused", static_cast<double>(s.reused));
  o.Set("mapped", static_cast<double>(s.mapped));
  return o;
}

}  // namespace

void register_bandwidth_bench(Napi::Env env, Napi::Object exports);  // bandwidth_bench.cpp

namespace {

/**
 * Keeps large freed blocks mapped for reuse (SCALIFY_NATIVE_MALLOC=default opts out). Above
 * glibc's mmap threshold (adaptive, at most 32 MiB) every large temporary buffer of a kernel or
 * a plan would be a fresh mapping whose first touch faults each 4 KiB page (64 MiB: 50–175 ms
 * on this project's VMs). Outputs of 1 MiB or more have their own pool (output_memory.h).
 */
void tune_malloc() {
#ifdef M_MMAP_THRESHOLD
  const char* v = std::getenv("SCALIFY_NATIVE_MALLOC");
  if (v != nullptr && std::strcmp(v, "default") == 0) return;
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tune_malloc();
  decode_tables();
  exports.Set("Plan", NativePlan::Init(env));
  exports.Set("runPrimitive", Napi::Function::New(env, RunPrimitive));
  exports.Set("numThreads", Napi::Function::New(env, NumThreads));
  exports.Set("gemmImpl", Napi::Function::New(env, GemmImpl));
  exports.Set("outputPoolStats", Napi::Function::New(env, OutputPoolStatsJs));
  exports.Set("abiVersion", Napi::Number::New(env, 5));  // 2: folded casts (lhs_round, countOnly); 3: speculation guards; 4: jitSource / jitLoad; 5: outputPoolStats
  exports.Set("statsLength", Napi::Number::New(env, kStatsLength));
  gemm::register_exports(env, exports);  // the gemm's own exports (gemmInfo, gemmBench, …)
  register_bandwidth_bench(env, exports);
  return exports;
}

}  // namespace

}  // namespace scalify

static Napi::Object InitScalify(Napi::Env env, Napi::Object exports) { return scalify::Init(env, exports); }

NODE_API_MODULE(scalify_native, InitScalify)
