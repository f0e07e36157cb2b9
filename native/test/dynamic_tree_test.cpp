// Unit tests for DynamicTree: invariants under churn, queries against brute force, balance, id reuse,
// determinism and argument checks.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "check.h"
#include "dynamic_tree.h"
#include "error.h"

using msd::AABB;
using msd::DynamicTree;
using msd::Vec3;

namespace {

// Random box inside a cube of side `world`, with edges up to `maxSize`.
AABB randomBox(std::mt19937& rng, double world, double maxSize) {
  std::uniform_real_distribution<double> pos(0.0, world);
  std::uniform_real_distribution<double> size(0.0, maxSize);
  Vec3 lower{pos(rng), pos(rng), pos(rng)};
  return {lower, lower + Vec3{size(rng), size(rng), size(rng)}};
}

AABB cube(const Vec3& center, double half) {
  Vec3 h{half, half, half};
  return {center - h, center + h};
}

std::vector<int32_t> queryIds(const DynamicTree& tree, const AABB& box) {
  std::vector<int32_t> ids;
  tree.query(box, [&](int32_t id) {
    ids.push_back(id);
    return true;
  });
  return ids;
}

std::vector<int32_t> sorted(std::vector<int32_t> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Live proxies and their boxes, kept alongside the tree as the brute-force reference.
struct Reference {
  std::vector<int32_t> ids;
  std::vector<AABB> boxes;  // indexed by proxy id

  void set(int32_t id, const AABB& box) {
    if (boxes.size() <= static_cast<size_t>(id)) boxes.resize(static_cast<size_t>(id) + 1);
    boxes[id] = box;
  }
  std::vector<int32_t> overlapping(const AABB& box) const {
    std::vector<int32_t> hits;
    for (int32_t id : ids) {
      if (msd::overlaps(boxes[id], box)) hits.push_back(id);
    }
    return sorted(hits);
  }
};

// The bound the tests hold the tree to: an AVL tree's worst case is ~1.44·log2(n), so 2·log2(n) + 4
// leaves room for the rotations being applied only along insertion/removal paths.
int heightBound(int32_t n) { return static_cast<int>(2.0 * std::log2(static_cast<double>(n))) + 4; }

}  // namespace

TEST(dynamic_tree_empty_tree_queries_nothing) {
  DynamicTree tree;
  CHECK(tree.validate());
  CHECK(tree.proxyCount() == 0);
  CHECK(tree.height() == 0);
  CHECK(queryIds(tree, cube({0, 0, 0}, 1e300)).empty());

  // Emptied by destroy and by clear, it still answers nothing.
  int32_t id = tree.createProxy(cube({0, 0, 0}, 1), 7);
  tree.destroyProxy(id);
  CHECK(tree.validate());
  CHECK(queryIds(tree, cube({0, 0, 0}, 10)).empty());
  tree.createProxy(cube({0, 0, 0}, 1), 8);
  tree.clear();
  CHECK(tree.validate());
  CHECK(tree.proxyCount() == 0);
  CHECK(queryIds(tree, cube({0, 0, 0}, 10)).empty());
}

TEST(dynamic_tree_single_proxy_roundtrip) {
  DynamicTree tree;
  AABB box = cube({1, 2, 3}, 0.5);
  int32_t id = tree.createProxy(box, 42);
  CHECK(tree.validate());
  CHECK(tree.proxyCount() == 1);
  CHECK(tree.height() == 0);
  CHECK(tree.userData(id) == 42);
  CHECK(tree.fatAABB(id).lower.x == 0.5 && tree.fatAABB(id).upper.z == 3.5);
  CHECK(queryIds(tree, cube({1, 2, 3}, 0.1)) == std::vector<int32_t>{id});
  // Touching faces count as overlap (closed boxes), as in msd::overlaps.
  CHECK(queryIds(tree, cube({2, 2, 3}, 0.5)) == std::vector<int32_t>{id});
  CHECK(queryIds(tree, cube({2.01, 2, 3}, 0.5)).empty());
}

TEST(dynamic_tree_random_churn_stays_valid) {
  std::mt19937 rng(12345);
  DynamicTree tree;
  Reference ref;
  bool allValid = true;
  for (int i = 0; i < 10000; ++i) {
    AABB box = randomBox(rng, 100.0, 2.0);
    int32_t id = tree.createProxy(box, static_cast<uint64_t>(i));
    ref.ids.push_back(id);
    ref.set(id, box);
    if (i % 1000 == 999) allValid = allValid && tree.validate();
  }
  CHECK(allValid);
  CHECK(tree.proxyCount() == 10000);

  // Destroy a random half, validating in batches.
  std::shuffle(ref.ids.begin(), ref.ids.end(), rng);
  for (int i = 0; i < 5000; ++i) {
    tree.destroyProxy(ref.ids.back());
    ref.ids.pop_back();
    if (i % 500 == 499) allValid = allValid && tree.validate();
  }
  CHECK(allValid);
  CHECK(tree.proxyCount() == 5000);

  // Move every survivor, then recreate into the freed slots.
  for (size_t i = 0; i < ref.ids.size(); ++i) {
    AABB box = randomBox(rng, 100.0, 2.0);
    tree.moveProxy(ref.ids[i], box);
    ref.set(ref.ids[i], box);
    if (i % 500 == 499) allValid = allValid && tree.validate();
  }
  for (int i = 0; i < 5000; ++i) {
    AABB box = randomBox(rng, 100.0, 2.0);
    int32_t id = tree.createProxy(box, 0);
    ref.ids.push_back(id);
    ref.set(id, box);
  }
  CHECK(allValid);
  CHECK(tree.validate());
  CHECK(tree.proxyCount() == 10000);
  CHECK(tree.height() <= heightBound(tree.proxyCount()));

  // Each proxy's own box finds it.
  bool selfFound = true;
  for (int32_t id : ref.ids) {
    std::vector<int32_t> hits = queryIds(tree, ref.boxes[id]);
    selfFound = selfFound && std::find(hits.begin(), hits.end(), id) != hits.end();
  }
  CHECK(selfFound);
}

TEST(dynamic_tree_query_matches_brute_force) {
  std::mt19937 rng(777);
  DynamicTree tree;
  Reference ref;
  for (int i = 0; i < 2000; ++i) {
    AABB box = randomBox(rng, 50.0, 4.0);
    int32_t id = tree.createProxy(box, static_cast<uint64_t>(i));
    ref.ids.push_back(id);
    ref.set(id, box);
  }
  // Some churn so the tree being queried has been through removals and rotations.
  for (int i = 0; i < 500; ++i) {
    tree.destroyProxy(ref.ids[static_cast<size_t>(i)]);
  }
  ref.ids.erase(ref.ids.begin(), ref.ids.begin() + 500);
  for (size_t i = 0; i < ref.ids.size(); i += 3) {
    AABB box = randomBox(rng, 50.0, 4.0);
    tree.moveProxy(ref.ids[i], box);
    ref.set(ref.ids[i], box);
  }
  CHECK(tree.validate());

  int mismatches = 0;
  size_t totalHits = 0;
  for (int q = 0; q < 300; ++q) {
    AABB box = randomBox(rng, 50.0, 10.0);
    std::vector<int32_t> expected = ref.overlapping(box);
    std::vector<int32_t> got = queryIds(tree, box);
    totalHits += got.size();
    if (sorted(got) != expected || got.size() != expected.size()) ++mismatches;
  }
  CHECK(mismatches == 0);
  CHECK(totalHits > 0);  // the random queries really did hit something
}

TEST(dynamic_tree_query_stops_when_visit_returns_false) {
  DynamicTree tree;
  for (int i = 0; i < 100; ++i) tree.createProxy(cube({0, 0, 0}, 1.0 + i), 0);
  int visits = 0;
  tree.query(cube({0, 0, 0}, 0.5), [&](int32_t) {
    ++visits;
    return visits < 3;
  });
  CHECK(visits == 3);
}

TEST(dynamic_tree_height_bounded_random_order) {
  std::mt19937 rng(2024);
  DynamicTree tree;
  for (int i = 0; i < 10000; ++i) tree.createProxy(randomBox(rng, 1000.0, 3.0), 0);
  CHECK(tree.validate());
  CHECK(tree.height() <= heightBound(tree.proxyCount()));
}

TEST(dynamic_tree_height_bounded_sorted_order) {
  // Boxes arriving in sorted order are the classic worst case for an unbalanced tree (a chain).
  DynamicTree line;
  for (int i = 0; i < 10000; ++i) line.createProxy(cube({static_cast<double>(i), 0, 0}, 0.4), 0);
  CHECK(line.validate());
  CHECK(line.height() <= heightBound(line.proxyCount()));

  DynamicTree grid;  // sorted along a 3D grid, row by row
  for (int i = 0; i < 22; ++i)
    for (int j = 0; j < 22; ++j)
      for (int k = 0; k < 22; ++k) grid.createProxy(cube({1.0 * i, 1.0 * j, 1.0 * k}, 0.45), 0);
  CHECK(grid.validate());
  CHECK(grid.height() <= heightBound(grid.proxyCount()));

  // Identical boxes give the area heuristic no preference at all.
  DynamicTree same;
  for (int i = 0; i < 4096; ++i) same.createProxy(cube({0, 0, 0}, 1.0), 0);
  CHECK(same.validate());
  CHECK(same.height() <= heightBound(same.proxyCount()));

  // Destroying from one end of a sorted tree must keep it balanced too.
  std::vector<int32_t> ids;
  DynamicTree shrink;
  for (int i = 0; i < 8192; ++i) ids.push_back(shrink.createProxy(cube({1.0 * i, 0, 0}, 0.4), 0));
  for (int i = 0; i < 8000; ++i) shrink.destroyProxy(ids[static_cast<size_t>(i)]);
  CHECK(shrink.validate());
  CHECK(shrink.height() <= heightBound(shrink.proxyCount()));
}

TEST(dynamic_tree_proxy_ids_are_reused) {
  DynamicTree tree;
  std::vector<int32_t> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(tree.createProxy(cube({2.0 * i, 0, 0}, 0.5), 0));

  // The most recently destroyed id comes back first.
  tree.destroyProxy(ids[3]);
  CHECK(tree.createProxy(cube({50, 0, 0}, 0.5), 99) == ids[3]);
  CHECK(tree.userData(ids[3]) == 99);

  // Destroying and recreating many never grows the id range beyond the high-water mark.
  int32_t maxId = *std::max_element(ids.begin(), ids.end());
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 10; ++i) tree.destroyProxy(ids[static_cast<size_t>(i)]);
    CHECK(tree.proxyCount() == 0);
    for (int i = 0; i < 10; ++i) {
      ids[static_cast<size_t>(i)] = tree.createProxy(cube({1.0 * i, 1.0 * round, 0}, 0.5), 0);
    }
    // 10 leaves + 9 internal nodes fit in the 19 slots the first build used.
    CHECK(*std::max_element(ids.begin(), ids.end()) <= std::max(maxId, 18));
    CHECK(tree.validate());
  }
}

TEST(dynamic_tree_move_keeps_id_and_user_data) {
  std::mt19937 rng(5);
  DynamicTree tree;
  std::vector<int32_t> ids;
  for (int i = 0; i < 200; ++i) {
    ids.push_back(tree.createProxy(randomBox(rng, 20.0, 1.0), static_cast<uint64_t>(1000 + i)));
  }
  int32_t mover = ids[17];
  AABB target = cube({500, 500, 500}, 1.0);
  tree.moveProxy(mover, target);
  CHECK(tree.validate());
  CHECK(tree.proxyCount() == 200);
  CHECK(tree.userData(mover) == 1017);
  CHECK(tree.fatAABB(mover).lower.x == 499.0);
  CHECK(queryIds(tree, cube({500, 500, 500}, 0.1)) == std::vector<int32_t>{mover});

  // Many small moves (the broadphase's common case) keep the tree valid and balanced.
  bool allValid = true;
  for (int step = 0; step < 50; ++step) {
    for (int32_t id : ids) {
      AABB b = tree.fatAABB(id);
      Vec3 shift{0.1, -0.05, 0.02};
      tree.moveProxy(id, {b.lower + shift, b.upper + shift});
    }
    allValid = allValid && tree.validate();
  }
  CHECK(allValid);
  CHECK(tree.height() <= heightBound(tree.proxyCount()));
}

TEST(dynamic_tree_is_deterministic) {
  auto build = [](DynamicTree& tree) {
    std::mt19937 rng(99);
    std::vector<int32_t> ids;
    for (int i = 0; i < 3000; ++i) ids.push_back(tree.createProxy(randomBox(rng, 40.0, 2.0), 0));
    for (int i = 0; i < 3000; i += 4) tree.destroyProxy(ids[static_cast<size_t>(i)]);
    for (int i = 1; i < 3000; i += 4) tree.moveProxy(ids[static_cast<size_t>(i)], randomBox(rng, 40.0, 2.0));
  };
  DynamicTree a, b;
  build(a);
  build(b);
  CHECK(a.height() == b.height());
  std::mt19937 rng(3);
  bool sameOrder = true;
  for (int q = 0; q < 100; ++q) {
    AABB box = randomBox(rng, 40.0, 8.0);
    sameOrder = sameOrder && queryIds(a, box) == queryIds(b, box);  // exact order, not just the set
  }
  CHECK(sameOrder);

  // clear() returns to the initial state: rebuilding gives the same tree again.
  a.clear();
  build(a);
  CHECK(a.validate());
  CHECK(queryIds(a, cube({20, 20, 20}, 30)) == queryIds(b, cube({20, 20, 20}, 30)));
}

TEST(dynamic_tree_rejects_bad_ids_and_boxes) {
  DynamicTree tree;
  int32_t a = tree.createProxy(cube({0, 0, 0}, 1), 0);
  int32_t b = tree.createProxy(cube({3, 0, 0}, 1), 0);
  int32_t internal = 3 - a - b;  // ids 0 and 1 are the leaves, 2 is their parent
  CHECK_THROWS(tree.destroyProxy(-1));
  CHECK_THROWS(tree.destroyProxy(1000));
  CHECK_THROWS(tree.destroyProxy(internal));
  CHECK_THROWS(tree.moveProxy(internal, cube({0, 0, 0}, 1)));
  tree.destroyProxy(a);
  CHECK_THROWS(tree.destroyProxy(a));  // already free
  CHECK_THROWS(tree.moveProxy(a, cube({0, 0, 0}, 1)));

  double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS(tree.createProxy(AABB{{nan, 0, 0}, {1, 1, 1}}, 0));
  CHECK_THROWS(tree.createProxy(AABB{{2, 0, 0}, {1, 1, 1}}, 0));  // lower > upper
  CHECK_THROWS(tree.moveProxy(b, AABB{{0, 0, 0}, {std::numeric_limits<double>::infinity(), 1, 1}}));
  CHECK(tree.validate());
  CHECK(tree.proxyCount() == 1);
  CHECK(tree.fatAABB(b).lower.x == 2.0);  // the rejected move left it untouched
}
