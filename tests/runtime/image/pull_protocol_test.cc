#include "runtime/image/pull_protocol.h"

#include <gtest/gtest.h>

namespace deshim::runtime {
namespace {

pull_request sample_request() {
  pull_request request;
  request.image_root = "/var/lib/deshim/io.containerd.grpc.v1.cri";
  request.snapshotter = "overlayfs";
  request.registry_config_path = "/etc/containerd/certs.d";
  request.max_concurrent_downloads = 5;
  request.reference = "docker.io/library/busybox:1.36";
  return request;
}

TEST(pull_protocol, arguments_round_trip_with_the_reference_after_a_separator) {
  auto args = pull_child_arguments(sample_request());
  EXPECT_EQ(args, (std::vector<std::string>{
                      "--image-root", "/var/lib/deshim/io.containerd.grpc.v1.cri", "--snapshotter",
                      "overlayfs", "--max-concurrent-downloads", "5", "--registry-config-path",
                      "/etc/containerd/certs.d", "--", "docker.io/library/busybox:1.36"}));
  auto parsed = parse_pull_child_arguments(args);
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(parsed->image_root, sample_request().image_root);
  EXPECT_EQ(parsed->snapshotter, "overlayfs");
  EXPECT_EQ(parsed->registry_config_path, sample_request().registry_config_path);
  EXPECT_EQ(parsed->max_concurrent_downloads, 5);
  EXPECT_EQ(parsed->reference, "docker.io/library/busybox:1.36");

  auto options = options_for(*parsed);
  EXPECT_EQ(options.root, sample_request().image_root);
  EXPECT_EQ(options.snapshotter, "overlayfs");
  EXPECT_EQ(options.max_concurrent_downloads, 5);
  EXPECT_TRUE(options.pinned_images.empty());
}

TEST(pull_protocol, no_hosts_folder_means_no_argument_for_it) {
  auto request = sample_request();
  request.registry_config_path.clear();
  request.reference = "-looks-like-a-flag";
  auto args = pull_child_arguments(request);
  EXPECT_EQ(std::count(args.begin(), args.end(), "--registry-config-path"), 0);
  auto parsed = parse_pull_child_arguments(args);
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_TRUE(parsed->registry_config_path.empty());
  EXPECT_EQ(parsed->reference, "-looks-like-a-flag");
}

TEST(pull_protocol, bad_arguments_are_usage_errors_that_name_the_argument) {
  struct bad_case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<bad_case> cases = {
      {{}, "--image-root needs an absolute path"},
      {{"--image-root", "relative", "--snapshotter", "native", "--max-concurrent-downloads", "1",
        "--", "busybox"},
       "--image-root needs an absolute path"},
      {{"--image-root", "/r", "--snapshotter", "zfs", "--", "busybox"},
       "--snapshotter must be overlayfs or native, not \"zfs\""},
      {{"--image-root", "/r", "--snapshotter", "native", "--max-concurrent-downloads", "0", "--",
        "busybox"},
       "--max-concurrent-downloads must be a positive number, not \"0\""},
      {{"--image-root", "/r", "--snapshotter", "native", "--max-concurrent-downloads", "3x", "--",
        "busybox"},
       "--max-concurrent-downloads must be a positive number, not \"3x\""},
      {{"--image-root", "/r", "--snapshotter", "native", "--max-concurrent-downloads", "2"},
       "the image reference is missing (after --)"},
      {{"--image-root", "/r", "--snapshotter", "native", "--max-concurrent-downloads", "2", "--",
        "a", "b"},
       "expected one image reference after --"},
      {{"--image-root", "/r", "--snapshotter", "native", "--max-concurrent-downloads", "2", "--",
        ""},
       "the image reference is missing (after --)"},
      {{"--image-root", "/r", "--snapshotter", "native", "--max-concurrent-downloads", "2",
        "--password", "secret", "--", "busybox"},
       "unknown argument --password"},
      {{"--image-root"}, "--image-root needs a value"},
      {{"--image-root", "/r", "--max-concurrent-downloads", "2", "--", "busybox"},
       "--snapshotter is missing"},
      {{"--image-root", "/r", "--snapshotter", "native", "--", "busybox"},
       "--max-concurrent-downloads is missing"},
  };
  for (const auto& bad : cases) {
    auto parsed = parse_pull_child_arguments(bad.args);
    ASSERT_FALSE(parsed.ok()) << bad.message;
    EXPECT_EQ(parsed.error().kind(), error_kind::usage);
    EXPECT_EQ(parsed.error().message(), "deshim runtime pull: " + bad.message);
  }
}

TEST(pull_protocol, credentials_round_trip_and_stay_out_of_the_arguments) {
  registry_credentials credentials;
  credentials.username = "alice";
  credentials.password = "s3cr\"et";
  credentials.auth = "YWxpY2U6czNjcmV0";
  credentials.identity_token = "id";
  credentials.registry_token = "reg";
  credentials.server_address = "registry.example:5000";
  std::string text = encode_credentials(credentials);
  auto decoded = decode_credentials(text);
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(decoded->username, "alice");
  EXPECT_EQ(decoded->password, "s3cr\"et");
  EXPECT_EQ(decoded->auth, "YWxpY2U6czNjcmV0");
  EXPECT_EQ(decoded->identity_token, "id");
  EXPECT_EQ(decoded->registry_token, "reg");
  EXPECT_EQ(decoded->server_address, "registry.example:5000");
  for (const auto& arg : pull_child_arguments(sample_request()))
    EXPECT_EQ(arg.find("s3cr"), std::string::npos);

  auto none = decode_credentials("{}");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(pull_protocol, every_prefix_of_the_credentials_is_refused_without_a_crash) {
  registry_credentials credentials;
  credentials.username = "alice";
  credentials.password = "secret";
  std::string text = encode_credentials(credentials);
  for (size_t length = 0; length < text.size(); ++length) {
    auto decoded = decode_credentials(text.substr(0, length));
    ASSERT_FALSE(decoded.ok()) << length;
    EXPECT_EQ(decoded.error().kind(), error_kind::usage);
  }
  auto wrong_type = decode_credentials(R"({"password": 7})");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().message(),
            "deshim runtime pull: credential \"password\" is not a string");
  EXPECT_FALSE(decode_credentials("[]").ok());
}

TEST(pull_protocol, an_image_id_answer_round_trips) {
  std::string text = encode_pull_answer(result<std::string>(std::string("sha256:abc")));
  EXPECT_EQ(text, "{\"image_id\":\"sha256:abc\"}\n");
  auto answer = decode_pull_answer(text);
  ASSERT_TRUE(answer.ok());
  ASSERT_TRUE(answer->ok());
  EXPECT_EQ(**answer, "sha256:abc");
}

TEST(pull_protocol, an_error_answer_keeps_kind_message_hint_and_location) {
  for (auto kind : {error_kind::invalid_input, error_kind::usage, error_kind::not_found,
                    error_kind::environment, error_kind::internal}) {
    error failure(kind, "pulling docker.io/library/nope:1: not found",
                  source_location("hosts.toml", 3, 7, "server"), "check the name");
    auto answer = decode_pull_answer(encode_pull_answer(result<std::string>(failure)));
    ASSERT_TRUE(answer.ok()) << answer.error().describe();
    ASSERT_FALSE(answer->ok());
    const error& back = answer->error();
    EXPECT_EQ(back.kind(), kind);
    EXPECT_EQ(back.message(), failure.message());
    EXPECT_EQ(back.hint(), "check the name");
    EXPECT_EQ(back.where().file, "hosts.toml");
    EXPECT_EQ(back.where().line, 3);
    EXPECT_EQ(back.where().column, 7);
    EXPECT_EQ(back.where().field, "server");
    EXPECT_EQ(back.describe(), failure.describe());
  }
}

TEST(pull_protocol, no_answer_is_an_environment_error_never_a_crash) {
  std::string text = encode_pull_answer(
      result<std::string>(error(error_kind::not_found, "manifest unknown", {}, "check the tag")));
  // Every prefix (a child killed while writing) and the whole answer minus its newline.
  for (size_t length = 0; length + 1 < text.size(); ++length) {
    auto answer = decode_pull_answer(text.substr(0, length));
    ASSERT_FALSE(answer.ok()) << length;
    EXPECT_EQ(answer.error().kind(), error_kind::environment);
    EXPECT_NE(answer.error().message().find("the pull child gave no answer"), std::string::npos);
  }
  EXPECT_TRUE(decode_pull_answer(text.substr(0, text.size() - 1)).ok());
  for (const char* bad : {R"({"image_id": 3})", R"({"image_id": ""})", R"({"other": 1})",
                          R"({"error": {"kind": "weird", "message": "m"}})",
                          R"({"error": {"kind": "internal", "message": ""}})",
                          R"({"error": {"kind": "internal", "message": "m", "hint": 1}})"}) {
    auto answer = decode_pull_answer(bad);
    ASSERT_FALSE(answer.ok()) << bad;
    EXPECT_EQ(answer.error().kind(), error_kind::environment) << bad;
  }
}

}  // namespace
}  // namespace deshim::runtime
