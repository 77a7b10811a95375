#include "harness/http_get.h"

#include <gtest/gtest.h>

#include "harness/registry_daemon.h"

namespace deshim::testing {
namespace {

TEST(http_get, parses_status_headers_and_body) {
  auto response = parse_http_response(
      "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"repositories\":[]}\n");
  ASSERT_TRUE(response) << response.error().describe();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers, "Content-Type: application/json");
  EXPECT_EQ(response->body, "{\"repositories\":[]}\n");
}

TEST(http_get, refuses_what_is_not_http) {
  EXPECT_FALSE(parse_http_response(""));
  EXPECT_FALSE(parse_http_response("SSH-2.0-OpenSSH\r\n\r\n"));
  EXPECT_FALSE(parse_http_response("HTTP/1.1 abc Bad\r\n\r\n"));
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nX: y\r\n"));  // no end of headers
  const std::string whole = "HTTP/1.1 404 Not Found\r\nX: y\r\n\r\nbody";
  for (size_t length = 0; length < whole.find("\r\n\r\n") + 4; ++length) {
    EXPECT_FALSE(parse_http_response(whole.substr(0, length))) << length;
  }
  auto full = parse_http_response(whole);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 404);
}

TEST(http_get, reports_a_closed_port_and_a_bad_address) {
  auto port = pick_free_loopback_port();
  ASSERT_TRUE(port) << port.error().describe();
  auto answer = http_get("127.0.0.1:" + std::to_string(*port), "/v2/", std::chrono::seconds(1));
  ASSERT_FALSE(answer);
  EXPECT_NE(answer.error().message().find("cannot connect"), std::string::npos);
  EXPECT_FALSE(http_get("localhost", "/"));
  EXPECT_FALSE(http_get("not-an-ip:80", "/"));
}

}  // namespace
}  // namespace deshim::testing
