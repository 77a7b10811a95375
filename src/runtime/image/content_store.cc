#include "runtime/image/content_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace deshim::runtime {
namespace fs = std::filesystem;

namespace {

std::atomic<uint64_t> ingest_counter{0};

error io_error(const std::string& what, const fs::path& path) {
  return environment_error(what + " " + path.string() + ": " + std::strerror(errno), {},
                           "check free space and permissions under the runtime root");
}

}  // namespace

content_store::writer::writer(writer&& other) noexcept
    : store_(other.store_),
      path_(std::move(other.path_)),
      file_(other.file_),
      hasher_(std::move(other.hasher_)),
      written_(other.written_),
      done_(other.done_) {
  other.file_ = nullptr;
  other.done_ = true;
}

content_store::writer::~writer() {
  if (file_ != nullptr) std::fclose(file_);
  if (!done_) {
    std::error_code ignored;
    fs::remove(path_, ignored);
  }
}

result<void> content_store::writer::write(const void* data, size_t size) {
  if (file_ == nullptr) return error(error_kind::internal, "write after close");
  if (size == 0) return {};
  if (std::fwrite(data, 1, size, file_) != size) return io_error("cannot write", path_);
  hasher_.update(data, size);
  written_ += size;
  return {};
}

result<void> content_store::writer::close_file() {
  if (file_ == nullptr) return {};
  bool ok = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  if (!ok) return io_error("cannot flush", path_);
  return {};
}

result<void> content_store::writer::commit(const std::string& expected_digest,
                                           int64_t expected_size) {
  if (auto closed = close_file(); !closed) return closed;
  std::string actual = hasher_.finish();
  // A failed check removes the partial file at once, not when the writer goes away.
  struct discard_unless_stored {
    writer& self;
    ~discard_unless_stored() {
      if (self.done_) return;
      std::error_code ignored;
      fs::remove(self.path_, ignored);
      self.done_ = true;
    }
  } discard{*this};
  if (expected_size >= 0 && written_ != static_cast<uint64_t>(expected_size)) {
    return invalid_input("blob " + expected_digest + " is " + std::to_string(written_) +
                             " bytes, but its descriptor says " + std::to_string(expected_size) +
                             " (truncated or corrupted download)",
                         {}, "pull or import it again; the partial blob was discarded");
  }
  if (actual != expected_digest) {
    return invalid_input(
        "blob content does not match its digest: expected " + expected_digest + ", got " + actual,
        {}, "the source is corrupted or tampered with; nothing was stored");
  }
  std::error_code ec;
  fs::rename(path_, store_->blob_path(actual), ec);
  if (ec) return environment_error("cannot store blob " + actual + ": " + ec.message());
  done_ = true;
  return {};
}

result<std::string> content_store::writer::commit_as_computed() {
  if (auto closed = close_file(); !closed) return closed.error();
  std::string actual = hasher_.finish();
  std::error_code ec;
  fs::rename(path_, store_->blob_path(actual), ec);
  if (ec) return environment_error("cannot store blob " + actual + ": " + ec.message());
  done_ = true;
  return actual;
}

result<void> content_store::init() const {
  std::error_code ec;
  fs::create_directories(root_ / "blobs" / "sha256", ec);
  if (!ec) fs::create_directories(root_ / "ingest", ec);
  if (ec) return environment_error("cannot create " + root_.string() + ": " + ec.message());
  return {};
}

void content_store::remove_ingest_leftovers() const {
  // Ingest files without a live writer are never valid blobs.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ / "ingest", ec)) {
    std::error_code ignored;
    fs::remove(entry.path(), ignored);
  }
}

fs::path content_store::blob_path(const std::string& digest) const {
  return root_ / "blobs" / "sha256" / digest_hex(digest);
}

bool content_store::has(const std::string& digest) const {
  if (!is_valid_digest(digest)) return false;
  std::error_code ec;
  return fs::is_regular_file(blob_path(digest), ec);
}

std::optional<uint64_t> content_store::size_of(const std::string& digest) const {
  if (!is_valid_digest(digest)) return std::nullopt;
  std::error_code ec;
  auto size = fs::file_size(blob_path(digest), ec);
  if (ec) return std::nullopt;
  return size;
}

result<std::string> content_store::read(const std::string& digest, uint64_t max_size) const {
  if (auto valid = check_digest(digest, "blob"); !valid) return valid.error();
  auto size = size_of(digest);
  if (!size) {
    return error(error_kind::not_found, "blob " + digest + " is not in the content store", {},
                 "pull or import the image again");
  }
  if (*size > max_size) {
    return invalid_input("blob " + digest + " is " + std::to_string(*size) +
                         " bytes, larger than the " + std::to_string(max_size) + " allowed here");
  }
  FILE* file = std::fopen(blob_path(digest).c_str(), "rb");
  if (file == nullptr) return io_error("cannot open", blob_path(digest));
  std::string out(*size, '\0');
  size_t got = std::fread(out.data(), 1, out.size(), file);
  std::fclose(file);
  if (got != out.size()) return io_error("cannot read", blob_path(digest));
  return out;
}

result<std::string> content_store::put(std::string_view data,
                                       const std::string& expected_digest) const {
  std::string actual = sha256_digest(data);
  if (!expected_digest.empty() && actual != expected_digest) {
    return invalid_input(
        "blob content does not match its digest: expected " + expected_digest + ", got " + actual,
        {}, "the source is corrupted or tampered with; nothing was stored");
  }
  if (has(actual)) return actual;
  auto out = begin_write();
  if (!out) return out.error();
  if (auto written = out->write(data.data(), data.size()); !written) return written.error();
  if (auto committed = out->commit(actual, static_cast<int64_t>(data.size())); !committed)
    return committed.error();
  return actual;
}

result<content_store::writer> content_store::begin_write() const {
  fs::path path =
      root_ / "ingest" / (std::to_string(::getpid()) + "-" + std::to_string(ingest_counter++));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create", path);
  FILE* file = ::fdopen(fd, "wb");
  if (file == nullptr) {
    ::close(fd);
    return io_error("cannot open", path);
  }
  return writer(this, path, file);
}

result<void> content_store::remove(const std::string& digest) const {
  if (auto valid = check_digest(digest, "blob"); !valid) return valid;
  std::error_code ec;
  fs::remove(blob_path(digest), ec);
  if (ec) return environment_error("cannot remove blob " + digest + ": " + ec.message());
  return {};
}

std::vector<std::string> content_store::list() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ / "blobs" / "sha256", ec)) {
    std::string digest = "sha256:" + entry.path().filename().string();
    if (is_valid_digest(digest)) out.push_back(digest);
  }
  return out;
}

}  // namespace deshim::runtime
