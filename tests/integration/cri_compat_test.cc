// `deshim cri` as a drop-in for crictl: a table of command lines (the rows of the Docker-to-crictl
// table, the flags scripts use, the output formats and the error cases) runs through the real
// crictl 1.26.1 (built by scripts/cri-tools) and through `deshim cri`, against the same real
// containerd 1.6 of the harness. For each line the exit status must be the same, and the output
// the same: parsed JSON and YAML compared as documents, text compared line by line, with ids,
// ages and other volatile values masked. The golden file keeps crictl's exit status and the
// shape of its JSON per line (tests/fixtures/cri_compat/crictl-1.26.1.json), so a change of
// crictl or of containerd shows there; DESHIM_RECORD_CRI_GOLDEN=1 rewrites it from crictl.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/subprocess.h"
#include "harness/containerd_daemon.h"
#include "harness/cri_tools.h"
#include "harness/daemon_requirements.h"
#include "harness/leftovers.h"
#include "harness/registry_daemon.h"
#include "harness/temp_folder.h"
#include "integration/cri_pod_fixture.h"
#include "integration/pod_suite.h"
#include "runtime/client/cri_client.h"

namespace deshim::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* bridge_name = "dshcc2";
constexpr const char* cgroup_parent = "dshcricompat";

/// json_document and yaml_document compare parsed documents; text compares masked text; raw
/// compares the bytes (for lines about the same objects with nothing volatile in them).
enum class compare { json_document, yaml_document, text, raw, exit_only };

/// One command line. {POD}, {CTR} (running), {EXITED}, {DIR} are the same for both tools;
/// {TWIN_POD} and {TWIN_CTR} are a pod and a container of each tool's own, for the lines that
/// change state.
struct row {
  std::vector<std::string> args;
  compare how;
  std::vector<std::string> environment = {};
};

/// crictl: DESHIM_CRICTL, else build-tools/ (scripts/cri-tools builds it there, idempotent).
bool is_hex_id(const std::string& text) {
  static const std::regex id("(sha256:)?[0-9a-f]{64}");
  return std::regex_match(text, id);
}

/// Values that differ from one call to the next (samples, times of a new object).
bool volatile_key(const std::string& key) {
  static const std::set<std::string> keys = {"timestamp",       "usageCoreNanoSeconds",
                                             "usageNanoCores",  "workingSetBytes",
                                             "availableBytes",  "usageBytes",
                                             "rssBytes",        "pageFaults",
                                             "majorPageFaults", "usedBytes",
                                             "inodesUsed"};
  return keys.count(key) > 0;
}

/// Fields that only one of the two CRI protos has (deshim's is a newer cri-api with a few
/// fields left out, docs/cri.md): left out of the comparison when they hold their zero value.
bool proto_version_field(const std::string& key, const json& value) {
  static const std::set<std::string> keys = {"imageRef",
                                             "runtimeHandler",
                                             "userSpecifiedImage",
                                             "imageId",
                                             "usernsOptions",
                                             "pinned",
                                             "swap",
                                             "spec",
                                             "windows",
                                             "user",
                                             "io",
                                             "psi"};
  const bool zero = value.is_null() || (value.is_string() && value.get<std::string>().empty()) ||
                    (value.is_boolean() && !value.get<bool>());
  return zero && keys.count(key) > 0;
}

json masked(const json& value, const std::string& key = {}) {
  if (volatile_key(key)) return "<volatile>";
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : value.items()) {
      if (proto_version_field(k, v)) continue;
      out[k] = masked(v, k);
    }
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& v : value)
      out.push_back(masked(v));
    return out;
  }
  if (value.is_string() && is_hex_id(value.get<std::string>())) return "<id>";
  return value;
}

/// The JSON of a YAML document, plain scalars typed as YAML 1.1 types them (crictl's YAML
/// quotes the strings that would read as something else).
json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& entry : node)
        out[entry.first.Scalar()] = yaml_to_json(entry.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node)
        out.push_back(yaml_to_json(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() == "!") return text;  // quoted
      if (text == "true" || text == "false") return text == "true";
      if (text == "null" || text == "~") return nullptr;
      if (std::regex_match(text, std::regex("-?[0-9]+"))) return std::stoll(text);
      if (std::regex_match(text, std::regex("-?[0-9]*\\.[0-9]+([eE][-+]?[0-9]+)?")))
        return std::stod(text);
      return text;
    }
    default:
      return nullptr;
  }
}

/// Text with ids, ages and column padding masked (the two tools run a moment apart).
std::string masked_text(const std::string& text) {
  static const std::regex id("(sha256:)?[0-9a-f]{64}|\\b[0-9a-f]{13}\\b");
  static const std::regex age(
      "(Less than a second|About an? \\w+|[0-9]+ \\w+) ago|"
      "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9:.]+( [-+][0-9]{4} \\w+|Z)?");
  static const std::regex padding(" {2,}");
  std::string out = std::regex_replace(text, id, "<id>");
  out = std::regex_replace(out, age, "<time>");
  return std::regex_replace(out, padding, "  ");
}

void merge_shape(json& into, const json& other) {
  if (into.is_object() && other.is_object()) {
    for (const auto& [k, v] : other.items()) {
      if (!into.contains(k)) {
        into[k] = v;
      } else {
        merge_shape(into[k], v);
      }
    }
  } else if (into == "null") {
    into = other;
  }
}

/// The document's shape: its keys and the types of its values, three levels deep.
json shape_of(const json& value, int depth = 0) {
  if (value.is_object()) {
    if (depth >= 3) return "object";
    json out = json::object();
    for (const auto& [k, v] : value.items())
      out[k] = shape_of(v, depth + 1);
    return out;
  }
  if (value.is_array()) {
    if (value.empty() || depth >= 3) return "array";
    // The items merged: their order (by random id) must not change the shape.
    json merged = shape_of(value[0], depth + 1);
    for (std::size_t i = 1; i < value.size(); ++i)
      merge_shape(merged, shape_of(value[i], depth + 1));
    return json::array({merged});
  }
  if (value.is_string()) return "string";
  if (value.is_boolean()) return "bool";
  if (value.is_null()) return "null";
  return "number";
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words)
    out += (out.empty() ? "" : " ") + word;
  return out;
}

class cri_compat : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!missing_daemon_requirements().empty()) return;
    auto crictl = cri_tools_program("crictl");
    if (!crictl) return;  // SetUp says why
    crictl_ = crictl->string();
    startup_error_ = suite_.start("cricompat");
    if (startup_error_.empty())
      startup_error_ = suite_.add_bridge_network("dsh-cri-compat", bridge_name, "198.18.66.0/24");
  }

  static void TearDownTestSuite() { suite_.finish(bridge_name, cgroup_parent); }

  void SetUp() override {
    DESHIM_REQUIRE_DAEMONS();
    DESHIM_REQUIRE_CRI_TOOLS();
    ASSERT_TRUE(startup_error_.empty()) << startup_error_;
  }

  static fs::path path(const std::string& relative) { return suite_.path(relative); }
  static std::string endpoint() { return suite_.endpoint(); }

  /// The tool's command line: `crictl ARGS` or `deshim cri ARGS`, with -r and -t first unless
  /// the row sets the endpoint itself (through the environment or a config file).
  static process_result run(bool crictl, const std::vector<std::string>& args,
                            const std::vector<std::string>& environment) {
    std::vector<std::string> argv;
    if (crictl) {
      argv = {crictl_};
    } else {
      argv = {DESHIM_BINARY, "cri"};
    }
    bool own_endpoint =
        environment.size() > 0 || std::find(args.begin(), args.end(), "--config") != args.end();
    if (!own_endpoint) argv.insert(argv.end(), {"-r", endpoint(), "-t", "60s"});
    argv.insert(argv.end(), args.begin(), args.end());
    auto ran = run_process(argv, {.timeout = 120s, .extra_environment = environment});
    EXPECT_TRUE(ran) << ran.error().describe();
    return ran ? *ran : process_result{};
  }

  static std::string single_line(const process_result& ran) {
    EXPECT_EQ(ran.exit_code, 0) << ran.standard_error;
    std::string out = ran.standard_output;
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  static std::string pod_config(const std::string& name) {
    return R"({"metadata": {"name": ")" + name + R"(", "namespace": "compat", "uid": "uid-)" +
           name + R"(", "attempt": 1},
  "hostname": ")" +
           name + R"(", "log_directory": ")" + path("pods/" + name).string() +
           R"(", "labels": {"app": "compat", "pod": ")" + name + R"("},
  "annotations": {"deshim.test/note": "kept"},
  "linux": {"cgroup_parent": "/)" +
           std::string(cgroup_parent) + R"("}})";
  }

  static std::string container_config(const std::string& name, const std::string& script) {
    return "metadata:\n  name: " + name +
           "\nimage:\n  image: busybox:test\ncommand: [/bin/sh, -c, '" + script +
           "']\nlabels:\n  io.kubernetes.pod.name: compat-pod\n  io.kubernetes.container.name: " +
           name + "\nlog_path: " + name + "/0.log\nlinux: {}\n";
  }

  /// Runs the pod and container `name` through deshim, returning {pod, container}.
  static std::pair<std::string, std::string> start_pod(const std::string& name,
                                                       const std::string& script, bool start) {
    write_text_file(path(name + "-pod.json"), pod_config(name));
    write_text_file(path(name + "-ctr.yaml"), container_config(name + "-ctr", script));
    std::string pod = single_line(run(false, {"runp", path(name + "-pod.json")}, {}));
    std::string ctr = single_line(
        run(false, {"create", pod, path(name + "-ctr.yaml"), path(name + "-pod.json")}, {}));
    if (start) {
      EXPECT_EQ(single_line(run(false, {"start", ctr}, {})), ctr);
    }
    return {pod, ctr};
  }

  static inline std::string crictl_;
  static inline pod_suite suite_;
  static inline std::string startup_error_;
};

std::vector<row> read_only_rows() {
  using c = compare;
  return {
      // The runtime.
      {{"version"}, c::text},
      {{"info"}, c::json_document},
      {{"info", "-o", "yaml"}, c::yaml_document},
      {{"info", "-o", "go-template", "--template",
        "{{range .status.conditions}}{{.type}}={{.status}} {{end}}"},
       c::text},
      {{"info", "-q"}, c::json_document},
      // Images.
      {{"images"}, c::text},
      {{"images", "-q"}, c::text},
      {{"images", "--digests"}, c::text},
      {{"images", "--no-trunc"}, c::text},
      {{"images", "-v"}, c::text},
      {{"images", "-o", "json"}, c::json_document},
      {{"images", "-o", "yaml"}, c::yaml_document},
      {{"images", "busybox:test"}, c::exit_only},  // containerd ignores the filter; deshim does not
      {{"inspecti", "busybox:test"}, c::json_document},
      {{"inspecti", "-q", "busybox:test"}, c::json_document},
      {{"inspecti", "-o", "yaml", "busybox:test"}, c::yaml_document},
      {{"inspecti", "-o", "go-template", "--template", "{{.status.repoTags}} {{.status.size}}",
        "busybox:test"},
       c::text},
      {{"inspecti", "-o", "table", "-q", "busybox:test"}, c::text},
      {{"inspecti", "nosuch:image"}, c::exit_only},
      {{"imagefsinfo"}, c::json_document},
      // Pods.
      {{"pods"}, c::text},
      {{"pods", "-q"}, c::text},
      {{"pods", "--no-trunc"}, c::text},
      {{"pods", "-v"}, c::text},
      {{"pods", "-o", "json"}, c::json_document},
      {{"pods", "-o", "yaml"}, c::yaml_document},
      {{"pods", "--name", "^compat-p", "-q"}, c::text},
      {{"pods", "--namespace", "compat", "--label", "app=compat", "-q"}, c::text},
      {{"pods", "-s", "ready", "-q"}, c::text},
      {{"pods", "--state", "NotReady", "-q"}, c::text},
      {{"pods", "-l", "-q"}, c::text},
      {{"pods", "-n", "1", "-o", "json"}, c::json_document},
      {{"pods", "--id", "{POD}", "-q"}, c::text},
      {{"inspectp", "{POD}"}, c::json_document},
      {{"inspectp", "-q", "{POD}"}, c::json_document},
      {{"inspectp", "-o", "yaml", "{POD}"}, c::yaml_document},
      {{"inspectp", "-o", "go-template", "--template",
        "{{.info.pid}} {{.status.state}} {{.status.network.ip}}", "{POD}"},
       c::text},
      {{"inspectp", "-o", "table", "-q", "{POD}"}, c::text},
      // Containers.
      {{"ps"}, c::text},
      {{"ps", "-a"}, c::text},
      {{"ps", "-q"}, c::text},
      {{"ps", "-aq"}, c::text},
      {{"ps", "-a", "--no-trunc"}, c::text},
      {{"ps", "-v"}, c::text},
      {{"ps", "-o", "json"}, c::json_document},
      {{"ps", "-a", "-o", "yaml"}, c::yaml_document},
      {{"ps", "-l", "-q"}, c::text},
      {{"ps", "--last", "2", "-q"}, c::text},
      {{"ps", "-n", "1", "-o", "json"}, c::json_document},
      {{"ps", "--state", "exited", "-q"}, c::text},
      {{"ps", "-s", "Running", "-q"}, c::text},
      {{"ps", "--name", "compat-ctr", "-q"}, c::text},
      {{"ps", "-p", "{POD}", "-a", "-q"}, c::text},
      {{"ps", "--label", "io.kubernetes.container.name=compat-ctr", "-q"}, c::text},
      {{"ps", "--image", "busybox:test", "-q"}, c::text},
      {{"ps", "-r"}, c::text},
      {{"inspect", "{CTR}"}, c::json_document},
      {{"inspect", "{EXITED}"}, c::json_document},
      {{"inspect", "-q", "{CTR}"}, c::json_document},
      {{"inspect", "-o", "yaml", "{CTR}"}, c::yaml_document},
      {{"inspect", "-o", "go-template", "--template", "{{.info.pid}}", "{CTR}"}, c::text},
      {{"inspect", "-o", "go-template", "--template",
        "{{.status.state}} {{.status.exitCode}} {{json .status.labels}}", "{EXITED}"},
       c::text},
      {{"inspect", "-o", "table", "-q", "{EXITED}"}, c::text},
      {{"logs", "{CTR}"}, c::text},
      {{"logs", "--tail", "1", "{CTR}"}, c::text},
      {{"logs", "-t", "{CTR}"}, c::text},
      {{"logs", "--since", "2000-01-01T00:00:00Z", "{CTR}"}, c::text},
      {{"logs", "--limit-bytes", "4", "{CTR}"}, c::text},
      {{"logs", "-f", "{EXITED}"}, c::text},
      {{"exec", "-s", "{CTR}", "echo", "hi"}, c::text},
      {{"exec", "{CTR}", "sh", "-c", "echo out; echo err >&2"}, c::text},
      {{"exec", "{CTR}", "sh", "-c", "exit 3"}, c::exit_only},
      {{"exec", "-s", "{CTR}", "false"}, c::exit_only},
      {{"stats", "-o", "json"}, c::json_document},
      {{"stats", "-a", "-o", "yaml"}, c::yaml_document},
      {{"stats", "--id", "{CTR}", "-o", "json"}, c::json_document},
      // Byte for byte: the same objects print the same text, key order and layout included
      // (not for containers: their image spec has fields only one of the protos has).
      {{"inspectp", "--quiet", "{POD}"}, c::raw},
      {{"inspecti", "--quiet", "busybox:test"}, c::raw},
      {{"pods", "--output", "json"}, c::raw},
      {{"images", "--output", "json"}, c::raw},
      // Where the endpoint comes from.
      {{"--config", "{DIR}/crictl.yaml", "ps", "-q"}, c::text},
      {{"ps", "-q"}, c::text, {"CONTAINER_RUNTIME_ENDPOINT={ENDPOINT}"}},
      {{"images", "-q"},
       c::text,
       {"IMAGE_SERVICE_ENDPOINT={ENDPOINT}",
        "CONTAINER_RUNTIME_ENDPOINT=unix:///nonexistent/x.sock"}},
      {{"version"}, c::exit_only, {"CONTAINER_RUNTIME_ENDPOINT=unix:///nonexistent/x.sock"}},
      // Errors: crictl exits 1 for each, or prints its help and exits 0.
      {{"inspect", "0000000000000000000000000000000000000000000000000000000000000000"},
       c::exit_only},
      {{"inspectp", "0000000000000000000000000000000000000000000000000000000000000000"},
       c::exit_only},
      {{"ps", "-o", "go-template"}, c::exit_only},
      {{"pods", "-o", "wide"}, c::exit_only},
      {{"inspect", "-o", "xml", "{CTR}"}, c::exit_only},
      {{"inspect", "-o", "go-template", "--template", "{{.nosuch}}", "{CTR}"}, c::exit_only},
      {{"rmp", "{POD}"}, c::exit_only},  // running: "please stop it first"
      {{"rm", "{CTR}"}, c::exit_only},   // running
      {{"rm"}, c::exit_only},            // the help, exit 0
      {{"rmp"}, c::exit_only},
      {{"stopp"}, c::exit_only},
      {{"rmi", "nosuch:image"}, c::exit_only},
      {{"create", "--no-pull", "--with-pull", "{POD}", "{DIR}/compat-ctr.yaml",
        "{DIR}/compat-pod.json"},
       c::exit_only},
      {{"--timeout", "soon", "version"}, c::exit_only},
  };
}

std::string substituted(std::string word, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    for (auto at = word.find(key); at != std::string::npos; at = word.find(key))
      word.replace(at, key.size(), value);
  }
  return word;
}

struct outcome {
  int exit_code = 0;
  std::string output;  ///< stdout and stderr for text rows, stdout for documents
  json document;
};

outcome parse(const process_result& ran, compare how, std::string& why) {
  outcome out{ran.exit_code, ran.standard_output, nullptr};
  if (how == compare::json_document) {
    // Several documents (one per id) are concatenated: read them as a list.
    json list = json::array();
    std::istringstream in(ran.standard_output);
    try {
      while (in >> std::ws, !in.eof()) {
        json one;
        in >> one;
        list.push_back(one);
      }
    } catch (const std::exception& e) {
      why = std::string("not JSON: ") + e.what();
    }
    out.document = list.size() == 1 ? list[0] : list;
  } else if (how == compare::yaml_document) {
    try {
      out.document = yaml_to_json(YAML::Load(ran.standard_output));
    } catch (const std::exception& e) {
      why = std::string("not YAML: ") + e.what();
    }
  } else if (how == compare::text) {
    out.output = masked_text(ran.standard_output);
  }  // raw: the output as it is
  return out;
}

TEST_F(cri_compat, every_row_prints_and_exits_as_crictl_does) {
  // The state the rows look at: a pod with a running container that logged, and one that exited.
  auto [pod, running] =
      start_pod("compat", "echo line-one; echo line-two >&2; exec sleep 600", true);
  write_text_file(path("compat-exit-ctr.yaml"),
                  container_config("compat-exit", "echo done; exit 7"));
  std::string exited = single_line(
      run(false, {"create", pod, path("compat-exit-ctr.yaml"), path("compat-pod.json")}, {}));
  EXPECT_EQ(single_line(run(false, {"start", exited}, {})), exited);
  write_text_file(path("crictl.yaml"), "runtime-endpoint: " + endpoint() + "\ntimeout: 60\n");
  for (int i = 0; i < 100; ++i) {
    auto status = run(false, {"inspect", "-q", exited}, {});
    auto logs = run(false, {"logs", running}, {});
    if (status.standard_output.find("CONTAINER_EXITED") != std::string::npos &&
        logs.standard_error == "line-two\n")
      break;
    std::this_thread::sleep_for(100ms);
  }
  const std::map<std::string, std::string> values = {{"{POD}", pod},
                                                     {"{CTR}", running},
                                                     {"{EXITED}", exited},
                                                     {"{DIR}", suite_.folder->path().string()},
                                                     {"{ENDPOINT}", endpoint()}};

  const fs::path golden_file =
      fs::path(DESHIM_SOURCE_DIR) / "tests/fixtures/cri_compat/crictl-1.26.1.json";
  const bool record = std::getenv("DESHIM_RECORD_CRI_GOLDEN") != nullptr;
  json golden = json::object();
  if (!record) {
    std::ifstream in(golden_file);
    ASSERT_TRUE(in) << golden_file << " is missing; record it with DESHIM_RECORD_CRI_GOLDEN=1";
    in >> golden;
  }
  json recorded = json::object();
  int compared = 0;
  for (const auto& line : read_only_rows()) {
    std::vector<std::string> args, environment;
    for (const auto& word : line.args)
      args.push_back(substituted(word, values));
    for (const auto& word : line.environment)
      environment.push_back(substituted(word, values));
    const std::string key =
        joined(line.args) + (line.environment.empty() ? "" : " [" + joined(line.environment) + "]");
    SCOPED_TRACE(key);
    auto theirs_ran = run(true, args, environment);
    auto ours_ran = run(false, args, environment);
    std::string why_theirs, why_ours;
    auto theirs = parse(theirs_ran, line.how, why_theirs);
    auto ours = parse(ours_ran, line.how, why_ours);
    EXPECT_EQ(why_theirs, "") << theirs_ran.standard_output;
    EXPECT_EQ(why_ours, "") << ours_ran.standard_output << ours_ran.standard_error;
    EXPECT_EQ(ours.exit_code, theirs.exit_code)
        << "crictl: " << theirs_ran.standard_error << "\ndeshim: " << ours_ran.standard_error;
    if (line.how == compare::json_document || line.how == compare::yaml_document) {
      EXPECT_EQ(masked(ours.document).dump(1), masked(theirs.document).dump(1));
    } else if (line.how == compare::text || line.how == compare::raw) {
      EXPECT_EQ(ours.output, theirs.output) << "deshim stderr: " << ours_ran.standard_error;
    }
    json entry = {{"exit", theirs.exit_code}};
    if (line.how == compare::json_document || line.how == compare::yaml_document)
      entry["shape"] = shape_of(masked(theirs.document));
    recorded[key] = entry;
    if (!record) {
      ASSERT_TRUE(golden.contains(key))
          << "no golden entry; record with DESHIM_RECORD_CRI_GOLDEN=1";
      EXPECT_EQ(golden[key]["exit"], ours.exit_code);
      if (entry.contains("shape")) {
        EXPECT_EQ(golden[key]["shape"].dump(1), shape_of(masked(ours.document)).dump(1));
      }
    }
    ++compared;
  }
  EXPECT_GE(compared, 80);
  // rmp -fa: the usual clean-up, through deshim.
  auto cleaned = run(false, {"rmp", "-fa"}, {});
  EXPECT_EQ(cleaned.exit_code, 0) << cleaned.standard_error;
  EXPECT_NE(cleaned.standard_output.find("Stopped sandbox " + pod + "\nRemoved sandbox " + pod),
            std::string::npos)
      << cleaned.standard_output;
  EXPECT_EQ(run(false, {"pods", "-q"}, {}).standard_output, "");
  if (record) {
    fs::create_directories(golden_file.parent_path());
    std::ofstream(golden_file) << recorded.dump(1) << "\n";
  }
}

TEST_F(cri_compat, lines_that_change_state_do_it_as_crictl_does) {
  // Each tool gets a pod and container of its own, made by itself; outputs compared with ids
  // masked.
  auto compare_both = [&](const std::string& what,
                          const std::function<std::vector<std::string>(bool)>& args_of,
                          compare how) {
    SCOPED_TRACE(what);
    std::map<bool, process_result> ran;
    for (bool crictl : {true, false})
      ran[crictl] = run(crictl, args_of(crictl), {});
    EXPECT_EQ(ran[false].exit_code, ran[true].exit_code)
        << "crictl: " << ran[true].standard_error << "\ndeshim: " << ran[false].standard_error;
    if (how == compare::text) {
      EXPECT_EQ(masked_text(ran[false].standard_output), masked_text(ran[true].standard_output));
    }
    return ran;
  };
  auto tool = [](bool crictl) { return std::string(crictl ? "twin-crictl" : "twin-deshim"); };
  for (bool crictl : {true, false}) {
    write_text_file(path(tool(crictl) + "-pod.json"), pod_config(tool(crictl)));
    write_text_file(path(tool(crictl) + "-ctr.yaml"),
                    container_config(tool(crictl) + "-ctr", "exec sleep 600"));
  }
  std::map<bool, std::string> pods, ctrs;
  auto runp = compare_both(
      "runp",
      [&](bool c) {
        return std::vector<std::string>{"runp", path(tool(c) + "-pod.json")};
      },
      compare::text);
  for (bool crictl : {true, false})
    pods[crictl] = single_line(runp[crictl]);
  auto created = compare_both(
      "create",
      [&](bool c) {
        return std::vector<std::string>{"create", "--no-pull", pods[c], path(tool(c) + "-ctr.yaml"),
                                        path(tool(c) + "-pod.json")};
      },
      compare::text);
  for (bool crictl : {true, false})
    ctrs[crictl] = single_line(created[crictl]);
  compare_both(
      "start",
      [&](bool c) {
        return std::vector<std::string>{"start", ctrs[c]};
      },
      compare::text);
  compare_both(
      "stop",
      [&](bool c) {
        return std::vector<std::string>{"stop", "-t", "1", ctrs[c]};
      },
      compare::text);
  // An exited container cannot start again: both fail.
  compare_both(
      "start again",
      [&](bool c) {
        return std::vector<std::string>{"start", ctrs[c]};
      },
      compare::exit_only);
  compare_both(
      "rm",
      [&](bool c) {
        return std::vector<std::string>{"rm", ctrs[c]};
      },
      compare::text);
  created = compare_both(
      "create again",
      [&](bool c) {
        return std::vector<std::string>{"create", pods[c], path(tool(c) + "-ctr.yaml"),
                                        path(tool(c) + "-pod.json")};
      },
      compare::text);
  for (bool crictl : {true, false}) {
    ctrs[crictl] = single_line(created[crictl]);
    (void)run(crictl, {"start", ctrs[crictl]}, {});
  }
  // rm -f stops the running container first (printing its id), then removes it.
  compare_both(
      "rm -f",
      [&](bool c) {
        return std::vector<std::string>{"rm", "-f", ctrs[c]};
      },
      compare::text);
  compare_both(
      "rm -a -f: nothing is left to remove",
      [&](bool) {
        return std::vector<std::string>{"rm", "--all", "--force"};
      },
      compare::exit_only);
  // logs -f follows the file of a running container until it exits.
  for (bool crictl : {true, false}) {
    SCOPED_TRACE(crictl ? "crictl logs -f" : "deshim cri logs -f");
    write_text_file(path(tool(crictl) + "-follow.yaml"),
                    container_config(tool(crictl) + "-follow", "echo one; sleep 2; echo two"));
    std::string followed =
        single_line(run(false,
                        {"create", pods[crictl], path(tool(crictl) + "-follow.yaml"),
                         path(tool(crictl) + "-pod.json")},
                        {}));
    EXPECT_EQ(single_line(run(false, {"start", followed}, {})), followed);
    auto start = std::chrono::steady_clock::now();
    auto logs = run(crictl, {"logs", "-f", followed}, {});
    EXPECT_EQ(logs.exit_code, 0) << logs.standard_error;
    EXPECT_EQ(logs.standard_output, "one\ntwo\n");
    EXPECT_GE(std::chrono::steady_clock::now() - start, 1500ms);  // it waited for "two"
  }
  // rmp -f of a ready pod: "Stopped sandbox", then "Removed sandbox".
  compare_both(
      "rmp -f",
      [&](bool c) {
        return std::vector<std::string>{"rmp", "-f", pods[c]};
      },
      compare::text);
  compare_both(
      "stopp of a removed pod",
      [&](bool c) {
        return std::vector<std::string>{"stopp", pods[c]};
      },
      compare::exit_only);
  EXPECT_EQ(run(false, {"pods", "-q", "--name", "^twin-"}, {}).standard_output, "");

  // pull and rmi through the loopback registry (plain HTTP, as containerd does for 127.0.0.1).
  registry_options options;
  options.name = "cricompat-registry";
  auto registry = registry_daemon::start(options);
  ASSERT_TRUE(registry) << registry.error().describe();
  suite_.scope->pids.push_back(registry->pid());
  const std::string pushed = registry->address() + "/library/busybox:compat";
  ASSERT_TRUE(suite_.containerd->ctr_output(
      {"-n", "k8s.io", "images", "tag", "docker.io/library/busybox:test", pushed}));
  auto push = suite_.containerd->ctr_output(
      {"-n", "k8s.io", "images", "push", "--plain-http", pushed}, {.timeout = 120s});
  ASSERT_TRUE(push) << push.error().describe();
  ASSERT_TRUE(suite_.containerd->ctr_output({"-n", "k8s.io", "images", "rm", pushed}));
  for (bool crictl : {true, false}) {
    // Each tool pulls, lists and removes the image in turn.
    SCOPED_TRACE(crictl ? "crictl" : "deshim");
    auto pulled = run(crictl, {"pull", "--creds", "any:thing", pushed}, {});
    EXPECT_EQ(pulled.exit_code, 0) << pulled.standard_error;
    EXPECT_EQ(masked_text(pulled.standard_output), "Image is up to date for <id>\n");
    auto listed = run(crictl, {"images", "-q", pushed}, {});
    EXPECT_EQ(listed.exit_code, 0);
    auto removed = run(crictl, {"rmi", pushed}, {});
    EXPECT_EQ(removed.exit_code, 0) << removed.standard_error;
    EXPECT_NE(removed.standard_output.find("Deleted: " + pushed + "\n"), std::string::npos)
        << removed.standard_output;
  }
  compare_both(
      "pull of a missing tag",
      [&](bool) {
        return std::vector<std::string>{"pull", registry->address() + "/nosuch:tag"};
      },
      compare::exit_only);
  (void)registry->stop_and_remove();
}

}  // namespace
}  // namespace deshim::testing
