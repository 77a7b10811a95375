// The test harness in one include: real containerd, dockerd and docker-registry in temporary
// folders, tiny busybox images without network, and checks for what a test leaves behind.
//
// A typical integration test:
//
//   #include "harness/harness.h"
//   using namespace deshim::testing;
//
//   TEST(migrate_boot, migrated_config_serves_cri) {
//     DESHIM_REQUIRE_DAEMONS();                      // skip off-root; fail under CI=true
//     auto scope = start_leftover_scope();
//     auto docker = docker_daemon::start();           // dockerd on its own containerd
//     ASSERT_TRUE(docker) << docker.error().describe();
//     ASSERT_TRUE(import_busybox_image(*docker, "busybox:test"));
//     auto work = temp_folder::create("migrate");
//     ASSERT_TRUE(save_image(*docker, "busybox:test", *work / "busybox.tar"));
//     auto containerd = containerd_daemon::start({.config_toml = migrated_config_text});
//     ASSERT_TRUE(containerd) << containerd.error().describe();
//     ASSERT_TRUE(containerd->ctr_output({"-n", "k8s.io", "images", "import",
//                                        (*work / "busybox.tar").string()}));
//     scope.pids = {docker->pid(), containerd->pid()};
//     scope.folders = {docker->folder(), containerd->folder()};
//     ASSERT_TRUE(docker->stop_and_remove());
//     ASSERT_TRUE(containerd->stop_and_remove());
//     EXPECT_EQ(find_leftovers(scope).describe(), "");
//   }
#pragma once

#include "harness/busybox_image.h"
#include "harness/checked_run.h"
#include "harness/containerd_config.h"
#include "harness/containerd_daemon.h"
#include "harness/daemon_requirements.h"
#include "harness/docker_daemon.h"
#include "harness/http_get.h"
#include "harness/leftovers.h"
#include "harness/mount_table.h"
#include "harness/readiness.h"
#include "harness/registry_daemon.h"
#include "harness/suite_daemons.h"
#include "harness/temp_folder.h"
