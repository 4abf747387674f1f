// Entry point of the disco-diff native binding: registers every op family.
#include "common.h"

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  dd::register_allocator(env, exports);  // first: the cache must be in place before any tensor exists
  dd::register_runtime(env, exports);
  dd::register_tensor_ops(env, exports);
  dd::register_nn_ops(env, exports);
  dd::register_optim_ops(env, exports);
  dd::register_disco_ops(env, exports);
  dd::register_parallel(env, exports);
  return exports;
}

NODE_API_MODULE(disco_native, Init)
