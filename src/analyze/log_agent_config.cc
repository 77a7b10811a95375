#include "analyze/log_agent_config.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace deshim::analyze {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// The line's words, lower-cased, split on blanks, ':' , '=' and quotes.
std::vector<std::string> words_of(std::string_view line) {
  std::vector<std::string> out;
  std::string word;
  for (char c : line) {
    if (c == ' ' || c == '\t' || c == ':' || c == '=' || c == '"' || c == '\'' || c == '-' ||
        c == ',') {
      if (!word.empty()) out.push_back(lower(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) out.push_back(lower(word));
  return out;
}

bool starts_with(const std::vector<std::string>& words, std::initializer_list<const char*> head) {
  if (words.size() < head.size()) return false;
  std::size_t i = 0;
  for (const char* word : head) {
    if (words[i++] != word) return false;
  }
  return true;
}

std::string detect_agent(std::string_view key, const std::string& text) {
  std::string name = lower(key);
  if (name.find("fluent-bit") != std::string::npos || name.find("fluentbit") != std::string::npos ||
      text.find("[input]") != std::string::npos || text.find("[service]") != std::string::npos) {
    return "fluent-bit";
  }
  if (name.find("fluent") != std::string::npos || name.find("td-agent") != std::string::npos ||
      text.find("<source>") != std::string::npos || text.find("<match") != std::string::npos) {
    return "fluentd";
  }
  if (name.find("filebeat") != std::string::npos || text.find("filebeat.") != std::string::npos) {
    return "filebeat";
  }
  if (name.find("promtail") != std::string::npos ||
      (text.find("scrape_configs") != std::string::npos &&
       text.find("pipeline_stages") != std::string::npos)) {
    return "promtail";
  }
  if (name.find("vector") != std::string::npos ||
      text.find("kubernetes_logs") != std::string::npos ||
      text.find("[sources.") != std::string::npos) {
    return "vector";
  }
  return {};
}

/// Does this line make the agent parse Docker's json-file format?
bool parses_docker_json(const std::string& agent, const std::vector<std::string>& words) {
  if (agent == "fluentd") {
    return starts_with(words, {"@type", "json"}) || starts_with(words, {"format", "json"}) ||
           starts_with(words, {"@type", "docker"});
  }
  if (agent == "fluent-bit") {
    return starts_with(words, {"parser", "docker"}) || starts_with(words, {"docker_mode", "on"});
  }
  if (agent == "filebeat") {
    return starts_with(words, {"type", "docker"}) || starts_with(words, {"format", "docker"}) ||
           starts_with(words, {"json.message_key", "log"});
  }
  if (agent == "promtail") return starts_with(words, {"docker"});
  if (agent == "vector") {
    return starts_with(words, {"type", "docker_logs"});
  }
  return false;
}

}  // namespace

std::optional<log_agent_finding> inspect_log_agent_config(std::string_view key,
                                                          std::string_view text) {
  std::string lowered = lower(text);
  std::string agent = detect_agent(key, lowered);
  if (agent.empty()) return std::nullopt;
  log_agent_finding out;
  out.agent = agent;
  std::size_t start = 0;
  for (int number = 1; start <= text.size(); ++number) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    auto first = line.find_first_not_of(" \t");
    std::string_view trimmed =
        first == std::string_view::npos ? line.substr(0, 0) : line.substr(first);
    while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\r')) {
      trimmed.remove_suffix(1);
    }
    bool comment = !trimmed.empty() && trimmed[0] == '#';
    if (!comment && trimmed.find("/var/lib/docker/containers") != std::string_view::npos) {
      out.reads_docker_containers = true;
      if (out.path_evidence.empty()) {
        out.path_evidence = "line " + std::to_string(number) + ": " + std::string(trimmed);
      }
    }
    if (!comment && parses_docker_json(agent, words_of(trimmed))) {
      out.parses_docker_json = true;
      if (out.parse_evidence.empty()) {
        out.parse_evidence = "line " + std::to_string(number) + ": " + std::string(trimmed);
      }
    }
    start = end + 1;
  }
  return out;
}

}  // namespace deshim::analyze
