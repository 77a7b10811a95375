#include "harness/suite_daemons.h"

#include "harness/busybox_image.h"

namespace deshim::testing {

result<suite_daemons> start_suite_daemons(const std::string& prefix) {
  suite_daemons out;
  auto containerd = containerd_daemon::start({.name = prefix + "-containerd"});
  if (!containerd) return containerd.error().with_context("containerd");
  out.containerd = std::make_unique<containerd_daemon>(std::move(*containerd));
  auto docker = docker_daemon::start({.name = prefix + "-dockerd"});
  if (!docker) return docker.error().with_context("dockerd");
  out.docker = std::make_unique<docker_daemon>(std::move(*docker));
  registry_options registry_settings;
  registry_settings.name = prefix + "-registry";
  auto registry = registry_daemon::start(registry_settings);
  if (!registry) return registry.error().with_context("registry");
  out.registry = std::make_unique<registry_daemon>(std::move(*registry));
  auto image = import_busybox_image(*out.docker, "busybox:test");
  if (!image) return image.error().with_context("docker import");
  out.busybox_image_id = *image;
  return out;
}

}  // namespace deshim::testing
