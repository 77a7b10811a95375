#include "migrate/unified_diff.h"

#include <algorithm>
#include <vector>

namespace deshim::migrate {
namespace {

/// A line with its newline, so "x" at the end of a file and "x\n" differ, as in GNU diff.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

enum class op_kind { equal, remove, insert };

struct edit {
  op_kind kind;
  size_t before_index;  ///< line in `before` (equal, remove)
  size_t after_index;   ///< line in `after` (equal, insert)
};

/// Myers' O(ND) shortest edit script between a[lo_a, hi_a) and b[lo_b, hi_b).
std::vector<edit> myers(const std::vector<std::string_view>& a, size_t lo_a, size_t hi_a,
                        const std::vector<std::string_view>& b, size_t lo_b, size_t hi_b) {
  const long n = static_cast<long>(hi_a - lo_a);
  const long m = static_cast<long>(hi_b - lo_b);
  const long max = n + m;
  std::vector<long> v(static_cast<size_t>(2 * max + 3), 0);
  auto at = [&](long k) -> long& { return v[static_cast<size_t>(k + max + 1)]; };
  std::vector<std::vector<long>> trace;  // trace[d][k + d]: furthest x on diagonal k after d
  long found_d = 0;
  for (long d = 0; d <= max; ++d) {
    bool done = false;
    for (long k = -d; k <= d; k += 2) {
      long x = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? at(k + 1) : at(k - 1) + 1;
      long y = x - k;
      while (x < n && y < m &&
             a[lo_a + static_cast<size_t>(x)] == b[lo_b + static_cast<size_t>(y)]) {
        ++x;
        ++y;
      }
      at(k) = x;
      if (x >= n && y >= m) done = true;
    }
    trace.emplace_back();
    for (long k = -d; k <= d; ++k)
      trace.back().push_back(at(k));
    if (done) {
      found_d = d;
      break;
    }
  }

  std::vector<edit> reversed;
  long x = n;
  long y = m;
  auto add_equal = [&](long to_x, long to_y) {
    while (x > to_x && y > to_y) {
      --x;
      --y;
      reversed.push_back(
          {op_kind::equal, lo_a + static_cast<size_t>(x), lo_b + static_cast<size_t>(y)});
    }
  };
  for (long d = found_d; d > 0; --d) {
    const auto& previous = trace[static_cast<size_t>(d - 1)];
    auto prev_at = [&](long k) { return previous[static_cast<size_t>(k + d - 1)]; };
    long k = x - y;
    long prev_k = (k == -d || (k != d && prev_at(k - 1) < prev_at(k + 1))) ? k + 1 : k - 1;
    long prev_x = prev_at(prev_k);
    long prev_y = prev_x - prev_k;
    long mid_x = prev_k == k + 1 ? prev_x : prev_x + 1;
    long mid_y = prev_k == k + 1 ? prev_y + 1 : prev_y;
    add_equal(mid_x, mid_y);
    if (prev_k == k + 1) {
      reversed.push_back({op_kind::insert, lo_a + static_cast<size_t>(prev_x),
                          lo_b + static_cast<size_t>(prev_y)});
    } else {
      reversed.push_back({op_kind::remove, lo_a + static_cast<size_t>(prev_x),
                          lo_b + static_cast<size_t>(prev_y)});
    }
    x = prev_x;
    y = prev_y;
  }
  add_equal(0, 0);
  std::reverse(reversed.begin(), reversed.end());
  return reversed;
}

/// The whole edit script; in every run of changes, removals come before insertions, as GNU
/// diff prints a change.
std::vector<edit> edit_script(const std::vector<std::string_view>& a,
                              const std::vector<std::string_view>& b) {
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix])
    ++prefix;
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
    ++suffix;

  std::vector<edit> script;
  for (size_t i = 0; i < prefix; ++i)
    script.push_back({op_kind::equal, i, i});
  auto middle = myers(a, prefix, a.size() - suffix, b, prefix, b.size() - suffix);
  for (size_t i = 0; i < middle.size();) {
    if (middle[i].kind == op_kind::equal) {
      script.push_back(middle[i++]);
      continue;
    }
    size_t end = i;
    while (end < middle.size() && middle[end].kind != op_kind::equal)
      ++end;
    for (size_t j = i; j < end; ++j)
      if (middle[j].kind == op_kind::remove) script.push_back(middle[j]);
    for (size_t j = i; j < end; ++j)
      if (middle[j].kind == op_kind::insert) script.push_back(middle[j]);
    i = end;
  }
  for (size_t i = 0; i < suffix; ++i)
    script.push_back({op_kind::equal, a.size() - suffix + i, b.size() - suffix + i});
  return script;
}

/// GNU's range: "start,count", "start" when count is 1, and the line before when empty.
std::string range(size_t first_index, size_t count) {
  if (count == 0) return std::to_string(first_index) + ",0";
  if (count == 1) return std::to_string(first_index + 1);
  return std::to_string(first_index + 1) + "," + std::to_string(count);
}

void append_line(std::string& out, char prefix, std::string_view line) {
  out += prefix;
  if (!line.empty() && line.back() == '\n') {
    out += line;
  } else {
    out += line;
    out += "\n\\ No newline at end of file\n";
  }
}

}  // namespace

std::string unified_diff(std::string_view before, std::string_view after, const diff_labels& labels,
                         int context_lines) {
  if (before == after) return {};
  auto a = split_lines(before);
  auto b = split_lines(after);
  auto script = edit_script(a, b);
  const size_t context = static_cast<size_t>(std::max(context_lines, 0));

  std::string out = "--- " + labels.before + "\n+++ " + labels.after + "\n";
  size_t i = 0;
  while (i < script.size()) {
    while (i < script.size() && script[i].kind == op_kind::equal)
      ++i;
    if (i == script.size()) break;
    // A hunk: from `context` equal lines before the first change to `context` after the last
    // change, merging changes separated by at most 2 * context equal lines.
    size_t start = i >= context ? i - context : 0;
    size_t end = i;
    for (;;) {
      while (end < script.size() && script[end].kind != op_kind::equal)
        ++end;
      size_t gap_end = end;
      while (gap_end < script.size() && script[gap_end].kind == op_kind::equal)
        ++gap_end;
      if (gap_end < script.size() && gap_end - end <= 2 * context) {
        end = gap_end;
        continue;
      }
      end = std::min(end + context, gap_end);
      break;
    }
    size_t before_first = 0;
    size_t after_first = 0;
    size_t before_count = 0;
    size_t after_count = 0;
    bool before_seen = false;
    bool after_seen = false;
    for (size_t j = start; j < end; ++j) {
      const edit& e = script[j];
      if (e.kind != op_kind::insert) {
        if (!before_seen) before_first = e.before_index;
        before_seen = true;
        ++before_count;
      }
      if (e.kind != op_kind::remove) {
        if (!after_seen) after_first = e.after_index;
        after_seen = true;
        ++after_count;
      }
    }
    // An empty side starts where the edit sits in that file.
    if (!before_seen) before_first = script[start].before_index;
    if (!after_seen) after_first = script[start].after_index;
    out += "@@ -" + range(before_first, before_count) + " +" + range(after_first, after_count) +
           " @@\n";
    for (size_t j = start; j < end; ++j) {
      const edit& e = script[j];
      switch (e.kind) {
        case op_kind::equal:
          append_line(out, ' ', a[e.before_index]);
          break;
        case op_kind::remove:
          append_line(out, '-', a[e.before_index]);
          break;
        case op_kind::insert:
          append_line(out, '+', b[e.after_index]);
          break;
      }
    }
    i = end;
  }
  return out;
}

diff_labels labels_for_node_path(std::string_view node_path, bool before_present,
                                 bool after_present) {
  std::string relative(node_path);
  while (!relative.empty() && relative.front() == '/')
    relative.erase(relative.begin());
  return {before_present ? "a/" + relative : "/dev/null",
          after_present ? "b/" + relative : "/dev/null"};
}

}  // namespace deshim::migrate
