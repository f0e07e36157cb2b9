// Rest tracking (Body::updateRest), with velocity sequences set by hand: what counts as resting.
#include "body.h"
#include "check.h"

using namespace msd;

namespace {

constexpr double kDt = 1.0 / 60.0;
constexpr double kSleepVelocity = 0.05, kTimeToSleep = 0.5, kExtent = 0.866;

// Steps a body whose velocity at step i is velocity(i) for `steps` steps; returns the longest rest.
template <typename Velocity>
double longestRest(int steps, Velocity velocity) {
  Body b;
  double longest = 0;
  for (int i = 0; i < steps; ++i) {
    b.linearVelocity = velocity(i);
    b.updateRest(kDt, kExtent, kSleepVelocity, kTimeToSleep);
    longest = std::max(longest, b.sleepTime);
  }
  return longest;
}

}  // namespace

TEST(rest_a_body_jittering_in_place_rests) {
  // ±0.08 m/s every other step: faster than the sleep velocity at every step, but it goes nowhere.
  CHECK(longestRest(120, [](int i) { return Vec3{i % 2 ? 0.08 : -0.08, 0, 0}; }) >= kTimeToSleep);
}

TEST(rest_a_steady_drift_above_the_sleep_velocity_never_rests_long) {
  // 0.07 m/s: below twice the sleep velocity, so resting begins, but the mean is checked at 0.5 s.
  CHECK(longestRest(600, [](int) { return Vec3{0, 0.07, 0}; }) < kTimeToSleep);
}

TEST(rest_a_steady_drift_below_the_sleep_velocity_rests) {
  CHECK(longestRest(60, [](int) { return Vec3{0, 0, 0.04}; }) >= kTimeToSleep);
}

TEST(rest_visible_motion_now_restarts_the_rest) {
  Body b;
  for (int i = 0; i < 20; ++i) b.updateRest(kDt, kExtent, kSleepVelocity, kTimeToSleep);
  CHECK(b.sleepTime > 0.3);
  b.linearVelocity = {0.11, 0, 0};  // above twice the sleep velocity
  b.updateRest(kDt, kExtent, kSleepVelocity, kTimeToSleep);
  CHECK(b.sleepTime == 0);
  CHECK(b.restShift.x == 0);
  // Spin counts at the body's extremities: 0.13 rad/s × 0.866 m = 0.11 m/s.
  b.linearVelocity = {};
  for (int i = 0; i < 20; ++i) b.updateRest(kDt, kExtent, kSleepVelocity, kTimeToSleep);
  b.angularVelocity = {0, 0, 0.13};
  b.updateRest(kDt, kExtent, kSleepVelocity, kTimeToSleep);
  CHECK(b.sleepTime == 0);
}

TEST(rest_a_steady_turn_above_the_sleep_velocity_never_rests_long) {
  Body b;
  double longest = 0;
  b.angularVelocity = {0.08, 0, 0};  // 0.069 m/s at the extremities
  for (int i = 0; i < 600; ++i) {
    b.updateRest(kDt, kExtent, kSleepVelocity, kTimeToSleep);
    longest = std::max(longest, b.sleepTime);
  }
  CHECK(longest < kTimeToSleep);
}
