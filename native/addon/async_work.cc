#include "async_work.h"

#include <chrono>
#include <exception>
#include <string>

#include "convert.h"
#include "world_wrap.h"

namespace msdaddon {

namespace {

enum class WorkKind { Step, AdvanceTo, Simulate };

class AsyncWork : public Napi::AsyncWorker {
 public:
  AsyncWork(Napi::Env env, WorldWrap& wrap, msd::World& world, WorkKind kind)
      : Napi::AsyncWorker(env, "msd-lab:step"), wrap_(wrap), world_(world), kind_(kind), deferred_(Napi::Promise::Deferred::New(env)) {
    wrapRef_ = Napi::Persistent(wrap.Value());
  }

  Napi::Promise promise() { return deferred_.Promise(); }
  void keepAlive(const Napi::Object& o) { buffersRef_ = Napi::Persistent(o); }

  double dt = 0, target = 0;
  int64_t steps = 0;
  SimulateArgs simulate;

 protected:
  void Execute() override {
    try {
      auto began = std::chrono::steady_clock::now();
      switch (kind_) {
        case WorkKind::Step:
          world_.advanceBy(dt, static_cast<int>(steps));
          result_ = secondsSince(began);
          break;
        case WorkKind::AdvanceTo:
          world_.advanceTo(target);
          result_ = secondsSince(began);
          break;
        case WorkKind::Simulate: {
          if (simulate.recordFirst) msd::recordFrame(world_, simulate.bodyIds, simulate.buffers, simulate.firstFrame++);
          result_ = static_cast<double>(msd::simulateSteps(world_, simulate.dt, simulate.steps, simulate.every, simulate.bodyIds,
                                                           simulate.buffers, simulate.firstFrame, &wrap_.cancelFlag()));
          break;
        }
      }
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }

  void OnOK() override {
    wrap_.setBusy(false);
    deferred_.Resolve(Napi::Number::New(Env(), result_));
  }

  void OnError(const Napi::Error& error) override {
    wrap_.setBusy(false);
    deferred_.Reject(error.Value());
  }

 private:
  static double secondsSince(std::chrono::steady_clock::time_point began) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  }

  WorldWrap& wrap_;
  msd::World& world_;  // owned by wrap_, which cannot dispose it while busy
  WorkKind kind_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference wrapRef_, buffersRef_;
  double result_ = 0;
};

int64_t requireCount(const Napi::Value& v, const char* what, int64_t min) {
  double x = requireNumber(v, what);
  if (!(x >= static_cast<double>(min) && x <= 9007199254740991.0) || x != static_cast<double>(static_cast<int64_t>(x))) {
    throw Napi::RangeError::New(v.Env(), std::string(what) + " must be an integer >= " + std::to_string(min));
  }
  return static_cast<int64_t>(x);
}

}  // namespace

SimulateArgs readSimulateArgs(const Napi::CallbackInfo& info, size_t first) {
  Napi::Env env = info.Env();
  SimulateArgs a;
  a.dt = requireNumber(info[first], "dt");
  a.steps = requireCount(info[first + 1], "steps", 0);
  a.every = requireCount(info[first + 2], "every", 1);
  if (!info[first + 3].IsTypedArray() || info[first + 3].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    throw Napi::TypeError::New(env, "bodyIds must be a Uint32Array");
  }
  Napi::Uint32Array ids = info[first + 3].As<Napi::Uint32Array>();
  a.bodyIds.assign(ids.Data(), ids.Data() + ids.ElementLength());
  if (!info[first + 4].IsObject()) throw Napi::TypeError::New(env, "buffers must be an object");
  a.firstFrame = requireCount(info[first + 5], "firstFrame", 0);
  a.recordFirst = info[first + 6].ToBoolean().Value();
  size_t frames = static_cast<size_t>(a.firstFrame + a.steps / a.every + (a.recordFirst ? 1 : 0));
  a.buffers = [&] {
    Napi::Object o = info[first + 4].As<Napi::Object>();
    msd::TrajectoryBuffers t;
    size_t n = a.bodyIds.size();
    t.time = requireFloat64Array(o.Get("time"), "time", frames).Data();
    t.position = requireFloat64Array(o.Get("position"), "position", frames * n * 3).Data();
    t.orientation = requireFloat64Array(o.Get("orientation"), "orientation", frames * n * 4).Data();
    t.velocity = requireFloat64Array(o.Get("velocity"), "velocity", frames * n * 3).Data();
    t.angularVelocity = requireFloat64Array(o.Get("angularVelocity"), "angularVelocity", frames * n * 3).Data();
    t.kineticEnergy = requireFloat64Array(o.Get("kineticEnergy"), "kineticEnergy", frames).Data();
    t.potentialEnergy = requireFloat64Array(o.Get("potentialEnergy"), "potentialEnergy", frames).Data();
    return t;
  }();
  return a;
}

Napi::Value startAsyncWork(WorldWrap& wrap, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string kind = info[0].ToString().Utf8Value();
  msd::World& world = wrap.world();  // throws when disposed or already busy
  AsyncWork* work = nullptr;
  if (kind == "step") {
    work = new AsyncWork(env, wrap, world, WorkKind::Step);
    work->dt = requireNumber(info[1], "dt");
    work->steps = requireCount(info[2], "steps", 0);
  } else if (kind == "advanceTo") {
    work = new AsyncWork(env, wrap, world, WorkKind::AdvanceTo);
    work->target = requireNumber(info[1], "time");
  } else if (kind == "simulate") {
    SimulateArgs args = readSimulateArgs(info, 1);
    work = new AsyncWork(env, wrap, world, WorkKind::Simulate);
    work->simulate = std::move(args);
    work->keepAlive(info[5].As<Napi::Object>());
  } else {
    throw Napi::TypeError::New(env, "unknown async work kind: " + kind);
  }
  Napi::Promise promise = work->promise();
  wrap.cancelFlag().store(false);
  wrap.setBusy(true);
  work->Queue();
  return promise;
}

}  // namespace msdaddon
