// Large outputs live in memory the addon maps itself and takes back when V8 frees the
// ArrayBuffer, as XLA's allocator takes back a freed jax.Array's buffer. Fresh memory from the OS
// costs a page fault per page on first touch, each page zeroed by the kernel: on this project's
// VMs 175 ms per 64 MB on 4 KiB pages and 5–90 ms on 2 MiB ones, where bench (d)'s chain over
// 64 MB takes 1.5–5 ms.
//
// Why V8's own API: the memory must come back when the collector frees the buffer, which happens
// inside ordinary synchronous code. N-API's external buffers run their finalizers on a later turn
// of the event loop (Node 20 defers them with SetImmediate), so a loop of calls would only pile
// up memory; a BackingStore deleter runs when V8 frees the store, on whatever thread does it.
#include "output_memory.h"

#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include <v8.h>

namespace scalify {

namespace {

constexpr size_t kPage = 4096, kHuge = size_t(2) << 20;
/** Idle memory kept at most (SCALIFY_OUTPUT_POOL_IDLE bytes, default 1 GiB); past it, freed
 * blocks are unmapped. */
size_t idle_max() {
  static const size_t v = [] {
    const char* e = std::getenv("SCALIFY_OUTPUT_POOL_IDLE");
    char* end = nullptr;
    const unsigned long long n = e != nullptr ? std::strtoull(e, &end, 10) : 0;
    return e != nullptr && end != e && *end == '\0' ? static_cast<size_t>(n) : size_t(1) << 30;
  }();
  return v;
}

}  // namespace

void* map_huge_pages(size_t bytes) {
  void* raw = mmap(nullptr, bytes + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t r = reinterpret_cast<uintptr_t>(raw), a = (r + kHuge - 1) & ~(kHuge - 1);
  if (a > r) munmap(raw, a - r);
  munmap(reinterpret_cast<void*>(a + bytes), r + kHuge - a);
  madvise(reinterpret_cast<void*>(a), bytes, MADV_HUGEPAGE);  // advice: failure changes nothing
  return reinterpret_cast<void*>(a);
}

namespace {

struct Block {
  void* data;
  size_t capacity;
};

class Pool {
 public:
  void* take(size_t capacity) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      // Newest first: its pages are the likeliest to be in the TLB and caches.
      for (size_t i = idle_.size(); i-- > 0;)
        if (idle_[i].capacity == capacity) {
          void* p = idle_[i].data;
          idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(i));
          idle_bytes_ -= capacity;
          reused_++;
          return p;
        }
    }
    void* p = map_huge_pages(capacity);
    if (p != nullptr) {
      std::lock_guard<std::mutex> lock(mu_);
      mapped_bytes_ += capacity;
      mapped_++;
    }
    return p;
  }

  /** Keeps `p` idle; past idle_max() the oldest idle blocks are unmapped first (sizes a program
   * stopped using go before the ones it still makes). */
  void give_back(void* p, size_t capacity) {
    std::vector<Block> unmap;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (capacity > idle_max()) {
        unmap.push_back({p, capacity});
      } else {
        size_t drop = 0;
        while (idle_bytes_ + capacity > idle_max()) idle_bytes_ -= idle_[drop++].capacity;
        unmap.assign(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(drop));
        idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(drop));
        idle_.push_back({p, capacity});
        idle_bytes_ += capacity;
      }
      for (const Block& b : unmap) mapped_bytes_ -= b.capacity;
    }
    for (const Block& b : unmap) munmap(b.data, b.capacity);
  }

  OutputPoolStats stats() {
    std::lock_guard<std::mutex> lock(mu_);
    return {idle_bytes_, mapped_bytes_, reused_, mapped_};
  }

 private:
  std::mutex mu_;
  std::vector<Block> idle_;
  uint64_t idle_bytes_ = 0, mapped_bytes_ = 0, reused_ = 0, mapped_ = 0;
};

/** Never destroyed: V8 may free buffers while the process exits, after static destructors. */
Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

void release(void* data, size_t, void* capacity) { pool().give_back(data, reinterpret_cast<size_t>(capacity)); }

bool pool_wanted() {
  static const bool on = [] {
    const char* v = std::getenv("SCALIFY_OUTPUT_POOL");
    return v == nullptr || std::strcmp(v, "0") != 0;
  }();
  return on;
}

/** -1 until the first buffer is checked, then 1 if N-API sees it as V8 made it, else 0. */
std::atomic<int> g_handles_convert{-1};

}  // namespace

Napi::ArrayBuffer pooled_array_buffer(Napi::Env env, size_t bytes) {
#ifdef V8_ENABLE_SANDBOX
  // A V8 built with its sandbox (Electron, not Node) refuses memory from outside it, fatally.
  return Napi::ArrayBuffer();
#endif
  if (bytes < kPooledOutputMin || !pool_wanted() || g_handles_convert == 0) return Napi::ArrayBuffer();
  const size_t capacity = (bytes + kPage - 1) & ~(kPage - 1);
  void* p = pool().take(capacity);
  if (p == nullptr) return Napi::ArrayBuffer();
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::shared_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(p, bytes, release, reinterpret_cast<void*>(capacity));
  v8::Local<v8::ArrayBuffer> ab = v8::ArrayBuffer::New(isolate, store);
  // N-API's own conversion (v8impl::JsValueFromV8LocalValue): a napi_value is the handle's address.
  napi_value value = reinterpret_cast<napi_value>(*ab);
  if (g_handles_convert < 0) {
    bool is_ab = false;
    void* data = nullptr;
    size_t length = 0;
    const bool ok = napi_is_arraybuffer(env, value, &is_ab) == napi_ok && is_ab && napi_get_arraybuffer_info(env, value, &data, &length) == napi_ok && data == p &&
               length == bytes;
    g_handles_convert = ok ? 1 : 0;
    if (!ok) return Napi::ArrayBuffer();  // the store's deleter gives p back
  }
  return Napi::ArrayBuffer(env, value);
}

OutputPoolStats output_pool_stats() { return pool().stats(); }

}  // namespace scalify
