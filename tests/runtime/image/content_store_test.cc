#include "runtime/image/content_store.h"

#include <gtest/gtest.h>

#include "runtime/tar_builder.h"

namespace deshim::runtime {
namespace {

using testing::files_below;
using testing::scratch_dir;

TEST(digest, validation_and_hashing) {
  EXPECT_EQ(sha256_digest(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_TRUE(is_valid_digest(sha256_digest("x")));
  EXPECT_FALSE(is_valid_digest("sha256:E3B0"));
  EXPECT_FALSE(is_valid_digest("sha512:" + std::string(64, 'a')));
  EXPECT_FALSE(is_valid_digest("sha256:" + std::string(63, 'a') + "/"));
  EXPECT_FALSE(check_digest("sha256:../../etc", "layer").ok());
}

TEST(content_store, put_read_and_remove) {
  scratch_dir dir;
  content_store store(dir / "content");
  ASSERT_TRUE(store.init().ok());
  auto digest = store.put("hello");
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(*digest, sha256_digest("hello"));
  EXPECT_TRUE(store.has(*digest));
  EXPECT_EQ(store.size_of(*digest), 5u);
  EXPECT_EQ(*store.read(*digest), "hello");
  EXPECT_EQ(store.list(), std::vector<std::string>{*digest});
  ASSERT_TRUE(store.remove(*digest).ok());
  EXPECT_FALSE(store.has(*digest));
  EXPECT_EQ(store.read(*digest).error().kind(), error_kind::not_found);
}

TEST(content_store, a_blob_that_does_not_match_its_digest_leaves_nothing) {
  scratch_dir dir;
  content_store store(dir / "content");
  ASSERT_TRUE(store.init().ok());
  auto wrong = store.put("hello", sha256_digest("other"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("does not match its digest"), std::string::npos);

  auto writer = store.begin_write();
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->write("hel", 3).ok());
  auto truncated = writer->commit(sha256_digest("hello"), 5);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message().find("truncated"), std::string::npos);
  {
    auto abandoned = store.begin_write();
    ASSERT_TRUE(abandoned.ok());
    ASSERT_TRUE(abandoned->write("partial", 7).ok());
  }  // dropped without commit
  EXPECT_EQ(files_below(dir / "content"), std::vector<std::string>{});
}

}  // namespace
}  // namespace deshim::runtime
