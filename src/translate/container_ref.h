// What a docker container argument is: an id, a name, or a dockershim name.
//
// crictl takes container and pod sandbox ids (or id prefixes), never names, while docker takes
// either. An argument that looks like an id (12 to 64 hexadecimal digits) is passed on as it
// is; anything else is a name the replacement has to look up with `crictl ps` or `crictl pods`
// when it runs. On a node that ran dockershim, names follow the kubelet's scheme
// (pkg/kubelet/dockershim/naming.go):
//
//   k8s_<container>_<pod>_<namespace>_<uid>_<attempt>   a container
//   k8s_POD_<pod>_<namespace>_<uid>_<attempt>           a pod sandbox (its pause container)
//
// with an optional 7th part, the random suffix dockershim added after a docker name conflict.
// The kubelet labels every CRI container with io.kubernetes.pod.name, .pod.namespace, .pod.uid
// and io.kubernetes.container.name, and every sandbox with the three pod labels
// (pkg/kubelet/kuberuntime/labels.go), so a dockershim name becomes label filters. The attempt
// is the container's restart count, which the kubelet keeps in an annotation: crictl cannot
// filter by it.
#pragma once

#include <string>
#include <string_view>

namespace deshim::translate {

enum class container_ref_kind {
  id,                    ///< 12 to 64 hexadecimal digits: crictl takes it as it is
  run_time,              ///< holds $VAR, $(...) or `...`: unknown until the line runs, kept
  name,                  ///< a docker container name
  dockershim_container,  ///< k8s_<container>_<pod>_<namespace>_<uid>_<attempt>
  dockershim_sandbox,    ///< k8s_POD_<pod>_<namespace>_<uid>_<attempt>
};

struct container_ref {
  container_ref_kind kind = container_ref_kind::name;
  std::string text;  ///< the argument's value (quotes removed)
  // Parts of a dockershim name (empty otherwise).
  std::string container;  ///< empty for a sandbox
  std::string pod;
  std::string pod_namespace;
  std::string uid;      ///< empty when the name has none (k8s_web_pod_ns__0)
  std::string attempt;  ///< decimal, as written
  std::string suffix;   ///< the random suffix of a 7-part name
};

/// Classifies a container argument. `expands`: the word holds a shell expansion.
container_ref classify_container_ref(std::string_view value, bool expands);

/// True for 12 to 64 lowercase hexadecimal digits (docker's short and full ids).
bool looks_like_container_id(std::string_view value);

/// Escapes the characters Go's regexp syntax (RE2, which crictl's --name uses) gives a meaning,
/// so the pattern matches the text literally: `a.b` -> `a\.b`.
std::string regex_escape(std::string_view text);

/// `^<escaped>$`: a crictl --name / --namespace pattern that matches exactly `text`.
std::string exact_pattern(std::string_view text);

}  // namespace deshim::translate
