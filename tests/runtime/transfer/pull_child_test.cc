#include "runtime/transfer/pull_child.h"

#include <gtest/gtest.h>

#include "runtime/image/pull_protocol.h"
#include "runtime/tar_builder.h"

namespace deshim::runtime {
namespace {

using testing::files_below;
using testing::scratch_dir;

std::vector<std::string> arguments_for(const scratch_dir& dir, const std::string& reference) {
  pull_request request;
  request.image_root = dir / "root";
  request.snapshotter = "native";
  request.max_concurrent_downloads = 2;
  request.reference = reference;
  return pull_child_arguments(request);
}

/// The error the child answered, or a test failure.
error answered_error(const std::string& output) {
  auto answer = decode_pull_answer(output);
  EXPECT_TRUE(answer.ok()) << output;
  EXPECT_FALSE(answer->ok()) << output;
  return answer->error();
}

TEST(pull_child, a_bad_reference_is_answered_as_invalid_input_with_exit_2) {
  scratch_dir dir;
  std::string output;
  int status = run_pull_child(arguments_for(dir, "Not A Reference"), "{}", output);
  EXPECT_EQ(status, 2);
  auto failure = answered_error(output);
  EXPECT_EQ(failure.kind(), error_kind::invalid_input);
  EXPECT_NE(failure.message().find("invalid image reference \"Not A Reference\""),
            std::string::npos)
      << failure.message();
}

TEST(pull_child, an_unreachable_registry_is_an_environment_error_with_exit_3) {
  scratch_dir dir;
  std::string output;
  int status = run_pull_child(arguments_for(dir, "127.0.0.1:1/library/busybox:test"), "{}", output);
  EXPECT_EQ(status, 3);
  auto failure = answered_error(output);
  EXPECT_EQ(failure.kind(), error_kind::environment);
  EXPECT_EQ(failure.message().rfind("pulling 127.0.0.1:1/library/busybox:test: cannot resolve", 0),
            0u)
      << failure.message();
  EXPECT_EQ(files_below(dir / "root/content"), std::vector<std::string>{});
}

TEST(pull_child, bad_arguments_and_bad_stdin_are_usage_errors_answered_on_stdout) {
  scratch_dir dir;
  std::string output;
  EXPECT_EQ(run_pull_child({"--image-root"}, "{}", output), 2);
  EXPECT_EQ(answered_error(output).message(), "deshim runtime pull: --image-root needs a value");
  EXPECT_EQ(run_pull_child(arguments_for(dir, "busybox"), "{\"password\":", output), 2);
  EXPECT_EQ(answered_error(output).message(),
            "deshim runtime pull: stdin holds no JSON object with the credentials");
  // Nothing was created for a request that did not parse.
  EXPECT_FALSE(std::filesystem::exists(dir / "root"));
}

}  // namespace
}  // namespace deshim::runtime
