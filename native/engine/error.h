// The one exception type the engine throws for invalid input or impossible requests.
// Messages name the offending field, e.g. "mass must be > 0 (got -1)". The addon turns it into a JS Error.
#pragma once

#include <stdexcept>
#include <string>

namespace msd {

class EngineError : public std::runtime_error {
 public:
  explicit EngineError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace msd
