#include "analyze/json_item_stream.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

namespace deshim::analyze {
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
constexpr std::array<bool, 256> make_string_stops() {
  std::array<bool, 256> stops{};
  for (int c = 0; c < 0x20; ++c)
    stops[c] = true;
  stops['"'] = true;
  stops['\\'] = true;
  return stops;
}
constexpr std::array<bool, 256> string_stops = make_string_stops();

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
  void run(const json_item_callback& each) {
    each_ = &each;
    skip_whitespace();
    int c = peek();
    int line = line_;
    int column = column_now();
    if (c == '[') {
      stream_array();
    } else if (c == '{') {
      json top = json::object();
      bool items_seen = read_top_object(top);
      finish();
      if (!items_seen) emit(json_item{std::move(top), -1, line, column});
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

  /// Kubectl indents its JSON deeply: most bytes of a dump are blanks, so this loop is hot.
  void skip_whitespace() {
    for (;;) {
      const char* p = data_ + pos_;
      const char* e = data_ + end_;
      while (p < e) {
        char c = *p;
        if (c == ' ') {
          ++p;
          while (p + 8 <= e && std::memcmp(p, "        ", 8) == 0)
            p += 8;
        } else if (c == '\n') {
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

  void emit(json_item item) {
    auto done = (*each_)(std::move(item));
    if (!done) throw passed_failure{done.error()};
  }

  // --- structure ---------------------------------------------------------------------------

  /// Reads the top-level object; an `items` array is streamed instead of stored.
  bool read_top_object(json& top) {
    ++pos_;  // '{'
    skip_whitespace();
    if (peek() == '}') {
      ++pos_;
      return false;
    }
    bool items_seen = false;
    for (;;) {
      skip_whitespace();
      std::string key = read_key();
      skip_whitespace();
      if (key == "items" && peek() == '[') {
        stream_array();
        items_seen = true;
      } else {
        object_role child = key_role(object_role::item_root, key);
        read_value(child_slot(&top, std::move(key), child), 1, child);
      }
      if (!after_member()) break;
    }
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
      json value;
      read_value(&value, 2, object_role::item_root);
      emit(json_item{std::move(value), index, line, column});
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

  std::string read_key() {
    if (peek() != '"') {
      if (peek() < 0) fail("unexpected end of file: expected a quoted key");
      fail("expected a quoted key, found " + shown(peek()));
    }
    std::string key;
    read_string(&key);
    skip_whitespace();
    expect(':', "':' after a key");
    skip_whitespace();
    return key;
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
        if (key == "hostPID" || key == "hostNetwork") return object_role::plain;
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

  /// Where the value goes, or null when it is skipped.
  json* child_slot(json* object, std::string key, object_role child) {
    if (!object || child == object_role::skipped) return nullptr;
    json* slot = &object->get_ref<json::object_t&>()[std::move(key)];
    return child == object_role::type_only ? nullptr : slot;
  }

  /// Reads one value into `out` (or skips it when `out` is null). `role` applies when the value
  /// is an object.
  void read_value(json* out, int depth, object_role role) {
    if (depth > max_depth) fail("the document nests deeper than 512 levels");
    int c = peek();
    switch (c) {
      case '{':
        read_object(out, depth, role);
        return;
      case '[':
        read_array(
            out, depth,
            role == object_role::container_list ? object_role::container : object_role::plain);
        return;
      case '"':
        if (out) {
          std::string text;
          read_string(&text);
          *out = std::move(text);
        } else {
          read_string(nullptr);
        }
        return;
      case 't':
        read_literal("true");
        if (out) *out = true;
        return;
      case 'f':
        read_literal("false");
        if (out) *out = false;
        return;
      case 'n':
        read_literal("null");
        if (out) *out = nullptr;
        return;
      case -1:
        fail("unexpected end of file: expected a value");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          read_number(out);
          return;
        }
        fail("expected a value, found " + shown(c));
    }
  }

  void read_object(json* out, int depth, object_role role) {
    ++pos_;  // '{'
    if (!out) {
      skip_object(depth);
      return;
    }
    *out = json::object();
    skip_whitespace();
    if (peek() == '}') {
      ++pos_;
      return;
    }
    for (;;) {
      skip_whitespace();
      std::string key = read_key();
      object_role child = key_role(role, key);
      read_value(child_slot(out, std::move(key), child), depth + 1, child);
      if (!after_member()) return;
    }
  }

  /// An object nothing reads: checked for syntax, keys not even kept.
  void skip_object(int depth) {
    skip_whitespace();
    if (peek() == '}') {
      ++pos_;
      return;
    }
    for (;;) {
      skip_whitespace();
      if (peek() != '"') {
        if (peek() < 0) fail("unexpected end of file: expected a quoted key");
        fail("expected a quoted key, found " + shown(peek()));
      }
      read_string(nullptr);
      skip_whitespace();
      expect(':', "':' after a key");
      skip_whitespace();
      read_value(nullptr, depth + 1, object_role::skipped);
      if (!after_member()) return;
    }
  }

  void read_array(json* out, int depth, object_role element_role) {
    ++pos_;  // '['
    if (out) *out = json::array();
    skip_whitespace();
    if (peek() == ']') {
      ++pos_;
      return;
    }
    for (;;) {
      skip_whitespace();
      json* slot = nullptr;
      if (out) {
        out->push_back(json());
        slot = &out->back();
      }
      read_value(slot, depth + 1, element_role);
      skip_whitespace();
      char c = next("',' or ']'");
      if (c == ']') return;
      if (c != ',') {
        --pos_;
        fail("expected ',' or ']' in an array, found " + shown(static_cast<unsigned char>(c)));
      }
    }
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

  void read_number(json* out) {
    std::string token;
    for (;;) {
      int c = peek();
      if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
        token.push_back(static_cast<char>(c));
        ++pos_;
      } else {
        break;
      }
    }
    const char* first = token.data();
    const char* last = first + token.size();
    bool integral = token.find_first_of(".eE") == std::string::npos;
    bool valid = token.back() >= '0' && token.back() <= '9';
    if (valid && integral) {
      std::int64_t value = 0;
      auto [end, ec] = std::from_chars(first, last, value);
      if (ec == std::errc() && end == last) {
        if (out) *out = value;
        return;
      }
      std::uint64_t unsigned_value = 0;
      auto [uend, uec] = std::from_chars(first, last, unsigned_value);
      if (uec == std::errc() && uend == last) {
        if (out) *out = unsigned_value;
        return;
      }
    }
    if (valid) {
      double value = 0;
      auto [end, ec] = std::from_chars(first, last, value);
      if (ec == std::errc() && end == last) {
        if (out) *out = value;
        return;
      }
    }
    fail("invalid number '" + token + "'");
  }

  void read_string(std::string* out) {
    ++pos_;  // '"'
    for (;;) {
      if (pos_ == end_ && !fill()) fail("unexpected end of file inside a string");
      std::size_t start = pos_;
      while (pos_ < end_ && !string_stops[static_cast<unsigned char>(data_[pos_])])
        ++pos_;
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
  const json_item_callback* each_ = nullptr;
};

result<void> run_parser(stream_parser& parser, const std::string& display,
                        const json_item_callback& each) {
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

result<void> stream_json_items(const std::filesystem::path& path, const std::string& display,
                               const json_item_callback& each, const json_stream_options& options) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) {
    int saved = errno;
    if (saved == ENOENT) {
      return deshim::error(error_kind::not_found, "workload file not found", {display});
    }
    return environment_error(std::string("cannot open: ") + std::strerror(saved), {display});
  }
  stream_parser parser(file.get(), {}, options);
  return run_parser(parser, display, each);
}

result<void> stream_json_items_from_text(std::string_view text, const std::string& display,
                                         const json_item_callback& each,
                                         const json_stream_options& options) {
  stream_parser parser(nullptr, text, options);
  return run_parser(parser, display, each);
}

}  // namespace deshim::analyze
