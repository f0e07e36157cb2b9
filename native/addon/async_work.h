// Stepping on a libuv worker thread (Napi::AsyncWorker) so long runs never block the event loop.
// While the work runs the wrapper is marked busy: every other call on it throws instead of racing.
#pragma once

#include <napi.h>

#include <cstdint>
#include <vector>

#include "trajectory.h"

namespace msdaddon {

class WorldWrap;

struct SimulateArgs {
  double dt = 0;
  int64_t steps = 0;
  int64_t every = 1;
  std::vector<uint32_t> bodyIds;
  msd::TrajectoryBuffers buffers;
  int64_t firstFrame = 0;
  bool recordFirst = false;
};

// Reads (dt, steps, every, bodyIds: Uint32Array, buffers: object of Float64Arrays, firstFrame, recordFirst)
// starting at argument `first`, and checks every buffer is large enough for the frames requested.
SimulateArgs readSimulateArgs(const Napi::CallbackInfo& info, size_t first = 0);

// runAsync("step", dt, steps) | runAsync("advanceTo", t) → Promise<seconds of computation>;
// runAsync("simulate", ...SimulateArgs) → Promise<steps taken>
Napi::Value startAsyncWork(WorldWrap& wrap, const Napi::CallbackInfo& info);

}  // namespace msdaddon
