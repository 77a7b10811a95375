// The rules compiled into the binary are exactly rules/*.yaml, and all of them load.
#include "analyze/builtin_rules.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "analyze/rule_loader.h"

namespace deshim::analyze {
namespace {

namespace fs = std::filesystem;

TEST(builtin_rules, embed_every_rule_file_byte_for_byte) {
  std::set<std::string> on_disk;
  for (const auto& entry : fs::directory_iterator(fs::path(DESHIM_SOURCE_DIR) / "rules")) {
    if (entry.path().extension() == ".yaml") on_disk.insert(entry.path().filename().string());
  }
  std::set<std::string> embedded;
  for (const auto& file : embedded::builtin_rules()) {
    embedded.insert(std::string(file.path));
    std::ifstream in(fs::path(DESHIM_SOURCE_DIR) / "rules" / std::string(file.path),
                     std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), file.content) << file.path;
  }
  EXPECT_EQ(embedded, on_disk);
  EXPECT_FALSE(embedded.empty());
}

TEST(builtin_rules, all_load) {
  auto rules = load_builtin_rules();
  ASSERT_TRUE(rules) << rules.error().describe();
  EXPECT_EQ(rules->size(), embedded::builtin_rules().size());
  for (std::size_t i = 1; i < rules->size(); ++i) {
    EXPECT_LT((*rules)[i - 1].id, (*rules)[i].id);
  }
}

TEST(builtin_rules, read_the_workload_list_one_workload_at_a_time) {
  // A rule needing the whole list would make `deshim analyze` hold a 1 GiB List as JSON.
  auto rules = load_builtin_rules();
  ASSERT_TRUE(rules) << rules.error().describe();
  auto items = parse_fact_path("workloads.items");
  ASSERT_TRUE(items);
  std::size_t streamed = 0;
  std::size_t naming_the_list = 0;
  for (const auto& checked : *rules) {
    EXPECT_NE(checked.access_to(*items), array_access::whole)
        << checked.origin << " reads workloads.items whole (docs/rules-format.md)";
    streamed += checked.access_to(*items) == array_access::per_element;
    naming_the_list += checked.match_yaml.find("workloads.items") != std::string::npos;
  }
  EXPECT_GT(naming_the_list, 0u);
  EXPECT_EQ(streamed, naming_the_list) << "every rule over the workload list streams it";
}

}  // namespace
}  // namespace deshim::analyze
