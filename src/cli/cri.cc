// `deshim cri`: a crictl for nodes without one, talking to any CRI endpoint (the runtime core or
// a live containerd), with crictl 1.26's flags, output and exit status. This file: the global
// options, version, info, images, pull, inspecti, rmi and imagefsinfo; the pod commands are in
// cri_pods.cc, the container commands in cri_containers.cc.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/cri_shared.h"
#include "cli/cri_streaming.h"
#include "runtime/client/cri_client.h"

namespace deshim::cli {
namespace {

namespace v1 = ::runtime::v1;

struct cri_arguments {
  std::shared_ptr<cri_connection> connection = std::make_shared<cri_connection>();
  std::vector<std::string> images;
  std::string image;
  std::string creds;
  std::string auth;
  bool quiet = false;
  bool all = false;
  bool prune = false;
  bool verbose = false;
  bool digests = false;
  bool no_trunc = false;
};

int run_version(const global_options& options, const cri_arguments& args) {
  auto client = cri_connect(*args.connection);
  if (!client) return cri_fail(client.error());
  auto version = client->version();
  if (!version) return cri_fail(version.error());
  // crictl's version has no -o; deshim keeps its -o json and -o yaml.
  if (auto format = cri_format(options); format == "json" || format == "yaml") {
    if (auto shown = cri_emit(cri_message_json(*version), format, {}, true); !shown)
      return cri_fail(shown.error());
    return 0;
  }
  std::cout << "Version:  " << version->version() << "\n"
            << "RuntimeName:  " << version->runtime_name() << "\n"
            << "RuntimeVersion:  " << version->runtime_version() << "\n"
            << "RuntimeApiVersion:  " << version->runtime_api_version() << "\n";
  return 0;
}

int run_info(const global_options& options, const cri_arguments& args) {
  std::string format = cri_format(options);
  if (format.empty()) format = "json";
  auto client = cri_connect(*args.connection);
  if (!client) return cri_fail(client.error());
  auto status = client->status(!args.quiet);
  if (!status) return cri_fail(status.error());
  auto document = cri_status_document(cri_message_json(status->status()), status->info());
  if (auto shown = cri_emit(document, format, args.connection->template_text); !shown)
    return cri_fail(shown.error());
  return 0;
}

/// crictl's imageByRef: by first tag, else first digest, else id.
bool image_before(const v1::Image& a, const v1::Image& b) {
  if (a.repo_tags_size() > 0 && b.repo_tags_size() > 0) return a.repo_tags(0) < b.repo_tags(0);
  if (a.repo_digests_size() > 0 && b.repo_digests_size() > 0)
    return a.repo_digests(0) < b.repo_digests(0);
  return a.id() < b.id();
}

int run_images(const global_options& options, const cri_arguments& args) {
  auto client = cri_connect_images(*args.connection);
  if (!client) return cri_fail(client.error());
  auto images = client->list_images();
  if (!images) return cri_fail(images.error());
  std::vector<v1::Image> shown(images->images().begin(), images->images().end());
  if (!args.image.empty()) {
    // crictl sends the name as a filter, which containerd 1.6 ignores: deshim keeps the image
    // the name resolves to itself.
    auto wanted = client->image_status(args.image);
    if (!wanted) return cri_fail(wanted.error());
    std::erase_if(shown, [&](const v1::Image& image) {
      return !wanted->has_image() || image.id() != wanted->image().id();
    });
  }
  std::stable_sort(shown.begin(), shown.end(), image_before);
  std::string format = cri_format(options);
  if (format == "json" || format == "yaml") {
    v1::ListImagesResponse response;
    for (const auto& image : shown)
      *response.add_images() = image;
    if (auto printed = cri_emit(cri_message_json(response), format, {}, true); !printed)
      return cri_fail(printed.error());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  if (!args.verbose && !args.quiet) {
    if (args.digests)
      rows.push_back({"IMAGE", "TAG", "DIGEST", "IMAGE ID", "SIZE"});
    else
      rows.push_back({"IMAGE", "TAG", "IMAGE ID", "SIZE"});
  }
  for (const auto& image : shown) {
    if (args.quiet) {
      std::cout << image.id() << "\n";
      continue;
    }
    if (args.verbose) {
      std::cout << "ID: " << image.id() << "\n";
      for (const auto& tag : image.repo_tags())
        std::cout << "RepoTags: " << tag << "\n";
      for (const auto& digest : image.repo_digests())
        std::cout << "RepoDigests: " << digest << "\n";
      if (image.size() != 0) std::cout << "Size: " << image.size() << "\n";
      if (image.has_uid()) std::cout << "Uid: value:" << image.uid().value() << "\n";
      if (!image.username().empty()) std::cout << "Username: " << image.username() << "\n";
      std::cout << "\n";
      continue;
    }
    std::string name = "<none>", digest = "<none>";
    if (image.repo_digests_size() > 0) {
      const std::string& first = image.repo_digests(0);
      auto at = first.find('@');
      if (at == std::string::npos || first.find('@', at + 1) != std::string::npos) {
        name = "errorName";
        digest = "errorRepoDigest";
      } else {
        name = first.substr(0, at);
        digest = first.substr(at + 1);
      }
    }
    std::string id = image.id();
    if (!args.no_trunc) {
      id = cri_truncated_id(id);
      digest = cri_truncated_id(digest);
    }
    std::string size = cri_human_size(static_cast<double>(image.size()));
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& tag : image.repo_tags()) {
      auto colon = tag.rfind(':');
      if (colon == std::string::npos) {
        pairs.emplace_back("errorRepoTag", "errorRepoTag");
        continue;
      }
      std::string repo = tag.substr(0, colon);
      pairs.emplace_back(repo == "<none>" ? name : repo, tag.substr(colon + 1));
    }
    if (pairs.empty()) pairs.emplace_back(name, "<none>");
    for (const auto& [repo, tag] : pairs) {
      if (args.digests)
        rows.push_back({repo, tag, digest, id, size});
      else
        rows.push_back({repo, tag, id, size});
    }
  }
  cri_print_table(rows);
  return 0;
}

result<runtime::registry_credentials> parse_credentials(const cri_arguments& args) {
  runtime::registry_credentials credentials;
  if (!args.creds.empty() && !args.auth.empty())
    return error(error_kind::usage, "both `--creds` and `--auth` are specified", {},
                 "give one of them");
  if (!args.creds.empty()) {
    auto colon = args.creds.find(':');
    credentials.username = args.creds.substr(0, colon);
    if (colon != std::string::npos) credentials.password = args.creds.substr(colon + 1);
    if (colon != std::string::npos && credentials.username.empty())
      return error(error_kind::usage, "username can't be empty", {}, "--creds USER[:PASSWORD]");
  }
  if (!args.auth.empty()) credentials.auth = args.auth;
  return credentials;
}

int run_pull(const cri_arguments& args) {
  auto settings = cri_resolve(*args.connection);
  if (!settings) return cri_fail(settings.error());
  auto client = cri_connect_images(*args.connection);
  if (!client) return cri_fail(client.error());
  // PullImage has no deadline in crictl; deshim waits at least 600 s.
  client->set_timeout(
      std::max<std::chrono::milliseconds>(settings->timeout, std::chrono::seconds(600)));
  auto credentials = parse_credentials(args);
  if (!credentials) return cri_fail(credentials.error());
  auto ref = client->pull_image(args.image, *credentials);
  if (!ref) return cri_fail(ref.error().with_context("pulling image"));
  std::cout << "Image is up to date for " << *ref << "\n";
  return 0;
}

int run_inspecti(const global_options& options, const cri_arguments& args) {
  std::string format = cri_format(options);
  if (format.empty()) format = "json";
  auto client = cri_connect_images(*args.connection);
  if (!client) return cri_fail(client.error());
  for (const auto& image : args.images) {
    auto status = client->image_status(image, !args.quiet);
    if (!status) return cri_fail(status.error());
    if (!status->has_image()) {
      return cri_fail(error(error_kind::not_found, "no such image \"" + image + "\" present", {},
                            "list images with `deshim cri images`"));
    }
    if (format == "table") {
      const auto& shown = status->image();
      std::cout << "ID: " << shown.id() << "\n";
      for (const auto& tag : shown.repo_tags())
        std::cout << "Tag: " << tag << "\n";
      for (const auto& digest : shown.repo_digests())
        std::cout << "Digest: " << digest << "\n";
      std::cout << "Size: " << cri_human_size(static_cast<double>(shown.size())) << "\n";
      if (!args.quiet) std::cout << "Info: " << cri_go_map(status->info()) << "\n";
      continue;
    }
    auto document = cri_status_document(cri_message_json(status->image()), status->info());
    if (auto shown = cri_emit(document, format, args.connection->template_text); !shown)
      return cri_fail(shown.error());
  }
  return 0;
}

int run_rmi(const cri_arguments& args) {
  auto client = cri_connect_images(*args.connection);
  if (!client) return cri_fail(client.error());
  std::map<std::string, bool> targets;  // crictl keeps a set (a map), so ids come out sorted
  for (const auto& image : args.images)
    targets[image] = true;
  if (args.all || args.prune) {
    auto images = client->list_images();
    if (!images) return cri_fail(images.error());
    for (const auto& image : images->images())
      targets[image.id()] = true;
  }
  if (args.prune) {
    // -q/--prune: every image no container uses.
    auto runtime_client = cri_connect(*args.connection);
    if (!runtime_client) return cri_fail(runtime_client.error());
    auto containers = runtime_client->list_containers();
    if (!containers) return cri_fail(containers.error());
    for (const auto& container : containers->containers()) {
      auto used = client->image_status(container.image().image());
      if (used && used->has_image()) targets[used->image().id()] = false;
    }
  }
  if (targets.empty()) return 0;  // crictl: "No images to remove", exit 0
  bool failed = false;
  for (const auto& [image, remove] : targets) {
    if (!remove) continue;
    auto status = client->image_status(image);
    if (!status) {
      std::cerr << "deshim: " << status.error().describe() << "\n";
      failed = true;
      continue;
    }
    if (!status->has_image()) {
      std::cerr << "deshim: no such image " << image << "\n";
      failed = true;
      continue;
    }
    if (auto removed = client->remove_image(image); !removed) {
      if (!args.prune) {
        std::cerr << "deshim: " << removed.error().describe() << "\n";
        failed = true;
      }
      continue;
    }
    for (const auto& tag : status->image().repo_tags())
      std::cout << "Deleted: " << tag << "\n";
    if (status->image().repo_tags_size() == 0) {
      for (const auto& digest : status->image().repo_digests())
        std::cout << "Deleted: " << digest << "\n";
    }
  }
  if (failed)
    return cri_fail(error(error_kind::not_found, "unable to remove the image(s)", {},
                          "list images with `deshim cri images`"));
  return 0;
}

int run_imagefsinfo(const global_options& options, const cri_arguments& args) {
  std::string format = cri_format(options);
  if (format.empty()) format = "json";
  auto client = cri_connect_images(*args.connection);
  if (!client) return cri_fail(client.error());
  auto info = client->image_fs_info();
  if (!info) return cri_fail(info.error());
  for (const auto& filesystem : info->image_filesystems()) {
    if (format == "table") {
      std::cout << "TimeStamp: " << filesystem.timestamp() << "\n"
                << "UsedBytes: " << cri_message_json(filesystem.used_bytes()).dump() << "\n"
                << "Mountpoint: " << filesystem.fs_id().mountpoint() << "\n";
      continue;
    }
    if (auto shown = cri_emit(cri_status_document(cri_message_json(filesystem), {}), format,
                              args.connection->template_text);
        !shown)
      return cri_fail(shown.error());
  }
  return 0;
}

}  // namespace

void add_cri_command(CLI::App& app, const global_options& options, int& exit_status) {
  auto args = std::make_shared<cri_arguments>();
  args->connection->options = &options;
  auto* command =
      app.add_subcommand("cri", "Talk to a CRI runtime as crictl does (pods, containers, images)");
  command->require_subcommand(1);
  command->add_option("-r,--runtime-endpoint", args->connection->endpoint,
                      "CRI socket (default: $CONTAINER_RUNTIME_ENDPOINT, then crictl.yaml's "
                      "runtime-endpoint, then unix:///run/containerd/containerd.sock)");
  command->add_option("-i,--image-endpoint", args->connection->image_endpoint,
                      "CRI image socket (default: $IMAGE_SERVICE_ENDPOINT, then crictl.yaml's "
                      "image-endpoint, then the runtime endpoint)");
  command->add_option("-c,--config", args->connection->config_file,
                      "crictl's config file (default: $CRI_CONFIG_FILE, then /etc/crictl.yaml "
                      "below --root)");
  command->add_option("-t,--timeout", args->connection->timeout,
                      "Deadline of each call, a Go duration such as 2s (default: crictl.yaml's "
                      "timeout, then 10s)");
  command->add_flag("-D,--debug", args->connection->debug, "Accepted as crictl's; no effect");
  command->add_option("--template", args->connection->template_text,
                      "The Go template of -o go-template (the supported part: docs/cri.md)");

  command->add_subcommand("version", "Runtime name and version (Version)")
      ->callback([&options, &exit_status, args] { exit_status = run_version(options, *args); });
  auto* info = command->add_subcommand("info", "Runtime and network readiness, config (Status)");
  info->add_flag("-q,--quiet", args->quiet, "Without the verbose info");
  info->callback([&options, &exit_status, args] { exit_status = run_info(options, *args); });
  auto* images = command->add_subcommand("images", "List images (ListImages)");
  images->add_option("image", args->image, "Only the image this name or id resolves to");
  images->add_flag("-q,--quiet", args->quiet, "Only image ids");
  images->add_flag("-v,--verbose", args->verbose, "Each image's fields, one per line");
  images->add_flag("--digests", args->digests, "A DIGEST column");
  images->add_flag("--no-trunc", args->no_trunc, "Whole ids and digests");
  images->callback([&options, &exit_status, args] { exit_status = run_images(options, *args); });
  auto* pull = command->add_subcommand("pull", "Pull an image (PullImage)");
  pull->add_option("image", args->image, "NAME[:TAG|@DIGEST]")->required();
  pull->add_option("--creds", args->creds, "USER[:PASSWORD] for the registry")
      ->envname("CRICTL_CREDS");
  pull->add_option("--auth", args->auth, "base64 of USER:PASSWORD for the registry")
      ->envname("CRICTL_AUTH");
  pull->callback([&exit_status, args] { exit_status = run_pull(*args); });
  auto* inspecti = command->add_subcommand("inspecti", "Show an image (ImageStatus)");
  inspecti->add_option("image", args->images,
                       "Image names or ids (none: the help, exit 0, as crictl)");
  inspecti->add_flag("-q,--quiet", args->quiet, "Without the verbose info");
  inspecti->callback([inspecti, &options, &exit_status, args] {
    if (args->images.empty()) return cri_show_help(*inspecti, exit_status);
    exit_status = run_inspecti(options, *args);
  });
  auto* rmi = command->add_subcommand("rmi", "Remove images (RemoveImage)");
  rmi->add_option("image", args->images, "Image names or ids");
  rmi->add_flag("-a,--all", args->all, "Every image");
  rmi->add_flag("-q,--prune", args->prune, "Every image no container uses");
  rmi->callback([&exit_status, args] { exit_status = run_rmi(*args); });
  command->add_subcommand("imagefsinfo", "The image filesystem's usage (ImageFsInfo)")
      ->callback([&options, &exit_status, args] { exit_status = run_imagefsinfo(options, *args); });

  add_cri_pod_commands(*command, options, exit_status, args->connection);
  add_cri_container_commands(*command, options, exit_status, args->connection);
  add_cri_logs_command(*command, options, exit_status, args->connection);
  add_cri_streaming_commands(*command, exit_status, args->connection);
}

}  // namespace deshim::cli
