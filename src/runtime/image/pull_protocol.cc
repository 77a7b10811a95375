#include "runtime/image/pull_protocol.h"

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

namespace deshim::runtime {

namespace {

using nlohmann::json;

constexpr std::array<std::pair<error_kind, const char*>, 5> kind_names{{
    {error_kind::invalid_input, "invalid_input"},
    {error_kind::usage, "usage"},
    {error_kind::not_found, "not_found"},
    {error_kind::environment, "environment"},
    {error_kind::internal, "internal"},
}};

const char* name_of(error_kind kind) {
  for (const auto& [known, name] : kind_names) {
    if (known == kind) return name;
  }
  return "internal";
}

std::optional<error_kind> kind_named(const std::string& name) {
  for (const auto& [known, known_name] : kind_names) {
    if (name == known_name) return known;
  }
  return std::nullopt;
}

error bad_argument(const std::string& message) {
  return error(error_kind::usage, "deshim runtime pull: " + message, {},
               "this command is run by deshim-cri, not by people; see docs/runtime.md");
}

/// A JSON object from `text`, or nullopt (nlohmann throws nothing in this mode).
std::optional<json> parse_object(std::string_view text) {
  json document = json::parse(text.begin(), text.end(), nullptr, false);
  if (document.is_discarded() || !document.is_object()) return std::nullopt;
  return document;
}

/// A string member, "" when absent; nullopt when present but not a string.
std::optional<std::string> string_member(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::string();
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::vector<std::string> pull_child_arguments(const pull_request& request) {
  std::vector<std::string> out{"--image-root",
                               request.image_root.string(),
                               "--snapshotter",
                               request.snapshotter,
                               "--max-concurrent-downloads",
                               std::to_string(request.max_concurrent_downloads)};
  if (!request.registry_config_path.empty()) {
    out.push_back("--registry-config-path");
    out.push_back(request.registry_config_path.string());
  }
  // After `--`, so that no reference is ever read as an option.
  out.push_back("--");
  out.push_back(request.reference);
  return out;
}

result<pull_request> parse_pull_child_arguments(const std::vector<std::string>& args) {
  pull_request out;
  out.max_concurrent_downloads = -1;
  bool reference_seen = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--") {
      if (i + 2 != args.size()) return bad_argument("expected one image reference after --");
      out.reference = args[i + 1];
      reference_seen = true;
      break;
    }
    if (i + 1 >= args.size()) return bad_argument(flag + " needs a value");
    const std::string& value = args[++i];
    if (flag == "--image-root") {
      out.image_root = value;
    } else if (flag == "--snapshotter") {
      if (value != "overlayfs" && value != "native")
        return bad_argument("--snapshotter must be overlayfs or native, not \"" + value + "\"");
      out.snapshotter = value;
    } else if (flag == "--registry-config-path") {
      out.registry_config_path = value;
    } else if (flag == "--max-concurrent-downloads") {
      int parsed = 0;
      auto [end, failure] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (failure != std::errc() || end != value.data() + value.size() || parsed < 1)
        return bad_argument("--max-concurrent-downloads must be a positive number, not \"" + value +
                            "\"");
      out.max_concurrent_downloads = parsed;
    } else {
      return bad_argument("unknown argument " + flag);
    }
  }
  if (out.image_root.empty() || !out.image_root.is_absolute())
    return bad_argument("--image-root needs an absolute path");
  if (out.snapshotter.empty()) return bad_argument("--snapshotter is missing");
  if (out.max_concurrent_downloads < 1)
    return bad_argument("--max-concurrent-downloads is missing");
  if (!reference_seen || out.reference.empty())
    return bad_argument("the image reference is missing (after --)");
  return out;
}

image_service_options options_for(const pull_request& request) {
  image_service_options out;
  out.root = request.image_root;
  out.snapshotter = request.snapshotter;
  out.registry_config_path = request.registry_config_path;
  out.max_concurrent_downloads = request.max_concurrent_downloads;
  return out;
}

std::string encode_credentials(const registry_credentials& credentials) {
  return json{{"username", credentials.username},
              {"password", credentials.password},
              {"auth", credentials.auth},
              {"identity_token", credentials.identity_token},
              {"registry_token", credentials.registry_token},
              {"server_address", credentials.server_address}}
      .dump();
}

result<registry_credentials> decode_credentials(std::string_view text) {
  auto document = parse_object(text);
  if (!document) {
    return error(error_kind::usage,
                 "deshim runtime pull: stdin holds no JSON object with the credentials", {},
                 "write `{}` when there are none");
  }
  registry_credentials out;
  std::pair<const char*, std::string*> fields[] = {{"username", &out.username},
                                                   {"password", &out.password},
                                                   {"auth", &out.auth},
                                                   {"identity_token", &out.identity_token},
                                                   {"registry_token", &out.registry_token},
                                                   {"server_address", &out.server_address}};
  for (auto& [key, target] : fields) {
    auto value = string_member(*document, key);
    if (!value)
      return error(error_kind::usage,
                   std::string("deshim runtime pull: credential \"") + key + "\" is not a string");
    *target = std::move(*value);
  }
  return out;
}

std::string encode_pull_answer(const result<std::string>& outcome) {
  if (outcome) return json{{"image_id", *outcome}}.dump() + "\n";
  const error& failure = outcome.error();
  return json{{"error",
               {{"kind", name_of(failure.kind())},
                {"message", failure.message()},
                {"hint", failure.hint()},
                {"file", failure.where().file},
                {"line", failure.where().line},
                {"column", failure.where().column},
                {"field", failure.where().field}}}}
             .dump() +
         "\n";
}

result<result<std::string>> decode_pull_answer(std::string_view text) {
  auto unreadable = [&](const std::string& why) {
    return environment_error("the pull child gave no answer (" + why + ")");
  };
  auto document = parse_object(text);
  if (!document) return unreadable("its output is not a JSON object");
  if (auto id = document->find("image_id"); id != document->end()) {
    if (!id->is_string() || id->get<std::string>().empty())
      return unreadable("image_id is not a string");
    return result<std::string>(id->get<std::string>());
  }
  auto failure = document->find("error");
  if (failure == document->end() || !failure->is_object())
    return unreadable("neither image_id nor error");
  auto kind_text = string_member(*failure, "kind");
  auto kind = kind_text ? kind_named(*kind_text) : std::nullopt;
  auto message = string_member(*failure, "message");
  auto hint = string_member(*failure, "hint");
  auto file = string_member(*failure, "file");
  auto field = string_member(*failure, "field");
  if (!kind || !message || message->empty() || !hint || !file || !field)
    return unreadable("a malformed error");
  auto number = [&](const char* key) {
    auto it = failure->find(key);
    return it != failure->end() && it->is_number_integer() ? it->get<int>() : 0;
  };
  return result<std::string>(error(
      *kind, *message, source_location(*file, number("line"), number("column"), *field), *hint));
}

}  // namespace deshim::runtime
