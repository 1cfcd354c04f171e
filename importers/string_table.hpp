// A table of strings numbered 0, 1, 2, ... in the order they are added, kept in an unlinked
// temporary file so that memory stays flat however many there are: the shared strings of
// an .xlsx workbook (xl/sharedStrings.xml), which a sheet then names by index.
//
// Writes go through two 1 MiB buffers into one file of string bytes and one of end
// offsets (uint64, native order). Reads go through a block cache of kBlockBytes blocks,
// kWays-way set associative with LRU inside a set, kCacheBlocks blocks in all (4 MiB):
// a sheet names new strings in about the order they were added (POI numbers a string at
// its first use), and its repeated strings (seller names, tax rates, units) sit in a few
// early blocks that stay cached. Memory: about 6 MiB, whatever the table's size.
//
// The files live in $TMPDIR (else /tmp) and are unlinked at once: nothing is left behind,
// even after kill -9. Errors: IO_ERROR naming the temporary directory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace chipreg::importers {

class StringTable {
 public:
  static constexpr std::size_t kBlockBytes = 64 * 1024;
  static constexpr std::size_t kWays = 4;
  static constexpr std::size_t kCacheBlocks = 64;   // of string bytes
  static constexpr std::size_t kOffsetBlocks = 16;  // of end offsets (8,192 per block)

  // Creates the two temporary files.
  static Result<StringTable> create();
  StringTable(StringTable&&) noexcept;
  StringTable& operator=(StringTable&&) = delete;
  ~StringTable();

  // Appends bytes to the string being added; end_string() closes it (an empty string is
  // an end_string() with no append()).
  Status append(std::string_view bytes);
  Status end_string();
  // Flushes the write buffers; REQUIRED before get().
  Status finish();

  std::uint64_t size() const { return count_; }
  // String `i` into `out`. REQUIRES: i < size(), finish() called.
  Status get(std::uint64_t i, std::string& out);

 private:
  // One cache of fixed-size blocks over a file.
  class BlockCache {
   public:
    explicit BlockCache(std::size_t blocks);
    // The block `n` of `fd` (its valid length in `len`), read on a miss.
    Result<const char*> block(int fd, std::uint64_t n, std::size_t& len);

   private:
    struct Slot {
      std::uint64_t block = ~0ull;
      std::uint64_t used = 0;  // LRU stamp
      std::size_t len = 0;
    };
    std::unique_ptr<char[]> data_;  // allocated at the first read, not initialized
    std::vector<Slot> slots_;
    std::size_t sets_;
    std::uint64_t clock_ = 0;
  };

  StringTable(int bytes_fd, int ends_fd);
  Status flush(int fd, std::string& buffer);
  Result<std::uint64_t> end_of(std::uint64_t i);

  int bytes_fd_ = -1;
  int ends_fd_ = -1;
  std::string bytes_buffer_, ends_buffer_;
  std::uint64_t bytes_written_ = 0;  // string bytes so far (the next string's start)
  std::uint64_t count_ = 0;
  BlockCache bytes_cache_{kCacheBlocks};
  BlockCache ends_cache_{kOffsetBlocks};
};

}  // namespace chipreg::importers
