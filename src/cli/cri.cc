// `deshim cri`: a small crictl for nodes without one, talking to any CRI endpoint (the runtime
// core or a live containerd). This file: version, info, images, pull, inspecti, rmi; the pod
// commands are in cri_pods.cc, the container commands in cri_containers.cc.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/cri_shared.h"
#include "cli/cri_streaming.h"
#include "runtime/client/cri_client.h"

namespace deshim::cli {
namespace {

struct cri_arguments {
  std::shared_ptr<cri_connection> connection = std::make_shared<cri_connection>();
  std::vector<std::string> images;
  std::string image;
  std::string creds;
  bool quiet = false;
  bool all = false;
};

int run_version(const global_options& options, const cri_arguments& args) {
  auto client = cri_connect(*args.connection);
  if (!client) return cri_fail(client.error());
  auto version = client->version();
  if (!version) return cri_fail(version.error());
  if (options.output == "json") {
    std::cout << cri_message_json(*version).dump(2) << "\n";
    return 0;
  }
  std::cout << "Version:  " << version->version() << "\n"
            << "RuntimeName:  " << version->runtime_name() << "\n"
            << "RuntimeVersion:  " << version->runtime_version() << "\n"
            << "RuntimeApiVersion:  " << version->runtime_api_version() << "\n";
  return 0;
}

int run_info(const cri_arguments& args) {
  auto client = cri_connect(*args.connection);
  if (!client) return cri_fail(client.error());
  auto status = client->status(true);
  if (!status) return cri_fail(status.error());
  nlohmann::json out = cri_info_json(status->info());
  out["status"] = cri_message_json(status->status());
  std::cout << out.dump(2) << "\n";
  return 0;
}

int run_images(const global_options& options, const cri_arguments& args) {
  auto client = cri_connect(*args.connection);
  if (!client) return cri_fail(client.error());
  auto images = client->list_images();
  if (!images) return cri_fail(images.error());
  if (options.output == "json") {
    std::cout << cri_message_json(*images).dump(2) << "\n";
    return 0;
  }
  if (args.quiet) {
    for (const auto& image : images->images())
      std::cout << image.id() << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"IMAGE", "TAG", "IMAGE ID", "SIZE"}};
  for (const auto& image : images->images()) {
    std::string size = cri_human_size(static_cast<double>(image.size()));
    bool listed = false;
    for (const auto& tag : image.repo_tags()) {
      auto colon = tag.rfind(':');
      rows.push_back(
          {tag.substr(0, colon), tag.substr(colon + 1), cri_truncated_id(image.id()), size});
      listed = true;
    }
    if (!listed) {
      std::string repo = "<none>";
      if (image.repo_digests_size() > 0)
        repo = image.repo_digests(0).substr(0, image.repo_digests(0).find('@'));
      rows.push_back({repo, "<none>", cri_truncated_id(image.id()), size});
    }
  }
  cri_print_table(rows);
  return 0;
}

int run_pull(const cri_arguments& args) {
  auto client = cri_connect(*args.connection);
  if (!client) return cri_fail(client.error());
  client->set_timeout(std::chrono::seconds(std::max(args.connection->timeout_seconds, 600)));
  runtime::registry_credentials credentials;
  if (!args.creds.empty()) {
    auto colon = args.creds.find(':');
    credentials.username = args.creds.substr(0, colon);
    if (colon != std::string::npos) credentials.password = args.creds.substr(colon + 1);
  }
  auto ref = client->pull_image(args.image, credentials);
  if (!ref) return cri_fail(ref.error());
  std::cout << "Image is up to date for " << *ref << "\n";
  return 0;
}

int run_inspecti(const global_options& options, const cri_arguments& args) {
  (void)options;
  auto client = cri_connect(*args.connection);
  if (!client) return cri_fail(client.error());
  for (const auto& image : args.images) {
    auto status = client->image_status(image, !args.quiet);
    if (!status) return cri_fail(status.error());
    if (!status->has_image()) {
      return cri_fail(error(error_kind::not_found, "no such image \"" + image + "\" present", {},
                            "list images with `deshim cri images`"));
    }
    nlohmann::json out = {{"status", cri_message_json(status->image())}};
    if (!args.quiet) out["info"] = cri_info_json(status->info());
    std::cout << out.dump(2) << "\n";
  }
  return 0;
}

int run_rmi(const cri_arguments& args) {
  auto client = cri_connect(*args.connection);
  if (!client) return cri_fail(client.error());
  std::vector<std::string> targets = args.images;
  if (args.all) {
    auto images = client->list_images();
    if (!images) return cri_fail(images.error());
    for (const auto& image : images->images())
      targets.push_back(image.id());
  }
  if (targets.empty())
    return cri_fail(
        error(error_kind::usage, "no image to remove", {}, "give an image name or id, or --all"));
  int status_code = 0;
  for (const auto& image : targets) {
    auto status = client->image_status(image);
    if (!status) return cri_fail(status.error());
    if (!status->has_image()) {
      std::cerr << "deshim: no such image " << image << "\n";
      status_code = 2;
      continue;
    }
    auto removed = client->remove_image(status->image().id());
    if (!removed) return cri_fail(removed.error());
    for (const auto& tag : status->image().repo_tags())
      std::cout << "Deleted: " << tag << "\n";
    if (status->image().repo_tags_size() == 0) {
      for (const auto& digest : status->image().repo_digests())
        std::cout << "Deleted: " << digest << "\n";
    }
  }
  return status_code;
}

}  // namespace

void add_cri_command(CLI::App& app, const global_options& options, int& exit_status) {
  auto args = std::make_shared<cri_arguments>();
  auto* command =
      app.add_subcommand("cri", "Talk to a CRI runtime, like crictl (pods, containers, images)");
  command->require_subcommand(1);
  command->add_option("-r,--runtime-endpoint", args->connection->endpoint,
                      "CRI socket (default: $CONTAINER_RUNTIME_ENDPOINT, then "
                      "unix:///run/containerd/containerd.sock)");
  command
      ->add_option("--timeout", args->connection->timeout_seconds, "Seconds to wait for each call")
      ->capture_default_str();

  command->add_subcommand("version", "Runtime name and version (Version)")
      ->callback([&options, &exit_status, args] { exit_status = run_version(options, *args); });
  command->add_subcommand("info", "Runtime and network readiness, config (Status, verbose)")
      ->callback([&exit_status, args] { exit_status = run_info(*args); });
  auto* images = command->add_subcommand("images", "List images (ListImages)");
  images->add_flag("-q,--quiet", args->quiet, "Only image ids");
  images->callback([&options, &exit_status, args] { exit_status = run_images(options, *args); });
  auto* pull = command->add_subcommand("pull", "Pull an image (PullImage)");
  pull->add_option("image", args->image, "NAME[:TAG|@DIGEST]")->required();
  pull->add_option("--creds", args->creds, "USER[:PASSWORD] for the registry");
  pull->callback([&exit_status, args] { exit_status = run_pull(*args); });
  auto* inspecti = command->add_subcommand("inspecti", "Show an image (ImageStatus)");
  inspecti->add_option("image", args->images, "Image names or ids")->required();
  inspecti->add_flag("-q,--quiet", args->quiet, "Without the verbose info");
  inspecti->callback(
      [&options, &exit_status, args] { exit_status = run_inspecti(options, *args); });
  auto* rmi = command->add_subcommand("rmi", "Remove images (RemoveImage)");
  rmi->add_option("image", args->images, "Image names or ids");
  rmi->add_flag("-a,--all", args->all, "Every image");
  rmi->callback([&exit_status, args] { exit_status = run_rmi(*args); });

  add_cri_pod_commands(*command, options, exit_status, args->connection);
  add_cri_container_commands(*command, options, exit_status, args->connection);
  add_cri_streaming_commands(*command, exit_status, args->connection);
}

}  // namespace deshim::cli
