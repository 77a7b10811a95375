#include "runtime/client/cri_config_file.h"

#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/json_document.h"
#include "common/yaml_document.h"

namespace deshim::runtime {
namespace {

namespace pb = google::protobuf;
namespace v1 = ::runtime::v1;
using nlohmann::json;

/// What the YAML reader learned on the way to JSON: where each value sits in the file, and
/// which scalars were plain (unquoted), whose type the proto field decides.
struct yaml_facts {
  std::map<std::string, line_column> positions;
  std::set<std::string> plain_scalars;
};

std::string child_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string index_path(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

line_column position_of_mark(const YAML::Mark& mark) {
  return {mark.line + 1, mark.column + 1};
}

/// YAML to JSON without types: every scalar becomes a string (or null); the walk below gives
/// plain scalars their field's type.
result<json> yaml_to_json(const YAML::Node& node, const std::string& path, yaml_facts& facts,
                          const std::string& file) {
  facts.positions[path] = position_of_mark(node.Mark());
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return json(nullptr);
    case YAML::NodeType::Scalar:
      if (node.Tag() != "!") facts.plain_scalars.insert(path);
      return json(node.Scalar());
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (size_t i = 0; i < node.size(); ++i) {
        auto item = yaml_to_json(node[i], index_path(path, i), facts, file);
        if (!item) return item.error();
        out.push_back(std::move(*item));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          auto at = position_of_mark(entry.first.Mark());
          return invalid_input("a key must be a plain name", {file, at.line, at.column, path},
                               "write keys as `name: value`");
        }
        const std::string key = entry.first.Scalar();
        auto value = yaml_to_json(entry.second, child_path(path, key), facts, file);
        if (!value) return value.error();
        out[key] = std::move(*value);
      }
      return out;
    }
  }
  return json(nullptr);
}

/// Checks one document against a message type: drops unknown keys (with a warning), gives
/// plain YAML scalars their field's type and rejects values of the wrong type.
class schema_walk {
 public:
  schema_walk(std::string file, const yaml_facts* yaml, std::vector<std::string>& warnings)
      : file_(std::move(file)), yaml_(yaml), warnings_(warnings) {}

  result<json> message(const json& value, const pb::Descriptor* type, const std::string& path) {
    if (!value.is_object())
      return mismatch(path, "a mapping of " + std::string(type->name()) + " fields", value);
    json out = json::object();
    for (const auto& [key, item] : value.items()) {
      const std::string item_path = child_path(path, key);
      const pb::FieldDescriptor* field = find_field(type, key);
      if (field == nullptr) {
        warnings_.push_back(where(item_path) + ": key \"" + item_path + "\" is not a field of " +
                            type->full_name() + "; ignored");
        continue;
      }
      if (item.is_null()) continue;  // as Go's decoder: null leaves the zero value
      auto converted = field_value(item, field, item_path);
      if (!converted) return converted.error();
      out[key] = std::move(*converted);
    }
    return out;
  }

 private:
  static const pb::FieldDescriptor* find_field(const pb::Descriptor* type, const std::string& key) {
    for (int i = 0; i < type->field_count(); ++i) {
      const auto* field = type->field(i);
      if (field->name() == key || field->json_name() == key) return field;
    }
    return nullptr;
  }

  result<json> field_value(const json& value, const pb::FieldDescriptor* field,
                           const std::string& path) {
    if (field->is_map()) {
      if (!value.is_object()) return mismatch(path, "a mapping of names to values", value);
      const auto* value_field = field->message_type()->map_value();
      json out = json::object();
      for (const auto& [key, item] : value.items()) {
        auto converted = single(item, value_field, child_path(path, key));
        if (!converted) return converted.error();
        out[key] = std::move(*converted);
      }
      return out;
    }
    if (field->is_repeated()) {
      if (!value.is_array()) return mismatch(path, "a list", value);
      json out = json::array();
      for (size_t i = 0; i < value.size(); ++i) {
        auto converted = single(value[i], field, index_path(path, i));
        if (!converted) return converted.error();
        out.push_back(std::move(*converted));
      }
      return out;
    }
    return single(value, field, path);
  }

  result<json> single(const json& value, const pb::FieldDescriptor* field,
                      const std::string& path) {
    const bool plain = yaml_ != nullptr && yaml_->plain_scalars.count(path) > 0;
    switch (field->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        return message(value, field->message_type(), path);
      case pb::FieldDescriptor::CPPTYPE_STRING:
        if (value.is_string()) return value;
        return mismatch(path, "a string", value);
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        if (value.is_boolean()) return value;
        if (plain) {
          const std::string text = value.get<std::string>();
          if (text == "true" || text == "True" || text == "TRUE") return json(true);
          if (text == "false" || text == "False" || text == "FALSE") return json(false);
        }
        return mismatch(path, "true or false", value);
      case pb::FieldDescriptor::CPPTYPE_INT32:
      case pb::FieldDescriptor::CPPTYPE_INT64:
        return integer(value, path, plain, false);
      case pb::FieldDescriptor::CPPTYPE_UINT32:
      case pb::FieldDescriptor::CPPTYPE_UINT64:
        return integer(value, path, plain, true);
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      case pb::FieldDescriptor::CPPTYPE_FLOAT:
        if (value.is_number()) return value;
        if (plain) {
          try {
            size_t used = 0;
            const std::string text = value.get<std::string>();
            double number = std::stod(text, &used);
            if (used == text.size()) return json(number);
          } catch (const std::exception&) {
          }
        }
        return mismatch(path, "a number", value);
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        const auto* type = field->enum_type();
        if (value.is_number_integer() && type->FindValueByNumber(value.get<int>()) != nullptr)
          return value;
        if (value.is_string()) {
          const std::string text = value.get<std::string>();
          if (type->FindValueByName(text) != nullptr) return value;
          int number = 0;
          auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
          if (plain && ec == std::errc() && end == text.data() + text.size() &&
              type->FindValueByNumber(number) != nullptr)
            return json(number);
        }
        std::string names;
        for (int i = 0; i < type->value_count(); ++i) {
          names += (i == 0 ? "" : ", ") + type->value(i)->name() + " (" +
                   std::to_string(type->value(i)->number()) + ")";
        }
        return mismatch(path, "one of " + names, value);
      }
    }
    return mismatch(path, "a known type", value);
  }

  result<json> integer(const json& value, const std::string& path, bool plain, bool is_unsigned) {
    if (value.is_number_unsigned()) return value;
    if (value.is_number_integer()) {
      if (is_unsigned && value.get<std::int64_t>() < 0)
        return mismatch(path, "a number of zero or more", value);
      return value;
    }
    if (plain) {
      const std::string text = value.get<std::string>();
      std::int64_t number = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
        if (is_unsigned && number < 0) return mismatch(path, "a number of zero or more", value);
        return json(number);
      }
    }
    return mismatch(path, is_unsigned ? "a whole number of zero or more" : "a whole number", value);
  }

  std::string where(const std::string& path) const {
    source_location at = location(path);
    return at.describe();
  }

  source_location location(const std::string& path) const {
    if (yaml_ != nullptr) {
      auto found = yaml_->positions.find(path);
      if (found != yaml_->positions.end())
        return {file_, found->second.line, found->second.column, path};
    }
    return {file_, 0, 0, path};
  }

  error mismatch(const std::string& path, const std::string& expected, const json& value) const {
    std::string shown = value.is_string() ? "\"" + value.get<std::string>() + "\"" : value.dump();
    if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
    return invalid_input("\"" + path + "\" must be " + expected + ", not " + shown, location(path),
                         "see crictl's example configs (docs/cri.md); field names are the CRI "
                         "proto's, e.g. metadata, log_directory, linux.security_context");
  }

  std::string file_;
  const yaml_facts* yaml_;
  std::vector<std::string>& warnings_;
};

template <typename Message>
result<config_file<Message>> parse_config(std::string_view text, const std::string& file) {
  config_file<Message> out;
  json document;
  yaml_facts facts;
  const bool is_yaml = guess_config_format(file, text) == config_format::yaml;
  if (is_yaml) {
    // The bounded loader: a pod config is user input, and an alias loop or a billion laughs
    // must be an error, not a crash or all the node's memory.
    auto root = load_yaml_document(
        text, file, {"not valid YAML", "check the indentation and quoting at that position"});
    if (!root) return root.error();
    auto converted = yaml_to_json(*root, "", facts, file);
    if (!converted) return converted.error();
    document = std::move(*converted);
  } else {
    auto parsed = parse_json_document(text, file);
    if (!parsed) return parsed.error();
    document = std::move(*parsed);
  }
  const auto* type = Message::descriptor();
  if (!document.is_object()) {
    return invalid_input(
        "a " + type->name() + " file must hold one mapping of fields", {file, 1, 1},
        type->name() == "PodSandboxConfig"
            ? "start from {\"metadata\": {\"name\": ..., \"namespace\": ..., \"uid\": ...}}"
            : "start from {\"metadata\": {\"name\": ...}, \"image\": {\"image\": ...}}");
  }
  schema_walk walk(file, is_yaml ? &facts : nullptr, out.warnings);
  auto checked = walk.message(document, type, "");
  if (!checked) return checked.error();
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = pb::util::JsonStringToMessage(checked->dump(), &out.message, options);
  if (!status.ok()) {
    return invalid_input(
        "cannot read it as a " + type->full_name() + ": " + std::string(status.message()), {file},
        "see docs/cri.md for the fields crictl's configs use");
  }
  return out;
}

template <typename Message>
result<config_file<Message>> load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return error(error_kind::not_found, "cannot read " + file.string(), {file.string()},
                 "give the path of a JSON or YAML config file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config<Message>(text.str(), file.string());
}

}  // namespace

config_format guess_config_format(const std::string& file, std::string_view text) {
  auto ends_with = [&](std::string_view suffix) {
    return file.size() >= suffix.size() &&
           file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".json")) return config_format::json;
  if (ends_with(".yaml") || ends_with(".yml")) return config_format::yaml;
  size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{' ? config_format::json
                                                               : config_format::yaml;
}

result<config_file<v1::PodSandboxConfig>> parse_pod_config(std::string_view text,
                                                           const std::string& file) {
  return parse_config<v1::PodSandboxConfig>(text, file);
}

result<config_file<v1::ContainerConfig>> parse_container_config(std::string_view text,
                                                                const std::string& file) {
  return parse_config<v1::ContainerConfig>(text, file);
}

result<config_file<v1::PodSandboxConfig>> load_pod_config(const std::filesystem::path& file) {
  return load_config<v1::PodSandboxConfig>(file);
}

result<config_file<v1::ContainerConfig>> load_container_config(const std::filesystem::path& file) {
  return load_config<v1::ContainerConfig>(file);
}

}  // namespace deshim::runtime
