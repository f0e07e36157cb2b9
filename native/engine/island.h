// Islands: groups of awake dynamic bodies connected by touching contacts. They are rebuilt every
// step with union-find; an island whose bodies have all been slow for long enough goes to sleep as
// a whole and is remembered as a SleepingIsland so that touching any of its bodies wakes all of them.
#pragma once

#include <cstdint>
#include <vector>

namespace msd {

class UnionFind {
 public:
  void reset(int32_t count);
  int32_t find(int32_t i);
  void unite(int32_t a, int32_t b);

 private:
  std::vector<int32_t> parent_;
};

struct SleepingIsland {
  std::vector<uint32_t> bodyIds;  // empty when the slot is free
};

}  // namespace msd
