// Broadphase: two dynamic AABB trees (static and dynamic bodies) and a move buffer. Only proxies
// whose fat box changed since the last update are queried, so resting scenes cost almost nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "dynamic_tree.h"
#include "math.h"

namespace msd {

class BroadPhase {
 public:
  // Proxy keys encode the tree: (treeProxy << 1) | isStatic.
  int32_t createProxy(const AABB& fatBox, uint32_t bodyId, bool isStatic);
  void destroyProxy(int32_t key);
  void moveProxy(int32_t key, const AABB& fatBox);
  const AABB& fatBox(int32_t key) const { return tree(key).fatAABB(key >> 1); }
  void clear();

  // Calls onPair(bodyIdA, bodyIdB) for every overlap of fat boxes that involves a proxy moved or
  // created since the last call (static–static pairs excluded), then empties the move buffer.
  // A pair may be reported more than once; the caller keeps the set of existing pairs.
  template <typename OnPair>
  void updatePairs(OnPair&& onPair) {
    std::vector<int32_t>& moved = prepareMoveBuffer();
    for (int32_t key : moved) {
      bool isStatic = (key & 1) != 0;
      const AABB& box = fatBox(key);
      uint32_t bodyId = static_cast<uint32_t>(tree(key).userData(key >> 1));
      dynamicTree_.query(box, [&](int32_t other) {
        int32_t otherKey = other << 1;
        if (otherKey == key) return true;
        // A pair of two moved dynamic proxies is reported by the lower key only.
        if (!isStatic && isMoved(otherKey) && otherKey < key) return true;
        onPair(bodyId, static_cast<uint32_t>(dynamicTree_.userData(other)));
        return true;
      });
      if (!isStatic) {
        staticTree_.query(box, [&](int32_t other) {
          onPair(bodyId, static_cast<uint32_t>(staticTree_.userData(other)));
          return true;
        });
      }
    }
    moveBuffer_.clear();
  }

 private:
  DynamicTree& tree(int32_t key) { return (key & 1) ? staticTree_ : dynamicTree_; }
  const DynamicTree& tree(int32_t key) const { return (key & 1) ? staticTree_ : dynamicTree_; }
  std::vector<int32_t>& prepareMoveBuffer();
  bool isMoved(int32_t key) const;

  DynamicTree staticTree_, dynamicTree_;
  std::vector<int32_t> moveBuffer_;   // sorted and unique while pairs are updated
};

}  // namespace msd
