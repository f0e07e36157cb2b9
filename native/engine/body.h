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

  // Sleep: time spent below the sleep velocity, and the sleeping island it belongs to (-1 when awake).
  double sleepTime = 0;
  int32_t sleepIsland = -1;

  bool isAwake() const { return !isStatic && sleepIsland < 0; }
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
