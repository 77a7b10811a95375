#include "runtime/image/image_store.h"

#include <gtest/gtest.h>

#include "runtime/image/digest.h"
#include "runtime/tar_builder.h"

namespace deshim::runtime {
namespace {

using testing::scratch_dir;

image_entry entry(const std::string& name, const std::string& content) {
  return {name, make_descriptor(media_type::docker_manifest, sha256_digest(content), 10), 1};
}

TEST(image_store, names_persist_and_a_second_process_sees_changes) {
  scratch_dir dir;
  image_store server(dir / "images.json");
  ASSERT_TRUE(server.load().ok());
  EXPECT_TRUE(server.all().empty());
  // `deshim runtime import` writes through its own store while the server runs.
  image_store importer(dir / "images.json");
  ASSERT_TRUE(importer.load().ok());
  ASSERT_TRUE(importer.put(entry("docker.io/library/a:1", "a")).ok());
  ASSERT_TRUE(server.get("docker.io/library/a:1").has_value());
  EXPECT_EQ(server.get("docker.io/library/a:1")->target.digest, sha256_digest("a"));
  // The server's own change keeps the importer's name.
  ASSERT_TRUE(server.put(entry("docker.io/library/b:1", "b")).ok());
  ASSERT_EQ(importer.all().size(), 2u);
  ASSERT_TRUE(importer.remove({"docker.io/library/a:1"}).ok());
  EXPECT_EQ(server.all().size(), 1u);
  image_store reopened(dir / "images.json");
  ASSERT_TRUE(reopened.load().ok());
  ASSERT_EQ(reopened.all().size(), 1u);
  EXPECT_EQ(reopened.all()[0].name, "docker.io/library/b:1");
}

TEST(image_store, a_corrupted_file_is_an_error_naming_it) {
  scratch_dir dir;
  testing::write_all(dir / "images.json", "{\"images\": 3");
  image_store store(dir / "images.json");
  auto loaded = store.load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message().find("is corrupted"), std::string::npos);
  EXPECT_EQ(loaded.error().exit_status(), 2);
}

}  // namespace
}  // namespace deshim::runtime
