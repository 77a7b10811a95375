#include "migrate/plan_render.h"

#include <cstdio>

#include "migrate/unified_diff.h"

namespace deshim::migrate {
namespace {

const char* level_name(plan_note::level level) {
  return level == plan_note::level::warning ? "warning" : "info";
}

std::string octal_mode(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

std::string diff_of(const file_change& file) {
  return unified_diff(file.before.value_or(""), file.after,
                      labels_for_node_path(file.path, file.before.has_value()));
}

nlohmann::ordered_json notes_to_json(const std::vector<plan_note>& notes) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& note : notes) {
    out.push_back(
        {{"severity", level_name(note.severity)}, {"setting", note.setting}, {"text", note.text}});
  }
  return out;
}

struct palette {
  bool on;
  std::string paint(const std::string& text, const char* code) const {
    return on ? std::string("\x1b[") + code + "m" + text + "\x1b[0m" : text;
  }
};

std::string render_note(const plan_note& note, const palette& colors, const char* indent) {
  std::string label = note.severity == plan_note::level::warning ? colors.paint("warning", "33")
                                                                 : std::string("note");
  std::string out = std::string(indent) + label + ": ";
  if (!note.setting.empty()) out += note.setting + ": ";
  return out + note.text + "\n";
}

std::string render_diff(const std::string& diff, const palette& colors) {
  if (!colors.on) return diff;
  std::string out;
  size_t start = 0;
  while (start < diff.size()) {
    size_t end = diff.find('\n', start);
    end = end == std::string::npos ? diff.size() : end + 1;
    std::string line = diff.substr(start, end - start);
    std::string body = line.back() == '\n' ? line.substr(0, line.size() - 1) : line;
    if (line.rfind("---", 0) == 0 || line.rfind("+++", 0) == 0) {
      out += colors.paint(body, "1") + "\n";
    } else if (line[0] == '@') {
      out += colors.paint(body, "36") + "\n";
    } else if (line[0] == '-') {
      out += colors.paint(body, "31") + "\n";
    } else if (line[0] == '+') {
      out += colors.paint(body, "32") + "\n";
    } else {
      out += line;
    }
    start = end;
  }
  return out;
}

}  // namespace

std::string join_command(const std::vector<std::string>& command) {
  std::string out;
  for (const auto& word : command) {
    if (!out.empty()) out += " ";
    out += word;
  }
  return out;
}

bool file_changes(const file_change& file) {
  return file.before != file.after;
}

std::string render_plan_text(const migration_plan& plan, bool color) {
  palette colors{color};
  std::string out = "Migration plan: Kubernetes " +
                    (plan.kubernetes_version.empty() ? "(unknown)" : plan.kubernetes_version) +
                    " to containerd " + plan.containerd_version + " (config.toml version " +
                    std::to_string(plan.containerd_config_version) + ")\n";

  size_t changing = 0;
  for (const auto& file : plan.files)
    changing += file_changes(file) ? 1 : 0;
  out += "\nFiles: " + std::to_string(changing) + " to write, " +
         std::to_string(plan.files.size() - changing) + " already as planned\n";
  for (const auto& file : plan.files) {
    std::string state = !file_changes(file)       ? "unchanged"
                        : file.before.has_value() ? "changed"
                                                  : "new, mode " + octal_mode(file.mode);
    out += "\n" + colors.paint("== " + file.path + " (" + state + ")", "1") + "\n";
    for (const auto& note : file.notes)
      out += render_note(note, colors, "  ");
    if (file_changes(file)) out += render_diff(diff_of(file), colors);
  }

  if (!plan.links.empty()) {
    out += "\nLinks:\n";
    for (const auto& link : plan.links) {
      out += "  " + link.path + " -> " + link.target + " (whatever " + link.path +
             " holds moves to " + link.target + "; nothing is deleted)\n";
      for (const auto& note : link.notes)
        out += render_note(note, colors, "    ");
    }
  }

  if (!plan.steps.empty()) {
    out += "\nSteps:\n";
    int number = 0;
    for (const auto& step : plan.steps) {
      out += "  " + std::to_string(++number) + ". " + step.id + ": " + step.description;
      if (step.service_step) out += " [service step: run by --execute-steps]";
      out += "\n";
      if (!step.command.empty()) out += "       $ " + join_command(step.command) + "\n";
    }
  }

  if (!plan.notes.empty()) {
    out += "\nNotes:\n";
    for (const auto& note : plan.notes)
      out += render_note(note, colors, "  ");
  }
  return out;
}

nlohmann::ordered_json plan_to_json(const migration_plan& plan) {
  nlohmann::ordered_json out;
  out["schema"] = plan_schema;
  out["kubernetes_version"] = plan.kubernetes_version;
  out["containerd_version"] = plan.containerd_version;
  out["containerd_config_version"] = plan.containerd_config_version;
  bool changes = false;
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const auto& file : plan.files) {
    changes = changes || file_changes(file);
    files.push_back({{"path", file.path},
                     {"before_present", file.before.has_value()},
                     {"changed", file_changes(file)},
                     {"mode", octal_mode(file.mode)},
                     {"after", file.after},
                     {"diff", file_changes(file) ? diff_of(file) : std::string()},
                     {"notes", notes_to_json(file.notes)}});
  }
  nlohmann::ordered_json links = nlohmann::ordered_json::array();
  for (const auto& link : plan.links) {
    links.push_back(
        {{"path", link.path}, {"target", link.target}, {"notes", notes_to_json(link.notes)}});
  }
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const auto& step : plan.steps) {
    steps.push_back({{"id", step.id},
                     {"description", step.description},
                     {"command", step.command},
                     {"service_step", step.service_step}});
  }
  out["has_file_changes"] = changes;
  out["files"] = std::move(files);
  out["links"] = std::move(links);
  out["steps"] = std::move(steps);
  out["notes"] = notes_to_json(plan.notes);
  return out;
}

}  // namespace deshim::migrate
