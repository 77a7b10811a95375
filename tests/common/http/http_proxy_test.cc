// The proxy of the environment (common/http/proxy.h), as curl reads it: which variable for
// which scheme, NO_PROXY matching; and requests through a real proxy (Debian's tinyproxy),
// plain HTTP in absolute form and https through a CONNECT tunnel.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "common/http/client.h"
#include "common/http/proxy.h"
#include "common/http/scripted_server.h"

namespace deshim::http {
namespace {

namespace fs = std::filesystem;
using testing::scripted_server;
using namespace std::chrono_literals;

environment_reader environment(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

url parsed(const std::string& text) {
  return *parse_url(text);
}

TEST(http_proxy, the_variable_follows_the_scheme_as_curl_reads_it) {
  auto https = proxy_for(parsed("https://registry.example/v2/"),
                         environment({{"HTTPS_PROXY", "http://proxy:3128"}}));
  ASSERT_TRUE(https.ok());
  ASSERT_TRUE(https->has_value());
  EXPECT_EQ((*https)->address.authority(), "proxy:3128");
  // http_proxy in lower case only (curl ignores HTTP_PROXY: "httpoxy").
  auto upper = proxy_for(parsed("http://registry.example/"),
                         environment({{"HTTP_PROXY", "http://proxy:3128"}}));
  ASSERT_TRUE(upper.ok());
  EXPECT_FALSE(upper->has_value());
  auto lower = proxy_for(
      parsed("http://registry.example/"),
      environment({{"http_proxy", "proxy.corp:8080"}, {"HTTPS_PROXY", "http://other:1"}}));
  ASSERT_TRUE(lower.ok());
  ASSERT_TRUE(lower->has_value());
  EXPECT_EQ((*lower)->address.authority(), "proxy.corp:8080");
  // The lower-case name wins; all_proxy is the fallback; credentials become Basic.
  auto both =
      proxy_for(parsed("https://r/"),
                environment({{"https_proxy", "http://a:1"}, {"HTTPS_PROXY", "http://b:2"}}));
  EXPECT_EQ((*both)->address.host, "a");
  auto all = proxy_for(parsed("https://r/"), environment({{"ALL_PROXY", "http://u:p@c:3"}}));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)->address.authority(), "c:3");
  EXPECT_EQ((*all)->authorization, "Basic dTpw");
  auto none = proxy_for(parsed("https://r/"), environment({}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(http_proxy, no_proxy_sends_matching_hosts_direct) {
  EXPECT_TRUE(no_proxy_matches("*", "anything"));
  EXPECT_TRUE(no_proxy_matches("localhost,.corp.example", "registry.corp.example"));
  EXPECT_TRUE(no_proxy_matches("corp.example", "corp.example"));
  EXPECT_TRUE(no_proxy_matches("corp.example:5000", "CORP.example"));
  EXPECT_FALSE(no_proxy_matches("corp.example", "notcorp.example"));
  EXPECT_TRUE(no_proxy_matches("10.0.0.0/8 192.168.1.5", "10.96.0.1"));
  EXPECT_TRUE(no_proxy_matches("10.0.0.0/8, 192.168.1.5", "192.168.1.5"));
  EXPECT_FALSE(no_proxy_matches("10.0.0.0/8", "11.0.0.1"));
  auto direct = proxy_for(
      parsed("https://10.96.0.1:443/api"),
      environment({{"https_proxy", "http://proxy:3128"}, {"NO_PROXY", "10.0.0.0/8,.svc"}}));
  ASSERT_TRUE(direct.ok());
  EXPECT_FALSE(direct->has_value());
}

TEST(http_proxy, a_proxy_that_is_not_a_url_names_its_variable) {
  auto bad = proxy_for(parsed("https://r/"), environment({{"https_proxy", "socks5://p:1"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("$https_proxy"), std::string::npos) << bad.error().message();
}

/// Debian's tinyproxy on a free port, for the test's lifetime.
class tinyproxy_daemon {
 public:
  static std::unique_ptr<tinyproxy_daemon> start(std::string& why) {
    if (::access("/usr/bin/tinyproxy", X_OK) != 0) {
      why = "tinyproxy is not installed (scripts/setup installs tinyproxy-bin)";
      return nullptr;
    }
    auto out = std::unique_ptr<tinyproxy_daemon>(new tinyproxy_daemon());
    out->folder_ = fs::temp_directory_path() / ("deshim-tinyproxy-" + std::to_string(::getpid()));
    fs::create_directories(out->folder_);
    // A free port: bind one, note it, close it (tinyproxy binds it next).
    {
      scripted_server probe([](const std::string&) { return scripted_server::answer{}; });
      out->port_ = probe.port();
    }
    std::ofstream(out->folder_ / "tinyproxy.conf")
        << "Port " << out->port_ << "\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\n"
        << "MaxClients 10\nLogLevel Info\nUser root\nGroup root\n";
    out->pid_ = ::fork();
    if (out->pid_ == 0) {
      std::string config = (out->folder_ / "tinyproxy.conf").string();
      ::execl("/usr/bin/tinyproxy", "tinyproxy", "-d", "-c", config.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      std::this_thread::sleep_for(50ms);
      request probe;
      probe.url = "http://127.0.0.1:" + std::to_string(out->port_) + "/";
      probe.use_proxy_environment = false;
      if (perform_buffered(probe, 1 << 20).ok()) return out;
    }
    why = "tinyproxy did not start on port " + std::to_string(out->port_);
    return nullptr;
  }
  ~tinyproxy_daemon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(folder_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  tinyproxy_daemon() = default;
  fs::path folder_;
  int port_ = 0;
  pid_t pid_ = -1;
};

TEST(http_proxy, requests_go_through_a_real_proxy_plain_and_tunnelled) {
  std::string why;
  auto proxy = tinyproxy_daemon::start(why);
  if (!proxy) {
    if (std::getenv("CI") != nullptr) FAIL() << "CI=true, yet " << why;
    GTEST_SKIP() << why;
  }
  scripted_server origin(
      [](const std::string&) { return scripted_server::answer{scripted_server::ok("through")}; });
  request plain;
  plain.url = "http://localhost:" + std::to_string(origin.port()) + "/v2/";
  plain.environment = environment({{"http_proxy", proxy->url()}});
  plain.total_timeout = 10s;
  auto answer = perform_buffered(plain, 1024);
  ASSERT_TRUE(answer.ok()) << answer.error().describe();
  EXPECT_EQ(answer->body, "through");
  ASSERT_EQ(origin.requests().size(), 1u);
  // tinyproxy forwards it and says so; the origin saw the path, not the absolute URL.
  EXPECT_EQ(origin.requests()[0].rfind("GET /v2/ HTTP/1.", 0), 0u) << origin.requests()[0];
  EXPECT_NE(origin.requests()[0].find("tinyproxy"), std::string::npos) << origin.requests()[0];

  // https: a CONNECT tunnel to the origin; what arrives there is our TLS ClientHello (the
  // stand-in speaks no TLS, so the handshake then fails, naming the TLS stage).
  request tunnelled;
  tunnelled.url = "https://localhost:" + std::to_string(origin.port()) + "/v2/";
  tunnelled.environment = environment({{"HTTPS_PROXY", proxy->url()}});
  tunnelled.total_timeout = 10s;
  failure failed;
  auto handshake = perform_buffered(tunnelled, 1024, &failed);
  ASSERT_FALSE(handshake.ok());
  EXPECT_EQ(failed.stage, failure_stage::tls) << handshake.error().message();
  ASSERT_EQ(origin.requests().size(), 2u);
  EXPECT_EQ(origin.requests()[1][0], '\x16');  // a TLS handshake record

  // NO_PROXY: straight to the origin, even with a proxy that does not exist.
  request direct = plain;
  direct.environment =
      environment({{"http_proxy", "http://127.0.0.1:1"}, {"no_proxy", "localhost"}});
  auto straight = perform_buffered(direct, 1024);
  ASSERT_TRUE(straight.ok()) << straight.error().describe();
  EXPECT_EQ(origin.requests().back().find("tinyproxy"), std::string::npos);

  // A proxy that is not there fails at connecting to the proxy, naming it.
  request dead = plain;
  dead.environment = environment({{"http_proxy", "http://127.0.0.1:1"}});
  auto refused = perform_buffered(dead, 1024);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("cannot connect to 127.0.0.1:1"), std::string::npos)
      << refused.error().message();
}

}  // namespace
}  // namespace deshim::http
