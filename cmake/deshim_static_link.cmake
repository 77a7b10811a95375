# The executables deshim, deshim-cri and deshim-monitor are linked statically (they run on any
# Linux, from an empty chroot: docs/development.md, "Static executables"), and the imported
# targets of Debian's libraries name .so files. So deshim's libraries name those through the
# targets below: the imported targets for every other consumer (the tests, the sanitizer
# build), the static archives for a consumer with the DESHIM_STATIC_LINK property. With
# `-static`, `-lNAME` finds only libNAME.a. The archives of gRPC and protobuf come in the order
# pkg-config gives for a static link, then what libgrpc_unsecure.a needs and its .pc leaves
# out (upb, re2, c-ares, address_sorting). The sanitizer build links nothing statically and
# does not ask pkg-config.
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(LibArchive REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Boost 1.74 REQUIRED)

set(deshim_static_link "$<BOOL:$<TARGET_PROPERTY:DESHIM_STATIC_LINK>>")
function(deshim_dynamic_or_static name)
  cmake_parse_arguments(ARG "" "" "DYNAMIC;STATIC" ${ARGN})
  add_library(${name} INTERFACE)
  foreach(library ${ARG_DYNAMIC})
    target_link_libraries(${name} INTERFACE "$<$<NOT:${deshim_static_link}>:${library}>")
  endforeach()
  foreach(library ${ARG_STATIC})
    target_link_libraries(${name} INTERFACE "$<${deshim_static_link}:${library}>")
  endforeach()
endfunction()
if(NOT DESHIM_SANITIZE)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(DESHIM_CRI_STATIC REQUIRED grpc++_unsecure protobuf)
endif()
deshim_dynamic_or_static(deshim_grpc_linked
  DYNAMIC protobuf::libprotobuf gRPC::grpc++
  STATIC ${DESHIM_CRI_STATIC_STATIC_LIBRARIES} upb re2 cares address_sorting gpr crypto z)
deshim_dynamic_or_static(deshim_crypto_linked DYNAMIC OpenSSL::Crypto STATIC crypto)
# libssl serves the stream server's TLS (stream/) and the HTTP client (common/http/).
deshim_dynamic_or_static(deshim_ssl_linked DYNAMIC OpenSSL::SSL STATIC ssl crypto)
# zlib compresses SPDY's header blocks (stream/) and decodes gzip answers (common/http/).
deshim_dynamic_or_static(deshim_zlib_linked DYNAMIC ZLIB::ZLIB STATIC z)
# c-ares resolves names for the HTTP client without glibc's NSS (common/http/resolve.h).
deshim_dynamic_or_static(deshim_cares_linked DYNAMIC cares STATIC cares)
# toml++'s archive, deshim_toml_static, is built in runtime/config/.
deshim_dynamic_or_static(deshim_toml_linked
  DYNAMIC tomlplusplus::tomlplusplus STATIC deshim_toml_static)
# yaml-cpp: its imported target names the .so; the archive by its file name.
deshim_dynamic_or_static(deshim_yaml_linked DYNAMIC yaml-cpp STATIC -l:libyaml-cpp.a)
# libarchive reads layers and `docker save` archives (runtime/transfer/). Its static archive
# needs what its .pc's Libs.private names; the linker takes only the objects the tar reader
# and the decompression filters use (scripts/setup installs the -dev packages of each).
deshim_dynamic_or_static(deshim_archive_linked
  DYNAMIC LibArchive::LibArchive
  STATIC archive nettle acl lzma zstd lz4 bz2 z)
