// The CRI log file, byte for byte as containerd's logger writes it (the clock is injected).
#include "runtime/monitor/cri_log_writer.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace deshim::runtime {
namespace {

namespace fs = std::filesystem;
using std::chrono::nanoseconds;
using std::chrono::system_clock;

/// 2026-11-28T11:45:28Z, the moment every test's clock starts at.
const system_clock::time_point base_time =
    system_clock::time_point(std::chrono::seconds(1795866328));

class cri_log_writer_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/deshim-crilog-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    folder_ = pattern;
  }
  void TearDown() override { fs::remove_all(folder_); }

  /// A clock that advances by 1 µs per record, so every timestamp is predictable.
  cri_log_options options(long max_line_size = 16384) {
    cri_log_options out;
    out.max_line_size = max_line_size;
    out.clock = [this] { return base_time + nanoseconds(1000 * ++ticks_); };
    return out;
  }

  std::string read(const fs::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path folder_;
  long ticks_ = 0;
};

TEST(format_rfc3339_nano, trims_trailing_zeros_like_go) {
  EXPECT_EQ(format_rfc3339_nano(base_time), "2026-11-28T11:45:28Z");
  EXPECT_EQ(format_rfc3339_nano(base_time + nanoseconds(63615831)),
            "2026-11-28T11:45:28.063615831Z");
  EXPECT_EQ(format_rfc3339_nano(base_time + nanoseconds(500000000)), "2026-11-28T11:45:28.5Z");
  EXPECT_EQ(format_rfc3339_nano(base_time + nanoseconds(10)), "2026-11-28T11:45:28.00000001Z");
  EXPECT_EQ(format_rfc3339_nano(system_clock::time_point(std::chrono::seconds(1475713029)) +
                                nanoseconds(669794202)),
            "2016-10-06T00:17:09.669794202Z");
}

TEST_F(cri_log_writer_test, full_lines_partial_chunks_and_both_streams) {
  fs::path log = folder_ / "pods/ns_name_uid/app/0.log";
  {
    auto writer = cri_log_writer::open(log, options());
    ASSERT_TRUE(writer) << writer.error().describe();
    auto& w = **writer;
    ASSERT_TRUE(w.write(log_stream::standard_output, "hello\nwor"));
    ASSERT_TRUE(w.write(log_stream::standard_error, "oops\r\n"));
    ASSERT_TRUE(w.write(log_stream::standard_output, "ld\n\n"));
    ASSERT_TRUE(w.write(log_stream::standard_output, "tail without newline"));
  }  // closing flushes the held-back bytes as a partial record
  EXPECT_EQ(read(log),
            "2026-11-28T11:45:28.000001Z stdout F hello\n"
            "2026-11-28T11:45:28.000002Z stderr F oops\n"
            "2026-11-28T11:45:28.000003Z stdout F world\n"
            "2026-11-28T11:45:28.000004Z stdout F \n"
            "2026-11-28T11:45:28.000005Z stdout P tail without newline\n");
  struct stat info {};
  ASSERT_EQ(::stat(log.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0640u);
}

TEST_F(cri_log_writer_test, long_lines_split_into_partial_records_of_the_limit) {
  fs::path log = folder_ / "0.log";
  {
    auto writer = cri_log_writer::open(log, options(4));
    ASSERT_TRUE(writer);
    auto& w = **writer;
    ASSERT_TRUE(w.write(log_stream::standard_output, "abcdefghij\n"));  // 4 + 4 + 2
    ASSERT_TRUE(w.write(log_stream::standard_output, "abcd\n"));        // exactly the limit
    ASSERT_TRUE(w.write(log_stream::standard_output, "abcdefgh\n"));    // twice the limit
    ASSERT_TRUE(w.write(log_stream::standard_output, "ab"));            // held back...
    ASSERT_TRUE(w.write(log_stream::standard_output, "cdef"));          // ...until past the limit
    ASSERT_TRUE(w.write(log_stream::standard_output, "\n"));
    ASSERT_TRUE(w.write(log_stream::standard_output, "abc\r"));  // '\r' not counted yet
    ASSERT_TRUE(w.write(log_stream::standard_output, "\nabcde"));
    ASSERT_TRUE(w.close_stream(log_stream::standard_output));
  }
  EXPECT_EQ(read(log),
            "2026-11-28T11:45:28.000001Z stdout P abcd\n"
            "2026-11-28T11:45:28.000002Z stdout P efgh\n"
            "2026-11-28T11:45:28.000003Z stdout F ij\n"
            "2026-11-28T11:45:28.000004Z stdout F abcd\n"
            "2026-11-28T11:45:28.000005Z stdout P abcd\n"
            "2026-11-28T11:45:28.000006Z stdout F efgh\n"
            "2026-11-28T11:45:28.000007Z stdout P abcd\n"
            "2026-11-28T11:45:28.000008Z stdout F ef\n"
            "2026-11-28T11:45:28.000009Z stdout F abc\n"
            "2026-11-28T11:45:28.00001Z stdout P abcd\n"
            "2026-11-28T11:45:28.000011Z stdout P e\n");
}

TEST_F(cri_log_writer_test, no_limit_keeps_long_lines_whole) {
  fs::path log = folder_ / "0.log";
  std::string line(100000, 'x');
  {
    auto writer = cri_log_writer::open(log, options(-1));
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->write(log_stream::standard_output, line + "\n"));
  }
  EXPECT_EQ(read(log), "2026-11-28T11:45:28.000001Z stdout F " + line + "\n");
}

TEST_F(cri_log_writer_test, default_limit_is_16_kib) {
  fs::path log = folder_ / "0.log";
  {
    auto writer = cri_log_writer::open(log, options());
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->write(log_stream::standard_error, std::string(16385, 'y') + "\n"));
  }
  EXPECT_EQ(read(log), "2026-11-28T11:45:28.000001Z stderr P " + std::string(16384, 'y') +
                           "\n2026-11-28T11:45:28.000002Z stderr F y\n");
}

TEST_F(cri_log_writer_test, reopen_after_rename_starts_a_fresh_file) {
  fs::path log = folder_ / "app/0.log";
  auto writer = cri_log_writer::open(log, options());
  ASSERT_TRUE(writer);
  auto& w = **writer;
  ASSERT_TRUE(w.write(log_stream::standard_output, "before\nhalf"));
  fs::rename(log, folder_ / "app/0.log.20261128-114528");
  ASSERT_TRUE(w.write(log_stream::standard_output, " a line\n"));  // still the old file
  ASSERT_TRUE(w.reopen());
  ASSERT_TRUE(w.write(log_stream::standard_output, "after\n"));
  writer->reset();
  EXPECT_EQ(read(folder_ / "app/0.log.20261128-114528"),
            "2026-11-28T11:45:28.000001Z stdout F before\n"
            "2026-11-28T11:45:28.000002Z stdout F half a line\n");
  EXPECT_EQ(read(log), "2026-11-28T11:45:28.000003Z stdout F after\n");
}

TEST_F(cri_log_writer_test, appends_to_an_existing_file) {
  fs::path log = folder_ / "0.log";
  std::ofstream(log) << "earlier record\n";
  {
    auto writer = cri_log_writer::open(log, options());
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->write(log_stream::standard_output, "next\n"));
  }
  EXPECT_EQ(read(log), "earlier record\n2026-11-28T11:45:28.000001Z stdout F next\n");
}

TEST_F(cri_log_writer_test, writing_to_a_closed_stream_is_an_error) {
  auto writer = cri_log_writer::open(folder_ / "0.log", options());
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->close_stream(log_stream::standard_output));
  EXPECT_TRUE((*writer)->close_stream(log_stream::standard_output));  // idempotent
  auto late = (*writer)->write(log_stream::standard_output, "late\n");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().message(), "the stdout stream of this log is already closed");
  EXPECT_TRUE((*writer)->write(log_stream::standard_error, "still open\n"));
}

TEST_F(cri_log_writer_test, unwritable_location_is_an_environment_error) {
  std::ofstream(folder_ / "file") << "x";
  auto writer = cri_log_writer::open(folder_ / "file/0.log", options());
  ASSERT_FALSE(writer);
  EXPECT_EQ(writer.error().kind(), error_kind::environment);
}

/// Two threads, one per stream, as the monitor runs them: every record stays whole.
TEST_F(cri_log_writer_test, concurrent_streams_never_interleave_inside_a_record) {
  fs::path log = folder_ / "0.log";
  const int lines = 2000;
  {
    auto writer = cri_log_writer::open(log, options(64));
    ASSERT_TRUE(writer);
    auto feed = [&](log_stream stream, char letter) {
      std::string line(100, letter);
      line += '\n';
      for (int i = 0; i < lines; ++i) {
        // Odd chunking on purpose.
        (void)(*writer)->write(stream, std::string_view(line).substr(0, 37));
        (void)(*writer)->write(stream, std::string_view(line).substr(37));
      }
    };
    std::thread out(feed, log_stream::standard_output, 'o');
    std::thread err(feed, log_stream::standard_error, 'e');
    out.join();
    err.join();
  }
  std::istringstream text(read(log));
  std::string record;
  int partial = 0;
  int full = 0;
  while (std::getline(text, record)) {
    auto first = record.find(' ');
    auto second = record.find(' ', first + 1);
    std::string stream = record.substr(first + 1, second - first - 1);
    char tag = record[second + 1];
    std::string content = record.substr(second + 3);
    char letter = stream == "stdout" ? 'o' : 'e';
    ASSERT_EQ(content, std::string(tag == 'P' ? 64 : 36, letter)) << record;
    (tag == 'P' ? partial : full)++;
  }
  EXPECT_EQ(partial, 2 * lines);
  EXPECT_EQ(full, 2 * lines);
}

}  // namespace
}  // namespace deshim::runtime
