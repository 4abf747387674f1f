// Random generators, autograd, threads and devices.
#include <ATen/CPUGeneratorImpl.h>

#include <cstring>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "common.h"
#include "compat.h"

extern "C" void openblas_set_num_threads(int) __attribute__((weak));
extern "C" int openblas_get_num_threads(void) __attribute__((weak));
extern "C" char* openblas_get_config(void) __attribute__((weak));

namespace dd {
namespace {

using V = Napi::Value;
using CI = Napi::CallbackInfo;

// ---- generators -----------------------------------------------------------------------------
std::unordered_map<uint64_t, at::Generator>& generators() {
  static std::unordered_map<uint64_t, at::Generator> g;
  return g;
}
uint64_t next_gen = 1;

at::Generator genRef(const CI& info, size_t i) {
  if (!info[i].IsNumber()) return at::detail::getDefaultCPUGenerator();
  auto it = generators().find(static_cast<uint64_t>(num(info, i)));
  if (it == generators().end()) throw std::invalid_argument("generator was disposed");
  return it->second;
}

V newGenerator(const CI& info) {
  auto g = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(num(info, 0)));
  uint64_t id = next_gen++;
  generators().emplace(id, g);
  return Napi::Number::New(info.Env(), static_cast<double>(id));
}
V disposeGenerator(const CI& info) {
  generators().erase(static_cast<uint64_t>(num(info, 0)));
  return info.Env().Undefined();
}
V generatorState(const CI& info) {
  auto g = genRef(info, 0);
  std::lock_guard<std::mutex> lock(g.mutex());
  auto s = g.get_state();
  auto buf = Napi::Buffer<uint8_t>::Copy(info.Env(), s.data_ptr<uint8_t>(), s.numel());
  return buf;
}
V setGeneratorState(const CI& info) {
  auto g = genRef(info, 0);
  auto arr = info[1].As<Napi::Uint8Array>();
  auto s = at::empty({static_cast<int64_t>(arr.ElementLength())}, at::kByte);
  std::memcpy(s.data_ptr(), arr.Data(), arr.ElementLength());
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_state(s);
  return info.Env().Undefined();
}
V manualSeed(const CI& info) {
  at::manual_seed(static_cast<uint64_t>(num(info, 0)));
  return info.Env().Undefined();
}

// Random tensors are drawn on the CPU generator and moved, so a seed gives the same numbers on
// every device.
at::Tensor onDevice(at::Tensor t, const std::string& dev) {
  auto d = device(dev);
  return d.is_cpu() ? t : t.to(d);
}

V rand(const CI& info) {
  auto kind = str(info, 0);
  auto shape = ints(info, 1);
  auto opts = at::TensorOptions().dtype(dtype(str(info, 2)));
  auto g = genRef(info, 4);
  at::Tensor t;
  if (kind == "uniform") t = at::rand(shape, g, opts);
  else if (kind == "normal") t = at::randn(shape, g, opts);
  else throw std::invalid_argument("unknown distribution '" + kind + "'");
  return ret(info.Env(), onDevice(t, str(info, 3)));
}
V randint(const CI& info) {
  auto t = at::randint(integer(info, 0), integer(info, 1), ints(info, 2), genRef(info, 4), at::kLong);
  return ret(info.Env(), onDevice(t, str(info, 3)));
}
V randperm(const CI& info) {
  auto t = at::randperm(integer(info, 0), genRef(info, 2), at::kLong);
  return ret(info.Env(), onDevice(t, str(info, 1)));
}
V bernoulli(const CI& info) {
  const auto& p = T(info, 0);
  auto out = at::bernoulli(p.to(at::kCPU), genRef(info, 1));
  return ret(info.Env(), out.to(p.device()));
}
V multinomial(const CI& info) {
  const auto& p = T(info, 0);
  auto out = at::multinomial(p.to(at::kCPU), integer(info, 1), boolean(info, 2), genRef(info, 3));
  return ret(info.Env(), out.to(p.device()));
}

// ---- autograd -------------------------------------------------------------------------------
V setRequiresGrad(const CI& info) {
  get(num(info, 0)).requires_grad_(boolean(info, 1));
  return info.Env().Undefined();
}
// Swaps the storage behind a handle (module.to(device) keeps every parameter's identity).
V setData(const CI& info) {
  get(num(info, 0)).set_data(T(info, 1));
  return info.Env().Undefined();
}
V requiresGrad(const CI& info) { return Napi::Boolean::New(info.Env(), T(info, 0).requires_grad()); }
V isLeaf(const CI& info) { return Napi::Boolean::New(info.Env(), T(info, 0).is_leaf()); }
V backward(const CI& info) {
  const auto& t = T(info, 0);
  auto g = optT(info, 1);
  if (!g && t.numel() != 1)
    throw std::invalid_argument("backward() without a gradient needs a scalar, got shape " + c10::str(t.sizes()));
  t.backward(g ? *g : at::Tensor(), boolean(info, 2), boolean(info, 3));
  return info.Env().Undefined();
}
V gradOf(const CI& info) {
  const auto& g = T(info, 0).grad();
  if (!g.defined()) return info.Env().Null();
  return ret(info.Env(), g);
}
V setGrad(const CI& info) {
  auto& t = get(num(info, 0));
  auto g = optT(info, 1);
  t.mutable_grad() = g ? *g : at::Tensor();
  return info.Env().Undefined();
}
V grad(const CI& info) {
  auto outputs = Ts(info, 0);
  auto inputs = Ts(info, 1);
  std::vector<at::Tensor> gradOutputs;
  if (info[2].IsArray()) gradOutputs = Ts(info, 2);
  for (size_t k = 0; k < inputs.size(); ++k)
    if (!inputs[k].requires_grad())
      throw std::invalid_argument("input " + std::to_string(k) + " does not require grad");
  bool create = boolean(info, 3);
  auto gs = torch::autograd::grad(outputs, inputs, gradOutputs, create, create, boolean(info, 4));
  return retMany(info.Env(), gs);
}
V gradEnabled(const CI& info) { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }
V setGradEnabled(const CI& info) {
  at::GradMode::set_enabled(boolean(info, 0));
  return info.Env().Undefined();
}

// ---- threads, devices, build facts ------------------------------------------------------------
V setNumThreads(const CI& info) {
  int n = static_cast<int>(integer(info, 0));
  at::set_num_threads(n);
  if (openblas_set_num_threads) openblas_set_num_threads(n);
  return info.Env().Undefined();
}
V numThreads(const CI& info) { return Napi::Number::New(info.Env(), at::get_num_threads()); }
V cudaAvailable(const CI& info) { return Napi::Boolean::New(info.Env(), torch::cuda::is_available()); }
V cudaDeviceCount(const CI& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}
V synchronize(const CI& info) {
  if (torch::cuda::is_available()) torch::cuda::synchronize();
  return info.Env().Undefined();
}
// cudaMemory(device) → the caching allocator's bytes in use and reserved, and their peaks since
// the last cudaResetPeak (CUDA builds only: null elsewhere).
V cudaMemory(const CI& info) {
#ifdef DD_WITH_CUDA
  auto m = compat::cudaMemory(static_cast<int>(integer(info, 0)));
  auto o = Napi::Object::New(info.Env());
  o.Set("allocated", static_cast<double>(m.allocated));
  o.Set("peakAllocated", static_cast<double>(m.peak_allocated));
  o.Set("reserved", static_cast<double>(m.reserved));
  o.Set("peakReserved", static_cast<double>(m.peak_reserved));
  return o;
#else
  return info.Env().Null();
#endif
}
V cudaResetPeak(const CI& info) {
#ifdef DD_WITH_CUDA
  compat::cudaResetPeak(static_cast<int>(integer(info, 0)));
#endif
  return info.Env().Undefined();
}
V cudaEmptyCache(const CI& info) {
#ifdef DD_WITH_CUDA
  compat::cudaEmptyCache();
#endif
  return info.Env().Undefined();
}
V buildInfo(const CI& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("torchVersion", TORCH_VERSION);
  o.Set("config", at::show_config());
  o.Set("parallel", at::get_parallel_info());
  o.Set("blas", openblas_get_config ? std::string("OpenBLAS ") + openblas_get_config() : std::string("unknown"));
  o.Set("cuda", torch::cuda::is_available());
  return o;
}

}  // namespace

void register_runtime(Napi::Env, Napi::Object e) {
  DD_EXPORT(e, "newGenerator", newGenerator);
  DD_EXPORT(e, "disposeGenerator", disposeGenerator);
  DD_EXPORT(e, "generatorState", generatorState);
  DD_EXPORT(e, "setGeneratorState", setGeneratorState);
  DD_EXPORT(e, "manualSeed", manualSeed);
  DD_EXPORT(e, "rand", rand);
  DD_EXPORT(e, "randint", randint);
  DD_EXPORT(e, "randperm", randperm);
  DD_EXPORT(e, "bernoulli", bernoulli);
  DD_EXPORT(e, "multinomial", multinomial);
  DD_EXPORT(e, "setRequiresGrad", setRequiresGrad);
  DD_EXPORT(e, "requiresGrad", requiresGrad);
  DD_EXPORT(e, "setData", setData);
  DD_EXPORT(e, "isLeaf", isLeaf);
  DD_EXPORT(e, "backward", backward);
  DD_EXPORT(e, "gradOf", gradOf);
  DD_EXPORT(e, "setGrad", setGrad);
  DD_EXPORT(e, "grad", grad);
  DD_EXPORT(e, "gradEnabled", gradEnabled);
  DD_EXPORT(e, "setGradEnabled", setGradEnabled);
  DD_EXPORT(e, "setNumThreads", setNumThreads);
  DD_EXPORT(e, "numThreads", numThreads);
  DD_EXPORT(e, "cudaAvailable", cudaAvailable);
  DD_EXPORT(e, "cudaDeviceCount", cudaDeviceCount);
  DD_EXPORT(e, "synchronize", synchronize);
  DD_EXPORT(e, "cudaMemory", cudaMemory);
  DD_EXPORT(e, "cudaResetPeak", cudaResetPeak);
  DD_EXPORT(e, "cudaEmptyCache", cudaEmptyCache);
  DD_EXPORT(e, "buildInfo", buildInfo);
}

}  // namespace dd
