// Dynamic AABB tree (bounding volume hierarchy) for the broadphase, in the style of Box2D:
// leaves hold fat AABBs, insertion picks the sibling by surface-area heuristic, AVL-like rotations
// keep it balanced. Nodes live in one pool vector with a free list (no per-node allocation).
#pragma once

#include <cstdint>
#include <vector>

#include "math.h"

namespace msd {

class DynamicTree {
 public:
  static constexpr int32_t kNull = -1;

  int32_t createProxy(const AABB& fatBox, uint64_t userData);
  void destroyProxy(int32_t proxyId);
  // Replaces the proxy's box (remove + re-insert).
  void moveProxy(int32_t proxyId, const AABB& fatBox);

  const AABB& fatAABB(int32_t proxyId) const { return nodes_[proxyId].box; }
  uint64_t userData(int32_t proxyId) const { return nodes_[proxyId].userData; }
  int32_t proxyCount() const { return proxyCount_; }
  int height() const;
  // Checks the tree's invariants (parent links, enclosing boxes, heights); returns false when broken.
  bool validate() const;
  void clear();

  // Calls `visit(proxyId)` for every leaf whose fat box overlaps `box`. `visit` returns false to stop.
  template <typename Visit>
  void query(const AABB& box, Visit&& visit) const {
    if (root_ == kNull) return;
    stack_.clear();
    stack_.push_back(root_);
    while (!stack_.empty()) {
      int32_t id = stack_.back();
      stack_.pop_back();
      const Node& node = nodes_[id];
      if (!overlaps(node.box, box)) continue;
      if (node.isLeaf()) {
        if (!visit(id)) return;
      } else {
        stack_.push_back(node.child1);
        stack_.push_back(node.child2);
      }
    }
  }

 private:
  struct Node {
    AABB box;
    uint64_t userData = 0;
    int32_t parent = kNull;  // also the "next" link while on the free list
    int32_t child1 = kNull, child2 = kNull;
    int32_t height = 0;      // leaf = 0, free node = -1
    bool isLeaf() const { return child1 == kNull; }
  };

  // An internal node still to expand while searching for the cheapest sibling, with the area growth
  // it and its ancestors would already suffer if the new leaf went below it.
  struct Candidate {
    int32_t id;
    double inheritedCost;
  };

  int32_t allocateNode();
  void freeNode(int32_t id);
  void insertLeaf(int32_t leaf);
  void removeLeaf(int32_t leaf);
  int32_t balance(int32_t id);
  int32_t rotateUp(int32_t a, bool tallIsChild2);
  int32_t findBestSibling(const AABB& leafBox);
  void replaceChild(int32_t parent, int32_t oldChild, int32_t newChild);
  void refit(int32_t id);
  void refitAndBalanceUpward(int32_t id);
  void requireProxy(int32_t proxyId, const char* what) const;
  bool validateSubtree(std::vector<char>& seen, int32_t& leafCount) const;
  bool validateFreeList(std::vector<char>& seen) const;

  std::vector<Node> nodes_;
  int32_t root_ = kNull;
  int32_t freeList_ = kNull;
  int32_t proxyCount_ = 0;
  mutable std::vector<int32_t> stack_;
  std::vector<Candidate> candidates_;  // scratch for findBestSibling, kept to avoid reallocating
};

}  // namespace msd
