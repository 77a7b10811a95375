#include "translate/rewrite.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>

#include "common/atomic_write.h"

namespace deshim::translate {
namespace {

bool inside(const docker_invocation& inner, const docker_invocation& outer) {
  return &inner != &outer && inner.begin >= outer.begin && inner.end <= outer.end &&
         (inner.end - inner.begin) < (outer.end - outer.begin);
}

}  // namespace

size_t count_rewrites(const std::vector<docker_invocation>& found) {
  return static_cast<size_t>(
      std::count_if(found.begin(), found.end(), [](const auto& f) { return f.rewritable; }));
}

std::string apply_rewrites(std::string_view text, const std::vector<docker_invocation>& found) {
  std::vector<const docker_invocation*> todo;
  for (const auto& f : found) {
    if (f.rewritable) todo.push_back(&f);
  }
  // Smallest spans first, so a parent's replacement can take its children's.
  std::sort(todo.begin(), todo.end(),
            [](const auto* a, const auto* b) { return (a->end - a->begin) < (b->end - b->begin); });
  std::map<const docker_invocation*, std::string> final_text;
  for (const auto* outer : todo) {
    std::string replacement = outer->replacement;
    for (const auto* inner : todo) {
      if (!inside(*inner, *outer)) continue;
      std::string original(text.substr(inner->begin, inner->end - inner->begin));
      auto at = replacement.find(original);
      if (at != std::string::npos) {
        replacement.replace(at, original.size(), final_text[inner]);
      }
    }
    final_text[outer] = replacement;
  }
  // Apply the outermost ones from the end of the file backwards.
  std::vector<const docker_invocation*> top;
  for (const auto* f : todo) {
    bool nested = std::any_of(todo.begin(), todo.end(),
                              [&](const auto* other) { return inside(*f, *other); });
    if (!nested) top.push_back(f);
  }
  std::sort(top.begin(), top.end(),
            [](const auto* a, const auto* b) { return a->begin > b->begin; });
  std::string out(text);
  for (const auto* f : top)
    out.replace(f->begin, f->end - f->begin, final_text[f]);
  return out;
}

result<rewrite_outcome> rewrite_file(const std::filesystem::path& host_path, std::string_view text,
                                     const std::vector<docker_invocation>& found) {
  rewrite_outcome outcome;
  outcome.rewritten = count_rewrites(found);
  if (outcome.rewritten == 0) return outcome;
  std::string updated = apply_rewrites(text, found);
  std::error_code ec;
  std::filesystem::path backup = host_path.string() + ".deshim-bak";
  for (int n = 1; std::filesystem::exists(backup, ec); ++n) {
    backup = host_path.string() + ".deshim-bak." + std::to_string(n);
  }
  struct stat info {};
  mode_t mode = ::stat(host_path.c_str(), &info) == 0 ? (info.st_mode & 07777) : 0644;
  if (auto ok = write_file_atomically(backup, text, mode); !ok) {
    return ok.error().with_context("writing the backup " + backup.string());
  }
  if (auto ok = write_file_atomically(host_path, updated); !ok) {
    return ok.error().with_context("rewriting " + host_path.string());
  }
  outcome.backup = backup;
  return outcome;
}

}  // namespace deshim::translate
