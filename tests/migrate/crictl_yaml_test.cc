#include "migrate/crictl_yaml.h"

#include <gtest/gtest.h>

namespace deshim::migrate {
namespace {

TEST(crictl_yaml, new_file_points_at_containerd) {
  EXPECT_EQ(crictl_yaml("/run/containerd/containerd.sock", std::nullopt),
            "# crictl talks to containerd's CRI plugin (written by deshim migrate).\n"
            "timeout: 10\n"
            "runtime-endpoint: unix:///run/containerd/containerd.sock\n"
            "image-endpoint: unix:///run/containerd/containerd.sock\n");
}

TEST(crictl_yaml, keeps_other_keys_and_replaces_endpoints) {
  EXPECT_EQ(crictl_yaml("/run/containerd/containerd.sock",
                        std::string("runtime-endpoint: unix:///var/run/dockershim.sock\n"
                                    "debug: true\n"
                                    "image-endpoint: unix:///var/run/dockershim.sock\n")),
            "debug: true\n"
            "runtime-endpoint: unix:///run/containerd/containerd.sock\n"
            "image-endpoint: unix:///run/containerd/containerd.sock\n");
}

}  // namespace
}  // namespace deshim::migrate
