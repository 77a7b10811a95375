#include "cli/man_page.h"

#include <functional>
#include <sstream>

namespace deshim::cli {
namespace {

/// Text safe in roff: backslashes and hyphens escaped, no line starting with a control
/// character.
std::string roff_text(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

void write_options(std::ostringstream& out, const std::vector<option_info>& options) {
  for (const auto& option : options) {
    out << ".TP\n";
    for (size_t i = 0; i < option.names.size(); ++i)
      out << (i ? ", " : "") << "\\fB" << roff_text(option.names[i]) << "\\fR";
    if (!option.choices.empty()) {
      std::string choices;
      for (const auto& choice : option.choices)
        choices += (choices.empty() ? "" : "|") + choice;
      out << " \\fI" << roff_text(choices) << "\\fR";
    } else if (option.takes_value) {
      out << " \\fIVALUE\\fR";
    }
    out << "\n" << roff_text(option.description) << "\n";
  }
}

}  // namespace

std::string man_page(const command_node& root, const std::string& version) {
  std::ostringstream out;
  out << ".TH DESHIM 1 \"\" \"deshim " << roff_text(version) << "\" \"User Commands\"\n"
      << ".SH NAME\ndeshim \\- move Kubernetes nodes from Docker (dockershim) to containerd\n"
      << ".SH SYNOPSIS\n.B deshim\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR...]\n"
      << ".SH DESCRIPTION\n"
      << roff_text(root.description) << "\n"
      << ".PP\nEvery node path is read below \\fB\\-\\-root\\fR (\\fB/\\fR on a live node), so a "
         "copy of a node's files can be analysed, planned and rehearsed anywhere.\n"
      << ".SH OPTIONS\nThese go before or after any command.\n";
  write_options(out, root.options);
  out << ".SH COMMANDS\n";
  std::function<void(const command_node&, const std::string&)> walk = [&](const command_node& node,
                                                                          const std::string& path) {
    if (!path.empty()) {
      out << ".SS \"" << roff_text(path);
      for (const auto& positional : node.positionals)
        out << " " << roff_text(positional);
      out << "\"\n" << roff_text(node.description) << "\n";
      write_options(out, node.options);
    }
    for (const auto& child : node.children)
      walk(child, path.empty() ? "deshim " + child.name : path + " " + child.name);
  };
  walk(root, "");
  out << ".SH EXIT STATUS\n"
      << ".TP\n\\fB0\\fR\nSuccess.\n"
      << ".TP\n\\fB1\\fR\nThe command ran and found what it reports with a failure: findings at "
         "or above \\fB\\-\\-fail\\-on\\fR (analyze), blockers (migrate apply), docker calls "
         "without an equivalent (translate), a failed check (validate), a failed CRI call "
         "(cri, as crictl).\n"
      << ".TP\n\\fB2\\fR\nBad input: a file, option or value that is wrong; the message names "
         "the file, line and column (or field) and how to fix it. Nothing was written.\n"
      << ".TP\n\\fB3\\fR\nThe environment: a daemon did not answer, permission denied, a system "
         "call failed; or a bug in deshim.\n"
      << ".SH FILES\n"
      << ".TP\n\\fI/var/lib/deshim/backups/\\fR\nOne folder per \\fBmigrate apply\\fR: the "
         "replaced files and the journal that \\fBmigrate rollback\\fR undoes.\n"
      << ".TP\n\\fI/var/lib/deshim/lock\\fR\nHeld by apply and rollback.\n"
      << ".SH SEE ALSO\n\\fBcontainerd\\fR(8), \\fBctr\\fR(8), \\fBcrictl\\fR(1), "
         "\\fBkubelet\\fR(1), \\fBdockerd\\fR(8)\n";
  return out.str();
}

}  // namespace deshim::cli
