#include "translate/name_lookup.h"

#include <algorithm>

#include "translate/shell_lexer.h"

namespace deshim::translate {
namespace {

// The labels the kubelet sets on CRI containers and sandboxes (kuberuntime/labels.go).
constexpr const char* pod_name_label = "io.kubernetes.pod.name";
constexpr const char* pod_namespace_label = "io.kubernetes.pod.namespace";
constexpr const char* pod_uid_label = "io.kubernetes.pod.uid";
constexpr const char* container_name_label = "io.kubernetes.container.name";

std::string label(const std::string& key, const std::string& value) {
  return "--label " + shell_quote(key + "=" + value);
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    if (word.empty()) continue;
    out += (out.empty() ? "" : " ") + word;
  }
  return out;
}

std::vector<std::string> pod_labels(const container_ref& ref) {
  std::vector<std::string> out = {label(pod_name_label, ref.pod),
                                  label(pod_namespace_label, ref.pod_namespace)};
  if (!ref.uid.empty()) out.push_back(label(pod_uid_label, ref.uid));
  return out;
}

bool is_name(const container_ref& ref) {
  return ref.kind == container_ref_kind::name ||
         ref.kind == container_ref_kind::dockershim_container ||
         ref.kind == container_ref_kind::dockershim_sandbox;
}

std::string kind_name(container_ref_kind kind) {
  switch (kind) {
    case container_ref_kind::dockershim_container:
      return "dockershim-container";
    case container_ref_kind::dockershim_sandbox:
      return "dockershim-sandbox";
    default:
      return "name";
  }
}

std::string pod_text(const container_ref& ref) {
  std::string out = "pod " + ref.pod_namespace + "/" + ref.pod;
  if (!ref.uid.empty()) out += " (uid " + ref.uid + ")";
  return out;
}

/// What the argument is and why its lookup is not exact.
std::string explain(const container_ref& ref) {
  std::string out;
  switch (ref.kind) {
    case container_ref_kind::dockershim_container:
      out = ref.text + " is the dockershim name of container " + ref.container + " of " +
            pod_text(ref) + ", attempt " + ref.attempt +
            ": crictl cannot filter by attempt (the container's restart count, shown in the "
            "ATTEMPT column of crictl ps), so any attempt of it still there matches";
      break;
    case container_ref_kind::dockershim_sandbox:
      out = ref.text + " is the dockershim name of the sandbox of " + pod_text(ref) + ", attempt " +
            ref.attempt +
            ": crictl pods cannot filter by attempt, so an older sandbox of the pod still there "
            "matches too";
      break;
    default:
      return {};  // plain names share one note (names_note)
  }
  if (ref.uid.empty())
    out += "; the name has no pod uid, so a pod recreated under the same name matches too";
  if (!ref.suffix.empty()) {
    out += "; " + ref.suffix +
           " is the random suffix dockershim added after a docker name conflict, left out";
  }
  return out;
}

/// One note for every plain name of the call: why each lookup may find more than one.
std::string names_note(const std::vector<std::string>& plain) {
  if (plain.empty()) return {};
  std::string list;
  for (size_t i = 0; i < plain.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == plain.size() ? " and " : ", ") + plain[i];
  }
  return list + (plain.size() == 1 ? " is a name" : " are names") +
         ": crictl takes ids, so a lookup finds the id when the line runs; a CRI container's "
         "name is the one in its pod spec, which is not unique on the node (every pod has its "
         "own)";
}

std::string substitution(const name_rule& names, const std::string& command) {
  // One container: quoted, so several ids reach crictl as one word no container has, instead
  // of the second id being read as the command to run (and none as an empty id).
  return names.first_only ? "\"$(" + command + ")\"" : "$(" + command + ")";
}

std::string first_word(const std::string& text) {
  return text.substr(0, text.find(' '));
}

void add_unique(std::vector<std::string>& notes, std::string note) {
  if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(std::move(note));
}

const char* inexact_note =
    "not exact: a lookup may find more than the one docker named, or nothing; --write leaves "
    "this line: check it and apply it by hand";

/// The crictl command that finds the id, or for a rule that filters by label, the flags.
std::string lookup_command(const name_rule& names, const container_ref& ref) {
  switch (ref.kind) {
    case container_ref_kind::id:
    case container_ref_kind::run_time:
      return {};
    case container_ref_kind::dockershim_sandbox: {
      if (names.by_label) return join(pod_labels(ref));
      std::vector<std::string> words = {"crictl pods -q --name",
                                        shell_quote(exact_pattern(ref.pod)), "--namespace",
                                        shell_quote(exact_pattern(ref.pod_namespace))};
      if (!ref.uid.empty()) words.push_back(label(pod_uid_label, ref.uid));
      return join(words);
    }
    case container_ref_kind::dockershim_container:
    case container_ref_kind::name: {
      bool dockershim = ref.kind == container_ref_kind::dockershim_container;
      const std::string& name = dockershim ? ref.container : ref.text;
      if (names.by_label) {
        std::vector<std::string> words = {label(container_name_label, name)};
        if (dockershim) {
          for (auto& l : pod_labels(ref))
            words.push_back(std::move(l));
        }
        return join(words);
      }
      std::vector<std::string> words = {"crictl ps -q", names.lookup, "--name",
                                        shell_quote(exact_pattern(name))};
      if (dockershim) {
        for (auto& l : pod_labels(ref))
          words.push_back(std::move(l));
      }
      return join(words);
    }
  }
  return {};
}

}  // namespace

std::vector<std::string> dockershim_ps_filters(const container_ref& ref) {
  std::vector<std::string> out = {"--name " + shell_quote(exact_pattern(ref.container))};
  for (auto& l : pod_labels(ref))
    out.push_back(std::move(l));
  return out;
}

std::string explain_dockershim_name(const container_ref& ref) {
  return explain(ref);
}

std::string lookup_for(const name_rule& names, const container_ref& ref) {
  std::string command = lookup_command(names, ref);
  if (command.empty() || names.by_label) return command;
  return substitution(names, command);
}

void resolve_container_names(const command_table& table, const command_rule& rule,
                             const std::vector<shell_arg>& positional, crictl_line& line,
                             translation& out) {
  if (!rule.names) return;
  const auto& names = *rule.names;
  size_t targets = names.first_only ? std::min<size_t>(1, positional.size()) : positional.size();
  std::vector<container_ref> refs;
  for (size_t i = 0; i < targets; ++i)
    refs.push_back(classify_container_ref(positional[i].value, positional[i].expands));
  auto sandboxes = std::count_if(refs.begin(), refs.end(), [](const auto& r) {
    return r.kind == container_ref_kind::dockershim_sandbox;
  });
  if (std::none_of(refs.begin(), refs.end(), is_name)) return;

  bool pod_form = sandboxes > 0 && static_cast<size_t>(sandboxes) == refs.size();
  if (pod_form && names.pods.empty()) {
    for (const auto& ref : refs) {
      out.unmapped.push_back({ref.text, "the sandbox (dockershim's pause container) of " +
                                            pod_text(ref) + ": crictl has no pod form of docker " +
                                            rule.docker});
    }
    line.subcommand.clear();
    return;
  }
  if (pod_form) {
    line.subcommand = names.pods;
    const auto& pod_flags = table.crictl_commands.at(names.pods);
    std::vector<std::string> kept;
    for (const auto& flag : line.flags) {
      if (pod_flags.count(first_word(flag))) {
        kept.push_back(flag);
      } else {
        out.unmapped.push_back(
            {flag, "the pod form, crictl " + names.pods + ", has no " + first_word(flag)});
      }
    }
    line.flags = std::move(kept);
  }

  std::vector<std::string> args;
  std::vector<std::string> plain;
  for (size_t i = 0; i < line.args.size(); ++i) {
    if (i >= refs.size() || !is_name(refs[i])) {
      args.push_back(line.args[i]);
      continue;
    }
    const auto& ref = refs[i];
    if (ref.kind == container_ref_kind::dockershim_sandbox && !pod_form) {
      out.unmapped.push_back(
          {ref.text, "a pod sandbox among containers: give it a docker " + rule.docker +
                         " line of its own" +
                         (names.pods.empty() ? "" : " (it becomes crictl " + names.pods + ")")});
      continue;
    }
    std::string lookup = lookup_for(names, ref);
    out.names.push_back({ref.text, kind_name(ref.kind), lookup});
    if (ref.kind == container_ref_kind::name) {
      plain.push_back(ref.text);
    } else {
      add_unique(out.notes, explain(ref));
    }
    if (names.by_label) {
      line.flags.push_back(lookup);  // the command filters by label itself
    } else {
      args.push_back(lookup);
    }
  }
  line.args = std::move(args);
  if (!plain.empty()) add_unique(out.notes, names_note(plain));
  if (!out.names.empty()) {
    add_unique(out.notes, pod_form ? "crictl pods lists sandboxes in every state"
                                   : "names are looked up " + names.why);
    add_unique(out.notes, inexact_note);
    out.exact = false;
  }
}

void describe_container_names(const command_rule& rule, const std::vector<shell_arg>& positional,
                              translation& out) {
  if (!rule.names) return;
  const auto& names = *rule.names;
  size_t targets = names.first_only ? std::min<size_t>(1, positional.size()) : positional.size();
  std::vector<std::string> plain;
  for (size_t i = 0; i < targets; ++i) {
    auto ref = classify_container_ref(positional[i].value, positional[i].expands);
    if (!is_name(ref)) continue;
    if (ref.kind == container_ref_kind::dockershim_sandbox) {
      out.notes.push_back(ref.text + " is the sandbox of " + pod_text(ref) +
                          ": crictl has no pod form of docker " + rule.docker + " either");
      continue;
    }
    std::string lookup = lookup_command(names, ref);
    out.names.push_back({ref.text, kind_name(ref.kind), lookup});
    out.notes.push_back("the id of " + ref.text + ": " + lookup);
    if (ref.kind == container_ref_kind::name) {
      plain.push_back(ref.text);
    } else {
      add_unique(out.notes, explain(ref));
    }
    out.exact = false;
  }
  if (!plain.empty()) add_unique(out.notes, names_note(plain));
}

}  // namespace deshim::translate
