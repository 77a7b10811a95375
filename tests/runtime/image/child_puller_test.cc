#include "runtime/image/child_puller.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "runtime/image_service_fixture.h"
#include "runtime/tar_builder.h"
#include "runtime/transfer/in_process_puller.h"

namespace deshim::runtime {
namespace {

using testing::files_below;
using testing::native_image_service;
using testing::read_all;
using testing::scratch_dir;
using testing::write_all;

struct service_fixture : native_image_service {
  /// A stand-in for the full binary: a shell script.
  std::filesystem::path script(const std::string& name, const std::string& body) {
    auto path = dir / name;
    write_all(path, "#!/bin/sh\n" + body);
    ::chmod(path.c_str(), 0755);
    return path;
  }
};

TEST(child_puller, a_failing_pull_gives_the_child_the_same_kind_and_message_as_in_process) {
  service_fixture f;
  child_puller child(DESHIM_BINARY);
  in_process_puller here;
  for (const char* reference : {"Not A Reference", "127.0.0.1:1/library/busybox:test",
                                "docker.io/library/BUSYBOX:latest"}) {
    auto in_child = child.pull(*f.images, reference, {});
    auto in_process = here.pull(*f.images, reference, {});
    ASSERT_FALSE(in_child.ok()) << reference;
    ASSERT_FALSE(in_process.ok()) << reference;
    EXPECT_EQ(in_child.error().kind(), in_process.error().kind()) << reference;
    EXPECT_EQ(in_child.error().message(), in_process.error().message()) << reference;
    EXPECT_EQ(in_child.error().hint(), in_process.error().hint()) << reference;
  }
  auto unreachable = child.pull(*f.images, "127.0.0.1:1/library/busybox:test", {});
  EXPECT_EQ(unreachable.error().kind(), error_kind::environment);
  EXPECT_NE(unreachable.error().message().find("cannot resolve 127.0.0.1:1/library/busybox:test"),
            std::string::npos)
      << unreachable.error().message();
  EXPECT_EQ(files_below(f.dir / "root/content"), std::vector<std::string>{});
  EXPECT_EQ(f.images->list()->size(), 0u);
}

TEST(child_puller, credentials_go_to_stdin_and_never_to_the_arguments) {
  service_fixture f;
  auto spy = f.script("spy", "printf '%s\\n' \"$@\" > \"" + (f.dir / "argv").string() +
                                 "\"\ncat > \"" + (f.dir / "stdin").string() +
                                 "\"\necho '{\"image_id\":\"sha256:feed\"}'\n");
  child_puller child(spy);
  registry_credentials credentials;
  credentials.username = "alice";
  credentials.password = "hunter2";
  auto id = child.pull(*f.images, "registry.example/app:1", credentials);
  ASSERT_TRUE(id.ok()) << id.error().describe();
  EXPECT_EQ(*id, "sha256:feed");
  std::string argv = read_all(f.dir / "argv");
  EXPECT_EQ(argv, "runtime\npull\n--image-root\n" + (f.dir / "root").string() +
                      "\n--snapshotter\nnative\n--max-concurrent-downloads\n3\n--\n"
                      "registry.example/app:1\n");
  EXPECT_EQ(argv.find("hunter2"), std::string::npos);
  EXPECT_NE(read_all(f.dir / "stdin").find("\"password\":\"hunter2\""), std::string::npos);
}

TEST(child_puller, a_killed_child_is_unavailable_and_its_leftovers_are_swept) {
  service_fixture f;
  auto killed = f.script(
      "killed",
      "root=\"$4\"\necho partial > \"$root/content/ingest/4242-0\"\n"
      "mkdir -p \"$root/snapshots/tmp/4242-0/fs\"\necho x > \"$root/snapshots/tmp/4242-0/fs/x\"\n"
      "echo 'dying' >&2\nkill -9 $$\n");
  child_puller child(killed);
  auto id = child.pull(*f.images, "registry.example/app:1", {});
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind(), error_kind::environment);
  EXPECT_EQ(id.error().message(),
            "the pull child for registry.example/app:1 was killed by signal 9 without an answer: "
            "dying");
  EXPECT_EQ(files_below(f.dir / "root/content"), std::vector<std::string>{});
  EXPECT_EQ(files_below(f.dir / "root/snapshots"), std::vector<std::string>{});
}

TEST(child_puller, leftovers_stay_while_another_pull_holds_the_ingest_lock) {
  service_fixture f;
  auto killed = f.script("killed", "echo partial > \"$4/content/ingest/4242-0\"\nexit 1\n");
  auto running = f.images->hold_ingest();
  ASSERT_TRUE(running.ok());
  child_puller child(killed);
  auto id = child.pull(*f.images, "registry.example/app:1", {});
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().message(),
            "the pull child for registry.example/app:1 exited with status 1 without an answer");
  EXPECT_EQ(files_below(f.dir / "root/content"), std::vector<std::string>{"ingest/4242-0"});
  { auto released = std::move(*running); }
  ASSERT_TRUE(f.images->collect_garbage().ok());
  EXPECT_EQ(files_below(f.dir / "root/content"), std::vector<std::string>{});
}

TEST(child_puller, a_missing_full_binary_is_unavailable_with_a_hint) {
  service_fixture f;
  child_puller child(f.dir / "no-such-deshim");
  auto id = child.pull(*f.images, "busybox", {});
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind(), error_kind::environment);
  EXPECT_NE(id.error().message().find("cannot start the pull child"), std::string::npos);
  EXPECT_EQ(id.error().hint(), "install deshim beside deshim-cri (same folder)");
}

TEST(child_puller, a_service_without_a_puller_says_so) {
  service_fixture f;
  auto id = f.images->pull("busybox", {});
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind(), error_kind::internal);
}

}  // namespace
}  // namespace deshim::runtime
