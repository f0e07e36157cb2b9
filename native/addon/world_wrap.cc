#include "world_wrap.h"

#include <cstring>
#include <vector>

#include "async_work.h"
#include "contact_report.h"
#include "convert.h"
#include "error.h"
#include "shape.h"
#include "trajectory.h"

namespace msdaddon {

namespace {

constexpr size_t kStateStride = 14;

msd::WorldConfig readConfig(const Napi::Object& o) {
  msd::WorldConfig c;
  Napi::Float64Array g = requireFloat64Array(o.Get("gravity"), "gravity", 3);
  c.gravity = vec3At(g, 0);
  c.maxStep = requireNumber(o.Get("maxStep"), "maxStep");
  double substeps = requireNumber(o.Get("substeps"), "substeps");
  c.substeps = (substeps >= 1 && substeps <= 64) ? static_cast<int>(substeps) : 0;
  c.enableSleep = o.Get("sleep").ToBoolean().Value();
  return c;
}

void writeState(const msd::Body& b, double* out) {
  out[0] = b.id;
  out[1] = b.position.x; out[2] = b.position.y; out[3] = b.position.z;
  out[4] = b.orientation.w; out[5] = b.orientation.x; out[6] = b.orientation.y; out[7] = b.orientation.z;
  out[8] = b.linearVelocity.x; out[9] = b.linearVelocity.y; out[10] = b.linearVelocity.z;
  out[11] = b.angularVelocity.x; out[12] = b.angularVelocity.y; out[13] = b.angularVelocity.z;
}

// Calls `visit` for every body in the seed's frame order: dynamic first, then static, each by id.
template <typename Visit>
void forEachInFrameOrder(const msd::World& w, Visit visit) {
  for (int pass = 0; pass < 2; ++pass) {
    for (const msd::Body& b : w.bodies()) {
      if (b.isStatic == (pass == 1)) visit(b);
    }
  }
}

// Every body's record (writeState) in frame order. Writes what fits in `capacity` values and
// returns the length the whole needs (as every pack* here).
size_t packStates(const msd::World& w, double* data, size_t capacity) {
  size_t n = w.bodies().size() * kStateStride;
  if (n > capacity) return n;
  forEachInFrameOrder(w, [&](const msd::Body& b) {
    writeState(b, data);
    data += kStateStride;
  });
  return n;
}

// [linear, rotational, potential] of every body in frame order (static bodies: zeros).
size_t packEnergies(const msd::World& w, double* data, size_t capacity) {
  size_t n = w.bodies().size() * 3;
  if (n > capacity) return n;
  forEachInFrameOrder(w, [&](const msd::Body& b) {
    msd::EnergyReport e = w.bodyEnergy(b);
    data[0] = e.linear; data[1] = e.rotational; data[2] = e.potential;
    data += 3;
  });
  return n;
}

// The first `length` values of `given` as a view of the same memory. Made with the array's own
// subarray(): unlike napi_create_typedarray it also works on a SharedArrayBuffer (recorders hand
// the engine views of a buffer shared with their writer thread).
Napi::Float64Array viewOf(const Napi::Float64Array& given, size_t length) {
  Napi::Env env = given.Env();
  Napi::Function subarray = given.Get("subarray").As<Napi::Function>();
  return subarray.Call(given, {Napi::Number::New(env, 0), Napi::Number::New(env, static_cast<double>(length))}).As<Napi::Float64Array>();
}

}  // namespace

Napi::Function WorldWrap::define(Napi::Env env) {
  return DefineClass(env, "NativeWorld",
                     {
                         InstanceMethod<&WorldWrap::addHullShape>("addHullShape"),
                         InstanceMethod<&WorldWrap::addSphereShape>("addSphereShape"),
                         InstanceMethod<&WorldWrap::shapeCount>("shapeCount"),
                         InstanceMethod<&WorldWrap::shapeInfo>("shapeInfo"),
                         InstanceMethod<&WorldWrap::createBody>("createBody"),
                         InstanceMethod<&WorldWrap::destroyBody>("destroyBody"),
                         InstanceMethod<&WorldWrap::bodyInfo>("bodyInfo"),
                         InstanceMethod<&WorldWrap::bodyIds>("bodyIds"),
                         InstanceMethod<&WorldWrap::step>("step"),
                         InstanceMethod<&WorldWrap::advanceTo>("advanceTo"),
                         InstanceMethod<&WorldWrap::time>("time"),
                         InstanceMethod<&WorldWrap::stateArray>("stateArray"),
                         InstanceMethod<&WorldWrap::bodyState>("bodyState"),
                         InstanceMethod<&WorldWrap::contacts>("contacts"),
                         InstanceMethod<&WorldWrap::friction>("friction"),
                         InstanceMethod<&WorldWrap::solverStats>("solverStats"),
                         InstanceMethod<&WorldWrap::energy>("energy"),
                         InstanceMethod<&WorldWrap::bodyEnergies>("bodyEnergies"),
                         InstanceMethod<&WorldWrap::frameInfo>("frameInfo"),
                         InstanceMethod<&WorldWrap::packFrame>("packFrame"),
                         InstanceMethod<&WorldWrap::lastStepDt>("lastStepDt"),
                         InstanceMethod<&WorldWrap::stateRevision>("stateRevision"),
                         InstanceMethod<&WorldWrap::config>("config"),
                         InstanceMethod<&WorldWrap::setVelocity>("setVelocity"),
                         InstanceMethod<&WorldWrap::applyImpulse>("applyImpulse"),
                         InstanceMethod<&WorldWrap::snapshot>("snapshot"),
                         InstanceMethod<&WorldWrap::restore>("restore"),
                         InstanceMethod<&WorldWrap::simulate>("simulate"),
                         InstanceMethod<&WorldWrap::runAsync>("runAsync"),
                         InstanceMethod<&WorldWrap::cancelAsync>("cancelAsync"),
                         InstanceMethod<&WorldWrap::dispose>("dispose"),
                     });
}

WorldWrap::WorldWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WorldWrap>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "NativeWorld needs a config object");
  guarded(env, [&] {
    world_ = std::make_unique<msd::World>(readConfig(info[0].As<Napi::Object>()));
    return 0;
  });
}

msd::World& WorldWrap::world() {
  if (!world_) throw Napi::Error::New(Env(), "engine has been disposed");
  if (busy_) throw Napi::Error::New(Env(), "engine is busy: an async step is running (await it first)");
  return *world_;
}

Napi::Value WorldWrap::addHullShape(const Napi::CallbackInfo& info) {
  Napi::Float64Array points = requireFloat64Array(info[0], "points", 0);
  double assetId = requireNumber(info[1], "assetId");
  std::string name = info[2].ToString().Utf8Value();
  return guarded(info.Env(), [&] {
    std::vector<msd::Vec3> p(points.ElementLength() / 3);
    for (size_t i = 0; i < p.size(); ++i) p[i] = vec3At(points, 3 * i);
    msd::World& w = world();
    int32_t index = w.addShape(msd::makeHullShape(p), static_cast<int32_t>(assetId), name);
    return Napi::Number::New(info.Env(), index);
  });
}

Napi::Value WorldWrap::addSphereShape(const Napi::CallbackInfo& info) {
  double radius = requireNumber(info[0], "radius");
  double assetId = requireNumber(info[1], "assetId");
  std::string name = info[2].ToString().Utf8Value();
  return guarded(info.Env(), [&] {
    msd::World& w = world();
    int32_t index = w.addShape(msd::makeSphereShape(radius), static_cast<int32_t>(assetId), name);
    return Napi::Number::New(info.Env(), index);
  });
}

Napi::Value WorldWrap::shapeCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), world().shapeCount());
}

Napi::Value WorldWrap::shapeInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double index = requireNumber(info[0], "shape");
  msd::World& w = world();
  if (!(index >= 0 && index < w.shapeCount())) throw Napi::RangeError::New(env, "shape index out of range");
  const msd::ShapeEntry& e = w.shapeEntry(static_cast<int32_t>(index));
  Napi::Object o = Napi::Object::New(env);
  o.Set("assetId", e.assetId);
  o.Set("name", e.name);
  o.Set("kind", e.shape.kind == msd::ShapeKind::Sphere ? "sphere" : "hull");
  o.Set("radius", e.shape.radius);
  o.Set("volume", e.shape.mass.volume);
  Napi::Float64Array com = newFloat64Array(env, 3);
  com[0] = e.shape.localCenterOfMass.x; com[1] = e.shape.localCenterOfMass.y; com[2] = e.shape.localCenterOfMass.z;
  o.Set("localCenterOfMass", com);
  const msd::Hull& hull = e.shape.hull;
  Napi::Float64Array vertices = newFloat64Array(env, hull.vertices.size() * 3);
  for (size_t i = 0; i < hull.vertices.size(); ++i) {
    vertices[3 * i] = hull.vertices[i].x; vertices[3 * i + 1] = hull.vertices[i].y; vertices[3 * i + 2] = hull.vertices[i].z;
  }
  o.Set("hullVertices", vertices);
  std::vector<uint32_t> tris = hull.triangles();
  Napi::Uint32Array triangles = Napi::Uint32Array::New(env, tris.size());
  if (!tris.empty()) std::memcpy(triangles.Data(), tris.data(), tris.size() * sizeof(uint32_t));
  o.Set("hullTriangles", triangles);
  return o;
}

Napi::Value WorldWrap::createBody(const Napi::CallbackInfo& info) {
  double shape = requireNumber(info[0], "shape");
  bool isStatic = info[1].ToBoolean().Value();
  Napi::Float64Array p = requireFloat64Array(info[2], "body parameters", 15);
  return guarded(info.Env(), [&] {
    msd::BodyDef def;
    def.shape = (shape >= 0 && shape < 2147483647.0) ? static_cast<int32_t>(shape) : -1;
    def.isStatic = isStatic;
    def.origin = vec3At(p, 0);
    def.eulerPitchRollYaw = vec3At(p, 3);
    def.mass = p[6];
    def.restitution = p[7];
    def.friction = p[8];
    def.velocity = vec3At(p, 9);
    def.angularVelocity = vec3At(p, 12);
    return Napi::Number::New(info.Env(), world().createBody(def));
  });
}

Napi::Value WorldWrap::destroyBody(const Napi::CallbackInfo& info) {
  uint32_t id = requireId(info[0], "body id");
  guarded(info.Env(), [&] { world().destroyBody(id); return 0; });
  return info.Env().Undefined();
}

// [shape, isStatic, mass, restitution, friction]
Napi::Value WorldWrap::bodyInfo(const Napi::CallbackInfo& info) {
  uint32_t id = requireId(info[0], "body id");
  return guarded(info.Env(), [&] {
    const msd::Body& b = world().body(id);
    Napi::Float64Array out = newFloat64Array(info.Env(), 5);
    out[0] = b.shape; out[1] = b.isStatic ? 1 : 0; out[2] = b.mass; out[3] = b.restitution; out[4] = b.friction;
    return out;
  });
}

// Dynamic bodies first, then static ones, each by id: the seed's frame order.
Napi::Value WorldWrap::bodyIds(const Napi::CallbackInfo& info) {
  const msd::World& w = world();
  Napi::Uint32Array out = Napi::Uint32Array::New(info.Env(), w.bodies().size());
  size_t k = 0;
  forEachInFrameOrder(w, [&](const msd::Body& b) { out[k++] = b.id; });
  return out;
}

Napi::Value WorldWrap::step(const Napi::CallbackInfo& info) {
  double dt = requireNumber(info[0], "dt");
  double count = info.Length() > 1 ? requireNumber(info[1], "steps") : 1;
  return guarded(info.Env(), [&] {
    if (!(count >= 0 && count <= 2147483647.0)) throw msd::EngineError("steps must be a non-negative integer");
    world().advanceBy(dt, static_cast<int>(count));
    return info.Env().Undefined();
  });
}

Napi::Value WorldWrap::advanceTo(const Napi::CallbackInfo& info) {
  double t = requireNumber(info[0], "time");
  return guarded(info.Env(), [&] {
    world().advanceTo(t);
    return info.Env().Undefined();
  });
}

Napi::Value WorldWrap::time(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), world().time()); }

// 14 doubles per body (id, position, orientation wxyz, velocity, angular velocity), dynamic first.
Napi::Value WorldWrap::stateArray(const Napi::CallbackInfo& info) {
  const msd::World& w = world();
  size_t n = w.bodies().size() * kStateStride;
  Napi::Float64Array out = info.Length() > 0 && info[0].IsTypedArray() ? requireFloat64Array(info[0], "out", n)
                                                                       : newFloat64Array(info.Env(), n);
  packStates(w, out.Data(), n);
  return out;
}

// One body's 14-double record (the stateArray layout), without copying every other body.
Napi::Value WorldWrap::bodyState(const Napi::CallbackInfo& info) {
  uint32_t id = requireId(info[0], "body id");
  return guarded(info.Env(), [&] {
    const msd::Body& b = world().body(id);
    Napi::Float64Array out = newFloat64Array(info.Env(), kStateStride);
    writeState(b, out.Data());
    return out;
  });
}

namespace {

// Touching contacts packed as: bodyA, bodyB, nx, ny, nz, count, then per point px, py, pz, depth, normalImpulse.
// Writes what fits in `capacity` values and returns the length the whole needs.
size_t packContacts(const msd::World& w, double* data, size_t capacity) {
  size_t n = 0;
  for (const msd::Contact& c : w.contacts()) {
    size_t header = n;
    n += 6;
    int count = 0;
    for (int i = 0; i < c.pointCount; ++i) {
      const msd::ContactPoint& p = c.points[i];
      if (!msd::isTouching(p)) continue;
      if (n + 5 <= capacity) {
        double* d = data + n;
        d[0] = p.mp.point.x; d[1] = p.mp.point.y; d[2] = p.mp.point.z; d[3] = -p.mp.separation; d[4] = p.stepNormalImpulse;
      }
      n += 5;
      ++count;
    }
    if (count == 0) {
      n = header;
      continue;
    }
    if (header + 6 <= capacity) {
      double* d = data + header;
      d[0] = c.bodyA; d[1] = c.bodyB; d[2] = c.normal.x; d[3] = c.normal.y; d[4] = c.normal.z; d[5] = count;
    }
  }
  return n;
}

// Friction per touching contact, in the order of contacts(): μ, tangent1 xyz, tangent2 xyz, the
// patch's friction force on B along each tangent (N) in the last substep of the last step (see
// patchFriction), and the patch's normal impulse of the step over all its points (N·s). As
// packContacts.
size_t packFriction(const msd::World& w, double* data, size_t capacity) {
  constexpr size_t kStride = 10;
  size_t n = 0;
  for (const msd::Contact& c : w.contacts()) {
    if (msd::touchingPointCount(c) == 0) continue;
    if (n + kStride <= capacity) {
      msd::PatchFriction f = msd::patchFriction(c, w.lastStepDt(), w.config().substeps);
      double* d = data + n;
      d[0] = f.coefficient;
      d[1] = f.tangent1.x; d[2] = f.tangent1.y; d[3] = f.tangent1.z;
      d[4] = f.tangent2.x; d[5] = f.tangent2.y; d[6] = f.tangent2.z;
      d[7] = f.force1; d[8] = f.force2; d[9] = f.patchNormalImpulse;
    }
    n += kStride;
  }
  return n;
}

// Runs a packer into the caller's `out` (argument 0) when given and large enough (the result is then
// a view of out's buffer: one pass, no allocation), else into a new array of the exact length.
template <typename Pack>
Napi::Float64Array packInto(const Napi::CallbackInfo& info, const msd::World& w, Pack pack) {
  if (info.Length() > 0 && info[0].IsTypedArray()) {
    Napi::Float64Array given = requireFloat64Array(info[0], "out", 0);
    size_t n = pack(w, given.Data(), given.ElementLength());
    if (n <= given.ElementLength()) return viewOf(given, n);
  }
  size_t n = pack(w, nullptr, 0);
  Napi::Float64Array out = newFloat64Array(info.Env(), n);
  pack(w, out.Data(), n);
  return out;
}

}  // namespace

Napi::Value WorldWrap::contacts(const Napi::CallbackInfo& info) { return packInto(info, world(), packContacts); }

Napi::Value WorldWrap::friction(const Napi::CallbackInfo& info) { return packInto(info, world(), packFriction); }

// [iterations, residual, converged, numConstraints, numContacts]
Napi::Value WorldWrap::solverStats(const Napi::CallbackInfo& info) {
  const msd::SolverStats& s = world().solverStats();
  Napi::Float64Array out = newFloat64Array(info.Env(), 5);
  out[0] = s.iterations; out[1] = s.residual; out[2] = s.converged ? 1 : 0; out[3] = s.numConstraints; out[4] = s.numContacts;
  return out;
}

// [linear, rotational, potential] for one body (argument) or the whole world.
Napi::Value WorldWrap::energy(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    msd::World& w = world();
    msd::EnergyReport e = info.Length() > 0 && !info[0].IsUndefined() ? w.bodyEnergy(requireId(info[0], "body id")) : w.energy();
    Napi::Float64Array out = newFloat64Array(info.Env(), 3);
    out[0] = e.linear; out[1] = e.rotational; out[2] = e.potential;
    return out;
  });
}

// [linear, rotational, potential] of every body in stateArray order (dynamic first, then static,
// each by id; static bodies are zeros), in one call. `out` as in contacts().
Napi::Value WorldWrap::bodyEnergies(const Napi::CallbackInfo& info) { return packInto(info, world(), packEnergies); }

namespace {

// The clock, the state revision and the solver's stats of the last step, in the FRAME_INFO layout
// (src/engine/types.ts): written into the caller's array, so polling it every frame allocates nothing.
void writeFrameInfo(const msd::World& w, double* d) {
  const msd::SolverStats& s = w.solverStats();
  d[0] = w.time(); d[1] = w.lastStepDt(); d[2] = static_cast<double>(w.stateRevision());
  d[3] = s.iterations; d[4] = s.residual; d[5] = s.converged ? 1 : 0; d[6] = s.numConstraints; d[7] = s.numContacts;
}

constexpr size_t kFrameInfoLength = 12;

}  // namespace

Napi::Value WorldWrap::frameInfo(const Napi::CallbackInfo& info) {
  Napi::Float64Array out = requireFloat64Array(info[0], "info", kFrameInfoLength);
  writeFrameInfo(world(), out.Data());
  return info.Env().Undefined();
}

// A whole frame in one call (what a recorder captures every step): frameInfo into `info`, then
// states, contacts, friction and energies back to back into `out`, their lengths in info[8..11].
// Returns whether everything fit; when not, the lengths say how much room the frame needs.
Napi::Value WorldWrap::packFrame(const Napi::CallbackInfo& info) {
  Napi::Float64Array out = requireFloat64Array(info[0], "out", 0);
  Napi::Float64Array meta = requireFloat64Array(info[1], "info", kFrameInfoLength);
  const msd::World& w = world();
  double* m = meta.Data();
  writeFrameInfo(w, m);
  double* data = out.Data();
  size_t capacity = out.ElementLength();
  size_t at = 0;
  size_t (*const sections[])(const msd::World&, double*, size_t) = {packStates, packContacts, packFriction, packEnergies};
  for (size_t k = 0; k < 4; ++k) {
    size_t room = at < capacity ? capacity - at : 0;
    size_t n = sections[k](w, room > 0 ? data + at : nullptr, room);
    m[8 + k] = static_cast<double>(n);
    at += n;
  }
  return Napi::Boolean::New(info.Env(), at <= capacity);
}

Napi::Value WorldWrap::lastStepDt(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), world().lastStepDt()); }

// [gravity x, y, z, maxStep, substeps, sleep] as the world has it now (a restored snapshot brings its own).
Napi::Value WorldWrap::config(const Napi::CallbackInfo& info) {
  const msd::WorldConfig& c = world().config();
  Napi::Float64Array out = newFloat64Array(info.Env(), 6);
  out[0] = c.gravity.x; out[1] = c.gravity.y; out[2] = c.gravity.z;
  out[3] = c.maxStep; out[4] = c.substeps; out[5] = c.enableSleep ? 1 : 0;
  return out;
}

Napi::Value WorldWrap::stateRevision(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(world().stateRevision()));
}

Napi::Value WorldWrap::setVelocity(const Napi::CallbackInfo& info) {
  uint32_t id = requireId(info[0], "body id");
  Napi::Float64Array vw = requireFloat64Array(info[1], "velocities", 6);
  return guarded(info.Env(), [&] {
    world().setVelocity(id, vec3At(vw, 0), vec3At(vw, 3));
    return info.Env().Undefined();
  });
}

Napi::Value WorldWrap::applyImpulse(const Napi::CallbackInfo& info) {
  uint32_t id = requireId(info[0], "body id");
  Napi::Float64Array impulse = requireFloat64Array(info[1], "impulse", 3);
  bool hasPoint = info.Length() > 2 && !info[2].IsUndefined();
  msd::Vec3 point;
  if (hasPoint) point = vec3At(requireFloat64Array(info[2], "point", 3), 0);
  return guarded(info.Env(), [&] {
    world().applyImpulse(id, vec3At(impulse, 0), hasPoint ? &point : nullptr);
    return info.Env().Undefined();
  });
}

Napi::Value WorldWrap::snapshot(const Napi::CallbackInfo& info) {
  std::vector<uint8_t> bytes = world().snapshot();
  Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), bytes.size());
  std::memcpy(out.Data(), bytes.data(), bytes.size());
  return out;
}

Napi::Value WorldWrap::restore(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(info.Env(), "snapshot must be a Uint8Array");
  }
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  return guarded(info.Env(), [&] {
    world().restore(bytes.Data(), bytes.ByteLength());
    return info.Env().Undefined();
  });
}

// simulate(dt, steps, every, bodyIds: Uint32Array, buffers, firstFrame, recordFirst) → steps taken
Napi::Value WorldWrap::simulate(const Napi::CallbackInfo& info) {
  SimulateArgs args = readSimulateArgs(info);
  return guarded(info.Env(), [&] {
    msd::World& w = world();
    if (args.recordFirst) msd::recordFrame(w, args.bodyIds, args.buffers, args.firstFrame++);
    int64_t taken = msd::simulateSteps(w, args.dt, args.steps, args.every, args.bodyIds, args.buffers, args.firstFrame, nullptr);
    return Napi::Number::New(info.Env(), static_cast<double>(taken));
  });
}

Napi::Value WorldWrap::runAsync(const Napi::CallbackInfo& info) { return startAsyncWork(*this, info); }

Napi::Value WorldWrap::cancelAsync(const Napi::CallbackInfo& info) {
  cancel_.store(true);
  return info.Env().Undefined();
}

Napi::Value WorldWrap::dispose(const Napi::CallbackInfo& info) {
  if (busy_) throw Napi::Error::New(info.Env(), "engine is busy: an async step is running (await it first)");
  world_.reset();
  return info.Env().Undefined();
}

}  // namespace msdaddon
