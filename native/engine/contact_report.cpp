#include "contact_report.h"

namespace msd {

int touchingPointCount(const Contact& c) {
  int count = 0;
  for (int i = 0; i < c.pointCount; ++i) {
    if (isTouching(c.points[i])) ++count;
  }
  return count;
}

PatchFriction patchFriction(const Contact& c, double stepDt, int substeps) {
  PatchFriction f;
  f.coefficient = c.friction;
  f.tangent1 = c.tangent1;
  f.tangent2 = c.tangent2;
  for (int i = 0; i < c.pointCount; ++i) f.patchNormalImpulse += c.points[i].stepNormalImpulse;
  if (stepDt > 0 && substeps > 0) {
    // The accumulated impulses are those of one substep (they warm-start the next one).
    double perSecond = substeps / stepDt;
    f.force1 = c.tangentImpulse1 * perSecond;
    f.force2 = c.tangentImpulse2 * perSecond;
  }
  return f;
}

}  // namespace msd
