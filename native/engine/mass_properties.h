// Exact mass properties of a closed polyhedron by polyhedral integration
// (signed tetrahedra from the origin; exact for any closed triangulated surface).
#pragma once

#include "hull.h"
#include "math.h"

namespace msd {

struct MassProperties {
  double volume = 0;
  Vec3 centroid;          // centre of volume (= centre of mass for uniform density)
  Mat3 inertiaPerMass;    // inertia tensor about the centroid for a total mass of 1 kg
};

// Throws EngineError("degenerate hull: volume is not positive") for flat or inverted input.
MassProperties computeMassProperties(const Hull& hull);

// Solid sphere of the given radius, centred at the origin.
MassProperties sphereMassProperties(double radius);

}  // namespace msd
