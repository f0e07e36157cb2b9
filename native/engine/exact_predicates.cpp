#include "exact_predicates.h"

#include <array>
#include <cmath>
#include <vector>

namespace msd {
namespace detail {

// ---------------------------------------------------------------------------------------------
// Exact orientation predicate

namespace {

void twoSum(double a, double b, double& sum, double& err) {
  sum = a + b;
  const double bVirtual = sum - a;
  const double aVirtual = sum - bVirtual;
  err = (a - aVirtual) + (b - bVirtual);
}

void twoProduct(double a, double b, double& product, double& err) {
  product = a * b;
  err = std::fma(a, b, -product);  // exact low part of the product
}

// A sum of doubles held exactly as a non-overlapping expansion (grow-expansion with zero
// elimination): the components are ordered by magnitude, so the last one carries the sign.
class ExactSum {
 public:
  void add(double b) {
    double q = b;
    int out = 0;
    for (int i = 0; i < count_; ++i) {
      double s = 0, e = 0;
      twoSum(q, parts_[i], s, e);
      q = s;
      if (e != 0.0) parts_[out++] = e;
    }
    if (q != 0.0) parts_[out++] = q;
    count_ = out;
  }

  // Adds sign * x * y * z exactly, as the four parts of two error-free products.
  void addProduct(double sign, double x, double y, double z) {
    double p = 0, e = 0, p1 = 0, e1 = 0, p2 = 0, e2 = 0;
    twoProduct(x, y, p, e);
    twoProduct(p, z, p1, e1);
    twoProduct(e, z, p2, e2);
    add(sign * e2);
    add(sign * e1);
    add(sign * p2);
    add(sign * p1);
  }

  int sign() const { return count_ == 0 ? 0 : (parts_[count_ - 1] > 0.0 ? 1 : -1); }

 private:
  std::array<double, 128> parts_{};  // 24 products x 4 parts: never more than 96 components
  int count_ = 0;
};

// sign * det[u; v; w] = sign * u . (v x w), added exactly.
void addDeterminant(ExactSum& sum, double sign, const Vec3& u, const Vec3& v, const Vec3& w) {
  sum.addProduct(sign, u.x, v.y, w.z);
  sum.addProduct(-sign, u.x, v.z, w.y);
  sum.addProduct(-sign, u.y, v.x, w.z);
  sum.addProduct(sign, u.y, v.z, w.x);
  sum.addProduct(sign, u.z, v.x, w.y);
  sum.addProduct(-sign, u.z, v.y, w.x);
}

// det[b-a; c-a; p-a] expanded by multilinearity into determinants of the raw coordinates, which
// avoids the rounding of the differences.
int orientExact(const Vec3& a, const Vec3& b, const Vec3& c, const Vec3& p) {
  ExactSum sum;
  addDeterminant(sum, 1.0, b, c, p);
  addDeterminant(sum, -1.0, a, c, p);
  addDeterminant(sum, -1.0, b, a, p);
  addDeterminant(sum, -1.0, b, c, a);
  return sum.sign();
}

}  // namespace

// Sign of (b-a)x(c-a) . (p-a): +1 when p lies above the plane of the counter-clockwise triangle abc.
// A floating-point filter settles almost every call; near-zero results are recomputed exactly.
int orient(const Vec3& a, const Vec3& b, const Vec3& c, const Vec3& p) {
  const Vec3 ba = b - a, ca = c - a, pa = p - a;
  const double m0 = ca.y * pa.z - ca.z * pa.y;
  const double m1 = ca.z * pa.x - ca.x * pa.z;
  const double m2 = ca.x * pa.y - ca.y * pa.x;
  const double det = ba.x * m0 + ba.y * m1 + ba.z * m2;
  const double permanent = std::fabs(ba.x) * (std::fabs(ca.y * pa.z) + std::fabs(ca.z * pa.y)) +
                           std::fabs(ba.y) * (std::fabs(ca.z * pa.x) + std::fabs(ca.x * pa.z)) +
                           std::fabs(ba.z) * (std::fabs(ca.x * pa.y) + std::fabs(ca.y * pa.x));
  // 1e-15 exceeds the (7 + 56 eps) eps bound for this evaluation order (Shewchuk's orient3d).
  const double bound = 1e-15 * permanent;
  if (det > bound) return 1;
  if (det < -bound) return -1;
  return orientExact(a, b, c, p);
}

// ---------------------------------------------------------------------------------------------
// Accurate plane normals
// A thin triangle's normal computed naively is off by about eps * |coordinates| / height, which for
// the slivers of nearly flat point sets exceeds the tolerance. Carrying the differences and the
// products in double-double makes the normal accurate to a few ulps whatever the triangle's shape.

namespace {

void twoDiff(double a, double b, double& diff, double& err) {
  diff = a - b;
  const double bVirtual = a - diff;
  const double aVirtual = diff + bVirtual;
  err = (a - aVirtual) + (bVirtual - b);
}

// (u1 + l1)(v2 + m2) - (u2 + l2)(v1 + m1) for double-double factors, rounded once at the end.
double crossComponent(double u1, double l1, double u2, double l2, double v1, double m1, double v2, double m2) {
  double p1 = 0, e1 = 0, p2 = 0, e2 = 0, d = 0, de = 0;
  twoProduct(u1, v2, p1, e1);
  twoProduct(u2, v1, p2, e2);
  twoDiff(p1, p2, d, de);
  const double small = (u1 * m2 + l1 * v2) - (u2 * m1 + l2 * v1);
  return d + (de + (e1 - e2) + small);
}

}  // namespace

// (b - a) x (c - a), accurate to a few ulps per component.
Vec3 accurateCross(const Vec3& a, const Vec3& b, const Vec3& c) {
  double ux = 0, uxl = 0, uy = 0, uyl = 0, uz = 0, uzl = 0;
  double vx = 0, vxl = 0, vy = 0, vyl = 0, vz = 0, vzl = 0;
  twoDiff(b.x, a.x, ux, uxl);
  twoDiff(b.y, a.y, uy, uyl);
  twoDiff(b.z, a.z, uz, uzl);
  twoDiff(c.x, a.x, vx, vxl);
  twoDiff(c.y, a.y, vy, vyl);
  twoDiff(c.z, a.z, vz, vzl);
  return {crossComponent(uy, uyl, uz, uzl, vy, vyl, vz, vzl),
          crossComponent(uz, uzl, ux, uxl, vz, vzl, vx, vxl),
          crossComponent(ux, uxl, uy, uyl, vx, vxl, vy, vyl)};
}

// Twice the area vector of a polygon (sum of its fan's cross products): Newell's normal, accurate.
Vec3 polygonAreaVector(const std::vector<uint32_t>& polygon, const std::vector<Vec3>& points) {
  Vec3 n;
  const Vec3& origin = points[polygon[0]];
  for (size_t k = 1; k + 1 < polygon.size(); ++k) n += accurateCross(origin, points[polygon[k]], points[polygon[k + 1]]);
  return n;
}

}  // namespace detail
}  // namespace msd
