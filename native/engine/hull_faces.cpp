#include "hull_faces.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

#include "exact_predicates.h"

namespace msd {
namespace detail {

// ---------------------------------------------------------------------------------------------
// Stage 2: merge coplanar triangles into convex polygons

namespace {

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

}  // namespace

std::vector<std::vector<uint32_t>> mergeCoplanarTriangles(const TriangleMesh& mesh, const std::vector<Vec3>& points,
                                                          double tolerance) {
  return FaceMerger(mesh, points, tolerance).build();
}

// ---------------------------------------------------------------------------------------------
// Stage 3: drop mid-edge vertices and assemble the Hull

namespace {

size_t positionIn(const std::vector<uint32_t>& polygon, uint32_t v) {
  return static_cast<size_t>(std::find(polygon.begin(), polygon.end(), v) - polygon.begin());
}

double distanceToLine(const Vec3& p, const Vec3& a, const Vec3& b) {
  const Vec3 dir = normalizeOr(b - a, Vec3{});
  return length(cross(p - a, dir));
}

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace detail
}  // namespace msd
