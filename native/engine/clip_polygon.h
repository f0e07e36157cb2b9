// Contact polygons for face contacts: Sutherland–Hodgman clipping that remembers which features
// produced each vertex (for stable contact ids), and reduction of a polygon to at most 4 points.
// Private to the narrowphase (collide_hulls.cpp) and its tests.
#pragma once

#include <cstdint>
#include <vector>

#include "math.h"

namespace msd {

// Every edge of a polygon being clipped lies on a feature: an edge of the incident face, or a side
// plane of the reference face. A vertex is identified by the features of its two edges, which stays
// the same while the same features touch, however the bodies move.
inline uint8_t incidentEdgeCode(std::size_t edge) { return static_cast<uint8_t>(edge & 0x7Fu); }
inline uint8_t referenceSideCode(std::size_t side) { return static_cast<uint8_t>(0x80u | (side & 0x7Fu)); }

struct ClipVertex {
  Vec3 p;
  uint8_t edgeIn = 0;   // feature of the polygon edge arriving at this vertex
  uint8_t edgeOut = 0;  // feature of the polygon edge leaving it
};

// Keeps the part of the closed convex polygon `in` with dot(normal, p) <= offset and writes it to `out`.
// Vertices within `tolerance` of the plane count as on it: they are kept as they are instead of
// being replaced by an intersection a rounding error away, so ids do not flicker when a vertex of
// the incident face lies exactly on a side plane. `sideCode` names the plane's feature.
void clipPolygon(const std::vector<ClipVertex>& in, const Vec3& normal, double offset, double tolerance,
                 uint8_t sideCode, std::vector<ClipVertex>& out);

struct ContactCandidate {
  Vec3 point;
  double separation = 0;
  uint32_t id = 0;
};

// Chooses at most 4 of the `count` candidates that keep the contact area largest: the deepest point
// (separations within `tolerance` count as equal, the first wins, so the choice does not depend on
// rounding noise), the point farthest from it, the point making the largest triangle with those, and
// the point adding the largest triangle beyond one of its edges. `normal` is the contact normal.
// Writes candidate indices to `keep` and returns how many; with count <= 4 it keeps all of them.
int reduceContactPolygon(const ContactCandidate* candidates, int count, const Vec3& normal, double tolerance,
                         int keep[4]);

}  // namespace msd
