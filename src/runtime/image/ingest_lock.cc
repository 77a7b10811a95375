#include "runtime/image/ingest_lock.h"

namespace deshim::runtime {

namespace {

constexpr const char* permissions_hint = "check permissions under the runtime root";

}  // namespace

result<file_lock> ingest_lock::hold(const std::filesystem::path& root, mode how) {
  auto held = file_lock::hold(root / "ingest.lock", how);
  if (!held) return held.error().with_hint(permissions_hint);
  return held;
}

result<std::optional<file_lock>> ingest_lock::try_exclusive(const std::filesystem::path& root) {
  auto held = file_lock::try_hold(root / "ingest.lock", mode::exclusive);
  if (!held) return held.error().with_hint(permissions_hint);
  return held;
}

}  // namespace deshim::runtime
