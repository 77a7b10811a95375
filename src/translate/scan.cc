#include "translate/scan.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "common/text_position.h"
#include "translate/shell_lexer.h"

namespace deshim::translate {
namespace {

/// A stretch of the file that is shell text.
struct segment {
  size_t begin = 0;
  size_t end = 0;
  bool yaml_quoted = false;  ///< inside a quoted YAML scalar: quotes in a rewrite would break it
};

std::string_view basename(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// Lines as [begin, end) without the newline.
std::vector<text_range> split_lines(std::string_view text) {
  std::vector<text_range> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      if (start < text.size()) lines.push_back({start, text.size()});
      break;
    }
    lines.push_back({start, nl});
    start = nl + 1;
  }
  return lines;
}

size_t skip_spaces(std::string_view text, size_t p, size_t end) {
  while (p < end && (text[p] == ' ' || text[p] == '\t'))
    ++p;
  return p;
}

size_t indent_of(std::string_view text, const text_range& line) {
  return skip_spaces(text, line.begin, line.end) - line.begin;
}

bool blank(std::string_view text, const text_range& line) {
  return skip_spaces(text, line.begin, line.end) >= line.end ||
         text.substr(skip_spaces(text, line.begin, line.end), 1) == "\r";
}

bool continued(std::string_view text, const text_range& line) {
  size_t e = line.end;
  if (e > line.begin && text[e - 1] == '\r') --e;
  return e > line.begin && text[e - 1] == '\\';
}

std::vector<segment> cron_segments(std::string_view text, bool has_user) {
  std::vector<segment> out;
  for (const auto& line : split_lines(text)) {
    size_t p = skip_spaces(text, line.begin, line.end);
    if (p >= line.end || text[p] == '#') continue;
    // NAME=value lines set the environment of the jobs.
    size_t q = p;
    while (q < line.end && (std::isalnum(static_cast<unsigned char>(text[q])) || text[q] == '_')) {
      ++q;
    }
    if (q > p && skip_spaces(text, q, line.end) < line.end &&
        text[skip_spaces(text, q, line.end)] == '=') {
      continue;
    }
    int fields = (text[p] == '@' ? 1 : 5) + (has_user ? 1 : 0);
    for (int f = 0; f < fields && p < line.end; ++f) {
      while (p < line.end && text[p] != ' ' && text[p] != '\t')
        ++p;
      p = skip_spaces(text, p, line.end);
    }
    if (p >= line.end) continue;
    // An unescaped % ends the command: the rest is its standard input.
    size_t e = p;
    while (e < line.end && !(text[e] == '%' && text[e - 1] != '\\'))
      ++e;
    out.push_back({p, e});
  }
  return out;
}

std::vector<segment> systemd_segments(std::string_view text) {
  static const std::set<std::string_view> keys = {"ExecStart",    "ExecStartPre", "ExecStartPost",
                                                  "ExecStop",     "ExecStopPost", "ExecReload",
                                                  "ExecCondition"};
  std::vector<segment> out;
  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t p = skip_spaces(text, lines[i].begin, lines[i].end);
    size_t eq = text.find('=', p);
    if (eq == std::string_view::npos || eq >= lines[i].end) continue;
    std::string_view key = text.substr(p, eq - p);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t'))
      key.remove_suffix(1);
    if (!keys.count(key)) continue;
    size_t v = skip_spaces(text, eq + 1, lines[i].end);
    while (v < lines[i].end && std::string_view("-@:+!").find(text[v]) != std::string_view::npos) {
      ++v;
    }
    size_t last = i;
    while (continued(text, lines[last]) && last + 1 < lines.size())
      ++last;
    out.push_back({v, lines[last].end});
    i = last;
  }
  return out;
}

std::vector<segment> makefile_segments(std::string_view text) {
  std::vector<segment> out;
  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].begin >= lines[i].end || text[lines[i].begin] != '\t') continue;
    size_t p = lines[i].begin + 1;
    while (p < lines[i].end && std::string_view("@-+ \t").find(text[p]) != std::string_view::npos) {
      ++p;
    }
    size_t last = i;
    while (continued(text, lines[last]) && last + 1 < lines.size())
      ++last;
    out.push_back({p, lines[last].end});
    i = last;
  }
  return out;
}

/// The value of a YAML entry starting at p: a block scalar, a quoted scalar, or plain text.
void yaml_value(std::string_view text, const std::vector<text_range>& lines, size_t& i, size_t p,
                size_t owner_indent, std::vector<segment>& out) {
  const auto& line = lines[i];
  if (p >= line.end) return;
  char c = text[p];
  if (c == '|' || c == '>') {
    size_t first = i + 1, last = i;
    for (size_t k = i + 1; k < lines.size(); ++k) {
      if (blank(text, lines[k])) continue;
      if (indent_of(text, lines[k]) <= owner_indent) break;
      last = k;
    }
    if (last > i) out.push_back({lines[first].begin, lines[last].end});
    i = last;
    return;
  }
  if (c == '"' || c == '\'') {
    size_t close = text.find(c, p + 1);
    if (close != std::string_view::npos && close <= line.end) {
      out.push_back({p + 1, close, true});
    }
    return;
  }
  if (c == '[' || c == '{') return;  // flow collections: not shell text
  out.push_back({p, line.end});
}

std::vector<segment> yaml_segments(std::string_view text) {
  static const std::set<std::string_view> keys = {"run", "script", "before_script", "after_script"};
  std::vector<segment> out;
  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t p = skip_spaces(text, lines[i].begin, lines[i].end);
    size_t indent = p - lines[i].begin;
    if (p + 1 < lines[i].end && text[p] == '-' && text[p + 1] == ' ') {
      p = skip_spaces(text, p + 1, lines[i].end);
      indent = p - lines[i].begin;  // keys of a list item sit at the item's text
    }
    size_t colon = text.find(':', p);
    if (colon == std::string_view::npos || colon >= lines[i].end) continue;
    if (!keys.count(text.substr(p, colon - p))) continue;
    size_t v = skip_spaces(text, colon + 1, lines[i].end);
    if (v < lines[i].end) {
      yaml_value(text, lines, i, v, indent, out);
      continue;
    }
    // A list of commands below the key: `- docker build .` or `- |` blocks.
    for (size_t k = i + 1; k < lines.size(); ++k) {
      if (blank(text, lines[k])) continue;
      size_t item_indent = indent_of(text, lines[k]);
      size_t q = lines[k].begin + item_indent;
      if (item_indent < indent || (item_indent == indent && text[q] != '-')) break;
      if (text[q] == '-' && q + 1 < lines[k].end && text[q + 1] == ' ') {
        size_t value = skip_spaces(text, q + 1, lines[k].end);
        yaml_value(text, lines, k, value, item_indent, out);
      }
      i = k;
    }
  }
  return out;
}

std::vector<segment> segments_of(std::string_view text, script_kind kind) {
  switch (kind) {
    case script_kind::shell:
      return {{0, text.size()}};
    case script_kind::crontab:
      return cron_segments(text, false);
    case script_kind::system_crontab:
      return cron_segments(text, true);
    case script_kind::systemd:
      return systemd_segments(text);
    case script_kind::makefile:
      return makefile_segments(text);
    case script_kind::ci_yaml:
      return yaml_segments(text);
  }
  return {};
}

bool is_assignment(const shell_word& word) {
  const auto& v = word.value;
  auto eq = v.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  if (!(std::isalpha(static_cast<unsigned char>(v[0])) || v[0] == '_')) return false;
  return std::all_of(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(eq), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool is_reserved(std::string_view w) {
  return w == "if" || w == "then" || w == "else" || w == "elif" || w == "do" || w == "while" ||
         w == "until" || w == "!" || w == "{";
}

/// Skips the options of a prefix command; `valued` lists the ones that take a value.
size_t skip_options(const std::vector<shell_word>& words, size_t i,
                    const std::set<std::string_view>& valued) {
  while (i < words.size() && words[i].value.size() > 1 && words[i].value[0] == '-') {
    const auto& v = words[i].value;
    if (v == "--") return i + 1;
    bool takes = valued.count(v) > 0;
    i += takes ? 2 : 1;
  }
  return i;
}

/// Index of the program word behind prefixes (FOO=1, sudo, env, xargs, if, ...).
size_t program_index(const std::vector<shell_word>& words) {
  size_t i = 0;
  while (i < words.size()) {
    if (is_assignment(words[i])) {
      ++i;
      continue;
    }
    std::string_view w = words[i].value;
    if (is_reserved(w) || w == "exec" || w == "nohup" || w == "command" || w == "builtin") {
      ++i;
      continue;
    }
    if (w == "time") {
      i = skip_options(words, i + 1, {});
      continue;
    }
    auto name = basename(w);
    if (name == "sudo") {
      i = skip_options(words, i + 1,
                       {"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "--user",
                        "--group", "--host", "--prompt", "--chdir", "--role", "--type"});
      continue;
    }
    if (name == "env") {
      i = skip_options(words, i + 1, {"-u", "-C", "-S", "--unset", "--chdir", "--split-string"});
      continue;
    }
    if (name == "nice") {
      i = skip_options(words, i + 1, {"-n", "--adjustment"});
      continue;
    }
    if (name == "timeout") {
      i = skip_options(words, i + 1, {"-s", "-k", "--signal", "--kill-after"});
      if (i < words.size()) ++i;  // the duration
      continue;
    }
    if (name == "xargs") {
      i = skip_options(words, i + 1,
                       {"-n", "-I", "-L", "-P", "-d", "-s", "-E", "-a", "--max-args", "--max-procs",
                        "--delimiter", "--arg-file"});
      continue;
    }
    break;
  }
  return i;
}

bool is_shell_program(const std::vector<shell_word>& words) {
  size_t i = program_index(words);
  if (i >= words.size()) return false;
  static const std::set<std::string_view> shells = {"sh",  "bash", "dash", "zsh",
                                                    "ash", "ksh",  "ssh"};
  return shells.count(basename(words[i].value)) > 0;
}

class line_index {
 public:
  explicit line_index(std::string_view text) {
    starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') starts_.push_back(i + 1);
    }
  }
  int line_of(size_t offset) const {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
    return static_cast<int>(it - starts_.begin());
  }

 private:
  std::vector<size_t> starts_;
};

/// The command as one line: continuations (backslash, newline, indentation) become one space.
std::string one_line(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {
      i += 2;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
        ++i;
      --i;
      if (out.empty() || out.back() != ' ') out.push_back(' ');
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

class scanner {
 public:
  scanner(const command_table& table, std::string_view text, const std::string& file,
          script_kind kind)
      : table_(table), text_(text), file_(file), kind_(kind), lines_(text) {}

  std::vector<docker_invocation> run(std::vector<std::string>* problems) {
    problems_ = problems;
    for (const auto& seg : segments_of(text_, kind_))
      scan_segment(seg, 0);
    std::stable_sort(
        out_.begin(), out_.end(),
        [](const docker_invocation& a, const docker_invocation& b) { return a.begin < b.begin; });
    return std::move(out_);
  }

 private:
  /// Heredocs fed to a shell inside heredocs fed to a shell: each level is a call on the stack.
  static constexpr int max_heredoc_depth = 16;

  void problem(const error& failure, size_t fallback_offset) {
    if (problems_ == nullptr) return;
    line_column at = failure.where().line > 0
                         ? line_column{failure.where().line, failure.where().column}
                         : line_column{lines_.line_of(fallback_offset), 1};
    std::string text = file_.empty() ? "" : file_ + ":";
    text += std::to_string(at.line) + ":" + std::to_string(at.column) + ": " + failure.message();
    problems_->push_back(std::move(text));
  }

  void scan_segment(const segment& seg, int depth) {
    if (depth > max_heredoc_depth) {
      problem(invalid_input("heredocs fed to a shell nest deeper than " +
                            std::to_string(max_heredoc_depth) + " levels; not read"),
              seg.begin);
      return;
    }
    lex_options options;
    options.make_recipe = kind_ == script_kind::makefile;
    auto commands = lex_shell(text_, seg.begin, seg.end, options);
    if (!commands) {  // substitutions nested too deep: the segment is not read
      problem(commands.error(), seg.begin);
      return;
    }
    // The lenient lexer reads on past an unterminated quote; say so, since calls after it may
    // be missed or misread (and --write must not touch the file).
    lex_options strict = options;
    strict.strict = true;
    if (auto checked = lex_shell(text_, seg.begin, seg.end, strict); !checked) {
      problem(checked.error(), seg.begin);
    }
    for (const auto& command : *commands) {
      inspect(command, seg);
      if (is_shell_program(command.words)) {
        for (const auto& body : command.heredoc_bodies) {
          scan_segment({body.begin, body.end, seg.yaml_quoted}, depth + 1);
        }
      }
    }
  }

  void inspect(const shell_command& command, const segment& seg) {
    const auto& words = command.words;
    size_t p = program_index(words);
    if (p >= words.size() || words[p].expands) return;
    auto program = basename(words[p].value);
    if (program != "docker" && program != "docker-compose") return;
    if (p + 1 >= words.size() && program == "docker") return;  // `docker)` in a case pattern
    std::vector<shell_arg> args;
    for (size_t k = p + 1; k < words.size(); ++k) {
      args.push_back({words[k].value,
                      std::string(text_.substr(words[k].begin, words[k].end - words[k].begin)),
                      words[k].expands});
    }
    docker_invocation found;
    found.file = file_;
    size_t first = 0;  // reserved words (if, then, do, ...) are not part of the command
    while (first < p && is_reserved(words[first].value))
      ++first;
    found.begin = words[first].begin;
    found.end = words.back().end;
    found.line = lines_.line_of(found.begin);
    found.original = one_line(text_.substr(found.begin, found.end - found.begin));
    bool behind_xargs =
        std::any_of(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(p),
                    [](const shell_word& w) { return basename(w.value) == "xargs"; });
    auto translated = translate_command(table_, std::string(program), args, behind_xargs);
    if (!translated) {
      found.verdict = verdict::no_equivalent;
      found.problem = translated.error().message();
      found.detail.notes.push_back(found.problem);
      for (const auto& arg : args) {
        if (!arg.value.empty() && arg.value[0] != '-') {
          found.docker_subcommand = arg.value;
          break;
        }
      }
      found.detail.docker_subcommand = found.docker_subcommand;
      out_.push_back(std::move(found));
      return;
    }
    found.detail = std::move(*translated);
    found.verdict = found.detail.verdict;
    found.docker_subcommand = found.detail.docker_subcommand;
    if (!found.detail.replacement.empty()) {
      std::string prefix = one_line(text_.substr(found.begin, words[p].begin - found.begin));
      found.replacement = prefix + found.detail.replacement;
    }
    found.rewritable =
        found.detail.rewritable() && !command.redirect_between && !found.replacement.empty();
    if (seg.yaml_quoted && found.replacement.find_first_of("\"'\\") != std::string::npos) {
      found.rewritable = false;
    }
    out_.push_back(std::move(found));
  }

  const command_table& table_;
  std::string_view text_;
  const std::string& file_;
  script_kind kind_;
  line_index lines_;
  std::vector<docker_invocation> out_;
  std::vector<std::string>* problems_ = nullptr;
};

bool looks_binary(std::string_view text) {
  return text.find('\0') != std::string_view::npos;
}

constexpr size_t max_script_size = 4 * 1024 * 1024;

/// One walk over the paths given: the folders seen so far (a second visit is a link loop or a
/// second way in, and is skipped), and where results go.
struct scan_walk {
  const command_table& table;
  const rooted_fs& fs;
  std::map<std::pair<dev_t, ino_t>, std::string> folders;  // -> the display it was first seen as
  std::vector<scanned_file>& out;
};

void skip(scan_walk& walk, const std::string& node_path, const std::string& display,
          std::string why) {
  scanned_file file;
  file.display = display;
  file.node_path = node_path;
  file.skipped = std::move(why);
  walk.out.push_back(std::move(file));
}

/// `expected` is the host path the file has when no symbolic link is followed below the path
/// the user gave: only then may --write replace it.
result<void> scan_one(scan_walk& walk, const std::string& node_path, const std::string& display,
                      const std::filesystem::path& expected, bool from_folder) {
  auto host = walk.fs.resolve(node_path);
  if (!host) {  // a symbolic link loop, or a link out of --root
    if (!from_folder) return host.error().with_context("reading " + display);
    skip(walk, node_path, display, host.error().message());
    return {};
  }
  struct stat info {};
  if (::stat(host->c_str(), &info) != 0) {
    std::string why = std::string("cannot read: ") + std::strerror(errno);
    if (!from_folder) return environment_error(display + ": " + why);
    skip(walk, node_path, display, why);
    return {};
  }
  if (S_ISDIR(info.st_mode)) {
    auto [seen, fresh] = walk.folders.emplace(std::make_pair(info.st_dev, info.st_ino), display);
    if (!fresh) {
      skip(walk, node_path, display,
           "the same folder as " + seen->second + " (a symbolic link loop or a second way in)");
      return {};
    }
    auto names = walk.fs.list_directory(node_path);
    if (!names) {
      if (!from_folder) return names.error();
      skip(walk, node_path, display, names.error().message());
      return {};
    }
    for (const auto& name : *names) {
      if (name == ".git" || name.find(".deshim-bak") != std::string::npos) continue;
      if (auto ok = scan_one(walk, join_node_path(node_path, name), join_node_path(display, name),
                             expected / name, true);
          !ok) {
        return ok;
      }
    }
    return {};
  }
  auto text = walk.fs.read_file(node_path, max_script_size);
  if (!text) {
    if (!from_folder) return text.error().with_context("reading " + display);
    skip(walk, node_path, display, text.error().message());
    return {};
  }
  if (looks_binary(*text)) {
    if (from_folder) return {};
    return invalid_input(display + " is not a text script", source_location(display),
                         "pass shell scripts, crontabs, unit files, Makefiles or CI yaml");
  }
  scanned_file file;
  file.display = display;
  file.node_path = node_path;
  file.kind = detect_script_kind(node_path);
  file.text = std::move(*text);
  file.invocations = scan_script(walk.table, file.text, display, file.kind, &file.problems);
  struct stat link_info {};
  if (*host != expected) {
    file.write_refusal =
        "it is reached through a symbolic link (deshim writes only inside the "
        "folder scanned, never through a link)";
  } else if (::lstat(host->c_str(), &link_info) != 0 || !S_ISREG(link_info.st_mode)) {
    file.write_refusal = "it is a symbolic link (deshim never writes through one)";
  } else if (!file.problems.empty()) {
    file.write_refusal = "part of it could not be read as shell (" + file.problems.front() + ")";
  }
  walk.out.push_back(std::move(file));
  return {};
}

}  // namespace

std::string_view script_kind_name(script_kind kind) {
  switch (kind) {
    case script_kind::shell:
      return "shell";
    case script_kind::crontab:
      return "crontab";
    case script_kind::system_crontab:
      return "system-crontab";
    case script_kind::systemd:
      return "systemd";
    case script_kind::makefile:
      return "makefile";
    case script_kind::ci_yaml:
      return "ci-yaml";
  }
  return "shell";
}

script_kind detect_script_kind(std::string_view path) {
  auto name = basename(path);
  if (ends_with(name, ".service") || ends_with(name, ".socket") || ends_with(name, ".mount") ||
      ends_with(name, ".timer")) {
    return script_kind::systemd;
  }
  if (name == "Makefile" || name == "makefile" || name == "GNUmakefile" || ends_with(name, ".mk")) {
    return script_kind::makefile;
  }
  if (ends_with(name, ".yml") || ends_with(name, ".yaml")) return script_kind::ci_yaml;
  if (path == "/etc/crontab" || ends_with(path, "/etc/crontab") ||
      path.find("/etc/cron.d/") != std::string_view::npos) {
    return script_kind::system_crontab;
  }
  if (path.find("/var/spool/cron/") != std::string_view::npos || name == "crontab" ||
      ends_with(name, ".cron")) {
    return script_kind::crontab;
  }
  return script_kind::shell;
}

std::vector<docker_invocation> scan_script(const command_table& table, std::string_view text,
                                           const std::string& file, script_kind kind,
                                           std::vector<std::string>* problems) {
  return scanner(table, text, file, kind).run(problems);
}

result<std::vector<docker_invocation>> scan_script(std::string_view text, const std::string& file,
                                                   script_kind kind) {
  auto table = builtin_command_table();
  if (!table) return table.error();
  return scan_script(**table, text, file, kind);
}

result<std::vector<scanned_file>> scan_paths(const command_table& table, const rooted_fs& fs,
                                             const std::vector<std::string>& node_paths,
                                             const std::vector<std::string>& displays) {
  std::vector<scanned_file> out;
  scan_walk walk{table, fs, {}, out};
  for (size_t i = 0; i < node_paths.size(); ++i) {
    const auto& display = i < displays.size() ? displays[i] : node_paths[i];
    // What the path the user gave is, links and all, is where writes may go: the folder itself,
    // or for a file, the file in its (resolved) folder, so the file itself is no link.
    auto host = fs.resolve(node_paths[i]);
    if (!host) {  // a symbolic link loop: said, and the other paths are still scanned
      skip(walk, node_paths[i], display, host.error().message());
      continue;
    }
    if (!fs.exists(node_paths[i])) {
      return error(error_kind::not_found, display + " does not exist", source_location(display),
                   "pass files or folders holding scripts");
    }
    std::filesystem::path expected = *host;
    if (!fs.is_directory(node_paths[i])) {
      std::string parent_path = node_paths[i];
      while (parent_path.size() > 1 && parent_path.back() == '/')
        parent_path.pop_back();
      auto slash = parent_path.rfind('/');
      std::string name = slash == std::string::npos ? parent_path : parent_path.substr(slash + 1);
      parent_path = slash == std::string::npos ? "." : parent_path.substr(0, slash + 1);
      auto parent = fs.resolve(parent_path);
      if (!parent) return parent.error().with_context("reading " + display);
      expected = *parent / name;
    }
    if (auto ok = scan_one(walk, node_paths[i], display, expected, false); !ok) return ok.error();
  }
  return out;
}

}  // namespace deshim::translate
