#include "common.h"

#include <stdexcept>
#include <unordered_map>

namespace dd {

namespace {
std::unordered_map<uint64_t, at::Tensor>& table() {
  static std::unordered_map<uint64_t, at::Tensor> t(1 << 12);
  return t;
}
uint64_t next_id = 1;
}  // namespace

double put(at::Tensor t) {
  uint64_t id = next_id++;
  table().emplace(id, std::move(t));
  return static_cast<double>(id);
}

at::Tensor& get(double id) {
  auto it = table().find(static_cast<uint64_t>(id));
  if (it == table().end())
    throw std::invalid_argument("tensor #" + std::to_string(static_cast<uint64_t>(id)) +
                                " was disposed (use after dispose)");
  return it->second;
}

void release(double id) { table().erase(static_cast<uint64_t>(id)); }
size_t live_count() { return table().size(); }

static std::string where(size_t i) { return "argument " + std::to_string(i); }

const at::Tensor& T(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw std::invalid_argument(where(i) + " must be a tensor");
  return get(info[i].As<Napi::Number>().DoubleValue());
}

c10::optional<at::Tensor> optT(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return T(info, i);
}

std::vector<at::Tensor> Ts(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw std::invalid_argument(where(i) + " must be a list of tensors");
  auto arr = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr[k];
    out.push_back(get(v.As<Napi::Number>().DoubleValue()));
  }
  return out;
}

double num(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw std::invalid_argument(where(i) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

int64_t integer(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw std::invalid_argument(where(i) + " must be an integer");
  return info[i].As<Napi::Number>().Int64Value();
}

c10::optional<double> optNum(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  return num(info, i);
}

bool boolean(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }

std::string str(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) throw std::invalid_argument(where(i) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

std::vector<int64_t> ints(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw std::invalid_argument(where(i) + " must be a list of integers");
  auto arr = info[i].As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr[k];
    out[k] = v.As<Napi::Number>().Int64Value();
  }
  return out;
}

at::ScalarType dtype(const std::string& n) {
  if (n == "float32") return at::kFloat;
  if (n == "float64") return at::kDouble;
  if (n == "int64") return at::kLong;
  if (n == "int32") return at::kInt;
  if (n == "uint8") return at::kByte;
  if (n == "bool") return at::kBool;
  if (n == "float16") return at::kHalf;
  if (n == "bfloat16") return at::kBFloat16;
  throw std::invalid_argument("unknown dtype '" + n + "'");
}

std::string dtype_name(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    default: return c10::toString(t);
  }
}

at::Device device(const std::string& n) { return at::Device(n); }

at::TensorOptions options(const Napi::CallbackInfo& info, size_t dtype_i, size_t device_i) {
  return at::TensorOptions().dtype(dtype(str(info, dtype_i))).device(device(str(info, device_i)));
}

Napi::Value ret(Napi::Env env, at::Tensor t) { return Napi::Number::New(env, put(std::move(t))); }

Napi::Value retMany(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto arr = Napi::Array::New(env, ts.size());
  for (uint32_t k = 0; k < ts.size(); ++k)
    arr.Set(k, ts[k].defined() ? Napi::Value(Napi::Number::New(env, put(ts[k]))) : env.Null());
  return arr;
}

// Errors name the op: the entry point, or the op string that dispatching entry points take first.
static std::string opName(const char* entry, const Napi::CallbackInfo& info) {
  return info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : entry;
}

Napi::Value guarded(const char* entry, Fn fn, const Napi::CallbackInfo& info) {
  try {
    return fn(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), opName(entry, info) + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), opName(entry, info) + ": " + e.what());
  }
}

}  // namespace dd
