// The KubeletConfiguration file, edited line by line.
//
// deshim owns a handful of top-level fields (containerLogMaxSize, containerLogMaxFiles,
// cgroupDriver, containerRuntimeEndpoint). Re-emitting the whole document through yaml-cpp
// would lose every comment and reorder nothing useful, so the edit is textual: the file is
// parsed first (errors name file, line and column), each owned field's line (and its
// continuation lines) is replaced in place or a line is appended, every other line is kept
// byte for byte, and the result is parsed again to prove the fields read back as written.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "migrate/plan.h"

namespace deshim::migrate {

/// One top-level field to set: `field: value`, value written as a YAML plain scalar.
struct kubelet_field_edit {
  std::string field;
  std::string value;
  std::string why;  ///< for the note when a user's different value is replaced
};

struct edited_kubelet_config {
  std::string text;
  std::vector<plan_note> notes;
};

/// Applies `edits` to the KubeletConfiguration `text` (node path `file`, for errors).
result<edited_kubelet_config> edit_kubelet_config(const std::string& text,
                                                  const std::vector<kubelet_field_edit>& edits,
                                                  const std::string& file);

}  // namespace deshim::migrate
