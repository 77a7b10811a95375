// Which container arguments are ids, names and dockershim names, and how a name becomes a
// literal crictl --name pattern.
#include "translate/container_ref.h"

#include <gtest/gtest.h>

namespace deshim::translate {
namespace {

TEST(container_ref, ids_stay_and_everything_else_is_a_name) {
  for (const std::string& id : std::vector<std::string>{
           "0123456789ab", "c0ffee123456", std::string(64, 'f'),
           "4f1c9a5e8b2d7c3e6f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6"}) {
    EXPECT_EQ(classify_container_ref(id, false).kind, container_ref_kind::id) << id;
  }
  for (const std::string& name :
       std::vector<std::string>{"web", "0123456789a" /* 11 hex digits: too short for an id */,
                                std::string(65, 'f'), "0123456789AB" /* docker ids are lowercase */,
                                "my.app", "web-1", "k8s_web", "0123456789ag"}) {
    auto ref = classify_container_ref(name, false);
    EXPECT_EQ(ref.kind, container_ref_kind::name) << name;
    EXPECT_EQ(ref.text, name);
  }
  EXPECT_EQ(classify_container_ref("$CID", true).kind, container_ref_kind::run_time);
  EXPECT_EQ(classify_container_ref("k8s_web_$POD_default_u_0", true).kind,
            container_ref_kind::run_time);
}

TEST(container_ref, dockershim_container_names) {
  auto ref = classify_container_ref(
      "k8s_nginx_web-7d4b9_prod_0c1d2e3f-aaaa-bbbb-cccc-0123456789ab_3", false);
  EXPECT_EQ(ref.kind, container_ref_kind::dockershim_container);
  EXPECT_EQ(ref.container, "nginx");
  EXPECT_EQ(ref.pod, "web-7d4b9");
  EXPECT_EQ(ref.pod_namespace, "prod");
  EXPECT_EQ(ref.uid, "0c1d2e3f-aaaa-bbbb-cccc-0123456789ab");
  EXPECT_EQ(ref.attempt, "3");
  EXPECT_EQ(ref.suffix, "");

  auto no_uid = classify_container_ref("k8s_nginx_web_prod__0", false);
  EXPECT_EQ(no_uid.kind, container_ref_kind::dockershim_container);
  EXPECT_EQ(no_uid.uid, "");
  EXPECT_EQ(no_uid.attempt, "0");

  // Pod names may hold dots (DNS subdomains); the 7th part is dockershim's random suffix.
  auto suffixed = classify_container_ref(
      "k8s_etcd_etcd-node1.example.com_kube-system_"
      "a1b2c3d4e5f60718293a4b5c6d7e8f90_12_1f2e3d4c",
      false);
  EXPECT_EQ(suffixed.kind, container_ref_kind::dockershim_container);
  EXPECT_EQ(suffixed.pod, "etcd-node1.example.com");
  EXPECT_EQ(suffixed.attempt, "12");
  EXPECT_EQ(suffixed.suffix, "1f2e3d4c");
}

TEST(container_ref, dockershim_sandbox_names) {
  auto ref = classify_container_ref("k8s_POD_web-7d4b9_prod_0c1d2e3f_1", false);
  EXPECT_EQ(ref.kind, container_ref_kind::dockershim_sandbox);
  EXPECT_EQ(ref.container, "");
  EXPECT_EQ(ref.pod, "web-7d4b9");
  EXPECT_EQ(ref.pod_namespace, "prod");
  EXPECT_EQ(ref.uid, "0c1d2e3f");
  EXPECT_EQ(ref.attempt, "1");
  EXPECT_EQ(classify_container_ref("k8s_POD_web_prod__0", false).kind,
            container_ref_kind::dockershim_sandbox);
}

TEST(container_ref, almost_dockershim_names_are_plain_names) {
  for (const std::string name : {
           "k8s_web_pod_ns_uid",        // five parts
           "k8s_web_pod_ns_uid_x",      // the attempt is not a number
           "k8s_web_pod_ns_uid_-1",     // nor is this
           "k8s__pod_ns_uid_0",         // no container
           "k8s_web__ns_uid_0",         // no pod
           "k8s_web_pod__uid_0",        // no namespace
           "k8s_web_pod_ns_uid_0_",     // an empty suffix
           "k8s_web_pod_ns_uid_0_a_b",  // eight parts
           "K8S_web_pod_ns_uid_0",      // the prefix is lowercase
           "xk8s_web_pod_ns_uid_0",     // another prefix
       }) {
    EXPECT_EQ(classify_container_ref(name, false).kind, container_ref_kind::name) << name;
  }
}

TEST(container_ref, patterns_match_the_name_literally) {
  EXPECT_EQ(exact_pattern("web"), "^web$");
  EXPECT_EQ(exact_pattern("my.app"), "^my\\.app$");
  EXPECT_EQ(regex_escape("a.b+c*d?e(f)g|h[i]j{k}l^m$n\\o"),
            "a\\.b\\+c\\*d\\?e\\(f\\)g\\|h\\[i\\]j\\{k\\}l\\^m\\$n\\\\o");
  // Shell characters are not regex metacharacters: quoting them is the shell's business.
  EXPECT_EQ(regex_escape("it's;rm -rf /"), "it's;rm -rf /");
}

}  // namespace
}  // namespace deshim::translate
