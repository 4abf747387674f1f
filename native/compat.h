// Where the libtorch versions the addon builds against differ: Debian's 1.13 (CPU) and a CUDA
// PyTorch 2.x (its `torch` folder as LIBTORCH). Every difference is named here, keyed on
// <torch/version.h>, so the sources never test versions themselves.
//
// What is the same in both and needs nothing here: c10d's stores (TCPStore, FileStore, PrefixStore),
// Work::wait/isCompleted, the Gloo and NCCL backends' constructors, Options::create and their
// broadcast/allreduce/allgather/barrier (1.13 derives them from ProcessGroup, 2.x from Backend:
// native/parallel.cc wraps either through a template), generators, autograd and the other ATen ops.
#pragma once
#include <c10/core/Allocator.h>
#include <c10/core/Scalar.h>
#include <c10/util/Optional.h>  // c10::optional: its own class in 1.13, an alias of std::optional in 2.x
#include <torch/version.h>

#include <type_traits>

#ifdef DD_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#define DD_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

// c10::Allocator::allocate is const up to 2.2 and non-const from 2.3, where copy_data (used by
// Allocator::clone) became a pure virtual every allocator implements.
#if DD_TORCH_AT_LEAST(2, 3)
#define DD_ALLOCATE_CONST
#define DD_COPY_DATA_OVERRIDE override
#else
#define DD_ALLOCATE_CONST const
#define DD_COPY_DATA_OVERRIDE
#endif
static_assert(std::is_same_v<decltype(&c10::Allocator::allocate), c10::DataPtr (c10::Allocator::*)(size_t) DD_ALLOCATE_CONST>,
              "c10::Allocator::allocate's const-ness differs from what native/compat.h assumes for this libtorch version");

namespace dd::compat {

// var's correction: `int?` in 1.13, `Scalar?` from 2.0.
#if DD_TORCH_AT_LEAST(2, 0)
using Correction = c10::optional<at::Scalar>;
#else
using Correction = c10::optional<int64_t>;
#endif
inline Correction correction(int64_t c) { return Correction(c); }

#ifdef DD_WITH_CUDA
// The CUDA caching allocator's counters for one device (StatType::AGGREGATE is index 0 in every
// version; 2.6 moved the stat types to c10::CachingDeviceAllocator). 1.13 takes the device as an int,
// 2.x as a c10::DeviceIndex.
struct CudaMemory {
  int64_t allocated, peak_allocated, reserved, peak_reserved;
};
inline CudaMemory cudaMemory(int device) {
  auto s = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device));
  return {s.allocated_bytes[0].current, s.allocated_bytes[0].peak, s.reserved_bytes[0].current, s.reserved_bytes[0].peak};
}
inline void cudaResetPeak(int device) {
  c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device));
}
inline void cudaEmptyCache() { c10::cuda::CUDACachingAllocator::emptyCache(); }
#endif

}  // namespace dd::compat
