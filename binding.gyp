{
  "targets": [
    {
      "target_name": "disco_native",
      "sources": ["native/addon.cc", "native/common.cc", "native/allocator.cc", "native/runtime.cc", "native/tensor_ops.cc",
                  "native/nn_ops.cc", "native/optim_ops.cc", "native/disco_ops.cc", "native/parallel.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node native/libtorch.cjs include)"
      ],
      "libraries": ["<!@(node native/libtorch.cjs libs)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GLIBCXX_USE_CXX11_ABI=<!(node native/libtorch.cjs abi)", "<!@(node native/libtorch.cjs defines)"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions", "-frtti", "-Wno-unused-parameter", "-Wno-deprecated-declarations"]
    }
  ]
}
