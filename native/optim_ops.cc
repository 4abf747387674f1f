// Optimiser kernels: the fused Adam/AdamW step.
#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "common.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace dd {
namespace {

using V = Napi::Value;
using CI = Napi::CallbackInfo;

// One Adam/AdamW step over every parameter (Kingma & Ba 2015, Algorithm 1, with PyTorch's
// placement of eps; Loshchilov & Hutter 2019 for the decoupled decay). A single call per step, and
// for contiguous CPU float tensors a single pass over p, g, m, v instead of eight ops each.
template <typename S>
struct AdamScalars {
  S b1, b2, stepSize, bc2Sqrt, eps, l2, decay;
};

// Elements [i, n): the reference arithmetic, in the same order as the vector code below.
template <typename S>
void adamScalar(S* p, const S* g, S* m, S* v, int64_t i, int64_t n, const AdamScalars<S>& c) {
  for (; i < n; ++i) {
    S gi = g[i] + c.l2 * p[i];
    S mi = c.b1 * m[i] + (1 - c.b1) * gi;
    S vi = c.b2 * v[i] + (1 - c.b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * c.decay - c.stepSize * mi / (std::sqrt(vi) / c.bc2Sqrt + c.eps);
  }
}

#if defined(__x86_64__)
// Eight floats at a time; returns how many elements it did (the caller finishes the tail).
// Same operations in the same order as adamScalar (no FMA), so results do not depend on the path.
__attribute__((target("avx2"))) int64_t adamAvx2(float* p, const float* g, float* m, float* v, int64_t n,
                                                 const AdamScalars<float>& c) {
  const __m256 b1 = _mm256_set1_ps(c.b1), b2 = _mm256_set1_ps(c.b2), omb1 = _mm256_set1_ps(1 - c.b1),
               omb2 = _mm256_set1_ps(1 - c.b2), step = _mm256_set1_ps(c.stepSize), bc2 = _mm256_set1_ps(c.bc2Sqrt),
               eps = _mm256_set1_ps(c.eps), l2 = _mm256_set1_ps(c.l2), decay = _mm256_set1_ps(c.decay);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 pi = _mm256_loadu_ps(p + i);
    __m256 gi = _mm256_add_ps(_mm256_loadu_ps(g + i), _mm256_mul_ps(l2, pi));
    __m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(omb1, gi));
    __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(omb2, gi), gi));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bc2), eps);
    _mm256_storeu_ps(p + i, _mm256_sub_ps(_mm256_mul_ps(pi, decay), _mm256_div_ps(_mm256_mul_ps(step, mi), denom)));
  }
  return i;
}
#endif

template <typename S>
void adamKernel(S* p, const S* g, S* m, S* v, int64_t n, const AdamScalars<S>& c) {
  int64_t done = 0;
#if defined(__x86_64__)
  if constexpr (std::is_same_v<S, float>) {
    static const bool avx2 = __builtin_cpu_supports("avx2");
    if (avx2) done = adamAvx2(p, g, m, v, n, c);
  }
#endif
  adamScalar(p, g, m, v, done, n, c);
}

V adamStep(const CI& info) {
  auto ps = Ts(info, 0), ms = Ts(info, 1), vs = Ts(info, 2);
  double lr = num(info, 3), b1 = num(info, 4), b2 = num(info, 5), eps = num(info, 6), wd = num(info, 7);
  bool decoupled = boolean(info, 8);
  double step = num(info, 9);
  if (ms.size() != ps.size() || vs.size() != ps.size()) throw std::invalid_argument("one moment pair per parameter");
  double bc1 = 1 - std::pow(b1, step), bc2Sqrt = std::sqrt(1 - std::pow(b2, step)), stepSize = lr / bc1;
  double l2 = decoupled ? 0 : wd, decay = decoupled ? 1 - lr * wd : 1;
  at::NoGradGuard noGrad;
  for (size_t k = 0; k < ps.size(); ++k) {
    auto& p = ps[k];
    const auto& g = p.grad();
    if (!g.defined()) continue;
    auto& m = ms[k];
    auto& v = vs[k];
    auto st = p.scalar_type();
    bool fast = p.is_cpu() && g.is_cpu() && (st == at::kFloat || st == at::kDouble) && g.scalar_type() == st &&
                m.scalar_type() == st && v.scalar_type() == st && p.is_contiguous() && g.is_contiguous() &&
                m.is_contiguous() && v.is_contiguous() && !g.is_sparse() && m.numel() == p.numel() &&
                v.numel() == p.numel() && g.numel() == p.numel();
    if (fast) {
      AT_DISPATCH_FLOATING_TYPES(st, "adamStep", [&] {
        auto* pp = p.data_ptr<scalar_t>();
        auto* gp = g.data_ptr<scalar_t>();
        auto* mp = m.data_ptr<scalar_t>();
        auto* vp = v.data_ptr<scalar_t>();
        AdamScalars<scalar_t> c{scalar_t(b1), scalar_t(b2), scalar_t(stepSize), scalar_t(bc2Sqrt), scalar_t(eps),
                                scalar_t(l2), scalar_t(decay)};
        at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t a, int64_t b) {
          adamKernel<scalar_t>(pp + a, gp + a, mp + a, vp + a, b - a, c);
        });
      });
      // Raw writes bypass the in-place ops' version counters: bump them so that autograd still
      // notices a parameter changed under a graph that saved it.
      for (auto* t : {&p, &m, &v}) t->unsafeGetTensorImpl()->bump_version();
      continue;
    }
    auto grad = l2 != 0 ? g.add(p, l2) : g;
    if (decay != 1) p.mul_(decay);
    m.mul_(b1).add_(grad, 1 - b1);
    v.mul_(b2).addcmul_(grad, grad, 1 - b2);
    p.addcdiv_(m, v.sqrt().div_(bc2Sqrt).add_(eps), -stepSize);
  }
  return info.Env().Undefined();
}

}  // namespace

void register_optim_ops(Napi::Env, Napi::Object e) { DD_EXPORT(e, "adamStep", adamStep); }

}  // namespace dd
