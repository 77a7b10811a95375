#include "migrate/carry_images.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "analyze/docker_engine_client.h"
#include "common/http/url.h"
#include "common/subprocess.h"
#include "runtime/config/containerd_config.h"
#include "runtime/image/image_reference.h"

namespace deshim::migrate {
namespace {

using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

/// How long containerd may take to unpack one image after its archive ended.
constexpr std::chrono::minutes import_finish_limit{30};

/// The names Docker lists for "no tag" and "no digest".
bool is_placeholder_name(const std::string& name) {
  return name == "<none>:<none>" || name == "<none>@<none>";
}

std::vector<std::string> ctr_command(const carry_options& options, std::vector<std::string> args) {
  std::vector<std::string> command = {options.ctr_program, "--address", options.containerd.address,
                                      "--namespace", options.containerd_namespace};
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

std::string command_output_line(const process_result& run) {
  std::string text = run.standard_error.empty() ? run.standard_output : run.standard_error;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  auto last = text.rfind('\n');
  return last == std::string::npos ? text : text.substr(last + 1);
}

result<std::set<std::string>> containerd_image_names(const carry_options& options) {
  auto run = run_process(ctr_command(options, {"images", "list", "--quiet"}),
                         {.timeout = std::chrono::minutes(2)});
  if (!run) return run.error().with_context("listing containerd's images");
  if (!run->succeeded()) {
    return environment_error(
        "containerd at " + options.containerd.address + " did not list its images: `ctr images " +
            "list` " + run->describe_end() + ": " + command_output_line(*run),
        {},
        "start containerd (it must run before carry-images), or name its socket with "
        "--containerd-address");
  }
  std::set<std::string> names;
  std::size_t start = 0;
  const std::string& out = run->standard_output;
  while (start < out.size()) {
    auto end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    if (end > start) names.insert(out.substr(start, end - start));
    start = end + 1;
  }
  return names;
}

/// The image's names as containerd stores them (`busybox:1` is docker.io/library/busybox:1).
std::vector<std::string> normalised_names(const std::vector<std::string>& tags,
                                          const std::vector<std::string>& digests) {
  std::vector<std::string> names;
  for (const auto* list : {&tags, &digests}) {
    for (const auto& name : *list) {
      auto parsed = runtime::parse_image_reference(name);
      std::string normal = parsed ? parsed->string() : name;
      if (std::find(names.begin(), names.end(), normal) == names.end()) names.push_back(normal);
    }
  }
  return names;
}

std::vector<std::string> string_list(const json& object, const char* key) {
  std::vector<std::string> out;
  auto found = object.find(key);
  if (found == object.end() || !found->is_array()) return out;
  for (const auto& item : *found) {
    if (item.is_string() && !is_placeholder_name(item.get<std::string>())) {
      out.push_back(item.get<std::string>());
    }
  }
  return out;
}

struct docker_image {
  carried_image entry;
  std::vector<std::string> tags;  ///< as Docker names them, for the export request
};

class carrier {
 public:
  carrier(const carry_options& options, analyze::docker_engine_client docker)
      : options_(options), docker_(std::move(docker)) {}

  result<carry_report> run() {
    auto chosen = choose_images();
    if (!chosen) return chosen.error();
    auto present = containerd_image_names(options_);
    if (!present) return present.error();
    for (auto& image : *chosen) {
      bool all_there = std::all_of(image.entry.names.begin(), image.entry.names.end(),
                                   [&](const std::string& name) { return present->count(name); });
      if (all_there) image.entry.result = carried_image::outcome::present;
    }
    progress_.images_total = static_cast<std::size_t>(
        std::count_if(chosen->begin(), chosen->end(), [](const docker_image& image) {
          return image.entry.result == carried_image::outcome::planned;
        }));
    started_ = clock_type::now();
    bool imported_any = false;
    for (auto& image : *chosen) {
      if (image.entry.result == carried_image::outcome::planned && !options_.dry_run) {
        carry_one(image);
        imported_any = true;
        ++progress_.images_done;
        report_progress(true);
      }
    }
    // One listing checks every import: containerd must now hold each name.
    if (imported_any) confirm_names(*chosen);
    for (auto& image : *chosen)
      report_.images.push_back(std::move(image.entry));
    report_.seconds = seconds_since_start();
    return std::move(report_);
  }

 private:
  /// The images this node needs: its containers' and the local-only ones (or all, --all).
  result<std::vector<docker_image>> choose_images() {
    auto images = docker_.get("/images/json");
    if (!images) return images.error();
    auto containers = docker_.get("/containers/json?all=1");
    if (!containers) return containers.error();
    std::map<std::string, std::string> user_of_image;
    for (const auto& container : *containers) {
      std::string image_id = container.value("ImageID", "");
      auto names = string_list(container, "Names");
      std::string name = names.empty() ? container.value("Id", "") : names.front();
      if (!name.empty() && name[0] == '/') name.erase(0, 1);
      user_of_image.emplace(image_id, name);
    }
    std::vector<docker_image> chosen;
    for (const auto& image : *images) {
      docker_image candidate;
      candidate.entry.id = image.value("Id", "");
      candidate.tags = string_list(image, "RepoTags");
      auto digests = string_list(image, "RepoDigests");
      candidate.entry.names = normalised_names(candidate.tags, digests);
      if (candidate.entry.names.empty()) {
        report_.unnamed_ids.push_back(candidate.entry.id);
        continue;
      }
      auto user = user_of_image.find(candidate.entry.id);
      if (user != user_of_image.end()) {
        candidate.entry.reason = "used by container " + user->second;
      } else if (digests.empty()) {
        candidate.entry.reason = "local only: built or loaded on this node, no registry has it";
      } else if (options_.all) {
        candidate.entry.reason = "--all";
      } else {
        continue;
      }
      chosen.push_back(std::move(candidate));
    }
    std::sort(chosen.begin(), chosen.end(), [](const docker_image& a, const docker_image& b) {
      return a.entry.names.front() < b.entry.names.front();
    });
    return chosen;
  }

  void carry_one(docker_image& image) {
    auto carried = export_and_import(image);
    if (!carried) {
      image.entry.result = carried_image::outcome::failed;
      image.entry.detail = carried.error().message();
      return;
    }
    image.entry.result = carried_image::outcome::carried;
  }

  /// Every carried image's names are in containerd, else it is `failed` with the missing one.
  void confirm_names(std::vector<docker_image>& images) {
    auto present = containerd_image_names(options_);
    for (auto& image : images) {
      if (image.entry.result != carried_image::outcome::carried) continue;
      if (!present) {
        image.entry.result = carried_image::outcome::failed;
        image.entry.detail = present.error().message();
        continue;
      }
      for (const auto& name : image.entry.names) {
        if (present->count(name)) continue;
        image.entry.result = carried_image::outcome::failed;
        image.entry.detail = "containerd does not list " + name + " after the import";
        break;
      }
    }
  }

  result<void> export_and_import(docker_image& image) {
    // An image with tags is exported by them, and the archive names it; one known only by its
    // digests is exported by id, kept by ctr under a temporary index name, and named below.
    std::string query;
    for (const auto& tag : image.tags)
      query += (query.empty() ? "?names=" : "&names=") + deshim::http::escape_query_value(tag);
    const bool by_id = query.empty();
    const std::string hex = image.entry.id.substr(image.entry.id.find(':') + 1);
    const std::string index_name = "import.deshim.invalid/carry:" + hex;
    if (by_id) query = "?names=" + deshim::http::escape_query_value(image.entry.id);

    std::vector<std::string> import_args = {"images", "import", "--snapshotter",
                                            options_.containerd.snapshotter};
    if (by_id) import_args.insert(import_args.end(), {"--index-name", index_name});
    import_args.push_back("-");
    auto importer = fed_process::start(ctr_command(options_, import_args));
    if (!importer) return importer.error();

    std::uint64_t sent = 0;
    auto streamed =
        docker_.stream("/images/get" + query, [&](std::string_view chunk) -> result<void> {
          if (options_.test_fail_export_after_bytes != 0 &&
              sent + chunk.size() > options_.test_fail_export_after_bytes) {
            return environment_error("the export failed after " + std::to_string(sent) +
                                     " bytes (test fault)");
          }
          auto fed = importer->feed(chunk);
          if (!fed) return fed;
          sent += chunk.size();
          image.entry.bytes = sent;
          progress_.bytes = report_.bytes + sent;
          report_progress(false);
          return {};
        });
    if (!streamed) {
      // Killed before the end of its input: containerd records no image for a partial archive.
      importer->abort();
      return streamed.error().with_context("exporting " + image.entry.names.front());
    }
    report_.bytes += sent;
    auto imported = importer->finish(import_finish_limit);
    if (!imported) return imported.error();
    if (!imported->succeeded()) {
      return environment_error("`ctr images import` " + imported->describe_end() + ": " +
                               command_output_line(*imported));
    }
    // Every name the importer did not make (repo digests; all names of an id export).
    const std::string source = by_id ? index_name : image.entry.names.front();
    std::vector<std::string> tag_args = {"images", "tag", "--force", source};
    for (const auto& name : image.entry.names) {
      if (name != source) tag_args.push_back(name);
    }
    if (tag_args.size() > 4) {
      auto tagged = run_process(ctr_command(options_, tag_args));
      if (!tagged) return tagged.error();
      if (!tagged->succeeded()) {
        return environment_error("`ctr images tag` " + tagged->describe_end() + ": " +
                                 command_output_line(*tagged));
      }
    }
    if (by_id) {
      auto removed = run_process(ctr_command(options_, {"images", "remove", index_name}));
      if (!removed) return removed.error();
    }
    return {};
  }

  double seconds_since_start() const {
    return std::chrono::duration<double>(clock_type::now() - started_).count();
  }

  void report_progress(bool force) {
    if (!options_.on_progress) return;
    auto now = clock_type::now();
    if (!force && now - last_progress_ < std::chrono::milliseconds(200)) return;
    last_progress_ = now;
    progress_.seconds = seconds_since_start();
    options_.on_progress(progress_);
  }

  const carry_options& options_;
  analyze::docker_engine_client docker_;
  carry_report report_;
  carry_progress progress_;
  clock_type::time_point started_ = clock_type::now();
  clock_type::time_point last_progress_{};
};

}  // namespace

std::size_t carry_report::count(carried_image::outcome which) const {
  return static_cast<std::size_t>(
      std::count_if(images.begin(), images.end(),
                    [&](const carried_image& image) { return image.result == which; }));
}

const char* outcome_name(carried_image::outcome which) {
  switch (which) {
    case carried_image::outcome::carried:
      return "carried";
    case carried_image::outcome::present:
      return "present";
    case carried_image::outcome::planned:
      return "planned";
    case carried_image::outcome::failed:
      return "failed";
  }
  return "planned";
}

result<containerd_target> containerd_target_from_config(const rooted_fs& node) {
  containerd_target target;
  const std::string path = "/etc/containerd/config.toml";
  auto text = node.read_file_if_exists(path);
  if (!text) return text.error();
  if (!*text) return target;
  auto settings = runtime::load_containerd_settings(**text, node.display(path));
  if (!settings) return settings.error();
  target.address = settings->grpc_address;
  target.snapshotter = settings->cri.snapshotter;
  return target;
}

result<carry_report> carry_images(const carry_options& options) {
  auto docker = analyze::docker_engine_client::open(options.docker_host);
  if (!docker) return docker.error();
  auto version = docker->negotiate();
  if (!version) return version.error();
  if (!find_program(options.ctr_program)) {
    return error(error_kind::not_found,
                 "containerd's client " + options.ctr_program + " was not found in PATH", {},
                 "install containerd (it brings ctr), or name it with --ctr");
  }
  carrier run(options, std::move(*docker));
  return run.run();
}

}  // namespace deshim::migrate
