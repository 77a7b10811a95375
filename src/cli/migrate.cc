// `deshim migrate plan|apply|rollback`: options -> facts, rules and plan -> apply or rollback
// -> output. All logic lives in src/migrate/ (planner, applier, rollback).
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>

#include "analyze/analyze.h"
#include "analyze/rule_engine.h"
#include "cli/commands.h"
#include "cli/node_inputs.h"
#include "cli/rule_options.h"
#include "common/rooted_fs.h"
#include "migrate/applier.h"
#include "migrate/journal.h"
#include "migrate/node_lock.h"
#include "migrate/plan_render.h"
#include "migrate/planner.h"
#include "migrate/resolved_rules.h"
#include "migrate/rollback.h"
#include "migrate/step_executor.h"

namespace deshim::cli {
namespace {

using json = nlohmann::ordered_json;

struct migrate_arguments {
  node_inputs inputs;  ///< the same as analyze's, so plan and apply see analyze's blockers
  rule_options rules;
  std::string containerd_version;
  std::string containerd_root;
  bool allow_insecure_streaming = false;
  std::vector<std::string> forced;
  bool execute_steps = false;
  std::string id;
};

int fail(const error& failure) {
  std::cerr << "deshim: " << failure.describe() << "\n";
  return failure.exit_status();
}

result<void> check_format(const global_options& options) {
  if (options.output == "text" || options.output == "json") return {};
  return error(error_kind::usage, "migrate prints text or json, not " + options.output, {},
               "use -o text or -o json");
}

/// What the node's facts and rules say, and the plan made from them.
struct planned {
  migrate::migration_plan plan;
  std::vector<analyze::finding> blockers;
  std::vector<analyze::finding> resolved;  ///< blockers the plan itself resolves
};

result<planned> make_plan(const rooted_fs& node, migrate_arguments& args) {
  auto rules = args.rules.load();
  if (!rules) return rules.error();
  auto facts = analyze::collect_node_facts(node, args.inputs.options());
  if (!facts) return facts.error();
  planned out;
  // Evaluated exactly as analyze evaluates them (workloads fed one at a time).
  nlohmann::json facts_json = analyze::to_json(*facts, analyze::workload_items::omitted);
  for (auto& found : analyze::evaluate_node_rules(*rules, *facts, facts_json)) {
    if (found.level != analyze::severity::blocker) continue;
    auto& list = migrate::plan_resolves_rule(found.rule_id) ? out.resolved : out.blockers;
    list.push_back(std::move(found));
  }
  migrate::plan_options options;
  if (!args.containerd_version.empty()) options.containerd_version = args.containerd_version;
  if (!args.containerd_root.empty()) options.containerd_root = args.containerd_root;
  options.allow_insecure_streaming = args.allow_insecure_streaming;
  auto plan = migrate::build_plan(*facts, node, options);
  if (!plan) return plan.error();
  out.plan = std::move(*plan);
  return out;
}

std::string blocker_ids(const std::vector<analyze::finding>& blockers) {
  std::set<std::string> ids;
  for (const auto& found : blockers)
    ids.insert(found.rule_id);
  std::string out;
  for (const auto& id : ids)
    out += (out.empty() ? "" : ",") + id;
  return out;
}

json blockers_json(const std::vector<analyze::finding>& blockers) {
  json out = json::array();
  for (const auto& found : blockers) {
    out.push_back(
        {{"rule", found.rule_id}, {"subject", found.subject}, {"message", found.message}});
  }
  return out;
}

std::string blockers_text(const std::vector<analyze::finding>& blockers) {
  std::string out;
  for (const auto& found : blockers) {
    out += "  " + found.rule_id + ": " + (found.subject.empty() ? "" : found.subject + ": ") +
           found.message + "\n";
  }
  return out;
}

int run_plan(const global_options& options, migrate_arguments& args) {
  auto format = check_format(options);
  if (!format) return fail(format.error());
  auto node = rooted_fs::open(options.root);
  if (!node) return fail(node.error());
  auto made = make_plan(*node, args);
  if (!made) return fail(made.error());
  auto interrupted = migrate::find_interrupted_apply(*node);
  if (!interrupted) return fail(interrupted.error());
  if (options.output == "json") {
    json out = migrate::plan_to_json(made->plan);
    out["blockers"] = blockers_json(made->blockers);
    out["resolved_blockers"] = blockers_json(made->resolved);
    out["interrupted_apply"] = interrupted->has_value() ? json(**interrupted) : json(nullptr);
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << migrate::render_plan_text(made->plan, options.use_color());
  if (!made->blockers.empty()) {
    std::cout << "\nBlockers (apply refuses unless each is forced: --force="
              << blocker_ids(made->blockers) << "):\n"
              << blockers_text(made->blockers);
  }
  if (!made->resolved.empty()) {
    std::cout << "\nBlockers this plan resolves (apply does not need --force for them):\n"
              << blockers_text(made->resolved);
  }
  if (interrupted->has_value()) {
    std::cout << "\nApply " << **interrupted
              << " was interrupted: `deshim migrate apply` finishes it as it was planned then "
                 "(not this plan), `deshim migrate rollback` undoes it.\n";
  }
  return 0;
}

const char* outcome_name(migrate::apply_outcome::kind kind) {
  switch (kind) {
    case migrate::apply_outcome::kind::applied:
      return "applied";
    case migrate::apply_outcome::kind::resumed:
      return "resumed";
    case migrate::apply_outcome::kind::nothing_to_change:
      return "nothing-to-change";
    case migrate::apply_outcome::kind::stopped:
      return "stopped";
  }
  return "unknown";
}

/// Test hook: DESHIM_TEST_RECORD_STEPS=FILE makes --execute-steps record the service commands
/// in FILE (one per line) with the recording fake instead of running systemctl.
const char* recorded_steps_file() {
  return std::getenv("DESHIM_TEST_RECORD_STEPS");
}

/// Each step with the command to run, so an operator without --execute-steps can follow it.
void print_steps_left(const std::vector<migrate::plan_step>& steps, const std::string& heading) {
  if (steps.empty()) return;
  std::cout << heading << "\n";
  for (const auto& step : steps) {
    std::cout << "  " << step.id << ": ";
    if (step.command.empty()) {
      std::cout << step.description << "\n";
    } else {
      std::cout << migrate::join_command(step.command) << "\n";
    }
  }
}

json steps_json(const std::vector<migrate::plan_step>& steps) {
  json out = json::array();
  for (const auto& step : steps)
    out.push_back({{"id", step.id}, {"description", step.description}, {"command", step.command}});
  return out;
}

int run_apply(const global_options& options, migrate_arguments& args) {
  auto format = check_format(options);
  if (!format) return fail(format.error());
  if (args.execute_steps && options.root != "/" && recorded_steps_file() == nullptr) {
    return fail(error(error_kind::usage,
                      "--execute-steps runs systemctl on this machine, so it needs --root /", {},
                      "run apply without --execute-steps and do the printed steps by hand"));
  }
  auto node = rooted_fs::open(options.root);
  if (!node) return fail(node.error());
  // The lock comes before the node is read: a second apply is told that the first one runs,
  // not what it makes of a node the first one is changing.
  auto lock = migrate::node_lock::acquire(*node, "apply");
  if (!lock) return fail(lock.error());

  migrate::systemctl_step_executor systemctl;
  migrate::recording_step_executor_fake recording;
  migrate::apply_options apply;
  apply.forced_rules = args.forced;
  apply.held_lock = &*lock;
  if (args.execute_steps) {
    apply.executor =
        recorded_steps_file() ? static_cast<migrate::step_executor*>(&recording) : &systemctl;
  }

  // An interrupted apply is finished from its journal, whatever the node looks like now.
  auto interrupted = migrate::find_interrupted_apply(*node);
  if (!interrupted) return fail(interrupted.error());
  migrate::migration_plan plan;
  if (!interrupted->has_value()) {
    auto made = make_plan(*node, args);
    if (!made) return fail(made.error());
    std::set<std::string> forced(args.forced.begin(), args.forced.end());
    std::vector<analyze::finding> unforced;
    for (const auto& found : made->blockers) {
      if (!forced.count(found.rule_id)) unforced.push_back(found);
    }
    if (!unforced.empty()) {
      std::cerr << "deshim: apply refused: analyze found blockers on this node:\n"
                << blockers_text(unforced)
                << "  hint: fix them, or if you accept the risk name each one: --force="
                << blocker_ids(made->blockers) << "\n";
      return 1;
    }
    plan = std::move(made->plan);
  }

  auto outcome = migrate::apply_plan(*node, plan, apply);
  if (recorded_steps_file() != nullptr) {
    std::ofstream record(recorded_steps_file(), std::ios::app);
    for (const auto& command : recording.commands) {
      std::string line;
      for (const auto& word : command)
        line += (line.empty() ? "" : " ") + word;
      record << line << "\n";
    }
  }
  if (!outcome) return fail(outcome.error());

  if (options.output == "json") {
    json out = {{"schema", "deshim.migrate-apply/v1"},
                {"result", outcome_name(outcome->result)},
                {"backup_id", outcome->backup_id},
                {"actions", outcome->actions},
                {"steps_run", outcome->steps_run},
                {"steps_to_do", outcome->steps_to_do},
                {"steps_left",
                 {{"before_files", steps_json(outcome->left_before_files)},
                  {"after_files", steps_json(outcome->left_after_files)}}}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  switch (outcome->result) {
    case migrate::apply_outcome::kind::nothing_to_change:
      std::cout << "Nothing to change: the node already matches the plan (no backup made).\n";
      return 0;
    case migrate::apply_outcome::kind::resumed:
      std::cout << "Resumed the interrupted apply " << outcome->backup_id << ".\n";
      break;
    default:
      std::cout << "Applied the plan; backup and journal: "
                << node->display(join_node_path(migrate::backups_folder, outcome->backup_id))
                << "\n";
  }
  for (const auto& action : outcome->actions)
    std::cout << "  " << action << "\n";
  for (const auto& step : outcome->steps_run)
    std::cout << "  ran step " << step << "\n";
  print_steps_left(outcome->left_before_files,
                   "Steps left to you before the files, in order (apply has written the files: "
                   "run any of these that did not run before it now, first):");
  print_steps_left(outcome->left_after_files, "Steps left to you after the files, in order:");
  std::cout << "Undo with: deshim migrate rollback --id " << outcome->backup_id << "\n";
  return 0;
}

int run_rollback(const global_options& options, migrate_arguments& args) {
  auto format = check_format(options);
  if (!format) return fail(format.error());
  auto node = rooted_fs::open(options.root);
  if (!node) return fail(node.error());
  std::optional<std::string> id;
  if (!args.id.empty()) id = args.id;
  auto outcome = migrate::rollback_apply(*node, id);
  if (!outcome) return fail(outcome.error());
  if (options.output == "json") {
    json out = {{"schema", "deshim.migrate-rollback/v1"},
                {"result", outcome->nothing_to_do ? "nothing-to-do" : "rolled-back"},
                {"backup_id", outcome->backup_id},
                {"actions", outcome->actions},
                {"notes", outcome->notes}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (outcome->nothing_to_do) {
    std::cout << "Nothing to roll back: " << outcome->notes.front() << ".\n";
    return 0;
  }
  std::cout << "Rolled back " << outcome->backup_id << ":\n";
  for (const auto& action : outcome->actions)
    std::cout << "  " << action << "\n";
  for (const auto& note : outcome->notes)
    std::cout << "note: " << note << "\n";
  return 0;
}

void add_plan_options(CLI::App& command, migrate_arguments& args) {
  command.add_option("--containerd-version", args.containerd_version,
                     "Target containerd version, e.g. 1.6.20 or 2.0.0 (default: the node's, "
                     "else 1.6)");
  command.add_option("--containerd-root", args.containerd_root,
                     "containerd's root (images, snapshots), outside Docker's data root "
                     "(default: /var/lib/containerd on TKE nodes and when the data disk is "
                     "mounted at Docker's data root, else beside Docker's data on its disk)");
  command.add_flag("--allow-insecure-streaming", args.allow_insecure_streaming,
                   "Kubernetes before 1.11 without stream TLS certificates: serve exec/logs "
                   "without TLS instead of refusing");
  add_node_input_options(command, args.inputs);
  add_rule_options(command, args.rules);
}

}  // namespace

void add_migrate_command(CLI::App& app, const global_options& options, int& exit_status) {
  auto* migrate = app.add_subcommand(
      "migrate", "Switch the node from Docker to containerd: plan, apply, roll back, carry images");
  migrate->require_subcommand(1);
  auto args = std::make_shared<migrate_arguments>();

  auto* plan = migrate->add_subcommand(
      "plan", "Show every file change (unified diffs) and step of the switch; changes nothing");
  add_plan_options(*plan, *args);
  plan->callback([&options, &exit_status, args] { exit_status = run_plan(options, *args); });

  auto* apply = migrate->add_subcommand(
      "apply", "Write the plan atomically, with backups and a journal; safe to run again");
  add_plan_options(*apply, *args);
  apply
      ->add_option("--force", args->forced,
                   "Apply despite these blocker rule ids (each blocker must be named)")
      ->delimiter(',');
  apply->add_flag(
      "--execute-steps", args->execute_steps,
      "Also run the service steps around the file changes (systemctl, and carry-images)");
  apply->callback([&options, &exit_status, args] { exit_status = run_apply(options, *args); });

  auto* rollback = migrate->add_subcommand(
      "rollback", "Restore the node from an apply's backups and journal (default: the latest)");
  rollback->add_option("--id", args->id, "The backup id to roll back (see var/lib/deshim/backups)");
  rollback->callback(
      [&options, &exit_status, args] { exit_status = run_rollback(options, *args); });

  add_carry_images_command(*migrate, options, exit_status);
  add_hand_over_command(*migrate, exit_status);
}

}  // namespace deshim::cli
