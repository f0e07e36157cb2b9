// A collision shape: a convex hull or a true sphere, stored in its centre-of-mass frame,
// with the mass properties of a 1 kg body of that shape.
#pragma once

#include <cstdint>
#include <vector>

#include "hull.h"
#include "mass_properties.h"
#include "math.h"

namespace msd {

enum class ShapeKind : uint8_t { Hull = 0, Sphere = 1 };

struct Shape {
  ShapeKind kind = ShapeKind::Hull;
  Hull hull;                // kind == Hull: vertices relative to the centre of mass
  double radius = 0;        // kind == Sphere
  Vec3 localCenterOfMass;   // centre of mass in the asset's own frame (the frame its vertices were given in)
  MassProperties mass;      // volume and inertia per kg, about the centre of mass
  double boundingRadius = 0;  // max distance of any surface point from the centre of mass
  bool isotropic = false;     // equal principal moments (sphere, cube): rotation has no gyroscopic term
  // A hull whose vertices are exactly the 8 corners of its own bounding box: its world box is
  // then |R|·halfExtents around the placed centre, with no loop over vertices.
  bool isBox = false;
  Vec3 boxCenter, boxHalfExtents;
};

// Fills in isBox, boxCenter and boxHalfExtents from the shape's hull.
void describeBox(Shape& shape);

// Builds a hull shape from points in the asset frame; the hull is re-centred on its centroid.
Shape makeHullShape(const std::vector<Vec3>& assetFramePoints);
Shape makeSphereShape(double radius);

// World-space bounding box of the shape at the given centre-of-mass transform.
AABB computeAABB(const Shape& shape, const Transform& xf);

}  // namespace msd
