// Fuzz target: OCI and Docker image manifests, indexes and image configs.
#include "runtime/image/image_manifest.h"

#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(deshim::fuzz::as_text(data, size));
  (void)deshim::runtime::parse_manifest(text, "manifest");
  if (auto index = deshim::runtime::parse_index(text, "index")) {
    (void)deshim::runtime::select_platform(*index, "index");
  }
  (void)deshim::runtime::parse_image_config(text, "config");
  return 0;
}
