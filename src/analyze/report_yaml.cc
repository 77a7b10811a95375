// The YAML report: the JSON report's content and key order, as block YAML.
#include <yaml-cpp/yaml.h>

#include "analyze/report.h"

namespace deshim::analyze {
namespace {

void emit(YAML::Emitter& out, const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << key << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      return;
    case nlohmann::ordered_json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value)
        emit(out, item);
      out << YAML::EndSeq;
      return;
    case nlohmann::ordered_json::value_t::string: {
      const std::string& text = value.get_ref<const std::string&>();
      // Quote strings a YAML reader would otherwise type (true, 3, null, "") or split.
      out << YAML::DoubleQuoted << text;
      return;
    }
    case nlohmann::ordered_json::value_t::null:
      out << YAML::Null;
      return;
    default:
      out << value.dump();
      return;
  }
}

}  // namespace

std::string json_to_yaml(const nlohmann::ordered_json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

std::string render_report_yaml(const report& result) {
  return json_to_yaml(report_to_json(result));
}

}  // namespace deshim::analyze
