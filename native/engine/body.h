// A rigid body: state of its centre of mass, material, and bookkeeping for the broadphase and sleep.
#pragma once

#include <cstdint>

#include "math.h"

namespace msd {

struct Body {
  uint32_t id = 0;          // instance id, unique for the world's lifetime
  int32_t shape = -1;       // index into World's shape table
  bool isStatic = false;    // environment body: infinite mass, never moves

  // State (world frame).
  Vec3 position;            // centre of mass
  Quat orientation;
  Vec3 linearVelocity;
  Vec3 angularVelocity;     // world-frame ω

  // Mass and material.
  double mass = 0;          // 0 for static bodies
  double invMass = 0;
  Mat3 localInertia = Mat3::zero();     // about the centre of mass, body axes
  Mat3 localInvInertia = Mat3::zero();
  double restitution = 0.5;
  double friction = 0.5;

  // Broadphase.
  int32_t proxy = -1;
  AABB fatBox;

  // Sleep: how long the body has been resting, its net motion over that time (∫v dt, ∫ω dt), and
  // the sleeping island it belongs to (-1 when awake).
  double sleepTime = 0;
  Vec3 restShift, restTurn;
  int32_t sleepIsland = -1;

  bool isAwake() const { return !isStatic && sleepIsland < 0; }
  void restartRest() {
    sleepTime = 0;
    restShift = Vec3{};
    restTurn = Vec3{};
  }
  // After a step of length dt: the body keeps resting (sleepTime grows) while it is slow now, below
  // twice sleepVelocity at its extremities (`extent` from the centre), and its net motion since it
  // began resting (∫v dt, ∫ω dt: velocities accumulated, as PhysX does) is checked once it has rested
  // for timeToSleep: on average it must have moved slower than sleepVelocity, else it is drifting and
  // starts over. So a body that jitters in place around its pose (a stack's solver noise) falls
  // asleep, while one that slides or turns steadily, or visibly moves now, stays awake.
  void updateRest(double dt, double extent, double sleepVelocity, double timeToSleep) {
    const double speed = std::max(length(linearVelocity), extent * length(angularVelocity));
    if (speed > 2 * sleepVelocity) return restartRest();
    restShift += linearVelocity * dt;
    restTurn += angularVelocity * dt;
    sleepTime += dt;
    if (sleepTime < timeToSleep) return;
    const double meanSpeed = std::max(length(restShift), extent * length(restTurn)) / sleepTime;
    if (meanSpeed > sleepVelocity) restartRest();
  }
};

// World-frame inverse inertia for the body's current orientation.
inline Mat3 worldInverseInertia(const Body& b) {
  Mat3 r = toMatrix(b.orientation);
  return r * b.localInvInertia * transpose(r);
}
inline Mat3 worldInertia(const Body& b) {
  Mat3 r = toMatrix(b.orientation);
  return r * b.localInertia * transpose(r);
}

}  // namespace msd
