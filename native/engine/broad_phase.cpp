#include "broad_phase.h"

#include <algorithm>

namespace msd {

int32_t BroadPhase::createProxy(const AABB& fatBox, uint32_t bodyId, bool isStatic) {
  DynamicTree& t = isStatic ? staticTree_ : dynamicTree_;
  int32_t key = (t.createProxy(fatBox, bodyId) << 1) | (isStatic ? 1 : 0);
  moveBuffer_.push_back(key);
  return key;
}

void BroadPhase::destroyProxy(int32_t key) {
  moveBuffer_.erase(std::remove(moveBuffer_.begin(), moveBuffer_.end(), key), moveBuffer_.end());
  tree(key).destroyProxy(key >> 1);
}

void BroadPhase::moveProxy(int32_t key, const AABB& fatBox) {
  tree(key).moveProxy(key >> 1, fatBox);
  moveBuffer_.push_back(key);
}

void BroadPhase::clear() {
  staticTree_.clear();
  dynamicTree_.clear();
  moveBuffer_.clear();
}

std::vector<int32_t>& BroadPhase::prepareMoveBuffer() {
  std::sort(moveBuffer_.begin(), moveBuffer_.end());
  moveBuffer_.erase(std::unique(moveBuffer_.begin(), moveBuffer_.end()), moveBuffer_.end());
  return moveBuffer_;
}

bool BroadPhase::isMoved(int32_t key) const {
  return std::binary_search(moveBuffer_.begin(), moveBuffer_.end(), key);
}

}  // namespace msd
