// config.toml in containerd's style: what `containerd config default` (containerd 1.6) prints,
// so runbook lines such as `sed -i 's/SystemdCgroup = false/SystemdCgroup = true/'` and
// `grep '\[plugins."io.containerd.grpc.v1.cri"\]'` work on deshim's file. The real
// containerd's own output is compared in tests/integration/migrate_containerd_test.cc.
#include "migrate/containerd_toml_style.h"

#include <gtest/gtest.h>

namespace deshim::migrate {
namespace {

TEST(containerd_toml_style, tables_keys_strings_and_indentation_as_containerd_prints_them) {
  auto table = toml::parse(
      "version = 2\n"
      "disabled_plugins = []\n"
      "[plugins.'io.containerd.grpc.v1.cri'.containerd.runtimes.runc.options]\n"
      "SystemdCgroup = false\n"
      "[plugins.'io.containerd.grpc.v1.cri']\n"
      "sandbox_image = 'registry.k8s.io/pause:3.6'\n"
      "[plugins.'io.containerd.grpc.v1.cri'.registry]\n"
      "config_path = '/etc/containerd/certs.d'\n"
      "[cgroup]\n"
      "path = ''\n"
      "[plugins.'io.containerd.gc.v1.scheduler']\n"
      "pause_threshold = 0.02\n"
      "platforms = ['linux/amd64', 'linux/arm64']\n");
  EXPECT_EQ(containerd_toml_text(table),
            "disabled_plugins = []\n"
            "version = 2\n"
            "\n"
            "[cgroup]\n"
            "  path = \"\"\n"
            "\n"
            "[plugins]\n"
            "\n"
            "  [plugins.\"io.containerd.gc.v1.scheduler\"]\n"
            "    pause_threshold = 0.02\n"
            "    platforms = [\"linux/amd64\", \"linux/arm64\"]\n"
            "\n"
            "  [plugins.\"io.containerd.grpc.v1.cri\"]\n"
            "    sandbox_image = \"registry.k8s.io/pause:3.6\"\n"
            "\n"
            "    [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
            "\n"
            "      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes]\n"
            "\n"
            "        [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
            "\n"
            "          [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
            "            SystemdCgroup = false\n"
            "\n"
            "    [plugins.\"io.containerd.grpc.v1.cri\".registry]\n"
            "      config_path = \"/etc/containerd/certs.d\"\n");
}

TEST(containerd_toml_style, awkward_keys_and_strings_read_back_the_same) {
  toml::table table;
  table.insert("plain-key_1", "quote \" backslash \\ newline \n tab \t bell \x07");
  table.insert("dotted.key", toml::table{{"with space", 1}, {"", true}});
  table.insert("mixed", toml::array{1, "two", toml::array{3.5}, toml::table{{"k", "v"}}});
  toml::array tables;
  tables.push_back(toml::table{{"differ", "walking"}});
  tables.push_back(toml::table{{"differ", "erofs"}});
  table.insert("unpack_config", std::move(tables));
  const std::string text = containerd_toml_text(table);
  EXPECT_NE(text.find("[\"dotted.key\"]"), std::string::npos) << text;
  EXPECT_NE(text.find("\"with space\" = 1"), std::string::npos) << text;
  EXPECT_NE(text.find("[[unpack_config]]\n  differ = \"walking\""), std::string::npos) << text;
  toml::table back;
  ASSERT_NO_THROW(back = toml::parse(text)) << text;
  EXPECT_EQ(back, table) << text;
}

TEST(containerd_toml_style, an_empty_table_is_empty_text) {
  EXPECT_EQ(containerd_toml_text(toml::table{}), "");
  EXPECT_EQ(containerd_toml_key("SystemdCgroup"), "SystemdCgroup");
  EXPECT_EQ(containerd_toml_key("io.containerd.grpc.v1.cri"), "\"io.containerd.grpc.v1.cri\"");
  EXPECT_EQ(containerd_toml_key(""), "\"\"");
}

}  // namespace
}  // namespace deshim::migrate
