#include "analyze/rule_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "analyze/builtin_rules.h"
#include "analyze/rule_templates.h"
#include "common/regular_file.h"
#include "common/yaml_document.h"

namespace deshim::analyze {
namespace {

const std::vector<std::string>& rule_fields() {
  static const std::vector<std::string> fields = {
      "id",      "title",    "category", "severity",    "description", "template", "params",
      "subject", "evidence", "message",  "remediation", "docs",        "fixed_by"};
  return fields;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string stem_of(const std::string& file) {
  std::string name = std::filesystem::path(file).filename().string();
  if (name.size() > 5 && name.ends_with(".yaml")) name.resize(name.size() - 5);
  return name;
}

/// A text field: a scalar, non-empty when required.
result<std::string> text_field(const std::string& file, const YAML::Node& document,
                               const YAML::Node& value, const char* name, bool required) {
  if (!value.IsDefined() || value.IsNull()) {
    if (!required) return std::string();
    return rule_error_at(file, document, std::string("missing required field \"") + name + "\"",
                         "see docs/rules-format.md, \"Fields\"");
  }
  if (!value.IsScalar()) {
    return rule_error_at(file, value, std::string("field \"") + name + "\" must be text");
  }
  if (required && value.Scalar().empty()) {
    return rule_error_at(file, value, std::string("field \"") + name + "\" must not be empty");
  }
  return value.Scalar();
}

result<placeholder_text> placeholder_field(const std::string& file, const YAML::Node& document,
                                           const YAML::Node& value, const char* name,
                                           bool required) {
  auto text = text_field(file, document, value, name, required);
  if (!text) return text.error();
  auto parsed = placeholder_text::parse(*text);
  if (!parsed) {
    return rule_error_at(file, value,
                         std::string("field \"") + name + "\": " + parsed.error().message(),
                         parsed.error().hint());
  }
  return parsed;
}

std::string match_as_yaml(const YAML::Node& template_node, const YAML::Node& params) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "template" << YAML::Value << template_node;
  if (params.IsDefined() && !params.IsNull()) out << YAML::Key << "params" << YAML::Value << params;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

result<rule> parse_rule_document(const YAML::Node& document, const std::string& file) {
  if (!document.IsMap()) {
    return rule_error_at(file, document, "a rule file must hold one mapping of fields",
                         "start with `id: <the file name>`");
  }
  std::map<std::string, YAML::Node> fields;
  for (const auto& entry : document) {
    if (!entry.first.IsScalar()) return rule_error_at(file, entry.first, "field names are text");
    const std::string key = entry.first.Scalar();
    const auto& known = rule_fields();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return rule_error_at(file, entry.first, "unknown field \"" + key + "\"",
                           "rule fields: " + joined(known));
    }
    if (fields.count(key) != 0) {
      return rule_error_at(file, entry.first, "field \"" + key + "\" is given twice");
    }
    fields[key] = entry.second;
  }
  auto field = [&](const char* name) {
    auto found = fields.find(name);
    return found == fields.end() ? YAML::Node(YAML::NodeType::Undefined) : found->second;
  };

  rule out;
  out.origin = file;
#define DESHIM_FIELD(target, call)    \
  do {                                \
    auto value = call;                \
    if (!value) return value.error(); \
    target = std::move(*value);       \
  } while (false)
  DESHIM_FIELD(out.id, text_field(file, document, field("id"), "id", true));
  static const std::regex id_pattern("^[a-z0-9]+(-[a-z0-9]+)*$");
  if (!std::regex_match(out.id, id_pattern)) {
    return rule_error_at(file, field("id"), "id \"" + out.id + "\" is not a valid rule id",
                         "lower-case words joined by '-', e.g. docker-live-restore");
  }
  if (out.id != stem_of(file)) {
    return rule_error_at(file, field("id"),
                         "id \"" + out.id + "\" differs from the file name \"" +
                             std::filesystem::path(file).filename().string() + "\"",
                         "name the file " + out.id + ".yaml (one id everywhere)");
  }
  DESHIM_FIELD(out.title, text_field(file, document, field("title"), "title", true));
  DESHIM_FIELD(out.category, text_field(file, document, field("category"), "category", true));
  const auto& categories = rule_categories();
  if (std::find(categories.begin(), categories.end(), out.category) == categories.end()) {
    return rule_error_at(file, field("category"), "unknown category \"" + out.category + "\"",
                         "categories: " + joined(categories));
  }
  std::string level;
  DESHIM_FIELD(level, text_field(file, document, field("severity"), "severity", true));
  auto parsed_level = parse_severity(level);
  if (!parsed_level) {
    return rule_error_at(file, field("severity"), "unknown severity \"" + level + "\"",
                         "severity is blocker, warning or info");
  }
  out.level = *parsed_level;
  DESHIM_FIELD(out.description,
               text_field(file, document, field("description"), "description", false));
  DESHIM_FIELD(out.template_name, text_field(file, document, field("template"), "template", true));
  DESHIM_FIELD(out.match,
               build_condition(file, out.template_name, field("params"), field("template")));
  out.match_yaml = match_as_yaml(field("template"), field("params"));
  DESHIM_FIELD(out.subject, placeholder_field(file, document, field("subject"), "subject", false));
  DESHIM_FIELD(out.evidence,
               placeholder_field(file, document, field("evidence"), "evidence", false));
  DESHIM_FIELD(out.message, placeholder_field(file, document, field("message"), "message", true));
  DESHIM_FIELD(out.remediation,
               placeholder_field(file, document, field("remediation"), "remediation", true));
  DESHIM_FIELD(out.docs, text_field(file, document, field("docs"), "docs", true));
  std::string fixed_by;
  DESHIM_FIELD(fixed_by, text_field(file, document, field("fixed_by"), "fixed_by", false));
  if (fixed_by == "migrate") {
    out.fixed_by_migrate = true;
  } else if (!fixed_by.empty() && fixed_by != "person") {
    return rule_error_at(file, field("fixed_by"), "unknown fixed_by \"" + fixed_by + "\"",
                         "fixed_by is migrate (deshim migrate rewrites it by itself) or person "
                         "(the default)");
  }
#undef DESHIM_FIELD
  return out;
}

}  // namespace

result<rule> parse_rule(std::string_view text, const std::string& file) {
  auto loaded = load_yaml_documents(
      text, file, {"not valid YAML", "check the indentation and quote values holding ': ' or '#'"});
  if (!loaded) return loaded.error();
  std::vector<YAML::Node>& documents = *loaded;
  if (documents.empty()) {
    return invalid_input("the rule file is empty", {file, 1, 1},
                         "start with `id: <the file name>`");
  }
  if (documents.size() > 1) {
    return rule_error_at(file, documents[1], "a rule file holds one rule (one YAML document)",
                         "put each rule into its own file rules/<id>.yaml");
  }
  try {
    return parse_rule_document(documents[0], file);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on accesses such as a non-scalar key; report rather than crash.
    source_location where{file};
    if (e.mark.line >= 0) {
      where.line = e.mark.line + 1;
      where.column = e.mark.column + 1;
    }
    return invalid_input("malformed rule: " + e.msg, where);
  }
}

result<std::vector<rule>> load_rules_directory(const std::filesystem::path& folder) {
  std::error_code failure;
  if (!std::filesystem::is_directory(folder, failure)) {
    return invalid_input("rules folder " + folder.string() + " does not exist or is not a folder",
                         {}, "--rules takes a folder of <id>.yaml files");
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder, failure)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  if (failure) {
    return environment_error("cannot list " + folder.string() + ": " + failure.message());
  }
  std::sort(files.begin(), files.end());
  std::vector<rule> out;
  std::map<std::string, std::string> seen;
  for (const auto& path : files) {
    auto text = read_regular_file(path, path.string());  // a FIFO or device is refused
    if (!text) return text.error().with_context("reading a rule file");
    auto parsed = parse_rule(*text, path.string());
    if (!parsed) return parsed.error();
    if (auto [it, fresh] = seen.emplace(parsed->id, path.string()); !fresh) {
      return invalid_input("duplicate rule id \"" + parsed->id + "\" (also in " + it->second + ")",
                           {path.string(), 1, 1});
    }
    out.push_back(std::move(*parsed));
  }
  return out;
}

result<std::vector<rule>> load_builtin_rules() {
  std::vector<rule> out;
  std::set<std::string> seen;
  for (const auto& file : embedded::builtin_rules()) {
    auto parsed = parse_rule(file.content, "rules/" + std::string(file.path));
    if (!parsed) return parsed.error().with_context("built-in rule");
    if (!seen.insert(parsed->id).second) {
      return invalid_input("duplicate built-in rule id \"" + parsed->id + "\"");
    }
    out.push_back(std::move(*parsed));
  }
  std::sort(out.begin(), out.end(), [](const rule& a, const rule& b) { return a.id < b.id; });
  return out;
}

std::vector<rule> merge_rules(std::vector<rule> base, std::vector<rule> extra) {
  for (auto& added : extra) {
    auto same = std::find_if(base.begin(), base.end(),
                             [&](const rule& existing) { return existing.id == added.id; });
    if (same != base.end()) {
      *same = std::move(added);
    } else {
      base.push_back(std::move(added));
    }
  }
  std::sort(base.begin(), base.end(), [](const rule& a, const rule& b) { return a.id < b.id; });
  return base;
}

}  // namespace deshim::analyze
