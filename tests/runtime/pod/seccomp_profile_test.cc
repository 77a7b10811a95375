// Which seccomp profile a CRI request asks for (message and deprecated string, as containerd
// 1.6 reads them), and the built-in RuntimeDefault profile's shape.
#include "runtime/pod/seccomp_profile.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace deshim::runtime {
namespace {

using kind = seccomp_choice::kind;
constexpr const char* field = "linux.security_context.seccomp";

TEST(seccomp_profile, the_message_wins_over_the_deprecated_string) {
  auto chosen = choose_seccomp(0, "", "unconfined", field);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->type, kind::runtime_default);
  chosen = choose_seccomp(1, "", "runtime/default", field);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->type, kind::unconfined);
  chosen = choose_seccomp(2, "/etc/seccomp/p.json", "", field);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->type, kind::localhost);
  EXPECT_EQ(chosen->localhost_path, "/etc/seccomp/p.json");
  // The old prefix in the new field is tolerated, as containerd trims it.
  chosen = choose_seccomp(2, "localhost//etc/seccomp/p.json", "", field);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->localhost_path, "/etc/seccomp/p.json");
}

TEST(seccomp_profile, the_deprecated_string_names_the_same_profiles) {
  for (const char* name : {"runtime/default", "docker/default"}) {
    auto chosen = choose_seccomp(std::nullopt, "", name, field);
    ASSERT_TRUE(chosen) << name;
    EXPECT_EQ(chosen->type, kind::runtime_default) << name;
  }
  auto chosen = choose_seccomp(std::nullopt, "", "unconfined", field);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->type, kind::unconfined);
  chosen = choose_seccomp(std::nullopt, "", "", field);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->type, kind::unconfined);
  chosen = choose_seccomp(std::nullopt, "", "localhost//var/lib/kubelet/seccomp/a.json", field);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->type, kind::localhost);
  EXPECT_EQ(chosen->localhost_path, "/var/lib/kubelet/seccomp/a.json");
}

TEST(seccomp_profile, unknown_names_and_bad_references_are_invalid_arguments) {
  auto chosen = choose_seccomp(std::nullopt, "", "my-profile", field);
  ASSERT_FALSE(chosen);
  EXPECT_EQ(chosen.error().kind(), error_kind::invalid_input);
  EXPECT_EQ(chosen.error().message(), "unknown seccomp profile \"my-profile\"");
  EXPECT_EQ(chosen.error().where().field, "seccomp_profile_path");
  chosen = choose_seccomp(std::nullopt, "", "localhost/relative.json", field);
  ASSERT_FALSE(chosen);
  EXPECT_NE(chosen.error().message().find("not an absolute path"), std::string::npos);
  chosen = choose_seccomp(0, "/p.json", "", field);
  ASSERT_FALSE(chosen);
  EXPECT_EQ(chosen.error().where().field, "linux.security_context.seccomp.localhost_ref");
  chosen = choose_seccomp(7, "", "", field);
  ASSERT_FALSE(chosen);
}

TEST(seccomp_profile, the_default_profile_denies_by_default_and_follows_the_machine) {
  auto profile = default_seccomp_profile({"CAP_CHOWN"}, "aarch64");
  ASSERT_TRUE(profile) << profile.error().describe();
  EXPECT_EQ((*profile)["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ((*profile)["defaultErrnoRet"], 1);
  EXPECT_EQ((*profile)["architectures"], nlohmann::json({"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}));
  bool x86_only = false;
  bool clone3_enosys = false;
  for (const auto& rule : (*profile)["syscalls"]) {
    EXPECT_FALSE(rule.contains("includes"));
    EXPECT_FALSE(rule.contains("comment"));
    auto names = rule["names"];
    x86_only = x86_only || std::count(names.begin(), names.end(), "arch_prctl");
    if (std::count(names.begin(), names.end(), "clone3"))
      clone3_enosys = rule["action"] == "SCMP_ACT_ERRNO" && rule["errnoRet"] == 38;
  }
  EXPECT_FALSE(x86_only);
  EXPECT_TRUE(clone3_enosys);
}

TEST(seccomp_profile, localhost_profiles_must_be_json_objects_with_a_default_action) {
  EXPECT_TRUE(parse_seccomp_profile(R"({"defaultAction": "SCMP_ACT_ALLOW"})", "/p.json"));
  auto parsed = parse_seccomp_profile("{", "/p.json");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message().find("/p.json"), std::string::npos);
  parsed = parse_seccomp_profile(R"({"syscalls": []})", "/p.json");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().where().field, "defaultAction");
}

}  // namespace
}  // namespace deshim::runtime
