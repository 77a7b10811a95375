// A small well-formedness check for the XML and HTML the renderers write: every tag closed in
// order, attributes quoted, no raw '<' or '&' outside markup and entities. Enough to catch an
// unescaped value, which is what these tests are for.
#pragma once

#include <string>
#include <vector>

namespace deshim::analyze::testing_support {

/// Empty when well-formed, else what is wrong and where. `void_elements` (HTML's meta, br)
/// need no closing tag.
inline std::string xml_problem(const std::string& text,
                               const std::vector<std::string>& void_elements = {}) {
  std::vector<std::string> open;
  std::size_t i = 0;
  auto is_void = [&](const std::string& name) {
    for (const auto& v : void_elements) {
      if (v == name) return true;
    }
    return false;
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '&') {
      std::size_t semi = text.find(';', i);
      if (semi == std::string::npos || semi - i > 8) return "bare & at " + std::to_string(i);
      for (std::size_t j = i + 1; j < semi; ++j) {
        char e = text[j];
        if (!std::isalnum(static_cast<unsigned char>(e)) && e != '#') {
          return "bad entity at " + std::to_string(i);
        }
      }
      i = semi + 1;
      continue;
    }
    if (c == '>') return "bare > at " + std::to_string(i);
    if (c != '<') {
      ++i;
      continue;
    }
    std::size_t close = text.find('>', i);
    if (close == std::string::npos) return "unclosed tag at " + std::to_string(i);
    std::string tag = text.substr(i + 1, close - i - 1);
    i = close + 1;
    if (tag.empty()) return "empty tag";
    if (tag[0] == '?' || tag[0] == '!') continue;  // declaration, doctype
    if (tag.find('<') != std::string::npos) return "'<' inside tag " + tag;
    // Attribute values must be quoted: count quotes.
    std::size_t quotes = 0;
    for (char q : tag)
      quotes += q == '"' ? 1 : 0;
    if (quotes % 2 != 0) return "unbalanced quotes in <" + tag + ">";
    if (tag[0] == '/') {
      std::string name = tag.substr(1);
      if (open.empty() || open.back() != name) {
        return "</" + name + "> closes " + (open.empty() ? std::string("nothing") : open.back());
      }
      open.pop_back();
      continue;
    }
    bool self_closing = tag.back() == '/';
    std::string name = tag.substr(0, tag.find_first_of(" /\n"));
    if (!self_closing && !is_void(name)) open.push_back(name);
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  return "";
}

}  // namespace deshim::analyze::testing_support
