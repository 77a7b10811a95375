// The key tables of docs/report-schema.md, docs/migrate-plan-schema.md and docs/validate.md
// list every key the tool writes: each key of the example node's real JSON output (as a path,
// `files[].notes[].text`) must be a row of the page's table, or sit below a row whose meaning
// says it is a map (`component -> version`: its keys are data, not schema).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "common/subprocess.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;
const fs::path source = DESHIM_SOURCE_DIR;

struct documented {
  std::set<std::string> keys;
  std::set<std::string> maps;  ///< rows whose meaning says `->`: a map of data keys
};

/// The keys of every table row `| `key`, `key2` | type | meaning |` of a page.
documented table_keys(const fs::path& page) {
  std::stringstream text;
  text << std::ifstream(page).rdbuf();
  documented out;
  static const std::regex key_cell(R"(`([a-z_][a-z_0-9.\[\]]*)`)");
  std::istringstream in(text.str());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    auto cell_end = line.find(" |", 2);
    std::string first = line.substr(2, cell_end - 2);
    for (std::sregex_iterator it(first.begin(), first.end(), key_cell), end; it != end; ++it) {
      out.keys.insert((*it)[1]);
      if (line.find("->", cell_end) != std::string::npos) out.maps.insert((*it)[1]);
    }
  }
  return out;
}

void key_paths(const nlohmann::json& value, const std::string& prefix, std::set<std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      std::string path = prefix.empty() ? key : prefix + "." + key;
      out.insert(path);
      key_paths(child, path, out);
    }
  } else if (value.is_array()) {
    for (const auto& child : value)
      key_paths(child, prefix + "[]", out);
  }
}

/// Keys the output has and the table does not list.
std::vector<std::string> undocumented(const documented& doc, const nlohmann::json& output) {
  std::set<std::string> paths;
  key_paths(output, "", paths);
  std::vector<std::string> out;
  for (const auto& path : paths) {
    if (doc.keys.count(path)) continue;
    bool in_map = false;
    for (const auto& map : doc.maps)
      in_map = in_map || path.rfind(map + ".", 0) == 0;
    if (!in_map) out.push_back(path);
  }
  return out;
}

nlohmann::json run_json(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {DESHIM_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = run_process(argv);
  EXPECT_TRUE(run.ok());
  if (!run.ok()) return {};
  auto parsed = nlohmann::json::parse(run->standard_output, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << run->standard_error;
  return parsed;
}

const std::string node = (source / "examples/nodes/tke-docker").string();
const std::string workloads = (source / "examples/workloads/tke-docker").string();

TEST(schema_tables_doc, the_table_reader_finds_keys_and_maps) {
  documented doc;
  doc.keys = {"a", "a.b", "m"};
  doc.maps = {"m"};
  nlohmann::json output = {{"a", {{"b", 1}, {"c", 2}}}, {"m", {{"anything", 1}}}};
  EXPECT_EQ(undocumented(doc, output), std::vector<std::string>{"a.c"});
}

TEST(schema_tables_doc, the_report_table_lists_every_key_analyze_writes) {
  auto doc = table_keys(source / "docs/report-schema.md");
  auto report = run_json({"analyze", "--root", node, "--workloads", workloads, "-o", "json"});
  EXPECT_EQ(undocumented(doc, report), std::vector<std::string>{});
}

TEST(schema_tables_doc, the_plan_table_lists_every_key_migrate_plan_writes) {
  auto doc = table_keys(source / "docs/migrate-plan-schema.md");
  // Two nodes: the example (blockers, notes, no link: its data disk is mounted at Docker's
  // data root) and the GPU node, whose data disk at /data gets the /var/log/pods link.
  auto plan =
      run_json({"migrate", "plan", "--root", node, "--kubernetes-version", "1.20.6", "-o", "json"});
  EXPECT_EQ(undocumented(doc, plan), std::vector<std::string>{});
  auto disk =
      run_json({"migrate", "plan", "--root", (source / "tests/fixtures/nodes/gpu-nvidia").string(),
                "--kubernetes-version", "1.22.4", "--containerd-version", "1.6.20", "-o", "json"});
  ASSERT_FALSE(disk["links"].empty()) << "the fixture should plan the /var/log/pods link";
  EXPECT_EQ(undocumented(doc, disk), std::vector<std::string>{});
}

TEST(schema_tables_doc, the_validate_table_lists_every_key_validate_writes) {
  auto doc = table_keys(source / "docs/validate.md");
  auto report = run_json({"validate", "--static", "--root", node, "-o", "json"});
  EXPECT_EQ(report["mode"], "static");
  EXPECT_EQ(undocumented(doc, report), std::vector<std::string>{});
}

}  // namespace
}  // namespace deshim
