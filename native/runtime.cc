// Random generators, autograd, threads, devices and allocator settings.
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/CPUAllocator.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "common.h"

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
V buildInfo(const CI& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("torchVersion", TORCH_VERSION);
  o.Set("config", at::show_config());
  o.Set("parallel", at::get_parallel_info());
  o.Set("blas", openblas_get_config ? std::string("OpenBLAS ") + openblas_get_config() : std::string("unknown"));
  o.Set("cuda", torch::cuda::is_available());
  return o;
}

// ---- CPU allocator ------------------------------------------------------------------------------
// glibc keeps freed tensor memory in per-thread arenas and raises its mmap threshold as large
// blocks come and go, so a long synchronous loop grows RSS without bound. A fixed threshold and a
// small arena count keep it bounded. But then every large tensor is a fresh mmap whose pages
// fault in (and are zeroed) on each step: a third of a conv/attention training step went to the
// kernel (bench/engine.ts). So large blocks are cached by size, as CUDA's caching allocator does: a
// training loop asks for the same sizes every step and gets them back without a fault.
// The cache keeps only what the workload reuses: cached plus live large blocks stay within 1/8 above
// the peak of live large blocks (a decaying maximum, so one large evaluation is forgotten), and the
// blocks idle longest go first. DISCO_CPU_CACHE_MB caps it further (0: off); DISCO_MALLOC=default
// leaves libtorch's allocator and glibc as they are.
class CachingCPUAllocator final : public at::Allocator {
 public:
  static constexpr size_t kHeader = 64;          // keeps the 64-byte alignment libtorch expects
  static constexpr size_t kMinCached = 1 << 20;  // smaller blocks: glibc's heap reuses them well
  static constexpr double kPeakHalfLife = 8192;  // large allocations over which the peak halves

  explicit CachingCPUAllocator(size_t cap) : cap_(cap) {}

  at::DataPtr allocate(size_t n) const override {
    void* p = n ? take(n) : nullptr;
    return {p, p, &release, at::Device(at::DeviceType::CPU)};
  }
  at::DeleterFnPtr raw_deleter() const override { return &release; }

  struct Stats { size_t cached_bytes, cached_blocks, hits, misses, evictions, live_bytes, peak_bytes, cap; };
  Stats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return {cached_bytes_, free_.size(), hits_, misses_, evictions_, live_, static_cast<size_t>(peak()), cap_};
  }
  void empty() const {
    std::lock_guard<std::mutex> lock(mu_);
    drop();
  }

 private:
  struct Block { void* base; uint64_t freed_at; };

  // A block is [header | data]; the header records the usable size.
  static size_t& sizeOf(void* base) { return *static_cast<size_t*>(base); }
  static void* dataOf(void* base) { return static_cast<char*>(base) + kHeader; }
  static void* baseOf(void* data) { return static_cast<char*>(data) - kHeader; }

  void drop() const {
    for (auto& [size, b] : free_) std::free(b.base);
    free_.clear();
    cached_bytes_ = 0;
  }

  // The peak of live large bytes, halving every kPeakHalfLife large allocations since it was set.
  double peak() const { return peak_ * std::exp2(-static_cast<double>(tick_ - peak_tick_) / kPeakHalfLife); }

  void* take(size_t n) const {
    if (n >= kMinCached) {
      std::lock_guard<std::mutex> lock(mu_);
      ++tick_;
      auto it = free_.lower_bound(n);
      void* base = nullptr;
      if (it != free_.end() && it->first <= n + n / 4) {  // best fit, at most 25% slack
        it = std::prev(free_.upper_bound(it->first));       // of that size, the last freed: warmest in the CPU caches
        base = it->second.base;
        cached_bytes_ -= it->first;
        free_.erase(it);
        ++hits_;
      } else {
        ++misses_;
        base = fresh(n, true);
      }
      live_ += sizeOf(base);
      if (live_ >= peak()) {
        peak_ = static_cast<double>(live_);
        peak_tick_ = tick_;
      }
      return dataOf(base);
    }
    return dataOf(fresh(n, false));
  }

  // A new block from glibc; `locked`: the caller holds mu_.
  void* fresh(size_t n, bool locked) const {
    void* base = nullptr;
    if (posix_memalign(&base, kHeader, n + kHeader) != 0 || !base) {
      if (locked) drop();  // retry once without the cache's blocks
      else empty();
      if (posix_memalign(&base, kHeader, n + kHeader) != 0 || !base)
        throw std::runtime_error("out of memory: could not allocate " + std::to_string(n) + " bytes");
    }
    sizeOf(base) = n;
    return base;
  }

  void put(void* data) const {
    void* base = baseOf(data);
    size_t n = sizeOf(base);
    if (n >= kMinCached) {
      std::lock_guard<std::mutex> lock(mu_);
      live_ -= n;
      // Room for this block: drop the blocks idle longest while the cache would pass its bounds.
      auto bound = [&] { return std::min<double>(peak() * 1.125, static_cast<double>(live_) + static_cast<double>(cap_)); };
      while (!free_.empty() && static_cast<double>(live_ + cached_bytes_ + n) > bound()) evictOldest();
      if (static_cast<double>(live_ + cached_bytes_ + n) <= bound()) {
        free_.emplace(n, Block{base, tick_});
        cached_bytes_ += n;
        return;
      }
    }
    std::free(base);
  }

  void evictOldest() const {
    auto oldest = free_.begin();
    for (auto it = free_.begin(); it != free_.end(); ++it)
      if (it->second.freed_at < oldest->second.freed_at) oldest = it;
    std::free(oldest->second.base);
    cached_bytes_ -= oldest->first;
    free_.erase(oldest);
    ++evictions_;
  }

  static void release(void* data);

  size_t cap_;
  mutable std::mutex mu_;
  mutable std::multimap<size_t, Block> free_;
  mutable size_t cached_bytes_ = 0, live_ = 0, hits_ = 0, misses_ = 0, evictions_ = 0;
  mutable uint64_t tick_ = 0, peak_tick_ = 0;
  mutable double peak_ = 0;
};

CachingCPUAllocator* cache = nullptr;  // set once by tuneAllocator; blocks outlive nothing else
void CachingCPUAllocator::release(void* data) {
  if (data) cache->put(data);
}

void tuneAllocator() {
  const char* mode = std::getenv("DISCO_MALLOC");
  if (mode && std::strcmp(mode, "default") == 0) return;
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
  size_t cap = SIZE_MAX / 4;  // no cap but the workload's reuse
  if (const char* mb = std::getenv("DISCO_CPU_CACHE_MB")) cap = static_cast<size_t>(std::strtoull(mb, nullptr, 10)) << 20;
  if (cap == 0) return;
  cache = new CachingCPUAllocator(cap);  // never freed: tensors may be released at exit
  c10::SetCPUAllocator(cache, /*priority=*/1);
}

V allocatorStats(const CI& info) {
  auto o = Napi::Object::New(info.Env());
  auto s = cache ? cache->stats() : CachingCPUAllocator::Stats{0, 0, 0, 0, 0, 0, 0, 0};
  o.Set("enabled", cache != nullptr);
  o.Set("cachedBytes", static_cast<double>(s.cached_bytes));
  o.Set("cachedBlocks", static_cast<double>(s.cached_blocks));
  o.Set("hits", static_cast<double>(s.hits));
  o.Set("misses", static_cast<double>(s.misses));
  o.Set("evictions", static_cast<double>(s.evictions));
  o.Set("liveBytes", static_cast<double>(s.live_bytes));
  o.Set("peakBytes", static_cast<double>(s.peak_bytes));
  if (s.cap == SIZE_MAX / 4) o.Set("capBytes", info.Env().Null());
  else o.Set("capBytes", static_cast<double>(s.cap));
  return o;
}
V emptyCache(const CI& info) {
  if (cache) cache->empty();
  return info.Env().Undefined();
}

}  // namespace

void register_runtime(Napi::Env, Napi::Object e) {
  tuneAllocator();
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
  DD_EXPORT(e, "buildInfo", buildInfo);
  DD_EXPORT(e, "allocatorStats", allocatorStats);
  DD_EXPORT(e, "emptyCache", emptyCache);
}

}  // namespace dd
