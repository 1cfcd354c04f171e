// Test support: a temporary directory removed (recursively) when the object dies.
#pragma once

#include <filesystem>
#include <string>

namespace chipreg::testing {

class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Reads a whole file; throws std::runtime_error if it cannot.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace chipreg::testing
