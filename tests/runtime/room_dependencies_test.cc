// The runtime's rooms depend on each other one way only (docs/development.md, "The runtime's
// rooms"): every `#include "runtime/<room>/..."` in src/runtime/ names the file's own room or
// one it may use. Nothing else checks it: every room's library sees all of src/.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace deshim::runtime {
namespace {
namespace fs = std::filesystem;

const std::map<std::string, std::set<std::string>>& allowed_rooms() {
  static const std::map<std::string, std::set<std::string>> allowed = {
      {"proto", {}},
      {"config", {}},
      {"monitor", {}},
      {"image", {}},
      {"pod", {"config", "image", "monitor", "proto"}},
      {"stream", {}},
      {"server", {"pod", "stream", "config", "image", "monitor", "proto"}},
      {"transfer", {"config", "image"}},
      {"client", {"image", "proto", "stream"}},
  };
  return allowed;
}

/// "room/file: includes runtime/other/x.h" for each include of a room `room` may not use.
std::vector<std::string> wrong_includes(const std::string& room, const std::string& file,
                                        const std::string& text) {
  static const std::regex include(R"re(#include "runtime/([a-z_]+)/[^"]+")re");
  std::vector<std::string> wrong;
  const auto& allowed = allowed_rooms().at(room);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), include);
       it != std::sregex_iterator(); ++it) {
    const std::string other = (*it)[1];
    if (other != room && allowed.count(other) == 0) {
      wrong.push_back(room + "/" + file + ": " + it->str());
    }
  }
  return wrong;
}

TEST(room_dependencies, every_include_names_an_allowed_room) {
  const fs::path runtime = "src/runtime";
  ASSERT_TRUE(fs::is_directory(runtime)) << "run from the repository root";
  std::vector<std::string> wrong;
  std::set<std::string> rooms_seen;
  for (const auto& entry : fs::recursive_directory_iterator(runtime)) {
    const fs::path path = entry.path();
    if (path.extension() != ".cc" && path.extension() != ".h") continue;
    const fs::path relative = path.lexically_relative(runtime);
    ASSERT_GE(std::distance(relative.begin(), relative.end()), 2)
        << path << " is outside the rooms: put it in the room of its concern";
    const std::string room = relative.begin()->string();
    ASSERT_TRUE(allowed_rooms().count(room)) << path << " is in the unknown room " << room;
    rooms_seen.insert(room);
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (auto& line : wrong_includes(room, relative.filename().string(), text)) {
      wrong.push_back(std::move(line));
    }
  }
  EXPECT_EQ(rooms_seen.size(), allowed_rooms().size());
  EXPECT_TRUE(wrong.empty()) << "includes against the rooms' direction:\n"
                             << testing::PrintToString(wrong);
}

TEST(room_dependencies, an_include_upwards_is_reported) {
  EXPECT_EQ(wrong_includes("pod", "x.cc", "#include \"runtime/server/serve.h\"\n"),
            std::vector<std::string>{"pod/x.cc: #include \"runtime/server/serve.h\""});
  EXPECT_EQ(wrong_includes("image", "x.h", "#include \"runtime/config/config_keys.h\"\n"),
            std::vector<std::string>{"image/x.h: #include \"runtime/config/config_keys.h\""});
  EXPECT_TRUE(wrong_includes("server", "x.cc",
                             "#include \"runtime/pod/oci_spec.h\"\n"
                             "#include \"runtime/server/serve.h\"\n"
                             "#include \"runtime/proto/cri.grpc.pb.h\"\n")
                  .empty());
}

}  // namespace
}  // namespace deshim::runtime
