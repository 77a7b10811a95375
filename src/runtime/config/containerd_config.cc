#include "runtime/config/containerd_config.h"

#include <algorithm>

#include "common/nesting_limit.h"
#include "runtime/config/config_keys.h"

namespace deshim::runtime {

bool containerd_config_document::cri_disabled() const {
  return std::any_of(disabled_plugins.begin(), disabled_plugins.end(), [](const std::string& id) {
    return id == "cri" || id == cri_plugin_id_v2 || id == "io.containerd.cri.v1.runtime" ||
           id == "io.containerd.cri.v1.images";
  });
}

result<containerd_config_document> parse_containerd_config(std::string_view text,
                                                           const std::string& file_for_errors) {
  containerd_config_document out;
  // toml++ builds tables of any depth and destroys them recursively.
  if (auto nesting = check_toml_nesting(text, file_for_errors); !nesting) return nesting.error();
  try {
    out.table = toml::parse(text, file_for_errors);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return invalid_input(
        "invalid TOML: " + std::string(e.description()),
        {file_for_errors, static_cast<int>(begin.line), static_cast<int>(begin.column)},
        "fix the TOML syntax at this position; `containerd config dump` shows "
        "a valid file");
  }
  if (const toml::node* version = out.table.get("version")) {
    auto number = version->value<int64_t>();
    if (!number || *number < 1) {
      const auto& begin = version->source().begin;
      return invalid_input("version must be a whole number (1, 2 or 3)",
                           {file_for_errors, static_cast<int>(begin.line),
                            static_cast<int>(begin.column), "version"},
                           "write `version = 2` for containerd 1.x or `version = 3` for 2.x");
    }
    out.version = static_cast<int>(*number);
    out.version_declared = true;
  }
  if (const toml::node* disabled = out.table.get("disabled_plugins")) {
    const toml::array* list = disabled->as_array();
    if (list == nullptr) {
      const auto& begin = disabled->source().begin;
      return invalid_input("disabled_plugins must be a list of plugin ids",
                           {file_for_errors, static_cast<int>(begin.line),
                            static_cast<int>(begin.column), "disabled_plugins"},
                           "write disabled_plugins = [] to disable none");
    }
    for (const auto& item : *list) {
      if (auto id = item.value<std::string>()) out.disabled_plugins.push_back(*id);
    }
  }
  return out;
}

}  // namespace deshim::runtime

namespace deshim::runtime {
namespace {

/// Typed reads of optional keys; a present key of the wrong type is an error at its position.
class table_reader {
 public:
  table_reader(const std::string& file, std::vector<std::string> prefix)
      : file_(file), prefix_(std::move(prefix)) {}

  result<void> read_string(const toml::table* table, std::string_view key, std::string& out) {
    const toml::node* node = find(table, key);
    if (node == nullptr) return {};
    if (auto value = node->value<std::string>()) {
      out = *value;
      return {};
    }
    return wrong_type(*node, key, "a string", "write it in double quotes");
  }
  result<void> read_int(const toml::table* table, std::string_view key, int64_t& out) {
    const toml::node* node = find(table, key);
    if (node == nullptr) return {};
    if (node->is_integer()) {
      out = node->value<int64_t>().value_or(out);
      return {};
    }
    return wrong_type(*node, key, "a whole number", "write the number without quotes");
  }
  result<void> read_bool(const toml::table* table, std::string_view key, bool& out) {
    const toml::node* node = find(table, key);
    if (node == nullptr) return {};
    if (node->is_boolean()) {
      out = node->value<bool>().value_or(out);
      return {};
    }
    return wrong_type(*node, key, "true or false", "write true or false without quotes");
  }
  result<void> read_strings(const toml::table* table, std::string_view key,
                            std::vector<std::string>& out) {
    const toml::node* node = find(table, key);
    if (node == nullptr) return {};
    const toml::array* list = node->as_array();
    if (list != nullptr) {
      std::vector<std::string> values;
      for (const auto& item : *list) {
        auto value = item.value<std::string>();
        if (!value) return wrong_type(item, key, "a list of strings", "quote every item");
        values.push_back(*value);
      }
      out = std::move(values);
      return {};
    }
    return wrong_type(*node, key, "a list of strings", "write [\"a\", \"b\"]");
  }
  table_reader sub(std::string_view key) const {
    auto prefix = prefix_;
    prefix.emplace_back(key);
    return table_reader(file_, std::move(prefix));
  }

 private:
  static const toml::node* find(const toml::table* table, std::string_view key) {
    return table == nullptr ? nullptr : table->get(key);
  }
  error wrong_type(const toml::node& node, std::string_view key, const std::string& expected,
                   const std::string& hint) const {
    auto path = prefix_;
    path.emplace_back(key);
    const auto& begin = node.source().begin;
    std::string field = join_key_path(path);
    return invalid_input(
        field + " must be " + expected,
        {file_, static_cast<int>(begin.line), static_cast<int>(begin.column), field}, hint);
  }

  std::string file_;
  std::vector<std::string> prefix_;
};

const toml::table* table_at(const toml::table* table, std::string_view key) {
  return table == nullptr ? nullptr : (*table)[key].as_table();
}

/// containerd decodes these keys into Go structs and maps of structs: anything but a table
/// there (`plugins = 5`, an array of tables) stops it at start, so it is an error here too.
/// A `*` walks every entry of a table (the runtimes by name).
result<void> check_table(const toml::node* node, const std::vector<std::string>& path,
                         const std::string& file) {
  if (node == nullptr || node->is_table()) return {};
  const auto& begin = node->source().begin;
  const std::string field = join_key_path(path);
  const char* found = node->is_array_of_tables() ? "an array of tables ([[...]])"
                      : node->is_array()         ? "a list"
                                                 : "a single value";
  return invalid_input(field + " must be a table, found " + found,
                       {file, static_cast<int>(begin.line), static_cast<int>(begin.column), field},
                       "containerd refuses to start with it: write it as a [" + field + "] table");
}

result<void> check_table_shapes(const toml::table& root, int version, const std::string& file) {
  std::vector<std::vector<std::string>> paths = {{"grpc"}, {"plugins"}};
  auto cri_tables = [&](std::vector<std::string> plugin, bool images, bool runtime) {
    paths.push_back(plugin);
    auto under = [&](std::initializer_list<const char*> rest) {
      auto path = plugin;
      path.insert(path.end(), rest.begin(), rest.end());
      paths.push_back(path);
    };
    if (images) {
      under({"registry"});
      under({"pinned_images"});
    }
    if (runtime) {
      under({"cni"});
      under({"containerd"});
      under({"containerd", "runtimes"});
      under({"containerd", "runtimes", "*"});
      under({"containerd", "runtimes", "*", "options"});
    }
  };
  if (version >= 3) {
    cri_tables({"plugins", cri_images_plugin_id_v3}, true, false);
    cri_tables({"plugins", cri_runtime_plugin_id_v3}, false, true);
    cri_tables({"plugins", cri_plugin_id_v2}, false, false);
  } else {
    cri_tables({"plugins", version == 2 ? cri_plugin_id_v2 : "cri"}, true, true);
  }
  for (const auto& path : paths) {
    // Every node the path reaches; `*` fans out over a table's entries.
    std::vector<std::pair<const toml::node*, std::vector<std::string>>> at = {{&root, {}}};
    for (const auto& key : path) {
      std::vector<std::pair<const toml::node*, std::vector<std::string>>> next;
      for (const auto& [node, so_far] : at) {
        const toml::table* table = node->as_table();
        if (table == nullptr) continue;
        if (key == "*") {
          for (const auto& [name, child] : *table) {
            auto child_path = so_far;
            child_path.emplace_back(name.str());
            next.emplace_back(&child, std::move(child_path));
          }
        } else if (const toml::node* child = table->get(key)) {
          auto child_path = so_far;
          child_path.push_back(key);
          next.emplace_back(child, std::move(child_path));
        }
      }
      at = std::move(next);
    }
    for (const auto& [node, full] : at) {
      if (auto checked = check_table(node, full, file); !checked) return checked;
    }
  }
  return {};
}

result<void> read_handlers(const toml::table* containerd, table_reader reader,
                           std::vector<cri_runtime_handler>& out) {
  const toml::table* runtimes = table_at(containerd, "runtimes");
  if (runtimes == nullptr) return {};
  for (const auto& [name, node] : *runtimes) {
    const toml::table* table = node.as_table();
    if (table == nullptr) continue;
    cri_runtime_handler handler;
    handler.name = std::string(name.str());
    auto r = reader.sub("runtimes").sub(handler.name);
    if (auto e = r.read_string(table, "runtime_type", handler.runtime_type); !e) return e;
    if (auto e = r.read_string(table, "runtime_path", handler.runtime_path); !e) return e;
    if (auto e = r.read_string(table, "snapshotter", handler.snapshotter); !e) return e;
    if (auto e = r.read_string(table, "cni_conf_dir", handler.cni_conf_dir); !e) return e;
    if (auto e = r.read_int(table, "cni_max_conf_num", handler.cni_max_conf_num); !e) return e;
    const toml::table* options = table_at(table, "options");
    auto o = r.sub("options");
    if (auto e = o.read_string(options, "BinaryName", handler.binary_name); !e) return e;
    if (auto e = o.read_string(options, "Root", handler.root); !e) return e;
    if (auto e = o.read_bool(options, "SystemdCgroup", handler.systemd_cgroup); !e) return e;
    out.push_back(std::move(handler));
  }
  return {};
}

/// `x509_key_pair_streaming`: the stream server's certificate and key (TLS streaming).
result<void> read_key_pair(const toml::table* plugin, const table_reader& reader,
                           cri_settings& cri) {
  const toml::table* pair = table_at(plugin, "x509_key_pair_streaming");
  auto p = reader.sub("x509_key_pair_streaming");
  if (auto e = p.read_string(pair, "tls_cert_file", cri.tls_cert_file); !e) return e;
  return p.read_string(pair, "tls_key_file", cri.tls_key_file);
}

/// `version = 2` (and 1, whose plugin is called `cri`): one table holds everything.
result<void> read_cri_v2(const toml::table& root, const char* plugin_id, const std::string& file,
                         cri_settings& cri) {
  const toml::table* plugin = table_at(table_at(&root, "plugins"), plugin_id);
  table_reader r(file, {"plugins", plugin_id});
  if (auto e = r.read_string(plugin, "sandbox_image", cri.sandbox_image); !e) return e;
  if (auto e = r.read_int(plugin, "max_concurrent_downloads", cri.max_concurrent_downloads); !e)
    return e;
  if (auto e = r.read_string(plugin, "stream_server_address", cri.stream_server_address); !e)
    return e;
  if (auto e = r.read_string(plugin, "stream_server_port", cri.stream_server_port); !e) return e;
  if (auto e = r.read_string(plugin, "stream_idle_timeout", cri.stream_idle_timeout); !e) return e;
  if (auto e = r.read_bool(plugin, "enable_tls_streaming", cri.enable_tls_streaming); !e) return e;
  if (auto e = read_key_pair(plugin, r, cri); !e) return e;
  if (auto e = r.read_int(plugin, "max_container_log_line_size", cri.max_container_log_line_size);
      !e)
    return e;
  if (auto e = r.read_bool(plugin, "restrict_oom_score_adj", cri.restrict_oom_score_adj); !e)
    return e;
  if (auto e = r.read_bool(plugin, "systemd_cgroup", cri.systemd_cgroup); !e) return e;
  const toml::table* cni = table_at(plugin, "cni");
  std::string bin_dir;
  if (auto e = r.sub("cni").read_string(cni, "bin_dir", bin_dir); !e) return e;
  if (!bin_dir.empty()) cri.cni_bin_dirs = {bin_dir};
  if (auto e = r.sub("cni").read_string(cni, "conf_dir", cri.cni_conf_dir); !e) return e;
  if (auto e = r.sub("cni").read_int(cni, "max_conf_num", cri.cni_max_conf_num); !e) return e;
  const toml::table* containerd = table_at(plugin, "containerd");
  auto c = r.sub("containerd");
  if (auto e = c.read_string(containerd, "snapshotter", cri.snapshotter); !e) return e;
  if (auto e = c.read_string(containerd, "default_runtime_name", cri.default_runtime_name); !e)
    return e;
  if (auto e = read_handlers(containerd, c, cri.runtimes); !e) return e;
  const toml::table* registry = table_at(plugin, "registry");
  if (auto e = r.sub("registry").read_string(registry, "config_path", cri.registry_config_path); !e)
    return e;
  cri.pinned_images = {cri.sandbox_image};
  return {};
}

/// `version = 3`: images, runtime and the grpc (streaming) halves live in three plugins.
result<void> read_cri_v3(const toml::table& root, const std::string& file, cri_settings& cri) {
  const toml::table* plugins = table_at(&root, "plugins");
  const toml::table* images = table_at(plugins, cri_images_plugin_id_v3);
  table_reader i(file, {"plugins", cri_images_plugin_id_v3});
  cri.sandbox_image = "registry.k8s.io/pause:3.10";
  if (auto e = i.read_string(images, "snapshotter", cri.snapshotter); !e) return e;
  if (auto e = i.read_int(images, "max_concurrent_downloads", cri.max_concurrent_downloads); !e)
    return e;
  const toml::table* pinned = table_at(images, "pinned_images");
  if (auto e = i.sub("pinned_images").read_string(pinned, "sandbox", cri.sandbox_image); !e)
    return e;
  cri.pinned_images = {cri.sandbox_image};
  if (pinned != nullptr) {
    for (const auto& [name, node] : *pinned) {
      if (name.str() == "sandbox") continue;
      if (auto value = node.value<std::string>()) cri.pinned_images.push_back(*value);
    }
  }
  const toml::table* registry = table_at(images, "registry");
  if (auto e = i.sub("registry").read_string(registry, "config_path", cri.registry_config_path); !e)
    return e;

  const toml::table* runtime = table_at(plugins, cri_runtime_plugin_id_v3);
  table_reader r(file, {"plugins", cri_runtime_plugin_id_v3});
  if (auto e = r.read_int(runtime, "max_container_log_line_size", cri.max_container_log_line_size);
      !e)
    return e;
  if (auto e = r.read_bool(runtime, "restrict_oom_score_adj", cri.restrict_oom_score_adj); !e)
    return e;
  const toml::table* cni = table_at(runtime, "cni");
  std::string bin_dir;
  if (auto e = r.sub("cni").read_string(cni, "bin_dir", bin_dir); !e) return e;
  if (!bin_dir.empty()) cri.cni_bin_dirs = {bin_dir};
  if (auto e = r.sub("cni").read_strings(cni, "bin_dirs", cri.cni_bin_dirs); !e) return e;
  if (auto e = r.sub("cni").read_string(cni, "conf_dir", cri.cni_conf_dir); !e) return e;
  if (auto e = r.sub("cni").read_int(cni, "max_conf_num", cri.cni_max_conf_num); !e) return e;
  const toml::table* containerd = table_at(runtime, "containerd");
  auto c = r.sub("containerd");
  if (auto e = c.read_string(containerd, "default_runtime_name", cri.default_runtime_name); !e)
    return e;
  if (auto e = read_handlers(containerd, c, cri.runtimes); !e) return e;

  const toml::table* grpc = table_at(plugins, cri_plugin_id_v2);
  table_reader g(file, {"plugins", cri_plugin_id_v2});
  if (auto e = g.read_string(grpc, "stream_server_address", cri.stream_server_address); !e)
    return e;
  if (auto e = g.read_string(grpc, "stream_server_port", cri.stream_server_port); !e) return e;
  if (auto e = g.read_string(grpc, "stream_idle_timeout", cri.stream_idle_timeout); !e) return e;
  if (auto e = g.read_bool(grpc, "enable_tls_streaming", cri.enable_tls_streaming); !e) return e;
  if (auto e = read_key_pair(grpc, g, cri); !e) return e;
  return {};
}

}  // namespace

const cri_runtime_handler* containerd_settings::runtime_handler(const std::string& name) const {
  const std::string& wanted = name.empty() ? cri.default_runtime_name : name;
  for (const auto& handler : cri.runtimes) {
    if (handler.name == wanted) return &handler;
  }
  return nullptr;
}

result<containerd_settings> read_containerd_settings(const containerd_config_document& document,
                                                     const std::string& file_for_errors) {
  containerd_settings out;
  out.version = document.version;
  if (document.version > 3) {
    const toml::node* version = document.table.get("version");
    const auto begin = version != nullptr ? version->source().begin : toml::source_position{};
    return invalid_input(
        "config.toml version " + std::to_string(document.version) +
            " is newer than deshim knows (1, 2 or 3)",
        {file_for_errors, static_cast<int>(begin.line), static_cast<int>(begin.column), "version"},
        "write `version = 2` (containerd 1.x) or `version = 3` (containerd 2.x)");
  }
  if (auto shapes = check_table_shapes(document.table, document.version, file_for_errors);
      !shapes) {
    return shapes.error();
  }
  table_reader top(file_for_errors, {});
  if (auto e = top.read_string(&document.table, "root", out.root); !e) return e.error();
  if (auto e = top.read_string(&document.table, "state", out.state); !e) return e.error();
  if (auto e = top.sub("grpc").read_string(table_at(&document.table, "grpc"), "address",
                                           out.grpc_address);
      !e)
    return e.error();
  result<void> cri =
      document.version >= 3
          ? read_cri_v3(document.table, file_for_errors, out.cri)
          : read_cri_v2(document.table, document.version == 2 ? cri_plugin_id_v2 : "cri",
                        file_for_errors, out.cri);
  if (!cri) return cri.error();
  if (out.cri.runtimes.empty()) {
    cri_runtime_handler runc;
    runc.name = "runc";
    out.cri.runtimes.push_back(runc);
  }
  for (const auto& key : find_unknown_keys(document.table, document.version)) {
    out.warnings.push_back({key.key_path, key.line, key.column,
                            "unknown key " + key.key_path +
                                ": containerd ignores it silently (a typo keeps the default)"});
  }
  return out;
}

result<containerd_settings> load_containerd_settings(std::string_view text,
                                                     const std::string& file_for_errors) {
  auto document = parse_containerd_config(text, file_for_errors);
  if (!document) return document.error();
  return read_containerd_settings(*document, file_for_errors);
}

std::string describe_warning(const config_warning& warning, const std::string& file) {
  std::string out = file;
  if (warning.line > 0)
    out += ":" + std::to_string(warning.line) + ":" + std::to_string(warning.column);
  return out + ": warning: " + warning.message;
}

}  // namespace deshim::runtime
