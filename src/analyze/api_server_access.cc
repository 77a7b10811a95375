#include "analyze/api_server_access.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <cstring>

#include "common/regular_file.h"
#include "common/yaml_document.h"

namespace deshim::analyze {
namespace {

namespace fs = std::filesystem;

const char* const kubeconfig_hint =
    "check the kubeconfig with `kubectl --kubeconfig FILE config view`, or give --context";

source_location location_of(const YAML::Node& node, const std::string& file,
                            const std::string& field) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return {file, 0, 0, field};
  return {file, mark.line + 1, mark.column + 1, field};
}

/// A string field of `map`, or an empty string when it is absent.
result<std::string> string_field(const YAML::Node& map, const char* key, const std::string& file,
                                 const std::string& path) {
  YAML::Node value = map[key];
  if (!value || value.IsNull()) return std::string();
  if (!value.IsScalar()) {
    return invalid_input(std::string(key) + " must be a string", location_of(value, file, path),
                         kubeconfig_hint);
  }
  return value.Scalar();
}

/// The entry named `name` of the kubeconfig's list `list` (clusters, contexts, users), and its
/// body under `body` (cluster, context, user).
result<YAML::Node> named_entry(const YAML::Node& root, const char* list, const char* body,
                               const std::string& name, const std::string& file) {
  YAML::Node entries = root[list];
  if (entries && entries.IsSequence()) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      YAML::Node entry = entries[i];
      if (!entry.IsMap() || !entry["name"] || !entry["name"].IsScalar() ||
          entry["name"].Scalar() != name) {
        continue;
      }
      YAML::Node inner = entry[body];
      std::string path = std::string(list) + "[" + std::to_string(i) + "]." + body;
      if (!inner || !inner.IsMap()) {
        return invalid_input(std::string(list) + " entry \"" + name + "\" has no " + body + " map",
                             location_of(entry, file, path), kubeconfig_hint);
      }
      return inner;
    }
  }
  return invalid_input("the kubeconfig has no " +
                           std::string(list).substr(0, std::strlen(list) - 1) + " named \"" + name +
                           "\"",
                       location_of(root, file, list), kubeconfig_hint);
}

/// base64 as kubeconfig's `*-data` fields hold it (standard alphabet, padded).
result<std::string> decode_base64(const std::string& text, const source_location& where) {
  std::string compact;
  for (char c : text) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact += c;
  }
  if (compact.size() % 4 != 0) {
    return invalid_input("not base64 (its length is not a multiple of 4)", where,
                         "paste the output of `base64 -w0 FILE`");
  }
  std::string out(compact.size() / 4 * 3, '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(compact.data()),
                               static_cast<int>(compact.size()));
  if (length < 0) {
    return invalid_input("not base64", where, "paste the output of `base64 -w0 FILE`");
  }
  // EVP_DecodeBlock counts the padding as data; drop a byte per '='.
  std::size_t padding = 0;
  for (auto it = compact.rbegin(); it != compact.rend() && *it == '='; ++it)
    ++padding;
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

/// The text of the file named by `key` (relative to `base`), or empty when `key` is absent.
result<std::string> named_file_text(const YAML::Node& map, const std::string& key,
                                    const fs::path& base, const std::string& file,
                                    const std::string& path) {
  auto named = string_field(map, key.c_str(), file, path + "." + key);
  if (!named) return named.error();
  if (named->empty()) return std::string();
  fs::path target = fs::path(*named).is_absolute() ? fs::path(*named) : base / *named;
  auto text = read_regular_file(target, target.string());
  if (!text) {
    return text.error().with_context("reading " + key + " of " + file + " (" + path + ")");
  }
  return text;
}

/// PEM text from `<key>-data` (base64) or else from the file `<key>` names.
result<std::string> data_or_file(const YAML::Node& map, const std::string& key,
                                 const fs::path& base, const std::string& file,
                                 const std::string& path) {
  const std::string data_key = key + "-data";
  auto data = string_field(map, data_key.c_str(), file, path + "." + data_key);
  if (!data) return data.error();
  if (!data->empty()) {
    return decode_base64(*data, location_of(map[data_key], file, path + "." + data_key));
  }
  return named_file_text(map, key, base, file, path);
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

result<api_server_access> read_kubeconfig(const fs::path& file, const std::string& context) {
  const std::string display = file.string();
  auto text = read_regular_file(file, display);
  if (!text) return text.error();
  auto loaded = load_yaml_document(*text, display);
  if (!loaded) return loaded.error();
  const YAML::Node& root = *loaded;
  if (!root.IsMap()) {
    return invalid_input("not a kubeconfig: the document is not a map", {display, 1, 1},
                         kubeconfig_hint);
  }
  const fs::path base = file.parent_path();

  std::string context_name = context;
  if (context_name.empty()) {
    auto current = string_field(root, "current-context", display, "current-context");
    if (!current) return current.error();
    if (current->empty()) {
      return invalid_input("the kubeconfig sets no current-context", {display, 0, 0},
                           "give --context NAME");
    }
    context_name = *current;
  }
  auto context_body = named_entry(root, "contexts", "context", context_name, display);
  if (!context_body) return context_body.error();
  auto cluster_name = string_field(*context_body, "cluster", display, "context.cluster");
  if (!cluster_name) return cluster_name.error();
  auto user_name = string_field(*context_body, "user", display, "context.user");
  if (!user_name) return user_name.error();

  api_server_access access;
  access.source = "kubeconfig " + display + " (context " + context_name + ")";

  auto cluster = named_entry(root, "clusters", "cluster", *cluster_name, display);
  if (!cluster) return cluster.error();
  auto server = string_field(*cluster, "server", display, "cluster.server");
  if (!server) return server.error();
  if (!server->starts_with("https://") && !server->starts_with("http://")) {
    return invalid_input("cluster \"" + *cluster_name + "\" has no https:// server",
                         location_of(*cluster, display, "cluster.server"), kubeconfig_hint);
  }
  access.server = *server;
  while (access.server.ends_with("/"))
    access.server.pop_back();
  auto ca = data_or_file(*cluster, "certificate-authority", base, display, "cluster");
  if (!ca) return ca.error();
  access.ca_pem = std::move(*ca);
  if (YAML::Node skip = (*cluster)["insecure-skip-tls-verify"]; skip && skip.IsScalar()) {
    access.insecure_skip_tls_verify = skip.Scalar() == "true";
  }
  auto server_name = string_field(*cluster, "tls-server-name", display, "cluster.tls-server-name");
  if (!server_name) return server_name.error();
  access.tls_server_name = *server_name;

  if (user_name->empty()) return access;  // anonymous, as kubectl allows
  auto user = named_entry(root, "users", "user", *user_name, display);
  if (!user) return user.error();
  for (const char* plugin : {"exec", "auth-provider"}) {
    if ((*user)[plugin]) {
      return invalid_input(
          "user \"" + *user_name + "\" gets its credentials from " +
              (std::string(plugin) == "exec" ? "an exec plugin" : "an auth provider") +
              ", which deshim does not run",
          location_of((*user)[plugin], display, std::string("user.") + plugin),
          "give a kubeconfig whose user has a token, a token file, or a client "
          "certificate and key (a service account's token is usual for a fleet)");
    }
  }
  auto token = string_field(*user, "token", display, "user.token");
  if (!token) return token.error();
  access.bearer_token = *token;
  if (access.bearer_token.empty()) {
    auto token_file = named_file_text(*user, "tokenFile", base, display, "user");
    if (!token_file) return token_file.error();
    access.bearer_token = trimmed(*token_file);
  }
  auto certificate = data_or_file(*user, "client-certificate", base, display, "user");
  if (!certificate) return certificate.error();
  auto key = data_or_file(*user, "client-key", base, display, "user");
  if (!key) return key.error();
  if (certificate->empty() != key->empty()) {
    return invalid_input("user \"" + *user_name + "\" has a client certificate without its key, " +
                             "or a key without its certificate",
                         location_of(*user, display, "user"), kubeconfig_hint);
  }
  access.client_certificate_pem = std::move(*certificate);
  access.client_key_pem = std::move(*key);
  return access;
}

std::optional<result<api_server_access>> in_cluster_access() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  if (host == nullptr || *host == '\0') return std::nullopt;
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  fs::path folder = default_service_account_dir;
  if (const char* moved = std::getenv("DESHIM_SERVICE_ACCOUNT_DIR"); moved && *moved) {
    folder = moved;
  }
  api_server_access access;
  access.source = "in-cluster service account (" + folder.string() + ")";
  std::string host_text = host;
  // An IPv6 service address needs brackets in a URL.
  if (host_text.find(':') != std::string::npos) host_text = "[" + host_text + "]";
  access.server = "https://" + host_text + ":" + (port && *port ? port : "443");
  auto token = read_regular_file(folder / "token", (folder / "token").string());
  if (!token) {
    return token.error().with_context(
        "KUBERNETES_SERVICE_HOST is set, but the service account's token is not readable");
  }
  access.bearer_token = trimmed(*token);
  auto ca = read_regular_file(folder / "ca.crt", (folder / "ca.crt").string());
  if (!ca) return ca.error();
  access.ca_pem = std::move(*ca);
  return access;
}

}  // namespace deshim::analyze
