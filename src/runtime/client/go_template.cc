#include "runtime/client/go_template.h"

#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

namespace deshim::runtime {
namespace {

using nlohmann::json;

const char* const supported_hint =
    "deshim cri supports field paths ({{.info.pid}}), if/else/range/with, pipelines and the "
    "functions json, lower, upper, title, index, len, not, and, or, eq, ne, print, println "
    "(docs/cri.md)";

error parse_error(const std::string& what, std::size_t offset) {
  return error(error_kind::usage,
               "template: offset " + std::to_string(offset) + ": " + what + " is not supported", {},
               supported_hint);
}

error syntax_error(const std::string& what, std::size_t offset) {
  return error(error_kind::usage, "template: offset " + std::to_string(offset) + ": " + what, {},
               supported_hint);
}

error exec_error(const std::string& what) {
  return error(error_kind::invalid_input, "template: executing: " + what, {},
               "check the path against the JSON that -o json prints");
}

// ---- Parsed form -------------------------------------------------------------------------

struct pipeline;

struct argument {
  enum class kind { field, literal, function, nested } what = kind::literal;
  bool from_root = false;          // `$` or `$.a`: the data, not the dot
  std::vector<std::string> chain;  // field names after the dot
  json literal;
  std::string function;
  std::shared_ptr<pipeline> inner;  // (PIPELINE)
  std::string shown;                // as written, for messages
};

using command = std::vector<argument>;

struct pipeline {
  std::vector<command> commands;
};

struct node {
  enum class kind { text, print, if_, range, with } what = kind::text;
  std::string text;
  pipeline pipe;
  std::vector<node> body;
  std::vector<node> otherwise;
};

// ---- Lexing one action -------------------------------------------------------------------

bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

struct token {
  enum class kind { word, field, root, string, number, open, close, bar, end } what;
  std::string text;
  std::size_t offset;
};

result<std::vector<token>> lex_action(const std::string& body, std::size_t base) {
  std::vector<token> out;
  std::size_t i = 0;
  auto chain_at = [&](std::size_t from) {
    std::size_t j = from;
    while (j < body.size() && body[j] == '.') {
      ++j;
      while (j < body.size() && ident_char(body[j]))
        ++j;
    }
    return j;
  };
  while (i < body.size()) {
    char c = body[i];
    std::size_t at = base + i;
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '.') {
      std::size_t j = chain_at(i);
      out.push_back({token::kind::field, body.substr(i, j - i), at});
      i = j;
    } else if (c == '$') {
      if (i + 1 < body.size() && ident_char(body[i + 1]))
        return parse_error("the variable " + body.substr(i, 2) + "...", at);
      std::size_t j = chain_at(i + 1);
      out.push_back({token::kind::root, body.substr(i + 1, j - i - 1), at});
      i = j;
    } else if (c == '"' || c == '`') {
      std::string text;
      std::size_t j = i + 1;
      for (; j < body.size() && body[j] != c; ++j) {
        if (c == '"' && body[j] == '\\' && j + 1 < body.size()) {
          char e = body[++j];
          text += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          text += body[j];
        }
      }
      if (j >= body.size()) return syntax_error("unterminated string", at);
      out.push_back({token::kind::string, text, at});
      i = j + 1;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && i + 1 < body.size() &&
                std::isdigit(static_cast<unsigned char>(body[i + 1])))) {
      std::size_t j = i + 1;
      while (j < body.size() && (std::isdigit(static_cast<unsigned char>(body[j])) ||
                                 body[j] == '.' || body[j] == 'e'))
        ++j;
      out.push_back({token::kind::number, body.substr(i, j - i), at});
      i = j;
    } else if (ident_char(c)) {
      std::size_t j = i;
      while (j < body.size() && ident_char(body[j]))
        ++j;
      out.push_back({token::kind::word, body.substr(i, j - i), at});
      i = j;
    } else if (c == '(') {
      out.push_back({token::kind::open, "(", at});
      ++i;
    } else if (c == ')') {
      out.push_back({token::kind::close, ")", at});
      ++i;
    } else if (c == '|') {
      out.push_back({token::kind::bar, "|", at});
      ++i;
    } else if (c == ':' || c == '=') {
      return parse_error("assignment (:=, =)", at);
    } else {
      return syntax_error(std::string("unexpected \"") + c + "\"", at);
    }
  }
  out.push_back({token::kind::end, "", base + body.size()});
  return out;
}

/// Parentheses and blocks deeper than this are refused: the parser and the runner recurse, and
/// a template is user input (a hostile one must be an error, not a stack overflow).
constexpr int max_nesting = 64;

const std::map<std::string, int>& known_functions() {
  // Name to the number of arguments (-1: one or more).
  static const std::map<std::string, int> functions = {
      {"json", 1}, {"lower", 1},  {"upper", 1},   {"title", 1}, {"index", -1},
      {"len", 1},  {"not", 1},    {"and", -1},    {"or", -1},   {"eq", -1},
      {"ne", 2},   {"print", -1}, {"println", -1}};
  return functions;
}

std::vector<std::string> split_chain(const std::string& text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = text.find('.', i + 1);
    if (j == std::string::npos) j = text.size();
    if (j > i + 1) out.push_back(text.substr(i + 1, j - i - 1));
    i = j;
  }
  return out;
}

class action_parser {
 public:
  explicit action_parser(std::vector<token> tokens) : tokens_(std::move(tokens)) {}

  result<pipeline> parse_pipeline(bool nested) {
    pipeline out;
    while (true) {
      command cmd;
      while (peek().what != token::kind::bar && peek().what != token::kind::end &&
             peek().what != token::kind::close) {
        auto arg = parse_argument();
        if (!arg) return arg.error();
        cmd.push_back(std::move(*arg));
      }
      if (cmd.empty()) return syntax_error("missing value in the pipeline", peek().offset);
      out.commands.push_back(std::move(cmd));
      if (peek().what != token::kind::bar) break;
      ++at_;
    }
    if (nested && peek().what != token::kind::close)
      return syntax_error("unclosed \"(\"", peek().offset);
    if (!nested && peek().what != token::kind::end)
      return syntax_error("unexpected \"" + peek().text + "\"", peek().offset);
    if (nested) ++at_;
    return out;
  }

 private:
  const token& peek() const { return tokens_[at_]; }

  result<argument> parse_argument() {
    const token& t = tokens_[at_++];
    argument arg;
    arg.shown = t.text;
    switch (t.what) {
      case token::kind::field:
        arg.what = argument::kind::field;
        arg.chain = split_chain(t.text);
        return arg;
      case token::kind::root:
        arg.what = argument::kind::field;
        arg.from_root = true;
        arg.chain = split_chain(t.text);
        arg.shown = "$" + t.text;
        return arg;
      case token::kind::string:
        arg.literal = t.text;
        return arg;
      case token::kind::number: {
        try {
          std::size_t used = 0;
          if (t.text.find_first_of(".e") == std::string::npos) {
            arg.literal = std::stoll(t.text, &used);
          } else {
            arg.literal = std::stod(t.text, &used);
          }
          if (used != t.text.size()) throw std::invalid_argument(t.text);
        } catch (const std::exception&) {
          return syntax_error("bad number " + t.text, t.offset);
        }
        return arg;
      }
      case token::kind::word:
        if (t.text == "true" || t.text == "false") {
          arg.literal = t.text == "true";
          return arg;
        }
        if (t.text == "nil") {
          arg.literal = nullptr;
          return arg;
        }
        if (known_functions().count(t.text) == 0) {
          if (t.text == "printf" || t.text == "template" || t.text == "define" ||
              t.text == "block" || t.text == "html" || t.text == "js" || t.text == "urlquery" ||
              t.text == "call" || t.text == "slice" || t.text == "lt" || t.text == "le" ||
              t.text == "gt" || t.text == "ge" || t.text == "break" || t.text == "continue")
            return parse_error("\"" + t.text + "\"", t.offset);
          return syntax_error("function \"" + t.text + "\" not defined", t.offset);
        }
        arg.what = argument::kind::function;
        arg.function = t.text;
        return arg;
      case token::kind::open: {
        if (++depth_ > max_nesting) return syntax_error("parentheses nested too deeply", t.offset);
        auto inner = parse_pipeline(true);
        --depth_;
        if (!inner) return inner.error();
        arg.what = argument::kind::nested;
        arg.inner = std::make_shared<pipeline>(std::move(*inner));
        arg.shown = "(...)";
        return arg;
      }
      default:
        return syntax_error("unexpected \"" + t.text + "\"", t.offset);
    }
  }

  std::vector<token> tokens_;
  std::size_t at_ = 0;
  int depth_ = 0;
};

// ---- Splitting the template into text and actions ------------------------------------------

struct segment {
  bool action = false;
  std::string text;  // the text, or the action's inside without {{ }} and trim marks
  std::size_t offset = 0;
};

result<std::vector<segment>> split(const std::string& text) {
  std::vector<segment> out;
  std::size_t i = 0;
  bool trim_next = false;
  while (i <= text.size()) {
    std::size_t open = text.find("{{", i);
    std::string plain = text.substr(i, open == std::string::npos ? std::string::npos : open - i);
    if (trim_next) {
      std::size_t first = plain.find_first_not_of(" \t\r\n");
      plain = first == std::string::npos ? "" : plain.substr(first);
    }
    if (open == std::string::npos) {
      if (!plain.empty()) out.push_back({false, plain, i});
      break;
    }
    std::size_t inside = open + 2;
    if (text.compare(inside, 2, "- ") == 0 || text.compare(inside, 2, "-\t") == 0 ||
        text.compare(inside, 2, "-\n") == 0) {
      std::size_t last = plain.find_last_not_of(" \t\r\n");
      plain = last == std::string::npos ? "" : plain.substr(0, last + 1);
      inside += 1;
    }
    if (!plain.empty()) out.push_back({false, plain, i});
    std::size_t close = text.find("}}", inside);
    if (close == std::string::npos) return syntax_error("unclosed action", open);
    std::size_t body_end = close;
    trim_next = false;
    if (body_end >= inside + 2 && text[body_end - 1] == '-' &&
        std::isspace(static_cast<unsigned char>(text[body_end - 2]))) {
      trim_next = true;
      body_end -= 1;
    }
    out.push_back({true, text.substr(inside, body_end - inside), inside});
    i = close + 2;
  }
  return out;
}

std::string first_word(const std::string& body) {
  std::size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return "";
  std::size_t end = start;
  while (end < body.size() && ident_char(body[end]))
    ++end;
  return body.substr(start, end - start);
}

std::string after_word(const std::string& body, const std::string& word) {
  std::size_t start = body.find(word);
  return body.substr(start + word.size());
}

class tree_parser {
 public:
  explicit tree_parser(std::vector<segment> segments) : segments_(std::move(segments)) {}

  /// Nodes up to `end`/`else` (left for the caller in `stopped_at`) or the end of input.
  result<std::vector<node>> parse_list(std::string& stopped_at, std::string& stop_body) {
    std::vector<node> out;
    while (at_ < segments_.size()) {
      const segment& s = segments_[at_++];
      if (!s.action) {
        out.push_back({node::kind::text, s.text, {}, {}, {}});
        continue;
      }
      std::string body = s.text;
      std::size_t start = body.find_first_not_of(" \t\r\n");
      if (start == std::string::npos) return syntax_error("missing value for command", s.offset);
      if (body.compare(start, 2, "/*") == 0) continue;  // a comment
      std::string word = first_word(body);
      if (word == "end" || word == "else") {
        stopped_at = word;
        stop_body = after_word(body, word);
        stop_offset_ = s.offset;
        return out;
      }
      if (word == "if" || word == "range" || word == "with") {
        auto made = block(word, after_word(body, word), s.offset);
        if (!made) return made.error();
        out.push_back(std::move(*made));
        continue;
      }
      if (word == "define" || word == "template" || word == "block" || word == "break" ||
          word == "continue")
        return parse_error("{{" + word + "}}", s.offset);
      auto pipe = parse_pipe(body, s.offset);
      if (!pipe) return pipe.error();
      node printed{node::kind::print, {}, std::move(*pipe), {}, {}};
      out.push_back(std::move(printed));
    }
    stopped_at.clear();
    return out;
  }

 private:
  static result<pipeline> parse_pipe(const std::string& body, std::size_t offset) {
    auto tokens = lex_action(body, offset);
    if (!tokens) return tokens.error();
    action_parser parser(std::move(*tokens));
    return parser.parse_pipeline(false);
  }

  result<node> block(const std::string& word, const std::string& rest, std::size_t offset) {
    if (++depth_ > max_nesting) return syntax_error("blocks nested too deeply", offset);
    struct leave {
      int& depth;
      ~leave() { --depth; }
    } left{depth_};
    node out;
    out.what = word == "if"      ? node::kind::if_
               : word == "range" ? node::kind::range
                                 : node::kind::with;
    auto pipe = parse_pipe(rest, offset);
    if (!pipe) return pipe.error();
    out.pipe = std::move(*pipe);
    std::string stopped, stop_body;
    auto body = parse_list(stopped, stop_body);
    if (!body) return body.error();
    out.body = std::move(*body);
    if (stopped.empty())
      return syntax_error("unexpected EOF: {{" + word + "}} has no {{end}}", offset);
    if (stopped == "else") {
      std::string nested = first_word(stop_body);
      if (nested == "if" && word == "if") {
        // `else if P`: an if inside the else branch that shares this block's {{end}}.
        auto inner = block("if", after_word(stop_body, "if"), stop_offset_);
        if (!inner) return inner.error();
        out.otherwise.push_back(std::move(*inner));
        return out;
      }
      if (!nested.empty()) return parse_error("{{else " + nested + "}}", stop_offset_);
      auto otherwise = parse_list(stopped, stop_body);
      if (!otherwise) return otherwise.error();
      out.otherwise = std::move(*otherwise);
      if (stopped != "end") return syntax_error("{{" + word + "}} has no {{end}}", offset);
    }
    return out;
  }

  std::vector<segment> segments_;
  std::size_t at_ = 0;
  std::size_t stop_offset_ = 0;
  int depth_ = 0;
};

// ---- Running -------------------------------------------------------------------------------

std::string type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "map[string]interface {}";
    case json::value_t::array:
      return "[]interface {}";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::null:
      return "nil";
    default:
      return "json.Number";
  }
}

/// fmt's %v of what encoding/json decodes (with UseNumber); `top` prints a null as text/template
/// does at the top level.
std::string go_print(const json& value, bool top) {
  switch (value.type()) {
    case json::value_t::null:
      return top ? "<no value>" : "<nil>";
    case json::value_t::string:
      return value.get<std::string>();
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [key, item] : value.items()) {  // nlohmann sorts keys, as fmt does
        out += (first ? "" : " ") + key + ":" + go_print(item, false);
        first = false;
      }
      return out + "]";
    }
    case json::value_t::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < value.size(); ++i)
        out += (i == 0 ? "" : " ") + go_print(value[i], false);
      return out + "]";
    }
    default:
      return value.dump();
  }
}

bool truth(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return false;
    case json::value_t::boolean:
      return value.get<bool>();
    case json::value_t::string:
      return !value.get<std::string>().empty();
    case json::value_t::object:
    case json::value_t::array:
      return !value.empty();
    case json::value_t::number_float:
      return value.get<double>() != 0;
    default:
      return value.get<std::int64_t>() != 0;
  }
}

/// encoding/json's Encoder: compact, <>& escaped, a newline at the end.
std::string go_json(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out + "\n";
}

class runner {
 public:
  explicit runner(const json& root) : root_(root) {}

  result<void> run(const std::vector<node>& nodes, const json& dot, std::string& out) {
    for (const auto& n : nodes) {
      switch (n.what) {
        case node::kind::text:
          out += n.text;
          break;
        case node::kind::print: {
          auto value = pipe(n.pipe, dot);
          if (!value) return value.error();
          out += go_print(*value, true);
          break;
        }
        case node::kind::if_:
        case node::kind::with: {
          auto value = pipe(n.pipe, dot);
          if (!value) return value.error();
          const bool taken = truth(*value);
          const json& inner = n.what == node::kind::with && taken ? *value : dot;
          if (auto ran = run(taken ? n.body : n.otherwise, inner, out); !ran) return ran;
          break;
        }
        case node::kind::range: {
          auto value = pipe(n.pipe, dot);
          if (!value) return value.error();
          if (!value->is_array() && !value->is_object() && !value->is_null())
            return exec_error("range can't iterate over " + go_print(*value, false));
          if (!truth(*value)) {
            if (auto ran = run(n.otherwise, dot, out); !ran) return ran;
            break;
          }
          for (const auto& item : *value) {
            if (auto ran = run(n.body, item, out); !ran) return ran;
          }
          break;
        }
      }
    }
    return {};
  }

 private:
  result<json> pipe(const pipeline& p, const json& dot) {
    std::optional<json> carried;
    for (const auto& cmd : p.commands) {
      auto value = call(cmd, dot, carried);
      if (!value) return value.error();
      carried = std::move(*value);
    }
    return *carried;
  }

  result<json> field(const argument& arg, const json& dot) {
    const json* at = arg.from_root ? &root_ : &dot;
    std::string walked = arg.from_root ? "$" : "";
    for (const auto& name : arg.chain) {
      walked += "." + name;
      if (at->is_null()) return exec_error("<" + walked + ">: nil pointer evaluating ." + name);
      if (!at->is_object())
        return exec_error("<" + walked + ">: can't evaluate field " + name + " in type " +
                          type_name(*at));
      auto found = at->find(name);
      if (found == at->end())
        return exec_error("<" + walked + ">: map has no entry for key \"" + name + "\"");
      at = &*found;
    }
    return *at;
  }

  result<json> value_of(const argument& arg, const json& dot) {
    switch (arg.what) {
      case argument::kind::field:
        return field(arg, dot);
      case argument::kind::nested:
        return pipe(*arg.inner, dot);
      case argument::kind::function:
        return call({arg}, dot, std::nullopt);
      default:
        return arg.literal;
    }
  }

  result<json> call(const command& cmd, const json& dot, const std::optional<json>& carried) {
    const argument& head = cmd.front();
    if (head.what != argument::kind::function) {
      if (cmd.size() > 1 || carried)
        return exec_error("can't give argument to non-function " + head.shown);
      return value_of(head, dot);
    }
    std::vector<json> args;
    for (std::size_t i = 1; i < cmd.size(); ++i) {
      auto value = value_of(cmd[i], dot);
      if (!value) return value.error();
      args.push_back(std::move(*value));
    }
    if (carried) args.push_back(*carried);
    return apply(head.function, args);
  }

  static result<json> apply(const std::string& name, const std::vector<json>& args) {
    int wanted = known_functions().at(name);
    if ((wanted >= 0 && static_cast<int>(args.size()) != wanted) ||
        (wanted < 0 && args.empty() && name != "print" && name != "println"))
      return exec_error("wrong number of args for " + name + ": got " +
                        std::to_string(args.size()));
    if (name == "json") return json(go_json(args[0]));
    if (name == "lower" || name == "upper" || name == "title") {
      if (!args[0].is_string())
        return exec_error(name + ": wrong type for value; expected string; got " +
                          type_name(args[0]));
      std::string text = args[0].get<std::string>();
      bool start = true;
      for (auto& c : text) {
        auto u = static_cast<unsigned char>(c);
        if (name == "lower") c = static_cast<char>(std::tolower(u));
        if (name == "upper") c = static_cast<char>(std::toupper(u));
        if (name == "title") {
          if (start && std::isalpha(u)) c = static_cast<char>(std::toupper(u));
          start = !std::isalnum(u) && c != '_' && c != '\'';
        }
      }
      return json(text);
    }
    if (name == "len") {
      if (args[0].is_string()) return json(args[0].get<std::string>().size());
      if (args[0].is_array() || args[0].is_object()) return json(args[0].size());
      return exec_error("len of type " + type_name(args[0]));
    }
    if (name == "index") {
      json at = args[0];
      for (std::size_t i = 1; i < args.size(); ++i) {
        if (at.is_object() && args[i].is_string()) {
          auto found = at.find(args[i].get<std::string>());
          at = found == at.end() ? json(nullptr) : *found;
        } else if (at.is_array() && args[i].is_number_integer()) {
          auto k = args[i].get<std::int64_t>();
          if (k < 0 || static_cast<std::size_t>(k) >= at.size())
            return exec_error("index out of range: " + std::to_string(k));
          at = at[static_cast<std::size_t>(k)];
        } else {
          return exec_error("can't index item of type " + type_name(at));
        }
      }
      return at;
    }
    if (name == "not") return json(!truth(args[0]));
    if (name == "and" || name == "or") {
      for (const auto& a : args)
        if (truth(a) == (name == "or")) return a;
      return args.back();
    }
    if (name == "eq" || name == "ne") {
      bool equal = false;
      for (std::size_t i = 1; i < args.size(); ++i)
        equal = equal || args[0] == args[i];
      return json(name == "eq" ? equal : !equal);
    }
    // print, println: fmt.Sprint puts a space between operands when neither is a string.
    std::string out;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (i > 0 && (name == "println" || (!args[i - 1].is_string() && !args[i].is_string())))
        out += " ";
      out += go_print(args[i], false);
    }
    if (name == "println") out += "\n";
    return json(out);
  }

  const json& root_;
};

}  // namespace

result<std::string> run_go_template(const std::string& text, const nlohmann::json& data) {
  auto segments = split(text);
  if (!segments) return segments.error();
  tree_parser parser(std::move(*segments));
  std::string stopped, stop_body;
  auto nodes = parser.parse_list(stopped, stop_body);
  if (!nodes) return nodes.error();
  if (!stopped.empty()) return syntax_error("unexpected {{" + stopped + "}}", 0);
  std::string out;
  runner run(data);
  if (auto ran = run.run(*nodes, data, out); !ran) return ran.error();
  return out;
}

}  // namespace deshim::runtime
