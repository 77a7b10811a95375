// The part of Go's text/template that crictl's `-o go-template --template T` is used with, run
// over the JSON document crictl would print (`{"status": ..., "info": ...}`).
//
// Supported: text; actions `{{PIPELINE}}` with `{{-`/`-}}` trimming; comments `{{/* */}}`;
// `if`/`else if`/`else`/`end`, `range` (with `else`) and `with` over a pipeline; pipelines of
// commands joined by `|` (the left value is the right command's last argument); arguments that
// are field chains (`.`, `.a.b`, `$`, `$.a`), "strings", numbers, true/false, or (PIPELINES);
// the functions crictl adds (`json`, `lower`, `upper`, `title`) and Go's `index`, `len`, `not`,
// `and`, `or`, `eq`, `ne`, `print`, `println`. Values print as Go prints them (maps as
// `map[k:v]`, lists as `[a b]`, a null as `<no value>`); a missing map key is an error, as
// crictl sets missingkey=error. Anything else (variables, `define`/`template`/`block`,
// `printf`, method calls) is a parse error that names the construct and its offset.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace deshim::runtime {

/// Runs `text` over `data`. Errors: usage (the template does not parse or uses something not
/// supported) or invalid_input (executing it failed, e.g. a missing key), with a hint.
result<std::string> run_go_template(const std::string& text, const nlohmann::json& data);

}  // namespace deshim::runtime
