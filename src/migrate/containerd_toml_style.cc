#include "migrate/containerd_toml_style.h"

#include <cstdio>
#include <sstream>

namespace deshim::migrate {
namespace {

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string value_text(const toml::node& node);

std::string inline_table_text(const toml::table& table) {
  std::string out = "{";
  bool first = true;
  for (auto&& [key, value] : table) {
    out += (first ? "" : ", ") + containerd_toml_key(std::string(key.str())) + " = " +
           value_text(value);
    first = false;
  }
  return out + "}";
}

/// A value on the right of `=`: strings double-quoted, arrays and inline tables recursively,
/// numbers, booleans and dates as toml++ prints them (the TOML forms containerd reads).
std::string value_text(const toml::node& node) {
  if (const auto* text = node.as_string()) return quoted(text->get());
  if (const auto* items = node.as_array()) {
    std::string out = "[";
    for (size_t i = 0; i < items->size(); ++i) {
      out += (i == 0 ? "" : ", ") + value_text(*items->get(i));
    }
    return out + "]";
  }
  if (const auto* table = node.as_table()) return inline_table_text(*table);
  std::ostringstream out;
  node.visit([&out](const auto& value) { out << value; });
  return out.str();
}

/// An array every element of which is a table: written as `[[path]]` blocks.
bool array_of_tables(const toml::node& node) {
  const toml::array* items = node.as_array();
  return items != nullptr && !items->empty() && items->is_array_of_tables();
}

std::string header_path(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& segment : path) {
    out += (out.empty() ? "" : ".") + containerd_toml_key(segment);
  }
  return out;
}

class printer {
 public:
  std::string text() const { return out_.str(); }

  /// The values of `table`, indented by `indent` spaces.
  void values(const toml::table& table, size_t indent) {
    for (auto&& [key, node] : table) {
      if (node.is_table() || array_of_tables(node)) continue;
      out_ << std::string(indent, ' ') << containerd_toml_key(std::string(key.str())) << " = "
           << value_text(node) << "\n";
      wrote_ = true;
    }
  }

  /// The sub-tables of `table` (at `path`), each after a blank line.
  void tables(const toml::table& table, std::vector<std::string>& path) {
    for (auto&& [key, node] : table) {
      path.emplace_back(key.str());
      const size_t indent = 2 * (path.size() - 1);
      if (const toml::table* child = node.as_table()) {
        block("[" + header_path(path) + "]", *child, path, indent);
      } else if (array_of_tables(node)) {
        for (const auto& element : *node.as_array()) {
          block("[[" + header_path(path) + "]]", *element.as_table(), path, indent);
        }
      }
      path.pop_back();
    }
  }

 private:
  void block(const std::string& header, const toml::table& table, std::vector<std::string>& path,
             size_t indent) {
    if (wrote_) out_ << "\n";
    out_ << std::string(indent, ' ') << header << "\n";
    wrote_ = true;
    values(table, indent + 2);
    tables(table, path);
  }

  std::ostringstream out_;
  bool wrote_ = false;
};

}  // namespace

std::string containerd_toml_value(const toml::node& node) {
  return value_text(node);
}

std::string containerd_toml_key(const std::string& key) {
  bool bare = !key.empty();
  for (const char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    bare = bare && ok;
  }
  return bare ? key : quoted(key);
}

std::string containerd_toml_text(const toml::table& root) {
  printer out;
  out.values(root, 0);
  std::vector<std::string> path;
  out.tables(root, path);
  return out.text();
}

}  // namespace deshim::migrate
