#include "world.h"

#include <algorithm>
#include <cmath>


#include "error.h"
#include "validate.h"

namespace msd {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kFatBoxLookAheadSteps = 3;  // see refreshProxy
constexpr double kLinearSlop = 0.005;          // m: points closer than this count as touching

Transform transformOf(const Body& b) { return {b.position, b.orientation}; }

}  // namespace

void validateConfig(const WorldConfig& c) {
  requireFinite(c.gravity, "gravity");
  requirePositive(c.maxStep, "maxStep");
  if (c.substeps < 1 || c.substeps > 64) throw EngineError("substeps must be an integer in [1, 64] (got " + std::to_string(c.substeps) + ")");
}

World::World(const WorldConfig& config) : config_(config) { validateConfig(config_); }

// Shapes ---------------------------------------------------------------------------------------

int32_t World::addShape(Shape shape, int32_t assetId, const std::string& name) {
  shapes_.push_back(ShapeEntry{std::move(shape), assetId, name});
  return static_cast<int32_t>(shapes_.size() - 1);
}

// Bodies ---------------------------------------------------------------------------------------

uint32_t World::createBody(const BodyDef& def) {
  if (def.shape < 0 || def.shape >= shapeCount()) throw EngineError("shape index " + std::to_string(def.shape) + " does not exist");
  requireFinite(def.origin, "position");
  requireFinite(def.eulerPitchRollYaw, "orientation");
  requireUnitInterval(def.restitution, "restitution");
  requireNonNegative(def.friction, "friction");
  if (!def.isStatic) {
    requirePositive(def.mass, "mass");
    requireFinite(def.velocity, "velocity");
    requireFinite(def.angularVelocity, "angularVelocity");
  }
  const Shape& shape = shapes_[static_cast<size_t>(def.shape)].shape;

  Body b;
  b.id = nextId_;
  b.shape = def.shape;
  b.isStatic = def.isStatic;
  b.orientation = fromPitchRollYaw(def.eulerPitchRollYaw.x, def.eulerPitchRollYaw.y, def.eulerPitchRollYaw.z);
  b.position = def.origin + rotate(b.orientation, shape.localCenterOfMass);
  b.restitution = def.restitution;
  b.friction = def.friction;
  if (!def.isStatic) {
    b.mass = def.mass;
    b.invMass = 1.0 / def.mass;
    b.localInertia = shape.mass.inertiaPerMass * def.mass;
    b.localInvInertia = inverse(b.localInertia);
    b.linearVelocity = def.velocity;
    b.angularVelocity = def.angularVelocity;
  }
  AABB box = sweptBox(b, config_.maxStep);
  b.fatBox = b.isStatic ? box : expanded(box, config_.aabbMargin);
  b.proxy = broadPhase_.createProxy(b.fatBox, b.id, b.isStatic);

  ++nextId_;
  ++stateRevision_;
  bodies_.push_back(b);
  indexById_[b.id] = static_cast<int32_t>(bodies_.size() - 1);
  return b.id;
}

void World::destroyBody(uint32_t id) {
  Body& b = mutableBody(id);
  if (b.sleepIsland >= 0) wakeIsland(b.sleepIsland);
  removeContactsOf(id);
  broadPhase_.destroyProxy(b.proxy);
  bodies_.erase(bodies_.begin() + indexOf(id));
  rebuildIndex();
  ++stateRevision_;
}

void World::removeContactsOf(uint32_t id) {
  // Bodies that were resting on the removed one must wake up and fall.
  for (const Contact& c : contacts_) {
    if (c.bodyA != id && c.bodyB != id) continue;
    uint32_t other = c.bodyA == id ? c.bodyB : c.bodyA;
    wake(mutableBody(other));
  }
  contacts_.erase(std::remove_if(contacts_.begin(), contacts_.end(),
                                 [id](const Contact& c) { return c.bodyA == id || c.bodyB == id; }),
                  contacts_.end());
  contactByKey_.clear();
  for (size_t i = 0; i < contacts_.size(); ++i) contactByKey_[pairKey(contacts_[i].bodyA, contacts_[i].bodyB)] = static_cast<int32_t>(i);
}

bool World::hasBody(uint32_t id) const { return indexById_.count(id) != 0; }

int32_t World::indexOf(uint32_t id) const {
  auto it = indexById_.find(id);
  if (it == indexById_.end()) throw EngineError("unknown body id " + std::to_string(id));
  return it->second;
}

const Body& World::body(uint32_t id) const { return bodies_[static_cast<size_t>(indexOf(id))]; }
Body& World::mutableBody(uint32_t id) { return bodies_[static_cast<size_t>(indexOf(id))]; }

void World::rebuildIndex() {
  indexById_.clear();
  for (size_t i = 0; i < bodies_.size(); ++i) indexById_[bodies_[i].id] = static_cast<int32_t>(i);
  // Contacts keep their bodies' places so the per-step loops need no id lookups.
  for (Contact& c : contacts_) {
    c.indexA = indexOf(c.bodyA);
    c.indexB = indexOf(c.bodyB);
  }
}

void World::setVelocity(uint32_t id, const Vec3& v, const Vec3& w) {
  requireFinite(v, "velocity");
  requireFinite(w, "angularVelocity");
  Body& b = mutableBody(id);
  if (b.isStatic) throw EngineError("body " + std::to_string(id) + " is an environment body and cannot move");
  wake(b);
  b.linearVelocity = v;
  b.angularVelocity = w;
  refreshProxy(b, config_.maxStep);
  ++stateRevision_;
}

void World::applyImpulse(uint32_t id, const Vec3& impulse, const Vec3* worldPoint) {
  requireFinite(impulse, "impulse");
  if (worldPoint) requireFinite(*worldPoint, "point");
  Body& b = mutableBody(id);
  if (b.isStatic) throw EngineError("body " + std::to_string(id) + " is an environment body and cannot move");
  wake(b);
  b.linearVelocity += impulse * b.invMass;
  if (worldPoint) b.angularVelocity += worldInverseInertia(b) * cross(*worldPoint - b.position, impulse);
  refreshProxy(b, config_.maxStep);
  ++stateRevision_;
}

void World::wake(Body& b) {
  if (b.sleepIsland >= 0) wakeIsland(b.sleepIsland);
  b.restartRest();
}

void World::wakeIsland(int32_t island) {
  SleepingIsland& s = sleepingIslands_[static_cast<size_t>(island)];
  for (uint32_t id : s.bodyIds) {
    Body& b = mutableBody(id);
    b.sleepIsland = -1;
    b.restartRest();
  }
  s.bodyIds.clear();
}

// Broadphase boxes -----------------------------------------------------------------------------

AABB World::sweptBox(const Body& b, double dt) const {
  AABB box = computeAABB(shapes_[static_cast<size_t>(b.shape)].shape, transformOf(b));
  // Grow the box along the body's motion over one step, so pairs exist before bodies touch.
  Vec3 d = b.linearVelocity * dt;
  box.lower += minPerElement(d, Vec3{});
  box.upper += maxPerElement(d, Vec3{});
  return expanded(box, config_.speculativeDistance);
}

void World::refreshProxy(Body& b, double dt) {
  AABB box = sweptBox(b, dt);
  if (contains(b.fatBox, box)) return;
  // Beyond the margin, the new fat box reaches a few steps ahead along the motion (as Box2D's
  // proxies do), so a falling or flying body is re-inserted into the tree every few steps instead
  // of every step.
  AABB fat = expanded(box, config_.aabbMargin);
  Vec3 ahead = b.linearVelocity * (kFatBoxLookAheadSteps * dt);
  fat.lower += minPerElement(ahead, Vec3{});
  fat.upper += maxPerElement(ahead, Vec3{});
  b.fatBox = fat;
  broadPhase_.moveProxy(b.proxy, b.fatBox);
}

// Time -----------------------------------------------------------------------------------------

void World::advanceTo(double t) {
  if (!std::isfinite(t)) throw EngineError("time must be a finite number (got " + formatNumber(t) + ")");
  if (t < time_) {
    throw EngineError("time must not go backwards: requested " + formatNumber(t) + " s, simulation is at " + formatNumber(time_) + " s");
  }
  double interval = t - time_;
  if (interval <= 0) return;
  int steps = static_cast<int>(std::ceil(interval / config_.maxStep - 1e-9));
  steps = std::max(steps, 1);
  double dt = interval / steps;
  for (int i = 0; i < steps; ++i) step(dt);
  time_ = t;  // exact: no accumulated rounding in the clock
}

void World::advanceBy(double dt, int steps) {
  requirePositive(dt, "dt");
  if (steps < 0) throw EngineError("steps must be >= 0 (got " + std::to_string(steps) + ")");
  for (int i = 0; i < steps; ++i) step(dt);
}

void World::step(double dt) {
  requirePositive(dt, "dt");
  updatePairs();
  collide(dt);
  solve(dt);
  time_ += dt;
  // Nothing moves and no contact is solved while every body sleeps (scratch_.awake is empty).
  if (!scratch_.awake.empty() || dt != lastStepDt_) ++stateRevision_;
  lastStepDt_ = dt;
}

// Pipeline: pairs ------------------------------------------------------------------------------

void World::updatePairs() {
  size_t before = contacts_.size();
  broadPhase_.updatePairs([&](uint32_t idA, uint32_t idB) {
    uint64_t key = pairKey(idA, idB);
    if (contactByKey_.count(key)) return;
    const Body& a = body(idA);
    const Body& b = body(idB);
    if (a.isStatic && b.isStatic) return;
    Contact c;
    // A is the dynamic body of a dynamic–static pair (the seed's convention), else the lower id.
    bool swap = a.isStatic || (!b.isStatic && idB < idA);
    c.bodyA = swap ? idB : idA;
    c.bodyB = swap ? idA : idB;
    c.indexA = indexOf(c.bodyA);
    c.indexB = indexOf(c.bodyB);
    c.friction = mixFriction(a.friction, b.friction);
    c.restitution = mixRestitution(a.restitution, b.restitution);
    contactByKey_[key] = static_cast<int32_t>(contacts_.size());
    contacts_.push_back(c);
  });
  if (contacts_.size() == before) return;
  // Keep contacts ordered by pair so the solver order never depends on the tree's shape.
  std::sort(contacts_.begin(), contacts_.end(), [](const Contact& x, const Contact& y) {
    return pairKey(x.bodyA, x.bodyB) < pairKey(y.bodyA, y.bodyB);
  });
  for (size_t i = 0; i < contacts_.size(); ++i) contactByKey_[pairKey(contacts_[i].bodyA, contacts_[i].bodyB)] = static_cast<int32_t>(i);
}

// Pipeline: narrowphase ------------------------------------------------------------------------

void World::collide(double dt) {
  bool removed = false;
  for (Contact& c : contacts_) {
    Body& a = bodies_[static_cast<size_t>(c.indexA)];
    Body& b = bodies_[static_cast<size_t>(c.indexB)];
    if (!a.isAwake() && !b.isAwake()) continue;
    if (!overlaps(a.fatBox, b.fatBox)) {
      c.pointCount = -1;  // marked for removal
      removed = true;
      continue;
    }
    const Shape& sa = shapes_[static_cast<size_t>(a.shape)].shape;
    const Shape& sb = shapes_[static_cast<size_t>(b.shape)].shape;
    // Reach far enough to catch what the bodies can close in one step.
    double closing = length(a.linearVelocity - b.linearVelocity) + length(a.angularVelocity) * sa.boundingRadius +
                     length(b.angularVelocity) * sb.boundingRadius;
    double speculative = config_.speculativeDistance + closing * dt;
    Manifold m = msd::collide(sa, transformOf(a), sb, transformOf(b), speculative, &c.sat);
    updateContactManifold(c, m);
    // Something awake touching a sleeping body wakes its whole island.
    if (c.isTouching()) {
      if (a.sleepIsland >= 0 && b.isAwake()) wakeIsland(a.sleepIsland);
      if (b.sleepIsland >= 0 && a.isAwake()) wakeIsland(b.sleepIsland);
    }
  }
  if (!removed) return;
  contacts_.erase(std::remove_if(contacts_.begin(), contacts_.end(), [](const Contact& c) { return c.pointCount < 0; }),
                  contacts_.end());
  contactByKey_.clear();
  for (size_t i = 0; i < contacts_.size(); ++i) contactByKey_[pairKey(contacts_[i].bodyA, contacts_[i].bodyB)] = static_cast<int32_t>(i);
}

// Pipeline: solver -----------------------------------------------------------------------------

void World::solve(double dt) {
  // Buffers kept from step to step (their capacity), so a step allocates nothing once warmed up.
  std::vector<int32_t>& awake = scratch_.awake;     // body indices of awake dynamic bodies
  std::vector<int32_t>& solverIndexOfBody = scratch_.solverIndexOfBody;
  awake.clear();
  solverIndexOfBody.assign(bodies_.size(), -1);
  for (size_t i = 0; i < bodies_.size(); ++i) {
    if (!bodies_[i].isAwake()) continue;
    solverIndexOfBody[i] = static_cast<int32_t>(awake.size());
    awake.push_back(static_cast<int32_t>(i));
  }
  std::vector<SolverBody>& sb = scratch_.bodies;
  sb.assign(awake.size(), SolverBody{});
  for (size_t k = 0; k < awake.size(); ++k) {
    const Body& b = bodies_[static_cast<size_t>(awake[k])];
    sb[k].v = b.linearVelocity;
    sb[k].w = b.angularVelocity;
    sb[k].invMass = b.invMass;
    // Equal principal moments: I⁻¹ is the same in every frame, so no rotation of it is needed.
    sb[k].inertiaFixed = shapes_[static_cast<size_t>(b.shape)].shape.isotropic;
    sb[k].invInertia = sb[k].inertiaFixed ? b.localInvInertia : worldInverseInertia(b);
  }

  std::vector<ContactConstraint>& constraints = scratch_.constraints;
  std::vector<uint8_t>& inContact = scratch_.inContact;
  constraints.clear();
  inContact.assign(awake.size(), 0);
  int touchingPoints = 0;
  for (Contact& c : contacts_) {
    if (!c.isTouching()) continue;
    int32_t ia = c.indexA, ib = c.indexB;
    int32_t sa = solverIndexOfBody[static_cast<size_t>(ia)], sbi = solverIndexOfBody[static_cast<size_t>(ib)];
    if (sa < 0 && sbi < 0) continue;
    const Body& a = bodies_[static_cast<size_t>(ia)];
    const Body& b = bodies_[static_cast<size_t>(ib)];
    ContactConstraint& cc = constraints.emplace_back();  // filled in place: it is large
    cc.a = sa;
    cc.b = sbi;
    cc.normal = c.normal;
    cc.tangent1 = c.tangent1;
    cc.tangent2 = c.tangent2;
    cc.friction = c.friction;
    cc.restitution = c.restitution;
    cc.pointCount = c.pointCount;
    cc.contact = &c;
    for (int i = 0; i < c.pointCount; ++i) {
      cc.points[i].rA = c.points[i].mp.point - a.position;
      cc.points[i].rB = c.points[i].mp.point - b.position;
      if (c.points[i].mp.separation <= kLinearSlop) ++touchingPoints;
    }
    if (sa >= 0) inContact[static_cast<size_t>(sa)] = 1;
    if (sbi >= 0) inContact[static_cast<size_t>(sbi)] = 1;
  }

  int substeps = config_.substeps;
  double h = dt / substeps;
  ContactSolver solver(sb, constraints, config_.solver, h);
  solver.prepare();
  for (int i = 0; i < substeps; ++i) {
    integrateVelocities(sb, awake, h);
    solver.warmStart();
    solver.solve(true);
    integratePositions(sb, awake, inContact, h);
    solver.relax();
  }
  solver.applyRestitution();
  solver.storeImpulses();

  stats_.iterations = constraints.empty() ? 0 : 2 * substeps + config_.solver.restitutionIterations;
  residualPending_ = true;
  stats_.numContacts = touchingPoints;
  stats_.numConstraints = 0;
  for (const ContactConstraint& c : constraints) stats_.numConstraints += 3 * c.pointCount;

  for (size_t k = 0; k < awake.size(); ++k) {
    Body& b = bodies_[static_cast<size_t>(awake[k])];
    b.linearVelocity = sb[k].v;
    b.angularVelocity = sb[k].w;
  }
  updateSleep(awake, constraints, dt);
  for (int32_t index : awake) {
    Body& b = bodies_[static_cast<size_t>(index)];
    if (b.isAwake()) refreshProxy(b, dt);
  }
}

const SolverStats& World::solverStats() const {
  if (residualPending_) {
    stats_.residual = contactResidual(scratch_.bodies, scratch_.constraints, config_.solver.restitutionThreshold);
    stats_.converged = stats_.residual <= 1e-3;
    residualPending_ = false;
  }
  return stats_;
}

void World::integrateVelocities(std::vector<SolverBody>& sb, const std::vector<int32_t>& awake, double h) {
  Vec3 dv = config_.gravity * h;
  for (size_t k = 0; k < awake.size(); ++k) sb[k].v += dv;
}

void World::integratePositions(std::vector<SolverBody>& sb, const std::vector<int32_t>& awake,
                               const std::vector<uint8_t>& inContact, double h) {
  const double maxRotation = 0.25 * kPi;
  for (size_t k = 0; k < awake.size(); ++k) {
    SolverBody& s = sb[k];
    Body& b = bodies_[static_cast<size_t>(awake[k])];

    double speed = length(s.v);
    if (speed > config_.maxLinearSpeed) s.v *= config_.maxLinearSpeed / speed;
    double rotation = length(s.w) * h;
    if (rotation > maxRotation) s.w *= maxRotation / rotation;

    // A body in free flight moves along the exact parabola (x += h·v₀ + ½h²g, with v = v₀ + h·g
    // already applied); bodies in contact use the semi-implicit step the solver assumes.
    Vec3 dx = s.v * h;
    if (!inContact[k]) dx -= config_.gravity * (0.5 * h * h);
    b.position += dx;
    s.deltaPosition += dx;

    if (lengthSquared(s.w) > 0) integrateOrientation(b, s, h);
  }
}

void World::integrateOrientation(Body& b, SolverBody& s, double h) {
  const Shape& shape = shapes_[static_cast<size_t>(b.shape)].shape;
  Vec3 theta = s.w * h;
  if (!shape.isotropic) {
    // Torque-free rotation keeps the world angular momentum L = I(q)·ω (the gyroscopic term):
    // the step uses the angular velocity at the midpoint orientation (implicit midpoint, two
    // fixed-point passes), so |L| is exact and kinetic energy stays bounded over long runs.
    Vec3 angularMomentum = worldInertia(b) * s.w;
    Vec3 midVelocity = s.w;
    for (int pass = 0; pass < 2; ++pass) {
      Mat3 r = toMatrix(integrateRotation(b.orientation, midVelocity * (0.5 * h)));
      midVelocity = r * b.localInvInertia * transpose(r) * angularMomentum;
    }
    theta = midVelocity * h;
    b.orientation = integrateRotation(b.orientation, theta);
    s.deltaRotation = integrateRotation(s.deltaRotation, theta);
    s.invInertia = worldInverseInertia(b);
    s.w = s.invInertia * angularMomentum;
    return;
  }
  // A body with equal principal moments (sphere, cube) has L ∥ ω: no gyroscopic effect, and its
  // inverse inertia does not change as it turns.
  Quat rotation = rotationOf(theta);
  b.orientation = applyRotation(rotation, b.orientation);
  s.deltaRotation = applyRotation(rotation, s.deltaRotation);
}

void World::updateSleep(const std::vector<int32_t>& awake, const std::vector<ContactConstraint>& constraints, double dt) {
  if (!config_.enableSleep) return;
  const int32_t n = static_cast<int32_t>(awake.size());
  for (int32_t k = 0; k < n; ++k) {
    Body& b = bodies_[static_cast<size_t>(awake[static_cast<size_t>(k)])];
    const Shape& shape = shapes_[static_cast<size_t>(b.shape)].shape;
    b.updateRest(dt, shape.boundingRadius, config_.sleepVelocity, config_.timeToSleep);
  }
  unionFind_.reset(n);
  for (const ContactConstraint& c : constraints) {
    if (c.a >= 0 && c.b >= 0) unionFind_.unite(c.a, c.b);
  }
  // An island sleeps only when every body in it has been resting for timeToSleep.
  std::vector<double> islandMinSleep(static_cast<size_t>(n), 1e300);
  for (int32_t k = 0; k < n; ++k) {
    int32_t root = unionFind_.find(k);
    const Body& b = bodies_[static_cast<size_t>(awake[static_cast<size_t>(k)])];
    islandMinSleep[static_cast<size_t>(root)] = std::min(islandMinSleep[static_cast<size_t>(root)], b.sleepTime);
  }
  std::vector<int32_t> islandSlot(static_cast<size_t>(n), -1);
  for (int32_t k = 0; k < n; ++k) {
    int32_t root = unionFind_.find(k);
    if (islandMinSleep[static_cast<size_t>(root)] < config_.timeToSleep) continue;
    if (islandSlot[static_cast<size_t>(root)] < 0) {
      int32_t slot = -1;
      for (size_t i = 0; i < sleepingIslands_.size(); ++i) {
        if (sleepingIslands_[i].bodyIds.empty()) { slot = static_cast<int32_t>(i); break; }
      }
      if (slot < 0) {
        slot = static_cast<int32_t>(sleepingIslands_.size());
        sleepingIslands_.emplace_back();
      }
      islandSlot[static_cast<size_t>(root)] = slot;
    }
    Body& b = bodies_[static_cast<size_t>(awake[static_cast<size_t>(k)])];
    int32_t slot = islandSlot[static_cast<size_t>(root)];
    sleepingIslands_[static_cast<size_t>(slot)].bodyIds.push_back(b.id);
    b.sleepIsland = slot;
    b.linearVelocity = Vec3{};
    b.angularVelocity = Vec3{};
  }
}

// Diagnostics ----------------------------------------------------------------------------------

namespace {

EnergyReport energyOf(const Body& b, const Vec3& gravity) {
  EnergyReport e;
  if (b.isStatic) return e;
  e.linear = 0.5 * b.mass * lengthSquared(b.linearVelocity);
  // ½ ωᵀ I_world ω evaluated in body axes: ω_body = Rᵀω, so no world inertia matrix is built.
  Vec3 bodyOmega = inverseRotate(b.orientation, b.angularVelocity);
  e.rotational = 0.5 * dot(bodyOmega, b.localInertia * bodyOmega);
  e.potential = -b.mass * dot(gravity, b.position);
  return e;
}

}  // namespace

EnergyReport World::bodyEnergy(uint32_t id) const { return energyOf(body(id), config_.gravity); }

EnergyReport World::bodyEnergy(const Body& b) const { return energyOf(b, config_.gravity); }

EnergyReport World::energy() const {
  EnergyReport total;
  for (const Body& b : bodies_) {
    EnergyReport e = energyOf(b, config_.gravity);
    total.linear += e.linear;
    total.rotational += e.rotational;
    total.potential += e.potential;
  }
  return total;
}

}  // namespace msd
