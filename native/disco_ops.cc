// DisCo-Diff's Stage-I hot spots on small data (issue #23; docs/latents.md, "Step cost"): on the
// 2-D model a batch's latents are [512, 1, 8], and the ops around them (the Gumbel-Softmax sample,
// the per-code analytic skip, the codebook's EMA refits) cost more as dozens of tiny libtorch ops and
// autograd nodes than the denoiser's matmuls do. Here each is one pass over contiguous CPU float or
// double tensors, with its closed-form backward as a custom autograd function. The formulas, and
// the general path every other device and dtype takes, are the TypeScript composites that call
// these: src/disco/gumbel.ts, src/disco/gaussian-skip.ts, src/disco/codebook/{ema-refit,code-mixtures}.ts.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "common.h"

namespace dd {
namespace {

using V = Napi::Value;
using CI = Napi::CallbackInfo;
using torch::autograd::AutogradContext;
using torch::autograd::Function;
using torch::autograd::variable_list;

// A contiguous CPU float or double tensor of the given dtype, or an error naming the argument.
at::Tensor cpuArg(const at::Tensor& t, at::ScalarType dtype, const char* what) {
  if (!t.defined()) throw std::invalid_argument(std::string(what) + " is missing");
  if (!t.device().is_cpu()) throw std::invalid_argument(std::string(what) + " must be on the CPU");
  return t.to(dtype).contiguous();
}

at::ScalarType floatType(const at::Tensor& t, const char* what) {
  auto s = t.scalar_type();
  if (s != at::kFloat && s != at::kDouble) throw std::invalid_argument(std::string(what) + " must be float32 or float64");
  return s;
}

// An optional tensor argument of an autograd function: libtorch 1.13's Function::apply reads every
// tensor argument's device, so "none" is an empty tensor.
at::Tensor orNone(const c10::optional<at::Tensor>& t) { return t ? *t : at::empty({0}); }
bool isNone(const at::Tensor& t) { return !t.defined() || t.numel() == 0; }

// Rows of a bool drop mask [B] as bytes (all kept when none).
std::vector<uint8_t> dropRows(const at::Tensor& drop, int64_t B) {
  std::vector<uint8_t> out(B, 0);
  if (isNone(drop)) return out;
  auto d = drop.to(at::kBool).contiguous().view({-1});
  if (d.numel() != B) throw std::invalid_argument("dropLatents must have one entry per row");
  const bool* p = d.data_ptr<bool>();
  for (int64_t b = 0; b < B; ++b) out[b] = p[b];
  return out;
}

// ---- Gumbel-Softmax: y = softmax((logits + s·g)/τ), g = −log(−log u); hard: one-hot(argmax y) ----
// The logs and the softmax are libtorch's vectorised kernels; the one-hot and the backward are loops.
struct GumbelSoftmax : Function<GumbelSoftmax> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& logits, const at::Tensor& u, double tau, double noise, bool hard) {
    const auto dtype = floatType(logits, "logits");
    auto l = cpuArg(logits, dtype, "logits");
    if (noise > 0 && isNone(u)) throw std::invalid_argument("gumbelSoftmax: noise > 0 needs uniform noise");
    if (noise > 0 && u.numel() != l.numel()) throw std::invalid_argument("gumbelSoftmax: uniform noise must have the logits' shape");
    auto perturbed = noise > 0 ? l.sub(cpuArg(u, dtype, "uniform noise").clamp(1e-10, 1 - 1e-7).log().neg_().log_(), noise) : l;
    auto y = perturbed.div(tau).softmax(-1).contiguous();
    ctx->save_for_backward({y});
    ctx->saved_data["tau"] = tau;
    if (!hard) return y.clone();
    auto out = at::zeros_like(y);
    const int64_t k = y.size(-1), rows = k ? y.numel() / k : 0;
    AT_DISPATCH_FLOATING_TYPES(dtype, "gumbelSoftmax", [&] {
      const scalar_t* yp = y.data_ptr<scalar_t>();
      scalar_t* op = out.data_ptr<scalar_t>();
      for (int64_t r = 0; r < rows; ++r) op[r * k + (std::max_element(yp + r * k, yp + (r + 1) * k) - (yp + r * k))] = 1;
    });
    return out;
  }

  // d/dlogits of the soft sample: y ⊙ (g − ⟨g, y⟩)/τ (the hard form passes it straight through).
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto y = ctx->get_saved_variables()[0];
    const double tau = ctx->saved_data["tau"].toDouble();
    auto g = grads[0].to(y.scalar_type()).contiguous();
    auto out = at::empty_like(y);
    const int64_t k = y.size(-1), rows = k ? y.numel() / k : 0;
    AT_DISPATCH_FLOATING_TYPES(y.scalar_type(), "gumbelSoftmaxBackward", [&] {
      const scalar_t *yp = y.data_ptr<scalar_t>(), *gp = g.data_ptr<scalar_t>();
      scalar_t* op = out.data_ptr<scalar_t>();
      for (int64_t r = 0; r < rows; ++r) {
        scalar_t dot = 0;
        for (int64_t j = 0; j < k; ++j) dot += gp[r * k + j] * yp[r * k + j];
        for (int64_t j = 0; j < k; ++j) op[r * k + j] = yp[r * k + j] * (gp[r * k + j] - dot) / scalar_t(tau);
      }
    });
    return {out, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// ---- analytic skip, one Gaussian per code: mean_i Σ_j z_ij (μ_ij + r_bij (x_b − μ_ij)) ----------
// r_bij = v_ij/(v_ij + σ_b²), v = s²; c_skip·x in dropped rows. Shapes: x [B, d], sigma and cSkip [B],
// z [B, m, k], means [m, k, d], logStds [m, k]. As W·μ + keep·x with W_bij = z_bij (1 − r_bij)/m and
// keep_b = Σ_ij z_bij r_bij/m (0 and c_skip in dropped rows): the loops make the [B, m·k] weights,
// one matmul contracts over d (images: d = C·H·W).
template <typename S>
void skipWeights(const S* sigma, const S* cSkip, const S* z, const S* logStds, const uint8_t* dropped, int64_t B, int64_t mk,
                 int64_t m, S* W, S* R, S* keep) {
  std::vector<S> v(mk);
  for (int64_t ij = 0; ij < mk; ++ij) v[ij] = std::exp(2 * logStds[ij]);
  for (int64_t b = 0; b < B; ++b) {
    keep[b] = dropped[b] ? cSkip[b] : S(0);
    const S s2 = sigma[b] * sigma[b];
    for (int64_t ij = 0; ij < mk; ++ij) {
      const S r = v[ij] / (v[ij] + s2), zb = dropped[b] ? S(0) : z[b * mk + ij] / S(m);
      R[b * mk + ij] = r;
      W[b * mk + ij] = zb * (1 - r);
      keep[b] += zb * r;
    }
  }
}

struct CodeSkip : Function<CodeSkip> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& sigma, const at::Tensor& cSkip,
                            const at::Tensor& z, const at::Tensor& drop, const at::Tensor& means, const at::Tensor& logStds) {
    const auto dtype = floatType(x, "x");
    auto xs = cpuArg(x, dtype, "x"), sg = cpuArg(sigma, dtype, "sigma"), cs = cpuArg(cSkip, dtype, "cSkip"),
         zs = cpuArg(z, dtype, "latents"), mu = cpuArg(means, dtype, "means"), ls = cpuArg(logStds, dtype, "logStds");
    const int64_t B = xs.size(0), d = xs.size(1), m = zs.size(1), k = zs.size(2);
    if (zs.size(0) != B || mu.size(0) != m || mu.size(1) != k || mu.size(2) != d || ls.numel() != m * k || sg.numel() != B || cs.numel() != B)
      throw std::invalid_argument("codeSkip: shapes of x, sigma, cSkip, latents, means and logStds do not agree");
    auto dropped = dropRows(drop, B);
    auto W = at::empty({B, m * k}, xs.options()), R = at::empty({B, m * k}, xs.options()), keep = at::empty({B, 1}, xs.options());
    AT_DISPATCH_FLOATING_TYPES(dtype, "codeSkip", [&] {
      skipWeights<scalar_t>(sg.data_ptr<scalar_t>(), cs.data_ptr<scalar_t>(), zs.data_ptr<scalar_t>(), ls.data_ptr<scalar_t>(), dropped.data(),
                            B, m * k, m, W.data_ptr<scalar_t>(), R.data_ptr<scalar_t>(), keep.data_ptr<scalar_t>());
    });
    ctx->save_for_backward({xs, zs, mu, R, keep});
    ctx->saved_data["drop"] = drop;
    // Which inputs want a gradient, as bits: an int is an IValue alike in libtorch 1.13 and 2.x.
    ctx->saved_data["needs"] = int64_t(x.requires_grad()) | int64_t(z.requires_grad()) << 1 | int64_t(means.requires_grad()) << 2 |
                               int64_t(logStds.requires_grad()) << 3;
    return at::addmm(xs.mul(keep), W, mu.view({m * k, d}));
  }

  // dz_bij = ((1 − r)⟨g, μ_ij⟩ + r⟨g, x_b⟩)/m; dx_b = keep_b g_b; dμ_ij = Σ_b W_bij g_b;
  // dlog s_ij = Σ_b z_bij (⟨g, x_b⟩ − ⟨g, μ_ij⟩)/m · 2r(1 − r) (dropped rows: none to z, μ, s).
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    auto &xs = saved[0], &zs = saved[1], &mu = saved[2], &R = saved[3], &keep = saved[4];
    const int64_t needs = ctx->saved_data["needs"].toInt();
    const bool nx = needs & 1, nz = needs & 2, nm = needs & 4, nl = needs & 8;
    const int64_t B = xs.size(0), d = xs.size(1), m = zs.size(1), k = zs.size(2), mk = m * k;
    auto dropped = dropRows(ctx->saved_data["drop"].toTensor(), B);
    auto g = grads[0].to(xs.scalar_type()).contiguous();
    auto gmu = g.matmul(mu.view({mk, d}).t()).contiguous(), gx = g.mul(xs).sum(1).contiguous();  // (B, m·k), (B)
    auto dz = nz ? at::zeros_like(zs) : at::Tensor(), dl = nl ? at::zeros({m, k}, xs.options()) : at::Tensor(),
         A = nm ? at::zeros({B, mk}, xs.options()) : at::Tensor();
    AT_DISPATCH_FLOATING_TYPES(xs.scalar_type(), "codeSkipBackward", [&] {
      const scalar_t *zp = zs.data_ptr<scalar_t>(), *rp = R.data_ptr<scalar_t>(), *gm = gmu.data_ptr<scalar_t>(), *gxp = gx.data_ptr<scalar_t>();
      scalar_t *dzp = nz ? dz.data_ptr<scalar_t>() : nullptr, *dlp = nl ? dl.data_ptr<scalar_t>() : nullptr, *ap = nm ? A.data_ptr<scalar_t>() : nullptr;
      for (int64_t b = 0; b < B; ++b) {
        if (dropped[b]) continue;
        for (int64_t ij = 0; ij < mk; ++ij) {
          const int64_t at = b * mk + ij;
          const scalar_t r = rp[at], zb = zp[at] / scalar_t(m);
          if (dzp) dzp[at] = ((1 - r) * gm[at] + r * gxp[b]) / scalar_t(m);
          if (ap) ap[at] = zb * (1 - r);
          if (dlp) dlp[ij] += zb * (gxp[b] - gm[at]) * 2 * r * (1 - r);
        }
      }
    });
    auto dx = nx ? g.mul(keep) : at::Tensor();
    auto dm = nm ? A.t().matmul(g).view({m, k, d}) : at::Tensor();
    return {dx, at::Tensor(), at::Tensor(), dz, at::Tensor(), dm, dl};
  }
};

// The skips that form every code's denoiser D [B, m, k, d] (the mixtures, the full covariance) end
// alike: out_b = Σ_ij z_bij D_ij(x_b)/m, or c_skip·x_b in dropped rows; D and the drop mask are saved
// for the backward, which gives the latents' gradient only: dz_bij = ⟨g_b, D_ij(x_b)⟩/m (0 where dropped).
at::Tensor combinePerCode(AutogradContext* ctx, const at::Tensor& perCode, const at::Tensor& xs, const at::Tensor& cs,
                          const at::Tensor& zs, const at::Tensor& drop) {
  const int64_t B = xs.size(0), m = zs.size(1);
  auto out = zs.unsqueeze(-1).mul(perCode).sum({1, 2}).div_(double(m));  // (B, d)
  if (!isNone(drop)) {
    auto rows = drop.to(at::kBool).view({B, 1});
    out = at::where(rows, xs.mul(cs.view({B, 1})), out);
  }
  ctx->save_for_backward({perCode});
  ctx->saved_data["drop"] = drop;
  return out;
}

variable_list latentGradOnly(AutogradContext* ctx, const at::Tensor& grad, size_t inputs) {
  auto D = ctx->get_saved_variables()[0];
  const int64_t B = D.size(0), m = D.size(1), d = D.size(3);
  auto dz = D.mul(grad.to(D.scalar_type()).contiguous().view({B, 1, 1, d})).sum(-1).div_(double(m));
  auto drop = ctx->saved_data["drop"].toTensor();
  if (!isNone(drop)) dz.masked_fill_(drop.to(at::kBool).view({B, 1, 1}), 0);
  variable_list out(inputs);
  out[3] = dz;
  return out;
}

// ---- analytic skip, a mixture of c Gaussians per code: mean_i Σ_j z_ij D_ij(x_b) -----------------
// D_ij(x) = Σ_c ρ_c (μ_c + a_c (x − μ_c)), a_c = v_c/t_c, t_c = v_c + σ², ρ = softmax_c(log π_c
// − ‖x − μ_c‖²/(2t_c) − (d/2) log t_c). Shapes: means [m, k, c, d], logStds and logWeights [m, k, c].
// Gradients: the latents' only (the mixtures follow the EMA; x is the noised input).
struct MixtureSkip : Function<MixtureSkip> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& sigma, const at::Tensor& cSkip,
                            const at::Tensor& z, const at::Tensor& drop, const at::Tensor& means, const at::Tensor& logStds,
                            const at::Tensor& logWeights) {
    for (const auto* t : {&x, &means, &logStds, &logWeights})
      if (t->requires_grad()) throw std::invalid_argument("mixtureSkip: only the latents can take a gradient here");
    const auto dtype = floatType(x, "x");
    auto xs = cpuArg(x, dtype, "x"), sg = cpuArg(sigma, dtype, "sigma"), cs = cpuArg(cSkip, dtype, "cSkip"),
         zs = cpuArg(z, dtype, "latents"), mu = cpuArg(means, dtype, "means"), ls = cpuArg(logStds, dtype, "logStds"),
         lw = cpuArg(logWeights, dtype, "logWeights");
    const int64_t B = xs.size(0), d = xs.size(1), m = zs.size(1), k = zs.size(2), c = mu.size(2);
    if (zs.size(0) != B || mu.size(0) != m || mu.size(1) != k || mu.size(3) != d || ls.numel() != m * k * c ||
        lw.numel() != m * k * c || sg.numel() != B || cs.numel() != B)
      throw std::invalid_argument("mixtureSkip: shapes of x, sigma, cSkip, latents and the mixtures do not agree");
    auto dropped = dropRows(drop, B);
    const int64_t mkc = m * k * c;
    // The responsibilities ρ [B, m·k, c] and shrink factors a [B, m·k·c] by libtorch's vectorised
    // exp/log; the squared distances before and the per-code denoisers after by loops.
    auto dist = at::empty({B, mkc}, xs.options());
    AT_DISPATCH_FLOATING_TYPES(dtype, "mixtureSkipDistances", [&] {
      const scalar_t *xp = xs.data_ptr<scalar_t>(), *mp = mu.data_ptr<scalar_t>();
      scalar_t* dp = dist.data_ptr<scalar_t>();
      for (int64_t b = 0; b < B; ++b)
        for (int64_t q = 0; q < mkc; ++q) {
          scalar_t acc = 0;
          for (int64_t t = 0; t < d; ++t) acc += (xp[b * d + t] - mp[q * d + t]) * (xp[b * d + t] - mp[q * d + t]);
          dp[b * mkc + q] = acc;
        }
    });
    auto v = ls.view({1, mkc}).mul(2).exp(), total = v + sg.square().view({B, 1});  // (1, m·k·c), (B, m·k·c)
    auto rho = (lw.view({m * k, c}).log_softmax(-1).view({1, mkc}) - dist.div(total).mul_(0.5) - total.log().mul_(double(d) / 2)).contiguous();
    auto shrink = v.div(total).contiguous();
    // Softmax over each code's c components: libtorch's softmax over a last dimension of 2 costs
    // ~90 ns a row on this CPU, so the row maxima and sums are loops around one vectorised exp.
    AT_DISPATCH_FLOATING_TYPES(dtype, "mixtureSkipShift", [&] {
      scalar_t* rp = rho.data_ptr<scalar_t>();
      for (int64_t row = 0; row < B * m * k; ++row) {
        scalar_t top = *std::max_element(rp + row * c, rp + (row + 1) * c);
        for (int64_t s = 0; s < c; ++s) rp[row * c + s] -= top;
      }
    });
    rho.exp_();
    AT_DISPATCH_FLOATING_TYPES(dtype, "mixtureSkipNormalise", [&] {
      scalar_t* rp = rho.data_ptr<scalar_t>();
      for (int64_t row = 0; row < B * m * k; ++row) {
        scalar_t sum = 0;
        for (int64_t s = 0; s < c; ++s) sum += rp[row * c + s];
        for (int64_t s = 0; s < c; ++s) rp[row * c + s] /= sum;
      }
    });
    auto perCode = at::zeros({B, m, k, d}, xs.options());  // D_ij(x_b); dropped rows stay 0
    AT_DISPATCH_FLOATING_TYPES(dtype, "mixtureSkip", [&] {
      const scalar_t *xp = xs.data_ptr<scalar_t>(), *mp = mu.data_ptr<scalar_t>(), *rp = rho.data_ptr<scalar_t>(),
                     *ap = shrink.data_ptr<scalar_t>();
      scalar_t* Dp = perCode.data_ptr<scalar_t>();
      for (int64_t b = 0; b < B; ++b) {
        const scalar_t* xb = xp + b * d;
        if (dropped[b]) continue;
        for (int64_t ij = 0; ij < m * k; ++ij) {
          scalar_t* D = Dp + (b * m * k + ij) * d;
          for (int64_t s = 0; s < c; ++s) {
            const int64_t q = ij * c + s;
            const scalar_t* mc = mp + q * d;
            const scalar_t rho_s = rp[b * mkc + q], a = ap[b * mkc + q];
            for (int64_t t = 0; t < d; ++t) D[t] += rho_s * (mc[t] + a * (xb[t] - mc[t]));
          }
        }
      }
    });
    return combinePerCode(ctx, perCode, xs, cs, zs, drop);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) { return latentGradOnly(ctx, grads[0], 8); }
};

// Eigen-decomposition of covariances [n, d, d] (libtorch's eigh): variances λ ≥ 0 [n, d] and axes U [n, d, d] (columns).
std::pair<at::Tensor, at::Tensor> eigen(const at::Tensor& cov, int64_t n, int64_t d) {
  auto r = at::linalg_eigh(cov.view({n, d, d}));
  return {std::get<0>(r).clamp_min(0).contiguous(), std::get<1>(r).contiguous()};
}

// ---- analytic skip, a full covariance per code: mean_i Σ_j z_ij (μ_ij + U diag(λ/(λ + σ²)) Uᵀ(x − μ_ij)) ----
// Shapes: means [m, k, d], covariances Σ = U diag(λ) Uᵀ [m, k, d, d]. Gradients: the latents' only.
struct CovarianceSkip : Function<CovarianceSkip> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& sigma, const at::Tensor& cSkip,
                            const at::Tensor& z, const at::Tensor& drop, const at::Tensor& means, const at::Tensor& cov) {
    for (const auto* t : {&x, &means, &cov})
      if (t->requires_grad()) throw std::invalid_argument("covarianceSkip: only the latents can take a gradient here");
    const auto dtype = floatType(x, "x");
    auto xs = cpuArg(x, dtype, "x"), sg = cpuArg(sigma, dtype, "sigma"), cs = cpuArg(cSkip, dtype, "cSkip"),
         zs = cpuArg(z, dtype, "latents"), mu = cpuArg(means, dtype, "means"), sigmaCov = cpuArg(cov, dtype, "covariances");
    const int64_t B = xs.size(0), d = xs.size(1), m = zs.size(1), k = zs.size(2), mk = m * k;
    if (zs.size(0) != B || mu.numel() != mk * d || sigmaCov.numel() != mk * d * d || sg.numel() != B || cs.numel() != B)
      throw std::invalid_argument("covarianceSkip: shapes of x, sigma, cSkip, latents, means and covariances do not agree");
    auto eig = eigen(sigmaCov, mk, d);
    auto lam = eig.first, U = eig.second;
    auto dropped = dropRows(drop, B);
    auto perCode = at::zeros({B, m, k, d}, xs.options());  // D_ij(x_b); dropped rows stay 0
    AT_DISPATCH_FLOATING_TYPES(dtype, "covarianceSkip", [&] {
      const scalar_t *xp = xs.data_ptr<scalar_t>(), *sp = sg.data_ptr<scalar_t>(), *mp = mu.data_ptr<scalar_t>(),
                     *up = U.data_ptr<scalar_t>(), *var = lam.data_ptr<scalar_t>();
      scalar_t* Dp = perCode.data_ptr<scalar_t>();
      std::vector<scalar_t> coord(d);
      for (int64_t b = 0; b < B; ++b) {
        const scalar_t* xb = xp + b * d;
        if (dropped[b]) continue;
        const scalar_t s2 = sp[b] * sp[b];
        for (int64_t ij = 0; ij < mk; ++ij) {
          const scalar_t *c = mp + ij * d, *u = up + ij * d * d;
          for (int64_t e = 0; e < d; ++e) {  // coordinate on axis e, shrunk by λ_e/(λ_e + σ²)
            scalar_t acc = 0;
            for (int64_t t = 0; t < d; ++t) acc += u[t * d + e] * (xb[t] - c[t]);
            coord[e] = acc * var[ij * d + e] / (var[ij * d + e] + s2);
          }
          scalar_t* D = Dp + (b * mk + ij) * d;
          for (int64_t t = 0; t < d; ++t) {
            scalar_t acc = c[t];
            for (int64_t e = 0; e < d; ++e) acc += u[t * d + e] * coord[e];
            D[t] = acc;
          }
        }
      }
    });
    return combinePerCode(ctx, perCode, xs, cs, zs, drop);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) { return latentGradOnly(ctx, grads[0], 7); }
};

// ---- analytic skip, a mixture of c full-covariance Gaussians per code -------------------------------
// D_ij(x) = Σ_c ρ_c (μ_c + U_c diag(λ_c/(λ_c + σ²)) U_cᵀ(x − μ_c)), ρ = softmax_c(log π_c
// − ½ Σ_e coord_e²/(λ_e + σ²) − ½ Σ_e log(λ_e + σ²)), coord = U_cᵀ(x − μ_c). Shapes: means
// [m, k, c, d], covariances [m, k, c, d, d], logWeights [m, k, c]. Gradients: the latents'.
struct FullMixtureSkip : Function<FullMixtureSkip> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& sigma, const at::Tensor& cSkip,
                            const at::Tensor& z, const at::Tensor& drop, const at::Tensor& means, const at::Tensor& cov,
                            const at::Tensor& logWeights) {
    for (const auto* t : {&x, &means, &cov, &logWeights})
      if (t->requires_grad()) throw std::invalid_argument("fullMixtureSkip: only the latents can take a gradient here");
    const auto dtype = floatType(x, "x");
    auto xs = cpuArg(x, dtype, "x"), sg = cpuArg(sigma, dtype, "sigma"), cs = cpuArg(cSkip, dtype, "cSkip"),
         zs = cpuArg(z, dtype, "latents"), mu = cpuArg(means, dtype, "means"), sigmaCov = cpuArg(cov, dtype, "covariances"),
         lw = cpuArg(logWeights, dtype, "logWeights");
    const int64_t B = xs.size(0), d = xs.size(1), m = zs.size(1), k = zs.size(2), c = mu.size(2), mk = m * k, mkc = mk * c;
    if (zs.size(0) != B || mu.numel() != mkc * d || sigmaCov.numel() != mkc * d * d || lw.numel() != mkc || sg.numel() != B || cs.numel() != B)
      throw std::invalid_argument("fullMixtureSkip: shapes of x, sigma, cSkip, latents and the mixtures do not agree");
    auto dropped = dropRows(drop, B);
    auto eig = eigen(sigmaCov, mkc, d);
    auto lam = eig.first, U = eig.second;
    // λ + σ² and its log for every row and component axis, by libtorch's vectorised kernels.
    auto v = lam.view({1, mkc * d}), total = (v + sg.square().view({B, 1})).contiguous(), logTotal = total.log();
    auto logPi = lw.view({mk, c}).log_softmax(-1).contiguous();
    auto coords = at::empty({B, mkc, d}, xs.options()), rho = at::empty({B, mkc}, xs.options());
    AT_DISPATCH_FLOATING_TYPES(dtype, "fullMixtureSkipLogits", [&] {
      const scalar_t *xp = xs.data_ptr<scalar_t>(), *mp = mu.data_ptr<scalar_t>(), *up = U.data_ptr<scalar_t>(),
                     *tp = total.data_ptr<scalar_t>(), *ltp = logTotal.data_ptr<scalar_t>(), *pp = logPi.data_ptr<scalar_t>();
      scalar_t *cp = coords.data_ptr<scalar_t>(), *rp = rho.data_ptr<scalar_t>();
      for (int64_t b = 0; b < B; ++b)
        for (int64_t q = 0; q < mkc; ++q) {
          const scalar_t *mc = mp + q * d, *u = up + q * d * d, *t = tp + (b * mkc + q) * d, *lt = ltp + (b * mkc + q) * d;
          scalar_t* co = cp + (b * mkc + q) * d;
          scalar_t logit = pp[q];
          for (int64_t e = 0; e < d; ++e) {
            scalar_t acc = 0;
            for (int64_t s = 0; s < d; ++s) acc += u[s * d + e] * (xp[b * d + s] - mc[s]);
            co[e] = acc;
            logit -= scalar_t(0.5) * (acc * acc / t[e] + lt[e]);
          }
          rp[b * mkc + q] = logit;
        }
      for (int64_t row = 0; row < B * mk; ++row) {  // softmax over each code's c components: shift here, exp below
        const scalar_t top = *std::max_element(rp + row * c, rp + (row + 1) * c);
        for (int64_t s = 0; s < c; ++s) rp[row * c + s] -= top;
      }
    });
    rho.exp_();
    auto perCode = at::zeros({B, m, k, d}, xs.options());  // D_ij(x_b); dropped rows stay 0
    AT_DISPATCH_FLOATING_TYPES(dtype, "fullMixtureSkip", [&] {
      const scalar_t *mp = mu.data_ptr<scalar_t>(), *up = U.data_ptr<scalar_t>(), *vp = v.data_ptr<scalar_t>(),
                     *tp = total.data_ptr<scalar_t>(), *cop = coords.data_ptr<scalar_t>(), *rp = rho.data_ptr<scalar_t>();
      scalar_t* Dp = perCode.data_ptr<scalar_t>();
      for (int64_t b = 0; b < B; ++b) {
        if (dropped[b]) continue;
        for (int64_t ij = 0; ij < mk; ++ij) {
          const scalar_t* r = rp + b * mkc + ij * c;
          scalar_t norm = 0;
          for (int64_t s = 0; s < c; ++s) norm += r[s];
          scalar_t* D = Dp + (b * mk + ij) * d;
          for (int64_t s = 0; s < c; ++s) {
            const int64_t q = ij * c + s;
            const scalar_t *mc = mp + q * d, *u = up + q * d * d, *co = cop + (b * mkc + q) * d, *t = tp + (b * mkc + q) * d;
            const scalar_t w = r[s] / norm;
            for (int64_t row = 0; row < d; ++row) {
              scalar_t acc = mc[row];
              for (int64_t e = 0; e < d; ++e) acc += u[row * d + e] * co[e] * vp[q * d + e] / t[e];
              D[row] += w * acc;
            }
          }
        }
      }
    });
    return combinePerCode(ctx, perCode, xs, cs, zs, drop);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) { return latentGradOnly(ctx, grads[0], 8); }
};

// ---- EMA refits (no gradient; in place) -------------------------------------------------------
// One Gaussian per code: μ ← d·μ + (1 − d)·mean of the code's batch points (codes with ≥ 1),
// s² ← d·s² + (1 − d)·their unbiased per-dimension variance (codes with ≥ 2), s ≥ minStd.
template <typename S>
void emaRefitLoop(S* mu, S* ls, const S* x, const int64_t* codes, int64_t B, int64_t m, int64_t k, int64_t d, double decay,
                  double minStd) {
  std::vector<double> n(m * k, 0), s1(m * k * d, 0), sq(m * k, 0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < m; ++i) {
      const int64_t j = codes[b * m + i];
      if (j < 0 || j >= k) throw std::invalid_argument("emaRefit: code out of range");
      const int64_t ij = i * k + j;
      n[ij] += 1;
      for (int64_t t = 0; t < d; ++t) s1[ij * d + t] += x[b * d + t], sq[ij] += double(x[b * d + t]) * x[b * d + t];
    }
  for (int64_t ij = 0; ij < m * k; ++ij) {
    if (n[ij] < 1) continue;
    double norm2 = 0;
    for (int64_t t = 0; t < d; ++t) {
      const double mean = s1[ij * d + t] / n[ij];
      norm2 += mean * mean;
      mu[ij * d + t] = S(decay * mu[ij * d + t] + (1 - decay) * mean);
    }
    if (!ls || n[ij] < 2) continue;
    const double var = std::max(sq[ij] - n[ij] * norm2, 0.0) / ((n[ij] - 1) * d);
    const double s2 = decay * std::exp(2.0 * ls[ij]) + (1 - decay) * var;
    ls[ij] = S(std::log(std::max(std::sqrt(s2), minStd)));
  }
}

// A mixture per code: one EM step on the batch (each point of code j shared among j's components by
// their posterior), then an EMA step of each component's mean, variance and weight towards it.
template <typename S>
void refitMixturesLoop(S* mu, S* ls, S* lw, const S* x, const int64_t* codes, int64_t B, int64_t m, int64_t k, int64_t c,
                       int64_t d, double decay, double minStd) {
  std::vector<double> n(m * k * c, 0), s1(m * k * c * d, 0), s2(m * k * c, 0), r(c);
  std::vector<double> logPi(m * k * c), invVar(m * k * c);  // log π (log-softmax of the weights) and 1/s² per component
  for (int64_t ij = 0; ij < m * k; ++ij) {
    double top = -std::numeric_limits<double>::infinity(), sum = 0;
    for (int64_t s = 0; s < c; ++s) top = std::max(top, double(lw[ij * c + s]));
    for (int64_t s = 0; s < c; ++s) sum += std::exp(lw[ij * c + s] - top);
    for (int64_t s = 0; s < c; ++s) logPi[ij * c + s] = lw[ij * c + s] - top - std::log(sum), invVar[ij * c + s] = std::exp(-2.0 * ls[ij * c + s]);
  }
  for (int64_t b = 0; b < B; ++b) {
    const S* xb = x + b * d;
    double sq = 0;
    for (int64_t t = 0; t < d; ++t) sq += double(xb[t]) * xb[t];
    for (int64_t i = 0; i < m; ++i) {
      const int64_t j = codes[b * m + i];
      if (j < 0 || j >= k) throw std::invalid_argument("refitMixtures: code out of range");
      const int64_t at = (i * k + j) * c;
      double top = -std::numeric_limits<double>::infinity(), sum = 0;
      for (int64_t s = 0; s < c; ++s) {
        double dist = 0;
        for (int64_t t = 0; t < d; ++t) dist += (xb[t] - double(mu[(at + s) * d + t])) * (xb[t] - double(mu[(at + s) * d + t]));
        r[s] = logPi[at + s] - 0.5 * dist * invVar[at + s] - d * double(ls[at + s]);
        top = std::max(top, r[s]);
      }
      for (int64_t s = 0; s < c; ++s) sum += (r[s] = std::exp(r[s] - top));
      for (int64_t s = 0; s < c; ++s) {
        const double w = r[s] / sum;
        n[at + s] += w;
        s2[at + s] += w * sq;
        for (int64_t t = 0; t < d; ++t) s1[(at + s) * d + t] += w * xb[t];
      }
    }
  }
  for (int64_t ij = 0; ij < m * k; ++ij) {
    double total = 0;
    for (int64_t s = 0; s < c; ++s) total += n[ij * c + s];
    if (total <= 1e-6) continue;
    for (int64_t s = 0; s < c; ++s) {
      const int64_t at = ij * c + s;
      lw[at] = S(std::log(std::max(std::exp(logPi[at]) * decay + n[at] / total * (1 - decay), 1e-6)));
      if (n[at] <= 1e-6) continue;
      double norm2 = 0;
      for (int64_t t = 0; t < d; ++t) {
        const double mean = s1[at * d + t] / n[at];
        norm2 += mean * mean;
        mu[at * d + t] = S(decay * mu[at * d + t] + (1 - decay) * mean);
      }
      const double var = std::max((s2[at] - norm2 * n[at]) / (n[at] * d), minStd * minStd);
      ls[at] = S(0.5 * std::log(decay * std::exp(2.0 * ls[at]) + (1 - decay) * var));
    }
  }
}

// A full covariance Σ per code, in place: Σ ← d·Σ + (1 − d)·(unbiased scatter of the code's batch
// points about their mean), codes with ≥ 2 points.
template <typename S>
void refitCovariancesLoop(S* cov, const S* x, const int64_t* codes, int64_t B, int64_t m, int64_t k, int64_t d, double decay) {
  const int64_t mk = m * k;
  std::vector<double> n(mk, 0), s1(mk * d, 0), s2(mk * d * d, 0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < m; ++i) {
      const int64_t j = codes[b * m + i];
      if (j < 0 || j >= k) throw std::invalid_argument("refitCovariances: code out of range");
      const int64_t ij = i * k + j;
      n[ij] += 1;
      for (int64_t r = 0; r < d; ++r) {
        s1[ij * d + r] += x[b * d + r];
        for (int64_t c = 0; c < d; ++c) s2[(ij * d + r) * d + c] += double(x[b * d + r]) * x[b * d + c];
      }
    }
  for (int64_t ij = 0; ij < mk; ++ij) {
    if (n[ij] < 2) continue;
    for (int64_t r = 0; r < d; ++r)
      for (int64_t c = 0; c < d; ++c) {
        const double scatter = (s2[(ij * d + r) * d + c] - s1[ij * d + r] * s1[ij * d + c] / n[ij]) / (n[ij] - 1);
        S& v = cov[(ij * d + r) * d + c];
        v = S(decay * v + (1 - decay) * scatter);
      }
  }
}

// A mixture of c full-covariance Gaussians per code, in place: one EM step on the batch (each point of
// code j shared among j's components by r_c ∝ π_c N(x; μ_c, Σ_c)), then an EMA step of each
// component's mean, covariance (the r-weighted scatter about the r-weighted mean) and weight.
// lam/U: the eigen-decomposition of the current Σ (eigen()), for the responsibilities.
template <typename S>
void refitFullMixturesLoop(S* mu, S* cov, S* lw, const S* lam, const S* U, const S* x, const int64_t* codes, int64_t B, int64_t m,
                           int64_t k, int64_t c, int64_t d, double decay, double minStd) {
  const int64_t mk = m * k, mkc = mk * c;
  std::vector<double> n(mkc, 0), s1(mkc * d, 0), s2(mkc * d * d, 0), r(c), coord(d);
  std::vector<double> logPi(mkc), logDet(mkc);
  for (int64_t ij = 0; ij < mk; ++ij) {
    double top = -std::numeric_limits<double>::infinity(), sum = 0;
    for (int64_t s = 0; s < c; ++s) top = std::max(top, double(lw[ij * c + s]));
    for (int64_t s = 0; s < c; ++s) sum += std::exp(lw[ij * c + s] - top);
    for (int64_t s = 0; s < c; ++s) logPi[ij * c + s] = lw[ij * c + s] - top - std::log(sum);
  }
  for (int64_t q = 0; q < mkc; ++q) {
    logDet[q] = 0;
    for (int64_t e = 0; e < d; ++e) logDet[q] += std::log(std::max(double(lam[q * d + e]), minStd * minStd));
  }
  for (int64_t b = 0; b < B; ++b) {
    const S* xb = x + b * d;
    for (int64_t i = 0; i < m; ++i) {
      const int64_t j = codes[b * m + i];
      if (j < 0 || j >= k) throw std::invalid_argument("refitFullMixtures: code out of range");
      const int64_t at = (i * k + j) * c;
      double top = -std::numeric_limits<double>::infinity(), sum = 0;
      for (int64_t s = 0; s < c; ++s) {
        const int64_t q = at + s;
        double maha = 0;
        for (int64_t e = 0; e < d; ++e) {
          double acc = 0;
          for (int64_t t = 0; t < d; ++t) acc += U[(q * d + t) * d + e] * (xb[t] - double(mu[q * d + t]));
          maha += acc * acc / std::max(double(lam[q * d + e]), minStd * minStd);
        }
        r[s] = logPi[q] - 0.5 * maha - 0.5 * logDet[q];
        top = std::max(top, r[s]);
      }
      for (int64_t s = 0; s < c; ++s) sum += (r[s] = std::exp(r[s] - top));
      for (int64_t s = 0; s < c; ++s) {
        const int64_t q = at + s;
        const double w = r[s] / sum;
        n[q] += w;
        for (int64_t t = 0; t < d; ++t) {
          s1[q * d + t] += w * xb[t];
          for (int64_t u = 0; u < d; ++u) s2[(q * d + t) * d + u] += w * double(xb[t]) * xb[u];
        }
      }
    }
  }
  for (int64_t ij = 0; ij < mk; ++ij) {
    double total = 0;
    for (int64_t s = 0; s < c; ++s) total += n[ij * c + s];
    if (total <= 1e-6) continue;
    for (int64_t s = 0; s < c; ++s) {
      const int64_t q = ij * c + s;
      lw[q] = S(std::log(std::max(std::exp(logPi[q]) * decay + n[q] / total * (1 - decay), 1e-6)));
      if (n[q] <= 1e-6) continue;
      for (int64_t t = 0; t < d; ++t)
        for (int64_t u = 0; u < d; ++u) {
          const double scatter = s2[(q * d + t) * d + u] / n[q] - (s1[q * d + t] / n[q]) * (s1[q * d + u] / n[q]);
          S& v = cov[(q * d + t) * d + u];
          v = S(decay * v + (1 - decay) * scatter);
        }
      for (int64_t t = 0; t < d; ++t) mu[q * d + t] = S(decay * mu[q * d + t] + (1 - decay) * s1[q * d + t] / n[q]);
    }
  }
}

// The loops write a contiguous CPU tensor: the parameter itself (whose version counter the raw writes
// bypass, so it is bumped for autograd, as in adamStep) or a copy that is then copied back.
void writeBack(at::Tensor& param, const at::Tensor& work) {
  if (param.is_same(work)) param.unsafeGetTensorImpl()->bump_version();
  else param.copy_(work);
}

V gumbelSoftmax(const CI& info) {
  return ret(info.Env(), GumbelSoftmax::apply(T(info, 0), orNone(optT(info, 1)), num(info, 2), num(info, 3), boolean(info, 4)));
}

V codeSkip(const CI& info) {
  return ret(info.Env(), CodeSkip::apply(T(info, 0), T(info, 1), T(info, 2), T(info, 3), orNone(optT(info, 4)), T(info, 5), T(info, 6)));
}

V mixtureSkip(const CI& info) {
  return ret(info.Env(), MixtureSkip::apply(T(info, 0), T(info, 1), T(info, 2), T(info, 3), orNone(optT(info, 4)), T(info, 5),
                                            T(info, 6), T(info, 7)));
}

V covarianceSkip(const CI& info) {
  return ret(info.Env(), CovarianceSkip::apply(T(info, 0), T(info, 1), T(info, 2), T(info, 3), orNone(optT(info, 4)), T(info, 5), T(info, 6)));
}

V fullMixtureSkip(const CI& info) {
  return ret(info.Env(), FullMixtureSkip::apply(T(info, 0), T(info, 1), T(info, 2), T(info, 3), orNone(optT(info, 4)), T(info, 5),
                                                T(info, 6), T(info, 7)));
}

// emaRefit(means [m, k, d], logStds [m, k] | null, x [B, d], codes [B, m] int64, decay, minStd)
V emaRefit(const CI& info) {
  at::NoGradGuard guard;
  auto& means = get(info[0].As<Napi::Number>().DoubleValue());
  auto logStds = optT(info, 1);
  const auto dtype = floatType(means, "means");
  auto mu = cpuArg(means, dtype, "means"), x = cpuArg(T(info, 2), dtype, "x"), codes = T(info, 3).to(at::kLong).contiguous();
  auto ls = logStds ? cpuArg(*logStds, dtype, "logStds") : at::Tensor();
  const int64_t m = mu.size(0), k = mu.size(1), d = mu.size(2), B = x.size(0);
  if (x.size(1) != d || codes.size(0) != B || codes.size(1) != m) throw std::invalid_argument("emaRefit: shapes of means, x and codes do not agree");
  AT_DISPATCH_FLOATING_TYPES(dtype, "emaRefit", [&] {
    emaRefitLoop<scalar_t>(mu.data_ptr<scalar_t>(), ls.defined() ? ls.data_ptr<scalar_t>() : nullptr, x.data_ptr<scalar_t>(),
                           codes.data_ptr<int64_t>(), B, m, k, d, num(info, 4), num(info, 5));
  });
  writeBack(means, mu);
  if (logStds) writeBack(get(info[1].As<Napi::Number>().DoubleValue()), ls);
  return info.Env().Undefined();
}

// refitMixtures(means [m, k, c, d], logStds [m, k, c], logWeights [m, k, c], x [B, d], codes [B, m], decay, minStd)
V refitMixtures(const CI& info) {
  at::NoGradGuard guard;
  auto &means = get(info[0].As<Napi::Number>().DoubleValue()), &logStds = get(info[1].As<Napi::Number>().DoubleValue()),
       &logWeights = get(info[2].As<Napi::Number>().DoubleValue());
  const auto dtype = floatType(means, "means");
  auto mu = cpuArg(means, dtype, "means"), ls = cpuArg(logStds, dtype, "logStds"), lw = cpuArg(logWeights, dtype, "logWeights"),
       x = cpuArg(T(info, 3), dtype, "x"), codes = T(info, 4).to(at::kLong).contiguous();
  const int64_t m = mu.size(0), k = mu.size(1), c = mu.size(2), d = mu.size(3), B = x.size(0);
  if (x.size(1) != d || codes.size(0) != B || codes.size(1) != m || ls.numel() != m * k * c || lw.numel() != m * k * c)
    throw std::invalid_argument("refitMixtures: shapes of the mixtures, x and codes do not agree");
  AT_DISPATCH_FLOATING_TYPES(dtype, "refitMixtures", [&] {
    refitMixturesLoop<scalar_t>(mu.data_ptr<scalar_t>(), ls.data_ptr<scalar_t>(), lw.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(),
                                codes.data_ptr<int64_t>(), B, m, k, c, d, num(info, 5), num(info, 6));
  });
  writeBack(means, mu);
  writeBack(logStds, ls);
  writeBack(logWeights, lw);
  return info.Env().Undefined();
}

// refitCovariances(cov [m, k, d, d], x [B, d], codes [B, m], decay)
V refitCovariances(const CI& info) {
  at::NoGradGuard guard;
  auto& cov = get(info[0].As<Napi::Number>().DoubleValue());
  const auto dtype = floatType(cov, "covariances");
  auto work = cpuArg(cov, dtype, "covariances"), x = cpuArg(T(info, 1), dtype, "x"), codes = T(info, 2).to(at::kLong).contiguous();
  const int64_t m = work.size(0), k = work.size(1), d = work.size(2), B = x.size(0);
  if (work.dim() != 4 || work.size(3) != d || x.size(1) != d || codes.size(0) != B || codes.size(1) != m)
    throw std::invalid_argument("refitCovariances: shapes of the covariances, x and codes do not agree");
  AT_DISPATCH_FLOATING_TYPES(dtype, "refitCovariances", [&] {
    refitCovariancesLoop<scalar_t>(work.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), codes.data_ptr<int64_t>(), B, m, k, d, num(info, 3));
  });
  writeBack(cov, work);
  return info.Env().Undefined();
}

// refitFullMixtures(means [m, k, c, d], cov [m, k, c, d, d], logWeights [m, k, c], x [B, d], codes [B, m], decay, minStd)
V refitFullMixtures(const CI& info) {
  at::NoGradGuard guard;
  auto &means = get(info[0].As<Napi::Number>().DoubleValue()), &cov = get(info[1].As<Napi::Number>().DoubleValue()),
       &logWeights = get(info[2].As<Napi::Number>().DoubleValue());
  const auto dtype = floatType(means, "means");
  auto mu = cpuArg(means, dtype, "means"), sg = cpuArg(cov, dtype, "covariances"), lw = cpuArg(logWeights, dtype, "logWeights"),
       x = cpuArg(T(info, 3), dtype, "x"), codes = T(info, 4).to(at::kLong).contiguous();
  const int64_t m = mu.size(0), k = mu.size(1), c = mu.size(2), d = mu.size(3), B = x.size(0);
  if (sg.numel() != m * k * c * d * d || lw.numel() != m * k * c || x.size(1) != d || codes.size(0) != B || codes.size(1) != m)
    throw std::invalid_argument("refitFullMixtures: shapes of the mixtures, x and codes do not agree");
  auto eig = eigen(sg, m * k * c, d);
  AT_DISPATCH_FLOATING_TYPES(dtype, "refitFullMixtures", [&] {
    refitFullMixturesLoop<scalar_t>(mu.data_ptr<scalar_t>(), sg.data_ptr<scalar_t>(), lw.data_ptr<scalar_t>(), eig.first.data_ptr<scalar_t>(),
                                    eig.second.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), codes.data_ptr<int64_t>(), B, m, k, c, d,
                                    num(info, 5), num(info, 6));
  });
  writeBack(means, mu);
  writeBack(cov, sg);
  writeBack(logWeights, lw);
  return info.Env().Undefined();
}

}  // namespace

void register_disco_ops(Napi::Env, Napi::Object e) {
  DD_EXPORT(e, "gumbelSoftmax", gumbelSoftmax);
  DD_EXPORT(e, "codeSkip", codeSkip);
  DD_EXPORT(e, "mixtureSkip", mixtureSkip);
  DD_EXPORT(e, "covarianceSkip", covarianceSkip);
  DD_EXPORT(e, "fullMixtureSkip", fullMixtureSkip);
  DD_EXPORT(e, "emaRefit", emaRefit);
  DD_EXPORT(e, "refitMixtures", refitMixtures);
  DD_EXPORT(e, "refitCovariances", refitCovariances);
  DD_EXPORT(e, "refitFullMixtures", refitFullMixtures);
}

}  // namespace dd
