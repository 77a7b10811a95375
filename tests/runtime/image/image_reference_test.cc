#include "runtime/image/image_reference.h"

#include <gtest/gtest.h>

namespace deshim::runtime {
namespace {

std::string normalised(const std::string& text) {
  auto parsed = parse_image_reference(text);
  return parsed ? parsed->string() : "error: " + parsed.error().message();
}

TEST(image_reference, short_names_are_normalised_as_containerd_does) {
  EXPECT_EQ(normalised("busybox"), "docker.io/library/busybox:latest");
  EXPECT_EQ(normalised("busybox:1.36"), "docker.io/library/busybox:1.36");
  EXPECT_EQ(normalised("library/busybox"), "docker.io/library/busybox:latest");
  EXPECT_EQ(normalised("bitnami/redis:7"), "docker.io/bitnami/redis:7");
  EXPECT_EQ(normalised("index.docker.io/library/busybox"), "docker.io/library/busybox:latest");
  EXPECT_EQ(normalised("registry.k8s.io/pause:3.6"), "registry.k8s.io/pause:3.6");
  EXPECT_EQ(normalised("localhost/app"), "localhost/app:latest");
  EXPECT_EQ(normalised("127.0.0.1:5000/library/busybox:test"),
            "127.0.0.1:5000/library/busybox:test");
}

TEST(image_reference, digests_keep_no_default_tag) {
  std::string digest = "sha256:" + std::string(64, 'a');
  EXPECT_EQ(normalised("busybox@" + digest), "docker.io/library/busybox@" + digest);
  EXPECT_EQ(normalised("busybox:1.36@" + digest), "docker.io/library/busybox:1.36@" + digest);
  auto parsed = parse_image_reference("127.0.0.1:5000/x@" + digest);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->domain, "127.0.0.1:5000");
  EXPECT_EQ(parsed->path, "x");
  EXPECT_EQ(parsed->tag, "");
  EXPECT_EQ(parsed->digest, digest);
  EXPECT_EQ(parsed->tagged(), "");
}

TEST(image_reference, malformed_references_are_errors_with_a_hint) {
  for (const char* bad : {"", "Busybox", "busybox:", "busybox@sha256:abc", "a//b", "busy box",
                          "busybox:-x", "-lead", "trail-", "docker.io/"}) {
    auto parsed = parse_image_reference(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().exit_status(), 2);
      EXPECT_FALSE(parsed.error().hint().empty());
    }
  }
}

TEST(image_reference, every_prefix_parses_or_fails_cleanly) {
  std::string text = "127.0.0.1:5000/library/busybox:1.36@sha256:" + std::string(64, 'b');
  for (size_t length = 0; length <= text.size(); ++length) {
    auto parsed = parse_image_reference(text.substr(0, length));
    if (parsed) {
      EXPECT_FALSE(parsed->path.empty());
    }
  }
}

TEST(image_reference, ids_and_id_prefixes) {
  std::string hex(64, 'c');
  EXPECT_TRUE(looks_like_image_id("sha256:" + hex));
  EXPECT_TRUE(looks_like_image_id(hex));
  EXPECT_FALSE(looks_like_image_id("busybox"));
  EXPECT_TRUE(looks_like_id_prefix("ccc"));
  EXPECT_TRUE(looks_like_id_prefix("sha256:cccc"));
  EXPECT_FALSE(looks_like_id_prefix("cc"));
  EXPECT_FALSE(looks_like_id_prefix("busybox"));
}

}  // namespace
}  // namespace deshim::runtime
