// Test helper: an image_service on the native snapshotter in a scratch folder, as the image
// tests open it.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "runtime/image/image_service.h"
#include "runtime/tar_builder.h"

namespace deshim::runtime::testing {

struct native_image_service {
  scratch_dir dir;
  std::unique_ptr<image_service> images;
  native_image_service() {
    image_service_options options;
    options.root = dir / "root";
    options.snapshotter = "native";
    auto opened = image_service::open(options);
    EXPECT_TRUE(opened.ok()) << opened.error().describe();
    if (opened) images = std::move(*opened);
  }
};

}  // namespace deshim::runtime::testing
