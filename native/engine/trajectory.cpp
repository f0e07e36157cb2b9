#include "trajectory.h"

namespace msd {

void recordFrame(const World& world, const std::vector<uint32_t>& bodyIds, TrajectoryBuffers& out, int64_t frame) {
  const size_t n = bodyIds.size();
  const size_t base = static_cast<size_t>(frame) * n;
  out.time[frame] = world.time();
  for (size_t j = 0; j < n; ++j) {
    const Body& b = world.body(bodyIds[j]);
    size_t i3 = (base + j) * 3, i4 = (base + j) * 4;
    out.position[i3] = b.position.x; out.position[i3 + 1] = b.position.y; out.position[i3 + 2] = b.position.z;
    out.orientation[i4] = b.orientation.w; out.orientation[i4 + 1] = b.orientation.x;
    out.orientation[i4 + 2] = b.orientation.y; out.orientation[i4 + 3] = b.orientation.z;
    out.velocity[i3] = b.linearVelocity.x; out.velocity[i3 + 1] = b.linearVelocity.y; out.velocity[i3 + 2] = b.linearVelocity.z;
    out.angularVelocity[i3] = b.angularVelocity.x; out.angularVelocity[i3 + 1] = b.angularVelocity.y;
    out.angularVelocity[i3 + 2] = b.angularVelocity.z;
  }
  EnergyReport e = world.energy();
  out.kineticEnergy[frame] = e.linear + e.rotational;
  out.potentialEnergy[frame] = e.potential;
}

int64_t simulateSteps(World& world, double dt, int64_t steps, int64_t every, const std::vector<uint32_t>& bodyIds,
                      TrajectoryBuffers& out, int64_t firstFrame, const std::atomic<bool>* cancel) {
  int64_t frame = firstFrame;
  for (int64_t i = 1; i <= steps; ++i) {
    if (cancel && cancel->load(std::memory_order_relaxed)) return i - 1;
    world.step(dt);
    if (i % every == 0) recordFrame(world, bodyIds, out, frame++);
  }
  return steps;
}

}  // namespace msd
