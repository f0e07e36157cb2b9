#include "quickhull.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "error.h"
#include "exact_predicates.h"

namespace msd {
namespace detail {

[[noreturn]] void internalError(const char* what) {
  throw EngineError(std::string("internal error in convex hull: ") + what);
}

// ---------------------------------------------------------------------------------------------
// Triangle geometry shared by the quickhull and the face merger

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

namespace {

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

}  // namespace

[[noreturn]] void throwDegenerate(const std::vector<Vec3>& points, const char* what) {
  const size_t distinct = countDistinct(points);
  if (distinct < 4) {
    throw EngineError("degenerate hull: needs at least 4 distinct points (got " + std::to_string(distinct) +
                      ")");
  }
  throw EngineError(std::string("degenerate hull: ") + what);
}

namespace {

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

}  // namespace

TriangleMesh buildTriangleMesh(const std::vector<Vec3>& points, double tolerance) {
  QuickHull quickHull(points, tolerance);
  quickHull.build();
  return quickHull.mesh();
}

}  // namespace detail
}  // namespace msd
