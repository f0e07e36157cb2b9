// Dynamic AABB tree: see dynamic_tree.h. Nodes are addressed by index only, so growing the pool never
// invalidates what callers hold (proxy ids). Every choice below depends only on the call sequence and
// the box values (no pointers, no randomness), so the same calls always build the same tree.
#include "dynamic_tree.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "error.h"

namespace msd {

namespace {

bool isValidBox(const AABB& box) {
  return isFinite(box.lower) && isFinite(box.upper) && box.lower.x <= box.upper.x &&
         box.lower.y <= box.upper.y && box.lower.z <= box.upper.z;
}

}  // namespace

// ---- node pool -------------------------------------------------------------------------------

int32_t DynamicTree::allocateNode() {
  if (freeList_ == kNull) {
    // No reference into nodes_ may be alive across this call: push_back can reallocate.
    nodes_.emplace_back();
    return static_cast<int32_t>(nodes_.size() - 1);
  }
  int32_t id = freeList_;
  freeList_ = nodes_[id].parent;
  nodes_[id] = Node{};
  return id;
}

// Freed nodes go to the head of the list, so the most recently freed id is handed out first
// (that is what makes a destroyed proxy id come back on the next createProxy).
void DynamicTree::freeNode(int32_t id) {
  Node& node = nodes_[id];
  node = Node{};
  node.parent = freeList_;
  node.height = -1;
  freeList_ = id;
}

// ---- public API ------------------------------------------------------------------------------

int32_t DynamicTree::createProxy(const AABB& fatBox, uint64_t userData) {
  if (!isValidBox(fatBox)) throw EngineError("createProxy: fatBox must be finite with lower <= upper");
  int32_t id = allocateNode();
  nodes_[id].box = fatBox;
  nodes_[id].userData = userData;
  nodes_[id].height = 0;
  insertLeaf(id);
  ++proxyCount_;
  return id;
}

void DynamicTree::destroyProxy(int32_t proxyId) {
  requireProxy(proxyId, "destroyProxy");
  removeLeaf(proxyId);
  freeNode(proxyId);  // after removeLeaf freed the parent, so this id is the first one reused
  --proxyCount_;
}

void DynamicTree::moveProxy(int32_t proxyId, const AABB& fatBox) {
  requireProxy(proxyId, "moveProxy");
  if (!isValidBox(fatBox)) throw EngineError("moveProxy: fatBox must be finite with lower <= upper");
  removeLeaf(proxyId);
  nodes_[proxyId].box = fatBox;
  insertLeaf(proxyId);
}

int DynamicTree::height() const { return root_ == kNull ? 0 : nodes_[root_].height; }

void DynamicTree::clear() {
  nodes_.clear();  // keeps the capacity, so refilling the tree does not reallocate
  root_ = kNull;
  freeList_ = kNull;
  proxyCount_ = 0;
}

// Leaves are exactly the live nodes with height 0; free nodes have -1 and internal ones >= 1.
void DynamicTree::requireProxy(int32_t proxyId, const char* what) const {
  if (proxyId < 0 || static_cast<size_t>(proxyId) >= nodes_.size() || nodes_[proxyId].height != 0) {
    throw EngineError(std::string(what) + ": no proxy with id " + std::to_string(proxyId));
  }
}

// ---- insertion -------------------------------------------------------------------------------

// Branch-and-bound search for the sibling that minimises the total surface area added to the tree:
// the new parent's area plus the growth of every ancestor. Below a node, no sibling can cost less
// than the leaf's own area plus the growth already paid by that node and its ancestors, which prunes
// most of the tree. Each node's own cost is scored when it is reached and its children are expanded
// cheaper-first, so a good bound is found early. Ties keep the first found (no pointer or random
// order is involved, so the choice is deterministic).
int32_t DynamicTree::findBestSibling(const AABB& leafBox) {
  const double leafArea = surfaceArea(leafBox);
  const double rootMerged = surfaceArea(merge(nodes_[root_].box, leafBox));
  int32_t best = root_;
  double bestCost = rootMerged;
  candidates_.clear();
  if (!nodes_[root_].isLeaf()) candidates_.push_back({root_, rootMerged - surfaceArea(nodes_[root_].box)});
  while (!candidates_.empty()) {
    Candidate c = candidates_.back();
    candidates_.pop_back();
    if (leafArea + c.inheritedCost >= bestCost) continue;  // the bound improved since it was pushed
    const Node& node = nodes_[c.id];
    Candidate next[2] = {{node.child1, 0.0}, {node.child2, 0.0}};
    for (Candidate& child : next) {
      const AABB& childBox = nodes_[child.id].box;
      double merged = surfaceArea(merge(childBox, leafBox));
      if (merged + c.inheritedCost < bestCost) {
        bestCost = merged + c.inheritedCost;
        best = child.id;
      }
      child.inheritedCost = c.inheritedCost + (merged - surfaceArea(childBox));
    }
    if (next[0].inheritedCost < next[1].inheritedCost) std::swap(next[0], next[1]);  // pop cheaper first
    for (const Candidate& child : next) {
      bool promising = leafArea + child.inheritedCost < bestCost;
      if (promising && !nodes_[child.id].isLeaf()) candidates_.push_back(child);
    }
  }
  return best;
}

void DynamicTree::insertLeaf(int32_t leaf) {
  if (root_ == kNull) {
    root_ = leaf;
    nodes_[leaf].parent = kNull;
    return;
  }
  int32_t sibling = findBestSibling(nodes_[leaf].box);
  int32_t newParent = allocateNode();  // may grow nodes_: only indices are held here
  int32_t oldParent = nodes_[sibling].parent;
  replaceChild(oldParent, sibling, newParent);
  nodes_[newParent].parent = oldParent;
  nodes_[newParent].child1 = sibling;
  nodes_[newParent].child2 = leaf;
  nodes_[sibling].parent = newParent;
  nodes_[leaf].parent = newParent;
  refitAndBalanceUpward(newParent);
}

// ---- removal ---------------------------------------------------------------------------------

// The leaf's parent disappears and the sibling takes its place under the grandparent.
void DynamicTree::removeLeaf(int32_t leaf) {
  if (leaf == root_) {
    root_ = kNull;
    return;
  }
  int32_t parent = nodes_[leaf].parent;
  int32_t grandParent = nodes_[parent].parent;
  int32_t sibling = nodes_[parent].child1 == leaf ? nodes_[parent].child2 : nodes_[parent].child1;
  replaceChild(grandParent, parent, sibling);
  nodes_[sibling].parent = grandParent;
  nodes_[leaf].parent = kNull;
  freeNode(parent);
  refitAndBalanceUpward(grandParent);
}

// ---- structure helpers -----------------------------------------------------------------------

// Puts newChild in oldChild's slot under parent (kNull parent means oldChild was the root).
void DynamicTree::replaceChild(int32_t parent, int32_t oldChild, int32_t newChild) {
  if (parent == kNull) {
    root_ = newChild;
  } else if (nodes_[parent].child1 == oldChild) {
    nodes_[parent].child1 = newChild;
  } else {
    nodes_[parent].child2 = newChild;
  }
}

// Recomputes an internal node's box and height from its children.
void DynamicTree::refit(int32_t id) {
  Node& node = nodes_[id];
  const Node& a = nodes_[node.child1];
  const Node& b = nodes_[node.child2];
  node.box = merge(a.box, b.box);
  node.height = 1 + std::max(a.height, b.height);
}

// After a leaf was added or removed below `id`, every ancestor's box and height may be stale; walk to
// the root fixing them, rotating wherever the two subtrees' heights differ by more than one.
void DynamicTree::refitAndBalanceUpward(int32_t id) {
  while (id != kNull) {
    id = balance(id);
    refit(id);
    id = nodes_[id].parent;
  }
}

// Returns the root of the subtree that was rooted at `a` (a itself, or the child rotated above it).
// The children's heights are current here even when a's own height is not yet, so decide from them.
int32_t DynamicTree::balance(int32_t a) {
  const Node& node = nodes_[a];
  if (node.isLeaf()) return a;
  int32_t skew = nodes_[node.child2].height - nodes_[node.child1].height;
  if (skew > 1) return rotateUp(a, true);
  if (skew < -1) return rotateUp(a, false);
  return a;
}

// Lifts a's taller child c into a's place. c keeps its taller grandchild and adopts a; the shorter
// grandchild drops into c's old slot under a. Child order in a BVH carries no meaning, so this one
// rotation covers both of the AVL cases (single and double).
//
// Unlike an AVL insert, the area heuristic may pair a new leaf with a tall subtree (with identical
// boxes it always picks the root), so a can still be lopsided after the rotation. Balancing a again
// pushes the short side down until it fits; in an already balanced tree that second call does nothing.
// Each step works on a strictly smaller subtree, so the recursion is at most the tree's height deep.
int32_t DynamicTree::rotateUp(int32_t a, bool tallIsChild2) {
  int32_t c = tallIsChild2 ? nodes_[a].child2 : nodes_[a].child1;
  int32_t f = nodes_[c].child1;
  int32_t g = nodes_[c].child2;
  int32_t keep = nodes_[f].height >= nodes_[g].height ? f : g;
  int32_t give = keep == f ? g : f;

  int32_t aParent = nodes_[a].parent;
  replaceChild(aParent, a, c);
  nodes_[c].parent = aParent;
  nodes_[c].child1 = a;
  nodes_[c].child2 = keep;
  nodes_[a].parent = c;
  (tallIsChild2 ? nodes_[a].child2 : nodes_[a].child1) = give;
  nodes_[give].parent = a;

  refit(balance(a));  // a is now below c, so its subtree must be settled first
  refit(c);
  return c;
}

// ---- validation ------------------------------------------------------------------------------

// Walks the tree from the root with an explicit stack; `seen` catches cycles and shared nodes, so a
// corrupted tree makes this return false instead of looping.
bool DynamicTree::validateSubtree(std::vector<char>& seen, int32_t& leafCount) const {
  const auto inRange = [&](int32_t id) { return id >= 0 && static_cast<size_t>(id) < nodes_.size(); };
  if (root_ == kNull) return true;
  if (!inRange(root_) || nodes_[root_].parent != kNull) return false;
  std::vector<int32_t> pending{root_};
  while (!pending.empty()) {
    int32_t id = pending.back();
    pending.pop_back();
    if (seen[id]) return false;
    seen[id] = 1;
    const Node& node = nodes_[id];
    if (node.isLeaf()) {
      if (node.child2 != kNull || node.height != 0) return false;
      ++leafCount;
      continue;
    }
    if (!inRange(node.child1) || !inRange(node.child2) || node.child1 == node.child2) return false;
    const Node& a = nodes_[node.child1];
    const Node& b = nodes_[node.child2];
    if (a.parent != id || b.parent != id) return false;
    if (a.height < 0 || b.height < 0 || node.height != 1 + std::max(a.height, b.height)) return false;
    if (!contains(node.box, a.box) || !contains(node.box, b.box)) return false;
    pending.push_back(node.child1);
    pending.push_back(node.child2);
  }
  return true;
}

bool DynamicTree::validateFreeList(std::vector<char>& seen) const {
  for (int32_t id = freeList_; id != kNull; id = nodes_[id].parent) {
    if (id < 0 || static_cast<size_t>(id) >= nodes_.size() || seen[id]) return false;
    seen[id] = 1;
    if (nodes_[id].height != -1) return false;
  }
  return true;
}

bool DynamicTree::validate() const {
  std::vector<char> seen(nodes_.size(), 0);
  int32_t leafCount = 0;
  if (!validateSubtree(seen, leafCount) || !validateFreeList(seen)) return false;
  if (leafCount != proxyCount_) return false;
  // Every pool slot must be either in the tree or on the free list; anything else leaked.
  return std::all_of(seen.begin(), seen.end(), [](char s) { return s != 0; });
}

}  // namespace msd
