#include "harness/busybox_image.h"

#include <system_error>

#include "harness/checked_run.h"
#include "harness/temp_folder.h"

namespace deshim::testing {

const std::vector<std::string>& busybox_applets() {
  static const std::vector<std::string> applets{
      "sh",     "echo",  "sleep", "cat",   "ls",   "true", "false", "env",  "id",   "ps",
      "kill",   "mkdir", "rm",    "touch", "head", "tail", "wc",    "grep", "date", "hostname",
      "printf", "test",  "uname", "wget",  "nc",   "ip",   "mount", "df",   "du",   "top"};
  return applets;
}

result<void> make_busybox_rootfs(const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  std::error_code failure;
  fs::create_directories(folder / "bin", failure);
  for (const char* empty : {"etc", "tmp", "proc", "sys", "dev", "root"}) {
    if (!failure) fs::create_directories(folder / empty, failure);
  }
  if (failure) {
    return environment_error("cannot create folders in " + folder.string() + ": " +
                             failure.message());
  }
  fs::copy_file(busybox_static_path, folder / "bin" / "busybox",
                fs::copy_options::overwrite_existing, failure);
  if (failure) {
    return environment_error(
        std::string("cannot copy ") + busybox_static_path + ": " + failure.message(), {},
        "install Debian's busybox-static (scripts/setup does)");
  }
  fs::permissions(folder / "bin" / "busybox", fs::perms(0755), failure);
  for (const auto& applet : busybox_applets()) {
    const auto link = folder / "bin" / applet;
    fs::remove(link, failure);
    fs::create_symlink("busybox", link, failure);
    if (failure) {
      return environment_error("cannot link " + link.string() + ": " + failure.message());
    }
  }
  return {};
}

result<std::string> import_busybox_image(const docker_daemon& docker, const std::string& reference,
                                         const std::vector<std::string>& cmd) {
  auto scratch = temp_folder::create("busybox");
  if (!scratch) return scratch.error();
  const auto rootfs = scratch->path() / "rootfs";
  if (auto made = make_busybox_rootfs(rootfs); !made) return made.error();
  const auto tar = scratch->path() / "rootfs.tar";
  if (auto packed =
          run_checked({"tar", "--numeric-owner", "-C", rootfs.string(), "-cf", tar.string(), "."});
      !packed) {
    return packed.error();
  }
  std::string cmd_json;
  for (const auto& word : cmd)
    cmd_json += (cmd_json.empty() ? "\"" : ", \"") + word + "\"";
  auto imported = docker.docker_output(
      {"import", "--change", "CMD [" + cmd_json + "]", tar.string(), reference});
  if (!imported) return imported.error();
  std::string id = *imported;
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r'))
    id.pop_back();
  return id;
}

result<void> save_image(const docker_daemon& docker, const std::string& reference,
                        const std::filesystem::path& out_tar) {
  auto saved = docker.docker_output({"save", "-o", out_tar.string(), reference});
  if (!saved) return saved.error();
  return {};
}

}  // namespace deshim::testing
