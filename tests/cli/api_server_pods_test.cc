// `deshim analyze --kubeconfig` and in-cluster access against a stand-in of the Kubernetes API
// server (tests/harness/kube_api_stand_in.py: HTTPS, tokens and client certificates, field
// selectors, chunked lists and Status errors as the API server documents them; Debian has no API
// server to run). Certificates are made for each run with the openssl command.
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

const std::string stand_in_script =
    std::string(DESHIM_SOURCE_DIR) + "/tests/harness/kube_api_stand_in.py";
constexpr const char* good_token = "stand-in-token-for-deshim";
constexpr const char* forbidden_token = "stand-in-token-without-rights";

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream(file) << text;
}

std::string base64_of_file(const fs::path& file) {
  auto encoded = run_process({"base64", "-w0", file.string()});
  return encoded && encoded->succeeded() ? encoded->standard_output : std::string();
}

/// A pod on `node`; with `docker_socket`, it mounts Docker's socket (a blocker).
json pod(const std::string& name, const std::string& node, bool docker_socket = false) {
  json container = {{"name", "main"}, {"image", "registry.example/app:1"}};
  json spec = {{"nodeName", node}, {"containers", json::array({container})}};
  if (docker_socket) {
    spec["containers"][0]["volumeMounts"] =
        json::array({{{"name", "sock"}, {"mountPath", "/var/run/docker.sock"}}});
    spec["volumes"] =
        json::array({{{"name", "sock"}, {"hostPath", {{"path", "/var/run/docker.sock"}}}}});
  }
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "apps"}}},
          {"spec", spec}};
}

class api_server_pods : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/deshim-api-certs-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    certs_ = pattern;
    // A CA, the server's certificate for 127.0.0.1, a client certificate, and a second CA that
    // signed nothing here (a kubeconfig that trusts it must fail verification).
    write_text(certs_ / "server.ext", "subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc\n");
    write_text(certs_ / "client.ext", "extendedKeyUsage=clientAuth\n");
    const std::string ec = "ec:" + (certs_ / "curve.pem").string();
    std::vector<std::vector<std::string>> steps = {
        {"openssl", "ecparam", "-name", "prime256v1", "-out", (certs_ / "curve.pem").string()},
        {"openssl", "req", "-x509", "-newkey", ec, "-nodes", "-keyout",
         (certs_ / "ca.key").string(), "-out", (certs_ / "ca.crt").string(), "-days", "2", "-subj",
         "/CN=stand-in-ca"},
        {"openssl", "req", "-x509", "-newkey", ec, "-nodes", "-keyout",
         (certs_ / "other-ca.key").string(), "-out", (certs_ / "other-ca.crt").string(), "-days",
         "2", "-subj", "/CN=other-ca"}};
    for (const char* name : {"server", "client"}) {
      const std::string base = (certs_ / name).string();
      steps.push_back(
          {"openssl", "req", "-newkey", ec, "-nodes", "-keyout", base + ".key", "-out",
           base + ".csr", "-subj",
           std::string("/CN=") + (std::string(name) == "server" ? "kube-apiserver" : "deshim")});
      steps.push_back({"openssl", "x509", "-req", "-in", base + ".csr", "-CA",
                       (certs_ / "ca.crt").string(), "-CAkey", (certs_ / "ca.key").string(),
                       "-CAcreateserial", "-out", base + ".crt", "-days", "2", "-extfile",
                       base + ".ext"});
    }
    for (const auto& step : steps) {
      auto made = run_process(step);
      ASSERT_TRUE(made && made->succeeded())
          << step[1] << ": " << (made ? made->standard_error : made.error().describe());
    }
  }
  static void TearDownTestSuite() { fs::remove_all(certs_); }

  void SetUp() override {
    char pattern[] = "/tmp/deshim-api-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    work_ = pattern;
    fs::create_directories(work_ / "root");
  }
  void TearDown() override {
    if (server_) server_->stop(std::chrono::seconds(2));
    fs::remove_all(work_);
  }

  /// Starts the stand-in serving `pods`; returns its https:// address.
  std::string start_server(const json& pods, bool expire_continue = false) {
    write_text(work_ / "pods.json", pods.dump());
    std::vector<std::string> argv = {"python3",
                                     stand_in_script,
                                     "--cert",
                                     (certs_ / "server.crt").string(),
                                     "--key",
                                     (certs_ / "server.key").string(),
                                     "--client-ca",
                                     (certs_ / "ca.crt").string(),
                                     "--token",
                                     good_token,
                                     "--forbidden-token",
                                     forbidden_token,
                                     "--pods",
                                     (work_ / "pods.json").string(),
                                     "--port-file",
                                     (work_ / "port").string(),
                                     "--request-log",
                                     (work_ / "requests.jsonl").string()};
    if (expire_continue) argv.push_back("--expire-continue");
    auto started = child_process::start(argv, work_ / "stand-in.log");
    EXPECT_TRUE(started) << started.error().describe();
    if (!started) return "";
    server_.emplace(std::move(*started));
    for (int i = 0; i < 200 && !fs::exists(work_ / "port"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(fs::exists(work_ / "port")) << read_text(work_ / "stand-in.log");
    return "https://127.0.0.1:" + read_text(work_ / "port");
  }

  /// A kubeconfig for `server`; `user` is the YAML of the user entry's body.
  fs::path kubeconfig(const std::string& server, const std::string& user,
                      const std::string& ca_line = "") {
    std::string ca = ca_line.empty()
                         ? "    certificate-authority: " + (certs_ / "ca.crt").string() + "\n"
                         : ca_line;
    fs::path file = work_ / "kubeconfig";
    write_text(file,
               "apiVersion: v1\nkind: Config\ncurrent-context: stand-in\nclusters:\n"
               "- name: stand-in\n  cluster:\n    server: " +
                   server + "\n" + ca +
                   "contexts:\n- name: stand-in\n  context:\n    cluster: stand-in\n"
                   "    user: deshim\nusers:\n- name: deshim\n  user:\n" +
                   user);
    return file;
  }

  process_result analyze(const std::vector<std::string>& extra,
                         const std::vector<std::string>& environment = {}) {
    std::vector<std::string> argv = {DESHIM_BINARY, "analyze", "--root", (work_ / "root").string(),
                                     "--node-name", "node-a",  "-o",     "json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    run_options options;
    options.extra_environment = environment;
    options.timeout = std::chrono::seconds(60);
    auto run = run_process(argv, options);
    EXPECT_TRUE(run) << run.error().describe();
    return run ? *run : process_result{};
  }

  std::vector<json> requests() {
    std::vector<json> out;
    std::ifstream in(work_ / "requests.jsonl");
    for (std::string line; std::getline(in, line);)
      out.push_back(json::parse(line));
    return out;
  }

  static json api_input(const json& report) {
    for (const auto& input : report["inputs"]) {
      if (input["kind"] == "API server pods") return input;
    }
    return nullptr;
  }

  static inline fs::path certs_;
  fs::path work_;
  std::optional<child_process> server_;
};

TEST_F(api_server_pods, reads_this_nodes_pods_in_pages_with_a_token) {
  json pods = json::array();
  for (int i = 0; i < 1201; ++i)
    pods.push_back(pod("web-" + std::to_string(i), "node-a"));
  pods.push_back(pod("builder", "node-a", true));
  for (int i = 0; i < 300; ++i)
    pods.push_back(pod("other-" + std::to_string(i), "node-b"));
  pods.push_back(pod("other-builder", "node-b", true));
  std::string server = start_server(pods);
  ASSERT_FALSE(server.empty());

  auto run = analyze({"--kubeconfig",
                      kubeconfig(server, std::string("    token: ") + good_token + "\n").string()});
  EXPECT_EQ(run.exit_code, 1) << run.standard_error;  // the builder pod is a blocker
  json report = json::parse(run.standard_output);
  json input = api_input(report);
  ASSERT_FALSE(input.is_null()) << report["inputs"].dump(1);
  EXPECT_EQ(input["status"], "read");
  EXPECT_EQ(input["detail"], "1202 pods bound to node-a in 3 pages");

  // The blocker of this node's pod, not the one of the pod on node-b.
  std::vector<std::string> blocked;
  for (const auto& finding : report["findings"]) {
    if (finding["rule"] == "docker-api-socket-hostpath") {
      blocked.push_back(finding["target"]["name"].get<std::string>());
    }
  }
  EXPECT_EQ(blocked, std::vector<std::string>{"builder"});

  // What the API server saw: the node's field selector, 500 per page, two continue tokens.
  auto seen = requests();
  ASSERT_EQ(seen.size(), 3u);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i]["path"], "/api/v1/pods");
    EXPECT_EQ(seen[i]["auth"], "token");
    const std::string query = seen[i]["query"];
    EXPECT_EQ(query.rfind("fieldSelector=spec.nodeName%3Dnode-a&limit=500", 0), 0u) << query;
    EXPECT_EQ(query.find("&continue=") != std::string::npos, i > 0) << query;
  }
}

TEST_F(api_server_pods, a_client_certificate_from_kubeconfig_data_fields) {
  std::string server = start_server(json::array({pod("web", "node-a")}));
  ASSERT_FALSE(server.empty());
  auto file =
      kubeconfig(server,
                 "    client-certificate-data: " + base64_of_file(certs_ / "client.crt") +
                     "\n    client-key-data: " + base64_of_file(certs_ / "client.key") + "\n",
                 "    certificate-authority-data: " + base64_of_file(certs_ / "ca.crt") + "\n");
  auto run = analyze({"--kubeconfig", file.string()});
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  EXPECT_EQ(api_input(json::parse(run.standard_output))["detail"],
            "1 pod bound to node-a in 1 page");
  auto seen = requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0]["auth"], "client-certificate");
}

TEST_F(api_server_pods, in_cluster_with_the_service_account_token) {
  std::string server = start_server(json::array({pod("web", "node-a"), pod("x", "node-b")}));
  ASSERT_FALSE(server.empty());
  fs::create_directories(work_ / "serviceaccount");
  write_text(work_ / "serviceaccount/token", std::string(good_token) + "\n");
  fs::copy_file(certs_ / "ca.crt", work_ / "serviceaccount/ca.crt");
  auto run = analyze({}, {"KUBERNETES_SERVICE_HOST=127.0.0.1",
                          "KUBERNETES_SERVICE_PORT=" + read_text(work_ / "port"),
                          "DESHIM_SERVICE_ACCOUNT_DIR=" + (work_ / "serviceaccount").string()});
  EXPECT_EQ(run.exit_code, 0) << run.standard_error;
  json input = api_input(json::parse(run.standard_output));
  EXPECT_EQ(input["detail"], "1 pod bound to node-a in 1 page");
  EXPECT_NE(input["path"].get<std::string>().find("in-cluster service account"), std::string::npos);
}

TEST_F(api_server_pods, refused_credentials_give_the_apis_status_message_and_exit_3) {
  std::string server = start_server(json::array({pod("web", "node-a")}));
  ASSERT_FALSE(server.empty());
  auto wrong = analyze({"--kubeconfig", kubeconfig(server, "    token: not-the-token\n").string()});
  EXPECT_EQ(wrong.exit_code, 3);
  EXPECT_EQ(wrong.standard_output, "");
  EXPECT_NE(
      wrong.standard_error.find("answered GET /api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a"
                                "&limit=500 with HTTP 401: Unauthorized (reason Unauthorized)"),
      std::string::npos)
      << wrong.standard_error;
  EXPECT_NE(wrong.standard_error.find("hint: the API server refused the credentials"),
            std::string::npos);

  auto forbidden =
      analyze({"--kubeconfig",
               kubeconfig(server, std::string("    token: ") + forbidden_token + "\n").string()});
  EXPECT_EQ(forbidden.exit_code, 3);
  EXPECT_NE(
      forbidden.standard_error.find(
          "with HTTP 403: pods is forbidden: User \"system:serviceaccount:default:no-rights\" "
          "cannot list resource \"pods\" in API group \"\" at the cluster scope (reason "
          "Forbidden)"),
      std::string::npos)
      << forbidden.standard_error;
  EXPECT_NE(forbidden.standard_error.find("grant it `list` on `pods`"), std::string::npos);
}

TEST_F(api_server_pods, an_expired_continue_token_is_410_and_exit_3) {
  json pods = json::array();
  for (int i = 0; i < 501; ++i)
    pods.push_back(pod("web-" + std::to_string(i), "node-a"));
  std::string server = start_server(pods, /*expire_continue=*/true);
  ASSERT_FALSE(server.empty());
  auto run = analyze({"--kubeconfig",
                      kubeconfig(server, std::string("    token: ") + good_token + "\n").string()});
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_NE(run.standard_error.find("with HTTP 410: The provided continue parameter is too old to "
                                    "display a consistent list result."),
            std::string::npos)
      << run.standard_error;
  EXPECT_NE(run.standard_error.find("(reason Expired)"), std::string::npos);
  EXPECT_EQ(requests().size(), 2u);
}

TEST_F(api_server_pods, a_server_certificate_from_another_ca_is_refused) {
  std::string server = start_server(json::array({pod("web", "node-a")}));
  ASSERT_FALSE(server.empty());
  auto run =
      analyze({"--kubeconfig",
               kubeconfig(server, std::string("    token: ") + good_token + "\n",
                          "    certificate-authority: " + (certs_ / "other-ca.crt").string() + "\n")
                   .string()});
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_NE(run.standard_error.find("does not answer GET /api/v1/pods"), std::string::npos)
      << run.standard_error;
  EXPECT_NE(run.standard_error.find("certificate"), std::string::npos) << run.standard_error;
  EXPECT_TRUE(requests().empty());  // the token never left the client
}

TEST_F(api_server_pods, keep_going_records_the_failure_and_reports_the_rest) {
  std::string server = start_server(json::array({pod("web", "node-a")}));
  ASSERT_FALSE(server.empty());
  auto run = analyze(
      {"--keep-going", "--kubeconfig", kubeconfig(server, "    token: not-the-token\n").string()});
  ASSERT_NE(run.standard_output, "") << run.standard_error;
  json report = json::parse(run.standard_output);
  json input = api_input(report);
  EXPECT_EQ(input["status"], "error");
  EXPECT_NE(input["detail"].get<std::string>().find("HTTP 401"), std::string::npos);
  bool listed = false;
  for (const auto& gap : report["coverage"])
    listed |= gap["input"] == "API server pods";
  EXPECT_TRUE(listed) << report["coverage"].dump(1);
}

TEST_F(api_server_pods, kubeconfig_errors_name_the_file_and_position) {
  fs::path file = work_ / "exec-kubeconfig";
  write_text(
      file,
      "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n"
      "    server: https://127.0.0.1:6443\ncontexts:\n- name: c\n  context:\n    cluster: k\n"
      "    user: u\nusers:\n- name: u\n  user:\n    exec:\n      command: aws\n");
  auto plugin = analyze({"--kubeconfig", file.string()});
  EXPECT_EQ(plugin.exit_code, 2);
  EXPECT_NE(plugin.standard_error.find(file.string() +
                                       ":17:7 (user.exec): user \"u\" gets its credentials from an "
                                       "exec plugin, "
                                       "which deshim does not run"),
            std::string::npos)
      << plugin.standard_error;

  auto unknown = analyze({"--kubeconfig", file.string(), "--context", "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.standard_error.find("the kubeconfig has no context named \"nope\""),
            std::string::npos)
      << unknown.standard_error;

  auto missing = analyze({"--kubeconfig", (work_ / "absent").string()});
  EXPECT_EQ(missing.exit_code, 2) << missing.standard_error;
  EXPECT_NE(missing.standard_error.find((work_ / "absent").string()), std::string::npos);
}

}  // namespace
}  // namespace deshim
