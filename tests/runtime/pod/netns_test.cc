// Pinned namespaces: created empty, distinct from ours, the uts one named, removed idempotently.
#include "runtime/pod/netns.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/subprocess.h"

namespace deshim::runtime {
namespace {

namespace fs = std::filesystem;

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && (std::string(ci) == "true" || std::string(ci) == "1");
}

class netns_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/deshim-netns-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    folder_ = pattern;
  }
  void TearDown() override {
    for (const auto& entry : fs::directory_iterator(folder_ / "netns", ignore_))
      (void)remove_pinned_namespace(entry.path());
    fs::remove_all(folder_, ignore_);
  }
  fs::path folder_;
  std::error_code ignore_;
};

TEST_F(netns_test, names_must_be_one_file_name) {
  for (const char* bad : {"", ".", "..", "a/b"}) {
    auto created = create_network_namespace(folder_ / "netns", bad);
    ASSERT_FALSE(created) << bad;
    EXPECT_EQ(created.error().kind(), error_kind::invalid_input);
  }
}

TEST_F(netns_test, removing_what_is_not_there_succeeds) {
  EXPECT_TRUE(remove_pinned_namespace(folder_ / "netns/never-made"));
  std::ofstream(folder_ / "plain") << "";
  EXPECT_FALSE(is_pinned_namespace(folder_ / "plain"));
  EXPECT_TRUE(remove_pinned_namespace(folder_ / "plain"));  // a crash left the file only
  EXPECT_FALSE(fs::exists(folder_ / "plain"));
}

TEST_F(netns_test, creates_a_new_empty_namespace_and_removes_it) {
  if (::geteuid() != 0) {
    if (running_in_ci()) FAIL() << "CI=true, yet not root: network namespaces need root";
    GTEST_SKIP() << "network namespaces need root";
  }
  // A leftover plain file of a crashed create is replaced.
  fs::create_directories(folder_ / "netns");
  std::ofstream(folder_ / "netns/cni-one") << "";
  auto created = create_network_namespace(folder_ / "netns", "cni-one");
  ASSERT_TRUE(created) << created.error().describe();
  EXPECT_EQ(*created, folder_ / "netns/cni-one");
  EXPECT_TRUE(is_pinned_namespace(*created));

  struct stat ours {};
  struct stat pinned {};
  ASSERT_EQ(::stat("/proc/self/ns/net", &ours), 0);
  ASSERT_EQ(::stat(created->c_str(), &pinned), 0);
  EXPECT_NE(ours.st_ino, pinned.st_ino);  // a namespace of its own, ours unchanged

  // Inside: only a loopback device, down.
  auto links = run_process({"nsenter", "--net=" + created->string(), "ip", "-o", "link"});
  ASSERT_TRUE(links);
  ASSERT_EQ(links->exit_code, 0) << links->standard_error;
  EXPECT_NE(links->standard_output.find("1: lo: <LOOPBACK>"), std::string::npos)
      << links->standard_output;
  EXPECT_EQ(links->standard_output.find("2: "), std::string::npos) << links->standard_output;

  auto again = create_network_namespace(folder_ / "netns", "cni-one");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message(), "namespace " + created->string() + " already exists");

  ASSERT_TRUE(remove_pinned_namespace(*created));
  EXPECT_FALSE(fs::exists(*created));
  EXPECT_FALSE(is_pinned_namespace(*created));
  EXPECT_TRUE(remove_pinned_namespace(*created));
}

TEST_F(netns_test, pins_ipc_and_uts_namespaces_with_the_pod_hostname) {
  if (::geteuid() != 0) {
    if (running_in_ci()) FAIL() << "CI=true, yet not root: namespaces need root";
    GTEST_SKIP() << "namespaces need root";
  }
  fs::path ipc = folder_ / "netns/ipc-one";
  fs::path uts = folder_ / "netns/uts-one";
  auto pinned = create_pinned_namespaces({{namespace_type::ipc, ipc}, {namespace_type::uts, uts}},
                                         "pod-host-one");
  ASSERT_TRUE(pinned) << pinned.error().describe();
  for (const auto& [path, own] :
       {std::pair{ipc, "/proc/self/ns/ipc"}, {uts, "/proc/self/ns/uts"}}) {
    EXPECT_TRUE(is_pinned_namespace(path)) << path;
    struct stat ours {};
    struct stat theirs {};
    ASSERT_EQ(::stat(own, &ours), 0);
    ASSERT_EQ(::stat(path.c_str(), &theirs), 0);
    EXPECT_NE(ours.st_ino, theirs.st_ino) << path;
  }
  auto name = run_process({"nsenter", "--uts=" + uts.string(), "hostname"});
  ASSERT_TRUE(name);
  EXPECT_EQ(name->standard_output, "pod-host-one\n") << name->standard_error;
  char own_name[256] = {};
  ::gethostname(own_name, sizeof(own_name) - 1);
  EXPECT_NE(std::string(own_name), "pod-host-one");  // the node keeps its name

  // All or nothing: a second pod asking for the same uts path gets nothing, not even its ipc.
  fs::path other_ipc = folder_ / "netns/ipc-two";
  auto clash = create_pinned_namespaces(
      {{namespace_type::ipc, other_ipc}, {namespace_type::uts, uts}}, "pod-host-two");
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().message(), "namespace " + uts.string() + " already exists");
  EXPECT_FALSE(fs::exists(other_ipc));
  auto still = run_process({"nsenter", "--uts=" + uts.string(), "hostname"});
  ASSERT_TRUE(still);
  EXPECT_EQ(still->standard_output, "pod-host-one\n");

  ASSERT_TRUE(remove_pinned_namespace(ipc));
  ASSERT_TRUE(remove_pinned_namespace(uts));
  EXPECT_FALSE(fs::exists(ipc));
  EXPECT_FALSE(fs::exists(uts));
}

}  // namespace
}  // namespace deshim::runtime
