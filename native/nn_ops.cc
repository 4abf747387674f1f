// Neural-network kernels: convolutions, pooling, resizing, normalisation, embedding, losses.
#include <stdexcept>

#include "common.h"

namespace dd {
namespace {

using V = Napi::Value;
using CI = Napi::CallbackInfo;

V softmax(const CI& info) {
  bool logForm = str(info, 0) == "log_softmax";
  const auto& a = T(info, 1);
  auto dim = integer(info, 2);
  return ret(info.Env(), logForm ? at::log_softmax(a, dim) : at::softmax(a, dim));
}

V conv2d(const CI& info) {
  return ret(info.Env(), at::conv2d(T(info, 0), T(info, 1), optT(info, 2), ints(info, 3), ints(info, 4),
                                    ints(info, 5), integer(info, 6)));
}

V convTranspose2d(const CI& info) {
  return ret(info.Env(), at::conv_transpose2d(T(info, 0), T(info, 1), optT(info, 2), ints(info, 3), ints(info, 4),
                                              ints(info, 5), integer(info, 6), ints(info, 7)));
}

V pool2d(const CI& info) {
  auto kind = str(info, 0);
  const auto& x = T(info, 1);
  auto k = ints(info, 2), s = ints(info, 3), p = ints(info, 4);
  if (kind == "avg") return ret(info.Env(), at::avg_pool2d(x, k, s, p));
  if (kind == "max") return ret(info.Env(), at::max_pool2d(x, k, s, p));
  throw std::invalid_argument("unknown pooling '" + kind + "'");
}

V resize2d(const CI& info) {
  auto mode = str(info, 0);
  const auto& x = T(info, 1);
  auto size = ints(info, 2);
  if (x.dim() != 4) throw std::invalid_argument("expects a 4-D [N, C, H, W] input, got shape " + c10::str(x.sizes()));
  if (mode == "nearest") return ret(info.Env(), at::upsample_nearest2d(x, size));
  if (mode == "bilinear") return ret(info.Env(), at::upsample_bilinear2d(x, size, boolean(info, 3)));
  throw std::invalid_argument("unknown resize mode '" + mode + "'");
}

V groupNorm(const CI& info) {
  return ret(info.Env(), at::group_norm(T(info, 0), integer(info, 1), optT(info, 2), optT(info, 3), num(info, 4)));
}

V layerNorm(const CI& info) {
  return ret(info.Env(), at::layer_norm(T(info, 0), ints(info, 1), optT(info, 2), optT(info, 3), num(info, 4)));
}

V embedding(const CI& info) { return ret(info.Env(), at::embedding(T(info, 0), T(info, 1))); }

int64_t reduction(const std::string& r) {
  if (r == "none") return at::Reduction::None;
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  throw std::invalid_argument("unknown reduction '" + r + "'");
}

V mseLoss(const CI& info) { return ret(info.Env(), at::mse_loss(T(info, 0), T(info, 1), reduction(str(info, 2)))); }

V crossEntropy(const CI& info) {
  return ret(info.Env(), at::cross_entropy_loss(T(info, 0), T(info, 1), c10::nullopt, reduction(str(info, 2)), -100,
                                                num(info, 3)));
}

}  // namespace

void register_nn_ops(Napi::Env, Napi::Object e) {
  DD_EXPORT(e, "softmax", softmax);
  DD_EXPORT(e, "conv2d", conv2d);
  DD_EXPORT(e, "convTranspose2d", convTranspose2d);
  DD_EXPORT(e, "pool2d", pool2d);
  DD_EXPORT(e, "resize2d", resize2d);
  DD_EXPORT(e, "groupNorm", groupNorm);
  DD_EXPORT(e, "layerNorm", layerNorm);
  DD_EXPORT(e, "embedding", embedding);
  DD_EXPORT(e, "mseLoss", mseLoss);
  DD_EXPORT(e, "crossEntropy", crossEntropy);
}

}  // namespace dd
