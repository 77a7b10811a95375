#include "runtime/transfer/layer_unpack.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "runtime/image/digest.h"
#include "runtime/tar_builder.h"

namespace deshim::runtime {
namespace {

using testing::dir_entry;
using testing::file_entry;
using testing::files_below;
using testing::hardlink_entry;
using testing::read_all;
using testing::scratch_dir;
using testing::symlink_entry;
using testing::write_tar;

TEST(clean_entry_name, relative_names_are_normalised) {
  EXPECT_EQ(*clean_entry_name("./etc/passwd"), "etc/passwd");
  EXPECT_EQ(*clean_entry_name("etc//hosts/"), "etc/hosts");
  EXPECT_EQ(*clean_entry_name("./"), "");
}

TEST(clean_entry_name, absolute_and_climbing_names_are_refused) {
  auto absolute = clean_entry_name("/etc/passwd");
  ASSERT_FALSE(absolute.ok());
  EXPECT_NE(absolute.error().message().find("absolute"), std::string::npos);
  auto climbing = clean_entry_name("a/../../etc/passwd");
  ASSERT_FALSE(climbing.ok());
  EXPECT_NE(climbing.error().message().find(".."), std::string::npos);
}

TEST(unpack_layer, writes_files_links_and_reports_the_diff_id) {
  scratch_dir dir;
  write_tar(
      dir / "layer.tar",
      {dir_entry("bin/"), file_entry("bin/busybox", "BB", 0755), symlink_entry("bin/sh", "busybox"),
       hardlink_entry("bin/ls", "bin/busybox"), symlink_entry("bin/abs", "/bin/busybox")});
  std::filesystem::create_directories(dir / "out");
  auto unpacked = unpack_layer(dir / "layer.tar", dir / "out", whiteout_mode::apply);
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().describe();
  EXPECT_EQ(unpacked->diff_id, sha256_digest(read_all(dir / "layer.tar")));
  EXPECT_EQ(read_all(dir / "out/bin/busybox"), "BB");
  EXPECT_EQ(std::filesystem::read_symlink(dir / "out/bin/sh").string(), "busybox");
  EXPECT_EQ(std::filesystem::read_symlink(dir / "out/bin/abs").string(), "/bin/busybox");
  struct stat a {
  }, b{};
  ASSERT_EQ(::stat((dir / "out/bin/busybox").c_str(), &a), 0);
  ASSERT_EQ(::stat((dir / "out/bin/ls").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_mode & 0777, 0755u);
  EXPECT_EQ(unpacked->entries, 5u);
}

TEST(unpack_layer, gzip_layers_hash_their_uncompressed_stream) {
  scratch_dir dir;
  write_tar(dir / "plain.tar", {file_entry("a", "hello")});
  write_tar(dir / "layer.tar.gz", {file_entry("a", "hello")}, true);
  std::filesystem::create_directories(dir / "out");
  auto unpacked = unpack_layer(dir / "layer.tar.gz", dir / "out", whiteout_mode::apply);
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().describe();
  EXPECT_EQ(unpacked->diff_id, sha256_digest(read_all(dir / "plain.tar")));
  EXPECT_EQ(read_all(dir / "out/a"), "hello");
}

TEST(unpack_layer, whiteouts_remove_lower_files_in_apply_mode) {
  scratch_dir dir;
  std::filesystem::create_directories(dir / "out/etc/conf.d");
  testing::write_all(dir / "out/etc/old", "x");
  testing::write_all(dir / "out/etc/conf.d/lower", "x");
  write_tar(dir / "layer.tar",
            {file_entry("etc/.wh.old", ""), file_entry("etc/conf.d/.wh..wh..opq", ""),
             file_entry("etc/conf.d/upper", "u")});
  auto unpacked = unpack_layer(dir / "layer.tar", dir / "out", whiteout_mode::apply);
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().describe();
  EXPECT_EQ(files_below(dir / "out"), (std::vector<std::string>{"etc/conf.d/upper"}));
}

TEST(unpack_layer, whiteouts_become_overlay_markers_in_overlay_mode) {
  if (::geteuid() != 0) GTEST_SKIP() << "overlay whiteouts need root (mknod)";
  scratch_dir dir;
  std::filesystem::create_directories(dir / "out");
  write_tar(dir / "layer.tar", {dir_entry("etc/"), file_entry("etc/.wh.old", ""), dir_entry("var/"),
                                file_entry("var/.wh..wh..opq", "")});
  auto unpacked = unpack_layer(dir / "layer.tar", dir / "out", whiteout_mode::overlay);
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().describe();
  struct stat info {};
  ASSERT_EQ(::lstat((dir / "out/etc/old").c_str(), &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode));
  EXPECT_EQ(info.st_rdev, makedev(0, 0));
  char value[4] = {};
  ASSERT_EQ(::lgetxattr((dir / "out/var").c_str(), "trusted.overlay.opaque", value, sizeof(value)),
            1);
  EXPECT_EQ(value[0], 'y');
}

struct malicious_case {
  const char* label;
  std::vector<testing::tar_entry> entries;
  const char* expected;  ///< part of the error message
};

TEST(unpack_layer, malicious_entries_are_refused_and_nothing_escapes) {
  std::vector<malicious_case> cases = {
      {"absolute", {file_entry("/evil", "x")}, "absolute"},
      {"dotdot", {file_entry("../evil", "x")}, ".."},
      {"nested dotdot", {file_entry("a/../../evil", "x")}, ".."},
      {"symlink escape",
       {symlink_entry("up", "../../.."), file_entry("up/evil", "x")},
       "outside the layer"},
      {"write through a symlink climbing from the root",
       {symlink_entry("s1", "/.."), file_entry("s1/evil", "x")},
       "out of the layer"},
      {"hardlink escape", {hardlink_entry("h", "../outside")}, "outside the layer"},
      {"hardlink absolute", {hardlink_entry("h", "/etc/passwd")}, "outside the layer"},
  };
  for (const auto& c : cases) {
    scratch_dir dir;
    std::filesystem::create_directories(dir / "root/out");
    write_tar(dir / "layer.tar", c.entries);
    auto unpacked = unpack_layer(dir / "layer.tar", dir / "root/out", whiteout_mode::apply);
    ASSERT_FALSE(unpacked.ok()) << c.label;
    EXPECT_NE(unpacked.error().message().find(c.expected), std::string::npos)
        << c.label << ": " << unpacked.error().message();
    EXPECT_FALSE(std::filesystem::exists(dir / "evil")) << c.label;
    EXPECT_FALSE(std::filesystem::exists(dir / "root/evil")) << c.label;
    EXPECT_EQ(unpacked.error().exit_status(), 2) << c.label;
  }
}

TEST(unpack_layer, a_symlinked_parent_is_followed_inside_the_root_only) {
  scratch_dir dir;
  std::filesystem::create_directories(dir / "out");
  // lib -> usr/lib (merged /usr), then a file through it: lands in usr/lib.
  write_tar(dir / "layer.tar", {dir_entry("usr/"), dir_entry("usr/lib/"),
                                symlink_entry("lib", "usr/lib"), file_entry("lib/libc.so", "c"),
                                symlink_entry("abs", "/usr"), file_entry("abs/x", "x")});
  auto unpacked = unpack_layer(dir / "layer.tar", dir / "out", whiteout_mode::apply);
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().describe();
  EXPECT_EQ(read_all(dir / "out/usr/lib/libc.so"), "c");
  EXPECT_EQ(read_all(dir / "out/usr/x"), "x");
}

TEST(unpack_layer, truncated_layers_fail_at_every_cut) {
  scratch_dir dir;
  std::string noise;
  uint32_t state = 12345;
  for (int i = 0; i < 50000; ++i) {
    state = state * 1103515245u + 12345u;
    noise += static_cast<char>(state >> 24);
  }
  write_tar(dir / "layer.tar.gz", {file_entry("a", noise), file_entry("b", "bbb")}, true);
  std::string whole = read_all(dir / "layer.tar.gz");
  for (size_t cut : {size_t{0}, size_t{5}, whole.size() / 2, whole.size() * 3 / 4}) {
    testing::write_all(dir / "cut.gz", whole.substr(0, cut));
    std::filesystem::remove_all(dir / "out");
    std::filesystem::create_directories(dir / "out");
    auto unpacked = unpack_layer(dir / "cut.gz", dir / "out", whiteout_mode::apply);
    EXPECT_FALSE(unpacked.ok()) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace deshim::runtime
