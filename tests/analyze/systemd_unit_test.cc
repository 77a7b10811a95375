#include "analyze/systemd_unit.h"

#include <gtest/gtest.h>

#include "analyze/temp_node.h"

namespace deshim::analyze {
namespace {

using testing::temp_node;

std::vector<std::string> texts(const std::vector<command_word>& words) {
  std::vector<std::string> out;
  for (const auto& word : words)
    out.push_back(word.text);
  return out;
}

TEST(systemd_unit, empty_exec_start_resets_and_continuations_join_lines) {
  systemd_unit unit;
  ASSERT_TRUE(parse_unit_file("[Service]\nExecStart=/usr/bin/old\n", "/a.service", "a", unit));
  ASSERT_TRUE(
      parse_unit_file("[Service]\n"
                      "ExecStart=\n"
                      "ExecStart=/usr/bin/kubelet --a=1 \\\n"
                      "# a comment inside the continuation is skipped\n"
                      "  --b=2\n"
                      "[Install]\n"
                      "ExecStart=/not/a/service/setting\n",
                      "/b.conf", "b", unit));
  ASSERT_EQ(unit.exec_start.size(), 1u);
  EXPECT_EQ(unit.exec_start[0].value, "/usr/bin/kubelet --a=1    --b=2");
  EXPECT_EQ(unit.exec_start[0].file, "/b.conf");
  EXPECT_EQ(unit.exec_start[0].line, 3);
}

TEST(systemd_unit, environment_takes_quoted_pairs_and_environment_file_an_optional_dash) {
  systemd_unit unit;
  ASSERT_TRUE(
      parse_unit_file("[Service]\n"
                      "Environment=\"A=one two\" B=3 'C=x y' not-a-pair 9X=bad\n"
                      "EnvironmentFile=-/etc/default/kubelet\n"
                      "EnvironmentFile=/etc/sysconfig/kubelet\n",
                      "/u.service", "u", unit));
  ASSERT_EQ(unit.environment.size(), 3u);
  EXPECT_EQ(unit.environment.at("A").value, "one two");
  EXPECT_EQ(unit.environment.at("B").value, "3");
  EXPECT_EQ(unit.environment.at("C").value, "x y");
  EXPECT_EQ(unit.environment.at("A").line, 2);
  ASSERT_EQ(unit.environment_files.size(), 2u);
  EXPECT_EQ(unit.environment_files[0].path, "/etc/default/kubelet");
  EXPECT_TRUE(unit.environment_files[0].optional);
  EXPECT_EQ(unit.environment_files[1].path, "/etc/sysconfig/kubelet");
  EXPECT_FALSE(unit.environment_files[1].optional);
  EXPECT_EQ(unit.environment_files[1].line, 4);
}

TEST(systemd_unit, an_unclosed_quote_in_environment_is_an_error_with_the_line) {
  systemd_unit unit;
  auto parsed = parse_unit_file("[Service]\n\nEnvironment=\"A=1\n", "/u", "shown/u", unit);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().where().file, "shown/u");
  EXPECT_EQ(parsed.error().where().line, 3);
  EXPECT_EQ(parsed.error().message(), "Environment= the quote \" is never closed");
}

TEST(systemd_unit, search_path_precedence_and_drop_in_order) {
  temp_node node;
  node.write("/lib/systemd/system/x.service", "[Service]\nExecStart=/lib/x\n")
      .write("/etc/systemd/system/x.service", "[Service]\nExecStart=/etc/x\n")
      .write("/usr/lib/systemd/system/x.service.d/10-a.conf", "[Service]\nEnvironment=A=usr\n")
      .write("/etc/systemd/system/x.service.d/10-a.conf", "[Service]\nEnvironment=A=etc\n")
      .write("/lib/systemd/system/x.service.d/20-b.conf", "[Service]\nEnvironment=A=late B=1\n")
      .write("/lib/systemd/system/x.service.d/30-c.txt", "[Service]\nEnvironment=A=ignored\n");
  auto unit = load_systemd_unit(node.fs(), "x.service");
  ASSERT_TRUE(unit) << unit.error().describe();
  ASSERT_TRUE(unit->has_value());
  const systemd_unit& x = **unit;
  EXPECT_EQ(x.files, (std::vector<std::string>{"/etc/systemd/system/x.service",
                                               "/etc/systemd/system/x.service.d/10-a.conf",
                                               "/lib/systemd/system/x.service.d/20-b.conf"}));
  ASSERT_EQ(x.exec_start.size(), 1u);
  EXPECT_EQ(x.exec_start[0].value, "/etc/x");
  EXPECT_EQ(x.environment.at("A").value, "late");
  EXPECT_EQ(x.environment.at("A").file, "/lib/systemd/system/x.service.d/20-b.conf");
}

TEST(systemd_unit, a_missing_or_masked_unit_is_nullopt) {
  temp_node node;
  node.write("/etc/systemd/system/masked.service", "");
  EXPECT_FALSE(load_systemd_unit(node.fs(), "absent.service")->has_value());
  EXPECT_FALSE(load_systemd_unit(node.fs(), "masked.service")->has_value());
}

TEST(systemd_unit, environment_files_quote_escape_and_continue_like_systemd) {
  std::map<std::string, located_value> values;
  ASSERT_TRUE(
      parse_environment_file("# comment\n"
                             "; also a comment\n"
                             "PLAIN=a b   \n"
                             "DOUBLE=\"x \\\"y\\\" $z\"\n"
                             "SINGLE='--a=1 --b=\"2\"'\n"
                             "CONT=one \\\n"
                             "two\n"
                             "  SPACED = v\n"
                             "export BAD=1\n"
                             "NOEQUALS\n"
                             "EMPTY=\n",
                             "/etc/default/x", "x", values));
  EXPECT_EQ(values.at("PLAIN").value, "a b");
  EXPECT_EQ(values.at("PLAIN").line, 3);
  EXPECT_EQ(values.at("DOUBLE").value, "x \"y\" $z");
  EXPECT_EQ(values.at("SINGLE").value, "--a=1 --b=\"2\"");
  EXPECT_EQ(values.at("CONT").value, "one two");
  EXPECT_EQ(values.at("SPACED").value, "v");
  EXPECT_EQ(values.at("SPACED").line, 8);
  EXPECT_EQ(values.at("EMPTY").value, "");
  EXPECT_EQ(values.count("BAD"), 0u);
  EXPECT_EQ(values.count("export BAD"), 0u);
  EXPECT_EQ(values.size(), 6u);
}

TEST(systemd_unit, an_unclosed_quote_in_an_environment_file_names_line_and_column) {
  std::map<std::string, located_value> values;
  auto parsed = parse_environment_file("A=1\nOPTIONS='--selinux-enabled\n", "/etc/sysconfig/docker",
                                       "etc/sysconfig/docker", values);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().where().describe(), "etc/sysconfig/docker:2:9");
}

TEST(systemd_unit, environment_files_override_environment_lines) {
  temp_node node;
  node.write("/etc/default/k", "B=from-file\n");
  systemd_unit unit;
  ASSERT_TRUE(
      parse_unit_file("[Service]\nEnvironmentFile=-/etc/default/k\n"
                      "EnvironmentFile=-/etc/default/absent\n"
                      "EnvironmentFile=/etc/default/required\n"
                      "Environment=A=line B=line\n",
                      "/k.service", "k", unit));
  std::vector<environment_file_status> statuses;
  auto environment = service_environment(node.fs(), unit, &statuses);
  ASSERT_TRUE(environment);
  EXPECT_EQ(environment->at("A").value, "line");
  EXPECT_EQ(environment->at("B").value, "from-file");
  EXPECT_EQ(environment->at("B").file, "/etc/default/k");
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_EQ(statuses[0].status, "read");
  EXPECT_EQ(statuses[1].status, "missing");
  EXPECT_EQ(statuses[1].detail, "optional (EnvironmentFile=-), skipped");
  EXPECT_EQ(statuses[2].status, "missing");
  EXPECT_EQ(statuses[2].detail,
            "required by /k.service:4: systemd refuses to start the unit without it");
}

TEST(systemd_unit, expansion_splits_dollar_words_and_keeps_braced_values_whole) {
  std::map<std::string, located_value> environment = {
      {"ARGS", {"--a=1 \"--b=two words\"", "/env", 3}},
      {"ONE", {"x y", "/unit", 2}},
      {"EMPTY", {"", "/unit", 2}},
  };
  auto words = expand_command_line(
      {"-/usr/bin/kubelet $ARGS ${ONE} --c=${ONE}z $UNSET $EMPTY \"--d=$ARGS\" 'q\\x41'", "/unit",
       7},
      environment, "unit");
  ASSERT_TRUE(words) << words.error().describe();
  EXPECT_EQ(texts(*words), (std::vector<std::string>{"/usr/bin/kubelet", "--a=1", "--b=two words",
                                                     "x y", "--c=x yz", "--d=$ARGS", "qA"}));
  EXPECT_EQ((*words)[1].file, "/env");
  EXPECT_EQ((*words)[1].line, 3);
  EXPECT_EQ((*words)[1].variable, "ARGS");
  EXPECT_EQ((*words)[3].file, "/unit");
  EXPECT_EQ((*words)[3].line, 2);  // `${ONE}` alone points at where ONE was set
  EXPECT_EQ((*words)[4].line, 7);  // inside a word it stays on the ExecStart line
  EXPECT_EQ((*words)[0].line, 7);
}

TEST(systemd_unit, at_prefix_drops_argv0_and_bad_quotes_are_errors) {
  auto words = expand_command_line({"@/usr/bin/dockerd dockerd -H fd://", "/u", 1}, {}, "u");
  ASSERT_TRUE(words);
  EXPECT_EQ(texts(*words), (std::vector<std::string>{"/usr/bin/dockerd", "-H", "fd://"}));
  auto bad = expand_command_line({"/usr/bin/dockerd \"-H fd://", "/u", 4}, {}, "shown");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where().describe(), "shown:4");
}

/// Every prefix of a real unit, drop-in and environment file: an error or a result, no crash.
TEST(systemd_unit, every_prefix_of_real_files_parses_or_fails_cleanly) {
  const std::string dropin =
      "[Service]\n"
      "Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/"
      "bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\n"
      "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\n"
      "ExecStart=\n"
      "ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS \\\n  \"$KUBELET_EXTRA_ARGS\" 'x\\x4'\n";
  const std::string env =
      "KUBELET_KUBEADM_ARGS=\"--network-plugin=cni --pod-infra-container-"
      "image=k8s.gcr.io/pause:3.6\"\nX='a\\\nb' \\\n";
  size_t errors = 0;
  for (size_t n = 0; n <= dropin.size(); ++n) {
    systemd_unit unit;
    auto parsed = parse_unit_file(dropin.substr(0, n), "/d", "d", unit);
    if (!parsed) {
      ++errors;
      continue;
    }
    for (const auto& command : unit.exec_start) {
      auto words = expand_command_line(command, unit.environment, "d");
      if (!words) ++errors;
    }
  }
  for (size_t n = 0; n <= env.size(); ++n) {
    std::map<std::string, located_value> values;
    if (!parse_environment_file(env.substr(0, n), "/e", "e", values)) ++errors;
  }
  EXPECT_GT(errors, 0u);  // cut inside a quote: an error, not a silent value
}

}  // namespace
}  // namespace deshim::analyze
