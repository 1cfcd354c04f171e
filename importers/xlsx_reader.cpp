// Streaming .xlsx sheet reader on libzip + expat (see xlsx_reader.hpp for what it accepts).
#include "importers/xlsx_reader.hpp"

#include <expat.h>
#include <zip.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "importers/string_table.hpp"

namespace chipreg::importers {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::uint64_t kRatioFloor = 64ull << 20;  // below this, any ratio is fine
constexpr std::size_t kMaxCellBytes = 1 << 20;      // Excel's own limit is 32,767 characters

std::string_view trim_name(std::string_view s) {
  for (;;) {
    if (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
      s.remove_prefix(1);
    else if (s.substr(0, 3) == "\xE3\x80\x80")
      s.remove_prefix(3);
    else
      break;
  }
  for (;;) {
    if (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
      s.remove_suffix(1);
    else if (s.size() >= 3 && s.substr(s.size() - 3) == "\xE3\x80\x80")
      s.remove_suffix(3);
    else
      break;
  }
  return s;
}

// An element's or attribute's name without its namespace prefix ("x:row" -> "row").
// One forward pass (names are short: this runs for every tag and attribute of the sheet).
std::string_view local(const char* name) {
  const char* from = name;
  const char* p = name;
  for (; *p; ++p) {
    if (*p == ':') from = p + 1;
  }
  return {from, static_cast<std::size_t>(p - from)};
}

const char* attr(const char** atts, std::string_view want) {
  for (int i = 0; atts[i]; i += 2) {
    if (local(atts[i]) == want) return atts[i + 1];
  }
  return nullptr;
}

Error bad(std::string msg, long line = 0) { return Error("BAD_XLSX", "xlsx: " + std::move(msg), "", line); }

// One XML part being parsed with expat. Subclasses see local element names. A DOCTYPE (and
// so any entity declaration) stops the parse: nothing in an xlsx part needs one.
class XmlPart {
 public:
  XmlPart() : p_(XML_ParserCreate(nullptr)) {
    XML_SetUserData(p_, this);
    XML_SetElementHandler(p_, &XmlPart::on_start, &XmlPart::on_end);
    XML_SetCharacterDataHandler(p_, &XmlPart::on_text);
    XML_SetStartDoctypeDeclHandler(p_, &XmlPart::on_doctype);
    XML_SetEntityDeclHandler(p_, &XmlPart::on_entity);
  }
  virtual ~XmlPart() { XML_ParserFree(p_); }
  XmlPart(const XmlPart&) = delete;
  XmlPart& operator=(const XmlPart&) = delete;

  XML_Parser parser() { return p_; }
  bool refused() const { return refused_; }
  // Why the last XML_Parse/XML_ResumeParser failed.
  std::string why() const {
    if (refused_) return "a DOCTYPE or entity declaration (refused: no xlsx part needs one)";
    return std::string(XML_ErrorString(XML_GetErrorCode(p_))) + " at XML line " +
           std::to_string(XML_GetCurrentLineNumber(p_));
  }

 protected:
  virtual void start(std::string_view name, const char** atts) = 0;
  virtual void end(std::string_view name) = 0;
  virtual void text(const char* s, int len) = 0;
  XML_Parser p_;

 private:
  static void on_start(void* self, const char* name, const char** atts) {
    static_cast<XmlPart*>(self)->start(local(name), atts);
  }
  static void on_end(void* self, const char* name) { static_cast<XmlPart*>(self)->end(local(name)); }
  static void on_text(void* self, const char* s, int len) { static_cast<XmlPart*>(self)->text(s, len); }
  static void on_doctype(void* self, const char*, const char*, const char*, int) {
    auto* me = static_cast<XmlPart*>(self);
    me->refused_ = true;
    XML_StopParser(me->p_, XML_FALSE);
  }
  static void on_entity(void* self, const char*, int, const char*, int, const char*, const char*, const char*,
                        const char*) {
    auto* me = static_cast<XmlPart*>(self);
    me->refused_ = true;
    XML_StopParser(me->p_, XML_FALSE);
  }
  bool refused_ = false;
};

// xl/workbook.xml: the sheets in order, with their relationship ids.
class WorkbookPart : public XmlPart {
 public:
  struct Sheet {
    std::string name;
    std::string rid;
  };
  std::vector<Sheet> sheets;
  bool date1904 = false;

 protected:
  void start(std::string_view name, const char** atts) override {
    if (name == "workbookPr") {
      const char* d = attr(atts, "date1904");
      date1904 = d && (std::strcmp(d, "1") == 0 || std::strcmp(d, "true") == 0);
      return;
    }
    if (name != "sheet") return;
    const char* n = attr(atts, "name");
    const char* id = nullptr;
    // r:id: the attribute named id in the relationships namespace, whatever its prefix.
    for (int i = 0; atts[i]; i += 2) {
      std::string_view a(atts[i]);
      if (a.size() > 3 && a.substr(a.size() - 3) == ":id") id = atts[i + 1];
    }
    if (n && id && sheets.size() < 10'000) sheets.push_back({std::string(trim_name(n)), id});
  }
  void end(std::string_view) override {}
  void text(const char*, int) override {}
};

// xl/_rels/workbook.xml.rels: relationship id -> target, and the shared strings' target.
class RelsPart : public XmlPart {
 public:
  std::unordered_map<std::string, std::string> target;
  std::string shared_strings;

 protected:
  void start(std::string_view name, const char** atts) override {
    if (name != "Relationship") return;
    const char* id = attr(atts, "Id");
    const char* t = attr(atts, "Target");
    const char* type = attr(atts, "Type");
    if (!id || !t || target.size() >= 10'000) return;
    target[id] = t;
    std::string_view ty = type ? type : "";
    if (ty.size() >= 14 && ty.substr(ty.size() - 14) == "/sharedStrings") shared_strings = t;
  }
  void end(std::string_view) override {}
  void text(const char*, int) override {}
};

// xl/sharedStrings.xml: every <si>'s text, runs concatenated, phonetic runs left out,
// into `table` (a temporary file: the table can be as large as the sheet).
class SharedStringsPart : public XmlPart {
 public:
  SharedStringsPart(StringTable& table, std::uint64_t max_count) : table_(table), max_(max_count) {}
  bool too_many = false;
  std::optional<Error> io_error;  // the table's, which stopped the parse

 protected:
  void start(std::string_view name, const char**) override {
    if (name == "si")
      in_si_ = true;
    else if (name == "rPh")
      ++in_rph_;
    else if (name == "t" && in_si_ && in_rph_ == 0)
      collecting_ = true;
  }
  void end(std::string_view name) override {
    if (name == "t") {
      collecting_ = false;
    } else if (name == "rPh") {
      if (in_rph_ > 0) --in_rph_;
    } else if (name == "si") {
      in_si_ = false;
      if (table_.size() >= max_) {
        too_many = true;
        XML_StopParser(p_, XML_FALSE);
        return;
      }
      if (auto st = table_.end_string(); !st) stop(st.error());
    }
  }
  void text(const char* s, int len) override {
    if (!collecting_) return;
    if (auto st = table_.append(std::string_view(s, static_cast<std::size_t>(len))); !st) stop(st.error());
  }

 private:
  void stop(const Error& e) {
    if (!io_error) io_error = e;
    XML_StopParser(p_, XML_FALSE);
  }
  StringTable& table_;
  std::uint64_t max_;
  bool in_si_ = false;
  int in_rph_ = 0;
  bool collecting_ = false;
};

// "BC" -> 54 (0-based), or -1 when `ref` does not start with 1-3 column letters.
long column_of(std::string_view ref) {
  long col = 0;
  std::size_t i = 0;
  while (i < ref.size() && i < 4 && ref[i] >= 'A' && ref[i] <= 'Z') {
    col = col * 26 + (ref[i] - 'A' + 1);
    ++i;
  }
  if (i == 0 || i > 3) return -1;
  for (std::size_t j = i; j < ref.size(); ++j) {
    if (ref[j] < '0' || ref[j] > '9') return -1;
  }
  return col - 1;
}

bool parse_long(std::string_view s, long& out) {
  if (s.empty() || s.size() > 9) return false;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

bool looks_like_zip(std::string_view head) {
  return head.size() >= 4 && head.substr(0, 4) == std::string_view("PK\3\4", 4);
}

struct XlsxReader::Impl {
  XlsxLimits limits;
  std::string memory;  // the archive when opened from memory
  zip_t* zip = nullptr;
  std::uint64_t total_read = 0;
  std::optional<StringTable> strings;  // the shared strings, when the workbook has them

  std::string sheet_name;
  std::uint64_t sheet_size = 0;
  bool date1904 = false;

  // One open zip entry, read in chunks under the caps.
  struct Entry {
    zip_file_t* file = nullptr;
    std::string name;
    std::uint64_t size = 0;  // from the directory (progress only)
    std::uint64_t compressed = 0;
    std::uint64_t read = 0;  // inflated bytes actually read
    ~Entry() {
      if (file) zip_fclose(file);
    }
  };

  ~Impl() {
    sheet.reset();
    if (zip) zip_discard(zip);
  }

  Result<std::unique_ptr<Entry>> open_entry(const std::string& name) {
    const zip_int64_t index = zip_name_locate(zip, name.c_str(), ZIP_FL_NOCASE);
    if (index < 0) return bad("the part " + name + " is missing");
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip, static_cast<zip_uint64_t>(index), 0, &st) != 0)
      return bad("cannot read the entry of " + name);
    auto e = std::make_unique<Entry>();
    e->name = name;
    e->size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
    e->compressed = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
    if (e->size > limits.max_entry_bytes) {
      return Error("XLSX_TOO_LARGE", "xlsx: " + name + " would inflate to " + std::to_string(e->size) +
                                         " bytes (the limit is " + std::to_string(limits.max_entry_bytes) + ")");
    }
    e->file = zip_fopen_index(zip, static_cast<zip_uint64_t>(index), 0);
    if (!e->file) return bad("cannot open " + name + " (" + zip_strerror(zip) + ")");
    return e;
  }

  // Reads up to `n` inflated bytes of `e`; 0 at its end.
  Result<std::size_t> read(Entry& e, char* buf, std::size_t n) {
    const zip_int64_t got = zip_fread(e.file, buf, n);
    if (got < 0) return bad("cannot inflate " + e.name + " (" + zip_file_strerror(e.file) + ")");
    e.read += static_cast<std::uint64_t>(got);
    total_read += static_cast<std::uint64_t>(got);
    auto too_large = [&](const std::string& what) {
      return Error("XLSX_TOO_LARGE", "xlsx: " + e.name + " " + what + " (a zip bomb?)");
    };
    if (e.read > limits.max_entry_bytes)
      return too_large("inflates past " + std::to_string(limits.max_entry_bytes) + " bytes");
    if (total_read > limits.max_total_bytes) {
      return too_large("takes the workbook past " + std::to_string(limits.max_total_bytes) + " inflated bytes");
    }
    if (e.read > kRatioFloor && e.read / std::max<std::uint64_t>(e.compressed, 1) > limits.max_ratio) {
      return too_large("inflates more than " + std::to_string(limits.max_ratio) + " times its compressed size");
    }
    return static_cast<std::size_t>(got);
  }

  // Parses a whole part with `part`.
  Status parse_whole(const std::string& name, XmlPart& part) {
    auto e = open_entry(name);
    if (!e) return e.error();
    std::vector<char> buf(kChunk);
    for (;;) {
      auto n = read(**e, buf.data(), buf.size());
      if (!n) return n.error();
      if (XML_Parse(part.parser(), buf.data(), static_cast<int>(*n), *n == 0) != XML_STATUS_OK) {
        return bad(name + ": " + part.why());
      }
      if (*n == 0) return Status::Ok();
    }
  }

  // The sheet being streamed. Its parser suspends itself at each </row>.
  class Sheet : public XmlPart {
   public:
    Sheet(Impl& owner, std::unique_ptr<Entry> entry) : owner_(owner), entry_(std::move(entry)) {}

    Entry& entry() { return *entry_; }
    long row_number() const { return row_; }

    // Parses up to the end of the next row. True with the row in cells()/used(), false at
    // the end of the sheet.
    Result<bool> next_row() {
      if (dead_) return false;
      ready_ = false;
      for (;;) {
        XML_Status status;
        if (suspended_) {
          suspended_ = false;
          status = XML_ResumeParser(p_);
        } else {
          if (final_) return false;
          // Inflate straight into expat's own buffer (no copy).
          void* buf = XML_GetBuffer(p_, static_cast<int>(kChunk));
          if (!buf) {
            dead_ = true;
            return bad(entry_->name + ": out of memory for the XML buffer");
          }
          auto n = owner_.read(*entry_, static_cast<char*>(buf), kChunk);
          if (!n) {
            dead_ = true;
            return n.error();
          }
          final_ = *n == 0;
          status = XML_ParseBuffer(p_, static_cast<int>(*n), final_);
        }
        if (status == XML_STATUS_ERROR) {
          dead_ = true;
          // Fatal (line 0): the rest of the sheet cannot be read.
          return bad(entry_->name + ": " + why() + " (after sheet row " + std::to_string(row_) + ")");
        }
        if (status == XML_STATUS_SUSPENDED) suspended_ = true;
        if (fatal_) {  // the shared strings' temporary file failed
          dead_ = true;
          return *fatal_;
        }
        if (ready_) return true;
        if (final_ && !suspended_) return false;
      }
    }

    std::vector<std::string>& cells() { return cells_; }
    std::size_t used() const { return used_; }
    const std::optional<std::string>& row_error() const { return row_error_; }

   protected:
    void start(std::string_view name, const char** atts) override {
      if (name == "row") {
        long r = 0;
        const char* ra = attr(atts, "r");
        row_ = ra && parse_long(ra, r) ? r : row_ + 1;
        for (std::size_t i = 0; i < used_; ++i) cells_[i].clear();
        used_ = 0;
        col_ = -1;
        row_error_.reset();
        in_row_ = true;
      } else if (name == "c" && in_row_) {
        // r and t in one pass over the attributes (a cell has two or three).
        const char* ref = nullptr;
        const char* t = nullptr;
        for (int i = 0; atts[i]; i += 2) {
          const std::string_view a = local(atts[i]);
          if (a.size() != 1) continue;
          if (a[0] == 'r' && !ref) ref = atts[i + 1];
          else if (a[0] == 't' && !t) t = atts[i + 1];
        }
        // s shared, i inlineStr, f str (formula string), b boolean; anything else as stored.
        type_ = !t                                 ? 'n'
                : std::strcmp(t, "s") == 0         ? 's'
                : std::strcmp(t, "inlineStr") == 0 ? 'i'
                : std::strcmp(t, "str") == 0       ? 'f'
                : std::strcmp(t, "b") == 0         ? 'b'
                                                   : 'n';
        if (ref) {
          const long c = column_of(ref);
          if (c < 0 && !row_error_)
            row_error_ = std::string("the cell reference '") + std::string(ref).substr(0, 20) + "' is not A1 style";
          col_ = c < 0 ? col_ + 1 : c;
        } else {
          ++col_;
        }
        value_.clear();
        in_cell_ = true;
      } else if (in_cell_) {
        if (name == "v")
          collecting_ = true;
        else if (name == "is")
          in_is_ = true;
        else if (name == "rPh")
          ++in_rph_;
        else if (name == "t" && in_is_ && in_rph_ == 0)
          collecting_ = true;
      }
    }

    void end(std::string_view name) override {
      if (name == "v" || name == "t") {
        collecting_ = false;
      } else if (name == "rPh") {
        if (in_rph_ > 0) --in_rph_;
      } else if (name == "is") {
        in_is_ = false;
      } else if (name == "c" && in_cell_) {
        in_cell_ = false;
        place();
      } else if (name == "row" && in_row_) {
        in_row_ = false;
        ready_ = true;
        XML_StopParser(p_, XML_TRUE);
      }
    }

    void text(const char* s, int len) override {
      if (!collecting_) return;
      if (value_.size() + static_cast<std::size_t>(len) > kMaxCellBytes) {
        if (!row_error_) row_error_ = "a cell longer than " + std::to_string(kMaxCellBytes) + " bytes";
        return;
      }
      value_.append(s, static_cast<std::size_t>(len));
    }

   private:
    void place() {
      if (col_ < 0 || static_cast<std::size_t>(col_) >= owner_.limits.max_columns) {
        if (!row_error_) row_error_ = "a cell beyond column " + std::to_string(owner_.limits.max_columns);
        return;
      }
      const auto c = static_cast<std::size_t>(col_);
      if (cells_.size() <= c) cells_.resize(c + 1);
      if (used_ <= c) used_ = c + 1;
      std::string& out = cells_[c];
      out.clear();
      if (type_ == 's') {
        long index = -1;
        const std::uint64_t count = owner_.strings ? owner_.strings->size() : 0;
        if (!parse_long(trim_blanks(value_), index) || static_cast<std::uint64_t>(index) >= count) {
          if (!row_error_) {
            row_error_ = "column " + std::to_string(c + 1) + ": shared string index '" + value_.substr(0, 20) +
                         "' is out of range (the table has " + std::to_string(count) + ")";
          }
          return;
        }
        if (auto st = owner_.strings->get(static_cast<std::uint64_t>(index), out); !st && !fatal_) {
          fatal_ = st.error();
        }
      } else if (type_ == 'b') {
        const auto v = trim_blanks(value_);
        out = v == "1" ? "TRUE" : v == "0" ? "FALSE" : std::string(v);
      } else if (type_ == 'i' || type_ == 'f') {
        out = value_;
      } else {
        out.assign(trim_blanks(value_));  // n, e, d: the lexical as stored
      }
    }

    Impl& owner_;
    std::unique_ptr<Entry> entry_;
    bool suspended_ = false, final_ = false, dead_ = false, ready_ = false;
    bool in_row_ = false, in_cell_ = false, in_is_ = false, collecting_ = false;
    int in_rph_ = 0;
    long row_ = 0;
    long col_ = -1;
    char type_ = 'n';
    std::string value_;
    std::vector<std::string> cells_;
    std::size_t used_ = 0;
    std::optional<std::string> row_error_;
    std::optional<Error> fatal_;
  };

  std::unique_ptr<Sheet> sheet;
  std::size_t width = 0;  // the header's width, once read
  bool header_read = false;
  long line = 0;

  Result<std::unique_ptr<Sheet>> open_sheet(const std::string& part) {
    auto e = open_entry(part);
    if (!e) return e.error();
    return std::make_unique<Sheet>(*this, std::move(*e));
  }

  // Reads a sheet's first non-empty row (for choosing the sheet by its header).
  Result<std::vector<std::string>> first_row(const std::string& part) {
    auto s = open_sheet(part);
    if (!s) return s.error();
    for (;;) {
      auto more = (*s)->next_row();
      if (!more) return more.error();
      if (!*more) return std::vector<std::string>{};
      auto& cells = (*s)->cells();
      const std::size_t used = (*s)->used();
      bool any = false;
      for (std::size_t i = 0; i < used; ++i) any = any || !cells[i].empty();
      if (any) return std::vector<std::string>(cells.begin(), cells.begin() + static_cast<long>(used));
    }
  }

  Status select_sheet() {
    const zip_int64_t entries = zip_get_num_entries(zip, 0);
    if (entries < 0 || entries > limits.max_entries) {
      return Error("XLSX_TOO_LARGE", "xlsx: the archive has " + std::to_string(entries) + " entries (the limit is " +
                                         std::to_string(limits.max_entries) + ")");
    }
    WorkbookPart wb;
    if (auto st = parse_whole("xl/workbook.xml", wb); !st) return st;
    date1904 = wb.date1904;
    RelsPart rels;
    if (auto st = parse_whole("xl/_rels/workbook.xml.rels", rels); !st) return st;
    auto resolve = [](std::string target) {
      if (!target.empty() && target[0] == '/') return target.substr(1);
      std::string path = "xl/";
      while (target.rfind("./", 0) == 0) target.erase(0, 2);
      while (target.rfind("../", 0) == 0) {
        target.erase(0, 3);
        path.clear();
      }
      return path + target;
    };
    // Shared strings: optional (a workbook of inline strings has none).
    {
      std::string part = rels.shared_strings.empty() ? "xl/sharedStrings.xml" : resolve(rels.shared_strings);
      if (zip_name_locate(zip, part.c_str(), ZIP_FL_NOCASE) >= 0) {
        auto table = StringTable::create();
        if (!table) return table.error();
        strings.emplace(std::move(*table));
        SharedStringsPart sst(*strings, limits.max_shared_strings);
        Status st = parse_whole(part, sst);
        if (sst.too_many) {
          return Error("XLSX_TOO_LARGE",
                       "xlsx: more than " + std::to_string(limits.max_shared_strings) + " shared strings");
        }
        if (sst.io_error) return *sst.io_error;
        if (!st) return st;
        if (auto done = strings->finish(); !done) return done;
      }
    }
    auto part_of = [&](const WorkbookPart::Sheet& s) -> std::optional<std::string> {
      auto t = rels.target.find(s.rid);
      if (t == rels.target.end()) return std::nullopt;
      return resolve(t->second);
    };
    auto choose = [&](const WorkbookPart::Sheet& s, const std::string& part) -> Status {
      auto opened = open_sheet(part);
      if (!opened) return opened.error();
      sheet = std::move(*opened);
      sheet_name = s.name;
      sheet_size = sheet->entry().size;
      return Status::Ok();
    };
    for (const auto& s : wb.sheets) {
      if (s.name != kEinvoiceLineSheet) continue;
      auto part = part_of(s);
      if (!part) return bad("the sheet " + s.name + " has no part in xl/_rels/workbook.xml.rels");
      return choose(s, *part);
    }
    bool basic_only = false;
    for (const auto& s : wb.sheets) {
      if (s.name == "发票基础信息") basic_only = true;
      auto part = part_of(s);
      if (!part) continue;
      auto header = first_row(*part);
      if (!header) return header.error();
      bool seller = false, model = false;
      for (const auto& h : *header) {
        seller = seller || trim_name(h) == "销方识别号";
        model = model || trim_name(h) == "规格型号";
      }
      if (seller && model) return choose(s, *part);
    }
    if (basic_only) {
      return Error(
          "BAD_HEADER",
          "工作簿只有票面级的「发票基础信息」表，没有明细级的「信息汇总表」：请在全量发票查询中导出含明细的结果。"
          " / The workbook has only the invoice-level sheet 发票基础信息, not the line-level sheet "
          "信息汇总表: export the query with its line details.",
          "", 1);
    }
    return Error(
        "BAD_HEADER",
        "工作簿中没有「信息汇总表」，也没有表头含「销方识别号」和「规格型号」的表。 / The workbook has no sheet "
        "named 信息汇总表 and no sheet whose header has 销方识别号 and 规格型号.",
        "", 1);
  }
};

XlsxReader::XlsxReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
XlsxReader::~XlsxReader() = default;

Result<std::unique_ptr<XlsxReader>> XlsxReader::open_file(const std::string& path, const XlsxLimits& limits) {
  auto impl = std::make_unique<Impl>();
  impl->limits = limits;
  int err = 0;
  impl->zip = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!impl->zip) {
    if (err == ZIP_ER_OPEN || err == ZIP_ER_READ) return Error("IO", "cannot open '" + path + "' for reading");
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    std::string why = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    return bad("'" + path + "' is not a readable zip archive (" + why + ")");
  }
  if (auto st = impl->select_sheet(); !st) return st.error();
  return std::unique_ptr<XlsxReader>(new XlsxReader(std::move(impl)));
}

Result<std::unique_ptr<XlsxReader>> XlsxReader::open_memory(std::string bytes, const XlsxLimits& limits) {
  auto impl = std::make_unique<Impl>();
  impl->limits = limits;
  impl->memory = std::move(bytes);
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t* src = zip_source_buffer_create(impl->memory.data(), impl->memory.size(), 0, &ze);
  if (!src) {
    zip_error_fini(&ze);
    return bad("cannot read the archive");
  }
  impl->zip = zip_open_from_source(src, ZIP_RDONLY, &ze);
  if (!impl->zip) {
    zip_source_free(src);
    std::string why = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    return bad("not a readable zip archive (" + why + ")");
  }
  zip_error_fini(&ze);
  if (auto st = impl->select_sheet(); !st) return st.error();
  return std::unique_ptr<XlsxReader>(new XlsxReader(std::move(impl)));
}

Result<bool> XlsxReader::next(std::vector<std::string>& cells) {
  Impl& m = *impl_;
  for (;;) {
    auto more = m.sheet->next_row();
    if (!more) {
      m.line = m.sheet->row_number();
      return more.error();
    }
    if (!*more) return false;
    m.line = m.sheet->row_number();
    auto& row = m.sheet->cells();
    std::size_t used = m.sheet->used();
    if (m.sheet->row_error()) return bad("row " + std::to_string(m.line) + ": " + *m.sheet->row_error(), m.line);
    while (used > 0 && row[used - 1].empty()) --used;
    if (used == 0) continue;  // an empty row
    if (!m.header_read) {
      m.header_read = true;
      m.width = used;
    }
    cells.resize(m.width);
    for (std::size_t i = 0; i < m.width; ++i) {
      if (i < used)
        cells[i].swap(row[i]);
      else
        cells[i].clear();
    }
    return true;
  }
}

long XlsxReader::record_line() const { return impl_->line; }
const std::string& XlsxReader::sheet_name() const { return impl_->sheet_name; }
bool XlsxReader::date1904() const { return impl_->date1904; }
std::uint64_t XlsxReader::sheet_bytes() const { return impl_->sheet_size; }
std::uint64_t XlsxReader::sheet_bytes_read() const { return impl_->sheet ? impl_->sheet->entry().read : 0; }

}  // namespace chipreg::importers
