// Streaming against the runtime core as the kubelet's tools use it: crictl v1.26.1 (built
// offline by scripts/cri-tools) runs `exec`, `exec -i`, `exec -t`, `attach` and
// `port-forward` against `deshim runtime serve` with real runc, the real CNI bridge
// (198.18.67.0/24, bridge dshstr0, no masquerade) and busybox made by dockerd; deshim's own
// client (`deshim cri exec -it`, `deshim cri port-forward`) does the same. Output, exit codes
// and forwarded bytes are checked exactly, and nothing may be left behind.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/subprocess.h"
#include "harness/busybox_image.h"
#include "harness/checked_run.h"
#include "harness/cri_tools.h"
#include "harness/daemon_requirements.h"
#include "harness/docker_daemon.h"
#include "harness/http_get.h"
#include "harness/leftovers.h"
#include "harness/temp_folder.h"
#include "harness/text_files.h"
#include "integration/cri_pod_fixture.h"
#include "integration/runtime_channel.h"
#include "runtime/client/cri_client.h"
#include "runtime/client/stream_client.h"
#include "runtime/proto/cri.grpc.pb.h"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::runtime::v1;
using namespace std::chrono_literals;

constexpr const char* bridge_name = "dshstr0";
constexpr const char* hostnet_web_image = "gcr.io/k8s-staging-cri-tools/hostnet-nginx-amd64:latest";

/// What a program printed on a terminal, and how it ended.
struct terminal_run {
  std::string output;
  int exit_code = -1;
};

/// Runs `argv` on a new pseudo-terminal of 100 columns and 30 rows, as a user's shell would
/// (crictl -t refuses an input that is not a terminal). Once the output holds `wait_for`,
/// `input` is typed. Output is read until the program ends (at most 60 s).
terminal_run run_in_terminal(const std::vector<std::string>& argv, const std::string& wait_for,
                             const std::string& input) {
  terminal_run out;
  int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  char name[128];
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0 ||
      ::ptsname_r(master, name, sizeof(name)) != 0) {
    ADD_FAILURE() << "no pseudo-terminal";
    return out;
  }
  int slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  winsize size{30, 100, 0, 0};
  ::ioctl(slave, TIOCSWINSZ, &size);
  termios mode{};
  ::tcgetattr(slave, &mode);
  ::cfmakeraw(&mode);  // no local echo of what is typed before crictl makes it raw itself
  ::tcsetattr(slave, TCSANOW, &mode);
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& arg : copy)
    args.push_back(arg.data());
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    ::ioctl(slave, TIOCSCTTY, 0);
    for (int fd = 0; fd < 3; ++fd)
      ::dup2(slave, fd);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(slave);
  bool typed = false;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd fds[1] = {{master, POLLIN, 0}};
    if (::poll(fds, 1, 200) <= 0) continue;
    char buffer[4096];
    ssize_t got = ::read(master, buffer, sizeof(buffer));
    if (got <= 0) break;  // EIO: every process on the terminal is gone
    out.output.append(buffer, static_cast<std::size_t>(got));
    if (!typed && out.output.find(wait_for) != std::string::npos) {
      (void)!::write(master, input.data(), input.size());
      typed = true;
    }
  }
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  ::close(master);
  return out;
}

/// runc sets the container terminal's size just after the command started (its SIGWINCH
/// handling), so a command that asks at once may see 0x0: this prefix waits for the size.
const std::string wait_for_size =
    "while [ \"$(stty size 2>/dev/null)\" != \"30 100\" ]; do sleep 0.1; done; ";

/// A TCP port nothing listens on right now.
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

class runtime_streaming : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    auto fail = [](const std::string& what, const error& failure) {
      startup_error_ = what + ": " + failure.describe();
    };
    auto crictl = cri_tools_program("crictl");
    auto critest = cri_tools_program("critest");
    if (!crictl || !critest) return;  // SetUp says why
    crictl_ = crictl->string();
    critest_ = critest->string();
    scope_ = std::make_unique<leftover_scope>(start_leftover_scope());
    auto folder = temp_folder::create("rstream");
    if (!folder) return fail("temp folder", folder.error());
    folder_ = std::make_unique<temp_folder>(std::move(*folder));
    auto docker = docker_daemon::start();
    if (!docker) return fail("starting dockerd", docker.error());
    scope_->pids.push_back(docker->pid());
    if (auto imported = import_busybox_image(*docker, "busybox:test"); !imported)
      return fail("busybox image", imported.error());
    if (auto imported = import_busybox_image(*docker, "pause:test", sleeping_cmd); !imported)
      return fail("pause image", imported.error());
    // critest's web server image: busybox httpd answering on port 80.
    if (auto imported = import_busybox_image(
            *docker, "web:test",
            {"/bin/sh", "-c",
             "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 80 -h /www"});
        !imported)
      return fail("web image", imported.error());
    // And its host-network web server, under the name critest uses (no flag renames it):
    // httpd on 127.0.0.1:12003 of the host.
    if (auto imported = import_busybox_image(*docker, hostnet_web_image,
                                             {"/bin/sh", "-c",
                                              "mkdir -p /www && echo ok > /www/index.html && "
                                              "exec httpd -f -p 127.0.0.1:12003 -h /www"});
        !imported)
      return fail("host-network web image", imported.error());
    if (auto saved =
            docker->docker_output({"save", "-o", path("images.tar").string(), "busybox:test",
                                   "pause:test", "web:test", hostnet_web_image});
        !saved)
      return fail("docker save", saved.error());
    if (auto stopped = docker->stop_and_remove(); !stopped)
      return fail("stopping dockerd", stopped.error());
    write_text(path("net.d/10-dsh.conflist"),
               bridge_conflist("dsh-stream", bridge_name, "198.18.67.0/24", path("cni-data")));
    write_text(path("config.toml"),
               core_config_toml(folder_->path(), "docker.io/library/pause:test",
                                "  stream_server_address = \"127.0.0.1\"\n"
                                "  stream_server_port = \"0\"\n"));
    auto imported = run_checked({DESHIM_BINARY, "runtime", "import", "--config",
                                 path("config.toml").string(), path("images.tar").string()});
    if (!imported) return fail("deshim runtime import", imported.error());
    auto started = start_core_server(path("config.toml"), socket(), path("serve.log"));
    if (!started) return fail("starting the core", started.error());
    server_ = std::make_unique<child_process>(std::move(started->process));
    scope_->pids.push_back(server_->pid());
    channel_ = std::move(started->channel);
    runtime_ = v1::RuntimeService::NewStub(channel_);

    pod_config_.mutable_metadata()->set_name("streams");
    pod_config_.mutable_metadata()->set_namespace_("default");
    pod_config_.mutable_metadata()->set_uid("uid-streams");
    pod_config_.set_hostname("streams");
    pod_config_.set_log_directory(path("pods/streams").string());
    v1::RunPodSandboxRequest run;
    *run.mutable_config() = pod_config_;
    v1::RunPodSandboxResponse ran;
    auto status = runtime_->RunPodSandbox(context().get(), run, &ran);
    if (!status.ok()) {
      startup_error_ = "RunPodSandbox: " + status.error_message() + "\n" + server_log();
      return;
    }
    pod_ = ran.pod_sandbox_id();
    sleeper_ = start_container("sleeper", {"/bin/sleep", "2147483647"}, false);
    web_ = start_container("web",
                           {"/bin/sh", "-c",
                            "mkdir -p /www && echo hello-from-the-pod > /www/index.html && "
                            "exec httpd -f -p 8080 -h /www"},
                           false);
    talker_ = start_container(
        "talker", {"/bin/sh", "-c", "while read line; do echo \"got: $line\"; done; echo bye"},
        true);
  }

  static std::string start_container(const std::string& name,
                                     const std::vector<std::string>& command, bool with_stdin,
                                     bool tty = false, bool stdin_once = true) {
    v1::CreateContainerRequest create;
    create.set_pod_sandbox_id(pod_);
    *create.mutable_sandbox_config() = pod_config_;
    auto* config = create.mutable_config();
    config->mutable_metadata()->set_name(name);
    config->mutable_image()->set_image("busybox:test");
    for (const auto& arg : command)
      config->add_command(arg);
    config->set_log_path(name + ".log");
    config->set_stdin(with_stdin);
    config->set_stdin_once(with_stdin && stdin_once);
    config->set_tty(tty);
    v1::CreateContainerResponse created;
    auto status = runtime_->CreateContainer(context().get(), create, &created);
    if (!status.ok()) {
      startup_error_ = "CreateContainer " + name + ": " + status.error_message();
      return {};
    }
    v1::StartContainerRequest start;
    start.set_container_id(created.container_id());
    v1::StartContainerResponse started;
    status = runtime_->StartContainer(context().get(), start, &started);
    if (!status.ok()) startup_error_ = "StartContainer " + name + ": " + status.error_message();
    return created.container_id();
  }

  static void TearDownTestSuite() {
    if (runtime_ && !pod_.empty()) {
      v1::StopPodSandboxRequest stop;
      stop.set_pod_sandbox_id(pod_);
      v1::StopPodSandboxResponse stopped;
      (void)runtime_->StopPodSandbox(context().get(), stop, &stopped);
      v1::RemovePodSandboxRequest remove;
      remove.set_pod_sandbox_id(pod_);
      v1::RemovePodSandboxResponse removed;
      (void)runtime_->RemovePodSandbox(context().get(), remove, &removed);
    }
    if (server_) server_->stop();
    server_.reset();
    runtime_.reset();
    channel_.reset();
    if (fs::exists(fs::path("/sys/class/net") / bridge_name))
      (void)run_process({"ip", "link", "del", bridge_name});
    remove_cgroup_folders("deshim");
    std::string leftovers;
    if (scope_ && folder_) leftovers = remove_folder_and_find_leftovers(*scope_, *folder_);
    folder_.reset();
    if (!leftovers.empty()) ADD_FAILURE() << "left behind: " << leftovers;
  }

  void SetUp() override {
    DESHIM_REQUIRE_DAEMONS();
    DESHIM_REQUIRE_CRI_TOOLS();
    ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  }

  static std::unique_ptr<grpc::ClientContext> context() {
    auto out = std::make_unique<grpc::ClientContext>();
    out->set_deadline(std::chrono::system_clock::now() + 60s);
    return out;
  }
  /// The container's status once it has exited, or its last status after 5 s.
  static v1::ContainerStatusResponse status_once_exited(const std::string& id) {
    v1::ContainerStatusRequest request;
    request.set_container_id(id);
    v1::ContainerStatusResponse response;
    for (int i = 0; i < 100; ++i) {
      auto asked = runtime_->ContainerStatus(context().get(), request, &response);
      EXPECT_TRUE(asked.ok()) << asked.error_message();
      if (!asked.ok() || response.status().state() == v1::CONTAINER_EXITED) break;
      std::this_thread::sleep_for(50ms);
    }
    return response;
  }
  static fs::path path(const std::string& relative) { return folder_->path() / relative; }
  static std::string socket() { return path("deshim.sock").string(); }
  static std::string server_log() { return read_text(path("serve.log")); }

  /// crictl against the core, with `input` on stdin.
  static process_result crictl(std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(),
                {crictl_, "--runtime-endpoint", "unix://" + socket(), "--timeout", "30s"});
    auto ran = run_process(args, {.timeout = 60s, .standard_input = input});
    EXPECT_TRUE(ran) << (ran ? "" : ran.error().describe());
    return ran ? *ran : process_result{};
  }

  static inline std::string startup_error_;
  static inline std::string crictl_;
  static inline std::string critest_;
  static inline std::unique_ptr<temp_folder> folder_;
  static inline std::unique_ptr<leftover_scope> scope_;
  static inline std::unique_ptr<child_process> server_;
  static inline std::shared_ptr<grpc::Channel> channel_;
  static inline std::unique_ptr<v1::RuntimeService::Stub> runtime_;
  static inline v1::PodSandboxConfig pod_config_;
  static inline std::string pod_, sleeper_, web_, talker_;
};

TEST_F(runtime_streaming, crictl_exec_prints_the_output_and_exits_with_the_commands_code) {
  auto ran = crictl({"exec", sleeper_, "echo", "hello"});
  EXPECT_EQ(ran.exit_code, 0) << ran.standard_error << server_log();
  EXPECT_EQ(ran.standard_output, "hello\n");
  // crictl exits 1 for any failure; the code it names came through the v4 error stream.
  auto failing = crictl({"exec", sleeper_, "sh", "-c", "echo out; echo err >&2; exit 7"});
  EXPECT_EQ(failing.exit_code, 1) << failing.standard_error;
  EXPECT_EQ(failing.standard_output, "out\n");
  EXPECT_EQ(failing.standard_error.rfind("err\n", 0), 0u) << failing.standard_error;
  EXPECT_NE(failing.standard_error.find("command terminated with exit code 7"), std::string::npos)
      << failing.standard_error;
}

TEST_F(runtime_streaming, crictl_exec_i_forwards_stdin_until_its_end) {
  auto ran =
      crictl({"exec", "-i", sleeper_, "sh", "-c", "cat; echo after-eof"}, "line one\nline two\n");
  EXPECT_EQ(ran.exit_code, 0) << ran.standard_error << server_log();
  EXPECT_EQ(ran.standard_output, "line one\nline two\nafter-eof\n");
}

TEST_F(runtime_streaming, crictl_exec_t_gives_the_command_a_terminal) {
  // crictl takes -t only with -i, and only on a terminal. The command sees a terminal of the
  // size of crictl's (the resize stream), and what is typed comes back with its echo.
  std::vector<std::string> base = {
      crictl_, "--runtime-endpoint", "unix://" + socket(), "exec", "-it", sleeper_};
  auto with = [&](std::vector<std::string> command) {
    auto argv = base;
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
  };
  auto ran = run_in_terminal(
      with({"sh", "-c", wait_for_size + "tty; stty size; read line; echo \"read $line\""}),
      "30 100\r\n", "typed\r");
  EXPECT_EQ(ran.exit_code, 0) << ran.output << server_log();
  EXPECT_EQ(ran.output, "/dev/pts/0\r\n30 100\r\ntyped\r\nread typed\r\n");
  auto failing = run_in_terminal(with({"sh", "-c", "exit 3"}), "", "");
  EXPECT_EQ(failing.exit_code, 1);
  EXPECT_NE(failing.output.find("command terminated with exit code 3"), std::string::npos)
      << failing.output;
}

TEST_F(runtime_streaming, crictl_port_forward_reaches_the_pods_web_server) {
  uint16_t local = free_port();
  auto forwarder = child_process::start({crictl_, "--runtime-endpoint", "unix://" + socket(),
                                         "port-forward", pod_, std::to_string(local) + ":8080"},
                                        path("port-forward.log"));
  ASSERT_TRUE(forwarder) << forwarder.error().describe();
  result<http_response> got = error(error_kind::internal, "not tried");
  for (int i = 0; i < 100; ++i) {
    got = http_get("127.0.0.1:" + std::to_string(local), "/index.html");
    if (got) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(got) << got.error().describe() << read_text(path("port-forward.log")) << server_log();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "hello-from-the-pod\n");
  // A second connection on the same forward.
  auto again = http_get("127.0.0.1:" + std::to_string(local), "/index.html");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "hello-from-the-pod\n");
  forwarder->stop(2s);
}

TEST_F(runtime_streaming, crictl_attach_i_feeds_a_stdin_once_container_and_reads_its_output) {
  auto ran = crictl({"attach", "-i", talker_}, "hello\nworld\n");
  EXPECT_EQ(ran.exit_code, 0) << ran.standard_error << server_log();
  EXPECT_EQ(ran.standard_output, "got: hello\ngot: world\nbye\n");
  // The end of the first session's input closed the container's stdin (stdin_once): it ended.
  auto response = status_once_exited(talker_);
  EXPECT_EQ(response.status().state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(response.status().exit_code(), 0);
  // The log keeps every line the attached client saw.
  std::string log = read_text(path("pods/streams/talker.log"));
  EXPECT_NE(log.find(" stdout F got: hello\n"), std::string::npos) << log;
  EXPECT_NE(log.find(" stdout F bye\n"), std::string::npos) << log;
}

/// A tty container that waits until an attached client has sized its terminal (100x30),
/// then reads one typed line from it.
const std::vector<std::string> tty_talker_command = {
    "/bin/sh", "-c",
    wait_for_size + "echo sized; stty size; read line; echo \"tty-got:$line\"; tty"};

TEST_F(runtime_streaming, tty_containers_start_and_attach_it_types_on_their_terminal) {
  // crictl attach -it: the client's size reaches the container's terminal (resize through
  // the monitor), typed input comes back with the terminal's echo, then the command's output.
  std::string id = start_container("tty-crictl", tty_talker_command, true, true, false);
  ASSERT_TRUE(startup_error_.empty()) << startup_error_ << server_log();
  v1::ContainerStatusRequest status_request;
  status_request.set_container_id(id);
  v1::ContainerStatusResponse status;
  ASSERT_TRUE(runtime_->ContainerStatus(context().get(), status_request, &status).ok());
  EXPECT_EQ(status.status().state(), v1::CONTAINER_RUNNING);
  auto ran =
      run_in_terminal({crictl_, "--runtime-endpoint", "unix://" + socket(), "attach", "-it", id},
                      "30 100\r\n", "typed-in\r");
  EXPECT_EQ(ran.exit_code, 0) << ran.output << server_log();
  EXPECT_NE(ran.output.find("sized\r\n30 100\r\ntyped-in\r\ntty-got:typed-in\r\n/dev/pts/0\r\n"),
            std::string::npos)
      << ran.output << server_log();
  status = status_once_exited(id);
  EXPECT_EQ(status.status().state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(status.status().exit_code(), 0);
  // The log holds the terminal's output as stdout, in the CRI format (a line's \r\n ends it,
  // as containerd's log writer takes it).
  std::string log = read_text(path("pods/streams/tty-crictl.log"));
  EXPECT_NE(log.find(" stdout F tty-got:typed-in\n"), std::string::npos) << log;
  EXPECT_EQ(log.find(" stderr "), std::string::npos) << log;

  // deshim's own client, the same way.
  std::string second = start_container("tty-deshim", tty_talker_command, true, true, false);
  ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  auto own = run_in_terminal(
      {DESHIM_BINARY, "cri", "--runtime-endpoint", "unix://" + socket(), "attach", "-it", second},
      "30 100\r\n", "from-deshim\r");
  EXPECT_EQ(own.exit_code, 0) << own.output << server_log();
  EXPECT_NE(own.output.find("sized\r\n30 100\r\nfrom-deshim\r\ntty-got:from-deshim\r\n"),
            std::string::npos)
      << own.output << server_log();
}

TEST_F(runtime_streaming, a_tty_container_without_stdin_logs_its_terminal) {
  std::string id =
      start_container("tty-quiet", {"/bin/sh", "-c", "echo on-a-tty; tty"}, false, true);
  ASSERT_TRUE(startup_error_.empty()) << startup_error_ << server_log();
  auto response = status_once_exited(id);
  EXPECT_EQ(response.status().state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(response.status().exit_code(), 0);
  std::string log = read_text(path("pods/streams/tty-quiet.log"));
  EXPECT_NE(log.find(" stdout F on-a-tty\n"), std::string::npos) << log;
  EXPECT_NE(log.find(" stdout F /dev/pts/0\n"), std::string::npos) << log;
}

TEST_F(runtime_streaming, deshims_own_client_execs_attaches_and_forwards) {
  std::vector<std::string> deshim = {DESHIM_BINARY, "cri", "--runtime-endpoint",
                                     "unix://" + socket()};
  auto with = [&](std::vector<std::string> args) {
    auto argv = deshim;
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  };
  auto piped = run_process(with({"exec", "-i", sleeper_, "sh", "-c", "cat; exit 5"}),
                           {.timeout = 60s, .standard_input = "through deshim\n"});
  ASSERT_TRUE(piped);
  // As crictl: exit 1, the command's own code in the message.
  EXPECT_EQ(piped->exit_code, 1) << piped->standard_error;
  EXPECT_NE(piped->standard_error.find("command terminated with exit code 5"), std::string::npos)
      << piped->standard_error;
  EXPECT_EQ(piped->standard_output, "through deshim\n");
  auto terminal =
      run_in_terminal(with({"exec", "-it", sleeper_, "sh", "-c",
                            wait_for_size + "stty size; read line; echo \"read $line\""}),
                      "30 100\r\n", "typed\r");
  EXPECT_EQ(terminal.exit_code, 0) << terminal.output << server_log();
  EXPECT_EQ(terminal.output, "30 100\r\ntyped\r\nread typed\r\n");

  uint16_t local = free_port();
  auto forwarder = child_process::start(
      with({"port-forward", pod_, std::to_string(local) + ":8080"}), path("deshim-pf.log"));
  ASSERT_TRUE(forwarder) << forwarder.error().describe();
  result<http_response> got = error(error_kind::internal, "not tried");
  for (int i = 0; i < 100; ++i) {
    got = http_get("127.0.0.1:" + std::to_string(local), "/index.html");
    if (got) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(got) << got.error().describe() << read_text(path("deshim-pf.log"));
  EXPECT_EQ(got->body, "hello-from-the-pod\n");
  forwarder->stop(5s);
  EXPECT_NE(read_text(path("deshim-pf.log"))
                .find("Forwarding from 127.0.0.1:" + std::to_string(local) + " -> 8080"),
            std::string::npos)
      << read_text(path("deshim-pf.log"));

  auto refused = run_process(with({"port-forward", pod_, "80:"}), {.timeout = 30s});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->exit_code, 1);  // every deshim cri failure, as crictl
  EXPECT_NE(refused->standard_error.find("\"80:\" is not a port mapping"), std::string::npos)
      << refused->standard_error;
}

// critest's own streaming specs (exec without and with a tty, attach, port-forward in the
// pod's network and in the host's), the conformance target: every one passes against the core.
TEST_F(runtime_streaming, critest_streaming_specs_pass) {
  write_text(path("test-images.yaml"),
             "defaultTestContainerImage: docker.io/library/busybox:test\n"
             "webServerTestImage: docker.io/library/web:test\n");
  auto ran =
      run_process({critest_, "--runtime-endpoint", "unix://" + socket(), "--image-endpoint",
                   "unix://" + socket(), "--test-images-file", path("test-images.yaml").string(),
                   "--ginkgo.focus", "Streaming", "--ginkgo.no-color"},
                  {.timeout = std::chrono::minutes(10)});
  ASSERT_TRUE(ran) << ran.error().describe();
  std::string output = ran->standard_output + ran->standard_error;
  EXPECT_EQ(ran->exit_code, 0) << output << server_log();
  EXPECT_NE(output.find("Ran 5 of"), std::string::npos) << output;
  EXPECT_NE(output.find("5 Passed | 0 Failed"), std::string::npos) << output;
}

TEST_F(runtime_streaming, a_streaming_url_is_good_once) {
  v1::ExecRequest request;
  request.set_container_id(sleeper_);
  request.add_cmd("echo");
  request.add_cmd("once");
  request.set_stdout(true);
  request.set_stderr(true);
  v1::ExecResponse response;
  ASSERT_TRUE(runtime_->Exec(context().get(), request, &response).ok());
  EXPECT_EQ(response.url().rfind("http://127.0.0.1:", 0), 0u) << response.url();
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  runtime::remote_command_io io;
  io.stdout_fd = out[1];
  io.stderr_fd = out[1];
  auto first = runtime::run_remote_command(response.url(), io);
  ::close(out[1]);
  char buffer[64];
  ssize_t got = ::read(out[0], buffer, sizeof(buffer));
  ::close(out[0]);
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_EQ(*first, 0);
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(std::max<ssize_t>(got, 0))), "once\n");
  auto second = runtime::run_remote_command(response.url(), io);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message().find("unknown or expired stream token"), std::string::npos);
}

/// The WebSocket forms through a real WebSocket client (Debian's python3-websocket under the
/// thin channel layer of tests/runtime/stream/k8s_websocket_client.py).
nlohmann::json websocket_client(const std::string& url, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"tests/runtime/stream/k8s_websocket_client.py", url};
  argv.insert(argv.end(), args.begin(), args.end());
  auto ran = run_process(argv, {.timeout = 60s});
  EXPECT_TRUE(ran && ran->succeeded()) << (ran ? ran->standard_error : ran.error().describe());
  if (!ran || !ran->succeeded()) return nlohmann::json::object();
  return nlohmann::json::parse(ran->standard_output);
}

TEST_F(runtime_streaming, websocket_exec_and_port_forward_reach_the_container_and_the_pod) {
  for (const char* protocol : {"v4.channel.k8s.io", "v4.base64.channel.k8s.io"}) {
    SCOPED_TRACE(protocol);
    v1::ExecRequest request;
    request.set_container_id(sleeper_);
    for (const char* arg : {"sh", "-c", "read line; echo in:$line; echo oops >&2; exit 6"})
      request.add_cmd(arg);
    request.set_stdin(true);
    request.set_stdout(true);
    request.set_stderr(true);
    v1::ExecResponse response;
    ASSERT_TRUE(runtime_->Exec(context().get(), request, &response).ok());
    auto seen = websocket_client(response.url(), {"--protocol", protocol, "--send", "0:typed\n"});
    EXPECT_EQ(seen["protocol"], protocol) << seen.dump() << server_log();
    EXPECT_EQ(seen["channels"]["1"], "in:typed\n");
    EXPECT_EQ(seen["channels"]["2"], "oops\n");
    auto status = nlohmann::json::parse(seen["channels"].value("3", std::string("{}")));
    EXPECT_EQ(status["reason"], "NonZeroExitCode") << seen.dump();
    EXPECT_EQ(status["details"]["causes"][0]["message"], "6");
  }
  v1::PortForwardRequest forward;
  forward.set_pod_sandbox_id(pod_);
  forward.add_port(8080);
  v1::PortForwardResponse forwarded;
  ASSERT_TRUE(runtime_->PortForward(context().get(), forward, &forwarded).ok());
  auto seen = websocket_client(forwarded.url(),
                               {"--protocol", "v4.channel.k8s.io", "--port-prefix", "--send",
                                "0:GET /index.html HTTP/1.0\r\nHost: pod\r\n\r\n"});
  EXPECT_EQ(seen["prefixes"]["0"], "901f");  // 8080, little-endian
  EXPECT_EQ(seen["prefixes"]["1"], "901f");
  std::string reply = seen["channels"].value("0", std::string());
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK", 0), 0u) << seen.dump() << server_log();
  EXPECT_NE(reply.find("\r\n\r\nhello-from-the-pod\n"), std::string::npos) << reply;
  EXPECT_EQ(seen["channels"].value("1", std::string()), "");
}

TEST_F(runtime_streaming, exec_in_a_missing_container_is_not_found) {
  v1::ExecRequest request;
  request.set_container_id("no-such-container");
  request.add_cmd("true");
  request.set_stdout(true);
  v1::ExecResponse response;
  auto status = runtime_->Exec(context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  request.set_container_id(sleeper_);
  request.set_tty(true);
  request.set_stderr(true);
  status = runtime_->Exec(context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("tty and stderr cannot both be true"), std::string::npos);
}

// Last, as it restarts the core: with enable_tls_streaming and no key pair, the core makes a
// self-signed certificate, its URLs are https, and crictl (which does not verify the stream
// server's certificate, as the kubelet's proxy) and deshim's client exec over TLS in the
// container that outlived the restart.
TEST_F(runtime_streaming, zz_tls_streaming_after_a_restart_with_a_self_signed_certificate) {
  std::string config = read_text(path("config.toml"));
  std::string tls_config = config;
  tls_config.replace(tls_config.find("  stream_server_port"), 0, "  enable_tls_streaming = true\n");
  write_text(path("config.toml"), tls_config);
  server_->stop();
  runtime_.reset();
  channel_.reset();
  auto started = start_core_server(path("config.toml"), socket(), path("serve-tls.log"));
  ASSERT_TRUE(started) << started.error().describe();
  server_ = std::make_unique<child_process>(std::move(started->process));
  scope_->pids.push_back(server_->pid());
  channel_ = std::move(started->channel);
  runtime_ = v1::RuntimeService::NewStub(channel_);
  EXPECT_NE(read_text(path("serve-tls.log")).find("on https://127.0.0.1:"), std::string::npos)
      << read_text(path("serve-tls.log"));

  auto ran = crictl({"exec", "-i", sleeper_, "sh", "-c", "cat; echo over-tls"}, "secret\n");
  EXPECT_EQ(ran.exit_code, 0) << ran.standard_error << read_text(path("serve-tls.log"));
  EXPECT_EQ(ran.standard_output, "secret\nover-tls\n");
  auto own = run_process({DESHIM_BINARY, "cri", "--runtime-endpoint", "unix://" + socket(), "exec",
                          "-i", sleeper_, "sh", "-c", "cat; exit 4"},
                         {.timeout = 60s, .standard_input = "deshim over tls\n"});
  ASSERT_TRUE(own);
  // As crictl: exit 1, the command's own code in the message.
  EXPECT_EQ(own->exit_code, 1) << own->standard_error;
  EXPECT_NE(own->standard_error.find("command terminated with exit code 4"), std::string::npos)
      << own->standard_error;
  EXPECT_EQ(own->standard_output, "deshim over tls\n");
}

// Interop: deshim's own client (`deshim cri exec -i/-t`, `attach -i`, `port-forward`) against
// the harness's containerd 1.6 and its stream server, on the CNI bridge dshstc0
// (198.18.68.0/24, no masquerade), pods under the cgroup parent /dshstream.
class containerd_streaming : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    scope_ = std::make_unique<leftover_scope>(start_leftover_scope());
    auto folder = temp_folder::create("cstream");
    if (!folder) {
      startup_error_ = folder.error().describe();
      return;
    }
    folder_ = std::make_unique<temp_folder>(std::move(*folder));
    auto containerd = start_containerd_with_pod_images("cstream", *folder_, *scope_);
    if (!containerd) {
      startup_error_ = containerd.error().describe();
      return;
    }
    containerd_ = std::make_unique<containerd_daemon>(std::move(*containerd));
    write_text_file(
        containerd_->layout().cni_conf_dir() / "10-dsh.conflist",
        bridge_conflist("dsh-cstream", "dshstc0", "198.18.68.0/24", folder_->path() / "cni-data"));
    auto client = runtime::cri_client::connect(containerd_->socket_path().string(), 60s);
    if (!client) {
      startup_error_ = client.error().describe();
      return;
    }
    client_ = std::make_unique<runtime::cri_client>(std::move(*client));
    pod_config_.mutable_metadata()->set_name("cstreams");
    pod_config_.mutable_metadata()->set_namespace_("default");
    pod_config_.mutable_metadata()->set_uid("uid-cstreams");
    pod_config_.set_log_directory((folder_->path() / "pods").string());
    pod_config_.mutable_linux()->set_cgroup_parent("/dshstream");
    auto pod = client_->run_pod_sandbox(pod_config_);
    if (!pod) {
      startup_error_ = "RunPodSandbox: " + pod.error().describe();
      return;
    }
    pod_ = *pod;
    sleeper_ = start("sleeper", {"/bin/sleep", "2147483647"}, false);
    web_ = start("web",
                 {"/bin/sh", "-c",
                  "mkdir -p /www && echo hello-from-containerd > /www/index.html && "
                  "exec httpd -f -p 8080 -h /www"},
                 false);
    talker_ =
        start("talker",
              {"/bin/sh", "-c", "while read line; do echo \"got: $line\"; done; echo bye"}, true);
  }

  static std::string start(const std::string& name, const std::vector<std::string>& command,
                           bool with_stdin) {
    v1::ContainerConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_image()->set_image("docker.io/library/busybox:test");
    for (const auto& arg : command)
      config.add_command(arg);
    config.set_log_path(name + ".log");
    config.set_stdin(with_stdin);
    config.set_stdin_once(with_stdin);
    auto id = client_->create_container(pod_, config, pod_config_);
    if (!id) {
      startup_error_ = "CreateContainer " + name + ": " + id.error().describe();
      return {};
    }
    if (auto started = client_->start_container(*id); !started)
      startup_error_ = "StartContainer " + name + ": " + started.error().describe();
    return *id;
  }

  static void TearDownTestSuite() {
    if (client_ && !pod_.empty()) {
      (void)client_->stop_pod_sandbox(pod_);
      (void)client_->remove_pod_sandbox(pod_);
    }
    client_.reset();
    if (containerd_) (void)containerd_->stop_and_remove();
    containerd_.reset();
    remove_pod_host_leftovers("dshstc0", "dshstream");
    if (scope_ && folder_) {
      std::string left = remove_folder_and_find_leftovers(*scope_, *folder_);
      if (!left.empty()) ADD_FAILURE() << "left behind: " << left;
    }
    folder_.reset();
    scope_.reset();
  }

  void SetUp() override {
    DESHIM_REQUIRE_DAEMONS();
    ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  }

  static std::vector<std::string> deshim_cri(std::vector<std::string> args) {
    std::vector<std::string> argv = {DESHIM_BINARY, "cri", "--runtime-endpoint",
                                     "unix://" + containerd_->socket_path().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  static inline std::string startup_error_;
  static inline std::unique_ptr<temp_folder> folder_;
  static inline std::unique_ptr<leftover_scope> scope_;
  static inline std::unique_ptr<containerd_daemon> containerd_;
  static inline std::unique_ptr<runtime::cri_client> client_;
  static inline v1::PodSandboxConfig pod_config_;
  static inline std::string pod_, sleeper_, web_, talker_;
};

TEST_F(containerd_streaming, deshim_cri_exec_i_and_exec_it_against_containerd) {
  auto piped = run_process(deshim_cri({"exec", "-i", sleeper_, "sh", "-c", "cat; exit 5"}),
                           {.timeout = 60s, .standard_input = "through containerd\n"});
  ASSERT_TRUE(piped);
  // As crictl: exit 1, the command's own code in the message.
  EXPECT_EQ(piped->exit_code, 1) << piped->standard_error;
  EXPECT_NE(piped->standard_error.find("command terminated with exit code 5"), std::string::npos)
      << piped->standard_error;
  EXPECT_EQ(piped->standard_output, "through containerd\n");
  auto terminal = run_in_terminal(
      deshim_cri({"exec", "-it", sleeper_, "sh", "-c",
                  wait_for_size + "tty; stty size; read line; echo \"read $line\""}),
      "30 100\r\n", "typed\r");
  EXPECT_EQ(terminal.exit_code, 0) << terminal.output;
  EXPECT_EQ(terminal.output, "/dev/pts/0\r\n30 100\r\ntyped\r\nread typed\r\n");
}

TEST_F(containerd_streaming, deshim_cri_attach_i_against_containerd) {
  auto ran = run_process(deshim_cri({"attach", "-i", talker_}),
                         {.timeout = 60s, .standard_input = "hello\nworld\n"});
  ASSERT_TRUE(ran);
  EXPECT_EQ(ran->exit_code, 0) << ran->standard_error;
  EXPECT_EQ(ran->standard_output, "got: hello\ngot: world\nbye\n");
}

TEST_F(containerd_streaming, deshim_cri_port_forward_against_containerd) {
  uint16_t local = free_port();
  auto forwarder =
      child_process::start(deshim_cri({"port-forward", pod_, std::to_string(local) + ":8080"}),
                           folder_->path() / "pf.log");
  ASSERT_TRUE(forwarder) << forwarder.error().describe();
  result<http_response> got = error(error_kind::internal, "not tried");
  for (int i = 0; i < 100; ++i) {
    got = http_get("127.0.0.1:" + std::to_string(local), "/index.html");
    if (got) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(got) << got.error().describe() << read_text(folder_->path() / "pf.log");
  EXPECT_EQ(got->body, "hello-from-containerd\n");
  auto again = http_get("127.0.0.1:" + std::to_string(local), "/index.html");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "hello-from-containerd\n");
  forwarder->stop(5s);
}

}  // namespace
}  // namespace deshim::testing
