#include "cli/command_line.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <vector>

#include "cli/io.hpp"

namespace chipreg::cli {
namespace {

constexpr std::size_t kWidth = 100;     // usage lines wrap here, and an option's notes
constexpr std::size_t kMaxColumn = 36;  // a longer name puts its description on the next line

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A value placeholder and its notes, split out of CLI11's get_type_name(): the declared type
// name, then ":" and each check's description. chipreg's checks describe themselves as
// "{a,b,c}" (CLI::IsMember) or "[lo..hi]" (in_range), which no type name contains (HOST:PORT
// does contain ':'), so the split is exact. A set of allowed values replaces the type name.
struct Placeholder {
  std::string value;               // "PATH", "{on,off}"; empty for a flag
  std::vector<std::string> notes;  // "1..256"
};

Placeholder placeholder_of(const CLI::Option* opt) {
  Placeholder p;
  if (opt->get_type_size() == 0) return p;
  const std::string full = opt->get_type_name();
  auto next_check = [&full](std::size_t from) { return std::min(full.find(":{", from), full.find(":[", from)); };
  std::size_t cut = next_check(0);
  p.value = full.substr(0, cut);
  while (cut != std::string::npos) {
    const std::size_t end = next_check(cut + 1);
    const std::string check = full.substr(cut + 1, end == std::string::npos ? std::string::npos : end - cut - 1);
    if (check.front() == '{') {
      p.value = check;
    } else {
      p.notes.push_back(check.substr(1, check.size() - 2));
    }
    cut = end;
  }
  return p;
}

bool is_flag_for_help(const CLI::App* app, const CLI::Option* opt) {
  return opt == app->get_help_ptr() || opt == app->get_version_ptr();
}

std::vector<const CLI::App*> named_subcommands(const CLI::App* app) {
  return app->get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty() && !sub->get_disabled(); });
}

// The options a command takes besides -h/--version, then its positionals, in declaration order.
std::vector<const CLI::Option*> declared(const CLI::App* app) {
  std::vector<const CLI::Option*> out =
      app->get_options([app](const CLI::Option* o) { return o->nonpositional() && !is_flag_for_help(app, o); });
  for (const CLI::Option* o : app->get_options([](const CLI::Option* o) { return !o->nonpositional(); })) {
    out.push_back(o);
  }
  return out;
}

// "--db PATH", "[--batch N]", "[--force]", "KIND".
std::string usage_item(const CLI::Option* opt) {
  std::string item;
  if (!opt->nonpositional()) {
    item = upper(opt->get_name(true));
  } else {
    item = opt->get_name();
    if (const Placeholder p = placeholder_of(opt); !p.value.empty()) item += " " + p.value;
  }
  return opt->get_required() ? item : "[" + item + "]";
}

std::vector<std::string> usage_items(const CLI::App* app) {
  const auto subs = named_subcommands(app);
  if (!subs.empty()) {
    std::string names;
    for (const CLI::App* sub : subs) names += (names.empty() ? "" : "|") + sub->get_name();
    return {names, "..."};
  }
  std::vector<std::string> items;
  for (const CLI::Option* opt : declared(app)) items.push_back(usage_item(opt));
  return items;
}

// `lead` + `command` + the items, wrapped at kWidth under the first item.
std::string usage_line(const std::string& lead, const std::string& command, const std::vector<std::string>& items) {
  std::string out = lead + command;
  const std::size_t indent = out.size() + 1;
  std::size_t col = out.size();
  for (const std::string& item : items) {
    if (col >= indent && col + 1 + item.size() > kWidth) {
      out += "\n" + std::string(indent, ' ');
      col = indent;
    } else {
      out += ' ';
      ++col;
    }
    out += item;
    col += item.size();
  }
  return out + "\n";
}

// What the parent's help lists for `sub`: its name and what it cannot run without.
std::string synopsis(const CLI::App* sub) {
  std::string out = sub->get_name();
  if (!named_subcommands(sub).empty()) {
    for (const std::string& item : usage_items(sub)) out += " " + item;
    return out;
  }
  for (const CLI::Option* opt : declared(sub)) {
    if (opt->get_required() || !opt->nonpositional()) out += " " + usage_item(opt);
  }
  return out;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string trimmed(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string option_names(const CLI::Option* opt) {
  if (!opt->nonpositional()) return upper(opt->get_name(true));
  std::string out;
  for (const std::string& s : opt->get_snames()) out += (out.empty() ? "-" : ", -") + s;
  for (const std::string& l : opt->get_lnames()) out += (out.empty() ? "--" : ", --") + l;
  if (const Placeholder p = placeholder_of(opt); !p.value.empty()) out += " " + p.value;
  return out;
}

// The description, then its notes in brackets: at the end of its last line, or on a line of
// their own when the line would pass kWidth at `column`.
std::string option_text(const CLI::Option* opt, std::size_t column) {
  std::vector<std::string> notes;
  if (opt->get_required()) notes.emplace_back("required");
  if (opt->nonpositional()) {
    for (std::string& n : placeholder_of(opt).notes) notes.push_back(std::move(n));
  }
  if (!opt->get_default_str().empty()) notes.push_back("default: " + opt->get_default_str());
  std::string text = opt->get_description();
  if (!notes.empty()) {
    std::string joined;
    for (const std::string& n : notes) joined += (joined.empty() ? "" : ", ") + n;
    const std::size_t last_line = text.size() - (text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
    const bool own_line = !text.empty() && column + last_line + 3 + joined.size() > kWidth;
    text += (text.empty() ? "[" : own_line ? "\n[" : " [") + joined + "]";
  }
  return text;
}

struct Row {
  std::string name;
  std::string text;
};

// "  name  text": the text starts at `column` on every line it has.
void print_rows(std::ostream& out, const char* title, const std::vector<Row>& rows, std::size_t column) {
  if (rows.empty()) return;
  out << "\n" << title << ":\n";
  for (const Row& row : rows) {
    std::string line = "  " + row.name;
    if (!row.text.empty()) {
      if (line.size() + 2 > column) {
        out << line << "\n";
        line.clear();
      }
      line.resize(column, ' ');
      for (const char c : row.text) {
        if (c == '\n') {
          out << line << "\n";
          line.assign(column, ' ');
        } else {
          line += c;
        }
      }
    }
    out << line << "\n";
  }
}

class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode /*mode*/) const override {
    std::ostringstream out;
    const auto subs = named_subcommands(app);
    if (app->get_parent() == nullptr) {
      out << usage_line("usage: ", name, {"COMMAND", "[OPTIONS]"});
    } else if (!subs.empty()) {
      for (std::size_t i = 0; i < subs.size(); ++i) {
        out << usage_line(i == 0 ? "usage: " : "       ", name + " " + subs[i]->get_name(), usage_items(subs[i]));
      }
    } else {
      out << usage_line("usage: ", name, usage_items(app));
    }
    if (const std::string d = trimmed(app->get_description()); !d.empty()) out << "\n" << d << "\n";

    const std::vector<const CLI::Option*> opts = app->get_options();
    std::size_t widest = 0;
    for (const CLI::Option* opt : opts) widest = std::max(widest, option_names(opt).size());
    // The root lists each command with what it cannot run without; a command's own
    // subcommands are in its usage lines already, and are listed by name.
    auto listed = [app](const CLI::App* sub) { return app->get_parent() == nullptr ? synopsis(sub) : sub->get_name(); };
    for (const CLI::App* sub : subs) widest = std::max(widest, listed(sub).size());
    const std::size_t column = 2 + std::min(widest, kMaxColumn) + 2;
    std::vector<Row> arguments;
    std::vector<Row> options;
    std::vector<Row> commands;
    for (const CLI::Option* opt : opts) {
      (opt->nonpositional() ? options : arguments).push_back({option_names(opt), option_text(opt, column)});
    }
    for (const CLI::App* sub : subs) commands.push_back({listed(sub), first_line(sub->get_description())});
    print_rows(out, "arguments", arguments, column);
    print_rows(out, "options", options, column);
    print_rows(out, "commands", commands, column);
    if (const std::string f = trimmed(app->get_footer()); !f.empty()) out << "\n" << f << "\n";
    return out.str();
  }
};

// The root, then each subcommand the command line selected, down to the last.
std::vector<const CLI::App*> parsed_chain(const CLI::App& root) {
  std::vector<const CLI::App*> chain{&root};
  for (;;) {
    const auto subs = chain.back()->get_subcommands();
    if (subs.empty()) return chain;
    chain.push_back(subs.front());
  }
}

std::string command_of(const std::vector<const CLI::App*>& chain, std::size_t last) {
  std::string out;
  for (std::size_t i = 0; i <= last; ++i) out += (i == 0 ? "" : " ") + chain[i]->get_name();
  return out;
}

std::string alternatives(const CLI::App* app) {
  const auto subs = named_subcommands(app);
  std::string out;
  for (std::size_t i = 0; i < subs.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == subs.size() ? " or " : ", ") + subs[i]->get_name();
  }
  return out;
}

// Where `name` is in `text` as a whole word (not part of a longer option name), or npos.
std::size_t find_word(const std::string& text, const std::string& name) {
  auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
  for (std::size_t pos = text.find(name); pos != std::string::npos; pos = text.find(name, pos + 1)) {
    const std::size_t end = pos + name.size();
    if ((pos == 0 || !name_char(text[pos - 1])) && (end == text.size() || !name_char(text[end]))) return pos;
  }
  return std::string::npos;
}

// The option of the selected commands that CLI11's message names first. CLI11 names an
// option "--long" (anywhere in the message) and a positional by its name (at the start).
const CLI::Option* named_option(const std::vector<const CLI::App*>& chain, const std::string& message) {
  const CLI::Option* best = nullptr;
  std::size_t best_pos = std::string::npos;
  for (auto app = chain.rbegin(); app != chain.rend(); ++app) {
    for (const CLI::Option* opt : (*app)->get_options()) {
      std::vector<std::string> names;
      for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
      for (const std::string& s : opt->get_snames()) names.push_back("-" + s);
      for (const std::string& n : names) {
        const std::size_t pos = find_word(message, n);
        if (pos < best_pos) {
          best = opt;
          best_pos = pos;
        }
      }
      if (!opt->nonpositional() && find_word(message, opt->get_name(true)) == 0) return opt;
    }
  }
  return best;
}

Error usage_error(const CLI::App& root, const CLI::ParseError& e) {
  const auto chain = parsed_chain(root);
  // An unknown option first, whatever else CLI11 found: a misspelt option is also why a
  // required one seems to be missing.
  for (std::size_t i = 0; i < chain.size(); ++i) {
    for (const std::string& word : chain[i]->remaining()) {
      if (word.size() < 2 || word[0] != '-') continue;
      const std::string option = word.substr(0, word.find('='));
      const std::string command = command_of(chain, i);
      return Error("USAGE", "unknown option " + option + " for " + command + "; see " + command + " --help",
                   option.substr(option.find_first_not_of('-')));
    }
  }
  for (std::size_t i = 0; i < chain.size(); ++i) {
    for (const std::string& word : chain[i]->remaining()) {
      if (i == 0) return Error("USAGE", "unknown command '" + word + "'; see chipreg --help");
      const std::string command = command_of(chain, i);
      if (!named_subcommands(chain[i]).empty()) {
        return Error("USAGE", "unknown " + command.substr(command.find(' ') + 1) + " subcommand '" + word +
                                  "'; expected " + alternatives(chain[i]));
      }
      return Error("USAGE", "unexpected argument '" + word + "'; see " + command + " --help");
    }
  }
  const std::string message = e.what();
  const CLI::Option* opt = named_option(chain, message);
  if (opt == nullptr) return Error("USAGE", message);
  const std::string field = opt->get_single_name();
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
    return Error("USAGE",
                 opt->nonpositional() ? "missing required option " + opt->get_name()
                                      : "missing argument " + upper(opt->get_name(true)),
                 field);
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    return Error("USAGE", "option " + opt->get_name() + " needs a value", field);
  }
  return Error("USAGE", message, field);
}

}  // namespace

void use_chipreg_help(CLI::App& app) {
  app.formatter(std::make_shared<HelpFormatter>());
  app.set_help_flag("-h,--help", "print this help and exit");
}

CLI::Validator in_range(long long lo, long long hi) {
  const bool unbounded = hi == std::numeric_limits<long long>::max();
  const std::string range = unbounded ? ">= " + std::to_string(lo) : std::to_string(lo) + ".." + std::to_string(hi);
  return CLI::Validator(
      [lo, hi, range](std::string& value) -> std::string {
        long long v = 0;
        const char* end = value.data() + value.size();
        auto [p, ec] = std::from_chars(value.data(), end, v);
        if (value.empty() || ec != std::errc() || p != end || v < lo || v > hi) {
          return "must be an integer " + std::string(range.front() == '>' ? "" : "in ") + range + ", not '" + value +
                 "'";
        }
        value = std::to_string(v);
        return {};
      },
      "[" + range + "]");
}

std::optional<int> parse_command_line(CLI::App& root, int argc, char** argv, const Command& selected) {
  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << root.help();
    return 0;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    // "help" where a subcommand is expected (chipreg key help) asks for the help too.
    const auto chain = parsed_chain(root);
    if (!named_subcommands(chain.back()).empty() && chain.back()->remaining() == std::vector<std::string>{"help"}) {
      std::cout << root.help();
      return 0;
    }
    print_error(usage_error(root, e));
    return 2;
  }
  if (selected) return std::nullopt;
  // A command that has subcommands, given none.
  const auto chain = parsed_chain(root);
  const std::string command = command_of(chain, chain.size() - 1);
  print_error(
      Error("USAGE", command + " needs a subcommand: " + alternatives(chain.back()) + "; see " + command + " --help"));
  return 2;
}

}  // namespace chipreg::cli
