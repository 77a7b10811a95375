#include "analyze/command_flags.h"

namespace deshim::analyze {

parsed_command parse_go_flags(const std::vector<command_word>& words, size_t first,
                              const std::function<flag_kind(const std::string&)>& kind_of) {
  parsed_command out;
  for (size_t i = first; i < words.size(); ++i) {
    const command_word& word = words[i];
    const std::string& text = word.text;
    if (text.empty()) continue;  // an empty `${VAR}` leaves an empty word behind
    if (text == "--") {
      for (size_t j = i + 1; j < words.size(); ++j)
        out.positional.push_back(words[j]);
      break;
    }
    if (text.size() < 2 || text[0] != '-') {
      out.positional.push_back(word);
      continue;
    }
    parsed_flag flag{"", text, std::nullopt, word.file, word.line, word.variable};
    bool long_form = text[1] == '-';
    std::string body = text.substr(long_form ? 2 : 1);
    size_t equals = body.find('=');
    if (equals != std::string::npos) {
      flag.name = body.substr(0, equals);
      flag.value = body.substr(equals + 1);
      out.flags.push_back(flag);
      continue;
    }
    if (!long_form && body.size() > 1) {
      // `-Hunix:///x`: a shorthand with its value attached; `-dD`: two boolean shorthands.
      std::string shorthand = body.substr(0, 1);
      if (kind_of(shorthand) == flag_kind::boolean) {
        for (char c : body) {
          parsed_flag each = flag;
          each.name = std::string(1, c);
          out.flags.push_back(each);
        }
      } else {
        flag.name = shorthand;
        flag.value = body.substr(1);
        out.flags.push_back(flag);
      }
      continue;
    }
    flag.name = body;
    flag_kind kind = kind_of(flag.name);
    bool has_next = i + 1 < words.size();
    bool next_is_flag = has_next && words[i + 1].text.size() > 1 && words[i + 1].text[0] == '-';
    if (kind == flag_kind::value && has_next) {
      flag.value = words[++i].text;
      flag.spelled += " " + *flag.value;
    } else if (kind == flag_kind::unknown && has_next && !next_is_flag) {
      flag.value = words[++i].text;
      flag.spelled += " " + *flag.value;
    }
    out.flags.push_back(flag);
  }
  return out;
}

std::vector<command_word> words_at(const std::vector<std::string>& texts, const std::string& file,
                                   int line, const std::string& variable) {
  std::vector<command_word> out;
  for (const auto& text : texts)
    out.push_back({text, file, line, variable});
  return out;
}

}  // namespace deshim::analyze
