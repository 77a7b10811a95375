// Paths given on the command line of `deshim runtime` are the user's: a relative --config is
// read from the working folder, whatever --root is; paths inside config.toml stay node paths
// (under --root).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/subprocess.h"
#include "runtime/image/digest.h"
#include "runtime/tar_builder.h"

namespace deshim::runtime {
namespace {

namespace fs = std::filesystem;
using testing::file_entry;
using testing::read_all;
using testing::scratch_dir;
using testing::write_all;

/// A `docker save` tarball of one tiny image named busybox:test; returns the image id.
std::string write_saved_image(const fs::path& file, const fs::path& work) {
  testing::write_tar(work / "layer.tar", {file_entry("a", "a")});
  std::string layer = read_all(work / "layer.tar");
  nlohmann::json config = {{"os", "linux"},
                           {"architecture", "amd64"},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", {sha256_digest(layer)}}}}};
  std::string config_text = config.dump();
  std::string config_name = digest_hex(sha256_digest(config_text)) + ".json";
  nlohmann::json manifest = nlohmann::json::array(
      {{{"Config", config_name}, {"RepoTags", {"busybox:test"}}, {"Layers", {"l/layer.tar"}}}});
  testing::write_tar(file, {file_entry("l/layer.tar", layer), file_entry(config_name, config_text),
                            file_entry("manifest.json", manifest.dump())});
  return sha256_digest(config_text);
}

process_result run_in(const fs::path& folder, const std::vector<std::string>& args) {
  std::vector<std::string> argv{DESHIM_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  run_options options;
  options.working_dir = folder;
  auto run = run_process(argv, options);
  EXPECT_TRUE(run.ok());
  return run ? *run : process_result{};
}

TEST(command_line_paths, a_relative_config_is_read_from_the_working_folder_not_root) {
  scratch_dir dir;
  fs::create_directories(dir / "node");
  fs::create_directories(dir / "rt");
  // Node paths inside the config: found under --root.
  write_all(dir / "rt/config.toml",
            "version = 2\nroot = \"/var/lib/deshim-images\"\nstate = \"/run/deshim-state\"\n"
            "[plugins.\"io.containerd.grpc.v1.cri\"]\n  snapshotter = \"native\"\n");
  std::string id = write_saved_image(dir / "saved.tar", dir.path());
  auto imported = run_in(dir.path(), {"--root", (dir / "node").string(), "runtime", "import",
                                      "--config", "rt/config.toml", "saved.tar"});
  ASSERT_EQ(imported.exit_code, 0) << imported.standard_error;
  EXPECT_EQ(imported.standard_output, "Imported docker.io/library/busybox:test (" + id + ")\n");
  EXPECT_TRUE(fs::exists(dir / "node/var/lib/deshim-images"));
  EXPECT_FALSE(fs::exists(dir / "var/lib/deshim-images"));

  // The same relative path under --root only: not read from there.
  fs::create_directories(dir / "elsewhere");
  fs::create_directories(dir / "node/rt");
  fs::copy_file(dir / "rt/config.toml", dir / "node/rt/config.toml");
  auto missing =
      run_in(dir / "elsewhere", {"--root", (dir / "node").string(), "runtime", "import", "--config",
                                 "rt/config.toml", (dir / "saved.tar").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.standard_error.find("cannot read rt/config.toml (relative to the working "
                                        "folder " +
                                        (dir / "elsewhere").string() + ")"),
            std::string::npos)
      << missing.standard_error;

  // An absolute --config is a node path: under --root.
  auto absolute =
      run_in(dir / "elsewhere", {"--root", (dir / "node").string(), "runtime", "import", "--config",
                                 "/rt/config.toml", (dir / "saved.tar").string()});
  EXPECT_EQ(absolute.exit_code, 0) << absolute.standard_error;
}

}  // namespace
}  // namespace deshim::runtime
