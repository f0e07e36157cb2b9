#include "contact.h"

namespace msd {

void updateContactManifold(Contact& c, const Manifold& m) {
  ContactPoint previous[4];
  int previousCount = c.pointCount;
  for (int i = 0; i < previousCount; ++i) previous[i] = c.points[i];

  // Patch friction stays meaningful while the normal (and so the tangent basis) barely turns.
  bool keepFriction = previousCount > 0 && m.pointCount > 0 && dot(c.normal, m.normal) > 0.98;
  if (!keepFriction) {
    c.tangentImpulse1 = 0;
    c.tangentImpulse2 = 0;
    c.twistImpulse = 0;
  }
  c.normal = m.normal;
  tangentBasis(c.normal, c.tangent1, c.tangent2);
  c.pointCount = m.pointCount;
  for (int i = 0; i < m.pointCount; ++i) {
    ContactPoint& cp = c.points[i];
    cp = ContactPoint{};
    cp.mp = m.points[i];
    // Warm start: the same feature touching again keeps its impulse.
    for (int j = 0; j < previousCount; ++j) {
      if (previous[j].mp.id == cp.mp.id) {
        cp.normalImpulse = previous[j].normalImpulse;
        break;
      }
    }
  }
}

}  // namespace msd
