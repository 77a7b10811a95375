#include "validate/boot_runtime.h"

#include <sys/mount.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/atomic_write.h"
#include "runtime/client/cri_client.h"
#include "runtime/config/containerd_config.h"

namespace deshim::validate {
namespace fs = std::filesystem;
namespace {

toml::table& table_in(toml::table& parent, std::string_view key) {
  if (!parent.contains(key) || !parent[key].is_table()) parent.insert_or_assign(key, toml::table{});
  return *parent[key].as_table();
}

/// The node path of a string key as a host path; left alone when absent.
void to_host_path(const rooted_fs& node, toml::table& table, std::string_view key) {
  auto value = table[key].value<std::string>();
  if (!value || value->empty()) return;
  if (auto host = node.resolve(*value)) table.insert_or_assign(key, host->string());
}

std::string tail_of(const fs::path& file, std::size_t bytes = 2000) {
  std::ifstream in(file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  return text.size() > bytes ? "..." + text.substr(text.size() - bytes) : text;
}

std::vector<std::string> mounts_below(const fs::path& folder) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  const std::string prefix = folder.string();
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string id, parent, device, root, mount_point;
    words >> id >> parent >> device >> root >> mount_point;
    if (mount_point == prefix || mount_point.rfind(prefix + "/", 0) == 0) {
      out.push_back(mount_point);
    }
  }
  return out;
}

}  // namespace

void unmount_below(const fs::path& folder) {
  for (int round = 0; round < 8; ++round) {
    auto mounts = mounts_below(folder);
    if (mounts.empty()) return;
    std::sort(mounts.begin(), mounts.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const auto& mount : mounts)
      ::umount2(mount.c_str(), MNT_DETACH);
  }
}

result<std::string> relocated_config(const static_context& context, const fs::path& folder,
                                     bool restrict_oom_score_adj) {
  if (!context.document) {
    return invalid_input("cannot boot the runtime core: " + context.config_display +
                             (context.config_text ? " does not parse" : " is missing"),
                         {context.config_display}, "fix containerd-config-parses first");
  }
  toml::table table = context.document->table;
  table.insert_or_assign("root", (folder / "root").string());
  table.insert_or_assign("state", (folder / "state").string());
  table_in(table, "grpc").insert_or_assign("address", (folder / "cri.sock").string());
  const int version = context.document->version;
  toml::table& plugins = table_in(table, "plugins");
  const char* runtime_id = version >= 3   ? runtime::cri_runtime_plugin_id_v3
                           : version == 2 ? runtime::cri_plugin_id_v2
                                          : "cri";
  toml::table& cri = table_in(plugins, runtime_id);
  toml::table& cni = table_in(cri, "cni");
  to_host_path(context.node, cni, "bin_dir");
  to_host_path(context.node, cni, "conf_dir");
  if (toml::array* dirs = cni["bin_dirs"].as_array()) {
    toml::array hosts;
    for (const auto& dir : *dirs) {
      auto text = dir.value<std::string>();
      auto host = text ? context.node.resolve(*text) : result<fs::path>(fs::path());
      hosts.push_back(host && text ? host->string() : text.value_or(""));
    }
    cni.insert_or_assign("bin_dirs", hosts);
  }
  // The settings' defaults are node paths too: write them out as host paths.
  if (!cni.contains("bin_dir") && !cni.contains("bin_dirs")) {
    std::string first =
        context.settings ? context.settings->cri.cni_bin_dirs.front() : "/opt/cni/bin";
    if (auto host = context.node.resolve(first)) cni.insert_or_assign("bin_dir", host->string());
  }
  if (!cni.contains("conf_dir")) {
    std::string conf = context.settings ? context.settings->cri.cni_conf_dir : "/etc/cni/net.d";
    if (auto host = context.node.resolve(conf)) cni.insert_or_assign("conf_dir", host->string());
  }
  toml::table& images = version >= 3 ? table_in(plugins, runtime::cri_images_plugin_id_v3) : cri;
  if (images.contains("registry")) {
    if (toml::table* registry = images["registry"].as_table()) {
      to_host_path(context.node, *registry, "config_path");
    }
  }
  if (toml::table* runtimes = cri["containerd"]["runtimes"].as_table()) {
    for (auto& [name, node] : *runtimes) {
      toml::table* handler = node.as_table();
      if (handler == nullptr) continue;
      to_host_path(context.node, *handler, "cni_conf_dir");
      table_in(*handler, "options")
          .insert_or_assign("Root", (folder / "runc" / std::string(name.str())).string());
    }
  }
  if (restrict_oom_score_adj) cri.insert_or_assign("restrict_oom_score_adj", true);
  std::ostringstream out;
  out << "# deshim validate --boot: " << context.config_display
      << " with root, state, sockets and runc state moved into " << folder.string() << "\n"
      << table << "\n";
  return out.str();
}

result<booted_runtime> booted_runtime::start(const static_context& context,
                                             const boot_options& options) {
  std::string pattern = (fs::temp_directory_path() / "deshim-validate-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return environment_error("cannot create a temporary folder under " +
                             fs::temp_directory_path().string());
  }
  booted_runtime out{fs::path(pattern)};
  auto config = relocated_config(context, out.folder_, options.restrict_oom_score_adj);
  if (!config) return config.error();
  fs::path config_file = out.folder_ / "config.toml";
  if (auto written = write_file_atomically(config_file, *config); !written) {
    return written.error();
  }
  std::error_code ec;
  fs::create_directories(out.pod_log_root(), ec);

  if (!options.image_archive.empty()) {
    run_options run;
    run.timeout = std::chrono::minutes(5);
    auto imported =
        run_process({options.binary.string(), "runtime", "import", options.image_archive,
                     "--config", config_file.string(), "--root", "/", "-o", "json"},
                    run);
    if (!imported) return imported.error();
    if (!imported->succeeded()) {
      return invalid_input("importing " + options.image_archive + " into the runtime core " +
                               imported->describe_end() + ": " + imported->standard_error,
                           {options.image_archive}, "give a `docker save` or OCI archive");
    }
    auto listed = nlohmann::json::parse(imported->standard_output, nullptr, false);
    if (listed.is_array()) {
      for (const auto& image : listed) {
        if (!image.contains("names") || !image["names"].is_array()) continue;
        for (const auto& name : image["names"])
          if (name.is_string()) out.imported_.push_back(name.get<std::string>());
      }
    }
  }

  auto process = child_process::start({options.binary.string(), "runtime", "serve", "--config",
                                       config_file.string(), "--root", "/"},
                                      out.log_file());
  if (!process) return process.error();
  out.process_ = std::move(*process);

  auto deadline = std::chrono::steady_clock::now() + options.ready_timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!out.process_->running()) {
      return environment_error("the runtime core exited while starting on " + config_file.string() +
                                   ": " + tail_of(out.log_file()),
                               {config_file.string()},
                               "read the core's log above; the static checks name the likely "
                               "cause");
    }
    if (fs::exists(out.folder_ / "cri.sock")) {
      auto client = runtime::cri_client::connect(out.endpoint(), std::chrono::seconds(2));
      if (client) {
        auto version = client->version();
        if (version) return out;
        last = version.error().message();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return environment_error("the runtime core did not answer on " + out.endpoint() + " within " +
                               std::to_string(options.ready_timeout.count() / 1000) + " s" +
                               (last.empty() ? "" : ": " + last) + "\n" + tail_of(out.log_file()),
                           {config_file.string()},
                           "read the core's log at " + out.log_file().string());
}

booted_runtime::booted_runtime(booted_runtime&& other) noexcept
    : folder_(std::move(other.folder_)),
      process_(std::move(other.process_)),
      imported_(std::move(other.imported_)),
      keep_(other.keep_),
      owns_(other.owns_) {
  other.owns_ = false;
  other.process_.reset();
}

void booted_runtime::stop() {
  if (process_) {
    process_->stop(std::chrono::seconds(10));
    process_.reset();
  }
  if (!folder_.empty()) unmount_below(folder_);
}

booted_runtime::~booted_runtime() {
  if (!owns_) return;
  stop();
  if (!keep_ && !folder_.empty()) {
    std::error_code ec;
    fs::remove_all(folder_, ec);
  }
}

}  // namespace deshim::validate
