// Runs every TEST registered by the engine's C++ unit test files. Prints one line per test and
// a closing "N passed, N failed" line; exits non-zero when anything failed.
#include <cstdio>
#include <cstring>
#include <exception>

#include "check.h"

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0;
  for (const auto& test : msdtest::registry()) {
    if (filter && !std::strstr(test.name, filter)) continue;
    int before = msdtest::failures();
    try {
      test.body();
    } catch (const std::exception& e) {
      msdtest::fail(__FILE__, __LINE__, std::string("uncaught exception: ") + e.what());
    }
    bool ok = msdtest::failures() == before;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", test.name);
    ok ? ++passed : ++failed;
  }
  std::printf("engine: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
