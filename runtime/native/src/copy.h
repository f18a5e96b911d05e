// Data movement shared by the shape and indexing kernels: strided copies of raw element codes
// (1, 2 or 4 bytes), so every dtype moves bit for bit, NaN payloads included.
#pragma once

#include "core.h"

namespace scalify {

/**
 * dst[i] = src[base + Σ_d idx_d · strides_d] for the row-major multi-index idx of i in `shape`
 * (element units; strides may be 0 or negative). The caller guarantees every address is in range.
 */
void strided_copy(const void* src, int64_t base, const Shape& strides, void* dst, const Shape& shape, int esize);

/**
 * The strided write: dst[base + Σ idx_d · strides_d] = src[i] for the row-major idx of i in
 * `shape` (used by dynamic_update_slice and pad).
 */
void strided_store(const void* src, void* dst, int64_t base, const Shape& strides, const Shape& shape, int esize);

/** Fills n elements of esize bytes at dst with the element at `value`. */
void fill_elements(void* dst, int64_t n, const void* value, int esize);

}  // namespace scalify
