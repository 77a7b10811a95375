#include "analyze/log_agent_config.h"

#include <gtest/gtest.h>

namespace deshim::analyze {
namespace {

TEST(log_agent_config, fluent_bit_with_the_docker_parser) {
  auto found =
      inspect_log_agent_config("fluent-bit.conf",
                               "[INPUT]\n    Name tail\n    Path /var/log/containers/*.log\n"
                               "    Parser docker\n");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->agent, "fluent-bit");
  EXPECT_TRUE(found->parses_docker_json);
  EXPECT_FALSE(found->reads_docker_containers);
  EXPECT_EQ(found->parse_evidence, "line 4: Parser docker");
  EXPECT_EQ(found->path_evidence, "");
}

TEST(log_agent_config, fluent_bit_with_the_cri_parser_is_fine) {
  auto found = inspect_log_agent_config(
      "fluent-bit.conf",
      "[INPUT]\n    Name tail\n    multiline.parser docker, cri\n    # Parser docker\n");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->parses_docker_json);
  EXPECT_EQ(found->parse_evidence, "");
}

TEST(log_agent_config, fluentd_reading_docker_files_as_json) {
  auto found = inspect_log_agent_config(
      "containers.input.conf",
      "<source>\n  @type tail\n  path /var/lib/docker/containers/*/*.log\n  <parse>\n"
      "    @type json\n  </parse>\n</source>\n");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->agent, "fluentd");
  EXPECT_TRUE(found->parses_docker_json);
  EXPECT_TRUE(found->reads_docker_containers);
  EXPECT_EQ(found->parse_evidence, "line 5: @type json");
  EXPECT_EQ(found->path_evidence, "line 3: path /var/lib/docker/containers/*/*.log");
}

TEST(log_agent_config, filebeat_promtail_and_vector) {
  auto filebeat = inspect_log_agent_config(
      "filebeat.yml", "filebeat.inputs:\n- type: docker\n  containers.ids: ['*']\n");
  ASSERT_TRUE(filebeat);
  EXPECT_EQ(filebeat->agent, "filebeat");
  EXPECT_TRUE(filebeat->parses_docker_json);
  auto filebeat_cri = inspect_log_agent_config(
      "filebeat.yml",
      "filebeat.inputs:\n- type: container\n  paths: [/var/log/containers/*.log]\n");
  ASSERT_TRUE(filebeat_cri);
  EXPECT_FALSE(filebeat_cri->parses_docker_json);

  auto promtail = inspect_log_agent_config(
      "promtail.yaml", "scrape_configs:\n- job_name: pods\n  pipeline_stages:\n  - docker: {}\n");
  ASSERT_TRUE(promtail);
  EXPECT_EQ(promtail->agent, "promtail");
  EXPECT_TRUE(promtail->parses_docker_json);
  EXPECT_EQ(promtail->parse_evidence, "line 4: - docker: {}");
  auto promtail_cri = inspect_log_agent_config(
      "promtail.yaml", "scrape_configs:\n- job_name: pods\n  pipeline_stages:\n  - cri: {}\n");
  ASSERT_TRUE(promtail_cri);
  EXPECT_FALSE(promtail_cri->parses_docker_json);

  auto vector = inspect_log_agent_config(
      "vector.toml",
      "[sources.files]\ntype = \"file\"\ninclude = [\"/var/lib/docker/containers/*/*.log\"]\n");
  ASSERT_TRUE(vector);
  EXPECT_EQ(vector->agent, "vector");
  EXPECT_TRUE(vector->reads_docker_containers);
  EXPECT_FALSE(vector->parses_docker_json);
}

TEST(log_agent_config, other_configs_are_not_agents) {
  EXPECT_FALSE(inspect_log_agent_config("nginx.conf", "server { listen 80; }\n"));
  EXPECT_FALSE(inspect_log_agent_config("app.json", "{\"log\": \"debug\"}"));
}

}  // namespace
}  // namespace deshim::analyze
