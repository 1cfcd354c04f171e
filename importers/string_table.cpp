#include "importers/string_table.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace chipreg::importers {
namespace {

constexpr std::size_t kWriteBuffer = 1 << 20;

std::string temp_dir() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? t : "/tmp";
}

Error io_error(const std::string& what) {
  return Error("IO_ERROR", "temporary file in " + temp_dir() + ": " + what + ": " + std::strerror(errno));
}

// An unlinked temporary file, or -1 (errno set).
int unlinked_temp() {
  std::string path = temp_dir() + "/chipreg-strings-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd >= 0) ::unlink(path.c_str());
  return fd;
}

}  // namespace

StringTable::BlockCache::BlockCache(std::size_t blocks)
    : slots_(blocks), sets_(blocks / kWays) {}

Result<const char*> StringTable::BlockCache::block(int fd, std::uint64_t n, std::size_t& len) {
  const std::size_t set = static_cast<std::size_t>(n % sets_);
  Slot* victim = nullptr;
  for (std::size_t w = 0; w < kWays; ++w) {
    Slot& s = slots_[set * kWays + w];
    if (s.block == n) {
      s.used = ++clock_;
      len = s.len;
      return data_.get() + (set * kWays + w) * kBlockBytes;
    }
    if (victim == nullptr || s.used < victim->used) victim = &s;
  }
  if (!data_) data_ = std::make_unique_for_overwrite<char[]>(slots_.size() * kBlockBytes);
  char* dst = data_.get() + static_cast<std::size_t>(victim - slots_.data()) * kBlockBytes;
  std::size_t got = 0;
  const auto offset = static_cast<off_t>(n * kBlockBytes);
  while (got < kBlockBytes) {
    const ssize_t r = ::pread(fd, dst + got, kBlockBytes - got, offset + static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return io_error("read");
    if (r == 0) break;  // the file's last block
    got += static_cast<std::size_t>(r);
  }
  victim->block = n;
  victim->used = ++clock_;
  victim->len = got;
  len = got;
  return static_cast<const char*>(dst);
}

Result<StringTable> StringTable::create() {
  const int bytes = unlinked_temp();
  if (bytes < 0) return io_error("create");
  const int ends = unlinked_temp();
  if (ends < 0) {
    Error e = io_error("create");
    ::close(bytes);
    return e;
  }
  return StringTable(bytes, ends);
}

StringTable::StringTable(int bytes_fd, int ends_fd) : bytes_fd_(bytes_fd), ends_fd_(ends_fd) {
  bytes_buffer_.reserve(kWriteBuffer);
  ends_buffer_.reserve(kWriteBuffer);
}

StringTable::StringTable(StringTable&& o) noexcept
    : bytes_fd_(std::exchange(o.bytes_fd_, -1)),
      ends_fd_(std::exchange(o.ends_fd_, -1)),
      bytes_buffer_(std::move(o.bytes_buffer_)),
      ends_buffer_(std::move(o.ends_buffer_)),
      bytes_written_(o.bytes_written_),
      count_(o.count_),
      bytes_cache_(std::move(o.bytes_cache_)),
      ends_cache_(std::move(o.ends_cache_)) {}

StringTable::~StringTable() {
  if (bytes_fd_ >= 0) ::close(bytes_fd_);
  if (ends_fd_ >= 0) ::close(ends_fd_);
}

Status StringTable::flush(int fd, std::string& buffer) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t w = ::write(fd, buffer.data() + done, buffer.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return io_error("write");
    done += static_cast<std::size_t>(w);
  }
  buffer.clear();
  return Status::Ok();
}

Status StringTable::append(std::string_view bytes) {
  while (!bytes.empty()) {
    const std::size_t room = kWriteBuffer - bytes_buffer_.size();
    const std::size_t n = bytes.size() < room ? bytes.size() : room;
    bytes_buffer_.append(bytes.data(), n);
    bytes.remove_prefix(n);
    bytes_written_ += n;
    if (bytes_buffer_.size() == kWriteBuffer) {
      if (auto st = flush(bytes_fd_, bytes_buffer_); !st) return st;
    }
  }
  return Status::Ok();
}

Status StringTable::end_string() {
  char raw[sizeof(std::uint64_t)];
  std::memcpy(raw, &bytes_written_, sizeof raw);
  ends_buffer_.append(raw, sizeof raw);
  ++count_;
  if (ends_buffer_.size() >= kWriteBuffer) return flush(ends_fd_, ends_buffer_);
  return Status::Ok();
}

Status StringTable::finish() {
  if (auto st = flush(bytes_fd_, bytes_buffer_); !st) return st;
  return flush(ends_fd_, ends_buffer_);
}

Result<std::uint64_t> StringTable::end_of(std::uint64_t i) {
  constexpr std::uint64_t per_block = kBlockBytes / sizeof(std::uint64_t);
  std::size_t len = 0;
  auto b = ends_cache_.block(ends_fd_, i / per_block, len);
  if (!b) return b.error();
  const std::size_t at = static_cast<std::size_t>(i % per_block) * sizeof(std::uint64_t);
  if (at + sizeof(std::uint64_t) > len) return Error("IO_ERROR", "temporary string table is shorter than written");
  std::uint64_t v = 0;
  std::memcpy(&v, *b + at, sizeof v);
  return v;
}

Status StringTable::get(std::uint64_t i, std::string& out) {
  out.clear();
  std::uint64_t from = 0;
  if (i > 0) {
    auto f = end_of(i - 1);
    if (!f) return f.error();
    from = *f;
  }
  auto to = end_of(i);
  if (!to) return to.error();
  if (*to < from) return Error("IO_ERROR", "temporary string table is corrupt");
  out.reserve(static_cast<std::size_t>(*to - from));
  while (from < *to) {
    std::size_t len = 0;
    auto b = bytes_cache_.block(bytes_fd_, from / kBlockBytes, len);
    if (!b) return b.error();
    const std::size_t at = static_cast<std::size_t>(from % kBlockBytes);
    if (at >= len) return Error("IO_ERROR", "temporary string table is shorter than written");
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(*to - from, len - at));
    out.append(*b + at, n);
    from += n;
  }
  return Status::Ok();
}

}  // namespace chipreg::importers
