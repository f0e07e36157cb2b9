#include "island.h"

#include <cstddef>

namespace msd {

void UnionFind::reset(int32_t count) {
  parent_.resize(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) parent_[i] = i;
}

int32_t UnionFind::find(int32_t i) {
  while (parent_[i] != i) {
    parent_[i] = parent_[parent_[i]];  // path halving
    i = parent_[i];
  }
  return i;
}

void UnionFind::unite(int32_t a, int32_t b) {
  a = find(a);
  b = find(b);
  // Deterministic: the lower root wins, independent of call order within a step.
  if (a == b) return;
  if (a < b) parent_[b] = a; else parent_[a] = b;
}

}  // namespace msd
