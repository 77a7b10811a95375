// --write: only direct translations change, a backup is kept, nested calls are rewritten inside
// their parent.
#include "translate/rewrite.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace deshim::translate {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(rewrite, only_direct_unambiguous_calls_change) {
  auto table = builtin_command_table();
  ASSERT_TRUE(table);
  std::string script =
      "#!/bin/sh\n"
      "sudo docker ps -a \\\n  --filter name=web\n"
      "docker rm -f $(docker ps -aq --filter status=exited)\n"
      "docker exec -u root web id\n"
      "docker inspect web\n"
      "docker push app\n"
      "docker logs 4d3c2b1a0f9e 2>&1 | tail\n"
      "docker stop web k8s_app_web-0_default_0c1d2e3f-aaaa-bbbb-cccc-0123456789ab_2\n";
  auto found = scan_script(**table, script, "s.sh", script_kind::shell);
  EXPECT_EQ(count_rewrites(found), 4u);  // the names of the last line are not exact
  EXPECT_EQ(apply_rewrites(script, found),
            "#!/bin/sh\n"
            "sudo crictl ps -a --name web\n"
            "crictl rm -f $(crictl ps -a -q --state exited)\n"
            "docker exec -u root web id\n"
            "docker inspect web\n"
            "docker push app\n"
            "crictl logs 4d3c2b1a0f9e 2>&1 | tail\n"
            "docker stop web k8s_app_web-0_default_0c1d2e3f-aaaa-bbbb-cccc-0123456789ab_2\n");
}

TEST(rewrite, file_is_replaced_with_a_backup_beside_it) {
  auto table = builtin_command_table();
  ASSERT_TRUE(table);
  auto dir =
      std::filesystem::temp_directory_path() / ("deshim-rewrite-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "job.sh";
  std::string text = "docker ps -q\ndocker build .\n";
  { std::ofstream(path) << text; }
  std::filesystem::permissions(path, std::filesystem::perms(0750));
  auto found = scan_script(**table, text, "job.sh", script_kind::shell);
  auto outcome = rewrite_file(path, text, found);
  ASSERT_TRUE(outcome) << outcome.error().describe();
  EXPECT_EQ(outcome->rewritten, 1u);
  EXPECT_EQ(outcome->backup, dir / "job.sh.deshim-bak");
  EXPECT_EQ(slurp(path), "crictl ps -q\ndocker build .\n");
  EXPECT_EQ(slurp(dir / "job.sh.deshim-bak"), text);
  EXPECT_EQ(std::filesystem::status(path).permissions(), std::filesystem::perms(0750));
  // A second run has nothing direct left; a third backup name is used only when needed.
  auto again = rewrite_file(path, slurp(path),
                            scan_script(**table, slurp(path), "job.sh", script_kind::shell));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->rewritten, 0u);
  EXPECT_FALSE(std::filesystem::exists(dir / "job.sh.deshim-bak.1"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace deshim::translate
