// `deshim runtime serve` and `deshim runtime import`: the bundled runtime core.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/fd_io.h"
#include "common/rooted_fs.h"
#include "runtime/monitor/monitor_process.h"
#include "runtime/server/cri_command.h"
#include "runtime/server/cri_server.h"
#include "runtime/server/serve.h"
#include "runtime/transfer/image_import.h"
#include "runtime/transfer/in_process_puller.h"
#include "runtime/transfer/pull_child.h"

namespace deshim::cli {
namespace {

struct runtime_arguments {
  std::string config = "/etc/containerd/config.toml";
  std::string socket;
  std::string archive;
};

int fail(const error& failure) {
  std::cerr << "deshim: " << failure.describe() << "\n";
  return failure.exit_status();
}

/// Replaces this process by deshim-cri when it is installed beside us: same pid, same
/// options, a fraction of the resident size (runtime/server/cri_command.h). Returns only when there
/// is none or the exec failed; then the caller serves in-process.
void exec_small_server(const global_options& options, const runtime_arguments& args) {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return;
  std::filesystem::path small = self.parent_path() / "deshim-cri";
  if (::access(small.c_str(), X_OK) != 0) return;
  runtime::cri_arguments forwarded;
  forwarded.root = options.root;
  forwarded.config = args.config;
  forwarded.socket = args.socket;
  forwarded.full_binary = self;
  std::vector<std::string> argv = runtime::cri_command_line(small, forwarded);
  auto pointers = c_strings(argv);
  ::execv(small.c_str(), pointers.data());
  std::cerr << "deshim runtime: cannot run " << small.string() << " (" << std::strerror(errno)
            << "); serving in this process\n";
}

int run_serve(const global_options& options, const runtime_arguments& args) {
  exec_small_server(options, args);
  auto fs = rooted_fs::open(options.root);
  if (!fs) return fail(fs.error());
  runtime::serve_options serve;
  serve.config_file = args.config;
  serve.socket = args.socket;
  serve.puller = std::make_shared<runtime::in_process_puller>();
  auto served = runtime::serve_until_signal(*fs, serve, [](const std::string& line) {
    std::cerr << "deshim runtime: " << line << std::endl;
  });
  if (!served) return fail(served.error());
  return 0;
}

int run_import(const global_options& options, const runtime_arguments& args) {
  auto fs = rooted_fs::open(options.root);
  if (!fs) return fail(fs.error());
  auto settings = runtime::load_settings_file(*fs, args.config);
  if (!settings) return fail(settings.error());
  for (const auto& warning : settings->warnings)
    std::cerr << "deshim: "
              << runtime::describe_warning(warning,
                                           runtime::display_command_line_path(*fs, args.config))
              << "\n";
  auto core = runtime::runtime_core::open(std::move(*settings), *fs,
                                          runtime::display_command_line_path(*fs, args.config));
  if (!core) return fail(core.error());
  auto imported = runtime::import_image_archive(*(*core)->images, args.archive);
  if (!imported) return fail(imported.error());
  if (options.output == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& image : *imported)
      out.push_back({{"id", image.id}, {"names", image.names}});
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& image : *imported) {
      for (const auto& name : image.names)
        std::cout << "Imported " << name << " (" << image.id << ")\n";
    }
  }
  return 0;
}

}  // namespace

void add_runtime_command(CLI::App& app, const global_options& options, int& exit_status) {
  auto args = std::make_shared<runtime_arguments>();
  auto* command = app.add_subcommand("runtime", "The bundled runtime core (a CRI server)");
  command->require_subcommand(1);

  auto* serve = command->add_subcommand(
      "serve",
      "Serve the CRI (runtime.v1) on a unix socket, configured by containerd's config.toml");
  serve
      ->add_option("--config", args->config,
                   "containerd config.toml (version 2 or 3): absolute, a node path under --root; "
                   "relative, a host path from the working folder")
      ->capture_default_str();
  serve->add_option("--socket", args->socket,
                    "Socket path, read as --config is (default: the config's [grpc] address)");
  serve->callback([&options, &exit_status, args] { exit_status = run_serve(options, *args); });

  auto* import = command->add_subcommand(
      "import", "Import a `docker save` or OCI image layout tarball into the runtime core");
  import
      ->add_option("archive", args->archive,
                   "The tarball (host path; relative to the working folder)")
      ->required();
  import
      ->add_option("--config", args->config,
                   "containerd config.toml naming the root folder: absolute, a node path under "
                   "--root; relative, a host path from the working folder")
      ->capture_default_str();
  import->callback([&options, &exit_status, args] { exit_status = run_import(options, *args);
});

// Hidden: the pull child deshim-cri runs for each pull (runtime/transfer/pull_child.h), not for
// people. The flags are collected as they come and checked by parse_pull_child_arguments.
auto pull_args = std::make_shared<std::vector<std::string>>();
auto pull_reference = std::make_shared<std::string>();
auto* pull = command
                 ->add_subcommand(
                     "pull", "Internal: one image pull for deshim-cri (runtime/pull_protocol.h)")
                     -> group("");
for (const auto& [flag, what] : {std::pair{"--image-root", "the image store's folder (host path)"},
                                 {"--snapshotter", "the snapshotter the server chose"},
                                 {"--max-concurrent-downloads", "parallel layer downloads"},
                                 {"--registry-config-path", "the hosts.toml folder (host path)"}}) {
  pull->add_option_function<std::string>(
      flag,
      [pull_args, flag](const std::string& v) {
        pull_args->insert(pull_args->end(), {flag, v});
      },
      what);
}
pull->add_option("reference", *pull_reference, "the image, after --");
pull->callback([pull_args, pull_reference, &exit_status] {
  std::vector<std::string> args = *pull_args;
  args.insert(args.end(), {"--", *pull_reference});
  std::string input(std::istreambuf_iterator<char>(std::cin), {});
  std::string answer;
  exit_status = runtime::run_pull_child(args, input, answer);
  std::cout << answer << std::flush;
});

// Hidden: the per-container monitor the core starts when deshim-monitor is not installed
// (monitor_process.h), not for people.
auto monitor_args = std::make_shared<std::vector<std::string>>();
auto monitor_runc = std::make_shared<std::vector<std::string>>();
auto* monitor =
    command
        ->add_subcommand("monitor", "Internal: one container's monitor (runtime/monitor_process.h)")
            -> group("");
for (const auto& [flag, what] : {std::pair{"--id", "the container id"},
                                 {"--dir", "the container's state folder"},
                                 {"--log", "the CRI log file"},
                                 {"--max-line-size", "longest log line before a split"},
                                 {"--sync-fd", "the pipe that gets the pid or runc's error"}}) {
  monitor->add_option_function<std::string>(
      flag,
      [monitor_args, flag](const std::string& v) {
        monitor_args->insert(monitor_args->end(), {flag, v});
      },
      what);
}
monitor->add_option("runc", *monitor_runc, "the runc create command, after --");
monitor->callback([monitor_args, monitor_runc, &exit_status] {
  auto args = *monitor_args;
  args.push_back("--");
  args.insert(args.end(), monitor_runc->begin(), monitor_runc->end());
  auto parsed = runtime::parse_monitor_arguments(args);
  exit_status = parsed ? runtime::run_monitor(*parsed) : fail(parsed.error());
});
}  // namespace deshim::cli

}  // namespace deshim::cli
