// The world: shapes, bodies, contacts and the step pipeline
//   broadphase pairs → narrowphase manifolds → islands → soft-step solver → sleep.
// Single-threaded and deterministic: the same calls on the same build give bit-identical states.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "body.h"
#include "broad_phase.h"
#include "contact.h"
#include "island.h"
#include "shape.h"
#include "solver.h"

namespace msd {

struct WorldConfig {
  Vec3 gravity{0, 0, -9.81};
  double maxStep = 1.0 / 60.0;     // update()/advanceTo() split intervals into equal steps no longer than this
  int substeps = 4;                // solver substeps per step
  bool enableSleep = true;
  double sleepVelocity = 0.05;     // m/s at the body's extremities, on average while resting (2x at any moment)
  double timeToSleep = 0.5;        // s
  double speculativeDistance = 0.02;  // m: contacts are created this far before touching
  double aabbMargin = 0.1;         // m: fat box margin, so slow bodies rarely touch the trees
  double maxLinearSpeed = 400;     // m/s
  SolverSettings solver;
};

// Validates a configuration; throws EngineError naming the field.
void validateConfig(const WorldConfig& config);

struct ShapeEntry {
  Shape shape;
  int32_t assetId = 0;   // opaque tags for the caller (the asset this shape was made from)
  std::string name;
};

struct BodyDef {
  int32_t shape = -1;
  bool isStatic = false;
  Vec3 origin;           // where the asset frame's origin goes (the centre of mass is placed accordingly)
  Vec3 eulerPitchRollYaw;
  double mass = 10;
  double restitution = 0.5;
  double friction = 0.5;
  Vec3 velocity;         // of the centre of mass
  Vec3 angularVelocity;  // world frame
};

struct SolverStats {
  int iterations = 0;
  double residual = 0;
  bool converged = true;
  int numConstraints = 0;
  int numContacts = 0;
};

struct EnergyReport {
  double linear = 0, rotational = 0, potential = 0;
  double total() const { return linear + rotational + potential; }
};

class World {
 public:
  explicit World(const WorldConfig& config = {});

  const WorldConfig& config() const { return config_; }

  // Shapes -----------------------------------------------------------------------------------
  int32_t addShape(Shape shape, int32_t assetId, const std::string& name);
  const ShapeEntry& shapeEntry(int32_t index) const { return shapes_.at(static_cast<size_t>(index)); }
  int32_t shapeCount() const { return static_cast<int32_t>(shapes_.size()); }

  // Bodies -----------------------------------------------------------------------------------
  uint32_t createBody(const BodyDef& def);   // validates; returns the instance id
  void destroyBody(uint32_t id);
  bool hasBody(uint32_t id) const;
  const Body& body(uint32_t id) const;       // throws EngineError for an unknown id
  const std::vector<Body>& bodies() const { return bodies_; }  // ordered by id
  void setVelocity(uint32_t id, const Vec3& v, const Vec3& w);
  void applyImpulse(uint32_t id, const Vec3& impulse, const Vec3* worldPoint);

  // Time -------------------------------------------------------------------------------------
  double time() const { return time_; }
  // Length of the last step taken (s); 0 before the first step. Not part of snapshots: a restored
  // world reports the last step it took itself.
  double lastStepDt() const { return lastStepDt_; }
  // Changes whenever something a frame reports besides the clock may have changed (a body moved or
  // was edited, added or removed, contacts were solved, the step length changed, a snapshot was
  // restored); unchanged across steps in which every body sleeps. Lets recorders skip copying a
  // frame that equals the previous one.
  uint64_t stateRevision() const { return stateRevision_; }
  void step(double dt);                      // one step of length dt (> 0), with substeps
  void advanceTo(double t);                  // absolute time in seconds; equal steps ≤ maxStep
  void advanceBy(double dt, int steps);      // `steps` steps of length dt

  // Diagnostics ------------------------------------------------------------------------------
  const std::vector<Contact>& contacts() const { return contacts_; }
  const SolverStats& solverStats() const;
  EnergyReport energy() const;
  EnergyReport bodyEnergy(uint32_t id) const;
  EnergyReport bodyEnergy(const Body& b) const;  // for callers already iterating bodies() (no id lookup)

  // Snapshot ---------------------------------------------------------------------------------
  std::vector<uint8_t> snapshot() const;
  void restore(const uint8_t* data, size_t size);  // throws EngineError for malformed data

 private:
  Body& mutableBody(uint32_t id);
  int32_t indexOf(uint32_t id) const;
  void rebuildIndex();
  AABB sweptBox(const Body& b, double dt) const;
  void refreshProxy(Body& b, double dt);
  void wake(Body& b);
  void wakeIsland(int32_t island);

  void updatePairs();
  void collide(double dt);
  void solve(double dt);
  void integrateVelocities(std::vector<SolverBody>& sb, const std::vector<int32_t>& awake, double h);
  void integratePositions(std::vector<SolverBody>& sb, const std::vector<int32_t>& awake,
                          const std::vector<uint8_t>& inContact, double h);
  void integrateOrientation(Body& b, SolverBody& s, double h);
  void updateSleep(const std::vector<int32_t>& awake, const std::vector<ContactConstraint>& constraints, double dt);
  void removeContactsOf(uint32_t id);

  WorldConfig config_;
  std::vector<ShapeEntry> shapes_;
  std::vector<Body> bodies_;                       // sorted by id
  std::unordered_map<uint32_t, int32_t> indexById_;
  std::vector<Contact> contacts_;                  // sorted by pair key
  std::unordered_map<uint64_t, int32_t> contactByKey_;
  std::vector<SleepingIsland> sleepingIslands_;
  BroadPhase broadPhase_;
  UnionFind unionFind_;
  // The solver's per-step working set, kept so that its capacity is reused.
  struct StepScratch {
    std::vector<int32_t> awake, solverIndexOfBody;
    std::vector<SolverBody> bodies;
    std::vector<ContactConstraint> constraints;
    std::vector<uint8_t> inContact;
  } scratch_;
  // The residual is worked out only when asked for (a diagnostic that costs a pass over the
  // contacts): a step leaves it pending, and its solver data stays in scratch_ until the next step.
  mutable SolverStats stats_;
  mutable bool residualPending_ = false;
  double time_ = 0;
  double lastStepDt_ = 0;
  uint64_t stateRevision_ = 0;
  uint32_t nextId_ = 1;
};

}  // namespace msd
