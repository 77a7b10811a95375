#include "common/yaml_document.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "common/input_limits.h"

namespace deshim {
namespace {

/// Thrown by the event pass to stop the parser at the first bound passed.
struct bound_passed {
  YAML::Mark mark;
  std::string message;
  std::string hint = "no real configuration or manifest needs this; check where the file came from";
};

/// Counts, per document, what the tree would hold once aliases are expanded.
class bounds_check : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    // yaml-cpp 0.7 never consumes a ',' outside [] or {} at the start of a document (its bug
    // 1040): every call then reports another empty document at the same place, forever, and
    // LoadAll keeps collecting them until memory runs out.
    if (started_ && mark.pos == last_start_.pos && mark.line == last_start_.line) {
      throw bound_passed{mark,
                         "the YAML parser makes no progress here; a ',' outside [ ] or { } is "
                         "the usual cause",
                         "remove the stray ',' (or write the list as [a, b])"};
    }
    started_ = true;
    last_start_ = mark;
    expanded_size_.clear();
    open_.clear();
    alias_nodes_ = 0;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { leaf(anchor); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    leaf(anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    for (const auto& frame : open_) {
      if (frame.anchor == anchor && anchor != YAML::NullAnchor) {
        throw bound_passed{mark, "this alias refers to a node that contains it, a loop"};
      }
    }
    auto found = expanded_size_.find(anchor);
    std::size_t size = found == expanded_size_.end() ? 1 : found->second;
    alias_nodes_ += size;
    if (alias_nodes_ > max_yaml_alias_nodes) {
      throw bound_passed{mark, "aliases expand this document to more than " +
                                   std::to_string(max_yaml_alias_nodes) + " nodes"};
    }
    add_to_parent(size);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct frame {
    YAML::anchor_t anchor;
    std::size_t size;  // nodes below and including this one, aliases expanded
  };

  void leaf(YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) expanded_size_[anchor] = 1;
    add_to_parent(1);
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (static_cast<int>(open_.size()) >= max_yaml_nesting_depth) {
      throw bound_passed{mark, "the document nests deeper than " +
                                   std::to_string(max_yaml_nesting_depth) + " levels here"};
    }
    open_.push_back({anchor, 1});
  }
  void close() {
    if (open_.empty()) return;
    frame done = open_.back();
    open_.pop_back();
    if (done.anchor != YAML::NullAnchor) expanded_size_[done.anchor] = done.size;
    add_to_parent(done.size);
  }
  void add_to_parent(std::size_t size) {
    if (!open_.empty()) open_.back().size += size;
  }

  bool started_ = false;
  YAML::Mark last_start_;
  std::map<YAML::anchor_t, std::size_t> expanded_size_;
  std::vector<frame> open_;
  std::size_t alias_nodes_ = 0;
};

source_location location_of(const YAML::Mark& mark, const std::string& file) {
  return {file, mark.line >= 0 ? mark.line + 1 : 0, mark.column >= 0 ? mark.column + 1 : 0};
}

/// Runs the event pass over the first document, or all of them; an error when a bound is passed
/// or the syntax is wrong.
result<void> check_bounds(std::string_view text, const std::string& file,
                          const yaml_error_text& errors, bool all) {
  std::istringstream in{std::string(text)};
  try {
    YAML::Parser parser(in);
    bounds_check check;
    while (parser.HandleNextDocument(check) && all) {
    }
  } catch (const bound_passed& passed) {
    return invalid_input(passed.message, location_of(passed.mark, file), passed.hint);
  } catch (const YAML::Exception& e) {
    return invalid_input(errors.what + ": " + e.msg, location_of(e.mark, file), errors.hint);
  }
  return {};
}

}  // namespace

result<std::vector<YAML::Node>> load_yaml_documents(std::string_view text, const std::string& file,
                                                    const yaml_error_text& errors) {
  if (auto checked = check_bounds(text, file, errors, true); !checked) return checked.error();
  try {
    return YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return invalid_input(errors.what + ": " + e.msg, location_of(e.mark, file), errors.hint);
  }
}

result<YAML::Node> load_yaml_document(std::string_view text, const std::string& file,
                                      const yaml_error_text& errors) {
  if (auto checked = check_bounds(text, file, errors, false); !checked) return checked.error();
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return invalid_input(errors.what + ": " + e.msg, location_of(e.mark, file), errors.hint);
  }
}

}  // namespace deshim
