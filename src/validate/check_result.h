// One result of `deshim validate`: a static check of the node's files or a step of the CRI
// scenario, with its verdict, what was seen (naming file:line:col or the field) and the fix.
//
// A check may report several results under one id (one per unknown key, one per CNI file);
// the report lists them in the order the checks ran. A failed result makes `deshim validate`
// exit 1; a warning does not.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace deshim::validate {

enum class check_status { pass, warn, fail };

std::string_view to_string(check_status status);

struct check_result {
  std::string id;        ///< stable, kebab-case: `containerd-unknown-key`, `step-run-pod-sandbox`
  std::string title;     ///< what is checked, for people
  std::string category;  ///< containerd, cni, kubelet, node, registry, cri
  check_status status = check_status::pass;
  std::string message;  ///< what was seen; names file:line:col or the field
  std::string fix;      ///< empty when it passed
  /// Dynamic steps only: how long the step took.
  std::optional<std::chrono::milliseconds> duration{};
};

/// Shorthands keeping the check files short.
check_result passed(std::string id, std::string title, std::string category, std::string message);
check_result warned(std::string id, std::string title, std::string category, std::string message,
                    std::string fix);
check_result failed(std::string id, std::string title, std::string category, std::string message,
                    std::string fix);

/// True when any result failed.
bool any_failed(const std::vector<check_result>& results);

}  // namespace deshim::validate
