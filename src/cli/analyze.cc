#include "analyze/analyze.h"

#include <iostream>
#include <memory>

#include "analyze/report.h"
#include "analyze/rule_engine.h"
#include "analyze/rule_loader.h"
#include "cli/commands.h"
#include "cli/rule_options.h"
#include "common/rooted_fs.h"

namespace deshim::cli {
namespace {

struct analyze_arguments {
  analyze::collect_options collect;
  std::string docker_host;
  std::string kubernetes_version;
  rule_options rules;
  std::string fail_on = "blocker";
  bool facts_only = false;
};

int fail(const error& failure) {
  std::cerr << "deshim: " << failure.describe() << "\n";
  return failure.exit_status();
}

int run_analyze(const global_options& options, analyze_arguments& args) {
  auto format = analyze::parse_report_format(options.output);
  if (!format) {
    return fail(error(error_kind::usage, "unknown output format \"" + options.output + "\""));
  }
  if (args.facts_only && *format != analyze::report_format::text &&
      *format != analyze::report_format::json && *format != analyze::report_format::yaml) {
    return fail(error(error_kind::usage, "--facts prints text, json or yaml, not " + options.output,
                      {}, "use -o json"));
  }
  analyze::fail_threshold threshold;
  if (!analyze::parse_fail_on(args.fail_on, threshold))
    return fail(error(error_kind::usage, "unknown --fail-on " + args.fail_on));

  // Rules load before the node is read, so a bad rule file fails fast.
  std::vector<analyze::rule> rules;
  if (!args.facts_only) {
    auto selected = args.rules.load();
    if (!selected) return fail(selected.error());
    rules = std::move(*selected);
  }

  if (!args.docker_host.empty()) args.collect.docker_host = args.docker_host;
  if (!args.kubernetes_version.empty()) {
    args.collect.kubernetes_version = args.kubernetes_version;
  }
  auto fs = rooted_fs::open(options.root);
  if (!fs) return fail(fs.error());
  auto facts = analyze::collect_node_facts(*fs, args.collect);
  if (!facts) return fail(facts.error());
  if (args.facts_only) {
    // The text form reads the facts themselves: no JSON of a huge List to build for it.
    if (*format == analyze::report_format::json) {
      std::cout << analyze::to_json(*facts).dump(2) << "\n";
    } else if (*format == analyze::report_format::yaml) {
      std::cout << analyze::json_to_yaml(
          nlohmann::ordered_json::parse(analyze::to_json(*facts).dump()));
    } else {
      std::cout << analyze::render_facts_text(*facts, options.use_color());
    }
    return 0;
  }

  nlohmann::json facts_json = analyze::to_json(*facts, analyze::workload_items::omitted);
  auto findings = analyze::evaluate_node_rules(rules, *facts, facts_json);
  analyze::release_workloads(*facts);
  auto report =
      analyze::build_report(facts_json, facts->inputs, std::move(findings), rules, DESHIM_VERSION);
  report.generated_at = analyze::report_time_now();
  report.fail_on = threshold;
  std::cout << analyze::render_report(report, *format, options.use_color());
  return analyze::exit_status_for(report, threshold);
}

}  // namespace

void add_analyze_command(CLI::App& app, const global_options& options, int& exit_status) {
  auto* command = app.add_subcommand(
      "analyze", "Pre-flight check: read the node and report what would break under containerd");
  auto args = std::make_shared<analyze_arguments>();
  command->add_option("--workloads", args->collect.workload_paths,
                      "Workload manifests (files or folders: YAML, JSON, kubectl List dumps)");
  command->add_option("--node-name", args->collect.node_name,
                      "The node whose pods are evaluated (--workloads, the API server); pods "
                      "bound to another node are skipped (default: the kubelet's "
                      "--hostname-override, else the host name lower-cased)");
  command->add_option("--kubeconfig", args->collect.kubeconfig,
                      "Read the pods bound to this node (--node-name) from the API server of "
                      "this kubeconfig (a host path, not under --root). Without it, deshim in a "
                      "pod reads them with its service account (KUBERNETES_SERVICE_HOST)");
  command->add_option("--context", args->collect.kube_context,
                      "The kubeconfig context to use (default: its current-context)");
  command->add_option("--docker-host", args->docker_host,
                      "Query the live Docker Engine API, e.g. unix:///var/run/docker.sock");
  command->add_option("--scan", args->collect.scan_paths,
                      "More scripts and folders to search for docker and compose calls");
  command->add_option("--kubernetes-version", args->kubernetes_version,
                      "The node's Kubernetes version (default: detected from the kubelet)");
  add_rule_options(*command, args->rules);
  command
      ->add_option("--fail-on", args->fail_on, "Exit 1 when a finding is at or above this severity")
      ->check(CLI::IsMember({"blocker", "warning", "info", "never"}))
      ->capture_default_str();
  command->add_flag("--keep-going", args->collect.keep_going,
                    "Record a malformed input in the report and go on instead of stopping");
  command->add_flag("--facts", args->facts_only, "Print the facts read from the node, no rules");
  command->callback([&options, &exit_status, args] { exit_status = run_analyze(options, *args); });
}

}  // namespace deshim::cli
