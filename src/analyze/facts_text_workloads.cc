// The Workloads section of the text facts (facts_text_sections.h).
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "analyze/facts_text_sections.h"
#include "analyze/workload_reader.h"

namespace deshim::analyze {
namespace {

bool mentions_docker(const std::string& text) {
  static constexpr std::string_view word = "docker";
  auto found = std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return found != text.end() || text.find("dind") != std::string::npos;
}

/// Host folders that hold Docker's socket or data: the socket itself, `/`, `/run` and
/// `/var/run` (the socket's folders), and anything under /var/lib/docker.
bool docker_host_path(const std::string& path) {
  return path == "docker.sock" || path.ends_with("/docker.sock") || path == "/" || path == "/run" ||
         path == "/run/" || path == "/var/run" || path == "/var/run/" ||
         path == "/var/lib/docker" || path.starts_with("/var/lib/docker/");
}

std::string shorten(const std::string& text, std::size_t limit = 80) {
  return text.size() <= limit ? text : text.substr(0, limit - 3) + "...";
}

/// What in one container the rules look at, in words; empty when nothing.
std::vector<std::string> container_findings(const workload_container& container,
                                            const workload_facts& facts) {
  std::vector<std::string> out;
  if (container.privileged) out.push_back("privileged");
  if (const std::string& image = facts.text(container.image); mentions_docker(image)) {
    out.push_back("image " + image);
  }
  if (const std::string& command = facts.text(container.command); mentions_docker(command)) {
    out.push_back("runs: " + shorten(command));
  }
  for (const auto& variable : container.env) {
    const std::string& value = facts.text(variable.value);
    out.push_back("env " + facts.text(variable.name) +
                  (value.empty() ? " (from a reference)" : "=" + value));
  }
  for (const auto& mount : container.mounts) {
    const std::string& host = facts.text(mount.host_path);
    const std::string& at = facts.text(mount.mount_path);
    if (mount.host_path != 0 && docker_host_path(host)) {
      out.push_back("hostPath " + host + " at " + at);
    } else if (at == "/var/lib/docker") {
      out.push_back(facts.text(mount.volume_type) + " at " + at);
    }
  }
  return out;
}

std::string subject_of(const workload& item, const workload_facts& facts) {
  const std::string& ns = facts.text(item.namespace_name);
  return (ns.empty() ? "default" : ns) + "/" + facts.text(item.kind) + "/" + facts.text(item.name);
}

std::string source_of(const std::string& file, int line, int item) {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (item >= 0) out += " item " + std::to_string(item);
  return out;
}

/// The first `limit` names, then "and K more".
std::string first_of(const std::vector<std::string>& names, std::size_t limit = 5) {
  if (names.size() <= limit) return facts_list_or_none(names);
  std::vector<std::string> shown(names.begin(), names.begin() + limit);
  return facts_list_or_none(shown) + fmt::format(" and {} more", names.size() - limit);
}

/// Appends `name value  where` lines to a section.
struct section_writer {
  facts_painter paint;
  std::string out;
  void line(const std::string& name, const std::string& value, const std::string& where = "") {
    out +=
        fmt::format("  {:<22} {}{}\n", name, value, where.empty() ? "" : paint.dim("  " + where));
  }
};

/// Where the workloads came from (files given with --workloads, the kubelet's static pods,
/// Lists) and how many of each kind.
void write_sources(const node_facts& facts, section_writer& section) {
  const workload_facts& workloads = facts.workloads;
  std::string static_path = static_pod_path_of(facts);
  std::vector<std::string> files, static_files;
  for (const auto& file : workloads.files) {
    if (file.starts_with(static_path + "/")) {
      static_files.push_back(file.substr(static_path.size() + 1));
    } else {
      files.push_back(file);
    }
  }
  section.line("manifest files",
               files.empty() ? "(none)" : fmt::format("{}: {}", files.size(), first_of(files)));
  section.line("static pods", static_path + ": " + first_of(static_files));
  std::map<text_id, std::size_t> list_items;  // List file -> workloads read from its items
  std::map<std::string, std::size_t> kinds;
  std::size_t static_pods = 0;
  for (const auto& item : workloads.workloads) {
    if (item.item >= 0) ++list_items[item.file];
    ++kinds[workloads.text(item.kind)];
    if (item.static_pod) ++static_pods;
  }
  std::vector<std::string> lists;
  for (const auto& [file, count] : list_items) {
    lists.push_back(
        fmt::format("{}: {} workload{}", workloads.text(file), count, count == 1 ? "" : "s"));
  }
  section.line("Lists", first_of(lists));
  if (workloads.workloads.empty()) {
    section.line("workloads", "(none)");
    return;
  }
  std::vector<std::pair<std::string, std::size_t>> by_count(kinds.begin(), kinds.end());
  std::stable_sort(by_count.begin(), by_count.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> counts;
  for (const auto& [kind, count] : by_count)
    counts.push_back(fmt::format("{} {}", count, kind));
  section.line("workloads",
               fmt::format("{}: {}{}", workloads.workloads.size(), facts_list_or_none(counts),
                           static_pods ? fmt::format(" ({} static)", static_pods) : ""));
}

/// Per workload, only what the rules look at: a 59,000-pod List is mostly pods with nothing
/// to say, so they are counted and the first few with Docker facts are shown.
void write_workloads(const workload_facts& workloads, section_writer& section) {
  if (workloads.workloads.empty()) return;
  std::size_t with_facts = 0;
  std::string listed;
  for (const auto& item : workloads.workloads) {
    std::vector<std::pair<std::string, std::vector<std::string>>> containers;
    for (const auto& container : item.containers) {
      auto found = container_findings(container, workloads);
      if (!found.empty()) {
        containers.emplace_back(workloads.text(container.name) + (container.init ? " (init)" : ""),
                                std::move(found));
      }
    }
    if (!item.compose_markers.empty()) {
      std::vector<std::string> markers;
      for (text_id marker : item.compose_markers)
        markers.push_back(workloads.text(marker));
      containers.emplace_back("compose labels", std::move(markers));
    }
    if (containers.empty()) continue;
    if (++with_facts > facts_text_listed_items) continue;
    listed += fmt::format(
        "  {}{}\n", subject_of(item, workloads),
        section.paint.dim("  " + source_of(workloads.text(item.file), item.line, item.item)));
    for (const auto& [name, found] : containers) {
      listed +=
          fmt::format("    {:<20} {}\n", name, section.paint.yellow(facts_list_or_none(found)));
    }
  }
  std::size_t total = workloads.workloads.size();
  section.line("with Docker facts",
               with_facts ? section.paint.yellow(fmt::format("{} of {}", with_facts, total))
                          : fmt::format("none of {}", total));
  section.out += listed;
  if (with_facts > facts_text_listed_items) {
    section.out += fmt::format("  ... and {} more (-o json lists every one)\n",
                               with_facts - facts_text_listed_items);
  }
}

/// Log agents configured in ConfigMaps, listing those reading Docker's log files or format.
void write_log_agents(const workload_facts& workloads, section_writer& section) {
  const facts_painter& paint = section.paint;
  std::size_t agents = 0;
  std::string listed;
  for (const auto& config : workloads.log_configs) {
    if (!config.reads_docker_containers && !config.parses_docker_json) continue;
    if (++agents > facts_text_listed_items) continue;
    const std::string& ns = workloads.text(config.namespace_name);
    listed += fmt::format(
        "  {}/ConfigMap/{} key {}{}\n", ns.empty() ? "default" : ns, workloads.text(config.name),
        workloads.text(config.key),
        paint.dim("  " + source_of(workloads.text(config.file), config.line, config.item)));
    const std::string& agent = workloads.text(config.agent);
    if (config.reads_docker_containers) {
      listed +=
          fmt::format("    {:<20} {}{}\n", agent, paint.yellow("reads /var/lib/docker/containers"),
                      paint.dim("  " + workloads.text(config.path_evidence)));
    }
    if (config.parses_docker_json) {
      listed +=
          fmt::format("    {:<20} {}{}\n", agent, paint.yellow("parses Docker's json-file lines"),
                      paint.dim("  " + workloads.text(config.parse_evidence)));
    }
  }
  section.line("log agent configs", workloads.log_configs.empty()
                                        ? "(none)"
                                        : fmt::format("{}, {} reading Docker's logs",
                                                      workloads.log_configs.size(), agents));
  section.out += listed;
  if (agents > facts_text_listed_items) {
    section.out += fmt::format("  ... and {} more (-o json lists every one)\n",
                               agents - facts_text_listed_items);
  }
}

}  // namespace

std::string render_workloads_text(const node_facts& facts, bool color) {
  section_writer section{facts_painter{color}, ""};
  section.out = "\n" + section.paint.bold("Workloads") + "\n";
  write_sources(facts, section);
  write_workloads(facts.workloads, section);
  write_log_agents(facts.workloads, section);
  return section.out;
}

}  // namespace deshim::analyze
