// A minimal test harness for the engine's C++ unit tests (no third-party framework needed).
// TEST(name) { CHECK(cond); CHECK_NEAR(a, b, tol); CHECK_THROWS(expr); } — run by test_main.cpp.
#pragma once

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace msdtest {

struct TestCase {
  const char* name;
  std::function<void()> body;
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}
inline int& failures() {
  static int count = 0;
  return count;
}
struct Registrar {
  Registrar(const char* name, std::function<void()> body) { registry().push_back({name, std::move(body)}); }
};

inline void fail(const char* file, int line, const std::string& what) {
  ++failures();
  std::fprintf(stderr, "  FAILED %s:%d: %s\n", file, line, what.c_str());
}

}  // namespace msdtest

#define MSD_CONCAT2(a, b) a##b
#define MSD_CONCAT(a, b) MSD_CONCAT2(a, b)
#define TEST(name)                                                                      \
  static void MSD_CONCAT(test_, name)();                                                \
  static msdtest::Registrar MSD_CONCAT(registrar_, name)(#name, MSD_CONCAT(test_, name)); \
  static void MSD_CONCAT(test_, name)()

#define CHECK(cond)                                        \
  do {                                                     \
    if (!(cond)) msdtest::fail(__FILE__, __LINE__, #cond); \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                   \
  do {                                                                                          \
    double msd_a_ = (a), msd_b_ = (b);                                                          \
    if (!(std::fabs(msd_a_ - msd_b_) <= (tol)))                                                 \
      msdtest::fail(__FILE__, __LINE__,                                                         \
                    std::string(#a " ~= " #b ": ") + std::to_string(msd_a_) + " vs " +          \
                        std::to_string(msd_b_));                                                \
  } while (0)

#define CHECK_THROWS(expr)                                                       \
  do {                                                                           \
    bool msd_threw_ = false;                                                     \
    try {                                                                        \
      (void)(expr);                                                              \
    } catch (const std::exception&) {                                            \
      msd_threw_ = true;                                                         \
    }                                                                            \
    if (!msd_threw_) msdtest::fail(__FILE__, __LINE__, "expected throw: " #expr); \
  } while (0)
