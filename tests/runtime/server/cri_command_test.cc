#include "runtime/server/cri_command.h"

#include <gtest/gtest.h>

namespace deshim::runtime {
namespace {

TEST(cri_command, the_command_line_round_trips) {
  cri_arguments args;
  args.root = "/srv/node";
  args.config = "/etc/containerd/config.toml";
  args.socket = "/run/deshim/cri.sock";
  args.full_binary = "/usr/local/bin/deshim";
  auto line = cri_command_line("/usr/local/bin/deshim-cri", args);
  EXPECT_EQ(line, (std::vector<std::string>{"/usr/local/bin/deshim-cri", "--root", "/srv/node",
                                            "--config", "/etc/containerd/config.toml", "--socket",
                                            "/run/deshim/cri.sock", "--full-binary",
                                            "/usr/local/bin/deshim"}));
  auto parsed = parse_cri_arguments({line.begin() + 1, line.end()});
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(parsed->root, "/srv/node");
  EXPECT_EQ(parsed->config, "/etc/containerd/config.toml");
  EXPECT_EQ(parsed->socket, "/run/deshim/cri.sock");
  EXPECT_EQ(parsed->full_binary, "/usr/local/bin/deshim");
}

TEST(cri_command, defaults_and_the_equals_form) {
  auto parsed = parse_cri_arguments({});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->root, "/");
  EXPECT_EQ(parsed->config, "/etc/containerd/config.toml");
  EXPECT_EQ(parsed->socket, "");
  EXPECT_TRUE(parsed->full_binary.empty());
  auto line = cri_command_line("/bin/deshim-cri", *parsed);
  EXPECT_EQ(line, (std::vector<std::string>{"/bin/deshim-cri", "--root", "/", "--config",
                                            "/etc/containerd/config.toml"}));

  auto equals = parse_cri_arguments({"--config=/c.toml", "--socket=/s.sock"});
  ASSERT_TRUE(equals.ok()) << equals.error().describe();
  EXPECT_EQ(equals->config, "/c.toml");
  EXPECT_EQ(equals->socket, "/s.sock");
}

TEST(cri_command, bad_arguments_are_usage_errors) {
  struct bad_case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<bad_case> cases = {
      {{"--config"}, "--config needs a value"}, {{"--verbose", "x"}, "unknown argument --verbose"},
      {{"serve"}, "unknown argument serve"},    {{"--socket="}, "--socket needs a value"},
      {{"--root", ""}, "--root needs a value"},
  };
  for (const auto& bad : cases) {
    auto parsed = parse_cri_arguments(bad.args);
    ASSERT_FALSE(parsed.ok()) << bad.message;
    EXPECT_EQ(parsed.error().kind(), error_kind::usage);
    EXPECT_EQ(parsed.error().message(), "deshim-cri: " + bad.message);
    EXPECT_EQ(parsed.error().exit_status(), 2);
  }
}

}  // namespace
}  // namespace deshim::runtime
