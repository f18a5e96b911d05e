#!/usr/bin/env bash
# Builds and runs the gemm's standalone C++ checks and micro-benchmark (no Node, no addon):
#
#   bash runtime/native/src/gemm/test/run.sh                 check every path this CPU runs
#   bash runtime/native/src/gemm/test/run.sh --emulate       also check the AVX-512 f32 and BF16
#        kernels on a CPU without AVX-512, compiled against SIMDe's portable emulation of the
#        intrinsics (Debian: apt-get install libsimde-dev); slow (~2 min), logic only
#   bash runtime/native/src/gemm/test/run.sh bench N [threads] [dtype] [path]
#        time N³ products (dtype f32|f16|bf16|e4m3fn|e5m2; path 1 generic, 2 avx2, 3 avx512,
#        4 avx512-bf16); SCALIFY_GEMM_TUNE="mc=..,kc=..,nc=..,nw=..,a_resident=0|1" overrides
#        the blocking
#   bash runtime/native/src/gemm/test/run.sh compare N [threads] [reps]
#        f32 N³ interleaved call by call with OpenBLAS's cblas_sgemm (needs libopenblas-dev)
#
# Checks compare against an f64 reference with DESIGN's dot tolerance K·2^-24·Σ|a·b| (plus one
# rounding for alpha), over edge shapes, transposed and broadcast operands, batches, alpha,
# accumulate, and every pair of operand dtypes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/.."
out="${TMPDIR:-/tmp}/scalify-gemm-test"
mkdir -p "$out"
CXX="${CXX:-g++}"
FLAGS=(-O3 -march=native -std=gnu++17 -pthread -ffp-contract=fast -I"$src")
units=(gemm_driver gemm_tables gemm_kernels_avx2 gemm_kernels_avx512)

pids=()
for u in "${units[@]}"; do "$CXX" "${FLAGS[@]}" -c "$src/$u.cpp" -o "$out/$u.o" & pids+=($!); done
"$CXX" "${FLAGS[@]}" -c "$here/gemm_test.cpp" -o "$out/gemm_test.o" & pids+=($!)
for p in "${pids[@]}"; do wait "$p"; done
"$CXX" -pthread "$out"/gemm_driver.o "$out"/gemm_tables.o "$out"/gemm_kernels_avx2.o "$out"/gemm_kernels_avx512.o "$out"/gemm_test.o -o "$out/gemm_test"

if [[ "${1:-}" == "compare" ]]; then
  shift
  "$CXX" "${FLAGS[@]}" -DSCALIFY_GEMM_OPENBLAS -c "$here/gemm_test.cpp" -o "$out/gemm_test_blas.o"
  "$CXX" -pthread "$out"/gemm_driver.o "$out"/gemm_tables.o "$out"/gemm_kernels_avx2.o "$out"/gemm_kernels_avx512.o "$out"/gemm_test_blas.o -o "$out/gemm_compare" -lopenblas
  exec "$out/gemm_compare" compare "$@"
fi

if [[ "${1:-}" == "bench" ]]; then
  shift
  exec "$out/gemm_test" bench "$@"
fi

"$out/gemm_test" check | tail -n 1

if [[ "${1:-}" == "--emulate" ]]; then
  if [[ ! -f /usr/include/simde/x86/avx512.h ]]; then
    echo "SIMDe not installed (apt-get install libsimde-dev): skipping the emulated AVX-512 checks"
    exit 0
  fi
  "$CXX" -O1 -march=native -std=gnu++17 -pthread -ffp-contract=fast -I"$src" -DSCALIFY_GEMM_ASSUME_AVX512 -c "$src/gemm_driver.cpp" -o "$out/emu_driver.o" &
  "$CXX" -O1 -march=native -std=gnu++17 -pthread -ffp-contract=fast -I"$src" -DSCALIFY_GEMM_SIMDE -Wno-psabi -c "$src/gemm_kernels_avx512.cpp" -o "$out/emu_k512.o" &
  wait
  "$CXX" -pthread "$out"/emu_driver.o "$out"/gemm_tables.o "$out"/gemm_kernels_avx2.o "$out"/emu_k512.o "$out"/gemm_test.o -o "$out/gemm_test_emu"
  echo "emulated AVX-512 (SIMDe):"
  "$out/gemm_test_emu" check | tail -n 1
fi
