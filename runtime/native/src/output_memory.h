// Memory for large outputs, recycled when the garbage collector frees them (output_memory.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include <napi.h>

namespace scalify {

/** Outputs of at least this many bytes come from the pool; smaller ones from the allocator's own
 * free lists, which are not fresh pages either. */
constexpr size_t kPooledOutputMin = size_t(1) << 20;

/**
 * An ArrayBuffer of `bytes` (≥ kPooledOutputMin) whose memory returns to a process-wide pool when
 * V8 frees it, or an empty value when the pool is off (SCALIFY_OUTPUT_POOL=0), V8 has its
 * sandbox, or this Node's handles do not convert (checked once). Not zero-filled.
 */
Napi::ArrayBuffer pooled_array_buffer(Napi::Env env, size_t bytes);

/**
 * `bytes` (a multiple of 4 KiB) of fresh memory aligned to 2 MiB and advised to transparent huge
 * pages, or nullptr; munmap frees it. On this project's VMs a first touch costs ~10 µs per 4 KiB
 * page (64 MB: 175 ms, 0.4 GB/s) and ~150 µs per 2 MiB one (64 MB: 5 ms); the hot loop also
 * misses the TLB less.
 */
void* map_huge_pages(size_t bytes);

struct OutputPoolStats {
  uint64_t idle_bytes, mapped_bytes, reused, mapped;
};
OutputPoolStats output_pool_stats();

}  // namespace scalify
