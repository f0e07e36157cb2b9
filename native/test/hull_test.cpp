// Tests for the convex hull builder, polyhedral mass properties and shapes: known solids, error
// messages, analytic mass properties, and a deterministic fuzz over degenerate point sets.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "check.h"
#include "error.h"
#include "hull.h"
#include "mass_properties.h"
#include "shape.h"

using namespace msd;

namespace {

constexpr double kPi = 3.14159265358979323846;

// ---------------------------------------------------------------------------------------------
// Point sets

std::vector<Vec3> boxCorners(const Vec3& half, const Vec3& center = {}) {
  std::vector<Vec3> out;
  for (int i = 0; i < 8; ++i) {
    out.push_back(center + Vec3{(i & 1) ? half.x : -half.x, (i & 2) ? half.y : -half.y,
                                (i & 4) ? half.z : -half.z});
  }
  return out;
}

// The unit cube [0,1]^3 as 12 triangles, 36 vertices (a typical mesh export).
std::vector<Vec3> cubeTriangleSoup() {
  const std::vector<Vec3> c = boxCorners({0.5, 0.5, 0.5}, {0.5, 0.5, 0.5});
  const int quads[6][4] = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
  std::vector<Vec3> out;
  for (const auto& q : quads) {
    for (int k : {0, 1, 2, 0, 2, 3}) out.push_back(c[q[k]]);
  }
  return out;
}

// Every point of an (n+1)^3 lattice on the surface of [-1,1]^3: corners, edge points, face points.
std::vector<Vec3> cubeSurfaceGrid(int n) {
  std::vector<Vec3> out;
  for (int i = 0; i <= n; ++i) {
    for (int j = 0; j <= n; ++j) {
      for (int k = 0; k <= n; ++k) {
        if (i != 0 && i != n && j != 0 && j != n && k != 0 && k != n) continue;
        out.push_back({-1.0 + 2.0 * i / n, -1.0 + 2.0 * j / n, -1.0 + 2.0 * k / n});
      }
    }
  }
  return out;
}

// Subdivided icosahedron on the unit sphere, unique vertices (12, 42, 162, ... for level 0, 1, 2).
std::vector<Vec3> icosphere(int level) {
  const double t = (1.0 + std::sqrt(5.0)) / 2.0;
  std::vector<Vec3> v = {{-1, t, 0}, {1, t, 0}, {-1, -t, 0}, {1, -t, 0}, {0, -1, t}, {0, 1, t},
                         {0, -1, -t}, {0, 1, -t}, {t, 0, -1}, {t, 0, 1}, {-t, 0, -1}, {-t, 0, 1}};
  for (Vec3& p : v) p = p * (1.0 / length(p));
  std::vector<std::array<int, 3>> faces = {{0, 11, 5}, {0, 5, 1},  {0, 1, 7},   {0, 7, 10}, {0, 10, 11},
                                           {1, 5, 9},  {5, 11, 4}, {11, 10, 2}, {10, 7, 6}, {7, 1, 8},
                                           {3, 9, 4},  {3, 4, 2},  {3, 2, 6},   {3, 6, 8},  {3, 8, 9},
                                           {4, 9, 5},  {2, 4, 11}, {6, 2, 10},  {8, 6, 7},  {9, 8, 1}};
  for (int l = 0; l < level; ++l) {
    std::map<std::pair<int, int>, int> midpoints;
    auto midpoint = [&](int a, int b) {
      const std::pair<int, int> key{std::min(a, b), std::max(a, b)};
      auto it = midpoints.find(key);
      if (it != midpoints.end()) return it->second;
      const Vec3 m = v[a] + v[b];
      v.push_back(m * (1.0 / length(m)));
      const int index = static_cast<int>(v.size()) - 1;
      midpoints[key] = index;
      return index;
    };
    std::vector<std::array<int, 3>> next;
    for (const auto& f : faces) {
      const int a = midpoint(f[0], f[1]), b = midpoint(f[1], f[2]), c = midpoint(f[2], f[0]);
      next.push_back({f[0], a, c});
      next.push_back({f[1], b, a});
      next.push_back({f[2], c, b});
      next.push_back({a, b, c});
    }
    faces = next;
  }
  return v;
}

Quat randomRotation(std::mt19937& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  return normalize(Quat{normal(rng), normal(rng), normal(rng), normal(rng)});
}

Vec3 randomUnit(std::mt19937& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  for (;;) {
    const Vec3 v{normal(rng), normal(rng), normal(rng)};
    const double len = length(v);
    if (len > 1e-6) return v * (1.0 / len);
  }
}

std::vector<Vec3> rotated(const std::vector<Vec3>& points, const Quat& q) {
  std::vector<Vec3> out;
  for (const Vec3& p : points) out.push_back(rotate(q, p));
  return out;
}

std::string errorOf(const std::vector<Vec3>& points, const HullOptions& options = {}) {
  try {
    buildHull(points, options);
  } catch (const EngineError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

bool sameVec(const Vec3& a, const Vec3& b) { return a.x == b.x && a.y == b.y && a.z == b.z; }

bool lessVec(const Vec3& a, const Vec3& b) {
  if (a.x != b.x) return a.x < b.x;
  if (a.y != b.y) return a.y < b.y;
  return a.z < b.z;
}

// ---------------------------------------------------------------------------------------------
// The validity check: returns "" for a valid hull of `input`, else what is wrong.

std::string validateHull(const Hull& h, const std::vector<Vec3>& input, double tol) {
  const size_t V = h.vertices.size(), F = h.faces.size(), E = h.edges.size();
  if (V < 4 || F < 4 || E < 6) return "too few vertices, faces or edges";
  for (const Vec3& v : h.vertices) {
    if (!isFinite(v)) return "vertex is not finite";
  }
  std::vector<Vec3> sortedInput = input;
  std::sort(sortedInput.begin(), sortedInput.end(), lessVec);
  std::vector<Vec3> sortedVertices = h.vertices;
  std::sort(sortedVertices.begin(), sortedVertices.end(), lessVec);
  for (size_t i = 0; i < V; ++i) {
    if (i > 0 && sameVec(sortedVertices[i], sortedVertices[i - 1])) return "duplicate vertex";
    if (!std::binary_search(sortedInput.begin(), sortedInput.end(), sortedVertices[i], lessVec)) {
      return "vertex is not an input point";
    }
  }

  std::vector<int> used(V, 0);
  std::map<std::pair<uint32_t, uint32_t>, std::vector<std::pair<uint32_t, bool>>> halfEdges;
  for (size_t f = 0; f < F; ++f) {
    const HullFace& face = h.faces[f];
    const size_t m = face.vertices.size();
    if (m < 3) return "face with fewer than 3 vertices";
    if (!isFinite(face.normal) || !std::isfinite(face.offset)) return "face plane is not finite";
    if (std::fabs(length(face.normal) - 1.0) > 1e-9) return "face normal is not unit";
    Vec3 newell;
    for (size_t i = 0; i < m; ++i) {
      const uint32_t a = face.vertices[i], b = face.vertices[(i + 1) % m];
      if (a >= V) return "face vertex index out of range";
      if (std::count(face.vertices.begin(), face.vertices.end(), a) != 1) return "face repeats a vertex";
      used[a] = 1;
      newell += cross(h.vertices[a], h.vertices[b]);
      if (std::fabs(dot(face.normal, h.vertices[a]) - face.offset) > tol) return "face is not planar";
      halfEdges[{std::min(a, b), std::max(a, b)}].push_back({static_cast<uint32_t>(f), a < b});
      // Convex: every vertex of the face lies left of (inside) every edge.
      const Vec3 inward = normalizeOr(cross(face.normal, h.vertices[b] - h.vertices[a]), Vec3{});
      for (uint32_t c : face.vertices) {
        if (dot(h.vertices[c] - h.vertices[a], inward) < -tol) return "face is not convex";
      }
    }
    if (!(dot(newell, face.normal) > 0)) return "face is not counter-clockwise about its normal";
  }
  for (size_t v = 0; v < V; ++v) {
    if (!used[v]) return "vertex used by no face";
  }
  if (halfEdges.size() != E) return "edge list size differs from the faces' edges";
  for (const auto& entry : halfEdges) {
    const auto& sides = entry.second;
    if (sides.size() != 2 || sides[0].second == sides[1].second || sides[0].first == sides[1].first) {
      return "an edge is not shared by exactly two faces in opposite directions";
    }
  }
  for (const HullEdge& e : h.edges) {
    auto it = halfEdges.find({std::min(e.v0, e.v1), std::max(e.v0, e.v1)});
    if (it == halfEdges.end()) return "edge list has an edge no face has";
    const auto& sides = it->second;
    const bool match = (sides[0].first == e.face0 && sides[1].first == e.face1) ||
                       (sides[0].first == e.face1 && sides[1].first == e.face0);
    if (!match || e.face0 == e.face1) return "edge faces are wrong";
  }
  if (static_cast<long>(V) - static_cast<long>(E) + static_cast<long>(F) != 2) return "Euler V - E + F != 2";
  if (h.vertexNeighbors.size() != V) return "vertexNeighbors has the wrong size";
  size_t neighborCount = 0;
  for (const HullEdge& e : h.edges) {
    const auto& n0 = h.vertexNeighbors[e.v0];
    const auto& n1 = h.vertexNeighbors[e.v1];
    if (std::find(n0.begin(), n0.end(), e.v1) == n0.end() || std::find(n1.begin(), n1.end(), e.v0) == n1.end()) {
      return "vertexNeighbors misses an edge";
    }
  }
  for (const auto& list : h.vertexNeighbors) neighborCount += list.size();
  if (neighborCount != 2 * E) return "vertexNeighbors has extra entries";

  Vec3 centroid;
  for (const Vec3& v : h.vertices) centroid += v;
  centroid *= 1.0 / static_cast<double>(V);
  for (const HullFace& face : h.faces) {
    if (!(dot(face.normal, centroid) - face.offset < 0)) return "centroid is not strictly inside";
    for (const Vec3& p : input) {
      if (dot(face.normal, p) - face.offset > tol) return "an input point is outside the hull";
    }
  }
  return "";
}

// Validity tolerance for a point set: a small multiple of the builder's own tolerance (merged faces
// are fitted planes, so containment and planarity reach about 2-3x of it in the worst fuzz cases).
double checkTolerance(const std::vector<Vec3>& points) { return 4.0 * hullTolerance(points); }

void checkValid(const Hull& h, const std::vector<Vec3>& points) {
  const std::string problem = validateHull(h, points, checkTolerance(points));
  if (!problem.empty()) msdtest::fail(__FILE__, __LINE__, "invalid hull: " + problem);
}

int countFacesWith(const Hull& h, size_t vertexCount) {
  return static_cast<int>(std::count_if(h.faces.begin(), h.faces.end(),
                                        [&](const HullFace& f) { return f.vertices.size() == vertexCount; }));
}

void checkBoxTopology(const Hull& h) {
  CHECK(h.vertices.size() == 8);
  CHECK(h.edges.size() == 12);
  CHECK(h.faces.size() == 6);
  CHECK(countFacesWith(h, 4) == 6);
}

// ---------------------------------------------------------------------------------------------
// Fuzz

struct FuzzResult {
  int built = 0, threw = 0, failures = 0;
  std::string firstFailure;
};

// Generates case `index` of the fuzz; `mustThrow` / `mustBuild` say what a correct builder does.
std::vector<Vec3> fuzzCase(std::mt19937& rng, int kind, bool& mustThrow, bool& mustBuild) {
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::uniform_int_distribution<int> count(4, 120);
  std::vector<Vec3> p;
  mustThrow = false;
  mustBuild = true;
  switch (kind) {
    case 0: {  // uniform in a cube
      const int n = count(rng);
      for (int i = 0; i < n; ++i) p.push_back({unit(rng), unit(rng), unit(rng)});
      break;
    }
    case 1: {  // on a sphere
      const int n = count(rng);
      for (int i = 0; i < n; ++i) p.push_back(randomUnit(rng));
      break;
    }
    case 2: {  // on a plane
      const Vec3 n = randomUnit(rng);
      Vec3 t1, t2;
      tangentBasis(n, t1, t2);
      const Vec3 origin{unit(rng), unit(rng), unit(rng)};
      const int m = count(rng);
      for (int i = 0; i < m; ++i) p.push_back(origin + t1 * unit(rng) + t2 * unit(rng));
      mustThrow = true;
      mustBuild = false;
      break;
    }
    case 3: {  // on a line
      const Vec3 d = randomUnit(rng);
      const Vec3 origin{unit(rng), unit(rng), unit(rng)};
      const int m = count(rng);
      for (int i = 0; i < m; ++i) p.push_back(origin + d * unit(rng));
      mustThrow = true;
      mustBuild = false;
      break;
    }
    case 4: {  // duplicates
      const int n = std::uniform_int_distribution<int>(4, 40)(rng);
      for (int i = 0; i < n; ++i) {
        const Vec3 v{unit(rng), unit(rng), unit(rng)};
        const int copies = std::uniform_int_distribution<int>(1, 4)(rng);
        for (int c = 0; c < copies; ++c) p.push_back(v);
      }
      std::shuffle(p.begin(), p.end(), rng);
      break;
    }
    case 5: {  // lattice (solid or surface only), massively coplanar, maybe rotated
      const int nx = std::uniform_int_distribution<int>(1, 5)(rng);
      const int ny = std::uniform_int_distribution<int>(1, 5)(rng);
      const int nz = std::uniform_int_distribution<int>(1, 5)(rng);
      const bool surface = rng() % 2 == 0;
      for (int i = 0; i <= nx; ++i) {
        for (int j = 0; j <= ny; ++j) {
          for (int k = 0; k <= nz; ++k) {
            if (surface && i != 0 && i != nx && j != 0 && j != ny && k != 0 && k != nz) continue;
            p.push_back({0.3 * i, 0.25 * j, 0.2 * k});
          }
        }
      }
      if (rng() % 2 == 0) p = rotated(p, randomRotation(rng));
      std::shuffle(p.begin(), p.end(), rng);
      break;
    }
    case 6: {  // clusters of near-duplicates (noise 1e-12)
      const int clusters = std::uniform_int_distribution<int>(4, 12)(rng);
      for (int c = 0; c < clusters; ++c) {
        const Vec3 center{unit(rng), unit(rng), unit(rng)};
        const int m = std::uniform_int_distribution<int>(1, 20)(rng);
        for (int i = 0; i < m; ++i) p.push_back(center + Vec3{unit(rng), unit(rng), unit(rng)} * 1e-12);
      }
      std::shuffle(p.begin(), p.end(), rng);
      break;
    }
    case 7: {  // nearly coplanar: a plane with noise from far below to above the tolerance
      const Vec3 n = randomUnit(rng);
      Vec3 t1, t2;
      tangentBasis(n, t1, t2);
      const double noise = std::pow(10.0, std::uniform_real_distribution<double>(-15, -5)(rng));
      const int m = count(rng);
      for (int i = 0; i < m; ++i) p.push_back(t1 * unit(rng) + t2 * unit(rng) + n * (noise * unit(rng)));
      mustBuild = false;
      break;
    }
    case 8: {  // box corners (and face centres) with noise, rotated
      const Vec3 half{0.1 + std::fabs(unit(rng)), 0.1 + std::fabs(unit(rng)), 0.1 + std::fabs(unit(rng))};
      p = boxCorners(half);
      if (rng() % 2 == 0) {
        for (int axis = 0; axis < 3; ++axis) {
          Vec3 c;
          c[axis] = half[axis];
          p.push_back(c);
          p.push_back(-c);
        }
      }
      const double noise = std::pow(10.0, std::uniform_real_distribution<double>(-16, -6)(rng));
      for (Vec3& v : p) v += Vec3{unit(rng), unit(rng), unit(rng)} * noise;
      p = rotated(p, randomRotation(rng));
      break;
    }
    case 9: {  // cylinder: two co-circular, coplanar caps
      const int m = std::uniform_int_distribution<int>(3, 40)(rng);
      const double h = 0.05 + std::fabs(unit(rng));
      for (int i = 0; i < m; ++i) {
        const double a = 2 * kPi * i / m;
        p.push_back({std::cos(a), std::sin(a), h});
        p.push_back({std::cos(a), std::sin(a), -h});
        if (rng() % 3 == 0) p.push_back({std::cos(a), std::sin(a), 0});
      }
      if (rng() % 2 == 0) p = rotated(p, randomRotation(rng));
      break;
    }
    case 10: {  // random points on the faces of a rotated box
      const Vec3 half{0.1 + std::fabs(unit(rng)), 0.1 + std::fabs(unit(rng)), 0.1 + std::fabs(unit(rng))};
      p = boxCorners(half);
      const int m = count(rng);
      for (int i = 0; i < m; ++i) {
        Vec3 v{unit(rng) * half.x, unit(rng) * half.y, unit(rng) * half.z};
        const int axis = static_cast<int>(rng() % 3);
        v[axis] = (rng() % 2 == 0 ? 1.0 : -1.0) * half[axis];
        p.push_back(v);
      }
      p = rotated(p, randomRotation(rng));
      std::shuffle(p.begin(), p.end(), rng);
      break;
    }
    case 11: {  // a needle: a line with noise from far below to above the tolerance
      const Vec3 d = randomUnit(rng);
      const double noise = std::pow(10.0, std::uniform_real_distribution<double>(-15, -5)(rng));
      const int m = count(rng);
      for (int i = 0; i < m; ++i) p.push_back(d * unit(rng) + Vec3{unit(rng), unit(rng), unit(rng)} * noise);
      mustBuild = false;
      break;
    }
    case 12: {  // points on the faces of a rotated octahedron (planes not along axes), with noise
      const double noise = std::pow(10.0, std::uniform_real_distribution<double>(-16, -8)(rng));
      const int m = count(rng);
      for (int i = 0; i < m; ++i) {
        Vec3 v{std::fabs(unit(rng)), std::fabs(unit(rng)), std::fabs(unit(rng))};
        v = v * (1.0 / (v.x + v.y + v.z));
        p.push_back({(rng() % 2 ? v.x : -v.x), (rng() % 2 ? v.y : -v.y), (rng() % 2 ? v.z : -v.z)});
      }
      for (int axis = 0; axis < 3; ++axis) {
        Vec3 c;
        c[axis] = 1;
        p.push_back(c);
        p.push_back(-c);
      }
      p = rotated(p, randomRotation(rng));
      for (Vec3& v : p) v += Vec3{unit(rng), unit(rng), unit(rng)} * noise;
      break;
    }
    default: {  // the cube as a rotated triangle soup plus interior points
      p = rotated(cubeTriangleSoup(), randomRotation(rng));
      for (int i = 0; i < 10; ++i) p.push_back(Vec3{unit(rng), unit(rng), unit(rng)} * 0.1);
      break;
    }
  }
  // Random units and placement: scale 1e-3 .. 1e3, offset up to a few times the size.
  const double scale = std::pow(10.0, std::uniform_real_distribution<double>(-3, 3)(rng));
  const Vec3 offset = Vec3{unit(rng), unit(rng), unit(rng)} * (scale * 3.0 * std::fabs(unit(rng)));
  for (Vec3& v : p) v = v * scale + offset;
  return p;
}

constexpr int kFuzzKinds = 14;

FuzzResult runHullFuzz(uint32_t seed, int cases) {
  std::mt19937 rng(seed);
  FuzzResult result;
  for (int i = 0; i < cases; ++i) {
    const int kind = i % kFuzzKinds;
    bool mustThrow = false, mustBuild = false;
    const std::vector<Vec3> points = fuzzCase(rng, kind, mustThrow, mustBuild);
    std::string problem;
    try {
      const Hull h = buildHull(points);
      ++result.built;
      problem = validateHull(h, points, checkTolerance(points));
      if (problem.empty()) {
        const MassProperties mp = computeMassProperties(h);
        if (!(mp.volume > 0) || !isFinite(mp.centroid)) problem = "bad mass properties";
      }
      if (problem.empty() && mustThrow) problem = "built a hull from degenerate points";
    } catch (const EngineError& e) {
      ++result.threw;
      const std::string message = e.what();
      if (mustBuild) problem = "threw on a valid point set: " + message;
      if (mustThrow && !contains(message, "degenerate")) problem = "wrong message: " + message;
      if (contains(message, "internal")) problem = "internal error: " + message;
    }
    if (!problem.empty()) {
      if (result.failures == 0) {
        result.firstFailure = "case " + std::to_string(i) + " (kind " + std::to_string(kind) + ", " +
                              std::to_string(points.size()) + " points): " + problem;
      }
      ++result.failures;
    }
  }
  return result;
}

double millisecondsToBuild(const std::vector<Vec3>& points) {
  double best = 1e300;
  for (int run = 0; run < 3; ++run) {
    const auto start = std::chrono::steady_clock::now();
    const Hull h = buildHull(points);
    const auto stop = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::milli>(stop - start).count());
    CHECK(!h.faces.empty());
  }
  return best;
}

void checkMatrixNear(const Mat3& a, const Mat3& b, double tol) {
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) CHECK_NEAR(a.at(i, j), b.at(i, j), tol);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Hull topology on known solids

TEST(hull_cube_corners) {
  const std::vector<Vec3> points = boxCorners({1, 1, 1});
  const Hull h = buildHull(points);
  checkBoxTopology(h);
  checkValid(h, points);
  for (const HullFace& f : h.faces) CHECK_NEAR(f.offset, 1.0, 1e-15);
}

TEST(hull_cube_triangle_soup) {
  const std::vector<Vec3> points = cubeTriangleSoup();
  CHECK(points.size() == 36);
  const Hull h = buildHull(points);
  checkBoxTopology(h);
  checkValid(h, points);
}

TEST(hull_cube_surface_grid_drops_edge_and_face_points) {
  for (int n : {2, 3, 4, 7}) {
    const std::vector<Vec3> points = cubeSurfaceGrid(n);
    const Hull h = buildHull(points);
    checkBoxTopology(h);
    checkValid(h, points);
  }
}

TEST(hull_rotated_cube_grid) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const std::vector<Vec3> points = rotated(cubeSurfaceGrid(4), randomRotation(rng));
    const Hull h = buildHull(points);
    checkBoxTopology(h);
    checkValid(h, points);
  }
}

TEST(hull_square_pyramid) {
  const std::vector<Vec3> points = {{-1, -1, 0}, {1, -1, 0}, {1, 1, 0}, {-1, 1, 0}, {0, 0, 1.5}};
  const Hull h = buildHull(points);
  CHECK(h.vertices.size() == 5);
  CHECK(h.edges.size() == 8);
  CHECK(h.faces.size() == 5);
  CHECK(countFacesWith(h, 4) == 1);
  CHECK(countFacesWith(h, 3) == 4);
  checkValid(h, points);
}

TEST(hull_icosphere_keeps_every_vertex) {
  std::vector<Vec3> points = icosphere(2);
  CHECK(points.size() == 162);
  for (int i = 0; i < 150; ++i) points.push_back(points[static_cast<size_t>(i * 7 % 162)]);
  CHECK(points.size() == 312);
  const Hull h = buildHull(points);
  CHECK(h.vertices.size() == 162);
  CHECK(h.faces.size() == 320);
  CHECK(h.edges.size() == 480);
  CHECK(countFacesWith(h, 3) == 320);
  checkValid(h, points);
}

TEST(hull_cylinder_merges_caps_and_sides) {
  std::vector<Vec3> points;
  const int m = 32;
  for (int i = 0; i < m; ++i) {
    const double a = 2 * kPi * i / m;
    points.push_back({std::cos(a), std::sin(a), 1});
    points.push_back({std::cos(a), std::sin(a), -1});
  }
  const Hull h = buildHull(points);
  CHECK(h.vertices.size() == 64);
  CHECK(h.faces.size() == 34);
  CHECK(countFacesWith(h, 32) == 2);
  CHECK(countFacesWith(h, 4) == 32);
  checkValid(h, points);
}

TEST(hull_ignores_interior_and_duplicate_points) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> inside(-0.99, 0.99);
  std::vector<Vec3> points;
  for (int i = 0; i < 200; ++i) points.push_back({inside(rng), inside(rng), inside(rng)});
  for (const Vec3& c : boxCorners({1, 1, 1})) {
    points.push_back(c);
    points.push_back(c);
  }
  const Hull h = buildHull(points);
  checkBoxTopology(h);
  checkValid(h, points);
}

TEST(hull_nearly_coplanar_box_faces_merge) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> noise(-1e-13, 1e-13);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<Vec3> points = rotated(boxCorners({0.5, 1, 2}), randomRotation(rng));
    for (Vec3& p : points) p += Vec3{noise(rng), noise(rng), noise(rng)};
    const Hull h = buildHull(points);
    checkBoxTopology(h);
    checkValid(h, points);
  }
}

TEST(hull_tolerance_decides_whether_a_bump_is_a_vertex) {
  for (double bump : {0.5, 10.0}) {
    std::vector<Vec3> points = boxCorners({1, 1, 1});
    points.push_back({0.2, 0.1, 1 + bump * hullTolerance(points)});
    const Hull h = buildHull(points);
    if (bump < 1) {
      checkBoxTopology(h);  // within the tolerance: absorbed into the top face
    } else {
      CHECK(h.vertices.size() == 9);  // a flat pyramid of 4 triangles replaces the top face
      CHECK(h.faces.size() == 9);
    }
    checkValid(h, points);
  }
}

TEST(hull_tiny_and_huge_scales) {
  for (double scale : {1e-3, 1.0, 1e3}) {
    for (double offset : {0.0, 5.0}) {
      std::vector<Vec3> points = cubeSurfaceGrid(3);
      for (Vec3& p : points) p = p * scale + Vec3{offset, -offset, 2 * offset} * scale;
      const Hull h = buildHull(points);
      checkBoxTopology(h);
      checkValid(h, points);
    }
  }
}

TEST(hull_vertices_are_renumbered_corners_only) {
  std::vector<Vec3> points = {{0, 0, 0}, {0.1, 0.1, 0.1}, {1, 0, 0}, {0.2, 0.1, 0.1}, {0, 1, 0}, {0, 0, 1}};
  const Hull h = buildHull(points);
  CHECK(h.vertices.size() == 4);
  CHECK(h.faces.size() == 4);
  CHECK(h.edges.size() == 6);
  // Corners keep their input order.
  CHECK(sameVec(h.vertices[0], points[0]));
  CHECK(sameVec(h.vertices[1], points[2]));
  CHECK(sameVec(h.vertices[2], points[4]));
  CHECK(sameVec(h.vertices[3], points[5]));
  for (const auto& list : h.vertexNeighbors) CHECK(list.size() == 3);
  checkValid(h, points);
}

// ---------------------------------------------------------------------------------------------
// Hull queries

TEST(hull_support_picks_extreme_vertex_lowest_index_on_ties) {
  const Hull h = buildHull(boxCorners({1, 2, 3}));
  const uint32_t corner = h.support({1, 1, 1});
  CHECK(sameVec(h.vertices[corner], Vec3{1, 2, 3}));
  const uint32_t tie = h.support({1, 0, 0});
  CHECK(h.vertices[tie].x == 1);
  for (uint32_t i = 0; i < tie; ++i) CHECK(h.vertices[i].x < 1);
}

TEST(hull_triangles_fan_faces_counter_clockwise) {
  const Hull h = buildHull(cubeSurfaceGrid(2));
  const std::vector<uint32_t> tris = h.triangles();
  CHECK(tris.size() == 12 * 3);
  double area = 0;
  for (size_t i = 0; i < tris.size(); i += 3) {
    const Vec3 n = cross(h.vertices[tris[i + 1]] - h.vertices[tris[i]], h.vertices[tris[i + 2]] - h.vertices[tris[i]]);
    area += 0.5 * length(n);
    // Outward: the triangle's normal agrees with its face's, found via the support direction.
    CHECK(dot(n, h.vertices[tris[i]]) > 0);
  }
  CHECK_NEAR(area, 24.0, 1e-12);
}

TEST(hull_translate_moves_vertices_and_planes) {
  Hull h = buildHull(boxCorners({1, 1, 1}));
  const Vec3 offset{3, -2, 0.5};
  translateHull(h, offset);
  for (const HullFace& f : h.faces) {
    for (uint32_t v : f.vertices) CHECK_NEAR(dot(f.normal, h.vertices[v]), f.offset, 1e-12);
  }
  CHECK(sameVec(h.vertices[h.support({1, 1, 1})], Vec3{4, -1, 1.5}));
}

// ---------------------------------------------------------------------------------------------
// Errors

// Boxes take a shortcut for their world bounding box; it must equal the box of the placed vertices.
TEST(shape_box_world_bounds_equal_the_placed_vertices_bounds) {
  std::vector<Vec3> corners;
  for (int i = 0; i < 8; ++i) corners.push_back({(i & 1) ? 0.7 : -0.3, (i & 2) ? 0.2 : -0.4, (i & 4) ? 1.5 : 0.5});
  const Shape box = makeHullShape(corners);
  CHECK(box.isBox);
  // The same box turned in its own frame is a hull of 8 vertices that are not its box's corners.
  std::vector<Vec3> turned;
  const Quat q = fromAxisAngle(Vec3{0, 0, 1}, 0.3);
  for (const Vec3& c : corners) turned.push_back(rotate(q, c));
  CHECK(!makeHullShape(turned).isBox);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int i = 0; i < 100; ++i) {
    const Transform xf{{u(rng) * 10, u(rng) * 10, u(rng) * 10}, normalize(Quat{u(rng), u(rng), u(rng), u(rng)})};
    const AABB fast = computeAABB(box, xf);
    Vec3 lower = apply(xf, box.hull.vertices[0]), upper = lower;
    for (const Vec3& v : box.hull.vertices) {
      lower = minPerElement(lower, apply(xf, v));
      upper = maxPerElement(upper, apply(xf, v));
    }
    CHECK(length(fast.lower - lower) < 1e-12 && length(fast.upper - upper) < 1e-12);
  }
}

TEST(hull_rejects_too_few_points) {
  CHECK(errorOf({}) == "hull needs at least 4 points (got 0)");
  CHECK(errorOf({{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}) == "hull needs at least 4 points (got 3)");
}

TEST(hull_rejects_non_finite_coordinates) {
  std::vector<Vec3> points = boxCorners({1, 1, 1});
  points[7].y = std::nan("");
  CHECK(errorOf(points) == "vertices[7] is not finite");
  points[7].y = 1;
  points[2].z = INFINITY;
  CHECK(errorOf(points) == "vertices[2] is not finite");
}

TEST(hull_rejects_fewer_than_four_distinct_points) {
  const std::string same = errorOf(std::vector<Vec3>(10, Vec3{1, 2, 3}));
  CHECK(contains(same, "degenerate"));
  CHECK(contains(same, "distinct"));
  const std::string three = errorOf({{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 0, 0}, {0, 0, 0}});
  CHECK(contains(three, "degenerate"));
  CHECK(contains(three, "at least 4 distinct points (got 3)"));
}

TEST(hull_rejects_collinear_and_coplanar_points) {
  std::vector<Vec3> line;
  for (int i = 0; i < 10; ++i) line.push_back(Vec3{1, 2, 3} * (0.1 * i) + Vec3{5, 5, 5});
  const std::string collinear = errorOf(line);
  CHECK(contains(collinear, "degenerate"));
  CHECK(contains(collinear, "collinear"));

  std::mt19937 rng(5);
  std::uniform_real_distribution<double> unit(-1, 1);
  const Quat q = randomRotation(rng);
  std::vector<Vec3> plane;
  for (int i = 0; i < 50; ++i) plane.push_back(rotate(q, Vec3{unit(rng), unit(rng), 0.25}));
  const std::string coplanar = errorOf(plane);
  CHECK(contains(coplanar, "degenerate"));
  CHECK(contains(coplanar, "coplanar"));
}

TEST(hull_rejects_bad_tolerance) {
  HullOptions options;
  options.relativeTolerance = -1;
  CHECK(contains(errorOf(boxCorners({1, 1, 1}), options), "relativeTolerance"));
  options.relativeTolerance = std::nan("");
  CHECK(contains(errorOf(boxCorners({1, 1, 1}), options), "relativeTolerance"));
}

// ---------------------------------------------------------------------------------------------
// Fuzz and performance

TEST(hull_fuzz_degenerate_point_sets) {
  const FuzzResult r = runHullFuzz(20240601u, 4200);
  if (r.failures > 0) {
    msdtest::fail(__FILE__, __LINE__, std::to_string(r.failures) + " fuzz failures; first: " + r.firstFailure);
  }
  CHECK(r.built > 2500);
  CHECK(r.threw >= 700);  // the plane and line cases, at least
}

TEST(hull_builds_4096_points_quickly) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> unit(-1, 1);
  std::vector<Vec3> cube, sphere;
  for (int i = 0; i < 4096; ++i) {
    cube.push_back({unit(rng), unit(rng), unit(rng)});
    sphere.push_back(randomUnit(rng));
  }
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MSD_HULL_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(MSD_HULL_TEST_SANITIZED) || !defined(__OPTIMIZE__)
  const double budget = 500;  // sanitizers and unoptimised builds are several times slower
#else
  const double budget = 50;
#endif
  const double cubeMs = millisecondsToBuild(cube);
  const double sphereMs = millisecondsToBuild(sphere);
  std::printf("      4096 points: cube %.2f ms, sphere %.2f ms\n", cubeMs, sphereMs);
  CHECK(cubeMs < budget);
  CHECK(sphereMs < budget);
  checkValid(buildHull(cube), cube);
  const Hull sphereHull = buildHull(sphere);
  CHECK(sphereHull.vertices.size() == 4096);
  checkValid(sphereHull, sphere);
}

// ---------------------------------------------------------------------------------------------
// Mass properties

TEST(mass_unit_cube) {
  const MassProperties mp = computeMassProperties(buildHull(boxCorners({0.5, 0.5, 0.5}, {0.5, 0.5, 0.5})));
  CHECK_NEAR(mp.volume, 1.0, 1e-12);
  CHECK_NEAR(mp.centroid.x, 0.5, 1e-12);
  CHECK_NEAR(mp.centroid.y, 0.5, 1e-12);
  CHECK_NEAR(mp.centroid.z, 0.5, 1e-12);
  checkMatrixNear(mp.inertiaPerMass, Mat3::diagonal({1.0 / 6, 1.0 / 6, 1.0 / 6}), 1e-12);
}

TEST(mass_box_1x2x3) {
  const MassProperties mp = computeMassProperties(buildHull(boxCorners({0.5, 1, 1.5})));
  CHECK_NEAR(mp.volume, 6.0, 6e-9);
  checkMatrixNear(mp.inertiaPerMass, Mat3::diagonal({(4 + 9) / 12.0, (1 + 9) / 12.0, (1 + 4) / 12.0}), 1e-9);
  CHECK_NEAR(length(mp.centroid), 0.0, 1e-12);
}

TEST(mass_offset_box_centroid) {
  const Vec3 center{10, -5, 3};
  const MassProperties mp = computeMassProperties(buildHull(boxCorners({0.5, 1, 1.5}, center)));
  CHECK_NEAR(mp.volume, 6.0, 6e-9);
  CHECK_NEAR(mp.centroid.x, 10, 1e-8);
  CHECK_NEAR(mp.centroid.y, -5, 1e-8);
  CHECK_NEAR(mp.centroid.z, 3, 1e-8);
  checkMatrixNear(mp.inertiaPerMass, Mat3::diagonal({(4 + 9) / 12.0, (1 + 9) / 12.0, (1 + 4) / 12.0}), 1e-9);
}

TEST(mass_square_pyramid) {
  const double b = 2.0, h = 1.5;
  const Hull hull = buildHull({{-b / 2, -b / 2, 0}, {b / 2, -b / 2, 0}, {b / 2, b / 2, 0}, {-b / 2, b / 2, 0}, {0, 0, h}});
  const MassProperties mp = computeMassProperties(hull);
  CHECK_NEAR(mp.volume, b * b * h / 3, 1e-12);
  CHECK_NEAR(mp.centroid.x, 0, 1e-12);
  CHECK_NEAR(mp.centroid.y, 0, 1e-12);
  CHECK_NEAR(mp.centroid.z, h / 4, 1e-12);
  const double ixx = b * b / 20 + 3 * h * h / 80, izz = b * b / 10;
  checkMatrixNear(mp.inertiaPerMass, Mat3::diagonal({ixx, ixx, izz}), 1e-9 * izz);
}

TEST(mass_rotated_box) {
  std::mt19937 rng(9);
  for (int trial = 0; trial < 5; ++trial) {
    const Quat q = randomRotation(rng);
    const MassProperties mp = computeMassProperties(buildHull(rotated(boxCorners({0.5, 1, 1.5}), q)));
    const Mat3 r = toMatrix(q);
    const Mat3 expected = r * Mat3::diagonal({(4 + 9) / 12.0, (1 + 9) / 12.0, (1 + 4) / 12.0}) * transpose(r);
    CHECK_NEAR(mp.volume, 6.0, 6e-9);
    checkMatrixNear(mp.inertiaPerMass, expected, 1e-9);
  }
}

TEST(mass_regular_tetrahedron) {
  const Hull h = buildHull({{1, 1, 1}, {1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}});
  const MassProperties mp = computeMassProperties(h);
  const double a = 2 * std::sqrt(2.0);  // edge length
  CHECK_NEAR(mp.volume, a * a * a / (6 * std::sqrt(2.0)), 1e-12);
  CHECK_NEAR(length(mp.centroid), 0, 1e-12);
  checkMatrixNear(mp.inertiaPerMass, Mat3::diagonal({a * a / 20, a * a / 20, a * a / 20}), 1e-12);
}

TEST(mass_sphere) {
  const MassProperties mp = sphereMassProperties(2.0);
  CHECK_NEAR(mp.volume, 4.0 / 3.0 * kPi * 8, 1e-12);
  checkMatrixNear(mp.inertiaPerMass, Mat3::diagonal({1.6, 1.6, 1.6}), 1e-15);
  CHECK_THROWS(sphereMassProperties(0));
}

TEST(mass_rejects_inverted_or_flat_hull) {
  Hull h = buildHull(boxCorners({1, 1, 1}));
  for (HullFace& f : h.faces) std::reverse(f.vertices.begin(), f.vertices.end());
  std::string message;
  try {
    computeMassProperties(h);
  } catch (const EngineError& e) {
    message = e.what();
  }
  CHECK(message == "degenerate hull: volume is not positive");
  CHECK_THROWS(computeMassProperties(Hull{}));
}

// ---------------------------------------------------------------------------------------------
// Shapes

TEST(shape_hull_is_recentred_on_its_centroid) {
  const Vec3 center{10, -5, 3};
  const Shape s = makeHullShape(boxCorners({0.5, 1, 1.5}, center));
  CHECK(s.kind == ShapeKind::Hull);
  CHECK_NEAR(s.localCenterOfMass.x, 10, 1e-9);
  CHECK_NEAR(s.localCenterOfMass.y, -5, 1e-9);
  CHECK_NEAR(s.localCenterOfMass.z, 3, 1e-9);
  CHECK(lengthSquared(s.mass.centroid) == 0);
  CHECK_NEAR(s.mass.volume, 6, 6e-9);
  CHECK_NEAR(s.boundingRadius, std::sqrt(0.25 + 1 + 2.25), 1e-9);
  Vec3 sum;
  for (const Vec3& v : s.hull.vertices) sum += v;
  CHECK_NEAR(length(sum), 0, 1e-9);
  for (const HullFace& f : s.hull.faces) {
    for (uint32_t v : f.vertices) CHECK_NEAR(dot(f.normal, s.hull.vertices[v]), f.offset, 1e-9);
  }
}

TEST(shape_sphere) {
  const Shape s = makeSphereShape(0.5);
  CHECK(s.kind == ShapeKind::Sphere);
  CHECK(s.radius == 0.5);
  CHECK(s.boundingRadius == 0.5);
  CHECK_NEAR(s.mass.volume, 4.0 / 3.0 * kPi * 0.125, 1e-15);
  CHECK_NEAR(s.mass.inertiaPerMass.at(1, 1), 0.1, 1e-15);
}

TEST(shape_sphere_rejects_bad_radius) {
  for (double r : {0.0, -1.0, std::nan(""), static_cast<double>(INFINITY)}) {
    std::string message;
    try {
      makeSphereShape(r);
    } catch (const EngineError& e) {
      message = e.what();
    }
    CHECK(contains(message, "radius must be a positive finite number (got "));
  }
  std::string message;
  try {
    makeSphereShape(-1);
  } catch (const EngineError& e) {
    message = e.what();
  }
  CHECK(message == "radius must be a positive finite number (got -1)");
}

TEST(shape_aabb_is_exact_for_rotated_hulls_and_spheres) {
  std::mt19937 rng(13);
  const Shape box = makeHullShape(boxCorners({0.5, 1, 1.5}));
  for (int trial = 0; trial < 10; ++trial) {
    const Transform xf{Vec3{1, 2, 3} * static_cast<double>(trial), randomRotation(rng)};
    const AABB box_aabb = computeAABB(box, xf);
    const Mat3 r = toMatrix(xf.q);
    for (int axis = 0; axis < 3; ++axis) {
      const Vec3 row = axis == 0 ? r.r0 : (axis == 1 ? r.r1 : r.r2);
      const double extent = 0.5 * std::fabs(row.x) + 1.0 * std::fabs(row.y) + 1.5 * std::fabs(row.z);
      CHECK_NEAR(box_aabb.upper[axis], xf.p[axis] + extent, 1e-12);
      CHECK_NEAR(box_aabb.lower[axis], xf.p[axis] - extent, 1e-12);
    }
  }
  const Shape ball = makeSphereShape(2);
  const AABB a = computeAABB(ball, Transform{Vec3{1, -1, 0}, randomRotation(rng)});
  CHECK(sameVec(a.lower, Vec3{-1, -3, -2}));
  CHECK(sameVec(a.upper, Vec3{3, 1, 2}));
}
