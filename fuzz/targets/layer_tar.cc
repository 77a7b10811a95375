// Fuzz target: the layer unpacker (tar, optionally gzip), into a scratch folder emptied after
// each input. Both whiteout modes.
#include <filesystem>

#include "fuzz_input.h"
#include "runtime/transfer/layer_unpack.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& node = deshim::fuzz::scratch_node::get();
  node.write("/layer.tar", deshim::fuzz::as_text(data, size));
  for (auto mode :
       {deshim::runtime::whiteout_mode::apply, deshim::runtime::whiteout_mode::overlay}) {
    std::filesystem::path target = node.root() / "unpacked";
    std::error_code ec;
    std::filesystem::remove_all(target, ec);
    std::filesystem::create_directories(target);
    (void)deshim::runtime::unpack_layer(node.root() / "layer.tar", target, mode);
    std::filesystem::remove_all(target, ec);
  }
  return 0;
}
