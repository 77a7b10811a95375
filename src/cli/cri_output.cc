#include "cli/cri_output.h"

#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <regex>

#include "runtime/client/go_template.h"

namespace deshim::cli {
namespace {

/// A plain scalar a YAML 1.1 reader (go-yaml v2, PyYAML) would not read back as this string.
bool needs_quotes(const std::string& text) {
  static const std::regex special(
      R"(^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|)"
      R"(null|Null|NULL|~|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|)"
      R"(0x[0-9a-fA-F_]+|0o?[0-7_]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|)"
      R"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*)$)");
  return text.empty() || std::regex_match(text, special);
}

void emit_yaml(YAML::Emitter& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key;
        if (needs_quotes(key)) out << YAML::DoubleQuoted;
        out << key << YAML::Value;
        emit_yaml(out, item);
      }
      out << YAML::EndMap;
      return;
    case nlohmann::json::value_t::array:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : value)
        emit_yaml(out, item);
      out << YAML::EndSeq;
      return;
    case nlohmann::json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (needs_quotes(text)) out << YAML::DoubleQuoted;
      out << text;
      return;
    }
    case nlohmann::json::value_t::null:
      out << YAML::Null;
      return;
    default:
      out << value.dump();
      return;
  }
}

/// jsonpb's EmitDefaults writes an unset message field as null where protobuf's C++ printer
/// leaves it out: the object is rebuilt in the fields' declared order with those nulls, so
/// `.status.uid` or `.stats[0].cpu` is there, and where, as in crictl's output; map keys sorted.
void add_unset_messages(const google::protobuf::Message& message, nlohmann::ordered_json& out) {
  if (!out.is_object()) return;
  const auto* descriptor = message.GetDescriptor();
  if (descriptor->well_known_type() != google::protobuf::Descriptor::WELLKNOWNTYPE_UNSPECIFIED)
    return;
  const auto* reflection = message.GetReflection();
  nlohmann::ordered_json rebuilt = nlohmann::ordered_json::object();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    const std::string name = field->json_name();
    auto found = out.find(name);
    const bool is_message =
        field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE && !field->is_map();
    if (found == out.end()) {
      if (is_message && !field->is_repeated() && !reflection->HasField(message, field))
        rebuilt[name] = nullptr;
      continue;
    }
    nlohmann::ordered_json value = std::move(*found);
    if (field->is_map() && value.is_object()) {
      // Go's encoder sorts map keys; protobuf's C++ printer keeps the hash map's order.
      value = nlohmann::ordered_json::parse(nlohmann::json::parse(value.dump()).dump());
    } else if (is_message && field->is_repeated() && value.is_array()) {
      for (int j = 0; j < reflection->FieldSize(message, field) && j < int(value.size()); ++j)
        add_unset_messages(reflection->GetRepeatedMessage(message, field, j), value[j]);
    } else if (is_message && !field->is_repeated()) {
      add_unset_messages(reflection->GetMessage(message, field), value);
    }
    rebuilt[name] = std::move(value);
  }
  out = std::move(rebuilt);
}

/// golang/protobuf's jsonpb with Indent: as JSON indented by two, except that an empty object
/// or list is written open, `{` newline indent `}` (json.Indent, for the status documents,
/// writes `{}`).
void dump_jsonpb(const nlohmann::ordered_json& value, int depth, std::string& out) {
  const std::string inner(static_cast<std::size_t>(depth + 1) * 2, ' ');
  const std::string closing(static_cast<std::size_t>(depth) * 2, ' ');
  if (value.is_object()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, item] : value.items()) {
      if (!first) out += ",\n";
      first = false;
      out += inner + nlohmann::ordered_json(key).dump() + ": ";
      dump_jsonpb(item, depth + 1, out);
    }
    out += (value.empty() ? "" : "\n") + closing + "}";
  } else if (value.is_array()) {
    out += "[\n";
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += ",\n";
      out += inner;
      dump_jsonpb(value[i], depth + 1, out);
    }
    out += (value.empty() ? "" : "\n") + closing + "]";
  } else {
    out += value.dump();
  }
}

}  // namespace

std::string cri_format(const global_options& options) {
  return options.output == "text" ? "" : options.output;
}

nlohmann::ordered_json cri_message_json(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;  // as crictl: "state": "SANDBOX_READY", "exitCode": 0
  auto status = google::protobuf::util::MessageToJsonString(message, &text, print);
  if (!status.ok()) return nlohmann::ordered_json::object();
  auto out = nlohmann::ordered_json::parse(text, nullptr, false);
  add_unset_messages(message, out);
  return out;
}

nlohmann::ordered_json cri_sorted_below_top(const nlohmann::ordered_json& status) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [key, value] : status.items()) {
    // nlohmann::json keeps its keys sorted: a round trip through it sorts every level.
    out[key] = value.is_structured()
                   ? nlohmann::ordered_json::parse(nlohmann::json::parse(value.dump()).dump())
                   : value;
  }
  return out;
}

nlohmann::ordered_json cri_status_document(
    nlohmann::ordered_json status, const google::protobuf::Map<std::string, std::string>& info) {
  nlohmann::ordered_json out = {{"status", std::move(status)}};
  std::map<std::string, std::string> sorted(info.begin(), info.end());
  for (const auto& [key, value] : sorted) {
    auto parsed = nlohmann::ordered_json::parse(value, nullptr, false);
    out[key] = parsed.is_discarded() ? nlohmann::ordered_json(value) : parsed;
  }
  return out;
}

std::string cri_yaml(const nlohmann::json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit_yaml(out, value);
  return std::string(out.c_str()) + "\n";
}

std::string cri_jsonpb_text(const nlohmann::ordered_json& document) {
  std::string out;
  dump_jsonpb(document, 0, out);
  return out;
}

result<void> cri_emit(const nlohmann::ordered_json& document, const std::string& format,
                      const std::string& template_text, bool jsonpb_layout) {
  if (format == "json") {
    std::cout << (jsonpb_layout ? cri_jsonpb_text(document) : document.dump(2)) << "\n";
  } else if (format == "yaml") {
    // fmt.Println after a text that ends in a newline: crictl's YAML ends with an empty line.
    std::cout << cri_yaml(nlohmann::json::parse(document.dump())) << "\n";
  } else if (format == "go-template") {
    auto text = runtime::run_go_template(template_text, nlohmann::json::parse(document.dump()));
    if (!text) return text.error();
    std::cout << *text << "\n";
  } else {
    return error(error_kind::usage, "output option cannot be " + format, {},
                 "use -o json, -o yaml or -o go-template --template '{{.status.id}}'");
  }
  return {};
}

namespace {

// Go's local date and time of a Unix time in nanoseconds, with `separator` between date and
// time, then the fraction of a second without trailing zeros (none when whole). `local` gets
// the broken-down time, for the zone the caller prints after it.
std::string go_local_time(std::int64_t nanoseconds, char separator, std::tm& local) {
  std::time_t seconds = static_cast<std::time_t>(nanoseconds / 1000000000);
  long fraction = static_cast<long>(nanoseconds % 1000000000);
  if (fraction < 0) {
    fraction += 1000000000;
    --seconds;
  }
  localtime_r(&seconds, &local);
  char buffer[80];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02d%c%02d:%02d:%02d", local.tm_year + 1900,
                local.tm_mon + 1, local.tm_mday, separator, local.tm_hour, local.tm_min,
                local.tm_sec);
  std::string out = buffer;
  if (fraction != 0) {
    std::snprintf(buffer, sizeof(buffer), ".%09ld", fraction);
    std::string digits = buffer;
    while (digits.back() == '0')
      digits.pop_back();
    out += digits;
  }
  return out;
}

}  // namespace

std::string go_rfc3339_nano(std::int64_t nanoseconds) {
  std::tm local{};
  std::string out = go_local_time(nanoseconds, 'T', local);
  long offset = local.tm_gmtoff;
  if (offset == 0) return out + "Z";
  char zone[48];
  std::snprintf(zone, sizeof(zone), "%c%02ld:%02ld", offset < 0 ? '-' : '+',
                std::labs(offset) / 3600, std::labs(offset) % 3600 / 60);
  return out + zone;
}

std::string go_time_string(std::int64_t nanoseconds) {
  std::tm local{};
  std::string out = go_local_time(nanoseconds, ' ', local);
  long offset = local.tm_gmtoff;
  char zone[80];
  std::snprintf(zone, sizeof(zone), " %c%02ld%02ld %s", offset < 0 ? '-' : '+',
                std::labs(offset) / 3600, std::labs(offset) % 3600 / 60,
                local.tm_zone != nullptr ? local.tm_zone : "UTC");
  return out + zone;
}

result<std::string> cri_listing_format(const global_options& options, const char* command) {
  std::string format = cri_format(options);
  if (format.empty()) return std::string("table");
  if (format != "json" && format != "yaml" && format != "table")
    return error(error_kind::usage, "unsupported output format \"" + format + "\"", {},
                 std::string(command) + " prints -o json, yaml or table");
  return format;
}

void print_cri_map(const char* title,
                   const google::protobuf::Map<std::string, std::string>& values) {
  if (values.empty()) return;
  std::cout << title << ":\n";
  std::map<std::string, std::string> sorted(values.begin(), values.end());
  for (const auto& [key, value] : sorted)
    std::cout << "\t" << key << " -> " << value << "\n";
}

}  // namespace deshim::cli
