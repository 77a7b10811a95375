// Unpacked layers ("snapshots"), named by chain id, under `<root>/snapshots/`.
//
// Layer n of an image is unpacked once per chain (its diff id and every layer below it), so
// images sharing base layers share their snapshots. Two kinds, chosen from the config's
// `snapshotter` and what the machine can do: `overlayfs` keeps each layer's own files (with
// overlay whiteouts) and a container's root is an overlay mount of the chain; `native` copies
// the parent and applies the layer on top, for machines without overlayfs (or without root).
// A snapshot is built in a scratch folder and renamed into place only once complete and its
// diff id checked, so a failed unpack leaves nothing.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace deshim::runtime {

enum class snapshot_kind { overlayfs, native };

/// overlayfs when asked for and the kernel has it and we are root; native otherwise.
snapshot_kind choose_snapshot_kind(const std::string& configured);
const char* to_string(snapshot_kind kind);

/// The OCI chain id of a layer given the chain id below it ("" for the first layer).
std::string chain_id(const std::string& parent_chain, const std::string& diff_id);

class snapshotter {
 public:
  snapshotter(std::filesystem::path root, snapshot_kind kind)
      : root_(std::move(root)), kind_(kind) {}
  result<void> init() const;
  /// Removes the scratch folders of unpacks that did not finish (a crash, a killed pull
  /// child). Only under the exclusive ingest lock: a running unpack's folder looks the same.
  void remove_scratch_leftovers() const;
  snapshot_kind kind() const { return kind_; }

  bool has(const std::string& chain) const;
  /// Unpacks `layer_blob` as snapshot `chain` on top of `parent_chain` and checks that the
  /// uncompressed stream hashes to `diff_id`. Defined in snapshot_unpack.cc, which needs
  /// libarchive: only the full deshim binary links it, deshim-cri never unpacks.
  result<void> apply(const std::string& parent_chain, const std::string& chain,
                     const std::string& diff_id, const std::filesystem::path& layer_blob) const;
  /// The folders making up a root file system, topmost first (one folder for `native`).
  std::vector<std::filesystem::path> layer_dirs(const std::string& chain) const;
  result<void> remove(const std::string& chain) const;
  std::vector<std::string> list() const;
  std::filesystem::path dir(const std::string& chain) const;

 private:
  std::filesystem::path root_;
  snapshot_kind kind_;
};

}  // namespace deshim::runtime
