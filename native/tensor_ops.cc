// Tensor creation, inspection, elementwise maths, reductions and shape ops.
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "common.h"
#include "compat.h"

namespace dd {
namespace {

using V = Napi::Value;
using CI = Napi::CallbackInfo;
using Unary = at::Tensor (*)(const at::Tensor&);
using Binary = at::Tensor (*)(const at::Tensor&, const at::Tensor&);
using BinaryScalar = at::Tensor (*)(const at::Tensor&, const at::Scalar&);

// ---- creation ---------------------------------------------------------------------------
V fromBuffer(const CI& info) {
  auto shape = ints(info, 1);
  auto opts = at::TensorOptions().dtype(dtype(str(info, 2)));
  auto out = at::empty(shape, opts);
  size_t nbytes = out.numel() * out.element_size();
  if (!info[0].IsTypedArray()) throw std::invalid_argument("data must be a typed array");
  auto arr = info[0].As<Napi::TypedArray>();
  if (arr.ByteLength() != nbytes)
    throw std::invalid_argument("data has " + std::to_string(arr.ByteLength()) + " bytes but shape " +
                                c10::str(out.sizes()) + " of " + str(info, 2) + " needs " +
                                std::to_string(nbytes));
  auto* src = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  std::memcpy(out.data_ptr(), src, nbytes);
  auto dev = device(str(info, 3));
  return ret(info.Env(), dev.is_cpu() ? out : out.to(dev));
}

V full(const CI& info) { return ret(info.Env(), at::full(ints(info, 0), num(info, 1), options(info, 2, 3))); }
V arange(const CI& info) {
  return ret(info.Env(), at::arange(num(info, 0), num(info, 1), num(info, 2), options(info, 3, 4)));
}
V linspace(const CI& info) {
  return ret(info.Env(), at::linspace(num(info, 0), num(info, 1), integer(info, 2), options(info, 3, 4)));
}
V eye(const CI& info) { return ret(info.Env(), at::eye(integer(info, 0), options(info, 1, 2))); }

// ---- inspection and export ----------------------------------------------------------------
V shape(const CI& info) {
  auto sizes = T(info, 0).sizes();
  auto arr = Napi::Array::New(info.Env(), sizes.size());
  for (uint32_t k = 0; k < sizes.size(); ++k) arr.Set(k, Napi::Number::New(info.Env(), sizes[k]));
  return arr;
}
V dtypeOf(const CI& info) { return Napi::String::New(info.Env(), dtype_name(T(info, 0).scalar_type())); }
V deviceOf(const CI& info) { return Napi::String::New(info.Env(), T(info, 0).device().str()); }
V numel(const CI& info) { return Napi::Number::New(info.Env(), T(info, 0).numel()); }

V toBuffer(const CI& info) {
  auto t = T(info, 0).detach().to(at::kCPU).contiguous();
  size_t nbytes = t.numel() * t.element_size();
  auto buf = Napi::ArrayBuffer::New(info.Env(), nbytes);
  if (nbytes) std::memcpy(buf.Data(), t.data_ptr(), nbytes);
  return buf;
}

V item(const CI& info) {
  const auto& t = T(info, 0);
  if (t.numel() != 1)
    throw std::invalid_argument("item() needs a tensor with one element, got shape " + c10::str(t.sizes()));
  return Napi::Number::New(info.Env(), t.item<double>());
}

V to(const CI& info) {
  const auto& t = T(info, 0);
  auto dev = info[1].IsString() ? device(str(info, 1)) : t.device();
  auto dt = info[2].IsString() ? dtype(str(info, 2)) : t.scalar_type();
  return ret(info.Env(), t.to(dev, dt));
}
V clone(const CI& info) { return ret(info.Env(), T(info, 0).clone()); }
V contiguous(const CI& info) { return ret(info.Env(), T(info, 0).contiguous()); }
V detach(const CI& info) { return ret(info.Env(), T(info, 0).detach()); }
V dispose(const CI& info) {
  release(num(info, 0));
  return info.Env().Undefined();
}
V disposeMany(const CI& info) {
  auto arr = info[0].As<Napi::Array>();
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr[k];
    release(v.As<Napi::Number>().DoubleValue());
  }
  return info.Env().Undefined();
}
V liveTensors(const CI& info) { return Napi::Number::New(info.Env(), static_cast<double>(live_count())); }

// ---- elementwise --------------------------------------------------------------------------
const std::unordered_map<std::string, Unary>& unaryOps() {
  static const std::unordered_map<std::string, Unary> ops = {
      {"neg", [](const at::Tensor& a) { return a.neg(); }},
      {"exp", [](const at::Tensor& a) { return a.exp(); }},
      {"log", [](const at::Tensor& a) { return a.log(); }},
      {"log1p", [](const at::Tensor& a) { return a.log1p(); }},
      {"expm1", [](const at::Tensor& a) { return a.expm1(); }},
      {"sqrt", [](const at::Tensor& a) { return a.sqrt(); }},
      {"rsqrt", [](const at::Tensor& a) { return a.rsqrt(); }},
      {"abs", [](const at::Tensor& a) { return a.abs(); }},
      {"sign", [](const at::Tensor& a) { return a.sign(); }},
      {"square", [](const at::Tensor& a) { return a.square(); }},
      {"reciprocal", [](const at::Tensor& a) { return a.reciprocal(); }},
      {"floor", [](const at::Tensor& a) { return a.floor(); }},
      {"ceil", [](const at::Tensor& a) { return a.ceil(); }},
      {"round", [](const at::Tensor& a) { return a.round(); }},
      {"sin", [](const at::Tensor& a) { return a.sin(); }},
      {"cos", [](const at::Tensor& a) { return a.cos(); }},
      {"tanh", [](const at::Tensor& a) { return a.tanh(); }},
      {"erf", [](const at::Tensor& a) { return a.erf(); }},
      {"sigmoid", [](const at::Tensor& a) { return a.sigmoid(); }},
      {"relu", [](const at::Tensor& a) { return at::relu(a); }},
      {"silu", [](const at::Tensor& a) { return at::silu(a); }},
      {"gelu", [](const at::Tensor& a) { return at::gelu(a); }},
      {"softplus", [](const at::Tensor& a) { return at::softplus(a); }},
      {"logical_not", [](const at::Tensor& a) { return a.logical_not(); }},
      {"isnan", [](const at::Tensor& a) { return a.isnan(); }},
      {"isfinite", [](const at::Tensor& a) { return a.isfinite(); }},
  };
  return ops;
}

const std::unordered_map<std::string, Binary>& binaryOps() {
  static const std::unordered_map<std::string, Binary> ops = {
      {"add", [](const at::Tensor& a, const at::Tensor& b) { return a.add(b); }},
      {"sub", [](const at::Tensor& a, const at::Tensor& b) { return a.sub(b); }},
      {"mul", [](const at::Tensor& a, const at::Tensor& b) { return a.mul(b); }},
      {"div", [](const at::Tensor& a, const at::Tensor& b) { return a.div(b); }},
      {"pow", [](const at::Tensor& a, const at::Tensor& b) { return a.pow(b); }},
      {"maximum", [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }},
      {"minimum", [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }},
      {"remainder", [](const at::Tensor& a, const at::Tensor& b) { return a.remainder(b); }},
      {"atan2", [](const at::Tensor& a, const at::Tensor& b) { return a.atan2(b); }},
      {"eq", [](const at::Tensor& a, const at::Tensor& b) { return a.eq(b); }},
      {"ne", [](const at::Tensor& a, const at::Tensor& b) { return a.ne(b); }},
      {"lt", [](const at::Tensor& a, const at::Tensor& b) { return a.lt(b); }},
      {"le", [](const at::Tensor& a, const at::Tensor& b) { return a.le(b); }},
      {"gt", [](const at::Tensor& a, const at::Tensor& b) { return a.gt(b); }},
      {"ge", [](const at::Tensor& a, const at::Tensor& b) { return a.ge(b); }},
      {"logical_and", [](const at::Tensor& a, const at::Tensor& b) { return a.logical_and(b); }},
      {"logical_or", [](const at::Tensor& a, const at::Tensor& b) { return a.logical_or(b); }},
  };
  return ops;
}

const std::unordered_map<std::string, BinaryScalar>& scalarOps() {
  static const std::unordered_map<std::string, BinaryScalar> ops = {
      {"add", [](const at::Tensor& a, const at::Scalar& s) { return a.add(s); }},
      {"sub", [](const at::Tensor& a, const at::Scalar& s) { return a.sub(s); }},
      {"rsub", [](const at::Tensor& a, const at::Scalar& s) { return at::rsub(a, s); }},
      {"mul", [](const at::Tensor& a, const at::Scalar& s) { return a.mul(s); }},
      {"div", [](const at::Tensor& a, const at::Scalar& s) { return a.div(s); }},
      {"rdiv", [](const at::Tensor& a, const at::Scalar& s) { return a.reciprocal().mul(s); }},
      {"pow", [](const at::Tensor& a, const at::Scalar& s) { return a.pow(s); }},
      {"rpow", [](const at::Tensor& a, const at::Scalar& s) { return at::pow(s, a); }},
      {"maximum", [](const at::Tensor& a, const at::Scalar& s) { return a.clamp_min(s); }},
      {"minimum", [](const at::Tensor& a, const at::Scalar& s) { return a.clamp_max(s); }},
      {"remainder", [](const at::Tensor& a, const at::Scalar& s) { return a.remainder(s); }},
      {"eq", [](const at::Tensor& a, const at::Scalar& s) { return a.eq(s); }},
      {"ne", [](const at::Tensor& a, const at::Scalar& s) { return a.ne(s); }},
      {"lt", [](const at::Tensor& a, const at::Scalar& s) { return a.lt(s); }},
      {"le", [](const at::Tensor& a, const at::Scalar& s) { return a.le(s); }},
      {"gt", [](const at::Tensor& a, const at::Scalar& s) { return a.gt(s); }},
      {"ge", [](const at::Tensor& a, const at::Scalar& s) { return a.ge(s); }},
  };
  return ops;
}

template <typename Map>
auto lookup(const Map& m, const std::string& name) {
  auto it = m.find(name);
  if (it == m.end()) throw std::invalid_argument("unknown op '" + name + "'");
  return it->second;
}

// JS numbers carry no int/float distinction: an integral value applied to an integer tensor stays an
// integer scalar (so int64 + 1 is int64, as in PyTorch), anything else is a double.
at::Scalar scalarFor(const at::Tensor& t, double v) {
  if (!t.is_floating_point() && !t.is_complex() && std::floor(v) == v && std::abs(v) < 9.007199254740992e15)
    return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

V unary(const CI& info) { return ret(info.Env(), lookup(unaryOps(), str(info, 0))(T(info, 1))); }
V binary(const CI& info) { return ret(info.Env(), lookup(binaryOps(), str(info, 0))(T(info, 1), T(info, 2))); }
V binaryScalar(const CI& info) {
  const auto& t = T(info, 1);
  return ret(info.Env(), lookup(scalarOps(), str(info, 0))(t, scalarFor(t, num(info, 2))));
}
c10::optional<at::Scalar> optScalar(const CI& info, size_t i) {
  if (auto v = optNum(info, i)) return at::Scalar(*v);
  return c10::nullopt;
}
V clamp(const CI& info) { return ret(info.Env(), T(info, 0).clamp(optScalar(info, 1), optScalar(info, 2))); }
V where(const CI& info) { return ret(info.Env(), at::where(T(info, 0), T(info, 1), T(info, 2))); }
V maskedFill(const CI& info) {
  const auto& t = T(info, 0);
  return ret(info.Env(), t.masked_fill(T(info, 1), scalarFor(t, num(info, 2))));
}

// In-place updates, used by optimizers and EMA under no-grad.
V inplace(const CI& info) {
  auto op = str(info, 0);
  auto& a = get(num(info, 1));
  if (op == "zero_") a.zero_();
  else if (op == "fill_") a.fill_(num(info, 2));
  else if (op == "copy_") a.copy_(T(info, 2));
  else if (op == "mul_") a.mul_(num(info, 2));
  else if (op == "mul_t_") a.mul_(T(info, 2));
  else if (op == "add_") a.add_(T(info, 2), num(info, 3));
  else if (op == "add_s_") a.add_(num(info, 2));
  else if (op == "lerp_") a.lerp_(T(info, 2), num(info, 3));
  else if (op == "addcmul_") a.addcmul_(T(info, 2), T(info, 3), num(info, 4));
  else if (op == "addcdiv_") a.addcdiv_(T(info, 2), T(info, 3), num(info, 4));
  else if (op == "sqrt_") a.sqrt_();
  else if (op == "clamp_") a.clamp_(optScalar(info, 2), optScalar(info, 3));
  else throw std::invalid_argument("unknown in-place op '" + op + "'");
  return info.Env().Undefined();
}

// ---- reductions ---------------------------------------------------------------------------
V reduce(const CI& info) {
  auto op = str(info, 0);
  const auto& a = T(info, 1);
  auto dims = ints(info, 2);
  bool keep = boolean(info, 3);
  bool all = dims.empty();
  if (op == "sum") return ret(info.Env(), all ? a.sum() : a.sum(dims, keep));
  if (op == "mean") return ret(info.Env(), all ? a.mean() : a.mean(dims, keep));
  if (op == "amax") return ret(info.Env(), all ? a.max() : a.amax(dims, keep));
  if (op == "amin") return ret(info.Env(), all ? a.min() : a.amin(dims, keep));
  if (op == "prod") {
    if (all) return ret(info.Env(), a.prod());
    if (dims.size() != 1) throw std::invalid_argument("prod reduces over one dim at a time");
    return ret(info.Env(), a.prod(dims[0], keep));
  }
  if (op == "logsumexp") {
    if (all) {
      std::vector<int64_t> d(a.dim());
      for (int64_t k = 0; k < a.dim(); ++k) d[k] = k;
      return ret(info.Env(), a.logsumexp(d, keep));
    }
    return ret(info.Env(), a.logsumexp(dims, keep));
  }
  if (op == "any") return ret(info.Env(), all ? a.any() : a.any(dims[0], keep));
  if (op == "all") return ret(info.Env(), all ? a.all() : a.all(dims[0], keep));
  throw std::invalid_argument("unknown reduction '" + op + "'");
}
V var(const CI& info) {
  const auto& a = T(info, 0);
  auto dims = ints(info, 1);
  at::OptionalIntArrayRef d = dims.empty() ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(dims);
  return ret(info.Env(), at::var(a, d, compat::correction(integer(info, 2)), boolean(info, 3)));
}
V norm(const CI& info) {
  const auto& a = T(info, 0);
  auto dims = ints(info, 2);
  at::OptionalIntArrayRef d = dims.empty() ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(dims);
  return ret(info.Env(), at::linalg_vector_norm(a, num(info, 1), d, boolean(info, 3)));
}
V maxDim(const CI& info) {
  auto r = str(info, 0) == "max" ? at::max(T(info, 1), integer(info, 2), boolean(info, 3))
                                 : at::min(T(info, 1), integer(info, 2), boolean(info, 3));
  return retMany(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
V argmax(const CI& info) {
  bool isMax = str(info, 0) == "argmax";
  const auto& a = T(info, 1);
  auto dim = integer(info, 2);
  return ret(info.Env(), isMax ? a.argmax(dim, boolean(info, 3)) : a.argmin(dim, boolean(info, 3)));
}
V cumsum(const CI& info) { return ret(info.Env(), T(info, 0).cumsum(integer(info, 1))); }
V sort(const CI& info) {
  auto r = T(info, 0).sort(integer(info, 1), boolean(info, 2));
  return retMany(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
V topk(const CI& info) {
  auto r = T(info, 0).topk(integer(info, 1), integer(info, 2), boolean(info, 3));
  return retMany(info.Env(), {std::get<0>(r), std::get<1>(r)});
}

// ---- linear algebra -----------------------------------------------------------------------
V matmul(const CI& info) { return ret(info.Env(), at::matmul(T(info, 0), T(info, 1))); }
V bmm(const CI& info) { return ret(info.Env(), at::bmm(T(info, 0), T(info, 1))); }
// Eigenvalues (ascending) and orthonormal eigenvectors (columns) of symmetric matrices [..., n, n].
V eigh(const CI& info) {
  auto r = at::linalg_eigh(T(info, 0));
  return retMany(info.Env(), {std::get<0>(r), std::get<1>(r)});
}
V linear(const CI& info) { return ret(info.Env(), at::linear(T(info, 0), T(info, 1), optT(info, 2))); }

// ---- shape ops ----------------------------------------------------------------------------
V reshape(const CI& info) { return ret(info.Env(), T(info, 0).reshape(ints(info, 1))); }
V view(const CI& info) { return ret(info.Env(), T(info, 0).view(ints(info, 1))); }
V permute(const CI& info) { return ret(info.Env(), T(info, 0).permute(ints(info, 1))); }
V transpose(const CI& info) { return ret(info.Env(), T(info, 0).transpose(integer(info, 1), integer(info, 2))); }
V expand(const CI& info) { return ret(info.Env(), T(info, 0).expand(ints(info, 1))); }
V squeeze(const CI& info) {
  return ret(info.Env(), info[1].IsNumber() ? T(info, 0).squeeze(integer(info, 1)) : T(info, 0).squeeze());
}
V unsqueeze(const CI& info) { return ret(info.Env(), T(info, 0).unsqueeze(integer(info, 1))); }
V flatten(const CI& info) { return ret(info.Env(), T(info, 0).flatten(integer(info, 1), integer(info, 2))); }
V repeat(const CI& info) { return ret(info.Env(), T(info, 0).repeat(ints(info, 1))); }
V flip(const CI& info) { return ret(info.Env(), T(info, 0).flip(ints(info, 1))); }
V cat(const CI& info) { return ret(info.Env(), at::cat(Ts(info, 0), integer(info, 1))); }
V stack(const CI& info) { return ret(info.Env(), at::stack(Ts(info, 0), integer(info, 1))); }
V split(const CI& info) {
  auto sizes = ints(info, 1);
  return retMany(info.Env(), T(info, 0).split_with_sizes(sizes, integer(info, 2)));
}
V chunk(const CI& info) { return retMany(info.Env(), T(info, 0).chunk(integer(info, 1), integer(info, 2))); }
V slice(const CI& info) {
  return ret(info.Env(), T(info, 0).slice(integer(info, 1), integer(info, 2), integer(info, 3), integer(info, 4)));
}
V select(const CI& info) { return ret(info.Env(), T(info, 0).select(integer(info, 1), integer(info, 2))); }
V indexSelect(const CI& info) { return ret(info.Env(), T(info, 0).index_select(integer(info, 1), T(info, 2))); }
V gather(const CI& info) { return ret(info.Env(), T(info, 0).gather(integer(info, 1), T(info, 2))); }
V indexAdd(const CI& info) { return ret(info.Env(), T(info, 0).index_add(integer(info, 1), T(info, 2), T(info, 3))); }
V maskedSelect(const CI& info) { return ret(info.Env(), T(info, 0).masked_select(T(info, 1))); }
V tril(const CI& info) {
  return ret(info.Env(), str(info, 0) == "tril" ? T(info, 1).tril(integer(info, 2)) : T(info, 1).triu(integer(info, 2)));
}
V pad(const CI& info) { return ret(info.Env(), at::constant_pad_nd(T(info, 0), ints(info, 1), num(info, 2))); }
V oneHot(const CI& info) { return ret(info.Env(), at::one_hot(T(info, 0), integer(info, 1))); }

}  // namespace

void register_tensor_ops(Napi::Env, Napi::Object e) {
  DD_EXPORT(e, "fromBuffer", fromBuffer);
  DD_EXPORT(e, "full", full);
  DD_EXPORT(e, "arange", arange);
  DD_EXPORT(e, "linspace", linspace);
  DD_EXPORT(e, "eye", eye);
  DD_EXPORT(e, "shape", shape);
  DD_EXPORT(e, "dtype", dtypeOf);
  DD_EXPORT(e, "device", deviceOf);
  DD_EXPORT(e, "numel", numel);
  DD_EXPORT(e, "toBuffer", toBuffer);
  DD_EXPORT(e, "item", item);
  DD_EXPORT(e, "to", to);
  DD_EXPORT(e, "clone", clone);
  DD_EXPORT(e, "contiguous", contiguous);
  DD_EXPORT(e, "detach", detach);
  DD_EXPORT(e, "dispose", dispose);
  DD_EXPORT(e, "disposeMany", disposeMany);
  DD_EXPORT(e, "liveTensors", liveTensors);
  DD_EXPORT(e, "unary", unary);
  DD_EXPORT(e, "binary", binary);
  DD_EXPORT(e, "binaryScalar", binaryScalar);
  DD_EXPORT(e, "clamp", clamp);
  DD_EXPORT(e, "where", where);
  DD_EXPORT(e, "maskedFill", maskedFill);
  DD_EXPORT(e, "inplace", inplace);
  DD_EXPORT(e, "reduce", reduce);
  DD_EXPORT(e, "var", var);
  DD_EXPORT(e, "norm", norm);
  DD_EXPORT(e, "maxDim", maxDim);
  DD_EXPORT(e, "argmax", argmax);
  DD_EXPORT(e, "cumsum", cumsum);
  DD_EXPORT(e, "sort", sort);
  DD_EXPORT(e, "topk", topk);
  DD_EXPORT(e, "matmul", matmul);
  DD_EXPORT(e, "eigh", eigh);
  DD_EXPORT(e, "bmm", bmm);
  DD_EXPORT(e, "linear", linear);
  DD_EXPORT(e, "reshape", reshape);
  DD_EXPORT(e, "view", view);
  DD_EXPORT(e, "permute", permute);
  DD_EXPORT(e, "transpose", transpose);
  DD_EXPORT(e, "expand", expand);
  DD_EXPORT(e, "squeeze", squeeze);
  DD_EXPORT(e, "unsqueeze", unsqueeze);
  DD_EXPORT(e, "flatten", flatten);
  DD_EXPORT(e, "repeat", repeat);
  DD_EXPORT(e, "flip", flip);
  DD_EXPORT(e, "cat", cat);
  DD_EXPORT(e, "stack", stack);
  DD_EXPORT(e, "split", split);
  DD_EXPORT(e, "chunk", chunk);
  DD_EXPORT(e, "slice", slice);
  DD_EXPORT(e, "select", select);
  DD_EXPORT(e, "indexSelect", indexSelect);
  DD_EXPORT(e, "gather", gather);
  DD_EXPORT(e, "indexAdd", indexAdd);
  DD_EXPORT(e, "maskedSelect", maskedSelect);
  DD_EXPORT(e, "tri", tril);
  DD_EXPORT(e, "pad", pad);
  DD_EXPORT(e, "oneHot", oneHot);
}

}  // namespace dd
