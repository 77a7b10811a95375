// The keys containerd 2.0 and 2.1 read in a `version = 3` config.toml, for checking deshim's
// version 3 output key by key (no containerd 2.x runs here). Each entry names the source it
// was read from, at the tag given (github.com/containerd/containerd):
//   server: cmd/containerd/server/config/config.go (Config)
//   images: internal/cri/config/config.go (ImageConfig, Registry, RegistryConfig, AuthConfig)
//   runtime: internal/cri/config/config.go (RuntimeConfig, ContainerdConfig, Runtime, CniConfig)
//   cri: internal/cri/config/config.go (ServerConfig, X509KeyPairStreaming)
//   runc: api/types/runc/options/oci.proto (Options; the toml keys are the Go field names)
//   transfer: plugins/transfer/plugin.go (transferConfig)
// A key path is `/`-separated below the root; `*` stands for one map key (a runtime's name,
// a registry host). `until` is the first minor that no longer reads the key ("" = still read).
#pragma once

#include <string>
#include <vector>

namespace deshim::migrate::testing {

struct containerd_v3_field {
  std::string path;
  std::string since = "2.0";  ///< first minor that reads it
  std::string until;          ///< first minor that no longer reads it, "" if none
  std::string source;
};

inline const std::vector<containerd_v3_field>& containerd_v3_fields() {
  static const std::vector<containerd_v3_field> fields = {
      // server, v2.0.0 and v2.1.0
      {"version", "2.0", "", "server Config.Version"},
      {"root", "2.0", "", "server Config.Root"},
      {"state", "2.0", "", "server Config.State"},
      {"disabled_plugins", "2.0", "", "server Config.DisabledPlugins"},
      {"required_plugins", "2.0", "", "server Config.RequiredPlugins"},
      {"oom_score", "2.0", "", "server Config.OOMScore"},
      {"imports", "2.0", "", "server Config.Imports"},
      {"grpc/address", "2.0", "", "server GRPCConfig.Address"},
      {"debug/level", "2.0", "", "server Debug.Level"},
      // io.containerd.cri.v1.images
      {"plugins/io.containerd.cri.v1.images/snapshotter", "2.0", "",
       "images ImageConfig.Snapshotter"},
      {"plugins/io.containerd.cri.v1.images/pinned_images/sandbox", "2.0", "",
       "images ImageConfig.PinnedImages (key `sandbox`, was sandbox_image)"},
      {"plugins/io.containerd.cri.v1.images/registry/config_path", "2.0", "",
       "images Registry.ConfigPath"},
      {"plugins/io.containerd.cri.v1.images/registry/configs/*/auth/username", "2.0", "",
       "images RegistryConfig.Auth (AuthConfig.Username); no `tls` from 2.0"},
      {"plugins/io.containerd.cri.v1.images/registry/configs/*/auth/password", "2.0", "",
       "images AuthConfig.Password"},
      {"plugins/io.containerd.cri.v1.images/registry/configs/*/auth/auth", "2.0", "",
       "images AuthConfig.Auth"},
      {"plugins/io.containerd.cri.v1.images/registry/configs/*/auth/identitytoken", "2.0", "",
       "images AuthConfig.IdentityToken"},
      {"plugins/io.containerd.cri.v1.images/max_concurrent_downloads", "2.0", "",
       "images ImageConfig.MaxConcurrentDownloads (2.0 pulls with it; 2.1 leaves the transfer "
       "service when it is not 3, CheckLocalImagePullConfigs)"},
      {"plugins/io.containerd.cri.v1.images/image_pull_progress_timeout", "2.0", "",
       "images ImageConfig.ImagePullProgressTimeout"},
      {"plugins/io.containerd.cri.v1.images/use_local_image_pull", "2.1", "",
       "images ImageConfig.UseLocalImagePull (v2.1.0)"},
      // io.containerd.cri.v1.runtime
      {"plugins/io.containerd.cri.v1.runtime/enable_selinux", "2.0", "",
       "runtime RuntimeConfig.EnableSelinux"},
      {"plugins/io.containerd.cri.v1.runtime/max_container_log_line_size", "2.0", "",
       "runtime RuntimeConfig.MaxContainerLogLineSize"},
      {"plugins/io.containerd.cri.v1.runtime/containerd/default_runtime_name", "2.0", "",
       "runtime ContainerdConfig.DefaultRuntimeName"},
      {"plugins/io.containerd.cri.v1.runtime/containerd/runtimes/*/runtime_type", "2.0", "",
       "runtime Runtime.Type"},
      {"plugins/io.containerd.cri.v1.runtime/containerd/runtimes/*/options/SystemdCgroup", "2.0",
       "", "runc Options.systemd_cgroup"},
      {"plugins/io.containerd.cri.v1.runtime/containerd/runtimes/*/options/BinaryName", "2.0", "",
       "runc Options.binary_name"},
      {"plugins/io.containerd.cri.v1.runtime/containerd/runtimes/*/options/Root", "2.0", "",
       "runc Options.root"},
      {"plugins/io.containerd.cri.v1.runtime/containerd/runtimes/*/options/NoNewKeyring", "2.0", "",
       "runc Options.no_new_keyring"},
      {"plugins/io.containerd.cri.v1.runtime/cni/bin_dir", "2.0", "",
       "runtime CniConfig.NetworkPluginBinDir (deprecated in 2.1; refused next to bin_dirs)"},
      {"plugins/io.containerd.cri.v1.runtime/cni/bin_dirs", "2.1", "",
       "runtime CniConfig.NetworkPluginBinDirs (v2.1.0)"},
      {"plugins/io.containerd.cri.v1.runtime/cni/conf_dir", "2.0", "",
       "runtime CniConfig.NetworkPluginConfDir"},
      {"plugins/io.containerd.cri.v1.runtime/cni/max_conf_num", "2.0", "",
       "runtime CniConfig.NetworkPluginMaxConfNum"},
      // io.containerd.grpc.v1.cri (streaming)
      {"plugins/io.containerd.grpc.v1.cri/disable_tcp_service", "2.0", "",
       "cri ServerConfig.DisableTCPService"},
      {"plugins/io.containerd.grpc.v1.cri/stream_server_address", "2.0", "",
       "cri ServerConfig.StreamServerAddress"},
      {"plugins/io.containerd.grpc.v1.cri/stream_server_port", "2.0", "",
       "cri ServerConfig.StreamServerPort"},
      {"plugins/io.containerd.grpc.v1.cri/stream_idle_timeout", "2.0", "",
       "cri ServerConfig.StreamIdleTimeout"},
      {"plugins/io.containerd.grpc.v1.cri/enable_tls_streaming", "2.0", "",
       "cri ServerConfig.EnableTLSStreaming"},
      {"plugins/io.containerd.grpc.v1.cri/x509_key_pair_streaming/tls_cert_file", "2.0", "",
       "cri X509KeyPairStreaming.TLSCertFile"},
      {"plugins/io.containerd.grpc.v1.cri/x509_key_pair_streaming/tls_key_file", "2.0", "",
       "cri X509KeyPairStreaming.TLSKeyFile"},
      // io.containerd.transfer.v1.local
      {"plugins/io.containerd.transfer.v1.local/max_concurrent_downloads", "2.0", "",
       "transfer transferConfig.MaxConcurrentDownloads (the kubelet's pulls use it from 2.1)"},
      {"plugins/io.containerd.transfer.v1.local/config_path", "2.0", "",
       "transfer transferConfig.RegistryConfigPath"},
  };
  return fields;
}

}  // namespace deshim::migrate::testing
