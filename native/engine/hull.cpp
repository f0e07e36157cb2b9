// Convex hull construction in three stages:
//  1. Quickhull over triangles. Whether a point is worth adding is decided with a tolerance scaled by
//     the point set's extent; which triangles a new point sees is decided with an exact orientation
//     predicate. The visible region is therefore always a disc and the horizon a simple loop, so the
//     mesh stays a closed convex triangulation however degenerate the input is: tolerances only ever
//     choose points, never connectivity.
//  2. Coplanar triangles (within the tolerance) are grouped into clusters grown from the largest
//     triangles; a cluster whose boundary is one convex loop becomes one polygonal face, any other
//     cluster falls back to its triangles.
//  3. Vertices left in the middle of an edge (only two faces meet there) are dropped, the remaining
//     vertices renumbered, and planes, edges and neighbour lists computed from the original points.
#include "hull.h"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "error.h"
#include "validate.h"

namespace msd {
namespace {

constexpr uint32_t kNone = 0xffffffffu;

[[noreturn]] void internalError(const char* what) {
  throw EngineError(std::string("internal error in convex hull: ") + what);
}

// ---------------------------------------------------------------------------------------------
// Exact orientation predicate

void twoSum(double a, double b, double& sum, double& err) {
  sum = a + b;
  const double bVirtual = sum - a;
  const double aVirtual = sum - bVirtual;
  err = (a - aVirtual) + (b - bVirtual);
}

void twoProduct(double a, double b, double& product, double& err) {
  product = a * b;
  err = std::fma(a, b, -product);  // exact low part of the product
}

// A sum of doubles held exactly as a non-overlapping expansion (grow-expansion with zero
// elimination): the components are ordered by magnitude, so the last one carries the sign.
class ExactSum {
 public:
  void add(double b) {
    double q = b;
    int out = 0;
    for (int i = 0; i < count_; ++i) {
      double s = 0, e = 0;
      twoSum(q, parts_[i], s, e);
      q = s;
      if (e != 0.0) parts_[out++] = e;
    }
    if (q != 0.0) parts_[out++] = q;
    count_ = out;
  }

  // Adds sign * x * y * z exactly, as the four parts of two error-free products.
  void addProduct(double sign, double x, double y, double z) {
    double p = 0, e = 0, p1 = 0, e1 = 0, p2 = 0, e2 = 0;
    twoProduct(x, y, p, e);
    twoProduct(p, z, p1, e1);
    twoProduct(e, z, p2, e2);
    add(sign * e2);
    add(sign * e1);
    add(sign * p2);
    add(sign * p1);
  }

  int sign() const { return count_ == 0 ? 0 : (parts_[count_ - 1] > 0.0 ? 1 : -1); }

 private:
  std::array<double, 128> parts_{};  // 24 products x 4 parts: never more than 96 components
  int count_ = 0;
};

// sign * det[u; v; w] = sign * u . (v x w), added exactly.
void addDeterminant(ExactSum& sum, double sign, const Vec3& u, const Vec3& v, const Vec3& w) {
  sum.addProduct(sign, u.x, v.y, w.z);
  sum.addProduct(-sign, u.x, v.z, w.y);
  sum.addProduct(-sign, u.y, v.x, w.z);
  sum.addProduct(sign, u.y, v.z, w.x);
  sum.addProduct(sign, u.z, v.x, w.y);
  sum.addProduct(-sign, u.z, v.y, w.x);
}

// det[b-a; c-a; p-a] expanded by multilinearity into determinants of the raw coordinates, which
// avoids the rounding of the differences.
int orientExact(const Vec3& a, const Vec3& b, const Vec3& c, const Vec3& p) {
  ExactSum sum;
  addDeterminant(sum, 1.0, b, c, p);
  addDeterminant(sum, -1.0, a, c, p);
  addDeterminant(sum, -1.0, b, a, p);
  addDeterminant(sum, -1.0, b, c, a);
  return sum.sign();
}

// Sign of (b-a)x(c-a) . (p-a): +1 when p lies above the plane of the counter-clockwise triangle abc.
// A floating-point filter settles almost every call; near-zero results are recomputed exactly.
int orient(const Vec3& a, const Vec3& b, const Vec3& c, const Vec3& p) {
  const Vec3 ba = b - a, ca = c - a, pa = p - a;
  const double m0 = ca.y * pa.z - ca.z * pa.y;
  const double m1 = ca.z * pa.x - ca.x * pa.z;
  const double m2 = ca.x * pa.y - ca.y * pa.x;
  const double det = ba.x * m0 + ba.y * m1 + ba.z * m2;
  const double permanent = std::fabs(ba.x) * (std::fabs(ca.y * pa.z) + std::fabs(ca.z * pa.y)) +
                           std::fabs(ba.y) * (std::fabs(ca.z * pa.x) + std::fabs(ca.x * pa.z)) +
                           std::fabs(ba.z) * (std::fabs(ca.x * pa.y) + std::fabs(ca.y * pa.x));
  // 1e-15 exceeds the (7 + 56 eps) eps bound for this evaluation order (Shewchuk's orient3d).
  const double bound = 1e-15 * permanent;
  if (det > bound) return 1;
  if (det < -bound) return -1;
  return orientExact(a, b, c, p);
}

// ---------------------------------------------------------------------------------------------
// Accurate plane normals
// A thin triangle's normal computed naively is off by about eps * |coordinates| / height, which for
// the slivers of nearly flat point sets exceeds the tolerance. Carrying the differences and the
// products in double-double makes the normal accurate to a few ulps whatever the triangle's shape.

void twoDiff(double a, double b, double& diff, double& err) {
  diff = a - b;
  const double bVirtual = a - diff;
  const double aVirtual = diff + bVirtual;
  err = (a - aVirtual) + (bVirtual - b);
}

// (u1 + l1)(v2 + m2) - (u2 + l2)(v1 + m1) for double-double factors, rounded once at the end.
double crossComponent(double u1, double l1, double u2, double l2, double v1, double m1, double v2, double m2) {
  double p1 = 0, e1 = 0, p2 = 0, e2 = 0, d = 0, de = 0;
  twoProduct(u1, v2, p1, e1);
  twoProduct(u2, v1, p2, e2);
  twoDiff(p1, p2, d, de);
  const double small = (u1 * m2 + l1 * v2) - (u2 * m1 + l2 * v1);
  return d + (de + (e1 - e2) + small);
}

// (b - a) x (c - a), accurate to a few ulps per component.
Vec3 accurateCross(const Vec3& a, const Vec3& b, const Vec3& c) {
  double ux = 0, uxl = 0, uy = 0, uyl = 0, uz = 0, uzl = 0;
  double vx = 0, vxl = 0, vy = 0, vyl = 0, vz = 0, vzl = 0;
  twoDiff(b.x, a.x, ux, uxl);
  twoDiff(b.y, a.y, uy, uyl);
  twoDiff(b.z, a.z, uz, uzl);
  twoDiff(c.x, a.x, vx, vxl);
  twoDiff(c.y, a.y, vy, vyl);
  twoDiff(c.z, a.z, vz, vzl);
  return {crossComponent(uy, uyl, uz, uzl, vy, vyl, vz, vzl),
          crossComponent(uz, uzl, ux, uxl, vz, vzl, vx, vxl),
          crossComponent(ux, uxl, uy, uyl, vx, vxl, vy, vyl)};
}

// Twice the area vector of a polygon (sum of its fan's cross products): Newell's normal, accurate.
Vec3 polygonAreaVector(const std::vector<uint32_t>& polygon, const std::vector<Vec3>& points) {
  Vec3 n;
  const Vec3& origin = points[polygon[0]];
  for (size_t k = 1; k + 1 < polygon.size(); ++k) n += accurateCross(origin, points[polygon[k]], points[polygon[k + 1]]);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Triangle geometry shared by the quickhull and the face merger

struct TrianglePlane {
  Vec3 normal;             // unit, or zero for a triangle whose area rounds to zero
  double offset = 0;
  double twiceArea = 0;
  double height = 0;       // distance of the vertex opposite the longest edge from that edge
};

TrianglePlane trianglePlane(const Vec3& a, const Vec3& b, const Vec3& c) {
  const double ab = lengthSquared(b - a), bc = lengthSquared(c - b), ca = lengthSquared(a - c);
  const double longest = std::max(ab, std::max(bc, ca));
  const Vec3 n = accurateCross(a, b, c);
  TrianglePlane plane;
  plane.twiceArea = length(n);
  if (plane.twiceArea > 0.0) {
    plane.normal = n * (1.0 / plane.twiceArea);
    plane.height = plane.twiceArea / std::sqrt(longest);
  }
  plane.offset = dot(plane.normal, (a + b + c) * (1.0 / 3.0));
  return plane;
}

// Euclidean distance from p to the triangle abc (closest-point region tests on the edges'
// parameters, so a sliver is handled as the segments it nearly is).
double distanceToTriangle(const Vec3& p, const Vec3& a, const Vec3& b, const Vec3& c) {
  const Vec3 ab = b - a, ac = c - a, ap = p - a;
  const double d1 = dot(ab, ap), d2 = dot(ac, ap);
  if (d1 <= 0 && d2 <= 0) return length(ap);  // vertex a
  const Vec3 bp = p - b;
  const double d3 = dot(ab, bp), d4 = dot(ac, bp);
  if (d3 >= 0 && d4 <= d3) return length(bp);  // vertex b
  const double vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) return length(ap - ab * (d1 / (d1 - d3)));  // edge ab
  const Vec3 cp = p - c;
  const double d5 = dot(ab, cp), d6 = dot(ac, cp);
  if (d6 >= 0 && d5 <= d6) return length(cp);  // vertex c
  const double vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) return length(ap - ac * (d2 / (d2 - d6)));  // edge ac
  const double va = d3 * d6 - d5 * d4;
  if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0) {  // edge bc
    return length(bp - (c - b) * ((d4 - d3) / ((d4 - d3) + (d5 - d6))));
  }
  const double sum = va + vb + vc;
  if (!(sum > 0)) {  // degenerate triangle: nearest of its edges
    auto segment = [&](const Vec3& s0, const Vec3& s1) {
      const Vec3 d = s1 - s0;
      const double len2 = lengthSquared(d);
      const double t = len2 > 0 ? std::min(1.0, std::max(0.0, dot(p - s0, d) / len2)) : 0.0;
      return length(p - (s0 + d * t));
    };
    return std::min(segment(a, b), std::min(segment(b, c), segment(c, a)));
  }
  const double v = vb / sum, w = vc / sum;
  return length(p - (a + ab * v + ac * w));  // interior
}

// ---------------------------------------------------------------------------------------------
// Stage 1: quickhull over triangles

struct Triangle {
  std::array<uint32_t, 3> v{};
  std::array<uint32_t, 3> adj{};  // adj[i] lies across the edge v[i] -> v[(i + 1) % 3]
  Vec3 normal;
  double offset = 0;
  uint32_t firstOutside = kNone;  // head of the linked list of points above this triangle
  uint32_t furthest = kNone;      // the outside point furthest above it: the next eye point
  double furthestDistance = 0;
  uint32_t epoch = 0;             // the addPoint() call that last classified this triangle
  bool visible = false;           // its classification in that call
  bool alive = true;
};

struct HorizonEdge {
  uint32_t from = 0, to = 0;   // directed as in the visible triangle
  uint32_t outer = 0;          // the hidden triangle across it
  uint32_t outerEdge = 0;      // the edge index of (to -> from) in `outer`
};

// Closed triangle mesh: the output of stage 1 and input of stage 2.
struct TriangleMesh {
  std::vector<std::array<uint32_t, 3>> v;
  std::vector<std::array<uint32_t, 3>> adj;
};

size_t countDistinct(std::vector<Vec3> points) {
  auto less = [](const Vec3& a, const Vec3& b) {
    if (a.x != b.x) return a.x < b.x;
    if (a.y != b.y) return a.y < b.y;
    return a.z < b.z;
  };
  auto equal = [](const Vec3& a, const Vec3& b) { return a.x == b.x && a.y == b.y && a.z == b.z; };
  std::sort(points.begin(), points.end(), less);
  return static_cast<size_t>(std::unique(points.begin(), points.end(), equal) - points.begin());
}

[[noreturn]] void throwDegenerate(const std::vector<Vec3>& points, const char* what) {
  const size_t distinct = countDistinct(points);
  if (distinct < 4) {
    throw EngineError("degenerate hull: needs at least 4 distinct points (got " + std::to_string(distinct) +
                      ")");
  }
  throw EngineError(std::string("degenerate hull: ") + what);
}

class QuickHull {
 public:
  QuickHull(const std::vector<Vec3>& points, double tolerance)
      : points_(points), tolerance_(tolerance), nextOutside_(points.size(), kNone),
        horizonByVertex_(points.size(), kNone) {}

  void build() {
    createSimplex();
    while (!pending_.empty()) {
      const uint32_t t = pending_.back();
      pending_.pop_back();
      if (tris_[t].alive && tris_[t].furthest != kNone) addPoint(t);
    }
  }

  TriangleMesh mesh() const {
    std::vector<uint32_t> remap(tris_.size(), kNone);
    TriangleMesh out;
    for (size_t i = 0; i < tris_.size(); ++i) {
      if (!tris_[i].alive) continue;
      remap[i] = static_cast<uint32_t>(out.v.size());
      out.v.push_back(tris_[i].v);
      out.adj.push_back(tris_[i].adj);
    }
    for (auto& adj : out.adj) {
      for (uint32_t& a : adj) a = remap[a];
    }
    return out;
  }

 private:
  uint32_t addTriangle(uint32_t a, uint32_t b, uint32_t c) {
    Triangle t;
    t.v = {a, b, c};
    const TrianglePlane plane = trianglePlane(points_[a], points_[b], points_[c]);
    t.normal = plane.normal;
    t.offset = plane.offset;
    tris_.push_back(t);
    return static_cast<uint32_t>(tris_.size() - 1);
  }

  int orientOf(uint32_t t, const Vec3& p) const {
    const Triangle& tri = tris_[t];
    return orient(points_[tri.v[0]], points_[tri.v[1]], points_[tri.v[2]], p);
  }

  // Picks four well-spread points (extremes along the widest axis, then furthest from that line,
  // then furthest from that plane); a set too thin for them is degenerate.
  void createSimplex() {
    const uint32_t n = static_cast<uint32_t>(points_.size());
    uint32_t minIndex[3] = {0, 0, 0}, maxIndex[3] = {0, 0, 0};
    for (uint32_t i = 1; i < n; ++i) {
      for (int axis = 0; axis < 3; ++axis) {
        if (points_[i][axis] < points_[minIndex[axis]][axis]) minIndex[axis] = i;
        if (points_[i][axis] > points_[maxIndex[axis]][axis]) maxIndex[axis] = i;
      }
    }
    int wide = 0;
    double widest = -1;
    for (int axis = 0; axis < 3; ++axis) {
      const double extent = points_[maxIndex[axis]][axis] - points_[minIndex[axis]][axis];
      if (extent > widest) {
        widest = extent;
        wide = axis;
      }
    }
    if (!(widest > tolerance_)) throwDegenerate(points_, "all points coincide within tolerance");
    const uint32_t i0 = minIndex[wide], i1 = maxIndex[wide];

    const Vec3 a = points_[i0];
    const Vec3 lineDir = normalizeOr(points_[i1] - a, Vec3{1, 0, 0});
    uint32_t i2 = kNone;
    double best = tolerance_;
    for (uint32_t i = 0; i < n; ++i) {
      const double d = length(cross(points_[i] - a, lineDir));
      if (d > best) {
        best = d;
        i2 = i;
      }
    }
    if (i2 == kNone) throwDegenerate(points_, "points are collinear (volume is zero)");

    const TrianglePlane base = trianglePlane(a, points_[i1], points_[i2]);
    uint32_t i3 = kNone;
    best = tolerance_;
    for (uint32_t i = 0; i < n; ++i) {
      const double d = std::fabs(dot(base.normal, points_[i]) - base.offset);
      if (d > best) {
        best = d;
        i3 = i;
      }
    }
    if (i3 == kNone) throwDegenerate(points_, "points are coplanar (volume is zero)");

    // Orient so that i3 lies below the counter-clockwise base triangle (i0, i1, i2).
    uint32_t v0 = i0, v1 = i1, v2 = i2;
    const int side = orient(points_[v0], points_[v1], points_[v2], points_[i3]);
    if (side == 0) internalError("initial simplex is flat");
    if (side > 0) std::swap(v1, v2);
    const uint32_t f0 = addTriangle(v0, v1, v2);
    const uint32_t f1 = addTriangle(v0, i3, v1);
    const uint32_t f2 = addTriangle(v1, i3, v2);
    const uint32_t f3 = addTriangle(v2, i3, v0);
    linkSimplex({f0, f1, f2, f3});

    for (uint32_t i = 0; i < n; ++i) {
      if (i == v0 || i == v1 || i == v2 || i == i3) continue;
      const uint32_t faces[4] = {f0, f1, f2, f3};
      assignOutside(i, faces, 4);
    }
    for (uint32_t f : {f0, f1, f2, f3}) {
      if (tris_[f].furthest != kNone) pending_.push_back(f);
    }
  }

  void linkSimplex(const std::array<uint32_t, 4>& faces) {
    for (uint32_t f : faces) {
      for (int i = 0; i < 3; ++i) {
        const uint32_t from = tris_[f].v[i], to = tris_[f].v[(i + 1) % 3];
        for (uint32_t g : faces) {
          if (g == f) continue;
          const int j = edgeIndex(g, to, from);
          if (j >= 0) tris_[f].adj[i] = g;
        }
      }
    }
  }

  // Index of the directed edge from -> to in triangle t, or -1.
  int edgeIndex(uint32_t t, uint32_t from, uint32_t to) const {
    for (int j = 0; j < 3; ++j) {
      if (tris_[t].v[j] == from && tris_[t].v[(j + 1) % 3] == to) return j;
    }
    return -1;
  }

  // Puts point p in the outside list of a candidate triangle it lies above, if it is worth adding:
  // further than the tolerance from the hull. Other points are dropped for good; the hull only
  // grows, so they stay within the tolerance of it.
  //
  // Plane distance alone cannot decide "within the tolerance": near the sharp rim of a very thin hull
  // a point can be a tiny distance above two nearly opposite planes yet far from the hull. So points
  // that are not clearly above (or clearly below) every candidate take the careful path: the exact
  // sign says whether they are outside at all (a point above a deleted triangle and outside the new
  // hull lies above one of the new triangles), and the distance to the nearest triangle they see
  // bounds their distance to the hull from above.
  void assignOutside(uint32_t p, const uint32_t* candidates, size_t count) {
    const Vec3& point = points_[p];
    double best = -INFINITY;
    uint32_t bestTri = kNone;
    for (size_t k = 0; k < count; ++k) {
      const Triangle& t = tris_[candidates[k]];
      const double d = dot(t.normal, point) - t.offset;
      if (d > best) {
        best = d;
        bestTri = candidates[k];
      }
    }
    if (best < -tolerance_) return;  // clearly inside every candidate, hence inside the hull
    if (best <= tolerance_) {
      best = -INFINITY;
      bestTri = kNone;
      double nearest = INFINITY;
      for (size_t k = 0; k < count; ++k) {
        const Triangle& t = tris_[candidates[k]];
        const double d = dot(t.normal, point) - t.offset;
        if (d < -tolerance_ || orientOf(candidates[k], point) <= 0) continue;
        nearest = std::min(nearest, distanceToTriangle(point, points_[t.v[0]], points_[t.v[1]], points_[t.v[2]]));
        if (d > best) {
          best = d;
          bestTri = candidates[k];
        }
      }
      if (bestTri == kNone || nearest <= tolerance_) return;
    }
    Triangle& t = tris_[bestTri];
    nextOutside_[p] = t.firstOutside;
    t.firstOutside = p;
    if (t.furthest == kNone || best > t.furthestDistance) {
      t.furthest = p;
      t.furthestDistance = best;
    }
  }

  void addPoint(uint32_t start) {
    const uint32_t eye = tris_[start].furthest;
    const Vec3 e = points_[eye];
    if (orientOf(start, e) <= 0) {
      // The rounded distance said "outside" but the exact sign disagrees: the point is within
      // rounding of the plane, so it is not worth a vertex. Never expected with sane tolerances.
      dropOutsidePoint(start, eye);
      if (tris_[start].furthest != kNone) pending_.push_back(start);
      return;
    }
    ++epoch_;
    collectVisible(start, e);
    collectHorizon();
    const uint32_t firstNew = static_cast<uint32_t>(tris_.size());
    createCone(eye);
    const uint32_t newCount = static_cast<uint32_t>(tris_.size()) - firstNew;

    newTris_.clear();
    for (uint32_t k = 0; k < newCount; ++k) newTris_.push_back(firstNew + k);
    for (uint32_t g : visible_) {
      uint32_t p = tris_[g].firstOutside;
      while (p != kNone) {
        const uint32_t next = nextOutside_[p];
        if (p != eye) assignOutside(p, newTris_.data(), newTris_.size());
        p = next;
      }
      tris_[g].alive = false;
      tris_[g].firstOutside = kNone;
    }
    for (uint32_t t : newTris_) {
      if (tris_[t].furthest != kNone) pending_.push_back(t);
    }
  }

  void dropOutsidePoint(uint32_t t, uint32_t drop) {
    Triangle& tri = tris_[t];
    uint32_t p = tri.firstOutside;
    tri.firstOutside = kNone;
    tri.furthest = kNone;
    tri.furthestDistance = 0;
    while (p != kNone) {
      const uint32_t next = nextOutside_[p];
      if (p != drop) {
        nextOutside_[p] = tri.firstOutside;
        tri.firstOutside = p;
        const double d = dot(tri.normal, points_[p]) - tri.offset;
        if (tri.furthest == kNone || d > tri.furthestDistance) {
          tri.furthest = p;
          tri.furthestDistance = d;
        }
      }
      p = next;
    }
  }

  // Flood fill from the start triangle through triangles that see the eye (exact sign > 0).
  void collectVisible(uint32_t start, const Vec3& eye) {
    visible_.clear();
    stack_.clear();
    tris_[start].epoch = epoch_;
    tris_[start].visible = true;
    visible_.push_back(start);
    stack_.push_back(start);
    while (!stack_.empty()) {
      const uint32_t t = stack_.back();
      stack_.pop_back();
      for (int i = 0; i < 3; ++i) {
        const uint32_t n = tris_[t].adj[i];
        if (tris_[n].epoch == epoch_) continue;
        tris_[n].epoch = epoch_;
        tris_[n].visible = orientOf(n, eye) > 0;
        if (tris_[n].visible) {
          visible_.push_back(n);
          stack_.push_back(n);
        }
      }
    }
  }

  // The edges between visible and hidden triangles, chained into one loop.
  void collectHorizon() {
    edges_.clear();
    for (uint32_t t : visible_) {
      for (int i = 0; i < 3; ++i) {
        const uint32_t n = tris_[t].adj[i];
        if (tris_[n].visible) continue;  // every neighbour of a visible triangle was classified
        HorizonEdge edge;
        edge.from = tris_[t].v[i];
        edge.to = tris_[t].v[(i + 1) % 3];
        edge.outer = n;
        const int j = edgeIndex(n, edge.to, edge.from);
        if (j < 0) internalError("triangle adjacency is inconsistent");
        edge.outerEdge = static_cast<uint32_t>(j);
        if (horizonByVertex_[edge.from] != kNone) internalError("horizon is not a simple loop");
        horizonByVertex_[edge.from] = static_cast<uint32_t>(edges_.size());
        edges_.push_back(edge);
      }
    }
    horizon_.clear();
    uint32_t k = edges_.empty() ? kNone : 0;
    while (k != kNone && horizon_.size() < edges_.size()) {
      horizon_.push_back(edges_[k]);
      k = horizonByVertex_[edges_[k].to];
      if (k == 0) break;
    }
    const bool closed = k == 0 && horizon_.size() == edges_.size();
    for (const HorizonEdge& edge : edges_) horizonByVertex_[edge.from] = kNone;
    if (!closed) internalError("horizon is not a simple loop");
  }

  // One new triangle (from, to, eye) per horizon edge, linked to the hidden side and to each other.
  void createCone(uint32_t eye) {
    const uint32_t first = static_cast<uint32_t>(tris_.size());
    const uint32_t m = static_cast<uint32_t>(horizon_.size());
    for (uint32_t k = 0; k < m; ++k) {
      const HorizonEdge& edge = horizon_[k];
      const uint32_t t = addTriangle(edge.from, edge.to, eye);
      tris_[t].adj = {edge.outer, first + (k + 1) % m, first + (k + m - 1) % m};
      tris_[edge.outer].adj[edge.outerEdge] = t;
    }
  }

  const std::vector<Vec3>& points_;
  const double tolerance_;
  std::vector<Triangle> tris_;
  std::vector<uint32_t> nextOutside_;      // per point: next in its triangle's outside list
  std::vector<uint32_t> horizonByVertex_;  // per point: horizon edge leaving it (scratch)
  std::vector<uint32_t> pending_;          // triangles that may still have outside points
  std::vector<uint32_t> visible_, stack_, newTris_;
  std::vector<HorizonEdge> edges_, horizon_;
  uint32_t epoch_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Stage 2: merge coplanar triangles into convex polygons

// Convex within the tolerance: every vertex lies inside (left of) the line of every edge, less the
// tolerance. Checking against whole edge lines, not just each vertex against its neighbours,
// catches the slightly reflex corners next to very short edges that a local test lets through.
// Along a convex loop the distance from an edge's line first grows then shrinks, so from each edge
// we only walk outwards while vertices are still near its line: linear for typical loops.
bool isConvexLoop(const std::vector<uint32_t>& loop, const std::vector<Vec3>& points, double tolerance) {
  const Vec3 normal = normalizeOr(polygonAreaVector(loop, points), Vec3{});
  if (!(lengthSquared(normal) > 0.0)) return false;
  const size_t m = loop.size();
  for (size_t i = 0; i < m; ++i) {
    const Vec3& a = points[loop[i]];
    const Vec3 inward = cross(normal, points[loop[(i + 1) % m]] - a);  // left of the edge
    const double len = length(inward);
    if (!(len > 0.0)) return false;
    const double slack = tolerance * len;
    // 0: still near the line, keep walking; 1: clearly inside, stop; -1: outside, not convex.
    auto classify = [&](size_t k) {
      const double d = dot(points[loop[k % m]] - a, inward);
      return d < -slack ? -1 : (d > slack ? 1 : 0);
    };
    for (size_t step = 2; step < m; ++step) {  // forwards from the edge's end
      const int c = classify(i + step);
      if (c < 0) return false;
      if (c > 0) break;
    }
    for (size_t step = 1; step + 1 < m; ++step) {  // backwards from the edge's start
      const int c = classify(i + m - step);
      if (c < 0) return false;
      if (c > 0) break;
    }
  }
  return true;
}

class FaceMerger {
 public:
  FaceMerger(const TriangleMesh& mesh, const std::vector<Vec3>& points, double tolerance)
      : mesh_(mesh), points_(points), tolerance_(tolerance), boundaryNext_(points.size(), kNone) {}

  // Polygons (point indices, counter-clockwise from outside) tiling the hull surface.
  std::vector<std::vector<uint32_t>> build() {
    const size_t n = mesh_.v.size();
    planes_.resize(n);
    for (size_t t = 0; t < n; ++t) {
      planes_[t] = trianglePlane(points_[mesh_.v[t][0]], points_[mesh_.v[t][1]], points_[mesh_.v[t][2]]);
    }
    // Largest triangles seed clusters first: their planes are the best determined.
    std::vector<uint32_t> order(n);
    for (size_t t = 0; t < n; ++t) order[t] = static_cast<uint32_t>(t);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return planes_[a].twiceArea > planes_[b].twiceArea; });

    clusterOf_.assign(n, kNone);
    std::vector<std::vector<uint32_t>> polygons;
    std::vector<uint32_t> members, loop;
    for (uint32_t seed : order) {
      if (clusterOf_[seed] != kNone) continue;
      const uint32_t id = nextCluster_++;
      growCluster(seed, id, members);
      if (members.size() > 1 && !extractConvexLoop(members, id, loop)) {
        // Not one convex disc (a hole, a dent): keep the exact triangles instead.
        for (uint32_t t : members) {
          clusterOf_[t] = nextCluster_++;
          polygons.push_back({mesh_.v[t][0], mesh_.v[t][1], mesh_.v[t][2]});
        }
        continue;
      }
      if (members.size() == 1) {
        polygons.push_back({mesh_.v[seed][0], mesh_.v[seed][1], mesh_.v[seed][2]});
      } else {
        polygons.push_back(loop);
      }
    }
    return polygons;
  }

 private:
  // A neighbour joins when all its corners lie within the tolerance of the seed's plane. A triangle
  // wide enough to have a trustworthy normal must also face the same way, so the two sides of a
  // very thin hull never merge; slivers (normal dominated by rounding) are judged on distance alone.
  bool accepts(uint32_t t, const Vec3& normal, double offset) const {
    for (uint32_t v : mesh_.v[t]) {
      if (std::fabs(dot(normal, points_[v]) - offset) > tolerance_) return false;
    }
    return planes_[t].height <= 4 * tolerance_ || dot(planes_[t].normal, normal) > 0.5;
  }

  void growCluster(uint32_t seed, uint32_t id, std::vector<uint32_t>& members) {
    members.clear();
    const Vec3 normal = planes_[seed].normal;
    const double offset = planes_[seed].offset;
    clusterOf_[seed] = id;
    members.push_back(seed);
    for (size_t k = 0; k < members.size(); ++k) {
      for (uint32_t n : mesh_.adj[members[k]]) {
        if (clusterOf_[n] != kNone || !accepts(n, normal, offset)) continue;
        clusterOf_[n] = id;
        members.push_back(n);
      }
    }
  }

  // The cluster's boundary as one loop; false unless it is a single simple loop bounding a convex
  // polygon (within the tolerance).
  bool extractConvexLoop(const std::vector<uint32_t>& members, uint32_t id, std::vector<uint32_t>& loop) {
    loop.clear();
    starts_.clear();
    bool simple = true;
    for (uint32_t t : members) {
      for (int i = 0; i < 3; ++i) {
        if (clusterOf_[mesh_.adj[t][i]] == id) continue;
        const uint32_t from = mesh_.v[t][i], to = mesh_.v[t][(i + 1) % 3];
        if (boundaryNext_[from] != kNone) {
          simple = false;  // two boundary edges leave one vertex: the region is pinched
          continue;
        }
        boundaryNext_[from] = to;
        starts_.push_back(from);
      }
    }
    if (simple && !starts_.empty()) {
      uint32_t v = starts_[0];
      do {
        loop.push_back(v);
        v = boundaryNext_[v];
      } while (v != kNone && v != starts_[0] && loop.size() <= starts_.size());
      simple = v == starts_[0] && loop.size() == starts_.size();
    }
    for (uint32_t s : starts_) boundaryNext_[s] = kNone;
    return simple && loop.size() >= 3 && isConvexLoop(loop, points_, tolerance_);
  }

  const TriangleMesh& mesh_;
  const std::vector<Vec3>& points_;
  const double tolerance_;
  std::vector<TrianglePlane> planes_;
  std::vector<uint32_t> clusterOf_;
  std::vector<uint32_t> boundaryNext_;  // per point: the boundary edge leaving it (scratch)
  std::vector<uint32_t> starts_;
  uint32_t nextCluster_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Stage 3: drop mid-edge vertices and assemble the Hull

size_t positionIn(const std::vector<uint32_t>& polygon, uint32_t v) {
  return static_cast<size_t>(std::find(polygon.begin(), polygon.end(), v) - polygon.begin());
}

double distanceToLine(const Vec3& p, const Vec3& a, const Vec3& b) {
  const Vec3 dir = normalizeOr(b - a, Vec3{});
  return length(cross(p - a, dir));
}

// A vertex shared by only two faces lies on the edge between them (e.g. an edge midpoint of a cube
// given as a grid): it is no corner, so it leaves both faces when it is within the tolerance of the
// line through its neighbours and both faces stay convex without it (on a needle-thin face a short
// edge's direction matters far away, so nearness to the line alone is not enough).
void removeMidEdgeVertices(std::vector<std::vector<uint32_t>>& polygons, const std::vector<Vec3>& points,
                           double tolerance) {
  std::vector<uint32_t> faceCount(points.size(), 0);
  std::vector<std::array<uint32_t, 2>> faces(points.size(), {kNone, kNone});
  for (size_t f = 0; f < polygons.size(); ++f) {
    for (uint32_t v : polygons[f]) {
      if (faceCount[v] < 2) faces[v][faceCount[v]] = static_cast<uint32_t>(f);
      ++faceCount[v];
    }
  }
  std::vector<uint32_t> a, b;
  for (uint32_t v = 0; v < points.size(); ++v) {
    if (faceCount[v] != 2) continue;
    a = polygons[faces[v][0]];
    b = polygons[faces[v][1]];
    if (a.size() <= 3 || b.size() <= 3) continue;
    const size_t ia = positionIn(a, v), ib = positionIn(b, v);
    const uint32_t prev = a[(ia + a.size() - 1) % a.size()], next = a[(ia + 1) % a.size()];
    // The other face runs the shared edges the opposite way.
    if (b[(ib + 1) % b.size()] != prev || b[(ib + b.size() - 1) % b.size()] != next) continue;
    if (distanceToLine(points[v], points[prev], points[next]) > tolerance) continue;
    a.erase(a.begin() + static_cast<std::ptrdiff_t>(ia));
    b.erase(b.begin() + static_cast<std::ptrdiff_t>(ib));
    if (!isConvexLoop(a, points, tolerance) || !isConvexLoop(b, points, tolerance)) continue;
    polygons[faces[v][0]].swap(a);
    polygons[faces[v][1]].swap(b);
  }
}

// `polygon` indexes `scaled` (where the normal is computed, safe from overflow and underflow);
// `renumbered` is the same loop in Hull numbering, `vertices` the original coordinates.
HullFace makeFace(const std::vector<uint32_t>& polygon, const std::vector<Vec3>& scaled,
                  std::vector<uint32_t> renumbered, const std::vector<Vec3>& vertices) {
  HullFace face;
  face.vertices = std::move(renumbered);
  // Newell's normal: area-weighted, so slightly non-planar polygons get their best-fit direction.
  const Vec3 n = polygonAreaVector(polygon, scaled);
  const double len = length(n);
  if (!(len > 0.0) || !std::isfinite(len)) internalError("face has no area");
  face.normal = n * (1.0 / len);
  // The outermost vertex defines the plane, so every vertex of the face is on or below it.
  face.offset = -INFINITY;
  for (uint32_t v : face.vertices) face.offset = std::max(face.offset, dot(face.normal, vertices[v]));
  return face;
}

void buildEdges(Hull& hull) {
  // Half-edges bucketed by their lower vertex (counting sort); each bucket holds a handful, so
  // pairing a half-edge with its twin is a short scan.
  struct HalfEdge {
    uint32_t hi, face;
    bool forward;  // runs lo -> hi in its face
  };
  const size_t vertexCount = hull.vertices.size();
  std::vector<uint32_t> bucketStart(vertexCount + 1, 0);
  for (const HullFace& face : hull.faces) {
    const std::vector<uint32_t>& poly = face.vertices;
    for (size_t i = 0; i < poly.size(); ++i) ++bucketStart[std::min(poly[i], poly[(i + 1) % poly.size()]) + 1];
  }
  for (size_t v = 0; v < vertexCount; ++v) bucketStart[v + 1] += bucketStart[v];
  std::vector<HalfEdge> halves(bucketStart[vertexCount]);
  std::vector<uint32_t> fill(bucketStart.begin(), bucketStart.end() - 1);
  for (size_t f = 0; f < hull.faces.size(); ++f) {
    const std::vector<uint32_t>& poly = hull.faces[f].vertices;
    for (size_t i = 0; i < poly.size(); ++i) {
      const uint32_t a = poly[i], b = poly[(i + 1) % poly.size()];
      halves[fill[std::min(a, b)]++] = {std::max(a, b), static_cast<uint32_t>(f), a < b};
    }
  }
  for (uint32_t lo = 0; lo < vertexCount; ++lo) {
    for (uint32_t i = bucketStart[lo]; i < bucketStart[lo + 1]; ++i) {
      const HalfEdge& x = halves[i];
      if (!x.forward) continue;
      uint32_t twins = 0, twinFace = kNone;
      for (uint32_t j = bucketStart[lo]; j < bucketStart[lo + 1]; ++j) {
        if (halves[j].hi != x.hi) continue;
        if (j != i && !halves[j].forward) {
          ++twins;
          twinFace = halves[j].face;
        } else if (j != i) {
          twins = 2;  // the same directed edge twice: not a manifold surface
        }
      }
      if (twins != 1 || twinFace == x.face) internalError("an edge is not shared by exactly two faces");
      // face0 runs the edge v0 -> v1 counter-clockwise, face1 runs it v1 -> v0.
      hull.edges.push_back({lo, x.hi, x.face, twinFace});
    }
  }
  if (2 * hull.edges.size() != halves.size()) internalError("surface is not closed");
  hull.vertexNeighbors.assign(vertexCount, {});
  for (const HullEdge& e : hull.edges) {
    hull.vertexNeighbors[e.v0].push_back(e.v1);
    hull.vertexNeighbors[e.v1].push_back(e.v0);
  }
  for (auto& list : hull.vertexNeighbors) std::sort(list.begin(), list.end());
}

// Renumbers the used points (in input order) and fills the Hull with the original coordinates.
Hull assemble(const std::vector<std::vector<uint32_t>>& polygons, const std::vector<Vec3>& scaled,
              const std::vector<Vec3>& points) {
  std::vector<uint32_t> remap(points.size(), kNone);
  for (const auto& poly : polygons) {
    for (uint32_t v : poly) remap[v] = 0;
  }
  Hull hull;
  for (size_t i = 0; i < points.size(); ++i) {
    if (remap[i] == kNone) continue;
    remap[i] = static_cast<uint32_t>(hull.vertices.size());
    hull.vertices.push_back(points[i]);
  }
  for (const auto& poly : polygons) {
    std::vector<uint32_t> renumbered;
    renumbered.reserve(poly.size());
    for (uint32_t v : poly) renumbered.push_back(remap[v]);
    hull.faces.push_back(makeFace(poly, scaled, std::move(renumbered), hull.vertices));
  }
  buildEdges(hull);
  const long euler = static_cast<long>(hull.vertices.size()) - static_cast<long>(hull.edges.size()) +
                     static_cast<long>(hull.faces.size());
  if (euler != 2) internalError("surface is not a sphere (V - E + F != 2)");
  return hull;
}

}  // namespace

double hullTolerance(const std::vector<Vec3>& points, const HullOptions& options) {
  Vec3 maxAbs;
  for (const Vec3& p : points) maxAbs = maxPerElement(maxAbs, absPerElement(p));
  // Never below a few ulps of the coordinates: distances are only computed that accurately.
  const double relative = std::max(options.relativeTolerance, 16 * DBL_EPSILON);
  return relative * (maxAbs.x + maxAbs.y + maxAbs.z);
}

Hull buildHull(const std::vector<Vec3>& points, const HullOptions& options) {
  if (points.size() < 4) {
    throw EngineError("hull needs at least 4 points (got " + std::to_string(points.size()) + ")");
  }
  if (points.size() >= kNone) throw EngineError("hull has too many points (got " + std::to_string(points.size()) + ")");
  if (!(options.relativeTolerance >= 0.0) || !std::isfinite(options.relativeTolerance)) {
    throw EngineError("relativeTolerance must be a finite number >= 0 (got " +
                      formatNumber(options.relativeTolerance) + ")");
  }
  double maxAbs = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    if (!isFinite(points[i])) throw EngineError("vertices[" + std::to_string(i) + "] is not finite");
    const Vec3 a = absPerElement(points[i]);
    maxAbs = std::max(maxAbs, std::max(a.x, std::max(a.y, a.z)));
  }
  if (maxAbs == 0.0) throwDegenerate(points, "all points coincide");

  // Work on a copy scaled by a power of two (exact) to about unit size, so the exact predicate's
  // products can neither overflow nor underflow whatever the input's units.
  int exponent = 0;
  std::frexp(maxAbs, &exponent);
  const double scale = std::ldexp(1.0, -exponent);
  std::vector<Vec3> scaled(points.size());
  for (size_t i = 0; i < points.size(); ++i) scaled[i] = points[i] * scale;
  const double tolerance = hullTolerance(points, options) * scale;

  QuickHull quickHull(scaled, tolerance);
  quickHull.build();
  const TriangleMesh mesh = quickHull.mesh();
  std::vector<std::vector<uint32_t>> polygons = FaceMerger(mesh, scaled, tolerance).build();
  // A hull thinner than the tolerance merges into two faces (top and bottom): flat after all.
  if (polygons.size() < 4) throwDegenerate(points, "points are coplanar within tolerance (volume is zero)");
  removeMidEdgeVertices(polygons, scaled, tolerance);
  return assemble(polygons, scaled, points);
}

uint32_t Hull::support(const Vec3& direction) const {
  uint32_t best = 0;
  double bestDot = -INFINITY;
  for (size_t i = 0; i < vertices.size(); ++i) {
    const double d = dot(vertices[i], direction);
    if (d > bestDot) {  // strict: ties keep the lowest index
      bestDot = d;
      best = static_cast<uint32_t>(i);
    }
  }
  return best;
}

std::vector<uint32_t> Hull::triangles() const {
  std::vector<uint32_t> out;
  for (const HullFace& face : faces) {
    for (size_t k = 1; k + 1 < face.vertices.size(); ++k) {
      out.push_back(face.vertices[0]);
      out.push_back(face.vertices[k]);
      out.push_back(face.vertices[k + 1]);
    }
  }
  return out;
}

void translateHull(Hull& hull, const Vec3& offset) {
  for (Vec3& v : hull.vertices) v += offset;
  for (HullFace& face : hull.faces) face.offset += dot(face.normal, offset);
}

}  // namespace msd
