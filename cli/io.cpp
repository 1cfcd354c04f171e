#include "cli/io.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <iostream>

namespace chipreg::cli {

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("IO_ERROR", "cannot open " + path);
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > (16u << 20)) return Error("IO_ERROR", path + " is larger than 16 MiB");
  }
  if (in.bad()) return Error("IO_ERROR", "cannot read " + path);
  return data;
}

void print_error(const Error& e) {
  boost::json::object err{{"code", e.code}, {"message", e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  if (e.line > 0) err["line"] = e.line;
  std::cerr << boost::json::serialize(boost::json::object{{"error", err}}) << "\n";
}

}  // namespace chipreg::cli
