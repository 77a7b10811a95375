// Reader of the marks a managed Kubernetes service leaves on its nodes. Only Tencent's TKE
// for now: its node pools own the node's runtime setting, so a node switched in place goes
// back to Docker on a reinstall, a scale-out or a pool upgrade (rules/tke-node-pool.yaml).
//
// TKE's marks, each seen on public TKE nodes (examples/nodes/README.md lists the sources):
// the kubelet's --cloud-config=/etc/kubernetes/qcloud.conf, --provider-id=qcloud:///...,
// --cloud-provider=qcloud (older clusters, TKE's own kubelet build), a
// tke.cloud.tencent.com/ taint or label, and the file /etc/kubernetes/qcloud.conf itself.
#pragma once

#include "analyze/node_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::analyze {

/// Fills `facts.platform`; run after the kubelet reader (it reads the kubelet's flags).
result<void> read_managed_platform(const rooted_fs& fs, node_facts& facts);

}  // namespace deshim::analyze
