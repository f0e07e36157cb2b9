#include "solver.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace msd {

namespace {

constexpr double kPi = 3.14159265358979323846;

double inverseOrZero(double k) { return k > 0 ? 1.0 / k : 0.0; }

Vec3 relativeVelocityAt(const SolverBody& a, const SolverBody& b, const Vec3& rA, const Vec3& rB) {
  return (b.v + cross(b.w, rB)) - (a.v + cross(a.w, rA));
}

}  // namespace

Softness makeSoftness(double hertz, double dampingRatio, double h) {
  if (hertz == 0.0) return {0.0, 1.0, 0.0};
  double omega = 2.0 * kPi * hertz;
  double a1 = 2.0 * dampingRatio + h * omega;
  double a2 = h * omega * a1;
  double a3 = 1.0 / (1.0 + a2);
  return {omega / a1, a2 * a3, a3};
}

ContactSolver::ContactSolver(std::vector<SolverBody>& bodies, std::vector<ContactConstraint>& constraints,
                             const SolverSettings& settings, double h)
    : bodies_(bodies), constraints_(constraints), settings_(settings), h_(h), invH_(h > 0 ? 1.0 / h : 0.0) {
  // Stiffness is capped at a quarter of the substep rate so the spring is always resolved in time.
  double hertz = std::min(settings.contactHertz, 0.25 * invH_);
  contactSoftness_ = makeSoftness(hertz, settings.contactDampingRatio, h);
  // Contacts against static bodies only move one body, so they can afford twice the stiffness.
  staticSoftness_ = makeSoftness(2.0 * hertz, settings.contactDampingRatio, h);
}

void ContactSolver::prepare() {
  for (ContactConstraint& c : constraints_) {
    const SolverBody& a = bodyOrStatic(c.a);
    const SolverBody& b = bodyOrStatic(c.b);
    const Contact& contact = *c.contact;
    c.softness = (c.a < 0 || c.b < 0) ? staticSoftness_ : contactSoftness_;
    Vec3 centerA, centerB;
    double reachA2 = 0, reachB2 = 0;
    for (int i = 0; i < c.pointCount; ++i) {
      ConstraintPoint& p = c.points[i];
      const ContactPoint& cp = contact.points[i];
      p.normalImpulse = cp.normalImpulse;
      p.maxNormalImpulse = 0;
      p.stepImpulse = 0;
      p.rnA = cross(p.rA, c.normal);
      p.rnB = cross(p.rB, c.normal);
      p.baseSeparation = cp.mp.separation - dot(p.rB - p.rA, c.normal);
      p.relativeVelocity = dot(c.normal, relativeVelocityAt(a, b, p.rA, p.rB));
      centerA += p.rA;
      centerB += p.rB;
      reachA2 = std::max(reachA2, lengthSquared(p.rA));
      reachB2 = std::max(reachB2, lengthSquared(p.rB));
    }
    c.reachA = std::sqrt(reachA2);
    c.reachB = std::sqrt(reachB2);
    double inv = 1.0 / c.pointCount;
    c.frictionRA = centerA * inv;
    c.frictionRB = centerB * inv;
    c.rtA1 = cross(c.frictionRA, c.tangent1);
    c.rtA2 = cross(c.frictionRA, c.tangent2);
    c.rtB1 = cross(c.frictionRB, c.tangent1);
    c.rtB2 = cross(c.frictionRB, c.tangent2);
    refreshAngular(c, a, b);
    // Effective masses 1 / (mA⁻¹ + mB⁻¹ + (r×n)·I⁻¹(r×n) …), from the directions just cached.
    for (int i = 0; i < c.pointCount; ++i) {
      ConstraintPoint& p = c.points[i];
      p.normalMass = inverseOrZero(a.invMass + b.invMass + dot(p.rnA, p.angularA) + dot(p.rnB, p.angularB));
    }
    c.tangentMass1 = inverseOrZero(a.invMass + b.invMass + dot(c.rtA1, c.angularA1) + dot(c.rtB1, c.angularB1));
    c.tangentMass2 = inverseOrZero(a.invMass + b.invMass + dot(c.rtA2, c.angularA2) + dot(c.rtB2, c.angularB2));
    c.twistMass = inverseOrZero(dot(c.normal, c.twistA) + dot(c.normal, c.twistB));
    // Friction radius of the patch: 2/3 of the mean in-plane distance of the points from the
    // centre (the exact factor for a uniformly loaded disc). Zero for a single point.
    double meanDistance = 0;
    for (int i = 0; i < c.pointCount; ++i) {
      Vec3 d = c.points[i].rA - c.frictionRA;
      meanDistance += length(d - c.normal * dot(d, c.normal));
    }
    c.twistRadius = (2.0 / 3.0) * meanDistance * inv;
    c.tangentImpulse1 = contact.tangentImpulse1;
    c.tangentImpulse2 = contact.tangentImpulse2;
    c.twistImpulse = contact.twistImpulse;
  }
  refresh();
}

void ContactSolver::refresh() {
  for (ContactConstraint& c : constraints_) refreshConstraint(c, bodyOrStatic(c.a), bodyOrStatic(c.b));
}

void ContactSolver::refreshConstraint(ContactConstraint& c, const SolverBody& a, const SolverBody& b) {
  // Current separation from how far the bodies moved since the manifold was computed:
  // s = n·(Δp + R_B rB − R_A rA) + base, with n·(R r) = (Rᵀn)·r, so the normal is turned into
  // each body's rotation once per manifold instead of turning every anchor.
  double shift = dot(b.deltaPosition - a.deltaPosition, c.normal);
  Vec3 normalInA = inverseRotate(a.deltaRotation, c.normal), normalInB = inverseRotate(b.deltaRotation, c.normal);
  for (int i = 0; i < c.pointCount; ++i) {
    ConstraintPoint& p = c.points[i];
    p.separation = shift + dot(p.rB, normalInB) - dot(p.rA, normalInA) + p.baseSeparation;
  }
  if (!a.inertiaFixed || !b.inertiaFixed) refreshAngular(c, a, b);
}

void ContactSolver::refreshAngular(ContactConstraint& c, const SolverBody& a, const SolverBody& b) {
  for (int i = 0; i < c.pointCount; ++i) {
    ConstraintPoint& p = c.points[i];
    p.angularA = a.invInertia * p.rnA;
    p.angularB = b.invInertia * p.rnB;
  }
  c.angularA1 = a.invInertia * c.rtA1;
  c.angularA2 = a.invInertia * c.rtA2;
  c.angularB1 = b.invInertia * c.rtB1;
  c.angularB2 = b.invInertia * c.rtB2;
  c.twistA = a.invInertia * c.normal;
  c.twistB = b.invInertia * c.normal;
}

namespace {

// Impulse λ along the normal at point p (cached directions: no matrix products in the inner loop).
void applyNormalImpulse(SolverBody& a, SolverBody& b, const ConstraintPoint& p, const Vec3& normal, double lambda) {
  a.v -= normal * (lambda * a.invMass);
  a.w -= p.angularA * lambda;
  b.v += normal * (lambda * b.invMass);
  b.w += p.angularB * lambda;
}

// Tangent impulses λ1, λ2 at the patch centre.
void applyTangentImpulse(SolverBody& a, SolverBody& b, const ContactConstraint& c, double lambda1, double lambda2) {
  Vec3 p = c.tangent1 * lambda1 + c.tangent2 * lambda2;
  a.v -= p * a.invMass;
  a.w -= c.angularA1 * lambda1 + c.angularA2 * lambda2;
  b.v += p * b.invMass;
  b.w += c.angularB1 * lambda1 + c.angularB2 * lambda2;
}

// Normal relative velocity at p: n·(vB − vA) + ωB·(rB × n) − ωA·(rA × n).
double normalVelocity(const SolverBody& a, const SolverBody& b, const ConstraintPoint& p, const Vec3& normal) {
  return dot(b.v - a.v, normal) + dot(b.w, p.rnB) - dot(a.w, p.rnA);
}

}  // namespace

void ContactSolver::warmStart() {
  for (ContactConstraint& c : constraints_) {
    SolverBody& a = bodyOrStatic(c.a);
    SolverBody& b = bodyOrStatic(c.b);
    for (int i = 0; i < c.pointCount; ++i) {
      if (c.points[i].normalImpulse != 0) applyNormalImpulse(a, b, c.points[i], c.normal, c.points[i].normalImpulse);
    }
    applyTangentImpulse(a, b, c, c.tangentImpulse1, c.tangentImpulse2);
    a.w -= c.twistA * c.twistImpulse;
    b.w += c.twistB * c.twistImpulse;
  }
}

void ContactSolver::solve(bool useBias) {
  reverseOrder_ = !reverseOrder_;
  for (ContactConstraint& c : constraints_) {
    SolverBody& a = bodyOrStatic(c.a);
    SolverBody& b = bodyOrStatic(c.b);
    solveNormal(c, a, b, useBias);
    solveFriction(c, a, b);
  }
}

void ContactSolver::relax() {
  // One pass over the constraints instead of three (refresh, relax, accumulate): the poses do not
  // change while relaxing, so refreshing each constraint just before it is solved is the same.
  reverseOrder_ = !reverseOrder_;
  for (ContactConstraint& c : constraints_) {
    SolverBody& a = bodyOrStatic(c.a);
    SolverBody& b = bodyOrStatic(c.b);
    refreshConstraint(c, a, b);
    solveNormal(c, a, b, false);
    solveFriction(c, a, b);
    for (int i = 0; i < c.pointCount; ++i) c.points[i].stepImpulse += c.points[i].normalImpulse;
  }
}

namespace {

double normL1(const Vec3& v) { return std::fabs(v.x) + std::fabs(v.y) + std::fabs(v.z); }

}  // namespace

// Whether no point of `c` can take an impulse in this pass: every point is apart (s > 0) and holds
// no impulse, and the bodies cannot approach fast enough to close the gap within the substep —
// |vn| ≤ |vB − vA| + |ωA|·reachA + |ωB|·reachB (bounded above with L1 norms, which are cheap).
// Solving such a point computes a negative impulse that is clamped to zero, so skipping the
// constraint gives the same result: it saves the work of speculative contacts between neighbours.
bool ContactSolver::cannotEngage(const ContactConstraint& c, const SolverBody& a, const SolverBody& b) const {
  double closest = std::numeric_limits<double>::infinity();
  for (int i = 0; i < c.pointCount; ++i) {
    const ConstraintPoint& p = c.points[i];
    if (!(p.separation > 0) || p.normalImpulse != 0) return false;
    closest = std::min(closest, p.separation);
  }
  const double fastestApproach = normL1(b.v - a.v) + c.reachA * normL1(a.w) + c.reachB * normL1(b.w);
  // A margin far above rounding, so the bound stays an upper bound.
  return fastestApproach * (1 + 1e-6) + 1e-12 < closest * invH_;
}

void ContactSolver::solveNormal(ContactConstraint& c, SolverBody& a, SolverBody& b, bool useBias) {
  if (cannotEngage(c, a, b)) return;
  // Alternate the point order between iterations (symmetric Gauss–Seidel), so the order-dependent
  // error of one pass is undone by the next instead of accumulating into a spin.
  // A face contact's points are strongly coupled through the bodies' rotation: a few local passes
  // per iteration (cheap: the two bodies are already in cache) converge the manifold so a stack
  // does not pick up a spin from the order its points were solved in.
  const int passes = c.pointCount > 1 ? (useBias ? settings_.normalPasses : settings_.relaxPasses) : 1;
  const int last = c.pointCount - 1;
  for (int pass = 0; pass < passes; ++pass) {
    const bool reverse = reverseOrder_ != (pass % 2 == 1);
    for (int j = 0; j <= last; ++j) solvePoint(c, c.points[reverse ? last - j : j], a, b, useBias);
  }
}

void ContactSolver::solvePoint(const ContactConstraint& c, ConstraintPoint& p, SolverBody& a, SolverBody& b, bool useBias) {
  double s = p.separation;
  double bias = 0, massScale = 1, impulseScale = 0;
  if (s > 0) {
    bias = s * invH_;  // speculative: let the gap close within this substep, no further
  } else if (useBias) {
    bias = std::max(c.softness.biasRate * s, -settings_.contactPushMaxVelocity);
    massScale = c.softness.massScale;
    impulseScale = c.softness.impulseScale;
  }
  double vn = normalVelocity(a, b, p, c.normal);
  double impulse = -p.normalMass * massScale * (vn + bias) - impulseScale * p.normalImpulse;
  double newImpulse = std::max(p.normalImpulse + impulse, 0.0);
  impulse = newImpulse - p.normalImpulse;
  // A point that stays apart (or stays clamped) changes nothing: most speculative points, each pass.
  if (impulse == 0) return;
  p.normalImpulse = newImpulse;
  p.maxNormalImpulse = std::max(p.maxNormalImpulse, impulse);
  applyNormalImpulse(a, b, p, c.normal, impulse);
}

void ContactSolver::solveFriction(ContactConstraint& c, SolverBody& a, SolverBody& b) {
  double totalNormalImpulse = 0;
  for (int i = 0; i < c.pointCount; ++i) totalNormalImpulse += c.points[i].normalImpulse;
  double limit = c.friction * totalNormalImpulse;
  // No load and nothing to undo (a speculative contact): every impulse below would be clamped to zero.
  if (limit == 0 && c.tangentImpulse1 == 0 && c.tangentImpulse2 == 0 && c.twistImpulse == 0) return;

  Vec3 dv = b.v - a.v;
  double v1 = dot(dv, c.tangent1) + dot(b.w, c.rtB1) - dot(a.w, c.rtA1);
  double v2 = dot(dv, c.tangent2) + dot(b.w, c.rtB2) - dot(a.w, c.rtA2);
  double old1 = c.tangentImpulse1, old2 = c.tangentImpulse2;
  double new1 = old1 - c.tangentMass1 * v1;
  double new2 = old2 - c.tangentMass2 * v2;
  double magnitudeSq = new1 * new1 + new2 * new2;
  if (magnitudeSq > limit * limit) {  // Coulomb's circular cone: |λt| ≤ μ Σλn
    double scale = limit / std::sqrt(magnitudeSq);
    new1 *= scale;
    new2 *= scale;
  }
  c.tangentImpulse1 = new1;
  c.tangentImpulse2 = new2;
  applyTangentImpulse(a, b, c, new1 - old1, new2 - old2);

  if (c.twistRadius > 0) {
    double twistLimit = limit * c.twistRadius;
    double spin = dot(b.w - a.w, c.normal);
    double oldTwist = c.twistImpulse;
    c.twistImpulse = std::clamp(oldTwist - c.twistMass * spin, -twistLimit, twistLimit);
    double twist = c.twistImpulse - oldTwist;
    a.w -= c.twistA * twist;
    b.w += c.twistB * twist;
  }
}

void ContactSolver::applyRestitution() {
  // Gauss–Seidel passes so multi-point manifolds (a face-down box) converge to v⁺ = −e v⁻ at every point.
  for (int iteration = 0; iteration < settings_.restitutionIterations; ++iteration) {
    double largestChange = 0;
    for (ContactConstraint& c : constraints_) {
      if (c.restitution == 0) continue;
      SolverBody& a = bodyOrStatic(c.a);
      SolverBody& b = bodyOrStatic(c.b);
      for (int i = 0; i < c.pointCount; ++i) {
        ConstraintPoint& p = c.points[i];
        if (p.relativeVelocity > -settings_.restitutionThreshold || p.maxNormalImpulse == 0) continue;
        double vn = normalVelocity(a, b, p, c.normal);
        double impulse = -p.normalMass * (vn + c.restitution * p.relativeVelocity);
        double newImpulse = std::max(p.normalImpulse + impulse, 0.0);
        impulse = newImpulse - p.normalImpulse;
        p.normalImpulse = newImpulse;
        p.stepImpulse += impulse;
        p.maxNormalImpulse = std::max(p.maxNormalImpulse, impulse);
        largestChange = std::max(largestChange, std::fabs(impulse) * (p.normalMass > 0 ? 1.0 / p.normalMass : 0.0));
        applyNormalImpulse(a, b, p, c.normal, impulse);
      }
    }
    if (largestChange < 1e-9) break;
  }
}

void ContactSolver::storeImpulses() {
  for (ContactConstraint& c : constraints_) {
    for (int i = 0; i < c.pointCount; ++i) {
      ContactPoint& cp = c.contact->points[i];
      const ConstraintPoint& p = c.points[i];
      cp.normalImpulse = p.normalImpulse;
      cp.stepNormalImpulse = p.stepImpulse;
      cp.maxNormalImpulse = p.maxNormalImpulse;
      cp.relativeVelocity = p.relativeVelocity;
    }
    c.contact->tangentImpulse1 = c.tangentImpulse1;
    c.contact->tangentImpulse2 = c.tangentImpulse2;
    c.contact->twistImpulse = c.twistImpulse;
  }
}

double contactResidual(const std::vector<SolverBody>& bodies, const std::vector<ContactConstraint>& constraints,
                       double restitutionThreshold) {
  const SolverBody still;
  double worst = 0;
  for (const ContactConstraint& c : constraints) {
    const SolverBody& a = c.a >= 0 ? bodies[static_cast<size_t>(c.a)] : still;
    const SolverBody& b = c.b >= 0 ? bodies[static_cast<size_t>(c.b)] : still;
    for (int i = 0; i < c.pointCount; ++i) {
      const ConstraintPoint& p = c.points[i];
      if (p.normalImpulse <= 0) continue;
      double vn = dot(relativeVelocityAt(a, b, p.rA, p.rB), c.normal);
      // Target after restitution: −e·v⁻ for bouncing points, 0 otherwise.
      double target = (p.relativeVelocity < -restitutionThreshold) ? -c.restitution * p.relativeVelocity : 0.0;
      worst = std::max(worst, std::fabs(vn - target) * (vn < target ? 1.0 : 0.0));
    }
  }
  return worst;
}

}  // namespace msd
