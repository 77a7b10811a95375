// Every name form of every command that takes containers, with the exact line deshim prints;
// ids stay, names are looked up, dockershim names become the kubelet's labels, sandboxes the
// pod form, and none of the name forms is exact.
#include "translate/name_lookup.h"

#include <gtest/gtest.h>

#include "translate/render.h"
#include "translate/shell_lexer.h"

namespace deshim::translate {
namespace {

const std::string container = "k8s_app_web-0_prod_9f8e7d6c_2";
const std::string container_no_uid = "k8s_app_web-0_prod__2";
const std::string sandbox = "k8s_POD_web-0_prod_9f8e7d6c_1";

const std::string ps_name =
    "--name '^app$' --label io.kubernetes.pod.name=web-0 --label "
    "io.kubernetes.pod.namespace=prod";
const std::string uid_label = " --label io.kubernetes.pod.uid=9f8e7d6c";
const std::string pods = "crictl pods -q --name '^web-0$' --namespace '^prod$'" + uid_label;

result<translation> run(const std::vector<std::string>& words) {
  auto table = builtin_command_table();
  if (!table) return table.error();
  return translate_command(**table, "docker", plain_args(words));
}

struct row {
  std::vector<std::string> docker;
  std::string replacement;
  std::string verdict = "direct";
};

void expect_rows(const std::vector<row>& rows) {
  for (const auto& r : rows) {
    std::string line;
    for (const auto& w : r.docker)
      line += " " + w;
    auto t = run(r.docker);
    ASSERT_TRUE(t) << line << ": " << t.error().describe();
    EXPECT_EQ(t->replacement, r.replacement) << line;
    EXPECT_EQ(verdict_name(t->verdict), r.verdict) << line;
    if (!r.replacement.empty()) {
      EXPECT_FALSE(t->exact) << line;
    }
    EXPECT_FALSE(t->rewritable()) << line;
  }
}

TEST(name_lookup, commands_on_every_argument) {
  expect_rows({
      {{"stop", "web"}, "crictl stop $(crictl ps -q --name '^web$')"},
      {{"stop", container}, "crictl stop $(crictl ps -q " + ps_name + uid_label + ")"},
      {{"stop", container_no_uid}, "crictl stop $(crictl ps -q " + ps_name + ")"},
      {{"stop", sandbox}, "crictl stopp $(" + pods + ")"},
      {{"start", "web"}, "crictl start $(crictl ps -q -a --name '^web$')"},
      {{"start", container}, "crictl start $(crictl ps -q -a " + ps_name + uid_label + ")"},
      {{"start", container_no_uid}, "crictl start $(crictl ps -q -a " + ps_name + ")"},
      {{"start", sandbox}, "", "no-equivalent"},
      {{"rm", "web"}, "crictl rm $(crictl ps -q -a --name '^web$')"},
      {{"rm", container}, "crictl rm $(crictl ps -q -a " + ps_name + uid_label + ")"},
      {{"rm", container_no_uid}, "crictl rm $(crictl ps -q -a " + ps_name + ")"},
      {{"rm", sandbox}, "crictl rmp $(" + pods + ")"},
      {{"rm", "-f", sandbox}, "crictl rmp -f $(" + pods + ")"},
      {{"inspect", container}, "crictl inspect $(crictl ps -q -a " + ps_name + uid_label + ")"},
      {{"inspect", container_no_uid}, "crictl inspect $(crictl ps -q -a " + ps_name + ")"},
      {{"inspect", sandbox}, "crictl inspectp $(" + pods + ")"},
      {{"container", "inspect", "web"}, "crictl inspect $(crictl ps -q -a --name '^web$')"},
  });
}

TEST(name_lookup, commands_on_one_container_quote_the_lookup) {
  expect_rows({
      {{"exec", "web", "ls"}, "crictl exec \"$(crictl ps -q --name '^web$')\" ls"},
      {{"exec", "-it", container, "sh"},
       "crictl exec -i -t \"$(crictl ps -q " + ps_name + uid_label + ")\" sh"},
      {{"exec", container_no_uid, "ls"}, "crictl exec \"$(crictl ps -q " + ps_name + ")\" ls"},
      {{"exec", sandbox, "ls"}, "", "no-equivalent"},
      {{"attach", "web"}, "crictl attach -i \"$(crictl ps -q --name '^web$')\""},
      {{"attach", container}, "crictl attach -i \"$(crictl ps -q " + ps_name + uid_label + ")\""},
      {{"attach", sandbox}, "", "no-equivalent"},
      {{"logs", "-f", "web"}, "crictl logs -f \"$(crictl ps -q -l --name '^web$')\""},
      {{"logs", container}, "crictl logs \"$(crictl ps -q -l " + ps_name + uid_label + ")\""},
      {{"logs", container_no_uid}, "crictl logs \"$(crictl ps -q -l " + ps_name + ")\""},
      {{"logs", sandbox}, "", "no-equivalent"},
      // crictl stats has no --name: it filters by the kubelet's labels itself.
      {{"stats", "web"}, "crictl stats -w --label io.kubernetes.container.name=web"},
      {{"stats", "--no-stream", container},
       "crictl stats --label io.kubernetes.container.name=app --label "
       "io.kubernetes.pod.name=web-0 --label io.kubernetes.pod.namespace=prod" +
           uid_label},
      {{"stats", sandbox},
       "crictl statsp -w --label io.kubernetes.pod.name=web-0 --label "
       "io.kubernetes.pod.namespace=prod" +
           uid_label},
  });
}

TEST(name_lookup, ids_and_run_time_values_stay_exact) {
  for (const auto& words : std::vector<std::vector<std::string>>{
           {"stop", "0123456789ab"},
           {"rm", "-f", std::string(64, 'a')},
           {"logs", "c0ffee123456"},
           {"exec", "c0ffee123456", "cat", "web"},  // only the first argument is a container
           {"stats", "c0ffee123456"}}) {
    auto t = run(words);
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->exact) << words[0];
    EXPECT_TRUE(t->names.empty()) << words[0];
    EXPECT_TRUE(t->rewritable()) << words[0];
  }
  auto table = builtin_command_table();
  ASSERT_TRUE(table);
  auto var =
      translate_command(**table, "docker", {{"stop", "stop", false}, {"$CID", "\"$CID\"", true}});
  ASSERT_TRUE(var);
  EXPECT_EQ(var->replacement, "crictl stop \"$CID\"");
  EXPECT_TRUE(var->rewritable());
  // 11 hexadecimal digits are a name, not an id.
  auto short_hex = run({"stop", "0123456789a"});
  ASSERT_TRUE(short_hex);
  EXPECT_EQ(short_hex->replacement, "crictl stop $(crictl ps -q --name '^0123456789a$')");
  // Ids and names mix: only the names are looked up.
  auto mixed = run({"rm", "0123456789ab", "web"});
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->replacement, "crictl rm 0123456789ab $(crictl ps -q -a --name '^web$')");
  ASSERT_EQ(mixed->names.size(), 1u);
  EXPECT_EQ(mixed->names[0].argument, "web");
}

TEST(name_lookup, notes_say_what_is_looked_up_and_why_it_is_not_exact) {
  auto t = run({"stop", "web", "my.app"});
  ASSERT_TRUE(t);
  EXPECT_EQ(render_translation_text(*t),
            "crictl stop $(crictl ps -q --name '^web$') $(crictl ps -q --name '^my\\.app$')\n"
            "  verdict: direct\n"
            "  note: web and my.app are names: crictl takes ids, so a lookup finds the id when "
            "the line runs; a CRI container's name is the one in its pod spec, which is not "
            "unique on the node (every pod has its own)\n"
            "  note: names are looked up among running containers only (crictl ps lists no "
            "others by default): docker stop acts on running ones\n"
            "  note: not exact: a lookup may find more than the one docker named, or nothing; "
            "--write leaves this line: check it and apply it by hand\n");
  auto shim = run({"logs", container_no_uid + "_1f2e3d4c"});
  ASSERT_TRUE(shim);
  ASSERT_GE(shim->notes.size(), 1u);
  EXPECT_EQ(shim->notes[0],
            container_no_uid +
                "_1f2e3d4c is the dockershim name of container app of pod prod/web-0, attempt 2: "
                "crictl cannot filter by attempt (the container's restart count, shown in the "
                "ATTEMPT column of crictl ps), so any attempt of it still there matches; the "
                "name has no pod uid, so a pod recreated under the same name matches too; "
                "1f2e3d4c is the random suffix dockershim added after a docker name conflict, "
                "left out");
  ASSERT_EQ(shim->names.size(), 1u);
  EXPECT_EQ(shim->names[0].kind, "dockershim-container");
  EXPECT_EQ(shim->names[0].lookup, "\"$(crictl ps -q -l " + ps_name + ")\"");
}

TEST(name_lookup, sandboxes_switch_to_the_pod_form_or_are_flagged) {
  auto stop = run({"stop", "-t", "5", sandbox});
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->replacement, "crictl stopp $(" + pods + ")");
  ASSERT_EQ(stop->unmapped.size(), 1u);  // crictl stopp has no timeout
  EXPECT_EQ(stop->unmapped[0].flag, "--timeout 5");
  EXPECT_EQ(stop->unmapped[0].reason, "the pod form, crictl stopp, has no --timeout");
  EXPECT_EQ(verdict_name(stop->verdict), "no-equivalent");
  EXPECT_EQ(stop->names[0].kind, "dockershim-sandbox");

  auto logs = run({"logs", sandbox});
  ASSERT_TRUE(logs);
  EXPECT_EQ(render_translation_text(*logs),
            "(no replacement)\n"
            "  verdict: no-equivalent\n"
            "  unmapped: " +
                sandbox +
                " (the sandbox (dockershim's pause container) of pod prod/web-0 (uid 9f8e7d6c): "
                "crictl has no pod form of docker logs)\n");

  // A sandbox among containers cannot share their line.
  auto mixed = run({"rm", sandbox, "web"});
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->replacement, "crictl rm $(crictl ps -q -a --name '^web$')");
  ASSERT_EQ(mixed->unmapped.size(), 1u);
  EXPECT_EQ(mixed->unmapped[0].reason,
            "a pod sandbox among containers: give it a docker rm line of its own (it becomes "
            "crictl rmp)");
}

TEST(name_lookup, inspect_of_a_dockershim_name_is_a_container_not_an_image) {
  auto shim = run({"inspect", container});
  ASSERT_TRUE(shim);
  EXPECT_FALSE(shim->ambiguous);  // only the kubelet's containers are named k8s_...
  auto plain = run({"inspect", "web"});
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->ambiguous);  // web may be an image
  EXPECT_EQ(plain->notes[0],
            "ambiguous: docker inspect takes containers and images; if web is an image, use "
            "crictl inspecti web");
  auto image = run({"inspect", "--type", "image", "web"});
  ASSERT_TRUE(image);
  EXPECT_EQ(image->replacement, "crictl inspecti web");  // images are never looked up
  EXPECT_TRUE(image->exact);
}

TEST(name_lookup, commands_without_a_replacement_name_the_lookup) {
  auto restart = run({"restart", "-t", "3", "web"});
  ASSERT_TRUE(restart);
  EXPECT_EQ(restart->replacement, "");
  EXPECT_EQ(restart->notes[0],
            "the kubelet restarts containers: crictl stop ID makes it start "
            "a new one");
  EXPECT_EQ(restart->notes[1], "the id of web: crictl ps -q --name '^web$'");
  auto top = run({"top", container, "aux"});  // aux is an option of ps, not a container
  ASSERT_TRUE(top);
  EXPECT_EQ(top->notes[1], "the id of " + container + ": crictl ps -q " + ps_name + uid_label);
  ASSERT_EQ(top->names.size(), 1u);
  auto port = run({"port", sandbox, "80"});
  ASSERT_TRUE(port);
  EXPECT_EQ(port->notes[1], sandbox +
                                " is the sandbox of pod prod/web-0 (uid 9f8e7d6c): crictl has no "
                                "pod form of docker port either");
}

TEST(name_lookup, ps_name_filters_on_dockershim_names) {
  // A whole container name: crictl ps's own filters, not exact (the attempt).
  auto whole = run({"ps", "-a", "--filter", "name=" + container});
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->replacement, "crictl ps -a " + ps_name + uid_label);
  EXPECT_EQ(verdict_name(whole->verdict), "direct");
  EXPECT_FALSE(whole->exact);
  EXPECT_FALSE(whole->rewritable());
  ASSERT_EQ(whole->names.size(), 1u);
  EXPECT_EQ(whole->names[0].lookup, ps_name + uid_label);
  // Prefixes and sandboxes match nothing under containerd: flagged with what to use instead.
  for (const std::string& pattern :
       std::vector<std::string>{"k8s_POD_", sandbox, "k8s_app_", "k8s_app_web-0_prod"}) {
    auto t = run({"ps", "-q", "--filter", "name=" + pattern});
    ASSERT_TRUE(t) << pattern;
    EXPECT_EQ(t->replacement, "crictl ps -q") << pattern;
    EXPECT_EQ(verdict_name(t->verdict), "no-equivalent") << pattern;
    ASSERT_EQ(t->unmapped.size(), 1u) << pattern;
    EXPECT_EQ(t->unmapped[0].reason.substr(0, 10), "dockershim") << pattern;
  }
  auto pods = run({"ps", "--filter", "name=k8s_POD_"});
  ASSERT_TRUE(pods);
  EXPECT_EQ(pods->unmapped[0].reason,
            "dockershim named sandboxes k8s_POD_...; under containerd crictl pods lists them "
            "(--name POD --namespace NAMESPACE)");
  auto prefix = run({"ps", "--filter", "name=k8s_app_"});
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix->unmapped[0].reason,
            "dockershim's k8s_<container>_<pod>_... names are gone under containerd: filter with "
            "--name '^CONTAINER$' --label io.kubernetes.pod.name=POD");
  // Other names are crictl's regular expression as before, and exact.
  auto plain = run({"ps", "--filter", "name=web"});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->replacement, "crictl ps --name web");
  EXPECT_TRUE(plain->rewritable());
}

/// The words of every command the shell would run for `line`, nested ones included.
std::vector<std::vector<std::string>> commands_of(const std::string& line) {
  std::vector<std::vector<std::string>> out;
  lex_options strict;
  strict.strict = true;
  auto commands = lex_shell(line, 0, line.size(), strict);
  EXPECT_TRUE(commands) << line;
  if (!commands) return out;
  for (const auto& command : *commands) {
    std::vector<std::string> words;
    for (const auto& w : command.words)
      words.push_back(w.value);
    out.push_back(words);
  }
  return out;
}

TEST(name_lookup, shell_and_regex_metacharacters_are_quoted_safely) {
  for (const std::string name : {"it's", "a;rm -rf /", "$(reboot)", "`id`", "a b", "x\"y",
                                 "back\\slash", "star*", "q?", "[ab]", "a|b", "{1}"}) {
    auto t = run({"stop", name});
    ASSERT_TRUE(t) << name;
    // Read back as sh would: crictl stop with one substitution, and inside it one crictl ps
    // whose --name is the literal pattern; nothing else runs.
    auto commands = commands_of(t->replacement);
    ASSERT_EQ(commands.size(), 2u) << t->replacement;
    ASSERT_EQ(commands[0].size(), 3u) << t->replacement;
    EXPECT_EQ(commands[0][0], "crictl");
    EXPECT_EQ(commands[0][1], "stop");
    EXPECT_EQ(commands[1],
              (std::vector<std::string>{"crictl", "ps", "-q", "--name", exact_pattern(name)}))
        << t->replacement;
  }
  auto exec = run({"exec", "a'b", "sh", "-c", "echo $HOME"});
  ASSERT_TRUE(exec);
  EXPECT_EQ(exec->replacement,
            "crictl exec \"$(crictl ps -q --name '^a'\\''b$')\" sh -c 'echo $HOME'");
  auto commands = commands_of(exec->replacement);
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[0].size(), 6u);  // crictl exec "$(...)" sh -c 'echo $HOME'
  EXPECT_EQ(commands[1].back(), "^a'b$");
}

}  // namespace
}  // namespace deshim::translate
