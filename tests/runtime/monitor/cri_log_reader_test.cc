// The CRI log format read back: whole lines, P parts joined per stream, bad records refused
// with their line number, truncated files never a crash.
#include "runtime/monitor/cri_log_reader.h"

#include <gtest/gtest.h>

namespace deshim::runtime {
namespace {

constexpr const char* sample =
    "2026-11-28T11:45:28.063615831Z stdout F hello\n"
    "2026-11-28T11:45:28.100000000Z stderr P warn-\n"
    "2026-11-28T11:45:28.100000001Z stdout P long-\n"
    "2026-11-28T11:45:28.100000002Z stdout F line\n"
    "2026-11-28T11:45:28.100000003Z stderr F ing\n"
    "2026-11-28T11:45:29Z stdout F \n"
    "2026-11-28T11:45:29.5Z stdout F  two  spaces \n";

TEST(cri_log_reader, joins_parts_per_stream_and_keeps_text_exactly) {
  auto lines = parse_cri_log(sample, "0.log");
  ASSERT_TRUE(lines) << lines.error().describe();
  ASSERT_EQ(lines->size(), 5u);
  EXPECT_EQ((*lines)[0].text, "hello");
  EXPECT_EQ((*lines)[0].stream, "stdout");
  EXPECT_EQ((*lines)[0].time, "2026-11-28T11:45:28.063615831Z");
  EXPECT_EQ((*lines)[1].text, "long-line");
  EXPECT_EQ((*lines)[1].time, "2026-11-28T11:45:28.100000001Z");
  EXPECT_EQ((*lines)[2].text, "warn-ing");
  EXPECT_EQ((*lines)[2].stream, "stderr");
  EXPECT_EQ((*lines)[3].text, "");
  EXPECT_EQ((*lines)[4].text, " two  spaces ");
  for (const auto& line : *lines)
    EXPECT_TRUE(line.complete);
}

TEST(cri_log_reader, an_unclosed_part_is_returned_incomplete) {
  auto lines = parse_cri_log("2026-11-28T11:45:28.1Z stdout P abc\n", "0.log");
  ASSERT_TRUE(lines);
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ((*lines)[0].text, "abc");
  EXPECT_FALSE((*lines)[0].complete);
}

TEST(cri_log_reader, a_docker_json_line_is_refused_with_its_line_number) {
  auto lines = parse_cri_log(
      "2026-11-28T11:45:28.1Z stdout F ok\n{\"log\":\"hello\\n\",\"stream\":\"stdout\"}\n",
      "0.log");
  ASSERT_FALSE(lines);
  EXPECT_EQ(lines.error().where().file, "0.log");
  EXPECT_EQ(lines.error().where().line, 2);
  EXPECT_EQ(lines.error().message(), "not a CRI log record (no RFC 3339 time first)");
}

TEST(cri_log_reader, bad_streams_and_tags_are_refused) {
  EXPECT_FALSE(parse_cri_log("2026-11-28T11:45:28.1Z stdin F x\n", "f"));
  EXPECT_FALSE(parse_cri_log("2026-11-28T11:45:28.1Z stdout X x\n", "f"));
  EXPECT_FALSE(parse_cri_log("2026-11-28T11:45:28.1Z stdout\n", "f"));
}

TEST(cri_log_reader, every_prefix_parses_or_fails_cleanly) {
  const std::string text = sample;
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    auto lines = parse_cri_log(text.substr(0, cut), "0.log");
    if (!lines) {
      EXPECT_FALSE(lines.error().message().empty());
    }
  }
}

}  // namespace
}  // namespace deshim::runtime
