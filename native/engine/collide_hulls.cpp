// Hull–hull contact in the style of Dirk Gregorius ("The Separating Axis Test between Convex
// Polyhedra", GDC 2013; "Robust Contact Creation for Physics Simulations", GDC 2015):
//  1. face axes of A and of B (largest separation of the other hull's support point),
//  2. edge–edge axes, only for edge pairs whose arcs cross on the Gauss map (those pairs and only
//     those build a face of the Minkowski difference, so every other pair is skipped cheaply),
//  3. a face manifold (incident face clipped against the reference face's side planes) unless an
//     edge axis is clearly better, in which case one point between the two edges.
// Results are built in A's frame. B's data is read in its own frame and only the few features that
// matter are transformed, and exact bounds (each hull contains a ball around its centre) skip faces
// and edges turned away from the other hull, so large hulls cost little more than boxes.
#include "collide_hulls.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "clip_polygon.h"

namespace msd {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Hysteresis of the axis choice, so the contact type does not flicker between frames: an edge axis
// must beat the best face axis by 10 % of its magnitude plus an absolute slop, a face of B must beat
// the face of A by 2 % plus the slop (Gregorius's 0.90 / 0.98, written to also work for gaps).
constexpr double kRelEdgeTolerance = 0.10;
constexpr double kRelFaceTolerance = 0.02;
// The absolute slop: half the usual 5 mm linear slop, but no more than 2 % of the smaller shape so
// that small shapes still get edge contacts.
constexpr double kMaxAbsTolerance = 0.0025;
constexpr double kAbsToleranceOfSize = 0.02;
// Edge pairs closer to parallel than this (sine of their angle) are left to the face axes: their
// cross product is mostly rounding, and a face axis describes such a contact well anyway.
constexpr double kParallelSine = 0.005;
// Distances below this fraction of the shapes' size count as zero when clipping and reducing.
constexpr double kRelLinearTolerance = 1e-9;

// A hull placed in A's frame (for A itself the transform is the identity, which is exact).
struct HullInA {
  const Hull* hull = nullptr;
  Transform toA;
  double inradius = 0;  // a ball of this radius around the centre of mass lies inside the hull
  bool identity = false;  // A itself: nothing to transform (the results are the same, only cheaper)

  Vec3 center() const { return toA.p; }
  Vec3 vertex(uint32_t i) const { return identity ? hull->vertices[i] : apply(toA, hull->vertices[i]); }
  Vec3 normal(std::size_t face) const { return identity ? hull->faces[face].normal : rotate(toA.q, hull->faces[face].normal); }
  Vec3 directionToLocal(const Vec3& d) const { return identity ? d : inverseRotate(toA.q, d); }
  Vec3 pointToLocal(const Vec3& p) const { return identity ? p : applyInverse(toA, p); }
  Vec3 rotateToA(const Vec3& d) const { return identity ? d : rotate(toA.q, d); }
  // Plane offset in the hull's own frame, taken from the face's first vertex so that it agrees
  // exactly with the polygon used for clipping.
  double localOffset(std::size_t face) const {
    const HullFace& f = hull->faces[face];
    return dot(f.normal, hull->vertices[f.vertices[0]]);
  }
  double offset(std::size_t face, const Vec3& normalInA) const {
    return localOffset(face) + dot(normalInA, toA.p);
  }
};

// An edge in A's frame with its Gauss-map arc (u → v, the adjacent face normals; mirrored for B,
// which enters the Minkowski difference A − B negated) and v × u.
struct EdgeInA {
  int index = 0;
  Vec3 p, dir;
  Vec3 u, v, vxu;
};

// Per-thread buffers that grow to the largest hull seen and are then reused: no allocation per call.
struct Scratch {
  std::vector<EdgeInA> edgesA, edgesB;
  std::vector<ClipVertex> polygon, clipped;
  std::vector<ContactCandidate> candidates;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

struct FaceQuery {
  int face = -1;
  double separation = -kInf;
};

struct EdgeQuery {
  int edgeA = -1, edgeB = -1;
  double separation = -kInf;
  Vec3 axis;  // unit, A → B
};

double shapeRadius(const Shape& s) {
  if (s.boundingRadius > 0) return s.boundingRadius;
  double r2 = 0;
  for (const Vec3& v : s.hull.vertices) r2 = std::max(r2, lengthSquared(v));
  return std::sqrt(r2);
}

// Distance from the centre of mass (the origin of the hull's frame) to the nearest face plane.
double inradius(const Hull& h) {
  double r = kInf;
  for (const HullFace& f : h.faces) r = std::min(r, f.offset);
  return std::max(0.0, r);
}

// The vertex of `h` lowest along `directionInA` and its projection (in A's frame), by a plain loop
// over the hull's own vertices: only the direction is transformed.
uint32_t lowestVertex(const HullInA& h, const Vec3& directionInA, double& projection) {
  const Vec3 d = h.directionToLocal(directionInA);
  const std::vector<Vec3>& v = h.hull->vertices;
  uint32_t best = 0;
  double lowest = kInf;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double p = dot(d, v[i]);
    if (p < lowest) {
      lowest = p;
      best = static_cast<uint32_t>(i);
    }
  }
  projection = lowest + dot(directionInA, h.toA.p);
  return best;
}

// Largest separation of `other` from the face planes of `ref`. Stops as soon as one reaches
// `stopAt` (the pair is then apart by more than the speculative distance).
//
// Exact pruning: `other` holds a ball of radius r around its centre c, so its separation from a face
// plane (n, d) is at most n·c − r − d. The face with the best bound is tried first; a face whose bound
// cannot beat the best separation found is skipped without its support query.
FaceQuery queryFaces(const HullInA& ref, const HullInA& other, double stopAt) {
  const std::vector<HullFace>& faces = ref.hull->faces;
  const Vec3 c = ref.pointToLocal(other.center());
  auto bound = [&](std::size_t f) { return dot(faces[f].normal, c) - other.inradius - ref.localOffset(f); };
  std::size_t first = 0;
  double firstBound = -kInf;
  for (std::size_t f = 0; f < faces.size(); ++f) {
    const double b = bound(f);
    if (b > firstBound) {
      firstBound = b;
      first = f;
    }
  }
  FaceQuery q;
  for (std::size_t k = 0; k < faces.size(); ++k) {
    const std::size_t f = (first + k) % faces.size();  // the promising face first, then in order
    if (k > 0 && bound(f) <= q.separation) continue;
    const Vec3 n = ref.normal(f);
    double lowest = 0;
    lowestVertex(other, n, lowest);
    const double separation = lowest - ref.offset(f, n);
    if (separation > q.separation) {
      q.separation = separation;
      q.face = static_cast<int>(f);
      if (separation >= stopAt) break;
    }
  }
  return q;
}

// Whether dot(L, w) exceeds `threshold` for some unit L on the Gauss-map arc from unit normal u to
// unit normal v (the short way). The maximum over the whole great circle is at the projection of w
// onto the circle's plane; if that direction lies on the arc it is the maximum, else an end is.
bool arcCanExceed(const Vec3& u, const Vec3& v, const Vec3& w, double threshold) {
  const double ends = std::max(dot(u, w), dot(v, w));
  if (ends > threshold) return true;
  const Vec3 n = cross(u, v);
  const double n2 = lengthSquared(n);
  if (!(n2 > 1e-24)) return dot(u, v) < 0;  // opposite normals: no bound; equal normals: the ends rule
  const double nw = dot(n, w);
  const Vec3 p = w * n2 - n * nw;  // w projected onto the arc's plane, scaled by |n|²
  if (dot(cross(u, p), n) < 0 || dot(cross(p, v), n) < 0) return false;  // off the arc: the ends rule
  // On the arc: the maximum is |w projected| = sqrt(|w|² − (n·w)² / |n|²).
  if (threshold < 0) return true;
  return lengthSquared(w) - nw * nw / n2 > threshold * threshold;
}

// The edges of `h` that can still give an edge axis separating more than `mustBeat`, in A's frame.
// For an edge pair with axis L (L on A's arc, −L on B's) the separation is the gap between the two
// support planes, and the other hull holds a ball of radius r around its centre c, so
//   separation <= dot(±L, c − p) − r      (p on this edge, ±L on this edge's own arc).
// `mustBeat` is the best face separation plus the absolute slop: an edge axis that cannot beat it is
// never used, so dropping such edges changes no result, and it leaves only the edges near the contact.
void collectEdges(const HullInA& h, const HullInA& other, bool mirrored, double mustBeat,
                  std::vector<EdgeInA>& out) {
  out.clear();
  const Hull& hull = *h.hull;
  const Vec3 c = h.pointToLocal(other.center());
  const double sign = mirrored ? -1.0 : 1.0;
  for (std::size_t i = 0; i < hull.edges.size(); ++i) {
    const HullEdge& e = hull.edges[i];
    const Vec3 u = hull.faces[e.face0].normal * sign, v = hull.faces[e.face1].normal * sign;
    const Vec3 p = hull.vertices[e.v0];
    if (!arcCanExceed(u, v, (c - p) * sign, mustBeat + other.inradius)) continue;
    EdgeInA edge;
    edge.index = static_cast<int>(i);
    edge.p = h.vertex(e.v0);
    edge.dir = h.vertex(e.v1) - edge.p;
    edge.u = h.rotateToA(u);
    edge.v = h.rotateToA(v);
    edge.vxu = cross(edge.v, edge.u);
    out.push_back(edge);
  }
}

// Arcs a→b and c→d on the unit sphere cross (and not just their antipodes). bxa = b × a, dxc = d × c.
bool arcsCross(const Vec3& a, const Vec3& b, const Vec3& bxa, const Vec3& c, const Vec3& d, const Vec3& dxc) {
  const double cba = dot(c, bxa), dba = dot(d, bxa);
  const double adc = dot(a, dxc), bdc = dot(b, dxc);
  return cba * dba < 0 && adc * bdc < 0 && cba * bdc > 0;
}

// Separation along the axis perpendicular to both edges, oriented away from A's centre of mass
// (the origin of A's frame). False for (nearly) parallel edges.
bool edgeAxisSeparation(const EdgeInA& a, const EdgeInA& b, Vec3& axis, double& separation) {
  const Vec3 c = cross(a.dir, b.dir);
  const double len = length(c);
  if (!(len > kParallelSine * std::sqrt(lengthSquared(a.dir) * lengthSquared(b.dir)))) return false;
  axis = c * (1.0 / len);
  if (dot(axis, a.p) < 0) axis = -axis;
  separation = dot(axis, b.p - a.p);
  return true;
}

// Best edge–edge axis among the pairs that can beat `mustBeat`.
EdgeQuery queryEdges(const HullInA& a, const HullInA& b, double mustBeat, double stopAt, Scratch& s) {
  EdgeQuery q;
  collectEdges(a, b, false, mustBeat, s.edgesA);
  if (s.edgesA.empty()) return q;
  collectEdges(b, a, true, mustBeat, s.edgesB);
  for (const EdgeInA& ea : s.edgesA) {
    for (const EdgeInA& eb : s.edgesB) {
      if (!arcsCross(ea.u, ea.v, ea.vxu, eb.u, eb.v, eb.vxu)) continue;
      Vec3 axis;
      double separation = 0;
      if (!edgeAxisSeparation(ea, eb, axis, separation)) continue;
      if (separation > q.separation) {
        q = EdgeQuery{ea.index, eb.index, separation, axis};
        if (separation >= stopAt) return q;
      }
    }
  }
  return q;
}

// Closest points of segments p1→q1 and p2→q2 (clamped to the segments; Ericson, RTCD 5.1.9).
void closestPointsOfSegments(const Vec3& p1, const Vec3& q1, const Vec3& p2, const Vec3& q2, Vec3& c1,
                             Vec3& c2) {
  const Vec3 d1 = q1 - p1, d2 = q2 - p2, r = p1 - p2;
  const double a = dot(d1, d1), e = dot(d2, d2), f = dot(d2, r);
  auto clamp01 = [](double x) { return std::min(1.0, std::max(0.0, x)); };
  double s = 0, t = 0;
  if (a <= 0 && e <= 0) {
    // both are points
  } else if (a <= 0) {
    t = clamp01(f / e);
  } else {
    const double c = dot(d1, r);
    if (e <= 0) {
      s = clamp01(-c / a);
    } else {
      const double b = dot(d1, d2);
      const double denom = a * e - b * b;
      s = denom > 0 ? clamp01((b * f - c * e) / denom) : 0.0;
      t = (b * s + f) / e;
      if (t < 0) {
        t = 0;
        s = clamp01(-c / a);
      } else if (t > 1) {
        t = 1;
        s = clamp01((b - c) / a);
      }
    }
  }
  c1 = p1 + d1 * s;
  c2 = p2 + d2 * t;
}

// ---- contact ids ----

// The face pair of a face contact, 15 bits: exact for hulls with fewer than 128 faces, else a hash
// (ids only have to be stable and distinct within a manifold; the low 16 bits ensure the latter).
uint32_t faceKey(bool refIsB, std::size_t refFace, std::size_t incFace) {
  if (refFace < 128 && incFace < 128) {
    return (static_cast<uint32_t>(refIsB) << 14) | static_cast<uint32_t>(refFace << 7) |
           static_cast<uint32_t>(incFace);
  }
  uint64_t h = (static_cast<uint64_t>(refFace) << 33) ^ (static_cast<uint64_t>(incFace) << 1) ^
               static_cast<uint64_t>(refIsB);
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 31;
  return static_cast<uint32_t>(h & 0x7FFFu);
}

// Face contact ids: bit 31 clear, bits 16..30 the face pair, bits 8..15 and 0..7 the features of the
// two polygon edges meeting at the point (see clip_polygon.h).
uint32_t faceContactId(uint32_t key, uint8_t edgeIn, uint8_t edgeOut) {
  return (key << 16) | (static_cast<uint32_t>(edgeIn) << 8) | edgeOut;
}

// Edge contact ids: bit 31 set, then both edge indices.
uint32_t edgeContactId(int edgeA, int edgeB) {
  return 0x80000000u | ((static_cast<uint32_t>(edgeA) & 0x7FFFu) << 16) | (static_cast<uint32_t>(edgeB) & 0xFFFFu);
}

// ---- manifolds ----

// The face of `inc` most anti-parallel to the reference normal.
std::size_t incidentFace(const HullInA& inc, const Vec3& refNormalInA) {
  const Vec3 n = inc.directionToLocal(refNormalInA);
  const std::vector<HullFace>& faces = inc.hull->faces;
  std::size_t best = 0;
  double bestDot = kInf;
  for (std::size_t f = 0; f < faces.size(); ++f) {
    const double d = dot(faces[f].normal, n);
    if (d < bestDot) {
      bestDot = d;
      best = f;
    }
  }
  return best;
}

// Incident face polygon clipped by the side planes of the reference face (left in s.polygon).
void clipIncidentFace(const HullInA& ref, std::size_t refFace, const Vec3& refNormal, const HullInA& inc,
                      std::size_t incFace, double tolerance, Scratch& s) {
  const std::vector<uint32_t>& iv = inc.hull->faces[incFace].vertices;
  s.polygon.clear();
  for (std::size_t k = 0; k < iv.size(); ++k) {
    ClipVertex v;
    v.p = inc.vertex(iv[k]);
    v.edgeIn = incidentEdgeCode((k + iv.size() - 1) % iv.size());
    v.edgeOut = incidentEdgeCode(k);
    s.polygon.push_back(v);
  }
  const std::vector<uint32_t>& rv = ref.hull->faces[refFace].vertices;
  Vec3 p0 = ref.vertex(rv[0]);
  for (std::size_t e = 0; e < rv.size() && !s.polygon.empty(); ++e) {
    const Vec3 p1 = ref.vertex(rv[(e + 1) % rv.size()]);
    // Counter-clockwise face: edge × normal points out of the face.
    const Vec3 side = cross(p1 - p0, refNormal);
    const double len = length(side);
    if (len > 0) {
      const Vec3 sideNormal = side * (1.0 / len);
      clipPolygon(s.polygon, sideNormal, dot(sideNormal, p0), tolerance, referenceSideCode(e), s.clipped);
      std::swap(s.polygon, s.clipped);
    }
    p0 = p1;
  }
}

void writePoints(const ContactCandidate* c, int count, const Vec3& normal, double tolerance, Manifold& m) {
  int keep[4];
  const int n = reduceContactPolygon(c, count, normal, tolerance, keep);
  for (int i = 0; i < n; ++i) {
    m.points[i].point = c[keep[i]].point;
    m.points[i].separation = c[keep[i]].separation;
    m.points[i].id = c[keep[i]].id;
  }
  m.pointCount = n;
}

// Face contact on `ref`'s face `refFace`, in A's frame. Leaves m.pointCount at 0 when clipping
// leaves no point within the speculative distance.
void faceContact(const HullInA& ref, std::size_t refFace, const HullInA& inc, bool refIsB, double speculative,
                 double tolerance, Manifold& m) {
  Scratch& s = scratch();
  const Vec3 n = ref.normal(refFace);
  const double offset = ref.offset(refFace, n);
  const std::size_t incFace = incidentFace(inc, n);
  clipIncidentFace(ref, refFace, n, inc, incFace, tolerance, s);

  const uint32_t key = faceKey(refIsB, refFace, incFace);
  s.candidates.clear();
  for (const ClipVertex& v : s.polygon) {
    const double separation = dot(n, v.p) - offset;
    if (!(separation < speculative)) continue;
    // Midway between the incident point and its projection onto the reference plane.
    s.candidates.push_back({v.p - n * (0.5 * separation), separation, faceContactId(key, v.edgeIn, v.edgeOut)});
  }
  m.normal = refIsB ? -n : n;
  writePoints(s.candidates.data(), static_cast<int>(s.candidates.size()), n, tolerance, m);
}

// Last resort for a penetrating pair whose face contacts all clipped away (deep overlaps where the
// chosen face is small next to the penetration): one point at the incident hull's deepest vertex, so
// the pair is still pushed apart. Its id cannot collide with clipped points (no 0xFF/0xFF feature pair).
void deepestVertexContact(const HullInA& ref, std::size_t refFace, const HullInA& inc, bool refIsB,
                          double speculative, Manifold& m) {
  const Vec3 n = ref.normal(refFace);
  double lowest = 0;
  const uint32_t v = lowestVertex(inc, n, lowest);
  const double separation = lowest - ref.offset(refFace, n);
  if (!(separation < 0 && separation < speculative)) return;
  m.normal = refIsB ? -n : n;
  m.points[0].point = inc.vertex(v) - n * (0.5 * separation);
  m.points[0].separation = separation;
  m.points[0].id = faceContactId(faceKey(refIsB, refFace, incidentFace(inc, n)), 0xFF, 0xFF);
  m.pointCount = 1;
}

// One point midway between the closest points of the two edges.
void edgeContact(const HullInA& a, const HullInA& b, const EdgeQuery& q, double speculative, Manifold& m) {
  m.normal = q.axis;
  if (!(q.separation < speculative)) return;
  const HullEdge& ea = a.hull->edges[q.edgeA];
  const HullEdge& eb = b.hull->edges[q.edgeB];
  Vec3 ca, cb;
  closestPointsOfSegments(a.vertex(ea.v0), a.vertex(ea.v1), b.vertex(eb.v0), b.vertex(eb.v1), ca, cb);
  m.points[0].point = (ca + cb) * 0.5;
  m.points[0].separation = q.separation;
  m.points[0].id = edgeContactId(q.edgeA, q.edgeB);
  m.pointCount = 1;
}

enum class Axis { FaceOfA, FaceOfB, Edge };

// Face of A unless face of B or an edge pair separates clearly more (by the relative and absolute
// tolerances); zero tolerances give the exact best axis.
Axis chooseAxis(const FaceQuery& faceA, const FaceQuery& faceB, const EdgeQuery& edge, double relEdge,
                double relFace, double absTolerance) {
  const double bestFace = std::max(faceA.separation, faceB.separation);
  if (edge.edgeA >= 0 && edge.separation > bestFace + relEdge * std::fabs(bestFace) + absTolerance) return Axis::Edge;
  if (faceB.separation > faceA.separation + relFace * std::fabs(faceA.separation) + absTolerance) return Axis::FaceOfB;
  return Axis::FaceOfA;
}

void buildContact(Axis axis, const HullInA& inA, const HullInA& inB, const FaceQuery& faceA, const FaceQuery& faceB,
                  const EdgeQuery& edge, double speculative, double tolerance, Manifold& m) {
  switch (axis) {
    case Axis::Edge:
      edgeContact(inA, inB, edge, speculative, m);
      break;
    case Axis::FaceOfB:
      faceContact(inB, static_cast<std::size_t>(faceB.face), inA, true, speculative, tolerance, m);
      break;
    case Axis::FaceOfA:
      faceContact(inA, static_cast<std::size_t>(faceA.face), inB, false, speculative, tolerance, m);
      break;
  }
}

bool usable(const Hull& h) { return !h.vertices.empty() && !h.faces.empty(); }

// A face contact is rebuilt on its cached reference face while B has moved less than this many
// absolute slops relative to A (5 mm for boxes of a metre: a fraction of a degree of turn). Within
// half a slop the full search would surely keep that face; up to two it nearly always does in
// resting and slowly settling contacts (measured: stacks settle in the same number of steps), and
// the manifold is clipped anew at the current poses either way. It saves two fifths of the full
// searches of a settling pile.
constexpr double kReuseFractionOfSlop = 2;

// An upper bound on how far any point of either hull has moved in the other's frame since the
// cache was written: |Δp| + θ·(|p| + rA + rB), θ the angle of the relative rotation.
double motionSince(const Transform& then, const Transform& now, double radiusA, double radiusB) {
  const double cosHalf = then.q.w * now.q.w + then.q.x * now.q.x + then.q.y * now.q.y + then.q.z * now.q.z;
  const double d = std::min(1.0, std::fabs(cosHalf));
  const double angle = 2.0 * std::asin(std::min(1.0, std::sqrt(std::max(0.0, 1.0 - d * d))));
  const double reach = std::max(length(then.p), length(now.p)) + radiusA + radiusB;
  return length(now.p - then.p) + angle * reach;
}

void remember(SatCache* cache, SatCache::Kind kind, int face, double separation, const Transform& relative) {
  if (cache == nullptr) return;
  *cache = SatCache{kind, face, separation, relative};
}

// The cached result, if it still holds at the current poses: true when `m` is final.
bool reuseCache(const SatCache& cache, const HullInA& inA, const HullInA& inB, double motion, double slop,
                double speculative, double tolerance, Manifold& m) {
  switch (cache.kind) {
    case SatCache::Kind::Separated:
      // Along the old axis the gap shrank by at most `motion`.
      return cache.separation - motion >= speculative;
    case SatCache::Kind::FaceOfA:
      if (motion > kReuseFractionOfSlop * slop) return false;
      faceContact(inA, static_cast<std::size_t>(cache.face), inB, false, speculative, tolerance, m);
      return m.pointCount > 0;  // nothing left after clipping: let the full search decide
    case SatCache::Kind::None:
      break;
  }
  return false;
}

// The full separating axis search and the manifold on the chosen axis, in A's frame.
void searchAndBuild(const HullInA& inA, const HullInA& inB, double speculativeDistance, double absTolerance,
                    double linearTolerance, SatCache* cache, Manifold& m) {
  const FaceQuery faceA = queryFaces(inA, inB, speculativeDistance);
  if (faceA.separation >= speculativeDistance) return remember(cache, SatCache::Kind::Separated, -1, faceA.separation, inB.toA);
  const FaceQuery faceB = queryFaces(inB, inA, speculativeDistance);
  if (faceB.separation >= speculativeDistance) return remember(cache, SatCache::Kind::Separated, -1, faceB.separation, inB.toA);
  // An edge axis must beat the best face by more than the absolute slop to be used at all, so edge
  // pairs that cannot do that need not be looked at.
  const double edgeMustBeat = std::max(faceA.separation, faceB.separation) + absTolerance;
  const EdgeQuery edge = queryEdges(inA, inB, edgeMustBeat, speculativeDistance, scratch());
  if (edge.separation >= speculativeDistance) return remember(cache, SatCache::Kind::Separated, -1, edge.separation, inB.toA);

  Axis used = chooseAxis(faceA, faceB, edge, kRelEdgeTolerance, kRelFaceTolerance, absTolerance);
  buildContact(used, inA, inB, faceA, faceB, edge, speculativeDistance, linearTolerance, m);
  if (m.pointCount == 0) {
    // The hysteresis may have kept an axis that is now clearly worse (deep, fast changes); the exact
    // best axis then describes the contact better.
    const Axis best = chooseAxis(faceA, faceB, edge, 0, 0, 0);
    if (best != used) {
      used = best;
      buildContact(best, inA, inB, faceA, faceB, edge, speculativeDistance, linearTolerance, m);
    }
  }
  if (m.pointCount == 0 && used != Axis::Edge) {
    const bool refIsB = used == Axis::FaceOfB;
    const FaceQuery& face = refIsB ? faceB : faceA;
    deepestVertexContact(refIsB ? inB : inA, static_cast<std::size_t>(face.face), refIsB ? inA : inB, refIsB,
                         speculativeDistance, m);
    return remember(cache, SatCache::Kind::None, -1, 0, inB.toA);
  }
  // Only contacts on a face of A are kept. A face of B is used only while it beats A's faces by the
  // hysteresis margin, which a pair resting face to face soon stops doing; keeping B's face then
  // would switch the reference (and the point ids, losing the warm start) each time the cache
  // expires. Edge contacts are rare at rest and cheap to find again.
  if (m.pointCount > 0 && used == Axis::FaceOfA) return remember(cache, SatCache::Kind::FaceOfA, faceA.face, 0, inB.toA);
  remember(cache, SatCache::Kind::None, -1, 0, inB.toA);
}

}  // namespace

Manifold collideHulls(const Shape& a, const Transform& xa, const Shape& b, const Transform& xb,
                      double speculativeDistance, SatCache* cache) {
  Manifold m;
  const Hull& ha = a.hull;
  const Hull& hb = b.hull;
  if (!usable(ha) || !usable(hb)) return m;

  const Quat toAFrame = conjugate(xa.q);
  const HullInA inA{&ha, Transform{}, inradius(ha), true};
  const HullInA inB{&hb, Transform{rotate(toAFrame, xb.p - xa.p), toAFrame * xb.q}, inradius(hb)};
  const double radiusA = shapeRadius(a), radiusB = shapeRadius(b);
  const double absTolerance = std::min(kMaxAbsTolerance, kAbsToleranceOfSize * std::min(radiusA, radiusB));
  const double linearTolerance = kRelLinearTolerance * (radiusA + radiusB);

  const bool reused = cache != nullptr && cache->kind != SatCache::Kind::None &&
                      reuseCache(*cache, inA, inB, motionSince(cache->relative, inB.toA, radiusA, radiusB), absTolerance,
                                 speculativeDistance, linearTolerance, m);
  if (!reused) {
    m = Manifold{};
    searchAndBuild(inA, inB, speculativeDistance, absTolerance, linearTolerance, cache, m);
  }

  // Back to the world.
  m.normal = rotate(xa.q, m.normal);
  for (int i = 0; i < m.pointCount; ++i) m.points[i].point = apply(xa, m.points[i].point);
  return m;
}

}  // namespace msd
