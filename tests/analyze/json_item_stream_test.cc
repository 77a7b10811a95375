#include "analyze/json_item_stream.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

namespace deshim::analyze {
namespace {

struct collected {
  std::vector<json_item> items;
  std::optional<deshim::error> failure;
};

collected stream_text(std::string_view text, json_stream_options options = {}) {
  collected out;
  auto done = stream_json_items_from_text(
      text, "pods.json",
      [&](json_item&& item) -> result<void> {
        out.items.push_back(std::move(item));
        return {};
      },
      options);
  if (!done) out.failure = done.error();
  return out;
}

constexpr const char* list_text = R"({
  "apiVersion": "v1",
  "items": [
    {"kind": "Pod", "metadata": {"name": "a", "managedFields": [1, 2]}, "status": {"phase": "x"}},
    {"kind": "Pod", "metadata": {"name": "b\u00e9\n"}, "spec": {"n": -12, "f": 1.5e3,
      "big": 18446744073709551615, "t": true, "z": null, "e": [], "o": {}}}
  ],
  "kind": "List"
}
)";

TEST(json_item_stream, streams_the_items_of_a_list_with_their_positions) {
  auto got = stream_text(list_text);
  ASSERT_FALSE(got.failure) << got.failure->describe();
  ASSERT_EQ(got.items.size(), 2u);
  EXPECT_EQ(got.items[0].index, 0);
  EXPECT_EQ(got.items[0].line, 4);
  EXPECT_EQ(got.items[0].column, 5);
  // status and managedFields are dropped while parsing.
  EXPECT_EQ(got.items[0].value.dump(), R"({"kind":"Pod","metadata":{"name":"a"}})");
  EXPECT_EQ(got.items[1].index, 1);
  EXPECT_EQ(got.items[1].line, 5);
  // Only the fields the workload reader reads are built.
  EXPECT_EQ(got.items[1].value.dump(),
            "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\xc3\xa9\\n\"},\"spec\":{}}");
}

TEST(json_item_stream, keeps_every_field_when_asked) {
  json_stream_options options;
  options.workload_fields_only = false;
  auto got = stream_text(list_text, options);
  ASSERT_FALSE(got.failure);
  EXPECT_EQ(
      got.items[0].value.dump(),
      R"({"kind":"Pod","metadata":{"managedFields":[1,2],"name":"a"},"status":{"phase":"x"}})");
  EXPECT_EQ(got.items[1].value["spec"].dump(),
            "{\"big\":18446744073709551615,\"e\":[],\"f\":1500.0,\"n\":-12,\"o\":{},\"t\":true,"
            "\"z\":null}");
}

TEST(json_item_stream, a_single_document_is_one_item) {
  auto got = stream_text("\n  {\"kind\": \"Pod\", \"metadata\": {\"name\": \"solo\"}}\n");
  ASSERT_FALSE(got.failure);
  ASSERT_EQ(got.items.size(), 1u);
  EXPECT_EQ(got.items[0].index, -1);
  EXPECT_EQ(got.items[0].line, 2);
  EXPECT_EQ(got.items[0].column, 3);
  EXPECT_EQ(got.items[0].value["metadata"]["name"], "solo");
}

TEST(json_item_stream, a_top_level_array_is_read_like_items) {
  auto got = stream_text(R"([{"kind":"Pod"},{"kind":"Deployment"}])");
  ASSERT_FALSE(got.failure);
  ASSERT_EQ(got.items.size(), 2u);
  EXPECT_EQ(got.items[1].value["kind"], "Deployment");
}

TEST(json_item_stream, an_error_names_line_column_and_item) {
  auto got =
      stream_text("{\"items\": [\n  {\"kind\": \"Pod\"},\n  {\"kind\": \"Pod\" \"x\": 1}\n]}");
  ASSERT_TRUE(got.failure);
  EXPECT_EQ(
      got.failure->describe().substr(0, got.failure->describe().find('\n')),
      "pods.json:3:18 (items[1]): invalid JSON: expected ',' or '}' in an object, found '\"'");
  EXPECT_EQ(got.failure->exit_status(), 2);
}

TEST(json_item_stream, rejects_garbage_after_the_document_and_bad_escapes) {
  auto after = stream_text("{\"kind\": \"Pod\"} x");
  ASSERT_TRUE(after.failure);
  EXPECT_EQ(after.failure->message(),
            "invalid JSON: unexpected 'x' after the end of the JSON document");
  auto escape = stream_text("{\"a\": \"\\q\"}");
  ASSERT_TRUE(escape.failure);
  EXPECT_EQ(escape.failure->message(), "invalid JSON: invalid escape '\\q' in a string");
  auto control = stream_text("{\"a\": \"x\ny\"}");
  ASSERT_TRUE(control.failure);
  EXPECT_EQ(control.failure->where().line, 1);
  auto empty = stream_text("  ");
  ASSERT_TRUE(empty.failure);
  EXPECT_EQ(empty.failure->message(), "invalid JSON: the file is empty: expected a JSON object");
}

TEST(json_item_stream, every_truncated_prefix_is_an_error_never_a_crash) {
  std::string text = list_text;
  // Trailing whitespace aside, every proper prefix is incomplete JSON.
  std::size_t complete = text.find_last_not_of(" \n") + 1;
  for (std::size_t size = 0; size < complete; ++size) {
    auto got = stream_text(std::string_view(text).substr(0, size));
    ASSERT_TRUE(got.failure) << "prefix of " << size << " bytes parsed";
    EXPECT_EQ(got.failure->kind(), error_kind::invalid_input);
    EXPECT_EQ(got.failure->where().file, "pods.json");
    EXPECT_GE(got.failure->where().line, 1);
  }
}

TEST(json_item_stream, deep_nesting_is_an_error) {
  std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto got = stream_text(deep);
  ASSERT_TRUE(got.failure);
  EXPECT_EQ(got.failure->message(), "invalid JSON: the document nests deeper than 512 levels");
}

TEST(json_item_stream, reads_a_file_in_small_chunks_as_it_reads_text) {
  auto path = std::filesystem::temp_directory_path() / "deshim_json_item_stream_test.json";
  {
    std::ofstream out(path);
    out << list_text;
  }
  json_stream_options options;
  options.chunk_size = 3;  // every token straddles chunk boundaries
  std::vector<json_item> items;
  auto done = stream_json_items(
      path, "pods.json",
      [&](json_item&& item) -> result<void> {
        items.push_back(std::move(item));
        return {};
      },
      options);
  std::filesystem::remove(path);
  ASSERT_TRUE(done) << done.error().describe();
  auto whole = stream_text(list_text);
  ASSERT_EQ(items.size(), whole.items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].value, whole.items[i].value);
    EXPECT_EQ(items[i].line, whole.items[i].line);
    EXPECT_EQ(items[i].column, whole.items[i].column);
  }
}

TEST(json_item_stream, a_callback_error_stops_the_stream) {
  int seen = 0;
  auto done = stream_json_items_from_text(list_text, "pods.json", [&](json_item&&) -> result<void> {
    ++seen;
    return invalid_input("bad item", {"pods.json", 4, 0, "items[0].spec"});
  });
  ASSERT_FALSE(done);
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(done.error().where().field, "items[0].spec");
}

TEST(json_item_stream, keeps_only_env_entries_mentioning_docker_and_volume_types) {
  auto got = stream_text(R"({"items": [{"kind": "Pod", "spec": {"containers": [{"name": "c",
    "env": [{"name": "A", "value": "x"}, {"name": "DOCKER_HOST", "value": "tcp://d:2375"},
            {"name": "B", "value": "/var/run/docker.sock"},
            {"name": "C", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": 7}, "odd"]}],
    "volumes": [{"name": "p", "projected": {"sources": [{"configMap": {"name": "x"}}]}},
                {"name": "h", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}}]}}]})");
  ASSERT_FALSE(got.failure) << got.failure->describe();
  ASSERT_EQ(got.items.size(), 1u);
  // A and C say nothing of Docker: dropped. A name of the wrong type, or an entry that is no
  // object, stays for the workload reader to report.
  EXPECT_EQ(got.items[0].value.dump(),
            R"({"kind":"Pod","spec":{"containers":[{"env":[{"name":"DOCKER_HOST","value":)"
            R"("tcp://d:2375"},{"name":"B","value":"/var/run/docker.sock"},{"name":7},"odd"],)"
            R"("name":"c"}],"volumes":[{"name":"p","projected":null},{"hostPath":{"path":)"
            R"("/var/run/docker.sock","type":"Socket"},"name":"h"}]}})");
}

TEST(json_item_stream, a_syntax_error_inside_a_skipped_field_is_still_an_error) {
  auto literal =
      stream_text("{\"items\": [\n  {\"kind\": \"Pod\", \"status\": {\"phase\": Running}}\n]}");
  ASSERT_TRUE(literal.failure);
  EXPECT_EQ(literal.failure->describe().substr(0, literal.failure->describe().find('\n')),
            "pods.json:2:39 (items[0]): invalid JSON: expected a value, found 'R'");
  auto comma = stream_text(
      "{\"items\": [{\"kind\": \"Pod\"},\n {\"metadata\": {\"managedFields\": [{\"a\": 1} {}]}}]}");
  ASSERT_TRUE(comma.failure);
  EXPECT_EQ(comma.failure->describe().substr(0, comma.failure->describe().find('\n')),
            "pods.json:2:43 (items[1]): invalid JSON: expected ',' or ']' in an array, found '{'");
  auto key = stream_text("{\"items\": [{\"status\": {\"a\": 1, 2: 3}}]}");
  ASSERT_TRUE(key.failure);
  EXPECT_EQ(key.failure->message(), "invalid JSON: expected a quoted key, found '2'");
  auto colon = stream_text("{\"items\": [{\"status\": {\"a\" 1}}]}");
  ASSERT_TRUE(colon.failure);
  EXPECT_EQ(colon.failure->message(), "invalid JSON: expected ':' after a key, found '1'");
  auto number = stream_text("{\"items\": [{\"status\": {\"a\": 1e}}]}");
  ASSERT_TRUE(number.failure);
  EXPECT_EQ(number.failure->message(), "invalid JSON: invalid number '1e'");
  std::string deep =
      "{\"items\": [{\"status\": " + std::string(600, '[') + std::string(600, ']') + "}]}";
  auto nested = stream_text(deep);
  ASSERT_TRUE(nested.failure);
  EXPECT_EQ(nested.failure->message(), "invalid JSON: the document nests deeper than 512 levels");
}

/// A List of `count` pods in a temporary file, the one at `broken` (if any) missing a comma.
std::filesystem::path write_many_pods(int count, int broken = -1) {
  auto path = std::filesystem::temp_directory_path() /
              ("deshim_json_item_stream_many_" + std::to_string(count) + "_" +
               std::to_string(broken) + ".json");
  std::ofstream out(path);
  out << "{\"items\": [\n";
  for (int i = 0; i < count; ++i) {
    out << "  {\"kind\": \"Pod\", \"metadata\": {\"name\": \"p" << i << "\"}"
        << (i == broken ? " " : ", ") << "\"status\": {\"phase\": \"Running\"}}"
        << (i + 1 < count ? ",\n" : "\n");
  }
  out << "]}\n";
  return path;
}

struct file_run {
  std::vector<std::string> names;
  std::optional<deshim::error> failure;
};

file_run stream_file(const std::filesystem::path& path, bool parse_ahead, int fail_at = -1) {
  file_run out;
  json_stream_options options;
  options.parse_ahead = parse_ahead;
  options.chunk_size = 4096;
  auto done = stream_json_items(
      path, "pods.json",
      [&](json_item&& item) -> result<void> {
        out.names.push_back(item.value["metadata"]["name"].get<std::string>());
        if (item.index == fail_at) {
          return invalid_input("bad item", {"", 0, 0, "items[" + std::to_string(fail_at) + "]"});
        }
        return {};
      },
      options);
  if (!done) out.failure = done.error();
  return out;
}

TEST(json_item_stream, parsing_ahead_on_a_thread_changes_no_item_and_no_error) {
  auto good = write_many_pods(3000);
  auto broken = write_many_pods(3000, 1500);
  for (bool ahead : {false, true}) {
    SCOPED_TRACE(ahead ? "parse ahead" : "one thread");
    auto all = stream_file(good, ahead);
    ASSERT_FALSE(all.failure) << all.failure->describe();
    ASSERT_EQ(all.names.size(), 3000u);
    EXPECT_EQ(all.names[2999], "p2999");
    // Every item before the broken one reaches the callback, then the error names it.
    auto bad = stream_file(broken, ahead);
    ASSERT_TRUE(bad.failure);
    EXPECT_EQ(bad.names.size(), 1500u);
    EXPECT_EQ(bad.failure->where().line, 1502);
    EXPECT_EQ(bad.failure->where().field, "items[1500]");
    EXPECT_EQ(bad.failure->message(), "invalid JSON: expected ',' or '}' in an object, found '\"'");
    // A callback error stops the stream there, whatever the parser read ahead; it names the file.
    auto stopped = stream_file(good, ahead, 100);
    ASSERT_TRUE(stopped.failure);
    EXPECT_EQ(stopped.names.size(), 101u);
    EXPECT_EQ(stopped.failure->where().file, "pods.json");
    EXPECT_EQ(stopped.failure->where().field, "items[100]");
  }
  // A truncated file is an error on either path, after the items it holds whole.
  std::string whole_text;
  {
    std::ifstream in(good);
    whole_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto truncated = std::filesystem::temp_directory_path() / "deshim_json_item_stream_cut.json";
  for (std::size_t size : {whole_text.size() / 3, whole_text.size() - 3}) {
    {
      std::ofstream out(truncated);
      out << whole_text.substr(0, size);
    }
    for (bool ahead : {false, true}) {
      auto cut = stream_file(truncated, ahead);
      ASSERT_TRUE(cut.failure) << size;
      EXPECT_EQ(cut.failure->kind(), error_kind::invalid_input);
      EXPECT_EQ(cut.failure->message().rfind("invalid JSON: unexpected end of file", 0), 0u)
          << cut.failure->message();
      EXPECT_GT(cut.names.size(), 0u);
    }
  }
  std::filesystem::remove(truncated);
  std::filesystem::remove(good);
  std::filesystem::remove(broken);
}

TEST(json_item_stream, a_missing_file_is_not_found) {
  auto done = stream_json_items("/nonexistent/deshim.json", "deshim.json",
                                [](json_item&&) -> result<void> { return {}; });
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().kind(), error_kind::not_found);
}

}  // namespace
}  // namespace deshim::analyze
