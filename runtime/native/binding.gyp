# The native addon (runtime/native/README in the project README's "Native backend" section).
# Built by runtime/native/build.mjs, which passes --nodedir so node-gyp works offline.
# Everything is compiled with -ffp-contract=off (f32 arithmetic must match the reference
# interpreter bit for bit, DESIGN.md "Where the backends must agree"), except the gemm
# library, whose results only need the dot_general accuracy contract and may use FMA.
{
  "target_defaults": {
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "cflags_cc": ["-std=gnu++17", "-fexceptions", "-O3", "-march=native", "-fno-math-errno"],
    "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "src"],
  },
  "targets": [
    {
      "target_name": "scalify_gemm",
      "type": "static_library",
      "cflags_cc": ["-ffp-contract=fast", "-fPIC"],
      "sources": ["<!@(node -e \"for (const f of require('fs').readdirSync('src/gemm').sort()) if (f.endsWith('.cpp')) console.log('src/gemm/' + f)\")"],
    },
    {
      "target_name": "scalify_native",
      "dependencies": ["scalify_gemm"],
      "cflags_cc": ["-ffp-contract=off"],
      # glibc's vector math library (AVX2 exp/log/sin/cos/tanh/pow in double) when present.
      "defines": ["<!@(node -e \"const fs = require('fs'); if (['/usr/lib/x86_64-linux-gnu/libmvec.so', '/usr/lib64/libmvec.so', '/lib64/libmvec.so'].some((p) => fs.existsSync(p))) console.log('SCALIFY_HAVE_LIBMVEC')\")"],
      "libraries": ["<!@(node -e \"const fs = require('fs'); if (['/usr/lib/x86_64-linux-gnu/libmvec.so', '/usr/lib64/libmvec.so', '/lib64/libmvec.so'].some((p) => fs.existsSync(p))) console.log('-lmvec')\")"],
      "sources": [
        "src/addon.cpp",
        "src/plan.cpp",
        "src/cast_count.cpp",
        "src/bandwidth_bench.cpp",
        "src/output_memory.cpp",
        "src/params.cpp",
        "src/numerics.cpp",
        "src/thread_pool.cpp",
        "src/erf.cpp",
        "src/fused.cpp",
        "src/fused_exec.cpp",
        "src/fused_rules.cpp",
        "src/fused_jit.cpp",
        "src/shape_kernels.cpp",
        "src/indexing_kernels.cpp",
        "src/reduce_kernels.cpp",
        "src/dot_general.cpp",
        "src/random_kernels.cpp",
      ],
    },
  ],
}
