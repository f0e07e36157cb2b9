// Conversions between JS values and engine types, and the guard that turns every C++ exception
// into a JS Error (so no engine error can take the process down).
#pragma once

#include <napi.h>

#include <exception>
#include <string>

#include "math.h"

namespace msdaddon {

// Runs `body`; any std::exception becomes a JS Error with the same message.
template <typename Body>
auto guarded(const Napi::Env& env, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  } catch (...) {
    throw Napi::Error::New(env, "unknown native error");
  }
}

inline Napi::Float64Array requireFloat64Array(const Napi::Value& v, const char* what, size_t minLength) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a Float64Array");
  }
  Napi::Float64Array a = v.As<Napi::Float64Array>();
  if (a.ElementLength() < minLength) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must have at least " + std::to_string(minLength) + " elements");
  }
  return a;
}

inline double requireNumber(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

inline uint32_t requireId(const Napi::Value& v, const char* what) {
  double x = requireNumber(v, what);
  if (!(x >= 0 && x <= 4294967295.0) || x != static_cast<double>(static_cast<uint32_t>(x))) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a non-negative integer");
  }
  return static_cast<uint32_t>(x);
}

inline msd::Vec3 vec3At(const Napi::Float64Array& a, size_t offset) {
  return {a[offset], a[offset + 1], a[offset + 2]};
}

inline Napi::Float64Array newFloat64Array(Napi::Env env, size_t length) {
  return Napi::Float64Array::New(env, length);
}

}  // namespace msdaddon
