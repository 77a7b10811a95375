#include "validate/static_context.h"

#include "analyze/analyze.h"

namespace deshim::validate {
namespace {

void read_config(static_context& context) {
  context.document.reset();
  context.settings.reset();
  context.config_error.reset();
  if (!context.config_text) return;
  auto document = runtime::parse_containerd_config(*context.config_text, context.config_display);
  if (!document) {
    context.config_error = document.error();
    return;
  }
  context.document = std::move(*document);
  auto settings = runtime::read_containerd_settings(*context.document, context.config_display);
  if (!settings) {
    context.config_error = settings.error();
    return;
  }
  context.settings = std::move(*settings);
}

void set_kubernetes(static_context& context) {
  if (auto version = parse_semver(context.facts.kubelet.kubernetes_version))
    context.kubernetes = *version;
}

}  // namespace

result<static_context> load_static_context(const rooted_fs& node, const static_options& options) {
  analyze::collect_options collect;
  collect.kubernetes_version = options.kubernetes_version;
  collect.keep_going = true;
  // The kubelet is checked as it will start next: right after `migrate apply` the running one
  // still has its old flags until the restart step.
  collect.configured_kubelet = true;
  auto facts = analyze::collect_node_facts(node, collect);
  if (!facts) return facts.error();

  static_context context(node, std::move(*facts), options.config_file);
  auto text = node.read_file_if_exists(options.config_file);
  if (!text) return text.error();
  context.config_text = std::move(*text);
  read_config(context);
  set_kubernetes(context);

  if (options.containerd_version) {
    auto target = parse_semver(*options.containerd_version);
    if (!target) {
      return error(error_kind::usage,
                   "--containerd-version " + *options.containerd_version + " is not a version",
                   {"", 0, 0, "--containerd-version"}, "write it as 1.6.20 or 2.0");
    }
    context.containerd_target = *target;
    context.containerd_target_source = "--containerd-version";
  } else if (auto found = parse_semver(context.facts.containerd.version)) {
    context.containerd_target = *found;
    context.containerd_target_source =
        "the node's containerd (" + context.facts.containerd.version_source + ")";
  } else {
    context.containerd_target = version_of(1, 6);
    context.containerd_target_source =
        "assumed (no containerd found; --containerd-version sets it)";
  }
  return context;
}

static_context make_static_context(const rooted_fs& node, analyze::node_facts facts,
                                   const std::optional<std::string>& config_text,
                                   const std::string& containerd_version) {
  static_context context(node, std::move(facts), "/etc/containerd/config.toml");
  context.config_text = config_text;
  read_config(context);
  set_kubernetes(context);
  auto target = parse_semver(containerd_version);
  context.containerd_target = target ? *target : version_of(1, 6);
  context.containerd_target_source = "--containerd-version";
  return context;
}

}  // namespace deshim::validate
