// The Docker Engine section of the text facts (facts_text_sections.h).
#include <algorithm>
#include <string_view>

#include "analyze/facts_text_sections.h"

namespace deshim::analyze {
namespace {

/// What in one live container the rules look at: started outside the kubelet, compose,
/// privileged, Docker's socket or data mounted.
std::vector<std::string> container_findings(const engine_container& container) {
  std::vector<std::string> out;
  if (!container.kubelet_managed) out.push_back("not started by the kubelet");
  if (!container.compose_project.empty()) {
    out.push_back("compose " + container.compose_project + "/" + container.compose_service);
  }
  if (container.privileged) out.push_back("privileged");
  for (const auto& mount : container.mounts) {
    if (mount.source == "docker.sock" || mount.source.ends_with("/docker.sock") ||
        mount.destination == "/var/lib/docker") {
      out.push_back(mount.source.empty()
                        ? mount.type + " " + mount.name + " at " + mount.destination
                        : mount.source + " at " + mount.destination);
    }
  }
  return out;
}

std::string more_line(std::size_t shown, std::size_t total) {
  return total > shown
             ? fmt::format("    ... and {} more (-o json lists every one)\n", total - shown)
             : "";
}

}  // namespace

std::string render_engine_text(const node_facts& facts, bool color) {
  facts_painter paint{color};
  const engine_facts& engine = facts.engine;
  std::string out = "\n" + paint.bold("Docker Engine") + "\n";
  auto line = [&](const std::string& name, const std::string& value, const std::string& where) {
    out +=
        fmt::format("  {:<22} {}{}\n", name, value, where.empty() ? "" : paint.dim("  " + where));
  };
  if (!engine.queried) {
    // With --keep-going an unreachable daemon is an input error; without --docker-host there
    // is no input at all.
    for (const auto& input : facts.inputs) {
      if (input.kind == "docker engine API" && input.status != "read") {
        // The error's hint, if any, follows on its own line: the section stays aligned.
        std::string_view detail = input.detail;
        auto hint = detail.find('\n');
        line("reached", paint.yellow("no: " + std::string(detail.substr(0, hint))), input.path);
        if (hint != std::string_view::npos) {
          std::string_view rest = detail.substr(hint + 1);
          rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
          out += fmt::format("    {}\n", rest);
        }
        return out;
      }
    }
    line("reached", "not queried (no --docker-host)", "");
    return out;
  }
  line("reached", "yes", engine.endpoint);
  line("version", "Docker " + engine.server_version + ", API " + engine.api_version, "");
  std::string swarm = engine.swarm_state + (engine.swarm_manager ? " (manager)" : "");
  line("swarm", engine.swarm_state == "inactive" ? swarm : paint.yellow(swarm), "");
  line("log driver", engine.log_driver, "");
  line("cgroup driver",
       engine.cgroup_driver +
           (engine.cgroup_version.empty() ? "" : " (cgroup v" + engine.cgroup_version + ")"),
       "");
  line("storage driver", engine.storage_driver, "");
  line("data root", engine.data_root, "");
  line("runtimes",
       facts_list_or_none(engine.runtimes) +
           (engine.default_runtime.empty() ? "" : " (default " + engine.default_runtime + ")"),
       "");
  line("insecure registries", facts_list_or_none(engine.insecure_registries), "");
  line("registry mirrors", facts_list_or_none(engine.registry_mirrors), "");

  // Containers: counted; listed when they matter for the switch (kubelet pods do not).
  std::size_t running = 0, kubelet = 0, noted = 0;
  std::string listed;
  for (const auto& container : engine.containers) {
    if (container.state == "running") ++running;
    if (container.kubelet_managed) ++kubelet;
    auto found = container_findings(container);
    if (found.empty() || ++noted > facts_text_listed_items) continue;
    listed += fmt::format("    {:<20} {}, image {}: {}\n", container.name, container.state,
                          container.image, paint.yellow(facts_list_or_none(found)));
  }
  line("containers",
       engine.containers.empty() ? "(none)"
                                 : fmt::format("{}: {} running, {} started by the kubelet",
                                               engine.containers.size(), running, kubelet),
       "");
  out += listed + more_line(facts_text_listed_items, noted);

  // Images: only the local ones (no registry digest) are lost with Docker's store.
  std::size_t local = 0;
  listed.clear();
  for (const auto& image : engine.images) {
    if (!image.local_only || ++local > facts_text_listed_items) continue;
    listed += fmt::format(
        "    {:<20} {}{}\n",
        image.repo_tags.empty() ? "<untagged>" : facts_list_or_none(image.repo_tags),
        paint.yellow("local only, no registry digest"),
        paint.dim("  used by: " +
                  (image.used_by.empty() ? "no container" : facts_list_or_none(image.used_by))));
  }
  line("images",
       engine.images.empty() ? "(none)"
                             : fmt::format("{}, {} local only", engine.images.size(), local),
       "");
  out += listed + more_line(facts_text_listed_items, local);

  listed.clear();
  for (std::size_t i = 0; i < engine.volumes.size() && i < facts_text_listed_items; ++i) {
    const engine_volume& volume = engine.volumes[i];
    listed += fmt::format(
        "    {:<20} {}{}\n", volume.name, paint.yellow("driver " + volume.driver),
        paint.dim("  " + volume.mountpoint + ", used by: " +
                  (volume.used_by.empty() ? "no container" : facts_list_or_none(volume.used_by))));
  }
  line("volumes", engine.volumes.empty() ? "(none)" : std::to_string(engine.volumes.size()), "");
  out += listed + more_line(facts_text_listed_items, engine.volumes.size());

  listed.clear();
  for (std::size_t i = 0; i < engine.services.size() && i < facts_text_listed_items; ++i) {
    const engine_service& service = engine.services[i];
    listed += fmt::format("    {:<20} {}\n", service.name,
                          paint.yellow("image " + service.image + ", " + service.mode));
  }
  line("swarm services",
       engine.services.empty() ? "(none)" : std::to_string(engine.services.size()), "");
  out += listed + more_line(facts_text_listed_items, engine.services.size());
  return out;
}

}  // namespace deshim::analyze
