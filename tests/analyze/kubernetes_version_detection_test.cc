// The Kubernetes version from what a node disk holds: the version the build links into the
// kubelet binary (both Go layouts), the rpm database, and the order of the sources.
#include "analyze/kubernetes_version_detection.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <random>

#include "analyze/temp_node.h"

namespace deshim::analyze {
namespace {

using testing::temp_node;

/// Bytes like a Go binary's: random data with `strings` planted in it.
std::string synthetic_binary(const std::vector<std::string>& strings, size_t size = 3 << 20) {
  std::mt19937 random(7);
  std::string out(size, '\0');
  for (auto& c : out)
    c = static_cast<char>(random() % 200 + 1);  // no NULs of its own
  size_t at = 4096;
  for (const auto& text : strings) {
    out.replace(at, text.size(), text);
    at += size / (strings.size() + 1);
  }
  return out;
}

std::string padded(const std::string& text) {
  return std::string(8, '\0') + text + std::string(8, '\0');
}

TEST(kubernetes_version_detection, go_build_info_names_git_version) {
  temp_node node;
  node.write("/usr/bin/kubelet",
             synthetic_binary({"build\t-ldflags=\"-X 'k8s.io/component-base/version.gitVersion="
                               "v1.24.17-tke.6' -X 'k8s.io/component-base/version.gitMajor=1'\""}));
  EXPECT_EQ(kubernetes_version_in_binary(node.root() / "usr/bin/kubelet"), "v1.24.17-tke.6");
}

TEST(kubernetes_version_detection, older_builds_keep_the_version_as_its_own_string) {
  temp_node node;
  // Go 1.15 era: `-X` values are NUL-padded strings next to the Go version; dependency
  // versions in the module table are tab-separated and do not count.
  node.write("/usr/bin/kubelet",
             synthetic_binary({padded("go1.15.10") + padded("v1.20.6"),
                               "dep\tgithub.com/spf13/pflag\tv1.0.5\th1:abc", padded("v1.20.6"),
                               "written v1.19.3 in a sentence"}));
  EXPECT_EQ(kubernetes_version_in_binary(node.root() / "usr/bin/kubelet"), "v1.20.6");
}

TEST(kubernetes_version_detection, several_linked_versions_are_ambiguous) {
  temp_node node;
  node.write("/usr/bin/kubelet", synthetic_binary({padded("v1.20.6"), padded("v1.21.1")}));
  std::string ambiguity;
  EXPECT_EQ(kubernetes_version_in_binary(node.root() / "usr/bin/kubelet", &ambiguity),
            std::nullopt);
  EXPECT_EQ(ambiguity, "v1.20.6, v1.21.1");
}

TEST(kubernetes_version_detection, a_string_across_a_chunk_boundary_is_found) {
  temp_node node;
  std::string binary = synthetic_binary({}, 9 << 20);
  const std::string version = padded("v1.22.4");
  binary.replace((4 << 20) - 5, version.size(), version);
  node.write("/usr/bin/kubelet", binary);
  EXPECT_EQ(kubernetes_version_in_binary(node.root() / "usr/bin/kubelet"), "v1.22.4");
}

TEST(kubernetes_version_detection, no_version_in_an_empty_or_non_regular_file) {
  temp_node node;
  node.write("/usr/bin/kubelet", "");
  EXPECT_EQ(kubernetes_version_in_binary(node.root() / "usr/bin/kubelet"), std::nullopt);
  auto fifo = node.root() / "usr/bin/kubelet-fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(kubernetes_version_in_binary(fifo), std::nullopt);  // returns, does not block
}

TEST(kubernetes_version_detection, rpm_header_holds_name_version_release_side_by_side) {
  std::string header = std::string("\x00\x00\x00\x08", 4) + "C" + std::string(1, '\0') + "kubelet" +
                       std::string(1, '\0') + "1.22.4" + std::string(1, '\0') + "0" +
                       std::string(1, '\0') + "Container cluster management" + std::string(1, '\0');
  // A longer name ending in the package's name is another package.
  std::string other = std::string("rke2-kubelet") + '\0' + "9.9.9" + '\0' + "1" + '\0';
  EXPECT_EQ(rpm_package_version_in(other + header, "kubelet"), "1.22.4");
  EXPECT_EQ(rpm_package_version_in(other, "kubelet"), std::nullopt);
  // A name followed by another name (a requires list) is not a header.
  std::string requires_list = std::string("kubelet") + '\0' + "kubectl" + '\0' + "cri-tools" + '\0';
  EXPECT_EQ(rpm_package_version_in(requires_list, "kubelet"), std::nullopt);
}

TEST(kubernetes_version_detection, the_kubelet_binary_comes_before_the_package_databases) {
  temp_node node;
  node.write("/usr/bin/kubelet", synthetic_binary({padded("v1.21.14")}));
  node.write("/var/lib/dpkg/status",
             "Package: kubelet\nStatus: install ok installed\n"
             "Version: 1.20.6-00\n\n");
  kubelet_facts kubelet;
  detect_kubernetes_version(node.fs(), std::nullopt, false, kubelet);
  EXPECT_EQ(kubelet.kubernetes_version, "1.21.14");
  EXPECT_EQ(kubelet.kubernetes_version_source, "the version linked into /usr/bin/kubelet");

  detect_kubernetes_version(node.fs(), std::string("1.23.1"), false, kubelet);
  EXPECT_EQ(kubelet.kubernetes_version, "1.23.1");
  EXPECT_EQ(kubelet.kubernetes_version_source, "--kubernetes-version");
}

TEST(kubernetes_version_detection, the_rpm_database_answers_when_no_binary_does) {
  temp_node node;
  node.write("/var/lib/rpm/rpmdb.sqlite", std::string("SQLite format 3") + '\0' + "xx" + '\0' +
                                              "kubelet" + '\0' + "1.22.4" + '\0' + "0" + '\0');
  kubelet_facts kubelet;
  detect_kubernetes_version(node.fs(), std::nullopt, false, kubelet);
  EXPECT_EQ(kubelet.kubernetes_version, "1.22.4");
  EXPECT_EQ(kubelet.kubernetes_version_source,
            "/var/lib/rpm/rpmdb.sqlite (kubelet rpm package version)");
}

TEST(kubernetes_version_detection, unknown_names_every_place_looked_at) {
  temp_node node;
  node.write("/usr/bin/kubelet", "not a kubelet");
  kubelet_facts kubelet;
  detect_kubernetes_version(node.fs(), std::nullopt, false, kubelet);
  EXPECT_EQ(kubelet.kubernetes_version, "unknown");
  EXPECT_NE(kubelet.kubernetes_version_source.find("looked at /usr/bin/kubelet"), std::string::npos)
      << kubelet.kubernetes_version_source;
}

}  // namespace
}  // namespace deshim::analyze
