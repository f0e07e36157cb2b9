// Recording many steps in one call into caller-owned columnar buffers (the addon passes typed
// array memory straight in, so nothing is copied per frame).
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "world.h"

namespace msd {

// Frame-major, body-major within a frame: position[(frame * bodyCount + body) * 3 + axis].
struct TrajectoryBuffers {
  double* time = nullptr;             // [frames]
  double* position = nullptr;         // [frames * bodies * 3]
  double* orientation = nullptr;      // [frames * bodies * 4] w, x, y, z
  double* velocity = nullptr;         // [frames * bodies * 3]
  double* angularVelocity = nullptr;  // [frames * bodies * 3]
  double* kineticEnergy = nullptr;    // [frames] whole system
  double* potentialEnergy = nullptr;  // [frames] whole system
};

// Writes the world's current state as frame `frame`.
void recordFrame(const World& world, const std::vector<uint32_t>& bodyIds, TrajectoryBuffers& out, int64_t frame);

// Runs `steps` steps of `dt`, recording after every `every`-th step into frames firstFrame, firstFrame+1, ….
// Stops early (between steps) when `cancel` becomes true. Returns the number of steps taken.
int64_t simulateSteps(World& world, double dt, int64_t steps, int64_t every, const std::vector<uint32_t>& bodyIds,
                      TrajectoryBuffers& out, int64_t firstFrame, const std::atomic<bool>* cancel);

}  // namespace msd
