// The three executables are static (issue 21): `ldd` finds no shared library in any of them,
// and deshim runs from a folder that holds nothing but them, /etc/ssl/certs and a node fixture,
// entered with chroot: `deshim version`, `deshim analyze --root /node`, and a name resolved
// through the chroot's own /etc/hosts (c-ares, not the host's glibc NSS modules) to reach the
// Kubernetes API server stand-in (tests/harness/kube_api_stand_in.py) over HTTPS.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/subprocess.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path binary_folder = fs::path(DESHIM_BINARY).parent_path();
const char* const executables[] = {"deshim", "deshim-cri", "deshim-monitor"};

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

process_result must_run(const std::vector<std::string>& argv) {
  run_options options;
  options.timeout = std::chrono::seconds(60);
  auto run = run_process(argv, options);
  EXPECT_TRUE(run) << run.error().describe();
  return run ? *run : process_result{};
}

bool sanitizer_build() {
#ifdef DESHIM_SANITIZER_BUILD
  return true;
#else
  return false;
#endif
}

TEST(static_executables, ldd_finds_no_shared_library_in_any_of_them) {
  if (sanitizer_build()) GTEST_SKIP() << "the sanitizer build links dynamically (no static ASan)";
  for (const char* name : executables) {
    auto run = must_run({"ldd", (binary_folder / name).string()});
    EXPECT_NE((run.standard_output + run.standard_error).find("not a dynamic executable"),
              std::string::npos)
        << name << ": " << run.standard_output << run.standard_error;
  }
}

class static_chroot : public ::testing::Test {
 protected:
  void SetUp() override {
    if (sanitizer_build()) GTEST_SKIP() << "the sanitizer build links dynamically";
    if (::geteuid() != 0) {
      if (std::getenv("CI") != nullptr) FAIL() << "CI=true, yet chroot needs root";
      GTEST_SKIP() << "chroot needs root";
    }
    char pattern[] = "/tmp/deshim-chroot-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    work_ = pattern;
    root_ = work_ / "root";
    fs::create_directories(root_ / "bin");
    for (const char* name : executables)
      fs::copy_file(binary_folder / name, root_ / "bin" / name);
    // The trust store as a node has it (links resolved: their targets are outside the chroot).
    auto certs = must_run({"cp", "-rL", "/etc/ssl", (root_ / "etc").string() + "/"});
    ASSERT_EQ(certs.exit_code, 0) << certs.standard_error;
    fs::copy(fs::path(DESHIM_SOURCE_DIR) / "examples/nodes/tke-docker", root_ / "node",
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    // The API server's name exists only in the chroot's hosts file; the name server listed
    // is loopback's port 53, where nothing listens (a query is refused at once, and no packet
    // leaves the machine), so only a resolver that reads this /etc/hosts finds it.
    write_text(root_ / "etc/hosts", "127.0.0.1 localhost\n127.0.0.1 kubernetes.default.svc\n");
    write_text(root_ / "etc/resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
  }
  void TearDown() override {
    if (server_) server_->stop(std::chrono::seconds(2));
    if (!work_.empty()) fs::remove_all(work_);
  }

  process_result in_chroot(const std::vector<std::string>& argv) {
    std::vector<std::string> full = {"chroot", root_.string()};
    full.insert(full.end(), argv.begin(), argv.end());
    return must_run(full);
  }

  /// The certificates of the stand-in (server for kubernetes.default.svc) and its port.
  std::string start_api_server() {
    const fs::path certs = work_ / "certs";
    fs::create_directories(certs);
    write_text(certs / "server.ext", "subjectAltName=DNS:kubernetes.default.svc\n");
    const std::string ec = "ec:" + (certs / "curve.pem").string();
    std::vector<std::vector<std::string>> steps = {
        {"openssl", "ecparam", "-name", "prime256v1", "-out", (certs / "curve.pem").string()},
        {"openssl", "req", "-x509", "-newkey", ec, "-nodes", "-keyout", (certs / "ca.key").string(),
         "-out", (certs / "ca.crt").string(), "-days", "2", "-subj", "/CN=stand-in-ca"},
        {"openssl", "req", "-newkey", ec, "-nodes", "-keyout", (certs / "server.key").string(),
         "-out", (certs / "server.csr").string(), "-subj", "/CN=kube-apiserver"},
        {"openssl", "x509", "-req", "-in", (certs / "server.csr").string(), "-CA",
         (certs / "ca.crt").string(), "-CAkey", (certs / "ca.key").string(), "-CAcreateserial",
         "-out", (certs / "server.crt").string(), "-days", "2", "-extfile",
         (certs / "server.ext").string()}};
    for (const auto& step : steps) {
      auto made = must_run(step);
      EXPECT_EQ(made.exit_code, 0) << step[1] << ": " << made.standard_error;
    }
    json container = {{"name", "main"}, {"image", "registry.example/app:1"}};
    json pods = json::array(
        {{{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "web"}, {"namespace", "apps"}}},
          {"spec", {{"nodeName", "10.0.3.17"}, {"containers", json::array({container})}}}}});
    write_text(work_ / "pods.json", pods.dump());
    auto started = child_process::start(
        {"python3", std::string(DESHIM_SOURCE_DIR) + "/tests/harness/kube_api_stand_in.py",
         "--cert", (certs / "server.crt").string(), "--key", (certs / "server.key").string(),
         "--client-ca", (certs / "ca.crt").string(), "--token", "chroot-token", "--forbidden-token",
         "not-this-one", "--pods", (work_ / "pods.json").string(), "--port-file",
         (work_ / "port").string(), "--request-log", (work_ / "requests.jsonl").string()},
        work_ / "stand-in.log");
    EXPECT_TRUE(started) << started.error().describe();
    if (!started) return "";
    server_.emplace(std::move(*started));
    for (int i = 0; i < 200 && !fs::exists(work_ / "port"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return read_text(work_ / "port");
  }

  fs::path work_;
  fs::path root_;
  std::optional<child_process> server_;
};

TEST_F(static_chroot, deshim_runs_alone_analyzes_the_node_and_resolves_through_its_hosts_file) {
  auto version = in_chroot({"/bin/deshim", "version"});
  EXPECT_EQ(version.exit_code, 0) << version.standard_error;
  EXPECT_EQ(version.standard_output.rfind("deshim ", 0), 0u) << version.standard_output;

  std::string port = start_api_server();
  ASSERT_FALSE(port.empty()) << read_text(work_ / "stand-in.log");
  auto ca = must_run({"base64", "-w0", (work_ / "certs/ca.crt").string()});
  write_text(root_ / "kubeconfig",
             "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n"
             "  cluster:\n    server: https://kubernetes.default.svc:" +
                 port + "\n    certificate-authority-data: " + ca.standard_output +
                 "\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n"
                 "users:\n- name: u\n  user:\n    token: chroot-token\n");

  auto analyzed =
      in_chroot({"/bin/deshim", "analyze", "--root", "/node", "--kubeconfig", "/kubeconfig",
                 "--kubernetes-version", "1.20.6", "--fail-on", "never", "-o", "json"});
  ASSERT_EQ(analyzed.exit_code, 0) << analyzed.standard_error;
  json report = json::parse(analyzed.standard_output);
  EXPECT_EQ(report["node"]["os_id"], "tencentos");
  EXPECT_EQ(report["node"]["node_name"], "10.0.3.17");
  json api;
  for (const auto& input : report["inputs"]) {
    if (input["kind"] == "API server pods") api = input;
  }
  ASSERT_FALSE(api.is_null()) << report["inputs"].dump(1);
  EXPECT_EQ(api["status"], "read") << api.dump();
  EXPECT_EQ(api["detail"], "1 pod bound to 10.0.3.17 in 1 page") << api.dump();
  bool blocker_rule = false;
  for (const auto& finding : report["findings"])
    blocker_rule = blocker_rule || finding["rule"] == "docker-live-restore";
  EXPECT_TRUE(blocker_rule) << report["findings"].dump(1);

  // A name that is in no hosts file fails with the name (and no NSS module is asked).
  write_text(root_ / "kubeconfig2",
             "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n"
             "  cluster:\n    server: https://nowhere.deshim.test:" +
                 port + "\n    certificate-authority-data: " + ca.standard_output +
                 "\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n"
                 "users:\n- name: u\n  user:\n    token: chroot-token\n");
  auto unresolved = in_chroot({"/bin/deshim", "analyze", "--root", "/node", "--kubeconfig",
                               "/kubeconfig2", "--kubernetes-version", "1.20.6", "-o", "json"});
  EXPECT_EQ(unresolved.exit_code, 3) << unresolved.standard_error;
  EXPECT_NE(unresolved.standard_error.find("cannot resolve nowhere.deshim.test"), std::string::npos)
      << unresolved.standard_error;
}

}  // namespace
}  // namespace deshim
