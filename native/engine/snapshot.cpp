// World snapshots: every piece of state that influences future steps, written field by field
// (no struct padding), so restoring and stepping reproduces the original run bit for bit.
// Format: "MSDW" magic, u32 version, then config, clock, shapes, bodies, contacts, sleeping islands,
// and the last solver stats. Native byte order (snapshots are for the same build/machine).
#include <cstring>
#include <type_traits>

#include "error.h"
#include "world.h"

namespace msd {

namespace {

constexpr uint32_t kMagic = 0x5744534D;  // "MSDW"
constexpr uint32_t kVersion = 4;  // 3: contacts carry the narrowphase cache; 4: bodies their net motion at rest

class Writer {
 public:
  template <typename T>
  void put(T value) {
    static_assert(std::is_arithmetic<T>::value, "arithmetic only");
    size_t at = bytes.size();
    bytes.resize(at + sizeof(T));
    std::memcpy(bytes.data() + at, &value, sizeof(T));
  }
  void put(const Vec3& v) { put(v.x); put(v.y); put(v.z); }
  void put(const Quat& q) { put(q.w); put(q.x); put(q.y); put(q.z); }
  void put(const Mat3& m) { put(m.r0); put(m.r1); put(m.r2); }
  void put(const AABB& a) { put(a.lower); put(a.upper); }
  void put(const std::string& s) {
    put(static_cast<uint32_t>(s.size()));
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  std::vector<uint8_t> bytes;
};

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  template <typename T>
  T get() {
    static_assert(std::is_arithmetic<T>::value, "arithmetic only");
    need(sizeof(T));
    T value;
    std::memcpy(&value, data_ + at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }
  Vec3 vec3() { Vec3 v; v.x = get<double>(); v.y = get<double>(); v.z = get<double>(); return v; }
  Quat quat() { Quat q; q.w = get<double>(); q.x = get<double>(); q.y = get<double>(); q.z = get<double>(); return q; }
  Mat3 mat3() { Mat3 m; m.r0 = vec3(); m.r1 = vec3(); m.r2 = vec3(); return m; }
  AABB aabb() { AABB a; a.lower = vec3(); a.upper = vec3(); return a; }
  std::string string() {
    uint32_t n = count(1);
    std::string s(reinterpret_cast<const char*>(data_ + at_), n);
    at_ += n;
    return s;
  }
  // A element count, checked against the bytes left so a corrupt count cannot allocate gigabytes.
  uint32_t count(size_t minBytesEach) {
    uint32_t n = get<uint32_t>();
    if (minBytesEach > 0 && n > (size_ - at_) / minBytesEach) fail("element count exceeds the data");
    return n;
  }
  bool atEnd() const { return at_ == size_; }
  [[noreturn]] static void fail(const char* what) { throw EngineError(std::string("snapshot is malformed: ") + what); }

 private:
  void need(size_t n) {
    if (size_ - at_ < n) fail("unexpected end of data");
  }
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

void writeHull(Writer& w, const Hull& h) {
  w.put(static_cast<uint32_t>(h.vertices.size()));
  for (const Vec3& v : h.vertices) w.put(v);
  w.put(static_cast<uint32_t>(h.faces.size()));
  for (const HullFace& f : h.faces) {
    w.put(f.normal);
    w.put(f.offset);
    w.put(static_cast<uint32_t>(f.vertices.size()));
    for (uint32_t i : f.vertices) w.put(i);
  }
  w.put(static_cast<uint32_t>(h.edges.size()));
  for (const HullEdge& e : h.edges) { w.put(e.v0); w.put(e.v1); w.put(e.face0); w.put(e.face1); }
  w.put(static_cast<uint32_t>(h.vertexNeighbors.size()));
  for (const auto& list : h.vertexNeighbors) {
    w.put(static_cast<uint32_t>(list.size()));
    for (uint32_t i : list) w.put(i);
  }
}

Hull readHull(Reader& r) {
  Hull h;
  h.vertices.resize(r.count(24));
  for (Vec3& v : h.vertices) v = r.vec3();
  h.faces.resize(r.count(36));
  for (HullFace& f : h.faces) {
    f.normal = r.vec3();
    f.offset = r.get<double>();
    f.vertices.resize(r.count(4));
    for (uint32_t& i : f.vertices) {
      i = r.get<uint32_t>();
      if (i >= h.vertices.size()) Reader::fail("face vertex index out of range");
    }
  }
  h.edges.resize(r.count(16));
  for (HullEdge& e : h.edges) {
    e.v0 = r.get<uint32_t>(); e.v1 = r.get<uint32_t>(); e.face0 = r.get<uint32_t>(); e.face1 = r.get<uint32_t>();
    if (e.v0 >= h.vertices.size() || e.v1 >= h.vertices.size() || e.face0 >= h.faces.size() || e.face1 >= h.faces.size()) {
      Reader::fail("edge index out of range");
    }
  }
  h.vertexNeighbors.resize(r.count(4));
  for (auto& list : h.vertexNeighbors) {
    list.resize(r.count(4));
    for (uint32_t& i : list) {
      i = r.get<uint32_t>();
      if (i >= h.vertices.size()) Reader::fail("neighbour index out of range");
    }
  }
  return h;
}

void writeShape(Writer& w, const ShapeEntry& e) {
  const Shape& s = e.shape;
  w.put(static_cast<uint8_t>(s.kind));
  writeHull(w, s.hull);
  w.put(s.radius);
  w.put(s.localCenterOfMass);
  w.put(s.mass.volume);
  w.put(s.mass.centroid);
  w.put(s.mass.inertiaPerMass);
  w.put(s.boundingRadius);
  w.put(static_cast<uint8_t>(s.isotropic));
  w.put(e.assetId);
  w.put(e.name);
}

ShapeEntry readShape(Reader& r) {
  ShapeEntry e;
  Shape& s = e.shape;
  uint8_t kind = r.get<uint8_t>();
  if (kind > 1) Reader::fail("unknown shape kind");
  s.kind = static_cast<ShapeKind>(kind);
  s.hull = readHull(r);
  if (s.kind == ShapeKind::Hull && s.hull.faces.empty()) Reader::fail("hull shape without faces");
  s.radius = r.get<double>();
  s.localCenterOfMass = r.vec3();
  s.mass.volume = r.get<double>();
  s.mass.centroid = r.vec3();
  s.mass.inertiaPerMass = r.mat3();
  s.boundingRadius = r.get<double>();
  s.isotropic = r.get<uint8_t>() != 0;
  describeBox(s);
  e.assetId = r.get<int32_t>();
  e.name = r.string();
  return e;
}

void writeBody(Writer& w, const Body& b) {
  w.put(b.id); w.put(b.shape); w.put(static_cast<uint8_t>(b.isStatic));
  w.put(b.position); w.put(b.orientation); w.put(b.linearVelocity); w.put(b.angularVelocity);
  w.put(b.mass); w.put(b.invMass); w.put(b.localInertia); w.put(b.localInvInertia);
  w.put(b.restitution); w.put(b.friction);
  w.put(b.fatBox);
  w.put(b.sleepTime); w.put(b.restShift); w.put(b.restTurn); w.put(b.sleepIsland);
}

Body readBody(Reader& r) {
  Body b;
  b.id = r.get<uint32_t>(); b.shape = r.get<int32_t>(); b.isStatic = r.get<uint8_t>() != 0;
  b.position = r.vec3(); b.orientation = r.quat(); b.linearVelocity = r.vec3(); b.angularVelocity = r.vec3();
  b.mass = r.get<double>(); b.invMass = r.get<double>(); b.localInertia = r.mat3(); b.localInvInertia = r.mat3();
  b.restitution = r.get<double>(); b.friction = r.get<double>();
  b.fatBox = r.aabb();
  b.sleepTime = r.get<double>(); b.restShift = r.vec3(); b.restTurn = r.vec3(); b.sleepIsland = r.get<int32_t>();
  return b;
}

void writeContact(Writer& w, const Contact& c) {
  w.put(c.bodyA); w.put(c.bodyB);
  w.put(c.normal); w.put(c.tangent1); w.put(c.tangent2);
  w.put(c.friction); w.put(c.restitution);
  w.put(c.tangentImpulse1); w.put(c.tangentImpulse2); w.put(c.twistImpulse);
  w.put(static_cast<uint8_t>(c.sat.kind)); w.put(c.sat.face); w.put(c.sat.separation);
  w.put(c.sat.relative.p); w.put(c.sat.relative.q);
  w.put(static_cast<int32_t>(c.pointCount));
  for (int i = 0; i < c.pointCount; ++i) {
    const ContactPoint& p = c.points[i];
    w.put(p.mp.point); w.put(p.mp.separation); w.put(p.mp.id);
    w.put(p.normalImpulse); w.put(p.stepNormalImpulse); w.put(p.maxNormalImpulse); w.put(p.relativeVelocity);
  }
}

Contact readContact(Reader& r) {
  Contact c;
  c.bodyA = r.get<uint32_t>(); c.bodyB = r.get<uint32_t>();
  c.normal = r.vec3(); c.tangent1 = r.vec3(); c.tangent2 = r.vec3();
  c.friction = r.get<double>(); c.restitution = r.get<double>();
  c.tangentImpulse1 = r.get<double>(); c.tangentImpulse2 = r.get<double>(); c.twistImpulse = r.get<double>();
  uint8_t kind = r.get<uint8_t>();
  if (kind > static_cast<uint8_t>(SatCache::Kind::FaceOfA)) Reader::fail("contact cache kind out of range");
  c.sat.kind = static_cast<SatCache::Kind>(kind);
  c.sat.face = r.get<int32_t>(); c.sat.separation = r.get<double>();
  c.sat.relative.p = r.vec3(); c.sat.relative.q = r.quat();
  int32_t count = r.get<int32_t>();
  if (count < 0 || count > 4) Reader::fail("contact point count out of range");
  c.pointCount = count;
  for (int i = 0; i < count; ++i) {
    ContactPoint& p = c.points[i];
    p.mp.point = r.vec3(); p.mp.separation = r.get<double>(); p.mp.id = r.get<uint32_t>();
    p.normalImpulse = r.get<double>(); p.stepNormalImpulse = r.get<double>(); p.maxNormalImpulse = r.get<double>(); p.relativeVelocity = r.get<double>();
  }
  return c;
}

void writeConfig(Writer& w, const WorldConfig& c) {
  w.put(c.gravity); w.put(c.maxStep); w.put(static_cast<int32_t>(c.substeps));
  w.put(static_cast<uint8_t>(c.enableSleep)); w.put(c.sleepVelocity); w.put(c.timeToSleep);
  w.put(c.speculativeDistance); w.put(c.aabbMargin); w.put(c.maxLinearSpeed);
  w.put(c.solver.contactHertz); w.put(c.solver.contactDampingRatio); w.put(c.solver.contactPushMaxVelocity);
  w.put(c.solver.restitutionThreshold); w.put(static_cast<int32_t>(c.solver.restitutionIterations));
}

WorldConfig readConfig(Reader& r) {
  WorldConfig c;
  c.gravity = r.vec3(); c.maxStep = r.get<double>(); c.substeps = r.get<int32_t>();
  c.enableSleep = r.get<uint8_t>() != 0; c.sleepVelocity = r.get<double>(); c.timeToSleep = r.get<double>();
  c.speculativeDistance = r.get<double>(); c.aabbMargin = r.get<double>(); c.maxLinearSpeed = r.get<double>();
  c.solver.contactHertz = r.get<double>(); c.solver.contactDampingRatio = r.get<double>();
  c.solver.contactPushMaxVelocity = r.get<double>(); c.solver.restitutionThreshold = r.get<double>();
  c.solver.restitutionIterations = r.get<int32_t>();
  return c;
}

}  // namespace

std::vector<uint8_t> World::snapshot() const {
  Writer w;
  w.put(kMagic);
  w.put(kVersion);
  writeConfig(w, config_);
  w.put(time_);
  w.put(nextId_);
  w.put(static_cast<uint32_t>(shapes_.size()));
  for (const ShapeEntry& e : shapes_) writeShape(w, e);
  w.put(static_cast<uint32_t>(bodies_.size()));
  for (const Body& b : bodies_) writeBody(w, b);
  w.put(static_cast<uint32_t>(contacts_.size()));
  for (const Contact& c : contacts_) writeContact(w, c);
  w.put(static_cast<uint32_t>(sleepingIslands_.size()));
  for (const SleepingIsland& s : sleepingIslands_) {
    w.put(static_cast<uint32_t>(s.bodyIds.size()));
    for (uint32_t id : s.bodyIds) w.put(id);
  }
  const SolverStats& stats = solverStats();
  w.put(static_cast<int32_t>(stats.iterations)); w.put(stats.residual);
  w.put(static_cast<uint8_t>(stats.converged));
  w.put(static_cast<int32_t>(stats.numConstraints)); w.put(static_cast<int32_t>(stats.numContacts));
  return std::move(w.bytes);
}

void World::restore(const uint8_t* data, size_t size) {
  Reader r(data, size);
  if (size < 8 || r.get<uint32_t>() != kMagic) Reader::fail("not an msd-lab world snapshot");
  uint32_t version = r.get<uint32_t>();
  if (version != kVersion) throw EngineError("snapshot version " + std::to_string(version) + " is not supported (expected " + std::to_string(kVersion) + ")");

  // Everything is read into locals first: a bad snapshot leaves the world untouched.
  WorldConfig config = readConfig(r);
  validateConfig(config);
  double time = r.get<double>();
  uint32_t nextId = r.get<uint32_t>();
  std::vector<ShapeEntry> shapes(r.count(8));
  for (ShapeEntry& e : shapes) e = readShape(r);
  std::vector<Body> bodies(r.count(8));
  for (Body& b : bodies) {
    b = readBody(r);
    if (b.shape < 0 || static_cast<size_t>(b.shape) >= shapes.size()) Reader::fail("body shape index out of range");
    if (b.id >= nextId) Reader::fail("body id beyond the id counter");
  }
  for (size_t i = 1; i < bodies.size(); ++i) {
    if (bodies[i].id <= bodies[i - 1].id) Reader::fail("bodies are not ordered by id");
  }
  std::vector<Contact> contacts(r.count(8));
  for (Contact& c : contacts) c = readContact(r);
  std::vector<SleepingIsland> islands(r.count(4));
  for (SleepingIsland& s : islands) {
    s.bodyIds.resize(r.count(4));
    for (uint32_t& id : s.bodyIds) id = r.get<uint32_t>();
  }
  SolverStats stats;
  stats.iterations = r.get<int32_t>(); stats.residual = r.get<double>(); stats.converged = r.get<uint8_t>() != 0;
  stats.numConstraints = r.get<int32_t>(); stats.numContacts = r.get<int32_t>();
  if (!r.atEnd()) Reader::fail("trailing bytes");

  std::unordered_map<uint32_t, int32_t> index;
  for (size_t i = 0; i < bodies.size(); ++i) index[bodies[i].id] = static_cast<int32_t>(i);
  for (const Contact& c : contacts) {
    if (!index.count(c.bodyA) || !index.count(c.bodyB)) Reader::fail("contact refers to an unknown body");
    const Shape& shapeA = shapes[static_cast<size_t>(bodies[static_cast<size_t>(index[c.bodyA])].shape)].shape;
    if (c.sat.kind == SatCache::Kind::FaceOfA && (c.sat.face < 0 || static_cast<size_t>(c.sat.face) >= shapeA.hull.faces.size())) {
      Reader::fail("contact cache refers to an unknown face");
    }
  }
  for (const SleepingIsland& s : islands) {
    for (uint32_t id : s.bodyIds) if (!index.count(id)) Reader::fail("sleeping island refers to an unknown body");
  }
  for (const Body& b : bodies) {
    if (b.sleepIsland >= static_cast<int32_t>(islands.size())) Reader::fail("body refers to an unknown sleeping island");
  }

  config_ = config;
  time_ = time;
  nextId_ = nextId;
  shapes_ = std::move(shapes);
  bodies_ = std::move(bodies);
  contacts_ = std::move(contacts);
  sleepingIslands_ = std::move(islands);
  stats_ = stats;
  residualPending_ = false;
  rebuildIndex();
  contactByKey_.clear();
  for (size_t i = 0; i < contacts_.size(); ++i) contactByKey_[pairKey(contacts_[i].bodyA, contacts_[i].bodyB)] = static_cast<int32_t>(i);
  // The trees are rebuilt from the saved fat boxes; every proxy counts as moved, so the next step
  // re-finds exactly the pairs whose boxes overlap (existing contacts are kept, ordered by pair).
  broadPhase_.clear();
  for (Body& b : bodies_) b.proxy = broadPhase_.createProxy(b.fatBox, b.id, b.isStatic);
  ++stateRevision_;
}

}  // namespace msd
