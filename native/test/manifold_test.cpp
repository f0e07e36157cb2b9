// Narrowphase tests: hull–hull face, edge and clipped-polygon manifolds, sphere pairs, feature ids,
// and robustness cases. Expected values come from the geometry of each setup, not from the code.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "check.h"
#include "clip_polygon.h"
#include "manifold.h"
#include "shape.h"

namespace {

using namespace msd;

constexpr double kPi = 3.14159265358979323846;
constexpr double kTol = 1e-9;

// ---- shapes (through makeHullShape, so the hull builder's real output is what gets tested) ----

Transform at(const Vec3& p, const Quat& q = Quat{}) { return Transform{p, q}; }
Quat about(const Vec3& axis, double angle) { return fromAxisAngle(normalizeOr(axis, Vec3{0, 0, 1}), angle); }

Shape box(double hx, double hy, double hz) {
  std::vector<Vec3> v;
  for (int i = 0; i < 8; ++i) v.push_back({(i & 1) ? hx : -hx, (i & 2) ? hy : -hy, (i & 4) ? hz : -hz});
  return makeHullShape(v);
}

Shape cube(double half = 0.5) { return box(half, half, half); }
Shape slab() { return box(50, 50, 0.5); }  // 100 × 100 × 1, top at z = 0 when placed at z = -0.5

Shape sphere(double r) { return makeSphereShape(r); }

// Icosahedron vertices subdivided `levels` times and projected onto the sphere: 2 levels give the
// 162-vertex icosphere.
Shape icosphere(double radius, int levels) {
  const double phi = 0.5 * (1.0 + std::sqrt(5.0));
  std::vector<Vec3> v;
  for (double a : {-1.0, 1.0}) {
    for (double b : {-phi, phi}) {
      v.push_back({0, a, b});
      v.push_back({a, b, 0});
      v.push_back({b, 0, a});
    }
  }
  // The 20 faces are the triples of mutually adjacent vertices (edge length 2).
  std::vector<std::array<uint32_t, 3>> faces;
  auto adjacent = [&](uint32_t i, uint32_t j) { return std::fabs(length(v[i] - v[j]) - 2) < 1e-9; };
  for (uint32_t i = 0; i < 12; ++i)
    for (uint32_t j = i + 1; j < 12; ++j)
      for (uint32_t k = j + 1; k < 12; ++k)
        if (adjacent(i, j) && adjacent(j, k) && adjacent(i, k)) faces.push_back({i, j, k});
  for (Vec3& p : v) p = p * (1.0 / length(p));
  for (int level = 0; level < levels; ++level) {
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> midpoints;
    auto midpoint = [&](uint32_t a, uint32_t b) {
      auto key = std::make_pair(std::min(a, b), std::max(a, b));
      auto it = midpoints.find(key);
      if (it != midpoints.end()) return it->second;
      Vec3 m = v[a] + v[b];
      v.push_back(m * (1.0 / length(m)));
      uint32_t index = static_cast<uint32_t>(v.size() - 1);
      midpoints[key] = index;
      return index;
    };
    std::vector<std::array<uint32_t, 3>> finer;
    for (const auto& f : faces) {
      uint32_t ab = midpoint(f[0], f[1]), bc = midpoint(f[1], f[2]), ca = midpoint(f[2], f[0]);
      finer.push_back({f[0], ab, ca});
      finer.push_back({f[1], bc, ab});
      finer.push_back({f[2], ca, bc});
      finer.push_back({ab, bc, ca});
    }
    faces = finer;
  }
  for (Vec3& p : v) p = p * radius;
  return makeHullShape(v);
}

// Regular tetrahedron with corners (s,s,s), (s,-s,-s), (-s,s,-s), (-s,-s,s): centroid at the origin,
// edges 2√2 s long, each face s/√3 from the centre; the edges at z = ±s run along (1,1,0) and (1,-1,0).
Shape tetrahedron(double size) {
  return makeHullShape({{size, size, size}, {size, -size, -size}, {-size, size, -size}, {-size, -size, size}});
}

// Square pyramid: base 2 × 2 at z = 0, apex at z = 1. Its centre of mass lies a quarter of the
// height up, so in its own frame the base is at z = -0.25 and the apex at z = 0.75.
Shape pyramid() { return makeHullShape({{-1, -1, 0}, {1, -1, 0}, {1, 1, 0}, {-1, 1, 0}, {0, 0, 1}}); }

// Deterministic pseudo-random numbers (xorshift), the same on every platform.
struct Random {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  double uniform(double lo, double hi) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return lo + (hi - lo) * static_cast<double>(state >> 11) * (1.0 / 9007199254740992.0);
  }
  Vec3 vec(double lo, double hi) { return {uniform(lo, hi), uniform(lo, hi), uniform(lo, hi)}; }
  Quat rotation() { return about(vec(-1, 1), uniform(0, 2 * kPi)); }
};

// A random convex polytope: a rotated, non-uniformly scaled copy of `s`.
Shape distorted(const Shape& s, Random& rng) {
  const Quat q = rng.rotation();
  const Vec3 scale = rng.vec(0.3, 1.5);
  std::vector<Vec3> v;
  for (const Vec3& p : s.hull.vertices) v.push_back(rotate(q, mulPerElement(scale, p)));
  return makeHullShape(v);
}

// The hull of a random point cloud in an ellipsoid: irregular faces of all sizes.
Shape randomCloud(Random& rng) {
  const std::size_t count = 4 + static_cast<std::size_t>(rng.uniform(0, 40));
  const Vec3 extent = rng.vec(0.2, 1.0);
  std::vector<Vec3> v;
  while (v.size() < count) {
    const Vec3 p = rng.vec(-1, 1);
    if (lengthSquared(p) <= 1) v.push_back(mulPerElement(extent, p));
  }
  return makeHullShape(v);
}

// ---- helpers ----


bool finite(const Manifold& m) {
  if (!isFinite(m.normal)) return false;
  for (int i = 0; i < m.pointCount; ++i)
    if (!isFinite(m.points[i].point) || !std::isfinite(m.points[i].separation)) return false;
  return true;
}

bool idsDistinct(const Manifold& m) {
  for (int i = 0; i < m.pointCount; ++i)
    for (int j = i + 1; j < m.pointCount; ++j)
      if (m.points[i].id == m.points[j].id) return false;
  return true;
}

int pointNear(const Manifold& m, const Vec3& p, double tol) {
  for (int i = 0; i < m.pointCount; ++i)
    if (length(m.points[i].point - p) <= tol) return i;
  return -1;
}

bool inside(const Shape& s, const Transform& x, const Vec3& worldPoint, double tol) {
  if (s.kind == ShapeKind::Sphere) return length(worldPoint - x.p) <= s.radius + tol;
  Vec3 p = applyInverse(x, worldPoint);
  for (const HullFace& f : s.hull.faces)
    if (dot(f.normal, p) - f.offset > tol) return false;
  return true;
}

// The single point collide() falls back to when a deep face contact clips away entirely.
bool isDeepestVertexFallback(uint32_t id) { return (id & 0x8000FFFFu) == 0xFFFFu; }

// Every contact point must sit midway between a point of A and a point of B that are `separation`
// apart along the normal. (The deepest-vertex fallback only guarantees the point on the incident hull.)
bool pointsOnSurfaces(const Manifold& m, const Shape& a, const Transform& xa, const Shape& b, const Transform& xb,
                      double tol) {
  for (int i = 0; i < m.pointCount; ++i) {
    Vec3 half = m.normal * (0.5 * m.points[i].separation);
    bool onA = inside(a, xa, m.points[i].point - half, tol);
    bool onB = inside(b, xb, m.points[i].point + half, tol);
    if (isDeepestVertexFallback(m.points[i].id) ? !(onA || onB) : !(onA && onB)) return false;
  }
  return true;
}

void checkFourBottomCorners(const Manifold& m, double z, double half) {
  CHECK(m.pointCount == 4);
  for (double x : {-half, half})
    for (double y : {-half, half}) CHECK(pointNear(m, Vec3{x, y, z}, 1e-9) >= 0);
}

// ---- polygon clipping and reduction ----

std::vector<ClipVertex> squarePolygon() {
  // Counter-clockwise square [-1, 1]², vertex k between incident edges k-1 and k.
  const Vec3 corners[4] = {{-1, -1, 0}, {1, -1, 0}, {1, 1, 0}, {-1, 1, 0}};
  std::vector<ClipVertex> out;
  for (std::size_t k = 0; k < 4; ++k) {
    ClipVertex v;
    v.p = corners[k];
    v.edgeIn = incidentEdgeCode((k + 3) % 4);
    v.edgeOut = incidentEdgeCode(k);
    out.push_back(v);
  }
  return out;
}

TEST(manifold_clip_tracks_the_features_of_new_vertices) {
  std::vector<ClipVertex> out;
  clipPolygon(squarePolygon(), {1, 0, 0}, 0.0, 1e-12, referenceSideCode(5), out);
  // Kept: (-1,-1) and (-1,1); new: where edge 0 (bottom) leaves and edge 2 (top) enters x <= 0.
  CHECK(out.size() == 4);
  bool leaving = false, entering = false, corner = false;
  for (const ClipVertex& v : out) {
    CHECK(v.p.x <= 1e-12);
    if (length(v.p - Vec3{0, -1, 0}) < 1e-12)
      leaving = v.edgeIn == incidentEdgeCode(0) && v.edgeOut == referenceSideCode(5);
    if (length(v.p - Vec3{0, 1, 0}) < 1e-12)
      entering = v.edgeIn == referenceSideCode(5) && v.edgeOut == incidentEdgeCode(2);
    if (length(v.p - Vec3{-1, -1, 0}) < 1e-12)
      corner = v.edgeIn == incidentEdgeCode(3) && v.edgeOut == incidentEdgeCode(0);
  }
  CHECK(leaving && entering && corner);

  // A plane through two corners keeps them as they are: no duplicate intersection points.
  clipPolygon(squarePolygon(), normalizeOr(Vec3{1, 1, 0}, Vec3{}), 0.0, 1e-12, referenceSideCode(0), out);
  CHECK(out.size() == 3);
}

TEST(manifold_reduction_keeps_deepest_then_widest) {
  // Regular octagon of radius 1; point 0 is the deepest.
  ContactCandidate c[8];
  for (int k = 0; k < 8; ++k) {
    const double angle = k * kPi / 4;
    c[k].point = {std::cos(angle), std::sin(angle), 0};
    c[k].separation = k == 0 ? -0.02 : -0.01;
    c[k].id = static_cast<uint32_t>(k);
  }
  int keep[4];
  const int n = reduceContactPolygon(c, 8, {0, 0, 1}, 1e-12, keep);
  CHECK(n == 4);
  bool kept[8] = {};
  for (int i = 0; i < n; ++i) kept[keep[i]] = true;
  // Deepest (0), farthest from it (4), then the two corners off that diameter (2 and 6): a square.
  CHECK(kept[0] && kept[4] && kept[2] && kept[6]);
  CHECK(keep[0] == 0);

  // Four points or fewer are kept as they are.
  CHECK(reduceContactPolygon(c, 3, {0, 0, 1}, 1e-12, keep) == 3);
}

// ---- hull–hull: face contacts ----

TEST(manifold_cube_touching_slab_gives_four_corners) {
  Shape c = cube(), s = slab();
  Transform xs = at({0, 0, -0.5}), xc = at({0, 0, 0.5});
  Manifold m = collide(s, xs, c, xc, 0.02);
  checkFourBottomCorners(m, 0.0, 0.5);
  CHECK_NEAR(m.normal.z, 1.0, kTol);
  for (int i = 0; i < m.pointCount; ++i) CHECK_NEAR(m.points[i].separation, 0.0, kTol);
  CHECK(idsDistinct(m));

  Manifold swapped = collide(c, xc, s, xs, 0.02);
  checkFourBottomCorners(swapped, 0.0, 0.5);
  CHECK_NEAR(swapped.normal.z, -1.0, kTol);
  for (int i = 0; i < swapped.pointCount; ++i) CHECK_NEAR(swapped.points[i].separation, 0.0, kTol);
  CHECK(idsDistinct(swapped));
}

TEST(manifold_equal_cubes_stacked_exactly) {
  // Every vertex of the incident face lies exactly on a side plane of the reference face.
  Shape c = cube();
  for (double gap : {0.0, -0.004}) {
    Manifold m = collide(c, at({0, 0, 0}), c, at({0, 0, 1 + gap}), 0.02);
    checkFourBottomCorners(m, 0.5 + 0.5 * gap, 0.5);
    CHECK_NEAR(m.normal.z, 1.0, kTol);
    for (int i = 0; i < m.pointCount; ++i) CHECK_NEAR(m.points[i].separation, gap, kTol);
    CHECK(idsDistinct(m));
  }
}

TEST(manifold_cube_sunk_one_cm_into_slab) {
  Shape c = cube(), s = slab();
  Transform xs = at({0, 0, -0.5}), xc = at({0, 0, 0.49});
  for (bool slabFirst : {true, false}) {
    Manifold m = slabFirst ? collide(s, xs, c, xc, 0.02) : collide(c, xc, s, xs, 0.02);
    checkFourBottomCorners(m, -0.005, 0.5);  // midway between the cube bottom (-0.01) and the slab top (0)
    CHECK_NEAR(m.normal.z, slabFirst ? 1.0 : -1.0, kTol);
    for (int i = 0; i < m.pointCount; ++i) CHECK_NEAR(m.points[i].separation, -0.01, kTol);
  }
}

TEST(manifold_cube_lifted_respects_speculative_distance) {
  Shape c = cube(), s = slab();
  Transform xs = at({0, 0, -0.5}), xc = at({0, 0, 0.55});
  CHECK(collide(s, xs, c, xc, 0.02).pointCount == 0);
  CHECK(collide(c, xc, s, xs, 0.02).pointCount == 0);
  Manifold m = collide(s, xs, c, xc, 0.1);
  checkFourBottomCorners(m, 0.025, 0.5);
  for (int i = 0; i < m.pointCount; ++i) CHECK_NEAR(m.points[i].separation, 0.05, kTol);
}

TEST(manifold_cube_on_its_edge_gives_two_points) {
  Shape c = cube(), s = slab();
  const double reach = std::sqrt(0.5);  // centre to edge of a unit cube turned 45 degrees
  Transform xs = at({0, 0, -0.5}), xc = at({0, 0, reach - 0.001}, about({0, 1, 0}, kPi / 4));
  Manifold m = collide(s, xs, c, xc, 0.02);
  CHECK(m.pointCount == 2);
  CHECK_NEAR(m.normal.z, 1.0, kTol);
  CHECK(pointNear(m, {0, -0.5, -0.0005}, 1e-9) >= 0);
  CHECK(pointNear(m, {0, 0.5, -0.0005}, 1e-9) >= 0);
  for (int i = 0; i < m.pointCount; ++i) CHECK_NEAR(m.points[i].separation, -0.001, kTol);
  CHECK(idsDistinct(m));
}

TEST(manifold_cube_on_its_corner_gives_one_point) {
  Shape c = cube(), s = slab();
  // Turn the corner direction (-1,-1,-1) onto -z.
  Vec3 corner = normalizeOr(Vec3{-1, -1, -1}, Vec3{});
  Quat q = about(cross(corner, Vec3{0, 0, -1}), std::acos(dot(corner, Vec3{0, 0, -1})));
  const double reach = std::sqrt(0.75);
  Transform xs = at({0, 0, -0.5}), xc = at({0, 0, reach - 0.001}, q);
  Manifold m = collide(s, xs, c, xc, 0.02);
  CHECK(m.pointCount == 1);
  CHECK_NEAR(m.normal.z, 1.0, kTol);
  CHECK(pointNear(m, {0, 0, -0.0005}, 1e-9) >= 0);
  if (m.pointCount == 1) CHECK_NEAR(m.points[0].separation, -0.001, kTol);
}

TEST(manifold_rotated_cube_on_cube_reduces_octagon_to_four) {
  Shape c = cube();
  Transform xa = at({0, 0, 0}), xb = at({0, 0, 0.99}, about({0, 0, 1}, kPi / 6));
  Manifold m = collide(c, xa, c, xb, 0.02);
  CHECK(m.pointCount == 4);
  CHECK_NEAR(m.normal.z, 1.0, kTol);
  CHECK(idsDistinct(m));
  for (int i = 0; i < m.pointCount; ++i) {
    const Vec3& p = m.points[i].point;
    CHECK_NEAR(m.points[i].separation, -0.01, kTol);
    CHECK_NEAR(p.z, 0.495, kTol);
    CHECK(std::fabs(p.x) <= 0.5 + kTol && std::fabs(p.y) <= 0.5 + kTol);  // inside A's top face
    Vec3 inB = applyInverse(xb, p);
    CHECK(std::fabs(inB.x) <= 0.5 + kTol && std::fabs(inB.y) <= 0.5 + kTol);  // inside B's bottom face
  }
  // The octagon has area 1 - 4 * (0.5 * 0.3660 * 0.2113) = 0.845; four of its corners should keep
  // most of it (the best choice keeps about 0.69).
  if (m.pointCount == 4) {
    // Area of the convex quadrilateral: the largest of the three ways to pair its diagonals.
    const Vec3 p[4] = {m.points[0].point, m.points[1].point, m.points[2].point, m.points[3].point};
    auto quadArea = [&](int i, int j, int k, int l) {
      return 0.5 * std::fabs(cross(p[k] - p[i], p[l] - p[j]).z);
    };
    double area = std::max({quadArea(0, 1, 2, 3), quadArea(0, 2, 1, 3), quadArea(0, 1, 3, 2)});
    CHECK(area > 0.6);
  }
}

TEST(manifold_half_metre_cube_on_hundred_metre_slab) {
  Shape c = cube(0.25), s = slab();
  Transform xs = at({3, -7, -0.5}), xc = at({1, 2, 0.25});
  Manifold m = collide(c, xc, s, xs, 0.02);
  CHECK(m.pointCount == 4);
  CHECK_NEAR(m.normal.z, -1.0, kTol);
  for (double x : {0.75, 1.25})
    for (double y : {1.75, 2.25}) CHECK(pointNear(m, {x, y, 0}, 1e-9) >= 0);
  for (int i = 0; i < m.pointCount; ++i) CHECK_NEAR(m.points[i].separation, 0.0, kTol);
}

TEST(manifold_deep_penetration_pushes_out_through_the_top) {
  Shape c = cube(), s = slab();
  Transform xs = at({0, 0, -0.5}), xc = at({0, 0, -0.4});  // cube bottom 0.9 below the slab top
  Manifold m = collide(s, xs, c, xc, 0.02);
  CHECK(finite(m));
  CHECK_NEAR(m.normal.z, 1.0, kTol);
  checkFourBottomCorners(m, -0.45, 0.5);
  for (int i = 0; i < m.pointCount; ++i) CHECK_NEAR(m.points[i].separation, -0.9, kTol);
}

TEST(manifold_tiny_rotation_keeps_full_face) {
  Shape c = cube(), s = slab();
  for (const Vec3& axis : {Vec3{1, 0, 0}, Vec3{0, 1, 0}, Vec3{1, 1, 0}, Vec3{0, 0, 1}}) {
    Transform xs = at({0, 0, -0.5}), xc = at({0, 0, 0.5}, about(axis, 1e-7));
    for (bool slabFirst : {true, false}) {
      Manifold m = slabFirst ? collide(s, xs, c, xc, 0.02) : collide(c, xc, s, xs, 0.02);
      CHECK(finite(m));
      CHECK(m.pointCount == 4);
      for (int i = 0; i < m.pointCount; ++i) CHECK(std::fabs(m.points[i].separation) <= 1e-7);
      CHECK(pointsOnSurfaces(m, s, xs, c, xc, 1e-9) || !slabFirst);
      CHECK(pointsOnSurfaces(m, c, xc, s, xs, 1e-9) || slabFirst);
    }
  }
}

TEST(manifold_pyramid_on_its_base_and_on_its_apex) {
  Shape py = pyramid(), s = slab();
  Transform xs = at({0, 0, -0.5});
  {  // base (z = -0.25 in the pyramid's frame) 1 mm into the slab
    Manifold m = collide(s, xs, py, at({0, 0, 0.25 - 0.001}), 0.02);
    checkFourBottomCorners(m, -0.0005, 1.0);
    CHECK_NEAR(m.normal.z, 1.0, kTol);
    for (int i = 0; i < m.pointCount; ++i) CHECK_NEAR(m.points[i].separation, -0.001, kTol);
    CHECK(idsDistinct(m));
  }
  {  // upside down: the apex (z = 0.75) 2 mm into the slab
    Transform xp = at({0, 0, 0.75 - 0.002}, about({1, 0, 0}, kPi));
    for (bool slabFirst : {true, false}) {
      Manifold m = slabFirst ? collide(s, xs, py, xp, 0.02) : collide(py, xp, s, xs, 0.02);
      CHECK(m.pointCount == 1);
      CHECK_NEAR(m.normal.z, slabFirst ? 1.0 : -1.0, kTol);
      CHECK(pointNear(m, {0, 0, -0.001}, 1e-9) >= 0);
      if (m.pointCount == 1) CHECK_NEAR(m.points[0].separation, -0.002, kTol);
    }
  }
}

TEST(manifold_tetrahedron_on_its_face_gives_triangle) {
  const double size = 0.5;
  Shape t = tetrahedron(size), s = slab();
  // Turn the face opposite (s,s,s), outward normal -(1,1,1)/√3, to face down.
  const Vec3 faceNormal = normalizeOr(Vec3{-1, -1, -1}, Vec3{});
  const Vec3 down{0, 0, -1};
  Quat q = about(cross(faceNormal, down), std::acos(dot(faceNormal, down)));
  Transform xt = at({0.3, 0.2, size / std::sqrt(3.0) - 0.001}, q);
  Manifold m = collide(s, at({0, 0, -0.5}), t, xt, 0.02);
  CHECK(m.pointCount == 3);
  CHECK_NEAR(m.normal.z, 1.0, kTol);
  CHECK(idsDistinct(m));
  for (int i = 0; i < m.pointCount; ++i) {
    CHECK_NEAR(m.points[i].separation, -0.001, kTol);
    CHECK_NEAR(m.points[i].point.z, -0.0005, kTol);
    for (int j = i + 1; j < m.pointCount; ++j)
      CHECK_NEAR(length(m.points[i].point - m.points[j].point), 2 * std::sqrt(2.0) * size, 1e-9);
  }
}

// ---- hull–hull: edge contacts ----

TEST(manifold_crossing_edges_give_one_edge_point) {
  Shape c = cube();
  const double reach = std::sqrt(0.5);
  // A's top edge runs along y at height reach; B's bottom edge runs along x, 1 cm lower.
  Transform xa = at({0, 0, 0}, about({0, 1, 0}, kPi / 4));
  Transform xb = at({0, 0, 2 * reach - 0.01}, about({1, 0, 0}, kPi / 4));
  Manifold m = collide(c, xa, c, xb, 0.02);
  CHECK(m.pointCount == 1);
  CHECK_NEAR(m.normal.z, 1.0, kTol);  // along y × x, pointing from A to B
  CHECK(pointNear(m, {0, 0, reach - 0.005}, 1e-9) >= 0);
  if (m.pointCount == 1) {
    CHECK_NEAR(m.points[0].separation, -0.01, kTol);
    CHECK((m.points[0].id & 0x80000000u) != 0);
  }
  Manifold swapped = collide(c, xb, c, xa, 0.02);
  CHECK(swapped.pointCount == 1);
  CHECK_NEAR(swapped.normal.z, -1.0, kTol);
  CHECK(pointNear(swapped, {0, 0, reach - 0.005}, 1e-9) >= 0);
}

TEST(manifold_separated_crossing_edges_are_speculative) {
  Shape c = cube();
  const double reach = std::sqrt(0.5);
  Transform xa = at({0, 0, 0}, about({0, 1, 0}, kPi / 4));
  Transform xb = at({0, 0, 2 * reach + 0.01}, about({1, 0, 0}, kPi / 4));
  CHECK(collide(c, xa, c, xb, 0.005).pointCount == 0);
  Manifold m = collide(c, xa, c, xb, 0.02);
  CHECK(m.pointCount == 1);
  CHECK_NEAR(m.normal.z, 1.0, kTol);
  if (m.pointCount == 1) CHECK_NEAR(m.points[0].separation, 0.01, kTol);
}

TEST(manifold_tetrahedra_crossing_edges) {
  const double size = 0.5;
  Shape t = tetrahedron(size);
  // A's top edge runs along (1,1,0) at z = s, B's bottom edge along (1,-1,0), 1 cm lower.
  Transform xa = at({0, 0, 0}), xb = at({0, 0, 2 * size - 0.01});
  Manifold m = collide(t, xa, t, xb, 0.02);
  CHECK(m.pointCount == 1);
  CHECK_NEAR(m.normal.z, 1.0, kTol);
  CHECK(pointNear(m, {0, 0, size - 0.005}, 1e-9) >= 0);
  if (m.pointCount == 1) {
    CHECK_NEAR(m.points[0].separation, -0.01, kTol);
    CHECK((m.points[0].id & 0x80000000u) != 0);
  }
}

// ---- feature ids ----

// Each point of `before` has a point of `after` within `tol` carrying the same id.
bool sameIdsForSameCorners(const Manifold& before, const Manifold& after, double tol) {
  if (before.pointCount != after.pointCount) return false;
  for (int i = 0; i < before.pointCount; ++i) {
    int j = pointNear(after, before.points[i].point, tol);
    if (j < 0 || after.points[j].id != before.points[i].id) return false;
  }
  return true;
}

TEST(manifold_ids_stable_under_small_motion) {
  Shape c = cube(), s = slab();
  const Vec3 nudge{1e-4, -1e-4, 1e-4};
  const Transform xs = at({0, 0, -0.5});
  struct Case {
    const Shape* a;
    Transform xa;
    const Shape* b;
    Transform xb;
  };
  const double reach = std::sqrt(0.5);
  const Case cases[] = {
      {&s, xs, &c, at({0, 0, 0.49})},
      {&c, at({0, 0, 0.49}), &s, xs},
      {&s, xs, &c, at({0, 0, reach - 0.001}, about({0, 1, 0}, kPi / 4))},
      {&c, at({0, 0, 0}), &c, at({0, 0, 0.99}, about({0, 0, 1}, kPi / 6))},
      {&c, at({0, 0, 0}, about({0, 1, 0}, kPi / 4)), &c, at({0, 0, 2 * reach - 0.01}, about({1, 0, 0}, kPi / 4))},
  };
  for (const Case& k : cases) {
    Manifold before = collide(*k.a, k.xa, *k.b, k.xb, 0.02);
    Transform moved = k.xb;
    moved.p += nudge;
    Manifold after = collide(*k.a, k.xa, *k.b, moved, 0.02);
    CHECK(before.pointCount > 0);
    CHECK(idsDistinct(before));
    CHECK(sameIdsForSameCorners(before, after, 1e-3));
  }
}

TEST(manifold_ids_differ_between_face_and_edge_contacts) {
  Shape c = cube();
  const double reach = std::sqrt(0.5);
  Manifold edge = collide(c, at({0, 0, 0}, about({0, 1, 0}, kPi / 4)), c,
                          at({0, 0, 2 * reach - 0.01}, about({1, 0, 0}, kPi / 4)), 0.02);
  Manifold face = collide(c, at({0, 0, 0}), c, at({0, 0, 0.99}), 0.02);
  CHECK(edge.pointCount == 1 && face.pointCount == 4);
  for (int i = 0; i < face.pointCount; ++i) CHECK(face.points[i].id != edge.points[0].id);
}

// ---- spheres ----

TEST(manifold_sphere_on_slab) {
  Shape b = sphere(0.5), s = slab();
  Transform xs = at({0, 0, -0.5});
  for (double z : {0.52, 0.45}) {
    Transform xb = at({2, 3, z});
    const double separation = z - 0.5 - 0.0;  // centre height - radius - slab top
    Manifold m = collide(s, xs, b, xb, 0.05);
    CHECK(m.pointCount == 1);
    CHECK_NEAR(m.normal.z, 1.0, kTol);
    CHECK(pointNear(m, {2, 3, 0.5 * separation}, 1e-9) >= 0);
    if (m.pointCount == 1) CHECK_NEAR(m.points[0].separation, separation, kTol);
    Manifold swapped = collide(b, xb, s, xs, 0.05);
    CHECK(swapped.pointCount == 1);
    CHECK_NEAR(swapped.normal.z, -1.0, kTol);
    CHECK(pointNear(swapped, {2, 3, 0.5 * separation}, 1e-9) >= 0);
  }
  CHECK(collide(s, xs, b, at({0, 0, 0.6}), 0.05).pointCount == 0);
}

TEST(manifold_sphere_near_cube_edge_and_corner) {
  Shape c = cube(), b = sphere(0.25);
  Transform xc = at({0, 0, 0});
  {  // beyond the edge x = z = 0.5
    Manifold m = collide(c, xc, b, at({0.6, 0.3, 0.6}), 0.02);
    const Vec3 n = normalizeOr(Vec3{1, 0, 1}, Vec3{});
    const double separation = 0.1 * std::sqrt(2.0) - 0.25;
    CHECK(m.pointCount == 1);
    CHECK_NEAR(length(m.normal - n), 0.0, kTol);
    Vec3 onCube{0.5, 0.3, 0.5};
    CHECK(pointNear(m, onCube + n * (0.5 * separation), 1e-9) >= 0);
    if (m.pointCount == 1) CHECK_NEAR(m.points[0].separation, separation, kTol);
  }
  {  // beyond the corner (0.5, 0.5, 0.5), sphere first
    Manifold m = collide(b, at({0.6, 0.6, 0.6}), c, xc, 0.02);
    const Vec3 n = normalizeOr(Vec3{1, 1, 1}, Vec3{});
    const double separation = 0.1 * std::sqrt(3.0) - 0.25;
    CHECK(m.pointCount == 1);
    CHECK_NEAR(length(m.normal + n), 0.0, kTol);  // from the sphere towards the cube
    CHECK(pointNear(m, Vec3{0.5, 0.5, 0.5} + n * (0.5 * separation), 1e-9) >= 0);
    if (m.pointCount == 1) CHECK_NEAR(m.points[0].separation, separation, kTol);
  }
}

TEST(manifold_sphere_inside_cube) {
  Shape c = cube(), b = sphere(0.1);
  Manifold m = collide(c, at({0, 0, 0}), b, at({0.3, 0.1, 0}), 0.02);
  CHECK(m.pointCount == 1);
  CHECK_NEAR(m.normal.x, 1.0, kTol);  // out through the nearest face, +x
  CHECK(pointNear(m, {0.35, 0.1, 0}, 1e-9) >= 0);  // midway between x = 0.5 and the sphere's x = 0.2
  if (m.pointCount == 1) CHECK_NEAR(m.points[0].separation, -0.3, kTol);
}

TEST(manifold_sphere_sphere) {
  Shape a = sphere(0.5), b = sphere(0.25);
  Manifold m = collide(a, at({1, 0, 0}), b, at({1, 0.7, 0}), 0.02);
  CHECK(m.pointCount == 1);
  CHECK_NEAR(m.normal.y, 1.0, kTol);
  CHECK(pointNear(m, {1, 0.475, 0}, 1e-9) >= 0);  // midway between y = 0.5 and y = 0.45
  if (m.pointCount == 1) CHECK_NEAR(m.points[0].separation, -0.05, kTol);
  CHECK(collide(a, at({1, 0, 0}), b, at({1, 0.8, 0}), 0.02).pointCount == 0);

  Manifold same = collide(a, at({1, 2, 3}), b, at({1, 2, 3}), 0.02);
  CHECK(same.pointCount == 1);
  CHECK(finite(same));
  CHECK_NEAR(same.normal.z, 1.0, kTol);
  if (same.pointCount == 1) CHECK_NEAR(same.points[0].separation, -0.75, kTol);
}

// ---- robustness ----

TEST(manifold_coincident_shapes_do_not_produce_nan) {
  Shape c = cube(), b = sphere(0.5), ico = icosphere(0.5, 2);
  Transform x = at({0.3, -0.2, 0.1}, about({1, 2, 3}, 0.7));
  const Shape* shapes[] = {&c, &b, &ico};
  for (const Shape* s1 : shapes) {
    for (const Shape* s2 : shapes) {
      Manifold m = collide(*s1, x, *s2, x, 0.02);
      CHECK(finite(m));
      CHECK(m.pointCount >= 1);
      CHECK(std::fabs(length(m.normal) - 1.0) < 1e-12);
      for (int i = 0; i < m.pointCount; ++i) CHECK(m.points[i].separation < 0);
    }
  }
}

TEST(manifold_extreme_sizes_and_placements_stay_finite) {
  Random rng;
  rng.state = 0xDEADBEEFCAFEF00Dull;
  const Shape shapes[] = {cube(1e-3), box(1e3, 1e3, 1), sphere(1e-3), sphere(50), icosphere(0.5, 2), tetrahedron(0.01)};
  for (int i = 0; i < 400; ++i) {
    const Shape& a = shapes[i % 6];
    const Shape& b = shapes[(i / 6) % 6];
    const double reach = a.boundingRadius + b.boundingRadius;
    Transform xa = at(rng.vec(-1e3, 1e3), rng.rotation());
    // On top of each other, touching-ish, or exactly coincident.
    Vec3 offset = (i % 3 == 0) ? Vec3{} : rng.vec(-1, 1) * (reach * rng.uniform(0, 1.2));
    Transform xb = at(xa.p + offset, (i % 5 == 0) ? xa.q : rng.rotation());
    Manifold m = collide(a, xa, b, xb, 0.01);
    CHECK(finite(m));
    CHECK(m.pointCount >= 0 && m.pointCount <= 4);
    CHECK(std::fabs(length(m.normal) - 1.0) < 1e-12);
    CHECK(idsDistinct(m));
    if (i % 3 == 0) CHECK(m.pointCount >= 1);  // coincident centres always overlap
  }
}

TEST(manifold_icosphere_resting_on_cube) {
  Shape ico = icosphere(0.5, 2), c = cube();
  CHECK(ico.hull.vertices.size() == 162);
  // Subdivision puts a vertex at (0, 0, -r): the sphere touches the cube top with that single vertex.
  Transform xc = at({0, 0, 0}), xi = at({0, 0, 0.5 + 0.5 - 0.001});
  for (bool cubeFirst : {true, false}) {
    Manifold m = cubeFirst ? collide(c, xc, ico, xi, 0.01) : collide(ico, xi, c, xc, 0.01);
    CHECK(m.pointCount == 1);
    CHECK_NEAR(m.normal.z, cubeFirst ? 1.0 : -1.0, kTol);
    CHECK(pointNear(m, {0, 0, 0.4995}, 1e-9) >= 0);
    if (m.pointCount == 1) CHECK_NEAR(m.points[0].separation, -0.001, kTol);
  }
}

TEST(manifold_icosphere_against_tumbling_cube_stays_consistent) {
  Shape ico = icosphere(0.5, 2), c = cube(0.4);
  int touching = 0;
  for (int i = 0; i < 200; ++i) {
    double t = 0.05 * i;
    Transform xi = at({0, 0, 0}, about({0.3, 1, 0.2}, 0.37 * t));
    Transform xc = at({0.85 * std::cos(t), 0.85 * std::sin(1.3 * t), 0.3 * std::sin(0.7 * t)},
                      about({std::sin(t), 1, std::cos(t)}, t));
    for (bool icoFirst : {true, false}) {
      Manifold m = icoFirst ? collide(ico, xi, c, xc, 0.02) : collide(c, xc, ico, xi, 0.02);
      CHECK(finite(m));
      CHECK(m.pointCount <= 4);
      CHECK(idsDistinct(m));
      CHECK(std::fabs(length(m.normal) - 1.0) < 1e-12);
      for (int k = 0; k < m.pointCount; ++k) CHECK(m.points[k].separation < 0.02);
      CHECK(icoFirst ? pointsOnSurfaces(m, ico, xi, c, xc, 1e-9) : pointsOnSurfaces(m, c, xc, ico, xi, 1e-9));
      if (m.pointCount > 0) ++touching;
    }
  }
  CHECK(touching > 50);
}

// ---- randomised checks against a brute-force separating axis test ----

// Largest separation of the two hulls over every face normal and every edge-pair direction, from
// support points (no Gauss-map pruning): the exact signed distance when they overlap, and > 0 exactly
// when they are apart.
double bruteForceSeparation(const Shape& a, const Transform& xa, const Shape& b, const Transform& xb) {
  std::vector<Vec3> va, vb, axes;
  for (const Vec3& p : a.hull.vertices) va.push_back(apply(xa, p));
  for (const Vec3& p : b.hull.vertices) vb.push_back(apply(xb, p));
  for (const HullFace& f : a.hull.faces) axes.push_back(rotate(xa.q, f.normal));
  for (const HullFace& f : b.hull.faces) axes.push_back(rotate(xb.q, f.normal));
  for (const HullEdge& ea : a.hull.edges) {
    for (const HullEdge& eb : b.hull.edges) {
      Vec3 c = cross(va[ea.v1] - va[ea.v0], vb[eb.v1] - vb[eb.v0]);
      if (length(c) > 1e-9) axes.push_back(c * (1.0 / length(c)));
    }
  }
  double best = -1e300;
  for (const Vec3& axis : axes) {
    double minA = 1e300, maxA = -1e300, minB = 1e300, maxB = -1e300;
    for (const Vec3& p : va) minA = std::min(minA, dot(axis, p)), maxA = std::max(maxA, dot(axis, p));
    for (const Vec3& p : vb) minB = std::min(minB, dot(axis, p)), maxB = std::max(maxB, dot(axis, p));
    best = std::max(best, std::max(minB - maxA, minA - maxB));
  }
  return best;
}

double deepest(const Manifold& m) {
  double d = 1e300;
  for (int i = 0; i < m.pointCount; ++i) d = std::min(d, m.points[i].separation);
  return d;
}

// Checks one pair both ways round against the brute-force test; returns whether it touched.
bool checkPairAgainstBruteForce(const Shape& a, const Transform& xa, const Shape& b, const Transform& xb) {
  const double exact = bruteForceSeparation(a, xa, b, xb);
  for (bool swap : {false, true}) {
    const Shape& s1 = swap ? b : a;
    const Shape& s2 = swap ? a : b;
    const Transform& x1 = swap ? xb : xa;
    const Transform& x2 = swap ? xa : xb;
    Manifold m = collide(s1, x1, s2, x2, 0.0);
    CHECK(finite(m));
    CHECK(m.pointCount <= 4);
    CHECK(idsDistinct(m));
    CHECK(std::fabs(length(m.normal) - 1.0) < 1e-12);
    CHECK(pointsOnSurfaces(m, s1, x1, s2, x2, 1e-9));
    if (exact > 1e-9) CHECK(m.pointCount == 0);
    if (exact < -1e-9) {
      CHECK(m.pointCount >= 1);
      // Points are no deeper than the chosen axis, and the chosen axis trails the best one by at most
      // the hysteresis: 10 % (edge over face) and 2 % (face B over face A) of itself plus 2 × 2.5 mm.
      if (m.pointCount >= 1) CHECK(deepest(m) + 0.125 * std::fabs(deepest(m)) + 0.005 + 1e-9 >= exact);
    }
  }
  return exact < -1e-9;
}

TEST(manifold_random_polytopes_agree_with_brute_force_sat) {
  Random rng;
  const Shape bases[] = {cube(), icosphere(0.5, 0), icosphere(0.5, 1), tetrahedron(0.4), pyramid(), box(0.6, 0.2, 0.1)};
  int touching = 0, pairs = 0;
  for (int i = 0; i < 300; ++i) {
    Shape a = distorted(bases[i % 6], rng), b = distorted(bases[(i / 6) % 6], rng);
    Transform xa = at(rng.vec(-0.5, 0.5), rng.rotation());
    Transform xb = at(xa.p + rng.vec(-1.2, 1.2), rng.rotation());
    touching += checkPairAgainstBruteForce(a, xa, b, xb) ? 1 : 0;
    ++pairs;
  }
  CHECK(touching > pairs / 5);
  CHECK(touching < pairs);
}

// The narrowphase cache (SatCache) across small motions: pairs drift by sub-millimetre steps, with
// a jump now and then, and every call that reuses the cache must still agree with the brute-force
// test (no contact missed when it says separated, bounded depth when it keeps a face).
TEST(manifold_cached_axis_search_agrees_with_brute_force_under_small_motions) {
  Random rng;
  rng.state = 0x0DDBA11CAFEF00Dull;
  const Shape bases[] = {cube(), icosphere(0.5, 1), pyramid(), box(0.6, 0.2, 0.1)};
  int reusedCalls = 0, calls = 0, touching = 0;
  for (int pair = 0; pair < 40; ++pair) {
    const Shape& a = bases[pair % 4];
    Shape b = distorted(bases[(pair / 4) % 4], rng);
    Transform xa = at(rng.vec(-0.5, 0.5), rng.rotation());
    Transform xb = at(xa.p + rng.vec(-1.0, 1.0), rng.rotation());
    SatCache cache;
    for (int step = 0; step < 60; ++step) {
      const bool jump = step % 20 == 19;
      xb.p += rng.vec(-1, 1) * (jump ? 0.05 : 0.0004);
      xb.q = normalize(about(rng.vec(-1, 1), jump ? 0.05 : 0.0003) * xb.q);
      const SatCache before = cache;
      const Manifold m = collide(a, xa, b, xb, 0.0, &cache);
      const double exact = bruteForceSeparation(a, xa, b, xb);
      ++calls;
      // The search ran again exactly when it had to write a new pose into the cache.
      const bool reused = before.kind != SatCache::Kind::None && before.relative.p.x == cache.relative.p.x &&
                          before.relative.p.y == cache.relative.p.y && before.relative.p.z == cache.relative.p.z;
      reusedCalls += reused ? 1 : 0;
      CHECK(finite(m));
      CHECK(idsDistinct(m));
      CHECK(pointsOnSurfaces(m, a, xa, b, xb, 1e-9));
      if (exact > 1e-9) CHECK(m.pointCount == 0);
      if (exact < -1e-9) {
        ++touching;
        CHECK(m.pointCount >= 1);
        // As for the full search, plus the reuse distance (half the 2.5 mm slop).
        if (m.pointCount >= 1) CHECK(deepest(m) + 0.125 * std::fabs(deepest(m)) + 0.00625 + 1e-9 >= exact);
      }
    }
  }
  CHECK(reusedCalls > calls / 3);  // the cache does get used
  CHECK(touching > calls / 10);
  CHECK(touching < calls);
}

TEST(manifold_random_point_cloud_hulls_agree_with_brute_force_sat) {
  Random rng;
  rng.state = 0x1234567887654321ull;
  int touching = 0, pairs = 0;
  for (int i = 0; i < 200; ++i) {
    Shape a = randomCloud(rng), b = randomCloud(rng);
    Transform xa = at(rng.vec(-0.5, 0.5), rng.rotation());
    Transform xb = at(xa.p + rng.vec(-1.0, 1.0), rng.rotation());
    touching += checkPairAgainstBruteForce(a, xa, b, xb) ? 1 : 0;
    ++pairs;
  }
  CHECK(touching > pairs / 5);
  CHECK(touching < pairs);
}

}  // namespace
