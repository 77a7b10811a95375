#include "runtime/server/cri_command.h"

#include <cstdio>
#include <memory>

#include "runtime/image/child_puller.h"
#include "runtime/monitor/monitor_process.h"
#include "runtime/server/serve.h"

namespace deshim::runtime {

namespace fs = std::filesystem;

namespace {

error bad_argument(const std::string& message) {
  return error(error_kind::usage, "deshim-cri: " + message, {},
               "run it as `deshim runtime serve --config FILE [--socket PATH]`");
}

int fail(const error& failure) {
  std::fprintf(stderr, "deshim: %s\n", failure.describe().c_str());
  return failure.exit_status();
}

}  // namespace

std::vector<std::string> cri_command_line(const fs::path& cri_binary, const cri_arguments& args) {
  std::vector<std::string> out{cri_binary.string(), "--root", args.root, "--config", args.config};
  if (!args.socket.empty()) out.insert(out.end(), {"--socket", args.socket});
  if (!args.full_binary.empty())
    out.insert(out.end(), {"--full-binary", args.full_binary.string()});
  return out;
}

result<cri_arguments> parse_cri_arguments(const std::vector<std::string>& args) {
  cri_arguments out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag.rfind("--", 0) != 0) return bad_argument("unknown argument " + flag);
    std::string value;
    std::string name = flag;
    if (auto equals = flag.find('='); equals != std::string::npos) {
      name = flag.substr(0, equals);
      value = flag.substr(equals + 1);
    } else {
      if (i + 1 >= args.size()) return bad_argument(flag + " needs a value");
      value = args[++i];
    }
    if (name == "--root") {
      out.root = value;
    } else if (name == "--config") {
      out.config = value;
    } else if (name == "--socket") {
      out.socket = value;
    } else if (name == "--full-binary") {
      out.full_binary = value;
    } else {
      return bad_argument("unknown argument " + flag);
    }
    if (value.empty()) return bad_argument(name + " needs a value");
  }
  return out;
}

int cri_main(const std::vector<std::string>& args) {
  if (args.size() >= 2 && args[0] == "runtime" && args[1] == "monitor") {
    auto options = parse_monitor_arguments({args.begin() + 2, args.end()});
    if (!options) return fail(options.error());
    return run_monitor(*options);
  }
  auto parsed = parse_cri_arguments(args);
  if (!parsed) return fail(parsed.error());
  auto node = rooted_fs::open(parsed->root);
  if (!node) return fail(node.error());
  fs::path full_binary = parsed->full_binary;
  if (full_binary.empty()) {
    std::error_code ec;
    full_binary = fs::read_symlink("/proc/self/exe", ec).parent_path() / "deshim";
  }
  serve_options serve;
  serve.config_file = parsed->config;
  serve.socket = parsed->socket;
  serve.puller = std::make_shared<child_puller>(full_binary);
  auto served = serve_until_signal(*node, serve, [](const std::string& line) {
    std::fprintf(stderr, "deshim runtime: %s\n", line.c_str());
  });
  if (!served) return fail(served.error());
  return 0;
}

}  // namespace deshim::runtime
