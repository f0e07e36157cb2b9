// The benchmark scenes of bench/scenes.ts built with the engine's C++ API, stepped 600 times at
// 1/60 s: a driver for profilers (valgrind --tool=callgrind, perf) that sees only the engine, not
// Node. `msd_step_profile pile-1000` prints ms/step and how many bodies sleep at the end.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "shape.h"
#include "world.h"

using namespace msd;

namespace {

std::vector<Vec3> box(double hx, double hy, double hz) {
  std::vector<Vec3> v;
  for (int i = 0; i < 8; ++i) v.push_back({(i & 1) ? hx : -hx, (i & 2) ? hy : -hy, (i & 4) ? hz : -hz});
  return v;
}

void addCube(World& world, int32_t cube, Vec3 at) {
  // MSD_JITTER=seed: moves each body by < 1 nm, to see how much the settling depends on chance.
  if (const char* seed = std::getenv("MSD_JITTER")) {
    static unsigned state = static_cast<unsigned>(std::atoi(seed)) * 2654435761u + 1;
    auto next = [] { state = state * 1664525u + 1013904223u; return (state >> 8) / double(1 << 24) - 0.5; };
    at = at + Vec3{next(), next(), next()} * 1e-9;
  }
  BodyDef def;
  def.shape = cube;
  def.origin = at;
  def.mass = 1;
  def.friction = 0.5;
  def.restitution = 0;
  world.createBody(def);
}

void build(World& world, const std::string& scene) {
  int32_t ground = world.addShape(makeHullShape(box(50, 50, 0.5)), 1, "ground");
  int32_t cube = world.addShape(makeHullShape(box(0.5, 0.5, 0.5)), 2, "cube");
  BodyDef floor;
  floor.shape = ground;
  floor.isStatic = true;
  floor.origin = {0, 0, -0.5};
  floor.friction = 0.5;
  floor.restitution = 0;
  world.createBody(floor);
  if (scene.rfind("pile-", 0) == 0) {
    int n = std::stoi(scene.substr(5));
    int side = n <= 1000 ? 10 : 20;
    for (int i = 0; i < n; ++i) {
      int column = i % side, row = (i / side) % side, layer = i / (side * side);
      addCube(world, cube, {(column - (side - 1) / 2.0) * 1.5, (row - (side - 1) / 2.0) * 1.5, 2 + layer * 1.5});
    }
  } else if (scene.rfind("stack-", 0) == 0) {  // one column of a pile, for looking at how it settles
    int n = std::stoi(scene.substr(6));
    for (int layer = 0; layer < n; ++layer) addCube(world, cube, {0, 0, 2 + layer * 1.5});
  } else if (scene.rfind("pyramid-", 0) == 0) {
    int rows = std::stoi(scene.substr(8));
    for (int r = 0; r < rows; ++r) {
      int count = rows - r;
      for (int i = 0; i < count; ++i) addCube(world, cube, {(i - (count - 1) / 2.0) * 1.01, 0, 0.5 + r});
    }
  } else {
    addCube(world, cube, {0, 0, 5});
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string scene = argc > 1 ? argv[1] : "pile-1000";
  int steps = argc > 2 ? std::atoi(argv[2]) : 600;
  WorldConfig config;
  // Solver experiments: MSD_PASSES=normal,relax MSD_SUBSTEPS=n
  if (const char* passes = std::getenv("MSD_PASSES")) std::sscanf(passes, "%d,%d", &config.solver.normalPasses, &config.solver.relaxPasses);
  if (const char* substeps = std::getenv("MSD_SUBSTEPS")) config.substeps = std::atoi(substeps);
  if (const char* hertz = std::getenv("MSD_HERTZ")) config.solver.contactHertz = std::atof(hertz);
  if (const char* margin = std::getenv("MSD_SPECULATIVE")) config.speculativeDistance = std::atof(margin);
  if (const char* ratio = std::getenv("MSD_DAMPING")) config.solver.contactDampingRatio = std::atof(ratio);
  World world(config);
  build(world, scene);
  bool trace = argc > 3 && std::strcmp(argv[3], "trace") == 0;
  auto began = std::chrono::steady_clock::now();
  long awakeBodySteps = 0;  // Σ over steps of the awake bodies: how long the scene took to settle, free of timing noise
  for (int i = 0; i < steps; ++i) {
    world.step(1.0 / 60.0);
    int awake = 0;  // isAwake() is false for static bodies
    for (const Body& b : world.bodies()) awake += b.isAwake();
    awakeBodySteps += awake;
    if (trace && (i % 30 == 29 || (std::getenv("MSD_TRACE_ALL") && i < 90))) {
      double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count();
      double fastest = 0, spin = 0;
      for (const Body& b : world.bodies()) {
        if (b.isStatic) continue;
        fastest = std::max(fastest, length(b.linearVelocity));
        spin = std::max(spin, length(b.angularVelocity));
      }
      std::printf("step %4d  t %5.2f s  awake %5d  contacts %6zu  %8.1f ms so far  max |v| %.4f max |w| %.4f\n", i + 1, world.time(), awake, world.contacts().size(), elapsed, fastest, spin);
    }
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count();
  int asleep = 0, bodies = 0;
  for (const Body& b : world.bodies()) {
    if (b.isStatic) continue;
    ++bodies;
    if (!b.isAwake()) ++asleep;
  }
  // A fingerprint of the final state, to see whether a change altered the results at all.
  double fingerprint = 0;
  for (const Body& b : world.bodies()) {
    fingerprint += b.position.x * 1.1 + b.position.y * 1.3 + b.position.z * 1.7 + b.orientation.x * 2.3 + b.orientation.y * 2.9;
  }
  std::printf("%s: %d steps, %.4f ms/step, %d of %d bodies asleep, %ld awake body-steps, state fingerprint %.17g\n", scene.c_str(), steps, ms / steps, asleep, bodies, awakeBodySteps, fingerprint);
  return 0;
}
