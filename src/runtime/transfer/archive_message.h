// libarchive's error message as a string that is never built from a null pointer.
#pragma once

#include <archive.h>

#include <string>

namespace deshim::runtime {

/// The message of `from`'s last error, or `fallback`: archive_error_string returns null when a
/// filter or format gave up without setting one (a damaged gzip header does that).
inline std::string archive_message(archive* from, const char* fallback) {
  const char* message = archive_error_string(from);
  return message != nullptr ? message : fallback;
}

}  // namespace deshim::runtime
