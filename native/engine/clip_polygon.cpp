#include "clip_polygon.h"

#include <cmath>

namespace msd {

void clipPolygon(const std::vector<ClipVertex>& in, const Vec3& normal, double offset, double tolerance,
                 uint8_t sideCode, std::vector<ClipVertex>& out) {
  out.clear();
  const std::size_t n = in.size();
  if (n == 0) return;
  const ClipVertex* a = &in[n - 1];
  double da = dot(normal, a->p) - offset;
  for (std::size_t i = 0; i < n; ++i) {
    const ClipVertex& b = in[i];
    const double db = dot(normal, b.p) - offset;
    // Only a clear crossing makes a new vertex; a vertex within tolerance of the plane is its own
    // boundary point (this also rules out an intersection landing on an existing vertex).
    const bool leaves = da < -tolerance && db > tolerance;
    const bool enters = da > tolerance && db < -tolerance;
    if (leaves || enters) {
      const double t = da / (da - db);  // |da - db| > 2 * tolerance >= 0, and t lies in (0, 1)
      ClipVertex v;
      v.p = a->p + (b.p - a->p) * t;
      v.edgeIn = leaves ? a->edgeOut : sideCode;
      v.edgeOut = leaves ? sideCode : b.edgeIn;
      out.push_back(v);
    }
    if (db <= tolerance) out.push_back(b);
    a = &b;
    da = db;
  }
}

namespace {

int deepestCandidate(const ContactCandidate* c, int count, double tolerance) {
  int best = 0;
  for (int i = 1; i < count; ++i) {
    if (c[i].separation < c[best].separation - tolerance) best = i;
  }
  return best;
}

int farthestCandidate(const ContactCandidate* c, int count, const Vec3& from, double& distanceSquared) {
  int best = -1;
  distanceSquared = 0;
  for (int i = 0; i < count; ++i) {
    double d2 = lengthSquared(c[i].point - from);
    if (d2 > distanceSquared) {
      distanceSquared = d2;
      best = i;
    }
  }
  return best;
}

// Twice the signed area of triangle (a, b, p) seen along `normal`; positive when counter-clockwise.
double signedArea(const Vec3& a, const Vec3& b, const Vec3& p, const Vec3& normal) {
  return dot(cross(b - a, p - a), normal);
}

}  // namespace

int reduceContactPolygon(const ContactCandidate* c, int count, const Vec3& normal, double tolerance,
                         int keep[4]) {
  if (count <= 4) {
    for (int i = 0; i < count; ++i) keep[i] = i;
    return count;
  }
  const int i0 = deepestCandidate(c, count, tolerance);
  keep[0] = i0;
  double span2 = 0;
  const int i1 = farthestCandidate(c, count, c[i0].point, span2);
  if (i1 < 0) return 1;  // all points coincide
  keep[1] = i1;

  // Areas below this are slivers made by rounding, not by real polygon vertices.
  const double minArea = 1e-9 * span2;
  int i2 = -1;
  double area2 = 0;
  for (int i = 0; i < count; ++i) {
    double area = signedArea(c[i0].point, c[i1].point, c[i].point, normal);
    if (std::fabs(area) > std::fabs(area2)) {
      area2 = area;
      i2 = i;
    }
  }
  if (i2 < 0 || std::fabs(area2) <= minArea) return 2;
  // Order the triangle counter-clockwise so "beyond an edge" means a negative signed area.
  int tri[3] = {i0, i1, i2};
  if (area2 < 0) {
    tri[1] = i2;
    tri[2] = i1;
  }
  keep[1] = tri[1];
  keep[2] = tri[2];

  int i3 = -1;
  double added = minArea;
  for (int i = 0; i < count; ++i) {
    for (int e = 0; e < 3; ++e) {
      double area = -signedArea(c[tri[e]].point, c[tri[(e + 1) % 3]].point, c[i].point, normal);
      if (area > added) {
        added = area;
        i3 = i;
      }
    }
  }
  if (i3 < 0) return 3;
  keep[3] = i3;
  return 4;
}

}  // namespace msd
