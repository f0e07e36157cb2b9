// Soft-step contact solver (after Box2D v3, in 3D): per step the contacts are prepared once, then
// each substep integrates velocities, warm starts, solves with a soft (spring-damper) position bias,
// integrates positions and relaxes without bias. Restitution is applied once after the substeps.
// Friction is Coulomb with a circular cone, solved together with non-penetration.
#pragma once

#include <cstdint>
#include <vector>

#include "contact.h"
#include "math.h"

namespace msd {

// Velocity state of an awake dynamic body during the step. deltaPosition/deltaRotation track how far
// the body moved since the step began, so contact separations can be updated without re-colliding.
struct SolverBody {
  // What the solver's inner loops read, first: one cache line.
  Vec3 v, w;
  double invMass = 0;
  Vec3 deltaPosition;
  Quat deltaRotation;
  Mat3 invInertia = Mat3::zero();  // world frame, refreshed after each position integration
  bool inertiaFixed = true;        // invInertia does not change as the body turns (isotropic or static)
};

// Spring-damper parameters of a soft constraint for one substep length h.
struct Softness {
  double biasRate = 0, massScale = 1, impulseScale = 0;
};
Softness makeSoftness(double hertz, double dampingRatio, double h);

struct ConstraintPoint {
  Vec3 rA, rB;                 // anchors relative to the centres of mass, world frame, fixed for the step
  Vec3 rnA, rnB;               // rA × n, rB × n: how the normal impulse turns each body (fixed for the step)
  Vec3 angularA, angularB;     // IA⁻¹·rnA, IB⁻¹·rnB at the bodies' current orientations (see refresh())
  double separation = 0;       // at the bodies' current positions (see refresh())
  double baseSeparation = 0;   // separation minus the anchors' contribution, so s = dot(d, n) + base
  double normalMass = 0;
  double relativeVelocity = 0;
  double normalImpulse = 0, maxNormalImpulse = 0;
  double stepImpulse = 0;      // sum over the substeps (and restitution) of the impulse applied
};

// Non-penetration per point; Coulomb friction per manifold at the patch centre: a 2D tangent
// impulse bounded by μ·Σλn (circular cone) and a twist impulse about the normal bounded by
// μ·r_twist·Σλn, where r_twist approximates the patch's friction radius.
struct ContactConstraint {
  int32_t a = -1, b = -1;      // SolverBody indices; -1 is a static body with zero velocity
  Vec3 normal, tangent1, tangent2;
  double friction = 0, restitution = 0;
  Softness softness;
  int pointCount = 0;
  ConstraintPoint points[4];
  Vec3 frictionRA, frictionRB;  // patch centre relative to each centre of mass
  Vec3 rtA1, rtA2, rtB1, rtB2;  // frictionR × tangent: how the tangent impulses turn each body
  Vec3 angularA1, angularA2, angularB1, angularB2, twistA, twistB;  // I⁻¹ applied to those and to n (see refresh())
  double tangentMass1 = 0, tangentMass2 = 0, twistMass = 0, twistRadius = 0;
  double reachA = 0, reachB = 0;  // largest |rA|, |rB| over the points (bounds how fast spin moves them)
  double tangentImpulse1 = 0, tangentImpulse2 = 0, twistImpulse = 0;
  Contact* contact = nullptr;  // where impulses are stored back
};

struct SolverSettings {
  double contactHertz = 30;
  double contactDampingRatio = 10;
  double contactPushMaxVelocity = 3;
  double restitutionThreshold = 0.2;
  int restitutionIterations = 8;
  // Gauss–Seidel passes over a multi-point manifold per solve (with bias) and per relax.
  int normalPasses = 2;
  int relaxPasses = 2;
};

class ContactSolver {
 public:
  ContactSolver(std::vector<SolverBody>& bodies, std::vector<ContactConstraint>& constraints,
                const SolverSettings& settings, double h);

  // Effective masses, softness, warm-start impulses and the approach velocity used by restitution.
  // Expects each point's anchors (rA, rB) to be filled in by the caller; derives the patch centre.
  void prepare();
  // Recomputes what depends on the bodies' current poses (separations, I⁻¹-weighted directions).
  // prepare() does it for the poses at the step's start, relax() after each position integration.
  void refresh();
  void warmStart();
  // Solves with the soft position bias (after warmStart).
  void solve(bool useBias);
  // After a position integration: refreshes separations, solves without bias, and adds each point's
  // substep impulse to its step total, in one pass. Call once at the end of every substep.
  void relax();
  void applyRestitution();
  void storeImpulses();

 private:
  SolverBody& bodyOrStatic(int32_t index) { return index >= 0 ? bodies_[index] : static_; }
  // The I⁻¹-weighted impulse directions, for the bodies' current inverse inertias.
  static void refreshAngular(ContactConstraint& c, const SolverBody& a, const SolverBody& b);
  static void refreshConstraint(ContactConstraint& c, const SolverBody& a, const SolverBody& b);
  bool cannotEngage(const ContactConstraint& c, const SolverBody& a, const SolverBody& b) const;
  void solveNormal(ContactConstraint& c, SolverBody& a, SolverBody& b, bool useBias);
  void solvePoint(const ContactConstraint& c, ConstraintPoint& p, SolverBody& a, SolverBody& b, bool useBias);
  void solveFriction(ContactConstraint& c, SolverBody& a, SolverBody& b);

  std::vector<SolverBody>& bodies_;
  std::vector<ContactConstraint>& constraints_;
  SolverSettings settings_;
  double h_, invH_;
  Softness contactSoftness_, staticSoftness_;
  SolverBody static_;
  bool reverseOrder_ = true;
};

// Largest approach velocity left at contacts that carry load after a step's solve (a residual for
// diagnostics), m/s, from the solver's bodies and constraints as the step left them.
double contactResidual(const std::vector<SolverBody>& bodies, const std::vector<ContactConstraint>& constraints,
                       double restitutionThreshold);

}  // namespace msd
