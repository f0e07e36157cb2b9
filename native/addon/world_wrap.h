// The JS class `NativeWorld`: a thin wrapper over msd::World. It converts arguments and results
// (typed arrays in, typed arrays out) and owns the busy flag that keeps JS away from the world while
// an async step runs on a worker thread. No physics here.
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>

#include "world.h"

namespace msdaddon {

class WorldWrap : public Napi::ObjectWrap<WorldWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit WorldWrap(const Napi::CallbackInfo& info);

  msd::World& world();  // throws a JS Error when disposed or busy
  void setBusy(bool busy) { busy_ = busy; }
  std::atomic<bool>& cancelFlag() { return cancel_; }

 private:
  Napi::Value addHullShape(const Napi::CallbackInfo& info);
  Napi::Value addSphereShape(const Napi::CallbackInfo& info);
  Napi::Value shapeCount(const Napi::CallbackInfo& info);
  Napi::Value shapeInfo(const Napi::CallbackInfo& info);
  Napi::Value createBody(const Napi::CallbackInfo& info);
  Napi::Value destroyBody(const Napi::CallbackInfo& info);
  Napi::Value bodyInfo(const Napi::CallbackInfo& info);
  Napi::Value bodyIds(const Napi::CallbackInfo& info);
  Napi::Value step(const Napi::CallbackInfo& info);
  Napi::Value advanceTo(const Napi::CallbackInfo& info);
  Napi::Value time(const Napi::CallbackInfo& info);
  Napi::Value stateArray(const Napi::CallbackInfo& info);
  Napi::Value bodyState(const Napi::CallbackInfo& info);
  Napi::Value contacts(const Napi::CallbackInfo& info);
  Napi::Value friction(const Napi::CallbackInfo& info);
  Napi::Value solverStats(const Napi::CallbackInfo& info);
  Napi::Value energy(const Napi::CallbackInfo& info);
  Napi::Value bodyEnergies(const Napi::CallbackInfo& info);
  Napi::Value frameInfo(const Napi::CallbackInfo& info);
  Napi::Value packFrame(const Napi::CallbackInfo& info);
  Napi::Value lastStepDt(const Napi::CallbackInfo& info);
  Napi::Value stateRevision(const Napi::CallbackInfo& info);
  Napi::Value config(const Napi::CallbackInfo& info);
  Napi::Value setVelocity(const Napi::CallbackInfo& info);
  Napi::Value applyImpulse(const Napi::CallbackInfo& info);
  Napi::Value snapshot(const Napi::CallbackInfo& info);
  Napi::Value restore(const Napi::CallbackInfo& info);
  Napi::Value simulate(const Napi::CallbackInfo& info);
  Napi::Value runAsync(const Napi::CallbackInfo& info);
  Napi::Value cancelAsync(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);

  std::unique_ptr<msd::World> world_;
  bool busy_ = false;
  std::atomic<bool> cancel_{false};
};

}  // namespace msdaddon
