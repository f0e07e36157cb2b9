// Module entry: exports the NativeWorld class and buildHull().
#include <napi.h>

#include <cstring>
#include <vector>

#include "convert.h"
#include "error.h"
#include "mass_properties.h"
#include "shape.h"
#include "world_wrap.h"

namespace msdaddon {

// buildHull(points: Float64Array) → { vertices, triangles, volume, centroid, inertia } in the input frame;
// inertia is per kg about the centroid (row-major 3×3).
Napi::Value buildHull(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float64Array points = requireFloat64Array(info[0], "points", 0);
  return guarded(env, [&] {
    std::vector<msd::Vec3> p(points.ElementLength() / 3);
    for (size_t i = 0; i < p.size(); ++i) p[i] = vec3At(points, 3 * i);
    if (points.ElementLength() % 3 != 0) throw msd::EngineError("points length must be a multiple of 3");
    msd::Hull hull = msd::buildHull(p);
    msd::MassProperties mp = msd::computeMassProperties(hull);
    Napi::Object o = Napi::Object::New(env);
    Napi::Float64Array vertices = Napi::Float64Array::New(env, hull.vertices.size() * 3);
    for (size_t i = 0; i < hull.vertices.size(); ++i) {
      vertices[3 * i] = hull.vertices[i].x; vertices[3 * i + 1] = hull.vertices[i].y; vertices[3 * i + 2] = hull.vertices[i].z;
    }
    std::vector<uint32_t> tris = hull.triangles();
    Napi::Uint32Array triangles = Napi::Uint32Array::New(env, tris.size());
    std::memcpy(triangles.Data(), tris.data(), tris.size() * sizeof(uint32_t));
    Napi::Float64Array centroid = Napi::Float64Array::New(env, 3);
    centroid[0] = mp.centroid.x; centroid[1] = mp.centroid.y; centroid[2] = mp.centroid.z;
    Napi::Float64Array inertia = Napi::Float64Array::New(env, 9);
    for (int r = 0; r < 3; ++r) for (int c = 0; c < 3; ++c) inertia[static_cast<size_t>(3 * r + c)] = mp.inertiaPerMass.at(r, c);
    o.Set("vertices", vertices);
    o.Set("triangles", triangles);
    o.Set("volume", mp.volume);
    o.Set("centroid", centroid);
    o.Set("inertia", inertia);
    return o;
  });
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeWorld", WorldWrap::define(env));
  exports.Set("buildHull", Napi::Function::New(env, buildHull, "buildHull"));
  return exports;
}

}  // namespace msdaddon

static Napi::Object initModule(Napi::Env env, Napi::Object exports) { return msdaddon::init(env, exports); }

NODE_API_MODULE(msd_addon, initModule)
