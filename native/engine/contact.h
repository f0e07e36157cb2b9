// A contact between two bodies whose fat boxes overlap: its manifold, and per point the impulses
// that persist from step to step (matched by feature id) for warm starting.
#pragma once

#include <cstdint>

#include "manifold.h"
#include "math.h"

namespace msd {

struct ContactPoint {
  ManifoldPoint mp;
  double normalImpulse = 0;     // accumulated impulse of the last substep (warm-starts the next step), N·s
  double stepNormalImpulse = 0; // total normal impulse over the whole last step (reported), N·s
  double maxNormalImpulse = 0;  // largest single normal impulse applied this step (restitution gate)
  double relativeVelocity = 0;  // normal relative velocity at the start of the step (restitution)
};

struct Contact {
  uint32_t bodyA = 0, bodyB = 0;   // ids; A is the dynamic body in dynamic–static pairs, else the lower id
  int32_t indexA = -1, indexB = -1; // the bodies' places in the world's body array (kept up to date by it)
  Vec3 normal{0, 0, 1};            // A → B
  Vec3 tangent1{1, 0, 0}, tangent2{0, 1, 0};
  int pointCount = 0;
  ContactPoint points[4];
  double friction = 0;             // combined
  double restitution = 0;          // combined
  // Friction acts at the centre of the contact patch (two tangent impulses and one twist impulse
  // about the normal), so a sliding box sees symmetric friction whatever order points are solved in.
  double tangentImpulse1 = 0, tangentImpulse2 = 0, twistImpulse = 0;
  SatCache sat;                    // the narrowphase's axis search, reused while the pair barely moves

  bool isTouching() const { return pointCount > 0; }
};

inline uint64_t pairKey(uint32_t a, uint32_t b) {
  uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
  return (static_cast<uint64_t>(lo) << 32) | hi;
}

// Replaces the contact's manifold with `m`, carrying normal impulses over for points whose feature id
// matches, and the patch friction impulses while the normal stays nearly the same.
void updateContactManifold(Contact& c, const Manifold& m);

// Pair material rule (documented in the README): geometric mean for friction and restitution.
inline double mixFriction(double a, double b) { return std::sqrt(a * b); }
inline double mixRestitution(double a, double b) { return std::sqrt(a * b); }

}  // namespace msd
