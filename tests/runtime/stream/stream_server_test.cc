// The stream server and deshim's stream client against each other, in-process: the SPDY
// upgrade, remote command (stdin, stdout, stderr, exit codes through the error stream), port
// forward, single-use tokens, and the start-up errors that name the config key.
//
// The backend here is a stand-in (`host_process_stand_in`): it runs commands on the host with
// pipes instead of `runc exec` in a container, and connects to host ports instead of a pod's.
// The real backend, with runc and pod network namespaces, is exercised through crictl and
// deshim's client in tests/integration/streaming_test.cc.
#include "runtime/stream/stream_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/fd_io.h"
#include "common/subprocess.h"
#include "runtime/client/stream_client.h"

extern char** environ;

namespace deshim::runtime {
namespace {

/// A one-line echo server on a free loopback port, standing in for the pod's: on each of
/// `connections` connections it answers "echo:" and what it read.
class loopback_echo_server {
 public:
  explicit loopback_echo_server(int connections) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listener_, 8) != 0)
      return;
    socklen_t length = sizeof(address);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([listener = listener_, connections] {
      for (int i = 0; i < connections; ++i) {
        int fd = ::accept(listener, nullptr, nullptr);
        if (fd < 0) return;
        char buffer[256];
        ssize_t got = ::read(fd, buffer, sizeof(buffer));
        if (got > 0)
          write_all_to_fd(fd, "echo:" + std::string(buffer, static_cast<std::size_t>(got)));
        ::close(fd);
      }
    });
  }
  ~loopback_echo_server() {
    // A test that failed early: stop waiting for connections that will not come.
    if (thread_.joinable() && listener_ >= 0) ::shutdown(listener_, SHUT_RDWR);
    finish();
  }

  /// 0 when it could not listen.
  uint16_t port() const { return port_; }
  /// Waits until every connection was served, then stops listening (the port then refuses).
  void finish() {
    if (thread_.joinable()) thread_.join();
    if (listener_ >= 0) ::close(listener_);
    listener_ = -1;
  }

 private:
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

/// Runs `sh -c COMMAND` on the host with pipes: a stand-in for `runc exec` in a container.
class host_process_stand_in final : public stream_backend {
 public:
  result<joined_process> exec(const stream_request& request) override {
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
      return environment_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<std::string> argv = {"/bin/sh", "-c", request.command.at(0)};
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = 0;
    int spawned = posix_spawn(&pid, "/bin/sh", &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    if (spawned != 0) return environment_error("spawn");
    joined_process process;
    process.stdin_fd = in[1];
    process.stdout_fd = out[0];
    process.stderr_fd = err[0];
    process.wait = [pid] {
      int status = 0;
      ::waitpid(pid, &status, 0);
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    };
    process.detach = [pid] { ::kill(pid, SIGKILL); };
    ++execs;
    return process;
  }
  result<joined_process> attach(const stream_request&) override {
    return invalid_input("no attach in the stand-in");
  }
  result<int> connect(const std::string&, int32_t port) override {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd);
      return environment_error("connection refused");
    }
    return fd;
  }
  std::atomic<int> execs{0};
};

class stream_server_test : public testing::Test {
 protected:
  void SetUp() override {
    backend = std::make_shared<host_process_stand_in>();
    stream_server_options options;
    options.address = "127.0.0.1";
    options.port = "0";
    auto started = stream_server::start(options, backend);
    ASSERT_TRUE(started) << started.error().describe();
    server = std::move(*started);
  }

  std::string exec_url(const std::string& command, bool with_stdin) {
    stream_request request;
    request.kind = stream_kind::exec;
    request.container_id = "stand-in";
    request.command = {command};
    request.stdin = with_stdin;
    request.stdout = true;
    request.stderr = true;
    auto url = server->url_for(request);
    EXPECT_TRUE(url);
    return url ? *url : "";
  }

  /// Runs the remote command with `input` on stdin; stdout, stderr and the exit code.
  struct outcome {
    std::string out, err;
    result<int> code = 0;
  };
  outcome run(const std::string& url, const std::optional<std::string>& input) {
    int in[2], out[2], err[2];
    EXPECT_EQ(::pipe(in), 0);
    EXPECT_EQ(::pipe(out), 0);
    EXPECT_EQ(::pipe(err), 0);
    std::thread feeder([&] {
      if (input) write_all_to_fd(in[1], *input);
      ::close(in[1]);
    });
    outcome result;
    std::thread out_reader([&] { result.out = drain(out[0]); });
    std::thread err_reader([&] { result.err = drain(err[0]); });
    remote_command_io io;
    io.stdin_fd = input ? in[0] : -1;
    io.stdout_fd = out[1];
    io.stderr_fd = err[1];
    result.code = run_remote_command(url, io);
    ::close(out[1]);
    ::close(err[1]);
    feeder.join();
    out_reader.join();
    err_reader.join();
    ::close(in[0]);
    return result;
  }

  static std::string drain(int fd) {
    std::string text;
    char buffer[4096];
    ssize_t got;
    while ((got = ::read(fd, buffer, sizeof(buffer))) > 0)
      text.append(buffer, static_cast<std::size_t>(got));
    ::close(fd);
    return text;
  }

  std::shared_ptr<host_process_stand_in> backend;
  std::unique_ptr<stream_server> server;
};

TEST_F(stream_server_test, urls_lead_to_the_servers_port_with_a_token) {
  std::string url = exec_url("true", false);
  std::string prefix = "http://127.0.0.1:" + std::to_string(server->port()) + "/exec/";
  ASSERT_EQ(url.rfind(prefix, 0), 0u) << url;
  EXPECT_EQ(url.size(), prefix.size() + 11);
  EXPECT_NE(server->port(), 0);
}

TEST_F(stream_server_test, exec_joins_stdin_stdout_and_stderr_and_reports_the_exit_code) {
  auto ran = run(exec_url("cat; echo to-stderr >&2; exit 3", true), "hello from stdin\n");
  ASSERT_TRUE(ran.code) << ran.code.error().describe();
  EXPECT_EQ(*ran.code, 3);
  EXPECT_EQ(ran.out, "hello from stdin\n");
  EXPECT_EQ(ran.err, "to-stderr\n");
}

TEST_F(stream_server_test, a_command_that_succeeds_reports_zero) {
  auto ran = run(exec_url("echo ok", false), std::nullopt);
  ASSERT_TRUE(ran.code) << ran.code.error().describe();
  EXPECT_EQ(*ran.code, 0);
  EXPECT_EQ(ran.out, "ok\n");
  EXPECT_EQ(ran.err, "");
}

TEST_F(stream_server_test, older_protocols_report_failures_as_text_and_success_as_nothing) {
  for (const char* protocol : {"v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"}) {
    SCOPED_TRACE(protocol);
    for (int code : {0, 3}) {
      int out[2];
      ASSERT_EQ(::pipe(out), 0);
      remote_command_io io;
      io.stdout_fd = out[1];
      io.stderr_fd = out[1];
      io.protocols = {protocol};
      auto ran = run_remote_command(exec_url("echo old; exit " + std::to_string(code), false), io);
      ::close(out[1]);
      EXPECT_EQ(drain(out[0]), "old\n");
      if (code == 0) {
        ASSERT_TRUE(ran) << ran.error().describe();
        EXPECT_EQ(*ran, 0);
      } else {
        ASSERT_FALSE(ran);
        EXPECT_EQ(ran.error().message(),
                  "error executing remote command: command terminated with non-zero exit code: "
                  "exit status 3");
      }
    }
  }
}

TEST_F(stream_server_test, a_client_without_a_common_protocol_is_refused) {
  remote_command_io io;
  io.protocols = {"v9.channel.k8s.io"};
  auto ran = run_remote_command(exec_url("true", false), io);
  ASSERT_FALSE(ran);
  EXPECT_NE(ran.error().message().find("403"), std::string::npos) << ran.error().message();
  EXPECT_NE(ran.error().message().find("the server speaks v4.channel.k8s.io"), std::string::npos);
  EXPECT_EQ(backend->execs, 0);
}

TEST_F(stream_server_test, large_output_arrives_whole) {
  // 3 MiB through many DATA frames.
  auto ran = run(exec_url("head -c 3145728 /dev/zero | tr '\\0' x", false), std::nullopt);
  ASSERT_TRUE(ran.code) << ran.code.error().describe();
  EXPECT_EQ(ran.out.size(), 3145728u);
  EXPECT_EQ(ran.out.find_first_not_of('x'), std::string::npos);
}

TEST_F(stream_server_test, a_token_is_good_for_one_connection) {
  std::string url = exec_url("echo once", false);
  auto first = run(url, std::nullopt);
  ASSERT_TRUE(first.code);
  EXPECT_EQ(first.out, "once\n");
  auto second = run(url, std::nullopt);
  ASSERT_FALSE(second.code);
  EXPECT_NE(second.code.error().message().find("404"), std::string::npos)
      << second.code.error().message();
  EXPECT_NE(second.code.error().message().find("unknown or expired stream token"),
            std::string::npos);
  EXPECT_EQ(backend->execs, 1);
}

TEST_F(stream_server_test, an_unknown_path_is_not_found) {
  auto ran =
      run("http://127.0.0.1:" + std::to_string(server->port()) + "/nothing/abc", std::nullopt);
  ASSERT_FALSE(ran.code);
  EXPECT_NE(ran.code.error().message().find("no such stream path"), std::string::npos);
}

TEST_F(stream_server_test, port_forward_carries_data_both_ways_on_several_connections) {
  // A one-line echo server on the host stands in for the pod's.
  loopback_echo_server echo(3);
  ASSERT_NE(echo.port(), 0);
  uint16_t remote = echo.port();

  stream_request request;
  request.kind = stream_kind::port_forward;
  request.pod_id = "stand-in";
  request.ports = {remote};
  auto url = server->url_for(request);
  ASSERT_TRUE(url);
  std::atomic<bool> stop{false};
  std::atomic<uint16_t> local{0};
  port_forward_options options;
  options.ready = [&](const std::vector<uint16_t>& ports) { local = ports.at(0); };
  options.stop = &stop;
  result<void> forwarded;
  std::thread forwarder([&] {
    forwarded = run_port_forward(*url, {forwarded_port{0, remote}}, options);
  });
  for (int i = 0; i < 100 && local == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_NE(local.load(), 0);
  for (int i = 0; i < 3; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(local);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
    std::string message = "ping " + std::to_string(i);
    ASSERT_TRUE(write_all_to_fd(fd, message));
    EXPECT_EQ(drain(fd), "echo:" + message);
  }
  stop = true;
  forwarder.join();
  echo.finish();
  EXPECT_TRUE(forwarded) << forwarded.error().describe();
}

/// What the channel WebSocket client (python3-websocket under a thin channel layer, see
/// k8s_websocket_client.py) saw: the chosen protocol, the first message, each channel's bytes;
/// or the HTTP status of a refusal.
nlohmann::json websocket_client(const std::string& url, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"tests/runtime/stream/k8s_websocket_client.py", url};
  argv.insert(argv.end(), args.begin(), args.end());
  auto ran = run_process(argv, {.timeout = std::chrono::seconds(60)});
  EXPECT_TRUE(ran && ran->succeeded()) << (ran ? ran->standard_error : ran.error().describe());
  if (!ran || !ran->succeeded()) return nlohmann::json::object();
  return nlohmann::json::parse(ran->standard_output);
}

TEST_F(stream_server_test, websocket_exec_carries_stdin_stdout_stderr_and_the_v4_status) {
  for (const char* protocol : {"v4.channel.k8s.io", "v4.base64.channel.k8s.io"}) {
    SCOPED_TRACE(protocol);
    auto seen =
        websocket_client(exec_url("read line; echo got:$line; echo to-stderr >&2; exit 3", true),
                         {"--protocol", protocol, "--send", "0:hello ws\n"});
    EXPECT_EQ(seen["protocol"], protocol);
    // The ready signal: an empty message on stdout before anything else.
    EXPECT_EQ(seen["first"], nlohmann::json::array({1, 0, ""}));
    EXPECT_EQ(seen["channels"]["1"], "got:hello ws\n");
    EXPECT_EQ(seen["channels"]["2"], "to-stderr\n");
    auto status = nlohmann::json::parse(seen["channels"].value("3", std::string("{}")));
    EXPECT_EQ(status["status"], "Failure");
    EXPECT_EQ(status["reason"], "NonZeroExitCode");
    EXPECT_EQ(status["details"]["causes"][0]["message"], "3");
  }
  auto success =
      websocket_client(exec_url("echo fine", false), {"--protocol", "v4.base64.channel.k8s.io"});
  EXPECT_EQ(success["channels"]["1"], "fine\n");
  EXPECT_EQ(success["channels"]["3"], R"({"metadata":{},"status":"Success"})");
  EXPECT_EQ(backend->execs, 3);
}

TEST_F(stream_server_test, websocket_exec_before_v4_reports_failures_as_text) {
  auto failed =
      websocket_client(exec_url("echo old; exit 4", false), {"--protocol", "channel.k8s.io"});
  EXPECT_EQ(failed["protocol"], "channel.k8s.io");
  EXPECT_EQ(failed["channels"]["1"], "old\n");
  EXPECT_EQ(failed["channels"]["3"], "command terminated with non-zero exit code: exit status 4");
  auto fine =
      websocket_client(exec_url("echo old-ok", false), {"--protocol", "base64.channel.k8s.io"});
  EXPECT_EQ(fine["protocol"], "base64.channel.k8s.io");
  EXPECT_EQ(fine["channels"]["1"], "old-ok\n");
  EXPECT_FALSE(fine["channels"].contains("3")) << fine.dump();
  // A client that names no subprotocol gets binary channels, as from the kubelet.
  auto unnamed = websocket_client(exec_url("echo plain", false), {});
  EXPECT_EQ(unnamed["protocol"], "");
  EXPECT_EQ(unnamed["channels"]["1"], "plain\n");
}

TEST_F(stream_server_test, websocket_with_no_served_subprotocol_is_refused) {
  auto refused = websocket_client(exec_url("true", false), {"--protocol", "v9.channel.k8s.io"});
  EXPECT_EQ(refused["status"], 400) << refused.dump();
  EXPECT_EQ(backend->execs, 0);
}

TEST_F(stream_server_test, websocket_port_forward_prefixes_the_port_and_carries_data) {
  loopback_echo_server echo(2);
  ASSERT_NE(echo.port(), 0);
  uint16_t remote = echo.port();
  char prefix[5];
  std::snprintf(prefix, sizeof(prefix), "%02x%02x", remote & 0xff, remote >> 8);
  for (const char* protocol : {"v4.channel.k8s.io", "v4.base64.channel.k8s.io"}) {
    SCOPED_TRACE(protocol);
    stream_request request;
    request.kind = stream_kind::port_forward;
    request.pod_id = "stand-in";
    request.ports = {remote};
    auto url = server->url_for(request);
    ASSERT_TRUE(url);
    auto seen =
        websocket_client(*url, {"--protocol", protocol, "--port-prefix", "--send", "0:ping ws"});
    EXPECT_EQ(seen["protocol"], protocol);
    EXPECT_EQ(seen["prefixes"]["0"], prefix);
    EXPECT_EQ(seen["prefixes"]["1"], prefix);
    EXPECT_EQ(seen["channels"]["0"], "echo:ping ws");
    EXPECT_EQ(seen["channels"].value("1", std::string()), "");
  }
  echo.finish();
  // A port where nothing listens: the error channel says so.
  stream_request request;
  request.kind = stream_kind::port_forward;
  request.pod_id = "stand-in";
  request.ports = {remote};
  auto url = server->url_for(request);
  ASSERT_TRUE(url);
  auto refused = websocket_client(*url, {"--protocol", "v4.channel.k8s.io", "--port-prefix"});
  EXPECT_NE(refused["channels"]
                .value("1", std::string())
                .find("error forwarding port " + std::to_string(remote) + " to pod stand-in"),
            std::string::npos)
      << refused.dump();
}

TEST(stream_server_idle, an_idle_stream_is_closed_and_a_busy_one_is_not) {
  auto backend = std::make_shared<host_process_stand_in>();
  stream_server_options options;
  options.idle_timeout = std::chrono::milliseconds(600);
  auto started = stream_server::start(options, backend);
  ASSERT_TRUE(started) << started.error().describe();
  auto& server = **started;
  auto url = [&](const std::string& command) {
    stream_request request;
    request.kind = stream_kind::exec;
    request.container_id = "stand-in";
    request.command = {command};
    request.stdout = true;
    request.stderr = true;
    return server.url_for(request).value();
  };
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  remote_command_io io;
  io.stdout_fd = out[1];
  io.stderr_fd = out[1];
  // SPDY: a command that prints nothing for 20 s is cut after the idle timeout.
  auto begin = std::chrono::steady_clock::now();
  auto quiet = run_remote_command(url("exec sleep 20"), io);
  auto took = std::chrono::steady_clock::now() - begin;
  // Cut without a status: the client has nothing to report but the end of the connection.
  if (quiet) {
    EXPECT_EQ(*quiet, 0);
  }
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_GE(took, std::chrono::milliseconds(500));
  // One that prints every 100 ms for 1.5 s stays open and ends normally.
  auto busy = run_remote_command(url("for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do echo $i; "
                                     "sleep 0.1; done; exit 4"),
                                 io);
  ASSERT_TRUE(busy) << busy.error().describe();
  EXPECT_EQ(*busy, 4);
  ::close(out[1]);
  ::close(out[0]);
  // WebSocket: the same cut.
  begin = std::chrono::steady_clock::now();
  auto seen = websocket_client(url("exec sleep 20"), {"--protocol", "v4.channel.k8s.io"});
  took = std::chrono::steady_clock::now() - begin;
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_FALSE(seen["channels"].contains("3")) << seen.dump();  // no status: it was cut
}

TEST(stream_server_tls, a_self_signed_server_serves_https) {
  stream_server_options options;
  options.tls = true;
  auto backend = std::make_shared<host_process_stand_in>();
  auto started = stream_server::start(options, backend);
  ASSERT_TRUE(started) << started.error().describe();
  stream_request request;
  request.kind = stream_kind::exec;
  request.container_id = "stand-in";
  request.command = {"cat; echo done"};
  request.stdin = true;
  request.stdout = true;
  auto url = (*started)->url_for(request);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->rfind("https://127.0.0.1:", 0), 0u) << *url;
  int in[2], out[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(out), 0);
  write_all_to_fd(in[1], "over tls\n");
  ::close(in[1]);
  remote_command_io io;
  io.stdin_fd = in[0];
  io.stdout_fd = out[1];
  io.stderr_fd = -1;
  auto code = run_remote_command(*url, io);
  ::close(out[1]);
  ::close(in[0]);
  std::string text;
  char buffer[256];
  ssize_t got;
  while ((got = ::read(out[0], buffer, sizeof(buffer))) > 0)
    text.append(buffer, static_cast<std::size_t>(got));
  ::close(out[0]);
  ASSERT_TRUE(code) << code.error().describe();
  EXPECT_EQ(*code, 0);
  EXPECT_EQ(text, "over tls\ndone\n");
}

TEST(stream_server_tls, key_pair_files_that_are_missing_or_do_not_match_name_the_key) {
  stream_server_options options;
  options.tls = true;
  options.config_file = "/etc/containerd/config.toml";
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  auto missing = stream_server::start(options, std::make_shared<host_process_stand_in>());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().where().field, "x509_key_pair_streaming.tls_cert_file");
  EXPECT_NE(missing.error().message().find("/nonexistent/cert.pem"), std::string::npos);
  // A certificate with another key.
  char folder[] = "/tmp/deshim-tls-XXXXXX";
  ASSERT_NE(::mkdtemp(folder), nullptr);
  std::string dir = folder;
  auto made = run_process({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=x", "-days", "1",
                           "-keyout", dir + "/a.key", "-out", dir + "/a.crt"});
  auto other = run_process({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-out", dir + "/b.key"});
  ASSERT_TRUE(made && made->succeeded()) << (made ? made->standard_error : "");
  ASSERT_TRUE(other && other->succeeded());
  options.tls_cert_file = dir + "/a.crt";
  options.tls_key_file = dir + "/b.key";
  auto mismatched = stream_server::start(options, std::make_shared<host_process_stand_in>());
  ASSERT_FALSE(mismatched);
  EXPECT_EQ(mismatched.error().where().field, "x509_key_pair_streaming.tls_key_file");
  // OpenSSL checks the pair as the key is loaded.
  EXPECT_NE(mismatched.error().message().find("key values mismatch"), std::string::npos)
      << mismatched.error().message();
  options.tls_key_file = dir + "/a.key";
  auto matched = stream_server::start(options, std::make_shared<host_process_stand_in>());
  EXPECT_TRUE(matched) << matched.error().describe();
  std::filesystem::remove_all(dir);
  options.tls_key_file.clear();
  auto half = stream_server::start(options, std::make_shared<host_process_stand_in>());
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().message().find("needs both"), std::string::npos);
}

TEST(stream_server_start, an_address_not_on_the_node_names_the_key) {
  stream_server_options options;
  options.address = "192.0.2.1";  // TEST-NET-1: on no machine
  options.config_file = "/etc/containerd/config.toml";
  auto started = stream_server::start(options, std::make_shared<host_process_stand_in>());
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().kind(), error_kind::invalid_input);
  EXPECT_NE(started.error().message().find("192.0.2.1 is not an address of this node"),
            std::string::npos);
  EXPECT_EQ(started.error().where().field, "stream_server_address");
}

TEST(stream_server_start, a_port_that_is_no_number_names_the_key) {
  stream_server_options options;
  options.port = "http";
  auto started = stream_server::start(options, std::make_shared<host_process_stand_in>());
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().where().field, "stream_server_port");
  stream_server_options too_big;
  too_big.port = "70000";
  EXPECT_FALSE(stream_server::start(too_big, std::make_shared<host_process_stand_in>()));
}

TEST(stream_server_start, a_port_in_use_is_an_error) {
  stream_server_options options;
  auto first = stream_server::start(options, std::make_shared<host_process_stand_in>());
  ASSERT_TRUE(first);
  options.port = std::to_string((*first)->port());
  auto second = stream_server::start(options, std::make_shared<host_process_stand_in>());
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message().find("in use"), std::string::npos);
}

TEST(stream_client_ports, mappings_parse_as_crictl_takes_them) {
  auto both = parse_forwarded_port("8080:80");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->local, 8080);
  EXPECT_EQ(both->remote, 80);
  auto same = parse_forwarded_port("8080");
  ASSERT_TRUE(same);
  EXPECT_EQ(same->local, 8080);
  EXPECT_EQ(same->remote, 8080);
  auto any = parse_forwarded_port(":80");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->local, 0);
  for (const char* bad : {"", "x", "80:", "70000", "1:2:3", "0"}) {
    auto refused = parse_forwarded_port(bad);
    EXPECT_FALSE(refused) << bad;
    if (!refused) {
      EXPECT_NE(refused.error().message().find("not a port mapping"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace deshim::runtime
