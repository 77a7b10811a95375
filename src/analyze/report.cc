#include "analyze/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>

namespace deshim::analyze {
namespace {

/// Where the readers put each component's version in the facts (absent or "unknown": not
/// found). Kept here so the report needs no reader's types.
const std::vector<std::pair<std::string, std::vector<std::string>>>& version_paths() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> paths = {
      {"kubernetes", {"kubelet", "kubernetes_version"}},
      {"containerd", {"containerd", "version"}},
      {"docker", {"engine", "server_version"}},
      {"docker-api", {"engine", "api_version"}},
  };
  return paths;
}

const nlohmann::json* find_path(const nlohmann::json& facts, const std::vector<std::string>& keys) {
  const nlohmann::json* current = &facts;
  for (const auto& key : keys) {
    if (!current->is_object()) return nullptr;
    auto found = current->find(key);
    if (found == current->end()) return nullptr;
    current = &*found;
  }
  return current;
}

bool string_is(const nlohmann::json& facts, const std::vector<std::string>& path,
               std::string_view expected) {
  const nlohmann::json* value = find_path(facts, path);
  return value != nullptr && value->is_string() && value->get_ref<const std::string&>() == expected;
}

bool flag_is(const nlohmann::json& facts, const std::vector<std::string>& path, bool expected) {
  const nlohmann::json* value = find_path(facts, path);
  return value != nullptr && value->is_boolean() && value->get<bool>() == expected;
}

/// What was not checked: the two gaps that make a `ready` verdict untrustworthy, then every
/// input that was missing or could not be read.
std::vector<coverage_gap> coverage_of(const nlohmann::json& facts,
                                      const std::vector<input_record>& inputs) {
  std::vector<coverage_gap> gaps;
  if (flag_is(facts, {"kubelet", "found"}, false)) {
    gaps.push_back({"kubelet", "",
                    "no kubelet found (unit, flags file or process): its flags, version and "
                    "runtime settings were not checked; pass --root at the node's filesystem",
                    true});
  }
  if (!flag_is(facts, {"engine", "queried"}, true)) {
    bool live = string_is(facts, {"root"}, "/");
    std::string why =
        "the Docker Engine was not queried: running containers, images, volumes "
        "and swarm state were not checked";
    for (const auto& input : inputs) {
      if (input.kind == "docker engine API" && input.status == "error") {
        why = "the Docker Engine could not be queried (" + input.detail +
              "): running containers, images, volumes and swarm state were not checked";
      }
    }
    gaps.push_back({"docker engine API", "",
                    why + (live ? "; pass --docker-host unix:///var/run/docker.sock" : ""), live});
  }
  for (const auto& input : inputs) {
    if (input.status == "read" || input.kind == "docker engine API") continue;
    gaps.push_back({input.kind, input.path,
                    input.status + (input.detail.empty() ? "" : ": " + input.detail), false});
  }
  return gaps;
}

}  // namespace

std::string rfc3339_utc(std::int64_t unix_seconds) {
  std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

std::string report_time_now() {
  // SOURCE_DATE_EPOCH (reproducible-builds.org) lets tests and archives pin the time.
  if (const char* pinned = std::getenv("SOURCE_DATE_EPOCH"); pinned != nullptr && *pinned) {
    char* end = nullptr;
    long long seconds = std::strtoll(pinned, &end, 10);
    if (end != pinned && *end == '\0' && seconds >= 0) return rfc3339_utc(seconds);
  }
  auto now = std::chrono::system_clock::now();
  return rfc3339_utc(
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
}

std::string_view to_string(verdict value) {
  switch (value) {
    case verdict::ready:
      return "ready";
    case verdict::ready_with_warnings:
      return "ready-with-warnings";
    case verdict::incomplete:
      return "incomplete";
    case verdict::blocked:
      return "blocked";
  }
  return "blocked";
}

std::size_t report::count(severity level) const {
  return static_cast<std::size_t>(std::count_if(
      findings.begin(), findings.end(), [&](const finding& f) { return f.level == level; }));
}

std::string report::node_name() const {
  if (auto found = node.find("node_name"); found != node.end()) return found->second;
  if (auto found = node.find("hostname"); found != node.end()) return found->second;
  return root;
}

report build_report(const nlohmann::json& facts, const std::vector<input_record>& inputs,
                    std::vector<finding> findings, const std::vector<rule>& rules,
                    std::string tool_version) {
  report out;
  out.tool_version = std::move(tool_version);
  if (facts.contains("root") && facts["root"].is_string()) out.root = facts["root"];
  if (auto node = facts.find("node"); node != facts.end() && node->is_object()) {
    for (const auto& [key, value] : node->items()) {
      if (value.is_string() && !value.get<std::string>().empty()) out.node[key] = value;
    }
  }
  for (const auto& [component, path] : version_paths()) {
    const nlohmann::json* value = find_path(facts, path);
    if (value == nullptr || !value->is_string()) continue;
    const std::string& text = value->get_ref<const std::string&>();
    if (!text.empty() && text != "unknown") out.versions[component] = text;
  }
  out.findings = one_per_rule_and_subject(std::move(findings));
  for (const auto& checked : rules) {
    rule_summary summary{checked.id, checked.title, checked.category, checked.level, 0};
    for (const auto& found : out.findings)
      summary.findings += found.rule_id == checked.id ? 1 : 0;
    out.rules.push_back(std::move(summary));
  }
  std::sort(out.rules.begin(), out.rules.end(),
            [](const rule_summary& a, const rule_summary& b) { return a.id < b.id; });
  out.inputs = inputs;
  out.coverage = coverage_of(facts, inputs);
  bool incomplete = std::any_of(out.coverage.begin(), out.coverage.end(),
                                [](const coverage_gap& gap) { return gap.needed_for_verdict; });
  if (out.count(severity::blocker) > 0) {
    out.outcome = verdict::blocked;
  } else if (incomplete) {
    out.outcome = verdict::incomplete;
  } else if (out.count(severity::warning) > 0) {
    out.outcome = verdict::ready_with_warnings;
  }
  return out;
}

bool parse_fail_on(std::string_view text, fail_threshold& out) {
  if (text == "never") {
    out.reset();
    return true;
  }
  auto level = parse_severity(text);
  if (!level) return false;
  out = *level;
  return true;
}

int exit_status_for(const report& result, fail_threshold threshold) {
  if (!threshold) return 0;
  for (const auto& found : result.findings) {
    if (found.level <= *threshold) return 1;
  }
  return 0;
}

std::optional<report_format> parse_report_format(std::string_view text) {
  if (text == "text") return report_format::text;
  if (text == "json") return report_format::json;
  if (text == "yaml") return report_format::yaml;
  if (text == "markdown") return report_format::markdown;
  if (text == "html") return report_format::html;
  if (text == "junit") return report_format::junit;
  return std::nullopt;
}

std::string render_report(const report& result, report_format format, bool color) {
  switch (format) {
    case report_format::text:
      return render_report_text(result, color);
    case report_format::json:
      return render_report_json(result);
    case report_format::yaml:
      return render_report_yaml(result);
    case report_format::markdown:
      return render_report_markdown(result);
    case report_format::html:
      return render_report_html(result);
    case report_format::junit:
      return render_report_junit(result);
  }
  return render_report_text(result, color);
}

}  // namespace deshim::analyze
