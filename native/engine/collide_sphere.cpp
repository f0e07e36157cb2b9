// Sphere pairs. A sphere touches with one point, so the work is finding the closest feature:
// the centre line for two spheres, the closest point of the hull for a hull and a sphere.
#include "collide_sphere.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace msd {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// A sphere contact is one feature for as long as it lasts, so one fixed id keeps warm starting.
constexpr uint32_t kSphereContactId = 0;
// Centre-to-surface distances below this fraction of the shapes' size are treated as zero: the
// direction to the closest point would be rounding noise, so the face normal is used instead.
constexpr double kRelLinearTolerance = 1e-9;

Vec3 closestPointOnSegment(const Vec3& p, const Vec3& v0, const Vec3& v1) {
  const Vec3 d = v1 - v0;
  const double len2 = lengthSquared(d);
  if (!(len2 > 0)) return v0;
  const double t = std::min(1.0, std::max(0.0, dot(p - v0, d) / len2));
  return v0 + d * t;
}

// Closest point of the convex polygon `face` to `p`, which lies `planeDistance` in front of it.
Vec3 closestPointOnFace(const Hull& hull, const HullFace& face, const Vec3& p, double planeDistance) {
  const Vec3 q = p - face.normal * planeDistance;  // p projected onto the face plane
  const std::size_t n = face.vertices.size();
  bool inside = true;
  for (std::size_t k = 0; k < n && inside; ++k) {
    const Vec3& v0 = hull.vertices[face.vertices[k]];
    const Vec3& v1 = hull.vertices[face.vertices[(k + 1) % n]];
    inside = dot(cross(v1 - v0, q - v0), face.normal) >= 0;  // counter-clockwise: inside is on the left
  }
  if (inside) return q;
  // Outside the polygon the closest point lies on its boundary.
  Vec3 best = q;
  double bestD2 = kInf;
  for (std::size_t k = 0; k < n; ++k) {
    const Vec3 x = closestPointOnSegment(q, hull.vertices[face.vertices[k]], hull.vertices[face.vertices[(k + 1) % n]]);
    const double d2 = lengthSquared(x - q);
    if (d2 < bestD2) {
      bestD2 = d2;
      best = x;
    }
  }
  return best;
}

double hullRadius(const Shape& s) {
  if (s.boundingRadius > 0) return s.boundingRadius;
  double r2 = 0;
  for (const Vec3& v : s.hull.vertices) r2 = std::max(r2, lengthSquared(v));
  return std::sqrt(r2);
}

}  // namespace

Manifold collideSpheres(const Vec3& centerA, double radiusA, const Vec3& centerB, double radiusB,
                        double speculativeDistance) {
  Manifold m;
  const Vec3 d = centerB - centerA;
  const double distance = length(d);
  const double separation = distance - radiusA - radiusB;
  if (!(separation < speculativeDistance)) return m;
  const Vec3 n = normalizeOr(d, Vec3{0, 0, 1});
  const Vec3 onA = centerA + n * radiusA, onB = centerB - n * radiusB;
  m.normal = n;
  m.pointCount = 1;
  m.points[0].point = (onA + onB) * 0.5;
  m.points[0].separation = separation;
  m.points[0].id = kSphereContactId;
  return m;
}

Manifold collideHullSphere(const Shape& hullShape, const Transform& xf, const Vec3& sphereCenter, double radius,
                           double speculativeDistance) {
  Manifold m;
  const Hull& hull = hullShape.hull;
  if (hull.faces.empty() || hull.vertices.empty()) return m;
  const Vec3 c = applyInverse(xf, sphereCenter);

  // The face plane the centre is farthest in front of: a lower bound of the distance to the hull,
  // and inside the hull the nearest way out.
  std::size_t maxFace = 0;
  double maxDistance = -kInf;
  for (std::size_t f = 0; f < hull.faces.size(); ++f) {
    const double d = dot(hull.faces[f].normal, c) - hull.faces[f].offset;
    if (d > maxDistance) {
      maxDistance = d;
      maxFace = f;
    }
  }
  if (!(maxDistance - radius < speculativeDistance)) return m;

  Vec3 normal = hull.faces[maxFace].normal;
  Vec3 onHull = c - normal * maxDistance;
  double separation = maxDistance - radius;
  if (maxDistance > 0) {
    // Outside: the closest point lies on a face the centre is in front of.
    double bestD2 = kInf;
    for (std::size_t f = 0; f < hull.faces.size(); ++f) {
      const double d = dot(hull.faces[f].normal, c) - hull.faces[f].offset;
      if (!(d > 0)) continue;
      const Vec3 x = closestPointOnFace(hull, hull.faces[f], c, d);
      const double d2 = lengthSquared(c - x);
      if (d2 < bestD2) {
        bestD2 = d2;
        onHull = x;
      }
    }
    const double distance = std::sqrt(bestD2);
    if (distance > kRelLinearTolerance * (hullRadius(hullShape) + radius)) {
      normal = (c - onHull) * (1.0 / distance);
      separation = distance - radius;
    }
  }
  if (!(separation < speculativeDistance)) return m;

  const Vec3 onSphere = c - normal * radius;
  m.normal = rotate(xf.q, normal);
  m.pointCount = 1;
  m.points[0].point = apply(xf, (onHull + onSphere) * 0.5);
  m.points[0].separation = separation;
  m.points[0].id = kSphereContactId;
  return m;
}

}  // namespace msd
