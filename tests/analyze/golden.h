// Golden files for the renderer tests: tests/analyze/golden/<name>. DESHIM_UPDATE_GOLDEN=1
// rewrites them from the current output (read the diff before committing).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace deshim::analyze::testing_support {

inline void expect_golden(const std::string& name, const std::string& actual) {
  std::filesystem::path file =
      std::filesystem::path(DESHIM_SOURCE_DIR) / "tests/analyze/golden" / name;
  const char* update = std::getenv("DESHIM_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << actual;
  }
  std::ifstream in(file, std::ios::binary);
  ASSERT_TRUE(in) << file << " is missing (DESHIM_UPDATE_GOLDEN=1 writes it)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "differs from " << file;
}

}  // namespace deshim::analyze::testing_support
