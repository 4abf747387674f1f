// Shared plumbing of the binding: the tensor handle table, argument readers and the guard
// that turns every C++/libtorch exception into a JS Error naming the op.
#pragma once
#include <napi.h>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace dd {

// ---- handle table: JS holds a number, the table owns the at::Tensor -------------------
double put(at::Tensor t);
at::Tensor& get(double id);
void release(double id);
size_t live_count();

// ---- argument readers (all throw std::invalid_argument with a readable message) -------
const at::Tensor& T(const Napi::CallbackInfo& info, size_t i);
c10::optional<at::Tensor> optT(const Napi::CallbackInfo& info, size_t i);
std::vector<at::Tensor> Ts(const Napi::CallbackInfo& info, size_t i);
double num(const Napi::CallbackInfo& info, size_t i);
int64_t integer(const Napi::CallbackInfo& info, size_t i);
c10::optional<double> optNum(const Napi::CallbackInfo& info, size_t i);
bool boolean(const Napi::CallbackInfo& info, size_t i);
std::string str(const Napi::CallbackInfo& info, size_t i);
std::vector<int64_t> ints(const Napi::CallbackInfo& info, size_t i);
at::ScalarType dtype(const std::string& name);
std::string dtype_name(at::ScalarType t);
at::Device device(const std::string& name);
at::TensorOptions options(const Napi::CallbackInfo& info, size_t dtype_i, size_t device_i);

Napi::Value ret(Napi::Env env, at::Tensor t);
Napi::Value retMany(Napi::Env env, const std::vector<at::Tensor>& ts);

using Fn = Napi::Value (*)(const Napi::CallbackInfo&);
Napi::Value guarded(const char* name, Fn fn, const Napi::CallbackInfo& info);

// Registers `fn` under `name` with the guard around it.
#define DD_EXPORT(exports, name, fn)                                                    \
  exports.Set(name, Napi::Function::New(                                                \
                        exports.Env(),                                                  \
                        [](const Napi::CallbackInfo& info) { return dd::guarded(name, fn, info); }, \
                        name))

void register_allocator(Napi::Env env, Napi::Object exports);
void register_runtime(Napi::Env env, Napi::Object exports);
void register_tensor_ops(Napi::Env env, Napi::Object exports);
void register_nn_ops(Napi::Env env, Napi::Object exports);
void register_optim_ops(Napi::Env env, Napi::Object exports);
void register_disco_ops(Napi::Env env, Napi::Object exports);
void register_parallel(Napi::Env env, Napi::Object exports);

}  // namespace dd
