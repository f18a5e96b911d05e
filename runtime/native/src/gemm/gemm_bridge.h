// Glue between gemm.h (the addon's contract) and gemm_impl.h (the blocked implementation),
// shared by gemm.cpp and gemm_napi.cpp.
#pragma once

#include "gemm.h"
#include "gemm_impl.h"

namespace scalify {
namespace gemm {

/** An executor on ThreadPool::instance() (inline when !use_threads or the pool has 1 thread). */
scalify_gemm::Executor pool_executor(bool use_threads);

/** The implementation's view of the contract's arguments. */
scalify_gemm::Problem to_problem(const GemmArgs& g);

}  // namespace gemm
}  // namespace scalify
