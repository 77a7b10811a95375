// Sizes as Docker and Kubernetes write them.
//
// Docker (go-units `FromHumanSize`, used by the json-file driver for `max-size`) reads
// `100m`, `1.5GB`, `10 kB` with decimal multipliers: `100m` is 100,000,000 bytes. The kubelet
// reads Kubernetes quantities (`100Mi`, `128974848`, `129e6`, `123M`). When deshim carries a
// Docker size over to the kubelet it keeps the number and takes the binary unit of the same
// letter (`100m` -> `100Mi`), as TKE's own migration guide does: the limit grows by at most
// 2.4% per unit step, never shrinks, and reads the way operators wrote it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace deshim {

/// Bytes of a Docker size string (`100m`, `1.5g`, `10 kB`, `2048`); decimal units.
result<std::int64_t> parse_docker_size(std::string_view text);

/// Bytes of a Kubernetes quantity used for a size (`100Mi`, `1G`, `5e3`, `1024`). Fractions
/// of a byte are rounded up, as the kubelet's `Value()` does.
result<std::int64_t> parse_kube_quantity(std::string_view text);

/// The kubelet quantity for a Docker size: same number, binary unit of the same letter,
/// written with the largest unit that keeps it whole (`100m` -> `100Mi`, `1.5g` -> `1536Mi`).
result<std::string> docker_size_to_kube_quantity(std::string_view docker_size);

/// `104857600` -> `100Mi`: the largest binary unit that divides the bytes, or plain bytes.
std::string format_binary_quantity(std::int64_t bytes);

}  // namespace deshim
