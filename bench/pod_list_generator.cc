#include "pod_list_generator.h"

#include <fmt/format.h>

#include <array>
#include <string>
#include <vector>

namespace deshim::bench {
namespace {

/// A small deterministic generator (xorshift), so every run writes the same file.
class random_source {
 public:
  explicit random_source(std::uint32_t seed) : state_(seed * 2654435761u + 1) {}
  std::uint32_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }
  std::uint32_t below(std::uint32_t n) { return next() % n; }
  template <typename T, std::size_t N>
  const T& pick(const std::array<T, N>& items) {
    return items[below(N)];
  }

 private:
  std::uint32_t state_;
};

constexpr std::array<const char*, 8> namespaces = {"default",    "kube-system", "shop", "payments",
                                                   "monitoring", "logging",     "ci",   "data"};
constexpr std::array<const char*, 10> apps = {
    "frontend", "cart",     "checkout",   "api",           "worker",
    "redis",    "postgres", "fluent-bit", "node-exporter", "jenkins-agent"};
constexpr std::array<const char*, 10> images = {
    "nginx:1.25.3",
    "registry.example.com/shop/cart:2.14.1",
    "registry.example.com/shop/"
    "checkout@sha256:9f2c1c5d0b3e7a4c1f8e2d6b5a4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c",
    "redis:7.2-alpine",
    "postgres:15.4",
    "fluent/fluent-bit:2.1.10",
    "quay.io/prometheus/node-exporter:v1.6.1",
    "jenkins/inbound-agent:3148.v532a_7e715ee3-1",
    "docker:24.0.7-cli",
    "gcr.io/distroless/java17-debian12:nonroot"};
constexpr std::array<const char*, 6> host_paths = {"/var/log",       "/var/lib/docker/containers",
                                                   "/etc/ssl/certs", "/run/xtables.lock",
                                                   "/proc",          "/sys"};

std::string uid(random_source& random) {
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:08x}{:04x}", random.next(),
                     random.next() & 0xffff, random.next() & 0xffff, random.next() & 0xffff,
                     random.next(), random.next() & 0xffff);
}

void write_container(std::string& out, random_source& random, const std::string& name,
                     const char* image, const std::vector<std::string>& mounts, bool last) {
  fmt::format_to(std::back_inserter(out),
                 R"(                    {{
                        "name": "{}",
                        "image": "{}",
                        "imagePullPolicy": "IfNotPresent",
                        "command": [
                            "/bin/sh",
                            "-c"
                        ],
                        "args": [
                            "exec /app/{} --config=/etc/{}/config.yaml --port=8080 --log-level=info"
                        ],
                        "ports": [
                            {{
                                "containerPort": 8080,
                                "name": "http",
                                "protocol": "TCP"
                            }}
                        ],
                        "env": [
)",
                 name, image, name, name);
  int env_count = 4 + static_cast<int>(random.below(8));
  for (int i = 0; i < env_count; ++i) {
    fmt::format_to(std::back_inserter(out),
                   R"(                            {{
                                "name": "SETTING_{}_{}",
                                "value": "value-{:x}-{}"
                            }},
)",
                   i, random.below(100), random.next(), name);
  }
  out += R"(                            {
                                "name": "POD_NAME",
                                "valueFrom": {
                                    "fieldRef": {
                                        "apiVersion": "v1",
                                        "fieldPath": "metadata.name"
                                    }
                                }
                            }
                        ],
                        "resources": {
                            "limits": {
                                "cpu": "500m",
                                "memory": "512Mi"
                            },
                            "requests": {
                                "cpu": "100m",
                                "memory": "128Mi"
                            }
                        },
                        "livenessProbe": {
                            "httpGet": {
                                "path": "/healthz",
                                "port": 8080,
                                "scheme": "HTTP"
                            },
                            "initialDelaySeconds": 10,
                            "periodSeconds": 10,
                            "timeoutSeconds": 1,
                            "successThreshold": 1,
                            "failureThreshold": 3
                        },
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                        "volumeMounts": [
)";
  for (std::size_t i = 0; i < mounts.size(); ++i) {
    fmt::format_to(std::back_inserter(out),
                   R"(                            {{
                                "name": "{}",
                                "mountPath": "/mnt/{}"{}
                            }}{}
)",
                   mounts[i], mounts[i],
                   i == 0 ? ",\n                                \"readOnly\": true" : "",
                   i + 1 < mounts.size() ? "," : "");
  }
  out += "                        ]\n                    }";
  out += last ? "\n" : ",\n";
}

/// One pod, as kubectl prints it inside `items` (8 spaces of indent). Returns whether it mounts
/// the Docker socket.
bool write_pod(std::string& out, random_source& random, std::uint64_t number) {
  const char* ns = random.pick(namespaces);
  const char* app = random.pick(apps);
  std::string hash = fmt::format("{:x}", random.next() & 0xfffffff);
  std::string name = fmt::format("{}-{}-{:05x}", app, hash, number & 0xfffff);
  bool docker_socket = random.below(40) == 0;
  bool extra_host_path = random.below(5) == 0;
  const char* host_path = random.pick(host_paths);
  int containers = 1 + static_cast<int>(random.below(3));

  fmt::format_to(std::back_inserter(out), R"(        {{
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {{
                "annotations": {{
                    "kubectl.kubernetes.io/restartedAt": "2026-11-0{}T10:{:02}:00Z",
                    "prometheus.io/port": "8080",
                    "prometheus.io/scrape": "true"
                }},
                "creationTimestamp": "2026-11-2{}T0{}:{:02}:{:02}Z",
                "generateName": "{}-{}-",
                "labels": {{
                    "app": "{}",
                    "app.kubernetes.io/part-of": "{}",
                    "pod-template-hash": "{}",
                    "tier": "backend"
                }},
                "managedFields": [
                    {{
                        "apiVersion": "v1",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {{
                            "f:metadata": {{
                                "f:generateName": {{}},
                                "f:labels": {{
                                    ".": {{}},
                                    "f:app": {{}},
                                    "f:pod-template-hash": {{}}
                                }},
                                "f:ownerReferences": {{
                                    ".": {{}},
                                    "k:{{\"uid\":\"{}\"}}": {{}}
                                }}
                            }},
                            "f:spec": {{
                                "f:containers": {{
                                    "k:{{\"name\":\"{}\"}}": {{
                                        ".": {{}},
                                        "f:image": {{}},
                                        "f:imagePullPolicy": {{}},
                                        "f:name": {{}},
                                        "f:resources": {{}}
                                    }}
                                }},
                                "f:dnsPolicy": {{}},
                                "f:restartPolicy": {{}},
                                "f:schedulerName": {{}}
                            }}
                        }},
                        "manager": "kube-controller-manager",
                        "operation": "Update",
                        "time": "2026-11-20T08:00:00Z"
                    }},
                    {{
                        "apiVersion": "v1",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {{
                            "f:status": {{
                                "f:conditions": {{
                                    "k:{{\"type\":\"ContainersReady\"}}": {{
                                        ".": {{}},
                                        "f:lastProbeTime": {{}},
                                        "f:lastTransitionTime": {{}},
                                        "f:status": {{}},
                                        "f:type": {{}}
                                    }},
                                    "k:{{\"type\":\"Initialized\"}}": {{
                                        ".": {{}},
                                        "f:lastProbeTime": {{}},
                                        "f:lastTransitionTime": {{}},
                                        "f:status": {{}},
                                        "f:type": {{}}
                                    }},
                                    "k:{{\"type\":\"Ready\"}}": {{
                                        ".": {{}},
                                        "f:lastProbeTime": {{}},
                                        "f:lastTransitionTime": {{}},
                                        "f:status": {{}},
                                        "f:type": {{}}
                                    }}
                                }},
                                "f:containerStatuses": {{}},
                                "f:hostIP": {{}},
                                "f:phase": {{}},
                                "f:podIP": {{}},
                                "f:podIPs": {{
                                    ".": {{}},
                                    "k:{{\"ip\":\"198.19.{}.{}\"}}": {{
                                        ".": {{}},
                                        "f:ip": {{}}
                                    }}
                                }},
                                "f:startTime": {{}}
                            }}
                        }},
                        "manager": "kubelet",
                        "operation": "Update",
                        "subresource": "status",
                        "time": "2026-11-20T08:00:12Z"
                    }}
                ],
                "name": "{}",
                "namespace": "{}",
                "ownerReferences": [
                    {{
                        "apiVersion": "apps/v1",
                        "blockOwnerDeletion": true,
                        "controller": true,
                        "kind": "ReplicaSet",
                        "name": "{}-{}",
                        "uid": "{}"
                    }}
                ],
                "resourceVersion": "{}",
                "uid": "{}"
            }},
            "spec": {{
                "containers": [
)",
                 random.below(9) + 1, random.below(60), random.below(9), random.below(10),
                 random.below(60), random.below(60), app, hash, app, ns, hash, uid(random), app,
                 random.below(256), random.below(256), name, ns, app, hash, uid(random),
                 random.next() % 90000000 + 1000000, uid(random));

  std::vector<std::string> mounts = {"kube-api-access", "config"};
  if (extra_host_path) mounts.push_back("host");
  for (int i = 0; i < containers; ++i) {
    std::vector<std::string> these = mounts;
    if (docker_socket && i == 0) these.push_back("docker-sock");
    std::string container_name = i == 0 ? app : fmt::format("{}-sidecar-{}", app, i);
    const char* image = i == 0 ? random.pick(images) : "busybox:1.36";
    write_container(out, random, container_name, image, these, i + 1 == containers);
  }
  fmt::format_to(std::back_inserter(out), R"(                ],
                "dnsPolicy": "ClusterFirst",
                "enableServiceLinks": true,
                "nodeName": "node-{}",
                "preemptionPolicy": "PreemptLowerPriority",
                "priority": 0,
                "restartPolicy": "Always",
                "schedulerName": "default-scheduler",
                "securityContext": {{}},
                "serviceAccount": "default",
                "serviceAccountName": "default",
                "terminationGracePeriodSeconds": 30,
                "tolerations": [
                    {{
                        "effect": "NoExecute",
                        "key": "node.kubernetes.io/not-ready",
                        "operator": "Exists",
                        "tolerationSeconds": 300
                    }}
                ],
                "volumes": [
                    {{
                        "name": "kube-api-access",
                        "projected": {{
                            "defaultMode": 420,
                            "sources": [
                                {{
                                    "serviceAccountToken": {{
                                        "expirationSeconds": 3607,
                                        "path": "token"
                                    }}
                                }},
                                {{
                                    "configMap": {{
                                        "items": [
                                            {{
                                                "key": "ca.crt",
                                                "path": "ca.crt"
                                            }}
                                        ],
                                        "name": "kube-root-ca.crt"
                                    }}
                                }}
                            ]
                        }}
                    }},
                    {{
                        "configMap": {{
                            "defaultMode": 420,
                            "name": "{}-config"
                        }},
                        "name": "config"
                    }})",
                 random.below(500), app);
  if (extra_host_path) {
    fmt::format_to(std::back_inserter(out), R"(,
                    {{
                        "hostPath": {{
                            "path": "{}",
                            "type": "Directory"
                        }},
                        "name": "host"
                    }})",
                   host_path);
  }
  if (docker_socket) {
    out += R"(,
                    {
                        "hostPath": {
                            "path": "/var/run/docker.sock",
                            "type": "Socket"
                        },
                        "name": "docker-sock"
                    })";
  }
  fmt::format_to(std::back_inserter(out), R"(
                ]
            }},
            "status": {{
                "conditions": [
                    {{
                        "lastProbeTime": null,
                        "lastTransitionTime": "2026-11-20T08:00:0{}Z",
                        "status": "True",
                        "type": "Initialized"
                    }},
                    {{
                        "lastProbeTime": null,
                        "lastTransitionTime": "2026-11-20T08:00:1{}Z",
                        "status": "True",
                        "type": "Ready"
                    }},
                    {{
                        "lastProbeTime": null,
                        "lastTransitionTime": "2026-11-20T08:00:1{}Z",
                        "status": "True",
                        "type": "ContainersReady"
                    }}
                ],
                "containerStatuses": [
                    {{
                        "containerID": "docker://{:08x}{:08x}{:08x}{:08x}",
                        "image": "{}",
                        "imageID": "docker-pullable://{}@sha256:{:08x}{:08x}",
                        "lastState": {{}},
                        "name": "{}",
                        "ready": true,
                        "restartCount": {},
                        "started": true,
                        "state": {{
                            "running": {{
                                "startedAt": "2026-11-20T08:00:12Z"
                            }}
                        }}
                    }}
                ],
                "hostIP": "198.18.{}.{}",
                "phase": "Running",
                "podIP": "198.19.{}.{}",
                "podIPs": [
                    {{
                        "ip": "198.19.{}.{}"
                    }}
                ],
                "qosClass": "Burstable",
                "startTime": "2026-11-20T08:00:00Z"
            }}
        }})",
                 random.below(10), random.below(10), random.below(10), random.next(), random.next(),
                 random.next(), random.next(), app, app, random.next(), random.next(), app,
                 random.below(4), random.below(256), random.below(256), random.below(256),
                 random.below(256), random.below(256), random.below(256));
  return docker_socket;
}

}  // namespace

generated_list generate_pod_list(std::FILE* out, std::uint64_t target_bytes, std::uint32_t seed) {
  random_source random(seed);
  generated_list result;
  std::string buffer = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n";
  buffer.reserve(1 << 20);
  for (;;) {
    if (write_pod(buffer, random, result.pods)) ++result.docker_socket_pods;
    ++result.pods;
    bool done = result.bytes + buffer.size() >= target_bytes;
    buffer += done ? "\n" : ",\n";
    if (done) {
      buffer +=
          "    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": "
          "\"\"\n    }\n}\n";
    }
    if (buffer.size() >= (1 << 20) || done) {
      std::fwrite(buffer.data(), 1, buffer.size(), out);
      result.bytes += buffer.size();
      buffer.clear();
    }
    if (done) break;
  }
  return result;
}

}  // namespace deshim::bench
