#include "runtime/image/private_folder.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace deshim::runtime {

result<void> make_private_folder(const std::filesystem::path& folder, mode_t mode) {
  std::error_code ec;
  if (folder.has_parent_path()) std::filesystem::create_directories(folder.parent_path(), ec);
  if (ec) {
    return environment_error("cannot create " + folder.parent_path().string() + ": " + ec.message(),
                             {}, "run as root, or set `root` and `state` in config.toml");
  }
  bool created = ::mkdir(folder.c_str(), mode) == 0;
  if (!created && errno != EEXIST)
    return environment_error("cannot create " + folder.string() + ": " + std::strerror(errno));
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0)
    return environment_error("cannot inspect " + folder.string() + ": " + std::strerror(errno));
  if (!S_ISDIR(info.st_mode)) {
    return environment_error(folder.string() + " exists and is not a folder", {},
                             "move the file away; the runtime keeps its data in this folder");
  }
  // A new folder gets `mode` exactly (mkdir went through the umask); an existing one only
  // loses bits, so a folder an operator closed further stays closed.
  mode_t now = info.st_mode & 07777;
  mode_t wanted = created ? mode : (now & mode);
  if (wanted != now && ::chmod(folder.c_str(), wanted) != 0) {
    return environment_error("cannot set the mode of " + folder.string() + ": " +
                             std::strerror(errno));
  }
  return {};
}

}  // namespace deshim::runtime
