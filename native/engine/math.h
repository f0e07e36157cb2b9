// Small fixed-size linear algebra for the engine: Vec3, Quat, Mat3, Transform, AABB.
// Everything is double precision and inline; no dependencies beyond <cmath>.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace msd {

struct Vec3 {
  double x = 0, y = 0, z = 0;

  constexpr Vec3() = default;
  constexpr Vec3(double x_, double y_, double z_) : x(x_), y(y_), z(z_) {}

  double& operator[](int i) { return i == 0 ? x : (i == 1 ? y : z); }
  double operator[](int i) const { return i == 0 ? x : (i == 1 ? y : z); }

  Vec3 operator-() const { return {-x, -y, -z}; }
  Vec3& operator+=(const Vec3& o) { x += o.x; y += o.y; z += o.z; return *this; }
  Vec3& operator-=(const Vec3& o) { x -= o.x; y -= o.y; z -= o.z; return *this; }
  Vec3& operator*=(double s) { x *= s; y *= s; z *= s; return *this; }
};

inline Vec3 operator+(const Vec3& a, const Vec3& b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3 operator-(const Vec3& a, const Vec3& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3 operator*(const Vec3& a, double s) { return {a.x * s, a.y * s, a.z * s}; }
inline Vec3 operator*(double s, const Vec3& a) { return {a.x * s, a.y * s, a.z * s}; }
inline double dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline double lengthSquared(const Vec3& a) { return dot(a, a); }
inline double length(const Vec3& a) { return std::sqrt(dot(a, a)); }
inline Vec3 mulPerElement(const Vec3& a, const Vec3& b) { return {a.x * b.x, a.y * b.y, a.z * b.z}; }
inline Vec3 minPerElement(const Vec3& a, const Vec3& b) {
  return {std::min(a.x, b.x), std::min(a.y, b.y), std::min(a.z, b.z)};
}
inline Vec3 maxPerElement(const Vec3& a, const Vec3& b) {
  return {std::max(a.x, b.x), std::max(a.y, b.y), std::max(a.z, b.z)};
}
inline Vec3 absPerElement(const Vec3& a) { return {std::fabs(a.x), std::fabs(a.y), std::fabs(a.z)}; }
inline bool isFinite(const Vec3& a) { return std::isfinite(a.x) && std::isfinite(a.y) && std::isfinite(a.z); }

// Returns a unit vector, or `fallback` when `a` is too short to normalise safely.
inline Vec3 normalizeOr(const Vec3& a, const Vec3& fallback) {
  double len = length(a);
  return len > 1e-300 ? a * (1.0 / len) : fallback;
}

// Two unit vectors t1, t2 such that (t1, t2, n) is a right-handed orthonormal basis.
inline void tangentBasis(const Vec3& n, Vec3& t1, Vec3& t2) {
  // Pick the world axis least aligned with n (Duff et al. 2017 would also do; this is branch-cheap).
  if (std::fabs(n.x) >= 0.57735026919) {
    t1 = normalizeOr(Vec3{n.y, -n.x, 0.0}, Vec3{0, 1, 0});
  } else {
    t1 = normalizeOr(Vec3{0.0, n.z, -n.y}, Vec3{1, 0, 0});
  }
  t2 = cross(n, t1);
}

// Row-major 3x3 matrix.
struct Mat3 {
  Vec3 r0{1, 0, 0}, r1{0, 1, 0}, r2{0, 0, 1};

  static Mat3 zero() { return {Vec3{}, Vec3{}, Vec3{}}; }
  static Mat3 identity() { return {}; }
  static Mat3 diagonal(const Vec3& d) { return {Vec3{d.x, 0, 0}, Vec3{0, d.y, 0}, Vec3{0, 0, d.z}}; }

  Vec3 column(int j) const { return {r0[j], r1[j], r2[j]}; }
  double at(int i, int j) const { return i == 0 ? r0[j] : (i == 1 ? r1[j] : r2[j]); }
};

inline Vec3 operator*(const Mat3& m, const Vec3& v) { return {dot(m.r0, v), dot(m.r1, v), dot(m.r2, v)}; }
inline Mat3 transpose(const Mat3& m) { return {m.column(0), m.column(1), m.column(2)}; }
inline Mat3 operator*(const Mat3& a, const Mat3& b) {
  Mat3 bt = transpose(b);
  return {Vec3{dot(a.r0, bt.r0), dot(a.r0, bt.r1), dot(a.r0, bt.r2)},
          Vec3{dot(a.r1, bt.r0), dot(a.r1, bt.r1), dot(a.r1, bt.r2)},
          Vec3{dot(a.r2, bt.r0), dot(a.r2, bt.r1), dot(a.r2, bt.r2)}};
}
inline Mat3 operator+(const Mat3& a, const Mat3& b) { return {a.r0 + b.r0, a.r1 + b.r1, a.r2 + b.r2}; }
inline Mat3 operator-(const Mat3& a, const Mat3& b) { return {a.r0 - b.r0, a.r1 - b.r1, a.r2 - b.r2}; }
inline Mat3 operator*(const Mat3& a, double s) { return {a.r0 * s, a.r1 * s, a.r2 * s}; }
inline double determinant(const Mat3& m) { return dot(m.r0, cross(m.r1, m.r2)); }

// Inverse of a general 3x3 matrix; returns the zero matrix when singular (used for static bodies).
inline Mat3 inverse(const Mat3& m) {
  Vec3 c0 = cross(m.r1, m.r2), c1 = cross(m.r2, m.r0), c2 = cross(m.r0, m.r1);
  double det = dot(m.r0, c0);
  if (det == 0.0 || !std::isfinite(det)) return Mat3::zero();
  double inv = 1.0 / det;
  return transpose(Mat3{c0 * inv, c1 * inv, c2 * inv});
}

// Outer product a bᵀ.
inline Mat3 outer(const Vec3& a, const Vec3& b) { return {b * a.x, b * a.y, b * a.z}; }

// Unit quaternion; rotates body-frame vectors into the world frame.
struct Quat {
  double w = 1, x = 0, y = 0, z = 0;
};

inline Quat operator*(const Quat& a, const Quat& b) {
  return {a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
          a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
          a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
          a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w};
}
inline Quat conjugate(const Quat& q) { return {q.w, -q.x, -q.y, -q.z}; }
inline Quat normalize(const Quat& q) {
  double n = std::sqrt(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z);
  if (!(n > 0.0) || !std::isfinite(n)) return Quat{};
  double inv = 1.0 / n;
  return {q.w * inv, q.x * inv, q.y * inv, q.z * inv};
}
inline Vec3 rotate(const Quat& q, const Vec3& v) {
  // v' = v + 2 w (u × v) + 2 u × (u × v), with u the vector part.
  Vec3 u{q.x, q.y, q.z};
  Vec3 t = cross(u, v) * 2.0;
  return v + t * q.w + cross(u, t);
}
inline Vec3 inverseRotate(const Quat& q, const Vec3& v) { return rotate(conjugate(q), v); }
inline Mat3 toMatrix(const Quat& q) {
  double xx = q.x * q.x, yy = q.y * q.y, zz = q.z * q.z;
  double xy = q.x * q.y, xz = q.x * q.z, yz = q.y * q.z;
  double wx = q.w * q.x, wy = q.w * q.y, wz = q.w * q.z;
  return {Vec3{1 - 2 * (yy + zz), 2 * (xy - wz), 2 * (xz + wy)},
          Vec3{2 * (xy + wz), 1 - 2 * (xx + zz), 2 * (yz - wx)},
          Vec3{2 * (xz - wy), 2 * (yz + wx), 1 - 2 * (xx + yy)}};
}
inline Quat fromAxisAngle(const Vec3& unitAxis, double angle) {
  double s = std::sin(0.5 * angle);
  return {std::cos(0.5 * angle), unitAxis.x * s, unitAxis.y * s, unitAxis.z * s};
}
// Exact rotation by the rotation vector `theta` (axis * angle), applied in the world frame: exp(theta) * q.
// The rotation by the rotation vector theta (axis × angle), as a quaternion to apply with applyRotation.
inline Quat rotationOf(const Vec3& theta) {
  double angle = length(theta);
  if (angle < 1e-12) return {1.0, 0.5 * theta.x, 0.5 * theta.y, 0.5 * theta.z};
  return fromAxisAngle(theta * (1.0 / angle), angle);
}
inline Quat applyRotation(const Quat& rotation, const Quat& q) { return normalize(rotation * q); }
inline Quat integrateRotation(const Quat& q, const Vec3& theta) { return applyRotation(rotationOf(theta), q); }
// The seed convention: Euler [pitch, roll, yaw], pitch about Y, roll about X, yaw about Z,
// R = Rz(yaw)·Ry(pitch)·Rx(roll).
inline Quat fromPitchRollYaw(double pitch, double roll, double yaw) {
  return normalize(fromAxisAngle({0, 0, 1}, yaw) * fromAxisAngle({0, 1, 0}, pitch) *
                   fromAxisAngle({1, 0, 0}, roll));
}

struct Transform {
  Vec3 p;
  Quat q;
};
inline Vec3 apply(const Transform& t, const Vec3& v) { return rotate(t.q, v) + t.p; }
inline Vec3 applyInverse(const Transform& t, const Vec3& v) { return inverseRotate(t.q, v - t.p); }

struct AABB {
  Vec3 lower, upper;
};
inline bool overlaps(const AABB& a, const AABB& b) {
  return a.lower.x <= b.upper.x && b.lower.x <= a.upper.x && a.lower.y <= b.upper.y &&
         b.lower.y <= a.upper.y && a.lower.z <= b.upper.z && b.lower.z <= a.upper.z;
}
inline bool contains(const AABB& outer, const AABB& inner) {
  return outer.lower.x <= inner.lower.x && outer.lower.y <= inner.lower.y &&
         outer.lower.z <= inner.lower.z && inner.upper.x <= outer.upper.x &&
         inner.upper.y <= outer.upper.y && inner.upper.z <= outer.upper.z;
}
inline AABB merge(const AABB& a, const AABB& b) {
  return {minPerElement(a.lower, b.lower), maxPerElement(a.upper, b.upper)};
}
inline double surfaceArea(const AABB& a) {
  Vec3 d = a.upper - a.lower;
  return 2.0 * (d.x * d.y + d.y * d.z + d.z * d.x);
}
inline AABB expanded(const AABB& a, double margin) {
  Vec3 m{margin, margin, margin};
  return {a.lower - m, a.upper + m};
}

}  // namespace msd
