#include "analyze/json_stream_parser.h"

#include <charconv>
#include <cstring>
#include <optional>
#include <vector>

#include "analyze/json_byte_scan.h"

namespace deshim::analyze::json_stream {
namespace {

using json = nlohmann::json;

/// A syntax error at a position; thrown inside the parser, turned into a deshim error at the edge.
struct syntax_failure {
  std::string message;
  int line;
  int column;
};

/// An error that is not about syntax (a read failure, or one the callback returned).
struct passed_failure {
  deshim::error failure;
};

/// Which object is being read, so the parts nothing reads can be skipped without building them.
enum class object_role {
  plain,
  skipped,    ///< parsed, not built
  type_only,  ///< the key is kept (with a null value), its value skipped: a volume's type
  item_root,
  metadata,
  spec,
  container_list,
  container,
  env_list,
  env,
  volume_list,
  volume,
  labels,  ///< labels or annotations: only compose's and kompose's keys are read
};

constexpr int max_depth = 512;
/// Bytes that end a run of plain string characters: the closing quote, an escape, a control.

class stream_parser {
 public:
  stream_parser(std::FILE* file, std::string_view text, const json_stream_options& options)
      : file_(file), options_(options) {
    if (file_) {
      chunk_.resize(options.chunk_size == 0 ? 1 : options.chunk_size);
      data_ = chunk_.data();
    } else {
      data_ = text.data();
      end_ = text.size();
      text_given_ = true;
    }
  }

  /// Reads the whole input, handing items to `each`.
  void run(const raw_item_sink& each) {
    each_ = &each;
    skip_whitespace();
    int c = peek();
    int line = line_;
    int column = column_now();
    if (c == '[') {
      stream_array();
    } else if (c == '{') {
      start_tape();
      bool items_seen = read_top_object();
      finish();
      if (!items_seen) emit(line, column, -1);
      return;
    } else if (c < 0) {
      fail("the file is empty: expected a JSON object");
    } else {
      fail(std::string("expected a JSON object or array at the top level, found ") + shown(c));
    }
    finish();
  }

  int current_item() const { return current_item_; }

 private:
  // --- input -------------------------------------------------------------------------------

  bool fill() {
    if (text_given_ || eof_) {
      eof_ = true;
      return false;
    }
    base_ += end_;
    pos_ = 0;
    end_ = std::fread(chunk_.data(), 1, chunk_.size(), file_);
    if (end_ == 0) {
      if (std::ferror(file_)) {
        throw passed_failure{
            environment_error(std::string("cannot read: ") + std::strerror(errno))};
      }
      eof_ = true;
      return false;
    }
    return true;
  }

  int peek() {
    if (pos_ == end_ && !fill()) return -1;
    return static_cast<unsigned char>(data_[pos_]);
  }

  /// The next byte, consumed; fails at the end of the input with `expecting`.
  char next(const char* expecting) {
    if (pos_ == end_ && !fill()) fail(std::string("unexpected end of file: expected ") + expecting);
    return data_[pos_++];
  }

  void expect(char wanted, const char* expecting) {
    int c = peek();
    if (c < 0) fail(std::string("unexpected end of file: expected ") + expecting);
    if (c != static_cast<unsigned char>(wanted)) {
      fail(std::string("expected ") + expecting + ", found " + shown(c));
    }
    ++pos_;
  }

  /// Called between every two tokens: most calls find the next token right there, or after the
  /// one space kubectl writes after a ':'.
  __attribute__((always_inline)) void skip_whitespace() {
    if (end_ - pos_ >= 2) {
      unsigned char c = static_cast<unsigned char>(data_[pos_]);
      if (c > ' ') return;
      if (c == ' ' && static_cast<unsigned char>(data_[pos_ + 1]) > ' ') {
        ++pos_;
        return;
      }
    }
    skip_blanks();
  }

  /// Kubectl indents its JSON deeply: most bytes of a dump are blanks, so this loop is hot. Runs
  /// of spaces are passed 16 bytes at a time.
  __attribute__((noinline)) void skip_blanks() {
    for (;;) {
      const char* p = data_ + pos_;
      const char* e = data_ + end_;
      while (p < e) {
        char c = *p;
        if (c == ' ') {
          p = skip_spaces(p, e);
          continue;
        }
        if (c == '\n') {
          ++p;
          ++line_;
          line_start_ = base_ + static_cast<std::size_t>(p - data_);
        } else if (c == '\t' || c == '\r') {
          ++p;
        } else {
          pos_ = static_cast<std::size_t>(p - data_);
          return;
        }
      }
      pos_ = end_;
      if (!fill()) return;
    }
  }

  int column_now() const { return static_cast<int>(base_ + pos_ - line_start_) + 1; }

  [[noreturn]] void fail(const std::string& message) {
    throw syntax_failure{message, line_, column_now()};
  }

  static std::string shown(int c) {
    if (c < 0) return "the end of the file";
    if (c < 0x20 || c >= 0x7f) {
      char buffer[16];
      std::snprintf(buffer, sizeof buffer, "0x%02x", c);
      return std::string("byte ") + buffer;
    }
    return std::string("'") + static_cast<char>(c) + "'";
  }

  void finish() {
    skip_whitespace();
    int c = peek();
    if (c >= 0) fail("unexpected " + shown(c) + " after the end of the JSON document");
  }

  /// A fresh tape for the next item (sized for a typical pod, so it rarely grows).
  void start_tape() {
    tape_.tokens.clear();
    tape_.text.clear();
    tape_.tokens.reserve(256);
    tape_.text.reserve(2048);
  }

  void emit(int line, int column, int index) {
    auto done = (*each_)(raw_item{std::move(tape_), index, line, column});
    tape_ = json_tape{};
    if (!done) throw passed_failure{done.error()};
  }

  void push(json_tape::op kind) { tape_.tokens.push_back(json_tape::token{kind}); }

  /// Appends the string at the position (a key or a value) to the tape.
  void push_string(json_tape::op kind) {
    std::size_t offset = tape_.text.size();
    read_string(&tape_.text);
    json_tape::token t{kind};
    t.offset = offset;
    t.size = tape_.text.size() - offset;
    tape_.tokens.push_back(t);
  }

  json_tape::token& push_number(json_tape::op kind) {
    tape_.tokens.push_back(json_tape::token{kind});
    return tape_.tokens.back();
  }

  void push_key(std::string_view key) {
    json_tape::token t{json_tape::op::key};
    t.offset = tape_.text.size();
    t.size = key.size();
    tape_.text.append(key);
    tape_.tokens.push_back(t);
  }

  // --- structure ---------------------------------------------------------------------------

  /// Reads the top-level object onto the tape; an `items` array is streamed instead of stored.
  bool read_top_object() {
    ++pos_;  // '{'
    push(json_tape::op::object);
    skip_whitespace();
    if (peek() == '}') {
      ++pos_;
      push(json_tape::op::end);
      return false;
    }
    bool items_seen = false;
    for (;;) {
      skip_whitespace();
      read_key_into(key_);
      skip_whitespace();
      if (key_ == "items" && peek() == '[') {
        // The top object's tape waits aside while each item gets its own.
        json_tape top = std::move(tape_);
        stream_array();
        tape_ = std::move(top);
        items_seen = true;
      } else {
        read_member(1, object_role::item_root);
      }
      if (!after_member()) break;
    }
    push(json_tape::op::end);
    return items_seen;
  }

  void stream_array() {
    ++pos_;  // '['
    skip_whitespace();
    if (peek() == ']') {
      ++pos_;
      return;
    }
    for (int index = 0;; ++index) {
      skip_whitespace();
      int line = line_;
      int column = column_now();
      current_item_ = index;
      start_tape();
      read_value(true, 2, object_role::item_root);
      emit(line, column, index);
      current_item_ = -1;
      skip_whitespace();
      char c = next("',' or ']' after an item");
      if (c == ']') return;
      if (c != ',') {
        --pos_;
        fail("expected ',' or ']' after an item, found " + shown(static_cast<unsigned char>(c)));
      }
    }
  }

  /// Reads the ':' after a key; returns false after the closing '}'.
  bool after_member() {
    skip_whitespace();
    char c = next("',' or '}'");
    if (c == '}') return false;
    if (c != ',') {
      --pos_;
      fail("expected ',' or '}' in an object, found " + shown(static_cast<unsigned char>(c)));
    }
    return true;
  }

  /// Reads a key and its ':' into `key`, leaving the position at the value.
  void read_key_into(std::string& key) {
    if (peek() != '"') {
      if (peek() < 0) fail("unexpected end of file: expected a quoted key");
      fail("expected a quoted key, found " + shown(peek()));
    }
    key.clear();
    read_string(&key);
    skip_whitespace();
    expect(':', "':' after a key");
    skip_whitespace();
  }

  /// What role the value of `key` plays inside an object of role `parent` (`skipped`: parsed,
  /// not built).
  object_role key_role(object_role parent, std::string_view key) const {
    if (!options_.workload_fields_only) return object_role::plain;
    switch (parent) {
      case object_role::item_root:
        if (key == "metadata") return object_role::metadata;
        if (key == "spec" || key == "template") return object_role::spec;
        if (key == "kind" || key == "apiVersion" || key == "data" || key == "items") {
          return object_role::plain;
        }
        return object_role::skipped;
      case object_role::metadata:
        if (key == "name" || key == "namespace") return object_role::plain;
        if (key == "labels" || key == "annotations") return object_role::labels;
        return object_role::skipped;
      case object_role::labels:
        return key.starts_with("io.kompose.") || key.starts_with("kompose.") ||
                       key.starts_with("com.docker.compose.")
                   ? object_role::plain
                   : object_role::skipped;
      case object_role::spec:
        // A pod spec, or a controller's spec holding a template (at any depth: CronJob).
        if (key == "containers" || key == "initContainers") return object_role::container_list;
        if (key == "template" || key == "jobTemplate" || key == "spec") return object_role::spec;
        if (key == "metadata") return object_role::metadata;
        if (key == "volumes") return object_role::volume_list;
        if (key == "hostPID" || key == "hostNetwork" || key == "nodeName") {
          return object_role::plain;  // nodeName: analyze --node-name skips other nodes' pods
        }
        return object_role::skipped;
      case object_role::container:
        if (key == "env") return object_role::env_list;
        if (key == "name" || key == "image" || key == "command" || key == "args" ||
            key == "securityContext" || key == "volumeMounts") {
          return object_role::plain;
        }
        return object_role::skipped;
      case object_role::env:
        return key == "name" || key == "value" ? object_role::plain : object_role::skipped;
      case object_role::volume:
        return key == "name" || key == "hostPath" ? object_role::plain : object_role::type_only;
      case object_role::skipped:
        return object_role::skipped;
      default:
        return object_role::plain;
    }
  }

  static object_role element_role_of(object_role list) {
    switch (list) {
      case object_role::container_list:
        return object_role::container;
      case object_role::env_list:
        return object_role::env;
      case object_role::volume_list:
        return object_role::volume;
      case object_role::skipped:
        return object_role::skipped;
      default:
        return object_role::plain;
    }
  }

  /// The value of the member whose key is in `key_` (its ':' read), in an object of role
  /// `parent`: onto the tape with its key, or skipped.
  void read_member(int depth, object_role parent) {
    object_role child = key_role(parent, key_);
    if (child == object_role::skipped) {
      skip_value(depth);
      return;
    }
    push_key(key_);
    if (child == object_role::type_only) {
      push(json_tape::op::null);
      skip_value(depth);
      return;
    }
    read_value(true, depth, child);
  }

  /// Reads one value onto the tape (or skips it when `keep` is false). `role` applies when the
  /// value is an object.
  void read_value(bool keep, int depth, object_role role) {
    if (depth > max_depth) fail("the document nests deeper than 512 levels");
    if (!keep) {
      skip_value(depth);
      return;
    }
    int c = peek();
    switch (c) {
      case '{':
        read_object(depth, role);
        return;
      case '[':
        read_array(depth, element_role_of(role));
        return;
      case '"':
        push_string(json_tape::op::string);
        return;
      case 't':
        read_literal("true");
        push(json_tape::op::yes);
        return;
      case 'f':
        read_literal("false");
        push(json_tape::op::no);
        return;
      case 'n':
        read_literal("null");
        push(json_tape::op::null);
        return;
      case -1:
        fail("unexpected end of file: expected a value");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          read_number(true);
          return;
        }
        fail("expected a value, found " + shown(c));
    }
  }

  void read_object(int depth, object_role role) {
    ++pos_;  // '{'
    push(json_tape::op::object);
    skip_whitespace();
    if (peek() == '}') {
      ++pos_;
      push(json_tape::op::end);
      return;
    }
    for (;;) {
      skip_whitespace();
      read_key_into(key_);
      read_member(depth + 1, role);
      if (!after_member()) break;
    }
    push(json_tape::op::end);
  }

  /// A value nothing reads, from its first byte: checked for syntax as `read_value` checks it,
  /// with the same messages, but in one loop over an explicit stack rather than a call per
  /// value (status, managedFields and probes are most of a live object's bytes).
  void skip_value(int depth) {
    std::array<bool, max_depth + 2>& inside = skip_stack_;
    int open = 0;
    for (;;) {
      // A value.
      if (depth + open > max_depth) fail("the document nests deeper than 512 levels");
      int c = peek();
      if (c == '{') {
        ++pos_;
        skip_whitespace();
        if (peek() == '}') {
          ++pos_;
        } else {
          inside[open++] = true;
          skip_key();
          continue;
        }
      } else if (c == '[') {
        ++pos_;
        skip_whitespace();
        if (peek() == ']') {
          ++pos_;
        } else {
          inside[open++] = false;
          continue;
        }
      } else if (c == '"') {
        skip_string();
      } else if (c == 't') {
        read_literal("true");
      } else if (c == 'f') {
        read_literal("false");
      } else if (c == 'n') {
        read_literal("null");
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        read_number(false);
      } else if (c < 0) {
        fail("unexpected end of file: expected a value");
      } else {
        fail("expected a value, found " + shown(c));
      }
      // After a value: the next member or element, or the end of one or more containers.
      for (;;) {
        if (open == 0) return;
        skip_whitespace();
        bool object = inside[open - 1];
        char next_byte = next(object ? "',' or '}'" : "',' or ']'");
        if (next_byte == ',') {
          skip_whitespace();
          if (object) skip_key();
          break;
        }
        if (next_byte == (object ? '}' : ']')) {
          --open;
          continue;
        }
        --pos_;
        fail(std::string(object ? "expected ',' or '}' in an object, found "
                                : "expected ',' or ']' in an array, found ") +
             shown(static_cast<unsigned char>(next_byte)));
      }
    }
  }

  /// A key nothing keeps and its ':', leaving the position at the value.
  void skip_key() {
    skip_whitespace();
    int c = peek();
    if (c != '"') {
      if (c < 0) fail("unexpected end of file: expected a quoted key");
      fail("expected a quoted key, found " + shown(c));
    }
    skip_string();
    skip_whitespace();
    if (pos_ < end_ && data_[pos_] == ':') {
      ++pos_;
    } else {
      expect(':', "':' after a key");
    }
    skip_whitespace();
  }

  void read_array(int depth, object_role element_role) {
    ++pos_;  // '['
    push(json_tape::op::array);
    skip_whitespace();
    if (peek() == ']') {
      ++pos_;
      push(json_tape::op::end);
      return;
    }
    for (;;) {
      skip_whitespace();
      if (element_role == object_role::env && peek() == '{') {
        read_env_entry(depth + 1);
      } else {
        read_value(true, depth + 1, element_role);
      }
      skip_whitespace();
      char c = next("',' or ']'");
      if (c == ']') break;
      if (c != ',') {
        --pos_;
        fail("expected ',' or ']' in an array, found " + shown(static_cast<unsigned char>(c)));
      }
    }
    push(json_tape::op::end);
  }

  /// The token after the value starting at token `at`.
  std::size_t after_token_value(std::size_t at) const {
    int open = 0;
    do {
      auto kind = tape_.tokens[at++].kind;
      if (kind == json_tape::op::object || kind == json_tape::op::array) ++open;
      if (kind == json_tape::op::end) --open;
    } while (open > 0);
    return at;
  }

  /// An env entry (an object in a container's `env`), kept as {name, value} only when the
  /// workload reader keeps it: when its name or value mentions Docker, or its name has the
  /// wrong type (the reader reports it). Most entries are read onto the tape and taken back.
  void read_env_entry(int depth) {
    std::size_t tokens_before = tape_.tokens.size();
    std::size_t text_before = tape_.text.size();
    read_value(true, depth, object_role::env);
    const json_tape::token* name = nullptr;  // the last one wins, as in a JSON object
    const json_tape::token* value = nullptr;
    for (std::size_t at = tokens_before + 1; tape_.tokens[at].kind != json_tape::op::end;) {
      const json_tape::token& key = tape_.tokens[at++];
      std::string_view which = tape_.string_at(key);
      if (which == "name") name = &tape_.tokens[at];
      if (which == "value") value = &tape_.tokens[at];
      at = after_token_value(at);
    }
    auto mentions = [&](const json_tape::token* t) {
      return t != nullptr && t->kind == json_tape::op::string &&
             mentions_docker(tape_.string_at(*t));
    };
    bool odd_name =
        name != nullptr && name->kind != json_tape::op::string && name->kind != json_tape::op::null;
    if (mentions(name) || odd_name || mentions(value)) return;
    tape_.tokens.erase(tape_.tokens.begin() + static_cast<std::ptrdiff_t>(tokens_before),
                       tape_.tokens.end());
    tape_.text.resize(text_before);
  }

  void read_literal(const char* word) {
    for (const char* p = word; *p; ++p) {
      int c = peek();
      if (c != static_cast<unsigned char>(*p)) {
        if (c < 0) fail(std::string("unexpected end of file inside '") + word + "'");
        fail(std::string("invalid literal: expected '") + word + "'");
      }
      ++pos_;
    }
  }

  void read_number(bool keep) {
    number_token_.clear();
    std::string& token = number_token_;
    for (;;) {
      const char* p = data_ + pos_;
      const char* e = data_ + end_;
      const char* start = p;
      while (p < e && is_number_byte(*p))
        ++p;
      token.append(start, static_cast<std::size_t>(p - start));
      pos_ = static_cast<std::size_t>(p - data_);
      if (p < e || !fill()) break;
    }
    const char* first = token.data();
    const char* last = first + token.size();
    bool integral = token.find_first_of(".eE") == std::string::npos;
    bool valid = token.back() >= '0' && token.back() <= '9';
    if (valid && integral) {
      std::int64_t value = 0;
      auto [end, ec] = std::from_chars(first, last, value);
      if (ec == std::errc() && end == last) {
        if (keep) push_number(json_tape::op::int64).int64 = value;
        return;
      }
      std::uint64_t unsigned_value = 0;
      auto [uend, uec] = std::from_chars(first, last, unsigned_value);
      if (uec == std::errc() && uend == last) {
        if (keep) push_number(json_tape::op::uint64).uint64 = unsigned_value;
        return;
      }
    }
    if (valid) {
      double value = 0;
      auto [end, ec] = std::from_chars(first, last, value);
      if (ec == std::errc() && end == last) {
        if (keep) push_number(json_tape::op::real).real = value;
        return;
      }
    }
    fail("invalid number '" + token + "'");
  }

  /// A string nothing keeps, at its opening quote. The usual one (no escape, inside the buffer)
  /// is passed in one scan; the rest go through read_string.
  __attribute__((always_inline)) void skip_string() {
    const char* stop = find_string_stop(data_ + pos_ + 1, data_ + end_);
    if (stop < data_ + end_ && *stop == '"') {
      pos_ = static_cast<std::size_t>(stop - data_) + 1;
      return;
    }
    read_string(nullptr);
  }

  void read_string(std::string* out) {
    ++pos_;  // '"'
    for (;;) {
      if (pos_ == end_ && !fill()) fail("unexpected end of file inside a string");
      std::size_t start = pos_;
      pos_ = static_cast<std::size_t>(find_string_stop(data_ + pos_, data_ + end_) - data_);
      if (out) out->append(data_ + start, pos_ - start);
      if (pos_ == end_) continue;
      unsigned char c = static_cast<unsigned char>(data_[pos_]);
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c < 0x20) fail("control character " + shown(c) + " inside a string: escape it");
      ++pos_;  // '\\'
      read_escape(out);
    }
  }

  void read_escape(std::string* out) {
    char c = next("an escape character");
    char plain = 0;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        plain = c;
        break;
      case 'b':
        plain = '\b';
        break;
      case 'f':
        plain = '\f';
        break;
      case 'n':
        plain = '\n';
        break;
      case 'r':
        plain = '\r';
        break;
      case 't':
        plain = '\t';
        break;
      case 'u': {
        std::uint32_t code = read_hex4();
        if (code >= 0xD800 && code <= 0xDBFF) {
          if (next("a low surrogate '\\u'") != '\\' || next("a low surrogate '\\u'") != 'u') {
            fail("a high surrogate \\u escape must be followed by a low one");
          }
          std::uint32_t low = read_hex4();
          if (low < 0xDC00 || low > 0xDFFF) fail("invalid low surrogate in a \\u escape");
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        } else if (code >= 0xDC00 && code <= 0xDFFF) {
          fail("a low surrogate \\u escape without a high one");
        }
        if (out) append_utf8(*out, code);
        return;
      }
      default:
        --pos_;
        fail("invalid escape '\\" + std::string(1, c) + "' in a string");
    }
    if (out) out->push_back(plain);
  }

  std::uint32_t read_hex4() {
    std::uint32_t code = 0;
    for (int i = 0; i < 4; ++i) {
      char c = next("four hex digits after \\u");
      code <<= 4;
      if (c >= '0' && c <= '9') {
        code |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        code |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        code |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        --pos_;
        fail("expected four hex digits after \\u");
      }
    }
    return code;
  }

  static void append_utf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
      out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code >> 6)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (code >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (code >> 18)));
      out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  std::FILE* file_ = nullptr;
  json_stream_options options_;
  std::string number_token_;  ///< read_number's scratch, kept to spare an allocation a number
  /// skip_value's containers, innermost last: true for an object, false for an array.
  std::array<bool, max_depth + 2> skip_stack_;
  std::string chunk_;
  const char* data_ = nullptr;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::size_t base_ = 0;        ///< file offset of data_[0]
  std::size_t line_start_ = 0;  ///< file offset of the current line's first byte
  int line_ = 1;
  bool eof_ = false;
  bool text_given_ = false;
  int current_item_ = -1;
  const raw_item_sink* each_ = nullptr;
  json_tape tape_;   ///< the item being read
  std::string key_;  ///< the key just read
};

result<void> run_parser(stream_parser& parser, const std::string& display,
                        const raw_item_sink& each) {
  try {
    parser.run(each);
  } catch (const syntax_failure& failure) {
    std::string field;
    if (parser.current_item() >= 0) field = "items[" + std::to_string(parser.current_item()) + "]";
    return invalid_input("invalid JSON: " + failure.message,
                         {display, failure.line, failure.column, field},
                         "fix the JSON at this position; a truncated `kubectl get -o json` dump "
                         "or a missing comma, quote or brace is the usual cause");
  } catch (const passed_failure& failure) {
    if (failure.failure.where().file.empty()) return failure.failure.in_file(display);
    return failure.failure;
  } catch (const json::exception& e) {
    return invalid_input(std::string("invalid JSON: ") + e.what(), {display});
  }
  return {};
}

}  // namespace

json_item to_json_item(raw_item&& raw) {
  return json_item{build_json(raw.tape), raw.index, raw.line, raw.column};
}

result<void> parse_items(std::FILE* file, std::string_view text, const json_stream_options& options,
                         const std::string& display, const raw_item_sink& each) {
  stream_parser parser(file, text, options);
  return run_parser(parser, display, each);
}

}  // namespace deshim::analyze::json_stream
