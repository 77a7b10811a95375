#include "translate/render.h"

#include <fmt/format.h>

#include <cctype>

namespace deshim::translate {
namespace {

std::string details(const translation& t, const std::string& indent) {
  std::string out;
  for (const auto& u : t.unmapped)
    out += indent + "unmapped: " + u.flag + " (" + u.reason + ")\n";
  for (const auto& n : t.notes)
    out += indent + "note: " + n + "\n";
  if (!t.alternative.empty()) out += indent + "alternative: " + t.alternative + "\n";
  if (!t.needs.empty()) {
    std::string needs;
    for (const auto& n : t.needs)
      needs += (needs.empty() ? "" : ", ") + n;
    out += indent + "needs: " + needs + "\n";
  }
  return out;
}

std::string form_name(command_form form) {
  switch (form) {
    case command_form::crictl:
      return "crictl";
    case command_form::exec:
      return "exec";
    case command_form::inspect:
      return "inspect";
    case command_form::config:
      return "config";
    case command_form::alternative:
      return "alternative";
    case command_form::none:
      return "none";
  }
  return "none";
}

bool builds_crictl(const command_rule& rule) {
  return rule.form == command_form::crictl || rule.form == command_form::exec ||
         rule.form == command_form::inspect;
}

/// The replacement column: templates with placeholders in capitals.
std::string replacement_of(const command_rule& rule) {
  if (rule.form == command_form::inspect) return "crictl inspect / crictl inspecti";
  if (builds_crictl(rule)) return "crictl " + rule.crictl;
  if (rule.form == command_form::none) return "";
  std::string out;
  const auto& templ = rule.replacement;
  for (size_t i = 0; i < templ.size();) {
    if (templ[i] != '{') {
      out.push_back(templ[i++]);
      continue;
    }
    size_t close = templ.find('}', i);
    std::string name = templ.substr(i + 1, close - i - 1);
    name = name.substr(0, name.find('|'));
    i = close + 1;
    if (name == "raw") {
      out += "...";
    } else if (name == "args") {
      if (rule.args == arg_count::two) {
        out += "SOURCE TARGET";
      } else {
        out += rule.image_args ? "IMAGE" : "ARGS";
        if (rule.args == arg_count::at_least_one) out += "...";
      }
    } else {
      for (char& c : name)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out += name;
    }
  }
  return out;
}

std::string verdict_of(const command_rule& rule) {
  return std::string(builds_crictl(rule) ? "direct" : verdict_name(rule.fixed_verdict));
}

std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|' || c == '<' || c == '>') out += "\\";
    out.push_back(c);
  }
  return out;
}

std::string code(const std::string& text) {
  return text.empty() ? "" : "`" + text + "`";
}

std::string spellings(const flag_rule& flag) {
  std::string out;
  for (const auto& s : flag.spellings)
    out += (out.empty() ? "" : ", ") + code(s);
  return out;
}

std::string flag_target(const flag_rule& flag) {
  if (!flag.unmapped.empty()) return "not mapped: " + flag.unmapped;
  if (flag.set == "type") return "`image` → `crictl inspecti`, `container` → `crictl inspect`";
  if (!flag.set.empty()) {
    std::string name = flag.set;
    for (char& c : name)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return "the " + name + " of the replacement";
  }
  if (!flag.suppresses.empty()) return "drops the default " + code(flag.suppresses);
  if (!flag.filters.empty()) {
    std::string out;
    for (const auto& [key, target] : flag.filters) {
      out += (out.empty() ? "" : ", ") + code(key + "=X") + " → " +
             code(target.substr(0, target.find("{}")) + "X");
    }
    if (!flag.states.empty()) {
      std::string states;
      for (const auto& s : flag.states)
        states += (states.empty() ? "" : ", ") + s;
      out += " (status: " + states + ")";
    }
    return out + "; other filters are not mapped";
  }
  if (flag.to && !flag.to->empty()) {
    std::string target = *flag.to;
    auto at = target.find("{}");
    if (at != std::string::npos) target.replace(at, 2, "X");
    std::string out = code(target);
    for (const auto& d : flag.drop_values)
      out += " (" + d + ": left out)";
    return out;
  }
  return "read by deshim";
}

std::string join_spaces(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!w.empty()) out += (out.empty() ? "" : " ") + w;
  }
  return out;
}

/// One example of the names section: the docker line and what deshim prints for it.
std::string name_example(const command_table& table, const std::vector<std::string>& words) {
  std::string docker = "docker";
  for (const auto& w : words)
    docker += " " + w;
  auto t = translate_command(table, "docker", plain_args(words));
  if (!t) return "    " + docker + "\n    (" + t.error().message() + ")\n";
  std::string out = "    $ deshim translate '" + docker + "'\n    ";
  std::string text = render_translation_text(*t);
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    out.push_back(text[i]);
    if (text[i] == '\n') out += "    ";
  }
  return out + "\n";
}

/// "Names and ids" in docs/commands.md: the rules, real examples, and each command's lookup.
std::string names_section(const command_table& table) {
  const std::string uid = "0c1d2e3f-aaaa-bbbb-cccc-0123456789ab";
  std::string out = "\n## Names and ids\n\n";
  out +=
      "crictl takes container and pod sandbox ids (or id prefixes), never names; docker takes "
      "either. An argument of 12 to 64 lowercase hexadecimal digits is an id and stays as it "
      "is; an argument holding `$VAR`, `$(...)` or backticks stays as it is too (its value is "
      "known only when the line runs: if it holds a name, look the id up as below). Anything "
      "else, 11 hexadecimal digits included, is a name, and the replacement looks it up when it "
      "runs. Three forms:\n\n";
  out +=
      "- **a name**: `$(crictl ps -q --name '^web$')`. crictl's `--name` is a regular "
      "expression (Go syntax) on the CRI container name, so the name is anchored and its "
      "metacharacters are escaped (`my.app` becomes `'^my\\.app$'`); the whole word is "
      "quoted for the shell.\n";
  out +=
      "- **a dockershim container name**, `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>` "
      "(what the kubelet named containers when it ran docker): the lookup adds the labels the "
      "kubelet sets on every CRI container: `--name '^<container>$' --label "
      "io.kubernetes.pod.name=<pod> --label io.kubernetes.pod.namespace=<namespace>`, and "
      "`--label io.kubernetes.pod.uid=<uid>` when the name has a uid. The attempt is the "
      "container's restart count, which the kubelet keeps in an annotation, not a label: "
      "crictl cannot filter by it, and the translation says so. A 7th part (the random suffix "
      "dockershim added after a docker name conflict) is left out.\n";
  out +=
      "- **a dockershim sandbox name**, `k8s_POD_<pod>_<namespace>_<uid>_<attempt>` (the "
      "pod's pause container): the command becomes its pod form, on `$(crictl pods -q --name "
      "'^<pod>$' --namespace '^<namespace>$' --label io.kubernetes.pod.uid=<uid>)`: docker "
      "inspect becomes crictl inspectp, stop stopp, rm rmp, stats statsp. A flag the pod "
      "command lacks is named as not mapped; a command with no pod form (logs, exec, attach, "
      "start) is flagged with no replacement, never translated silently.\n";
  out +=
      "- **`docker ps --filter name=k8s_...`**: docker matched its own names, which are gone "
      "under containerd. A whole dockershim container name becomes `--name '^<container>$'` and "
      "the labels above; a prefix (`k8s_app_`) or a sandbox pattern (`k8s_POD_`) is named as "
      "not mapped, with what to use instead (`--name`, `--label`, `crictl pods`).\n\n";
  out +=
      "**Exact** means the crictl line acts on the very container docker would have, or fails "
      "where docker would. An id is exact. No lookup is: CRI container names are the names in "
      "pod specs, so `web` can be a container of several pods (and with `-a`, the exited "
      "earlier attempts of each); the attempt of a dockershim name cannot be filtered; and a "
      "lookup that finds nothing leaves `crictl stop` (start, rm, inspect, stopp, rmp, "
      "inspectp) without an argument, where crictl 1.26 prints its help and exits 0 while "
      "docker would have failed. So `--write` never rewrites a line with a name: the scan "
      "reports it with the suggested line and a note, and the JSON output has `\"exact\": "
      "false` and one `names` entry (argument, kind, lookup) per looked-up argument. A scan "
      "counts them after its summary (`N of the direct ones look names up when they run`), "
      "and in `summary.direct-not-exact` of its JSON.\n\n";
  out +=
      "Commands that act on every argument (stop, start, rm, inspect) get `$(...)` unquoted: "
      "each id found becomes an argument. Commands that take one container (exec, attach, "
      "logs) get `\"$(...)\"` quoted: several ids reach crictl as one word no container "
      "has, instead of a second id being read as the command to run, and none as an empty "
      "word, which crictl exec and logs reject (crictl attach prints its help). crictl stats "
      "has no "
      "`--name`, so docker stats filters by the kubelet's labels instead "
      "(`io.kubernetes.container.name`). docker restart, top and port have no replacement; "
      "their translation names the lookup that finds the id their note asks for.\n\n";
  out += "Examples:\n\n";
  for (const auto& words : std::vector<std::vector<std::string>>{
           {"stop", "web"},
           {"stop", "0123456789ab"},
           {"logs", "-f", "k8s_web_mypod_default_" + uid + "_3"},
           {"exec", "-it", "k8s_web_mypod_default__0", "sh"},
           {"rm", "-f", "k8s_POD_mypod_default_" + uid + "_0"},
           {"logs", "k8s_POD_mypod_default_" + uid + "_0"},
           {"stats", "--no-stream", "k8s_web_mypod_default_" + uid + "_3"}}) {
    out += name_example(table, words) + "\n";
  }
  out += "How each command looks names up:\n\n";
  out += "| docker | containers | lookup | dockershim sandbox | why |\n|---|---|---|---|---|\n";
  for (const auto& rule : table.commands) {
    if (!rule.names) continue;
    const auto& names = *rule.names;
    std::string lookup = names.by_label ? "`--label` filters of crictl " + rule.crictl
                                        : code(join_spaces({"crictl ps -q", names.lookup}));
    std::string pods = !names.pods.empty()               ? code("crictl " + names.pods)
                       : rule.form == command_form::none ? "(no replacement)"
                                                         : "no pod form: flagged";
    out += "| " + code("docker " + rule.docker) + " | " +
           (names.first_only ? "the first argument" : "every argument") + " | " + cell(lookup) +
           " | " + cell(pods) + " | " + cell(names.why) + " |\n";
  }
  return out;
}
}  // namespace

std::string render_translation_text(const translation& t) {
  std::string out = (t.replacement.empty() ? "(no replacement)" : t.replacement) + "\n";
  out += "  verdict: " + std::string(verdict_name(t.verdict)) + "\n";
  out += details(t, "  ");
  return out;
}

nlohmann::json to_json(const translation& t) {
  nlohmann::json unmapped = nlohmann::json::array();
  for (const auto& u : t.unmapped)
    unmapped.push_back({{"flag", u.flag}, {"reason", u.reason}});
  nlohmann::json names = nlohmann::json::array();
  for (const auto& n : t.names)
    names.push_back({{"argument", n.argument}, {"kind", n.kind}, {"lookup", n.lookup}});
  return {{"docker_subcommand", t.docker_subcommand},
          {"verdict", verdict_name(t.verdict)},
          {"replacement", t.replacement},
          {"tool", t.tool},
          {"unmapped", unmapped},
          {"notes", t.notes},
          {"alternative", t.alternative},
          {"needs", t.needs},
          {"ambiguous", t.ambiguous},
          {"exact", t.exact},
          {"names", names},
          {"rewritable", t.rewritable()}};
}

nlohmann::json to_json(const docker_invocation& found) {
  auto detail = to_json(found.detail);
  return {{"file", found.file},
          {"line", found.line},
          {"original", found.original},
          {"replacement", found.replacement},
          {"verdict", verdict_name(found.verdict)},
          {"docker_subcommand", found.docker_subcommand},
          {"rewritable", found.rewritable},
          {"unmapped", detail["unmapped"]},
          {"notes", detail["notes"]},
          {"alternative", detail["alternative"]},
          {"needs", detail["needs"]}};
}

std::string render_scan_text(const std::vector<scanned_file>& files) {
  std::string out;
  size_t total = 0, with_calls = 0, direct = 0, extra = 0, none = 0, looked_up = 0;
  size_t skipped = 0;
  for (const auto& file : files) {
    if (!file.skipped.empty()) {
      ++skipped;
      out += fmt::format("{}: skipped: {}\n", file.display, file.skipped);
      continue;
    }
    for (const auto& problem : file.problems)
      out += fmt::format("{}: not read as shell past this point, calls after it may be missed\n",
                         problem);
    if (!file.invocations.empty()) ++with_calls;
    for (const auto& found : file.invocations) {
      ++total;
      if (found.verdict == verdict::direct) ++direct;
      if (found.verdict == verdict::direct && !found.detail.exact) ++looked_up;
      if (found.verdict == verdict::needs_extra_component) ++extra;
      if (found.verdict == verdict::no_equivalent) ++none;
      out += fmt::format("{}:{}: {}\n", found.file, found.line, found.original);
      out += fmt::format("  -> {}  [{}]\n",
                         found.replacement.empty() ? "(no replacement)" : found.replacement,
                         verdict_name(found.verdict));
      out += details(found.detail, "  ");
    }
  }
  if (total == 0) {
    size_t read = files.size() - skipped;
    out += fmt::format("no docker invocations in {} file{}\n", read, read == 1 ? "" : "s");
  } else {
    out += fmt::format(
        "{} docker invocation{} in {} file{}: {} direct, {} needs-extra-component, {} "
        "no-equivalent\n",
        total, total == 1 ? "" : "s", with_calls, with_calls == 1 ? "" : "s", direct, extra, none);
  }
  if (looked_up > 0) {
    out += fmt::format(
        "{} of the direct ones look{} names up when {} run{}: not exact, --write leaves "
        "{}\n",
        looked_up, looked_up == 1 ? "s" : "", looked_up == 1 ? "it" : "they",
        looked_up == 1 ? "s" : "", looked_up == 1 ? "it" : "them");
  }
  if (skipped > 0) {
    out += fmt::format("{} path{} skipped (see above)\n", skipped, skipped == 1 ? "" : "s");
  }
  return out;
}

nlohmann::json scan_to_json(const std::vector<scanned_file>& files) {
  nlohmann::json invocations = nlohmann::json::array();
  nlohmann::json scanned = nlohmann::json::array();
  nlohmann::json counts = {{"direct", 0}, {"needs-extra-component", 0}, {"no-equivalent", 0}};
  int not_exact = 0;  // direct, but a name is looked up when the line runs
  nlohmann::json skipped = nlohmann::json::array();
  for (const auto& file : files) {
    if (!file.skipped.empty()) {
      skipped.push_back({{"file", file.display}, {"reason", file.skipped}});
      continue;
    }
    nlohmann::json entry = {{"file", file.display}, {"kind", script_kind_name(file.kind)}};
    if (!file.problems.empty()) entry["problems"] = file.problems;
    scanned.push_back(std::move(entry));
    for (const auto& found : file.invocations) {
      auto call = to_json(found);
      // Only the scan's own JSON: the analyzer's findings embed to_json(found) as it was.
      call["exact"] = found.detail.exact;
      call["names"] = to_json(found.detail)["names"];
      invocations.push_back(std::move(call));
      counts[std::string(verdict_name(found.verdict))] =
          counts[std::string(verdict_name(found.verdict))].get<int>() + 1;
      if (found.verdict == verdict::direct && !found.detail.exact) ++not_exact;
    }
  }
  counts["direct-not-exact"] = not_exact;
  nlohmann::json out = {{"files", scanned}, {"invocations", invocations}, {"summary", counts}};
  if (!skipped.empty()) out["skipped"] = skipped;
  return out;
}

std::string render_explanation_text(const crictl_explanation& e) {
  std::string out = "crictl " + e.crictl + (e.task.empty() ? "" : ": " + e.task) + "\n";
  out += "  " + e.explain + "\n";
  out += "  docker: " + e.docker + "\n";
  return out;
}

nlohmann::json to_json(const crictl_explanation& e) {
  return {{"crictl", e.crictl}, {"task", e.task}, {"explain", e.explain}, {"docker", e.docker}};
}

std::string render_list_text(const command_table& table) {
  std::string out;
  for (const auto& rule : table.commands) {
    std::string replacement = replacement_of(rule);
    out += fmt::format("docker {:<9} {:<45} [{}]\n", rule.docker,
                       replacement.empty() ? "(no replacement)" : replacement, verdict_of(rule));
  }
  for (const auto& rule : table.reverse) {
    out += fmt::format("{:<16} crictl {:<38} [no docker command]\n", "(none)", rule.crictl);
  }
  return out;
}

nlohmann::json list_to_json(const command_table& table) {
  nlohmann::json commands = nlohmann::json::array();
  for (const auto& rule : table.commands) {
    nlohmann::json flags = nlohmann::json::array();
    for (const auto& flag : rule.flags) {
      flags.push_back({{"docker", flag.spellings}, {"crictl", flag_target(flag)}});
    }
    nlohmann::json names = nullptr;
    if (rule.names) {
      names = {{"args", rule.names->first_only ? "first" : "all"},
               {"lookup", rule.names->lookup},
               {"via", rule.names->by_label ? "labels" : "ps"},
               {"pods", rule.names->pods},
               {"why", rule.names->why}};
    }
    commands.push_back({{"docker", rule.docker},
                        {"names", names},
                        {"aliases", rule.aliases},
                        {"section", rule.section},
                        {"task", rule.task},
                        {"form", form_name(rule.form)},
                        {"replacement", replacement_of(rule)},
                        {"verdict", verdict_of(rule)},
                        {"needs", rule.needs},
                        {"flags", flags},
                        {"note", rule.note}});
  }
  nlohmann::json pods = nlohmann::json::array();
  for (const auto& rule : table.reverse)
    pods.push_back(to_json(crictl_explanation{rule.crictl, rule.task, rule.explain, rule.docker}));
  return {{"commands", commands}, {"pods", pods}};
}

std::string render_commands_markdown(const command_table& table) {
  std::string out;
  out += "# docker commands on a containerd node\n\n";
  out +=
      "<!-- Generated from src/translate/commands.yaml by `deshim translate --docs`; do not edit.\n"
      "     Regenerate: build/src/deshim translate --docs > docs/commands.md -->\n\n";
  out +=
      "containerd supports neither the Docker API nor the docker CLI. `deshim translate` turns "
      "docker command lines into their crictl equivalent (or the nearest real alternative), one "
      "flag at a time, and `deshim translate --scan PATH...` does it for every docker call in "
      "scripts, crontabs, systemd units, Makefiles and CI files.\n\n";
  out +=
      "Every docker call of a compound line (`docker ps; rm -rf x && docker frobnicate`) is "
      "translated or flagged, and the other commands are listed as kept as written. The exit "
      "status is 1 when a call without an equivalent was found (for CI), 0 when every call has "
      "one, 2 on bad input.\n\n";
  out +=
      "`--scan` follows symbolic links for reading (inside `--root`); a link loop, a FIFO or an "
      "unreadable file inside a folder is listed as skipped and the scan goes on. Text that "
      "cannot be read as shell (an unterminated quote, substitutions nested deeper than 64) is "
      "reported with its line and column. `--write` rewrites only files inside the folder "
      "scanned, never through a symbolic link, and never a file with text it could not read; it "
      "says `not rewritten: FILE: why` for each.\n\n";
  out += "Verdicts:\n\n";
  out +=
      "- **direct**: a crictl line does the same and every flag is mapped; `--write` rewrites "
      "these in place when they are also exact (see [Names and ids](#names-and-ids)).\n";
  out +=
      "- **needs-extra-component**: the replacement needs a tool containerd does not ship "
      "(nerdctl, buildkitd).\n";
  out +=
      "- **no-equivalent**: crictl cannot do it (or a flag cannot be mapped); the nearest "
      "alternative is named, if there is one. `ctr` ships with containerd but is a low-level "
      "tool: `-n k8s.io` is the namespace the kubelet's images live in.\n\n";
  struct section_info {
    const char* id;
    const char* title;
  };
  for (auto section : {section_info{"images", "Images"}, section_info{"containers", "Containers"},
                       section_info{"other", "Other docker commands"}}) {
    out += std::string("## ") + section.title + "\n\n";
    out += "| task | docker | replacement | verdict |\n|---|---|---|---|\n";
    for (const auto& rule : table.commands) {
      if (rule.section != section.id) continue;
      std::string names = code("docker " + rule.docker);
      for (const auto& alias : rule.aliases)
        names += ", " + code("docker " + alias);
      std::string verdict = verdict_of(rule);
      if (!rule.needs.empty() && rule.fixed_verdict == verdict::needs_extra_component) {
        std::string needs;
        for (const auto& n : rule.needs)
          needs += (needs.empty() ? "" : ", ") + n;
        verdict += " (" + needs + ")";
      }
      std::string replacement = replacement_of(rule);
      std::string shown = replacement.empty() ? "none" : code(replacement);
      if (rule.form == command_form::inspect) {
        shown = code("crictl inspect") + " (container), " + code("crictl inspecti") + " (image)";
      }
      out += "| " + cell(rule.task) + " | " + cell(names) + " | " + cell(shown) + " | " +
             cell(verdict) + " |\n";
    }
    out += "\n";
  }
  out +=
      "## Pods\n\nThese crictl commands have no docker equivalent "
      "(`deshim translate --reverse 'crictl pods'`).\n\n";
  out += "| task | crictl | what it does | under dockershim |\n|---|---|---|---|\n";
  for (const auto& rule : table.reverse) {
    out += "| " + cell(rule.task) + " | " + code("crictl " + rule.crictl) + " | " +
           cell(rule.explain) + " | " + cell(rule.docker) + " |\n";
  }
  out += names_section(table);
  out += "\n## Flags, command by command\n\n";
  out +=
      "Flags that are not mapped are named in every translation with the reason below; "
      "deshim never drops one silently.\n";
  for (const auto& rule : table.commands) {
    if (rule.flags.empty() && rule.note.empty() && rule.defaults.empty()) continue;
    std::vector<std::string> parts;  // paragraphs, one blank line apart
    if (!rule.note.empty()) parts.push_back(rule.note + ".\n");
    if (!rule.defaults.empty()) {
      std::string defaults;
      for (const auto& d : rule.defaults)
        defaults += (defaults.empty() ? "" : " ") + d;
      parts.push_back("Always adds " + code(defaults) + " unless a flag below drops it.\n");
    }
    if (rule.passthrough) {
      parts.push_back("Every word after the command is passed on as written.\n");
    } else if (!rule.flags.empty()) {
      std::string table_text = "| docker flag | becomes |\n|---|---|\n";
      for (const auto& flag : rule.flags) {
        table_text += "| " + cell(spellings(flag)) + " | " + cell(flag_target(flag)) + " |\n";
      }
      parts.push_back(table_text);
    }
    out += "\n### docker " + rule.docker + "\n";
    for (const auto& part : parts)
      out += "\n" + part;
  }
  out += "\n## docker's own options\n\n| docker option | becomes |\n|---|---|\n";
  for (const auto& flag : table.docker_global_flags) {
    out += "| " + cell(spellings(flag)) + " | " + cell(flag_target(flag)) + " |\n";
  }
  return out;
}

}  // namespace deshim::translate
