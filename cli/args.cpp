#include "cli/args.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <iostream>

namespace chipreg::cli {

Result<Args> Args::parse(int argc, char** argv, int first, const std::set<std::string>& valued,
                         const std::set<std::string>& flags) {
  Args a;
  for (int i = first; i < argc; ++i) {
    std::string word = argv[i];
    if (word.rfind("--", 0) == 0 && word.size() > 2) {
      std::string name = word.substr(2);
      std::optional<std::string> inline_value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (valued.count(name)) {
        if (inline_value) {
          a.values_[name] = *inline_value;
        } else {
          if (i + 1 >= argc) return Error("USAGE", "option --" + name + " needs a value", name);
          a.values_[name] = argv[++i];
        }
      } else if (flags.count(name) && !inline_value) {
        a.flags_.insert(name);
      } else {
        return Error("USAGE", "unknown option --" + name);
      }
    } else {
      a.positional_.push_back(std::move(word));
    }
  }
  return a;
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

Result<std::string> Args::require(const std::string& name) const {
  auto v = get(name);
  if (!v) return Error("USAGE", "missing required option --" + name, name);
  return *v;
}

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
