// The HTTP client (common/http/client.h) against a scripted stand-in server: chunked bodies,
// redirects and the Authorization header, timeouts, gzip, size caps, a unix socket, and
// errors that name the URL and what failed. TLS is covered end to end by
// tests/cli/api_server_pods_test.cc (CA data, client certificates, a refused certificate).
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>

#include "common/http/client.h"
#include "common/http/scripted_server.h"

namespace deshim::http {
namespace {

using testing::scripted_server;
using namespace std::chrono_literals;

request get(const std::string& url) {
  request out;
  out.url = url;
  out.use_proxy_environment = false;
  out.total_timeout = 10s;
  return out;
}

std::string gzipped(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(http_client, a_chunked_body_arrives_whole_and_in_pieces_to_a_sink) {
  scripted_server server([](const std::string&) {
    return scripted_server::answer{
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kind: test\r\n\r\n"
        "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"};
  });
  auto answer = perform_buffered(get(server.base() + "/v2/"), 1024);
  ASSERT_TRUE(answer.ok()) << answer.error().describe();
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, "hello, world");
  EXPECT_EQ(answer->header("x-kind"), "test");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].rfind("GET /v2/ HTTP/1.1\r\n", 0), 0u) << server.requests()[0];
  EXPECT_NE(server.requests()[0].find("Host: 127.0.0.1:" + std::to_string(server.port())),
            std::string::npos);

  std::string streamed;
  auto head = perform(get(server.base() + "/again"),
                      [&](const response_head& h, std::string_view data) -> result<void> {
                        EXPECT_EQ(h.status, 200);
                        streamed.append(data);
                        return {};
                      });
  ASSERT_TRUE(head.ok()) << head.error().describe();
  EXPECT_EQ(streamed, "hello, world");
}

TEST(http_client, a_sink_error_stops_the_transfer_and_is_returned_as_is) {
  scripted_server server(
      [](const std::string&) { return scripted_server::answer{scripted_server::ok("data")}; });
  failure failed;
  auto head = perform(
      get(server.base() + "/"),
      [](const response_head&, std::string_view) -> result<void> {
        return invalid_input("the sink is full");
      },
      &failed);
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().message(), "the sink is full");
  EXPECT_EQ(failed.stage, failure_stage::sink);
}

TEST(http_client, a_body_over_the_cap_fails_and_says_so) {
  scripted_server server([](const std::string&) {
    return scripted_server::answer{scripted_server::ok(std::string(5000, 'x'))};
  });
  failure failed;
  auto answer = perform_buffered(get(server.base() + "/big"), 1000, &failed);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(failed.stage, failure_stage::size);
  EXPECT_NE(answer.error().message().find("larger than 1000 bytes"), std::string::npos)
      << answer.error().message();
}

TEST(http_client, redirects_are_followed_and_authorization_stays_on_its_host) {
  scripted_server storage(
      [](const std::string&) { return scripted_server::answer{scripted_server::ok("blob")}; });
  scripted_server registry([&](const std::string& request) {
    if (request.find("GET /same") == 0)
      return scripted_server::answer{
          "HTTP/1.1 307 Temporary Redirect\r\nLocation: /moved\r\n"
          "Content-Length: 0\r\n\r\n"};
    if (request.find("GET /moved") == 0)
      return scripted_server::answer{scripted_server::ok("here")};
    return scripted_server::answer{"HTTP/1.1 302 Found\r\nLocation: " + storage.base() +
                                   "/blob?sig=1\r\nContent-Length: 5\r\n\r\nmoved"};
  });
  request blob = get(registry.base() + "/v2/x/blobs/sha256:1");
  blob.max_redirects = 10;
  blob.headers.emplace_back("Authorization", "Bearer secret");
  auto answer = perform_buffered(blob, 1024);
  ASSERT_TRUE(answer.ok()) << answer.error().describe();
  EXPECT_EQ(answer->body, "blob");  // not the redirect's own body
  EXPECT_EQ(answer->url, storage.base() + "/blob?sig=1");
  ASSERT_EQ(storage.requests().size(), 1u);
  EXPECT_EQ(storage.requests()[0].rfind("GET /blob?sig=1 HTTP/1.1", 0), 0u);
  // Another port is another host (as curl): the credentials are not sent there.
  EXPECT_EQ(storage.requests()[0].find("Authorization"), std::string::npos)
      << storage.requests()[0];

  request same = get(registry.base() + "/same");
  same.max_redirects = 1;
  same.headers.emplace_back("Authorization", "Bearer secret");
  auto moved = perform_buffered(same, 1024);
  ASSERT_TRUE(moved.ok()) << moved.error().describe();
  EXPECT_EQ(moved->body, "here");
  EXPECT_NE(registry.requests().back().find("Authorization: Bearer secret"), std::string::npos);
}

TEST(http_client, redirects_are_answers_unless_asked_for_and_are_limited) {
  scripted_server loop([](const std::string&) {
    return scripted_server::answer{
        "HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n"};
  });
  auto answer = perform_buffered(get(loop.base() + "/"), 1024);
  ASSERT_TRUE(answer.ok()) << answer.error().describe();
  EXPECT_EQ(answer->status, 302);
  EXPECT_EQ(answer->header("location"), "/again");

  request follow = get(loop.base() + "/");
  follow.max_redirects = 3;
  auto endless = perform_buffered(follow, 1024);
  ASSERT_FALSE(endless.ok());
  EXPECT_NE(endless.error().message().find("more than 3 redirects"), std::string::npos)
      << endless.error().message();
  EXPECT_EQ(loop.requests().size(), 5u);
}

TEST(http_client, a_server_that_stalls_fails_on_the_idle_and_the_total_limit) {
  scripted_server stalls([](const std::string&) {
    return scripted_server::answer{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome", 0ms, 3s};
  });
  request idle = get(stalls.base() + "/slow");
  idle.idle_timeout = 300ms;
  auto started = std::chrono::steady_clock::now();
  failure failed;
  auto answer = perform_buffered(idle, 1024, &failed);
  ASSERT_FALSE(answer.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms);
  EXPECT_EQ(failed.stage, failure_stage::receive);
  EXPECT_EQ(answer.error().message(), "GET " + stalls.base() +
                                          "/slow: reading the body: timed out (nothing received "
                                          "for 1 s)");

  request total = get(stalls.base() + "/slow");
  total.total_timeout = 400ms;
  auto capped = perform_buffered(total, 1024);
  ASSERT_FALSE(capped.ok());
  EXPECT_NE(capped.error().message().find("the request's total limit"), std::string::npos)
      << capped.error().message();
}

TEST(http_client, gzip_is_asked_for_and_decoded) {
  const std::string text(20000, 'p');
  scripted_server server([&](const std::string&) {
    return scripted_server::answer{
        scripted_server::ok(gzipped(text), "Content-Encoding: gzip\r\n")};
  });
  request pods = get(server.base() + "/api/v1/pods");
  pods.accept_gzip = true;
  auto answer = perform_buffered(pods, 1 << 20);
  ASSERT_TRUE(answer.ok()) << answer.error().describe();
  EXPECT_EQ(answer->body, text);
  EXPECT_NE(server.requests()[0].find("Accept-Encoding: gzip"), std::string::npos);

  scripted_server damaged([](const std::string&) {
    return scripted_server::answer{
        scripted_server::ok("not gzip at all", "Content-Encoding: gzip\r\n")};
  });
  request bad = get(damaged.base() + "/");
  bad.accept_gzip = true;
  auto refused = perform_buffered(bad, 1024);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("gzip"), std::string::npos) << refused.error().message();
}

TEST(http_client, a_unix_socket_carries_the_request) {
  auto path = std::filesystem::temp_directory_path() /
              ("deshim-http-" + std::to_string(::getpid()) + ".sock");
  scripted_server engine(
      [](const std::string&) {
        return scripted_server::answer{scripted_server::ok("{\"ApiVersion\":\"1.41\"}")};
      },
      path.string());
  request version = get("http://localhost/version");
  version.unix_socket = path.string();
  auto answer = perform_buffered(version, 1024);
  ASSERT_TRUE(answer.ok()) << answer.error().describe();
  EXPECT_EQ(answer->body, "{\"ApiVersion\":\"1.41\"}");
  EXPECT_NE(engine.requests()[0].find("Host: localhost\r\n"), std::string::npos);
  std::filesystem::remove(path);

  failure failed;
  auto missing = perform_buffered(version, 1024, &failed);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(failed.stage, failure_stage::connect);
  EXPECT_EQ(missing.error().message(), "GET http://localhost:80/version: cannot connect to " +
                                           path.string() + ": No such file or directory");
}

TEST(http_client, errors_name_the_url_and_what_failed) {
  int closed_port = 0;
  {
    scripted_server gone([](const std::string&) { return scripted_server::answer{}; });
    closed_port = gone.port();
  }
  failure failed;
  auto refused = perform_buffered(get("http://127.0.0.1:" + std::to_string(closed_port) + "/x"),
                                  1024, &failed);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(failed.stage, failure_stage::connect);
  EXPECT_EQ(refused.error().message(), "GET http://127.0.0.1:" + std::to_string(closed_port) +
                                           "/x: cannot connect to 127.0.0.1:" +
                                           std::to_string(closed_port) + ": Connection refused");
  auto bad = perform_buffered(get("ftp://example/"), 1024, &failed);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(failed.stage, failure_stage::request);
  EXPECT_NE(bad.error().message().find("only http and https"), std::string::npos);
}

TEST(http_client, a_post_sends_its_body_with_its_length) {
  scripted_server token([](const std::string&) {
    return scripted_server::answer{scripted_server::ok("{\"token\":\"t\"}")};
  });
  request post = get(token.base() + "/token");
  post.method = "POST";
  post.body = "grant_type=refresh_token";
  post.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  auto answer = perform_buffered(post, 1024);
  ASSERT_TRUE(answer.ok()) << answer.error().describe();
  const std::string seen = token.requests()[0];
  EXPECT_EQ(seen.rfind("POST /token HTTP/1.1", 0), 0u);
  EXPECT_NE(seen.find("Content-Length: 24"), std::string::npos) << seen;
  EXPECT_EQ(seen.substr(seen.size() - 24), "grant_type=refresh_token");
}

}  // namespace
}  // namespace deshim::http
