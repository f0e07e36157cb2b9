// Input checks shared by the engine's entry points. Each throws EngineError with a message that
// names the field, e.g. `mass must be a positive finite number (got -1)`.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "error.h"
#include "math.h"

namespace msd {

// Like JavaScript's String(x) for the values we print: NaN, Infinity, -Infinity, 0.5, 1e-09.
inline std::string formatNumber(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  // Prefer the shortest representation that round-trips.
  for (int precision = 1; precision <= 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, x);
    if (std::strtod(shorter, nullptr) == x) return shorter;
  }
  return buffer;
}

inline void requireFinite(double x, const char* field) {
  if (!std::isfinite(x)) throw EngineError(std::string(field) + " must be a finite number (got " + formatNumber(x) + ")");
}

inline void requireFinite(const Vec3& v, const char* field) {
  for (int i = 0; i < 3; ++i) {
    if (!std::isfinite(v[i])) {
      throw EngineError(std::string(field) + "[" + std::to_string(i) + "] must be a finite number (got " + formatNumber(v[i]) + ")");
    }
  }
}

inline void requirePositive(double x, const char* field) {
  if (!(std::isfinite(x) && x > 0)) throw EngineError(std::string(field) + " must be a positive finite number (got " + formatNumber(x) + ")");
}

inline void requireNonNegative(double x, const char* field) {
  if (!(std::isfinite(x) && x >= 0)) throw EngineError(std::string(field) + " must be a finite number >= 0 (got " + formatNumber(x) + ")");
}

inline void requireUnitInterval(double x, const char* field) {
  if (!(std::isfinite(x) && x >= 0 && x <= 1)) throw EngineError(std::string(field) + " must be in [0, 1] (got " + formatNumber(x) + ")");
}

}  // namespace msd
