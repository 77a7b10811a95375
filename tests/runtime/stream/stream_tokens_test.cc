// Stream tokens: single use, expiring, random and URL-safe.
#include "runtime/stream/stream_tokens.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace deshim::runtime {
namespace {

stream_request exec_of(const std::string& id) {
  stream_request request;
  request.kind = stream_kind::exec;
  request.container_id = id;
  request.command = {"echo", "ok"};
  return request;
}

TEST(stream_tokens, a_token_is_good_for_one_use) {
  stream_tokens tokens;
  auto token = tokens.insert(exec_of("c1"));
  ASSERT_TRUE(token);
  EXPECT_EQ(token->size(), 11u);  // 8 random bytes, base64 without padding
  EXPECT_EQ(
      token->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  auto first = tokens.consume(*token);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->container_id, "c1");
  EXPECT_EQ(first->command, (std::vector<std::string>{"echo", "ok"}));
  EXPECT_FALSE(tokens.consume(*token));
  EXPECT_FALSE(tokens.consume("not-a-token"));
}

TEST(stream_tokens, a_token_expires) {
  stream_tokens tokens(std::chrono::milliseconds(50));
  auto token = tokens.insert(exec_of("c1"));
  ASSERT_TRUE(token);
  EXPECT_EQ(tokens.size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_FALSE(tokens.consume(*token));
  EXPECT_EQ(tokens.size(), 0u);
}

TEST(stream_tokens, tokens_differ_and_their_number_is_bounded) {
  stream_tokens tokens;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < stream_tokens::max_waiting; ++i) {
    auto token = tokens.insert(exec_of("c" + std::to_string(i)));
    ASSERT_TRUE(token);
    seen.insert(*token);
  }
  EXPECT_EQ(seen.size(), stream_tokens::max_waiting);
  auto refused = tokens.insert(exec_of("one-too-many"));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("waiting for a client"), std::string::npos);
}

TEST(stream_tokens, paths_name_the_kinds) {
  EXPECT_STREQ(stream_path(stream_kind::exec), "exec");
  EXPECT_STREQ(stream_path(stream_kind::attach), "attach");
  EXPECT_STREQ(stream_path(stream_kind::port_forward), "portforward");
}

}  // namespace
}  // namespace deshim::runtime
