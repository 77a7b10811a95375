#include "runtime/transfer/image_import.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "runtime/image/digest.h"
#include "runtime/image_service_fixture.h"
#include "runtime/tar_builder.h"

namespace deshim::runtime {
namespace {

using testing::file_entry;
using testing::files_below;
using testing::read_all;
using testing::scratch_dir;
using testing::symlink_entry;
using testing::tar_entry;
using testing::write_tar;

struct image_parts {
  std::string layer;   ///< uncompressed layer tar bytes
  std::string config;  ///< config JSON
};

image_parts make_parts(scratch_dir& dir, std::vector<tar_entry> layer_entries) {
  write_tar(dir / "layer-src.tar", layer_entries);
  image_parts out;
  out.layer = read_all(dir / "layer-src.tar");
  nlohmann::json config = {
      {"architecture", "amd64"},
      {"os", "linux"},
      {"config", {{"User", "1000"}, {"Cmd", {"/bin/sh"}}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {sha256_digest(out.layer)}}}}};
  out.config = config.dump();
  return out;
}

/// A tarball laid out as `docker save` (20.10) writes it.
std::vector<tar_entry> docker_save_entries(const image_parts& parts, const std::string& tag) {
  std::string config_name = digest_hex(sha256_digest(parts.config)) + ".json";
  std::string layer_dir = std::string(64, 'd');
  nlohmann::json manifest = nlohmann::json::array(
      {{{"Config", config_name}, {"RepoTags", {tag}}, {"Layers", {layer_dir + "/layer.tar"}}}});
  return {testing::dir_entry(layer_dir + "/"),   file_entry(layer_dir + "/VERSION", "1.0"),
          file_entry(layer_dir + "/json", "{}"), file_entry(layer_dir + "/layer.tar", parts.layer),
          file_entry(config_name, parts.config), file_entry("manifest.json", manifest.dump()),
          file_entry("repositories", "{}")};
}

struct service_fixture : testing::native_image_service {
  std::vector<std::string> stored() const {
    std::vector<std::string> out;
    for (const auto& file : files_below(dir / "root/content"))
      out.push_back("content/" + file);
    for (const auto& file : files_below(dir / "root/snapshots"))
      out.push_back("snapshots/" + file);
    return out;
  }
};

TEST(image_import, docker_save_tarball_becomes_an_image_like_ctr_import) {
  service_fixture f;
  auto parts = make_parts(f.dir, {file_entry("hello.txt", "hi"), testing::dir_entry("etc/")});
  write_tar(f.dir / "saved.tar", docker_save_entries(parts, "busybox:test"));
  auto imported = import_image_archive(*f.images, f.dir / "saved.tar");
  ASSERT_TRUE(imported.ok()) << imported.error().describe();
  ASSERT_EQ(imported->size(), 1u);
  std::string config_digest = sha256_digest(parts.config);
  EXPECT_EQ((*imported)[0].id, config_digest);
  EXPECT_EQ((*imported)[0].names, std::vector<std::string>{"docker.io/library/busybox:test"});

  auto images = f.images->list();
  ASSERT_TRUE(images.ok());
  ASSERT_EQ(images->size(), 1u);
  const image_info& image = images->front();
  EXPECT_EQ(image.id, config_digest);
  EXPECT_EQ(image.repo_tags, std::vector<std::string>{"docker.io/library/busybox:test"});
  EXPECT_TRUE(image.repo_digests.empty());
  std::string manifest = docker_save_manifest_json(
      make_descriptor(media_type::docker_config, config_digest,
                      static_cast<int64_t>(parts.config.size())),
      {make_descriptor(media_type::docker_layer, sha256_digest(parts.layer),
                       static_cast<int64_t>(parts.layer.size()))});
  EXPECT_EQ(image.target_digest, sha256_digest(manifest));
  EXPECT_EQ(image.size, manifest.size() + parts.config.size() + parts.layer.size());
  EXPECT_EQ(image.uid, 1000);
  EXPECT_EQ(
      manifest.rfind("{\"schemaVersion\":2,\"mediaType\":\"application/"
                     "vnd.docker.distribution.manifest.v2+json\",\"config\":{\"mediaType\":"
                     "\"application/vnd.docker.container.image.v1+json\",\"digest\":\"sha256:",
                     0),
      0u);

  // The legacy files (VERSION, json, repositories) are not kept; the layer is unpacked.
  EXPECT_EQ(f.images->content().list().size(), 3u);
  auto dirs = f.images->snapshots().layer_dirs(image.chain_id);
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(read_all(dirs[0] / "hello.txt"), "hi");

  // Found by name, short name, id and id prefix; removal takes everything away.
  EXPECT_TRUE(f.images->status("busybox:test")->has_value());
  EXPECT_TRUE(f.images->status(config_digest)->has_value());
  EXPECT_TRUE(f.images->status(digest_hex(config_digest).substr(0, 12))->has_value());
  EXPECT_FALSE(f.images->status("busybox:other")->has_value());
  ASSERT_TRUE(f.images->remove("docker.io/library/busybox:test").ok());
  EXPECT_TRUE(f.images->list()->empty());
  EXPECT_EQ(f.stored(), std::vector<std::string>{});
  EXPECT_TRUE(f.images->remove("busybox:test").ok());  // idempotent
}

TEST(image_import, oci_layout_tarball_with_a_gzip_layer) {
  service_fixture f;
  auto parts = make_parts(f.dir, {file_entry("oci.txt", "oci")});
  write_tar(f.dir / "layer.tar.gz", {file_entry("oci.txt", "oci")}, true);
  std::string layer_gz = read_all(f.dir / "layer.tar.gz");
  nlohmann::json manifest = {{"schemaVersion", 2},
                             {"mediaType", media_type::oci_manifest},
                             {"config",
                              {{"mediaType", media_type::oci_config},
                               {"digest", sha256_digest(parts.config)},
                               {"size", parts.config.size()}}},
                             {"layers",
                              {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                                {"digest", sha256_digest(layer_gz)},
                                {"size", layer_gz.size()}}}}};
  std::string manifest_text = manifest.dump();
  nlohmann::json index = {{"schemaVersion", 2},
                          {"manifests",
                           {{{"mediaType", media_type::oci_manifest},
                             {"digest", sha256_digest(manifest_text)},
                             {"size", manifest_text.size()},
                             {"annotations",
                              {{"io.containerd.image.name", "example.com/team/app:1.0"},
                               {"org.opencontainers.image.ref.name", "1.0"}}}}}}};
  auto blob = [](const std::string& data) {
    return "blobs/sha256/" + digest_hex(sha256_digest(data));
  };
  write_tar(f.dir / "oci.tar",
            {file_entry("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"),
             file_entry("index.json", index.dump()), file_entry(blob(parts.config), parts.config),
             file_entry(blob(layer_gz), layer_gz), file_entry(blob(manifest_text), manifest_text)});
  auto imported = import_image_archive(*f.images, f.dir / "oci.tar");
  ASSERT_TRUE(imported.ok()) << imported.error().describe();
  auto image = f.images->status("example.com/team/app:1.0");
  ASSERT_TRUE(image.ok() && image->has_value());
  EXPECT_EQ((*image)->id, sha256_digest(parts.config));
  EXPECT_EQ((*image)->size, manifest_text.size() + parts.config.size() + layer_gz.size());
  auto dirs = f.images->snapshots().layer_dirs((*image)->chain_id);
  EXPECT_EQ(read_all(dirs[0] / "oci.txt"), "oci");
}

TEST(image_import, malicious_tarballs_are_refused_and_leave_nothing) {
  struct bad_case {
    std::string label;
    std::function<std::vector<tar_entry>(const image_parts&, scratch_dir&)> entries;
    std::string expected;
  };
  std::vector<bad_case> cases = {
      {"path escape in the archive",
       [](const image_parts& p, scratch_dir&) {
         auto entries = docker_save_entries(p, "busybox:test");
         entries.insert(entries.begin(), file_entry("../escaped", "x"));
         return entries;
       },
       ".."},
      {"absolute path in the archive",
       [](const image_parts& p, scratch_dir&) {
         auto entries = docker_save_entries(p, "busybox:test");
         entries.insert(entries.begin(), file_entry("/tmp/escaped", "x"));
         return entries;
       },
       "absolute"},
      {"symlink escape in the archive",
       [](const image_parts& p, scratch_dir&) {
         auto entries = docker_save_entries(p, "busybox:test");
         entries.push_back(symlink_entry("evil.json", "../../../etc/passwd"));
         return entries;
       },
       "points outside the archive"},
      {"config that does not match its digest",
       [](const image_parts& p, scratch_dir&) {
         auto entries = docker_save_entries(p, "busybox:test");
         for (auto& entry : entries) {
           if (entry.name.size() > 5 && entry.name.find('/') == std::string::npos &&
               entry.name != "manifest.json" &&
               entry.name.compare(entry.name.size() - 5, 5, ".json") == 0)
             entry.data += " ";
         }
         return entries;
       },
       "does not match its digest"},
      {"layer escaping its root",
       [](const image_parts&, scratch_dir& dir) {
         auto evil =
             make_parts(dir, {testing::symlink_entry("up", "../../.."), file_entry("up/x", "x")});
         return docker_save_entries(evil, "busybox:test");
       },
       "outside the layer"},
      {"layer whose diff id lies",
       [](const image_parts& p, scratch_dir&) {
         auto wrong = p;
         nlohmann::json config = nlohmann::json::parse(p.config);
         config["rootfs"]["diff_ids"][0] = sha256_digest("something else");
         wrong.config = config.dump();
         return docker_save_entries(wrong, "busybox:test");
       },
       "the image config says"},
  };
  for (const auto& c : cases) {
    service_fixture f;
    auto parts = make_parts(f.dir, {file_entry("hello.txt", "hi")});
    write_tar(f.dir / "bad.tar", c.entries(parts, f.dir));
    auto imported = import_image_archive(*f.images, f.dir / "bad.tar");
    ASSERT_FALSE(imported.ok()) << c.label;
    EXPECT_NE(imported.error().message().find(c.expected), std::string::npos)
        << c.label << ": " << imported.error().message();
    EXPECT_EQ(imported.error().exit_status(), 2) << c.label;
    EXPECT_TRUE(f.images->list()->empty()) << c.label;
    EXPECT_EQ(f.stored(), std::vector<std::string>{}) << c.label;
    EXPECT_FALSE(std::filesystem::exists(f.dir / "escaped")) << c.label;
  }
}

TEST(image_import, truncated_and_foreign_archives_fail_cleanly) {
  service_fixture f;
  auto parts = make_parts(f.dir, {file_entry("hello.txt", std::string(5000, 'h'))});
  write_tar(f.dir / "saved.tar", docker_save_entries(parts, "busybox:test"));
  std::string whole = read_all(f.dir / "saved.tar");
  for (size_t cut : {size_t{0}, size_t{100}, whole.size() / 3, whole.size() / 2}) {
    testing::write_all(f.dir / "cut.tar", whole.substr(0, cut));
    auto imported = import_image_archive(*f.images, f.dir / "cut.tar");
    EXPECT_FALSE(imported.ok()) << "cut at " << cut;
    EXPECT_EQ(f.stored(), std::vector<std::string>{}) << "cut at " << cut;
  }
  write_tar(f.dir / "plain.tar", {file_entry("readme", "not an image")});
  auto foreign = import_image_archive(*f.images, f.dir / "plain.tar");
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error().message().find("neither manifest.json"), std::string::npos);
  auto missing = import_image_archive(*f.images, f.dir / "nope.tar");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), error_kind::not_found);
  // A gzip header libarchive gives up on without a message (found by the layer_tar fuzzer):
  // an error naming the file, not a string built from a null pointer.
  const std::string damaged_gzip =
      read_all(std::filesystem::path(DESHIM_SOURCE_DIR) /
               "fuzz/corpus/layer_tar/regression-null-archive-error-on-open");
  testing::write_all(f.dir / "damaged.tar.gz", damaged_gzip);
  auto damaged = import_image_archive(*f.images, f.dir / "damaged.tar.gz");
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.error().message().find("damaged.tar.gz"), std::string::npos)
      << damaged.error().message();
  EXPECT_EQ(f.stored(), std::vector<std::string>{});
}

}  // namespace
}  // namespace deshim::runtime
