// What a step reports about its contacts (frames, recordings): which manifold points count as
// touching, and the friction the solver applied per contact patch. The solver keeps friction per
// patch (two tangent impulses at the patch centre, see solver.h), not per point, so this is what
// there is to report; splitting it over the points is left to the consumer.
#pragma once

#include "contact.h"
#include "math.h"

namespace msd {

// A manifold point counts as touching within this gap (m); farther points are speculative.
constexpr double kTouchingGap = 0.005;

inline bool isTouching(const ContactPoint& p) { return p.mp.separation <= kTouchingGap; }

int touchingPointCount(const Contact& c);

struct PatchFriction {
  double coefficient = 0;        // the pair's combined μ (mixFriction of the two bodies)
  Vec3 tangent1, tangent2;       // the solver's tangent basis, perpendicular to the normal
  double force1 = 0, force2 = 0; // friction force on B along each tangent, N (A gets the opposite)
  // Normal impulse of the step over every point of the patch, speculative ones included (they can
  // carry load too, and the Coulomb bound is on the patch's total), N·s.
  double patchNormalImpulse = 0;
};

// The friction force the solver applied at a contact's patch in the last substep of a step of
// `stepDt` seconds with `substeps` substeps: the accumulated tangent impulses divided by the substep
// length. Zero when nothing has been stepped (stepDt ≤ 0).
PatchFriction patchFriction(const Contact& c, double stepDt, int substeps);

}  // namespace msd
