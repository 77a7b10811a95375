#include "validate/check_result.h"

#include <algorithm>

namespace deshim::validate {

std::string_view to_string(check_status status) {
  switch (status) {
    case check_status::pass:
      return "pass";
    case check_status::warn:
      return "warn";
    case check_status::fail:
      return "fail";
  }
  return "fail";
}

check_result passed(std::string id, std::string title, std::string category, std::string message) {
  return {std::move(id),      std::move(title),   std::move(category),
          check_status::pass, std::move(message), ""};
}

check_result warned(std::string id, std::string title, std::string category, std::string message,
                    std::string fix) {
  return {std::move(id),      std::move(title),   std::move(category),
          check_status::warn, std::move(message), std::move(fix)};
}

check_result failed(std::string id, std::string title, std::string category, std::string message,
                    std::string fix) {
  return {std::move(id),      std::move(title),   std::move(category),
          check_status::fail, std::move(message), std::move(fix)};
}

bool any_failed(const std::vector<check_result>& results) {
  return std::any_of(results.begin(), results.end(),
                     [](const check_result& r) { return r.status == check_status::fail; });
}

}  // namespace deshim::validate
