// Polyhedral mass properties: the solid is the signed sum of tetrahedra (r, a, b, c) over the fan
// triangles (a, b, c) of the surface, r a fixed reference point. For a tetrahedron with one corner
// at the origin and the others at a, b, c (relative to r), with d = a . (b x c) = 6 V:
//   volume         V          = d / 6
//   first moment   ∫ x dV     = V (a + b + c) / 4                         = d s / 24,  s = a + b + c
//   second moment  ∫ x xᵀ dV  = V / 20 (a aᵀ + b bᵀ + c cᵀ + s sᵀ)         = d (…) / 120
// (the last from integrating over the unit tetrahedron and mapping it linearly; it gives 1/60 on
// the diagonal and 1/120 off it for the unit corner tetrahedron). Signed volumes make the sum exact
// for any closed, consistently oriented surface, whatever r is; r is taken at the vertex average so
// the terms stay small and cancel little.
#include "mass_properties.h"

#include <cmath>
#include "error.h"
#include "validate.h"

namespace msd {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct Moments {
  double sixVolume = 0;   // Σ d
  Vec3 firstMoment24;     // Σ d s
  Mat3 secondMoment120 = Mat3::zero();  // Σ d (a aᵀ + b bᵀ + c cᵀ + s sᵀ)
};

void addTetrahedron(Moments& m, const Vec3& a, const Vec3& b, const Vec3& c) {
  const double d = dot(a, cross(b, c));
  const Vec3 s = a + b + c;
  m.sixVolume += d;
  m.firstMoment24 += s * d;
  m.secondMoment120 = m.secondMoment120 + (outer(a, a) + outer(b, b) + outer(c, c) + outer(s, s)) * d;
}

double trace(const Mat3& m) { return m.r0.x + m.r1.y + m.r2.z; }

}  // namespace

MassProperties computeMassProperties(const Hull& hull) {
  Vec3 reference;
  for (const Vec3& v : hull.vertices) reference += v;
  if (!hull.vertices.empty()) reference *= 1.0 / static_cast<double>(hull.vertices.size());

  Moments m;
  for (const HullFace& face : hull.faces) {
    const std::vector<uint32_t>& poly = face.vertices;
    if (poly.size() < 3) continue;
    const Vec3 a = hull.vertices[poly[0]] - reference;
    for (size_t k = 1; k + 1 < poly.size(); ++k) {
      addTetrahedron(m, a, hull.vertices[poly[k]] - reference, hull.vertices[poly[k + 1]] - reference);
    }
  }

  const double volume = m.sixVolume / 6.0;
  if (!(volume > 0.0) || !std::isfinite(volume)) throw EngineError("degenerate hull: volume is not positive");
  const Vec3 centroidOffset = m.firstMoment24 * (1.0 / (24.0 * volume));
  // Covariance about the centroid, per unit mass (density 1 / V): C / V - g gᵀ.
  const Mat3 covariance = m.secondMoment120 * (1.0 / (120.0 * volume)) - outer(centroidOffset, centroidOffset);

  MassProperties props;
  props.volume = volume;
  props.centroid = reference + centroidOffset;
  // I = tr(C) 1 - C for the covariance C = ∫ x xᵀ dm.
  props.inertiaPerMass = Mat3::identity() * trace(covariance) - covariance;
  return props;
}

MassProperties sphereMassProperties(double radius) {
  requirePositive(radius, "radius");
  MassProperties props;
  props.volume = 4.0 / 3.0 * kPi * radius * radius * radius;
  const double i = 0.4 * radius * radius;
  props.inertiaPerMass = Mat3::diagonal(Vec3{i, i, i});
  return props;
}

}  // namespace msd
