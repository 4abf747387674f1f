// The CPU allocator: glibc malloc settings and a cache of large tensor blocks.
#include <c10/core/CPUAllocator.h>
#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "common.h"
#include "compat.h"

namespace dd {
namespace {

using V = Napi::Value;
using CI = Napi::CallbackInfo;

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

  at::DataPtr allocate(size_t n) DD_ALLOCATE_CONST override {
    void* p = n ? take(n) : nullptr;
    return {p, p, &release, at::Device(at::DeviceType::CPU)};
  }
  at::DeleterFnPtr raw_deleter() const override { return &release; }
  void copy_data(void* dest, const void* src, size_t n) const DD_COPY_DATA_OVERRIDE { std::memcpy(dest, src, n); }

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

// Installs the cache before any tensor is allocated, then exports its statistics and reset.
void register_allocator(Napi::Env, Napi::Object e) {
  tuneAllocator();
  DD_EXPORT(e, "allocatorStats", allocatorStats);
  DD_EXPORT(e, "emptyCache", emptyCache);
}

}  // namespace dd
