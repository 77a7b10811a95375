#include "cli/output_formats.h"

#include <algorithm>
#include <map>

namespace deshim::cli {
namespace {

using format_list = std::vector<std::string>;

const std::map<std::vector<std::string>, format_list>& format_table() {
  static const format_list report = {"text", "json", "yaml", "markdown", "html", "junit"};
  static const format_list text_json = {"text", "json"};
  // `analyze --facts` narrows analyze's list to text, json and yaml itself (cli/analyze.cc).
  static const std::map<std::vector<std::string>, format_list> table = {
      {{"analyze"}, report},
      {{"validate"}, report},
      {{"report", "merge"}, {"json", "markdown", "csv", "html", "text"}},
      {{"migrate"}, text_json},
      {{"translate"}, text_json},
      {{"rules", "list"}, text_json},
      {{"rules", "docs"}, {"text"}},
      {{"version"}, text_json},
      {{"runtime", "serve"}, {"text"}},
      {{"runtime", "import"}, text_json},
      // crictl's formats; each cri command refuses the ones it does not print (cli/cri_*.cc).
      {{"cri"}, {"text", "table", "json", "yaml", "go-template"}},
      {{"completion"}, {"text"}},
      {{"man"}, {"text"}},
  };
  return table;
}

std::string joined(const format_list& formats, const std::string& last_word) {
  std::string out;
  for (std::size_t i = 0; i < formats.size(); ++i) {
    if (i > 0) out += i + 1 == formats.size() ? " " + last_word + " " : ", ";
    out += formats[i];
  }
  return out;
}

}  // namespace

std::vector<std::string> output_formats_of(const std::vector<std::string>& path) {
  for (std::size_t length = path.size(); length > 0; --length) {
    auto found = format_table().find({path.begin(), path.begin() + length});
    if (found != format_table().end()) return found->second;
  }
  return {};
}

result<void> check_output_format(const std::vector<std::string>& path, const std::string& output) {
  auto formats = output_formats_of(path);
  if (formats.empty() || std::find(formats.begin(), formats.end(), output) != formats.end()) {
    return {};
  }
  std::string command;
  for (const auto& word : path)
    command += (command.empty() ? "" : " ") + word;
  return error(error_kind::usage, command + " prints " + joined(formats, "or") + ", not " + output,
               {},
               "use -o " + formats.front() + (formats.size() > 1 ? " or -o " + formats[1] : ""));
}

/// The footer on `command` and every command below it (`migrate plan` shows migrate's).
void set_footer(CLI::App& command, const std::string& footer) {
  // A command's own footer (cri exec's usage) stays; a parent's format line is replaced.
  std::string own = command.get_footer();
  if (auto at = own.find("Output formats (-o): "); at != std::string::npos) own.erase(at);
  while (!own.empty() && own.back() == '\n')
    own.pop_back();
  command.footer(own.empty() ? footer : own + "\n" + footer);
  for (auto* sub : command.get_subcommands([](CLI::App*) { return true; }))
    set_footer(*sub, footer);
}

void describe_output_formats(CLI::App& app) {
  // In the map's order a command comes before the commands below it, which override it.
  for (const auto& [path, formats] : format_table()) {
    CLI::App* command = &app;
    for (const auto& word : path)
      command = command->get_subcommand(word);
    set_footer(*command, "Output formats (-o): " + joined(formats, "and") + ".");
  }
}

std::vector<std::string> selected_command_path(const CLI::App& app) {
  std::vector<std::string> path;
  const CLI::App* at = &app;
  while (at != nullptr) {
    auto chosen = at->get_subcommands();
    if (chosen.empty()) break;
    at = chosen.front();
    path.push_back(at->get_name());
  }
  return path;
}

}  // namespace deshim::cli
