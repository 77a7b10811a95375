// The shared guards against hostile input (common/regular_file.h, nesting_limit.h,
// yaml_document.h): each refusal with its message and position, and real inputs passing.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/json_document.h"
#include "common/nesting_limit.h"
#include "common/regular_file.h"
#include "common/rooted_fs.h"
#include "common/yaml_document.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;

class temp_folder {
 public:
  temp_folder() {
    std::string pattern = (fs::temp_directory_path() / "deshim-limits-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~temp_folder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string nested_json(int depth) {
  return std::string(static_cast<size_t>(depth), '[') +
         std::string(static_cast<size_t>(depth), ']');
}

TEST(regular_file, reads_a_regular_file_and_reports_a_missing_one) {
  temp_folder dir;
  std::ofstream(dir.path() / "a.json") << "{}";
  auto read = read_regular_file(dir.path() / "a.json", "a.json");
  ASSERT_TRUE(read) << read.error().describe();
  EXPECT_EQ(*read, "{}");
  auto missing = read_regular_file_if_exists(dir.path() / "b.json", "b.json");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  auto required = read_regular_file(dir.path() / "b.json", "b.json");
  ASSERT_FALSE(required);
  EXPECT_EQ(required.error().kind(), error_kind::not_found);
}

TEST(regular_file, refuses_a_fifo_without_blocking) {
  temp_folder dir;
  ASSERT_EQ(::mkfifo((dir.path() / "daemon.json").c_str(), 0600), 0);
  // No writer ever opens the FIFO: a blocking open or read would hang the test (and time out).
  auto read = read_regular_file(dir.path() / "daemon.json", "etc/docker/daemon.json");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message(),
            "etc/docker/daemon.json is a FIFO (named pipe), not a regular file");
  EXPECT_EQ(read.error().exit_status(), 2);
  EXPECT_NE(read.error().hint().find("only regular files"), std::string::npos);
}

TEST(regular_file, refuses_a_character_device_and_a_socket) {
  auto device = read_regular_file("/dev/zero", "etc/default/kubelet");
  ASSERT_FALSE(device);
  EXPECT_EQ(device.error().message(),
            "etc/default/kubelet is a character device, not a regular file");

  temp_folder dir;
  int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string path = (dir.path() / "s").string();
  ASSERT_LT(path.size(), sizeof(address.sun_path));
  std::copy(path.begin(), path.end(), address.sun_path);
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  auto socket_read = read_regular_file(path, "run/x.toml");
  ::close(sock);
  ASSERT_FALSE(socket_read);
  EXPECT_EQ(socket_read.error().message(), "run/x.toml is a socket, not a regular file");

  auto folder = read_regular_file(dir.path(), "etc/docker");
  ASSERT_FALSE(folder);
  EXPECT_EQ(folder.error().message(), "etc/docker is a folder, not a file");
}

TEST(regular_file, refuses_a_file_above_the_cap) {
  temp_folder dir;
  fs::path big = dir.path() / "big.json";
  std::ofstream(big) << "x";
  fs::resize_file(big, max_config_file_bytes + 1);  // sparse: no disk used
  auto read = read_regular_file(big, "big.json");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message(),
            "big.json is larger than the 16 MiB deshim reads from one input file");
  auto small_cap = read_regular_file(big, "big.json", 1000);
  ASSERT_FALSE(small_cap);
  EXPECT_EQ(small_cap.error().message(),
            "big.json is larger than the 1000 bytes deshim reads from one input file");
}

TEST(regular_file, rooted_reads_refuse_a_fifo_at_a_node_path) {
  temp_folder dir;
  fs::create_directories(dir.path() / "etc/docker");
  ASSERT_EQ(::mkfifo((dir.path() / "etc/docker/daemon.json").c_str(), 0600), 0);
  auto node = rooted_fs::open(dir.path());
  ASSERT_TRUE(node);
  auto read = node->read_file_if_exists("/etc/docker/daemon.json");
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message().find("daemon.json is a FIFO (named pipe), not a regular file"),
            std::string::npos)
      << read.error().message();
}

TEST(json_nesting, refuses_deep_documents_at_the_position_passing_the_limit) {
  auto deep = parse_json_document(nested_json(100'000), "etc/docker/daemon.json");
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().describe(),
            "etc/docker/daemon.json:1:513: the JSON document nests deeper than 512 levels here\n"
            "  hint: no real configuration nests this deep; check where the file came from");
  EXPECT_TRUE(parse_json_document(nested_json(512), "ok.json"));
  // Brackets inside strings do not count.
  EXPECT_TRUE(check_json_nesting("{\"a\": \"" + std::string(1000, '[') + "\"}", "s.json"));
}

TEST(toml_nesting, refuses_long_dotted_headers_keys_and_deep_values) {
  std::string header = "[a";
  for (int i = 0; i < 100'000; ++i)
    header += ".a";
  header += "]\n";
  auto deep = check_toml_nesting("version = 2\n" + header, "etc/containerd/config.toml");
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().describe().substr(0, deep.error().describe().find('\n')),
            "etc/containerd/config.toml:2:1025: the TOML table header nests deeper than 512 "
            "levels here");

  std::string key = "x";
  for (int i = 0; i < 600; ++i)
    key += ".x";
  EXPECT_FALSE(check_toml_nesting(key + " = 1\n", "k.toml"));
  // A header's parts and a key's parts add up.
  std::string half = "h";
  for (int i = 0; i < 300; ++i)
    half += ".h";
  EXPECT_FALSE(check_toml_nesting("[" + half + "]\n" + half + " = 1\n", "sum.toml"));
  EXPECT_TRUE(check_toml_nesting("[" + half + "]\nk = 1\n", "sum.toml"));
  // Inline tables and arrays nest too.
  std::string inline_tables = "a = ";
  for (int i = 0; i < 600; ++i)
    inline_tables += "{b = ";
  EXPECT_FALSE(check_toml_nesting(inline_tables, "inline.toml"));

  // A real containerd config passes: quoted dotted names, floats, arrays, strings with dots.
  std::string real = R"(version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = true
[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
  endpoint = ["https://mirror.a.b.c", 'x.y.z']  # comment with . . .
ratio = 1.5
multi = """
a.b.c.d.e
"""
inline = { a.b = 1, c = [1.0, 2.0, { d.e = 3 }] }
)";
  EXPECT_TRUE(check_toml_nesting(real, "config.toml"));
}

TEST(bounded_yaml, refuses_a_self_referencing_alias) {
  auto loop = load_yaml_documents("r: &r [*r]\n", "pod.yaml");
  ASSERT_FALSE(loop);
  EXPECT_EQ(loop.error().describe().substr(0, loop.error().describe().find('\n')),
            "pod.yaml:1:8: this alias refers to a node that contains it, a loop");
  EXPECT_EQ(loop.error().exit_status(), 2);
  auto in_map = load_yaml_document("a: &a\n  b: *a\n", "kubelet.yaml");
  ASSERT_FALSE(in_map);
  EXPECT_NE(in_map.error().message().find("a loop"), std::string::npos);
}

TEST(bounded_yaml, refuses_an_exponential_alias_expansion) {
  std::string laughs =
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  char previous = 'a';
  for (char name = 'b'; name <= 'i'; ++name) {
    laughs += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 9; ++i)
      laughs += std::string(i ? "," : "") + "*" + previous;
    laughs += "]\n";
    previous = name;
  }
  auto start = std::chrono::steady_clock::now();
  auto loaded = load_yaml_documents(laughs, "config.yaml");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message().find("aliases expand this document to more than 100000 nodes"),
            std::string::npos)
      << loaded.error().message();
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(bounded_yaml, keeps_ordinary_aliases_merge_keys_and_reports_syntax_errors) {
  auto merged =
      load_yaml_document("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\nlist: [*b, *b]\n", "ok.yaml");
  ASSERT_TRUE(merged) << merged.error().describe();
  EXPECT_EQ((*merged)["list"][1]["x"].as<int>(), 1);
  auto documents = load_yaml_documents("a: 1\n---\nb: 2\n", "two.yaml");
  ASSERT_TRUE(documents);
  EXPECT_EQ(documents->size(), 2u);
  // Anchors belong to their document: the same name in the next one is no loop.
  EXPECT_TRUE(load_yaml_documents("a: &x [1]\n---\nb: &x [2]\nc: *x\n", "two.yaml"));
  auto broken = load_yaml_document("a: [1, 2\n", "broken.yaml", {"invalid YAML here", "fix it"});
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message().rfind("invalid YAML here: ", 0), 0u);
  EXPECT_EQ(broken.error().hint(), "fix it");
  EXPECT_EQ(broken.error().where().file, "broken.yaml");
  EXPECT_GT(broken.error().where().line, 0);
}

TEST(bounded_yaml, a_stray_comma_is_an_error_not_a_hang) {
  // yaml-cpp 0.7 loops forever on it in LoadAll (found by fuzz/targets/workload_yaml.cc).
  auto comma = load_yaml_documents("apiVersion: v1\n---\n ,  - name: x\n", "w.yaml");
  ASSERT_FALSE(comma);
  EXPECT_EQ(comma.error().describe(),
            "w.yaml:3:2: the YAML parser makes no progress here; a ',' outside [ ] or { } is the "
            "usual cause\n  hint: remove the stray ',' (or write the list as [a, b])");
  EXPECT_FALSE(load_yaml_documents(",", "w.yaml"));
}

TEST(bounded_yaml, refuses_deep_nesting) {
  auto deep = load_yaml_document(std::string(100'000, '[') + std::string(100'000, ']'), "d.yaml");
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().message(), "the document nests deeper than 256 levels here");
  auto past_limit = load_yaml_document(std::string(600, '[') + std::string(600, ']'), "d.yaml");
  ASSERT_FALSE(past_limit);
  EXPECT_EQ(past_limit.error().describe().substr(0, past_limit.error().describe().find('\n')),
            "d.yaml:1:257: the document nests deeper than 256 levels here");
}

TEST(key_positions, are_found_in_linear_time) {
  std::string text = "{\n";
  for (int i = 0; i < 100'000; ++i)
    text += "  \"key" + std::to_string(i) + "\": " + std::to_string(i) + ",\n";
  text += "  \"last\": 0\n}\n";
  auto start = std::chrono::steady_clock::now();
  auto positions = top_level_key_positions(text);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(positions.size(), 100'001u);
  EXPECT_EQ(positions["key99999"].line, 100'001);
  EXPECT_EQ(positions["key99999"].column, 3);
  EXPECT_LT(took, std::chrono::seconds(5));  // 32 s when each key counted lines from the start
}

}  // namespace
}  // namespace deshim
