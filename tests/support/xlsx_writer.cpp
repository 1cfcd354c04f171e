// Test-only xlsx writer on libzip (see xlsx_writer.hpp).
#include <cstdlib>
#include <cstring>
#include "support/xlsx_writer.hpp"

#include <zip.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <unordered_map>

namespace chipreg::testing {
namespace {

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool starts(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

const char* kContentTypes =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/xl/workbook.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
    "</Types>";
const char* kRootRels =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";

class Strings {
 public:
  std::size_t index(const std::string& s) {
    auto [it, fresh] = index_.emplace(s, index_.size());
    if (fresh) {
      xml_ += "<si>";
      if (starts(s, "#rich:")) {
        std::string_view rest = std::string_view(s).substr(6);
        for (;;) {
          const auto bar = rest.find('|');
          xml_ += "<r><rPr><b/></rPr><t xml:space=\"preserve\">" + escape(rest.substr(0, bar)) + "</t></r>";
          if (bar == std::string_view::npos) break;
          rest.remove_prefix(bar + 1);
        }
        xml_ += "<rPh sb=\"0\" eb=\"1\"><t>ピンイン</t></rPh><phoneticPr fontId=\"1\"/>";
      } else {
        xml_ += "<t xml:space=\"preserve\">" + escape(s) + "</t>";
      }
      xml_ += "</si>";
    }
    return it->second;
  }
  std::string part() const {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sst xmlns=\"http://schemas.openxmlformats.org/"
           "spreadsheetml/2006/main\" count=\"" +
           std::to_string(index_.size()) + "\" uniqueCount=\"" + std::to_string(index_.size()) + "\">" + xml_ +
           "</sst>";
  }
  bool empty() const { return index_.empty(); }

 private:
  std::unordered_map<std::string, std::size_t> index_;
  std::string xml_;
};

// One sheet's XML, streamed to a temporary file.
struct SheetFile {
  std::string path;
  std::FILE* f = nullptr;
  long row = 0;
  explicit SheetFile(std::string p) : path(std::move(p)) {
    f = std::fopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error("xlsx_writer: cannot write " + path);
    std::fputs(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://"
        "schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
        f);
  }
  void add(const std::vector<std::string>& cells, Strings& strings, const XlsxOptions& o) {
    row = row == 0 ? std::stol(o.first_row) : row + 1;
    std::string x = o.omit_row_refs ? "<row>" : "<row r=\"" + std::to_string(row) + "\">";
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::string& v = cells[c];
      if (v.empty()) continue;
      const std::string r = column_letters(c) + std::to_string(row);
      if (starts(v, "#n:")) {
        x += "<c r=\"" + r + "\" t=\"n\"><v>" + escape(v.substr(3)) + "</v></c>";
      } else if (starts(v, "#b:")) {
        x += "<c r=\"" + r + "\" t=\"b\"><v>" + escape(v.substr(3)) + "</v></c>";
      } else if (starts(v, "#e:")) {
        x += "<c r=\"" + r + "\" t=\"e\"><v>" + escape(v.substr(3)) + "</v></c>";
      } else if (starts(v, "#f:")) {
        x += "<c r=\"" + r + "\" t=\"str\"><f>CONCAT(\"x\")</f><v>" + escape(v.substr(3)) + "</v></c>";
      } else if (o.strings == XlsxStrings::kShared) {
        x += "<c r=\"" + r + "\" t=\"s\"><v>" + std::to_string(strings.index(v)) + "</v></c>";
      } else {
        x += "<c r=\"" + r + "\" t=\"inlineStr\"><is><t>" + escape(v) + "</t></is></c>";
      }
    }
    x += "</row>";
    std::fwrite(x.data(), 1, x.size(), f);
  }
  void close() {
    std::fputs("</sheetData></worksheet>", f);
    std::fclose(f);
    f = nullptr;
  }
};

void add_part(zip_t* z, const std::string& name, const std::string& content) {
  // libzip reads the buffer only at zip_close: give it a copy it owns (freep = 1), never a
  // pointer into `content`, which may be a temporary (ASan: heap-use-after-free).
  void* copy = std::malloc(content.empty() ? 1 : content.size());
  if (copy == nullptr) throw std::runtime_error("xlsx_writer: out of memory");
  std::memcpy(copy, content.data(), content.size());
  zip_source_t* src = zip_source_buffer(z, copy, content.size(), 1);
  if (src == nullptr) std::free(copy);
  if (!src || zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) < 0) {
    if (src) zip_source_free(src);
    throw std::runtime_error("xlsx_writer: cannot add " + name);
  }
}

zip_t* create(const std::string& path) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) throw std::runtime_error("xlsx_writer: cannot create " + path);
  return z;
}

// Writes the workbook around the sheet files (their contents are read at zip_close).
void assemble(const std::string& path, const std::vector<std::string>& names, const std::vector<SheetFile>& files,
              const Strings& strings) {
  std::string wb =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<workbook xmlns=\"http://schemas.openxmlformats.org/"
      "spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
      "<sheets>";
  std::string rels =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/"
      "package/2006/relationships\">";
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    wb += "<sheet name=\"" + escape(names[i]) + "\" sheetId=\"" + n + "\" r:id=\"rId" + n + "\"/>";
    rels += "<Relationship Id=\"rId" + n +
            "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
            "Target=\"worksheets/sheet" +
            n + ".xml\"/>";
  }
  wb += "</sheets></workbook>";
  const std::string sst_id = "rId" + std::to_string(names.size() + 1);
  rels += "<Relationship Id=\"" + sst_id +
          "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" "
          "Target=\"sharedStrings.xml\"/></Relationships>";
  const std::string sst = strings.part();
  zip_t* z = create(path);
  try {
    add_part(z, "[Content_Types].xml", kContentTypes);
    add_part(z, "_rels/.rels", kRootRels);
    add_part(z, "xl/workbook.xml", wb);
    add_part(z, "xl/_rels/workbook.xml.rels", rels);
    if (!strings.empty()) add_part(z, "xl/sharedStrings.xml", sst);
    for (std::size_t i = 0; i < files.size(); ++i) {
      zip_source_t* src = zip_source_file(z, files[i].path.c_str(), 0, -1);
      const std::string name = "xl/worksheets/sheet" + std::to_string(i + 1) + ".xml";
      if (!src || zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE) < 0) {
        if (src) zip_source_free(src);
        throw std::runtime_error("xlsx_writer: cannot add " + name);
      }
    }
  } catch (...) {
    zip_discard(z);
    throw;
  }
  if (zip_close(z) != 0) {
    std::string why = zip_strerror(z);
    zip_discard(z);
    throw std::runtime_error("xlsx_writer: cannot write " + path + ": " + why);
  }
}

}  // namespace

std::string column_letters(std::size_t col) {
  std::string s;
  ++col;
  while (col > 0) {
    s.insert(s.begin(), static_cast<char>('A' + (col - 1) % 26));
    col = (col - 1) / 26;
  }
  return s;
}

void write_xlsx(const std::string& path, const std::vector<XlsxSheet>& sheets, const XlsxOptions& options) {
  Strings strings;
  std::vector<SheetFile> files;
  std::vector<std::string> names;
  files.reserve(sheets.size());
  for (std::size_t i = 0; i < sheets.size(); ++i) {
    files.emplace_back(path + ".sheet" + std::to_string(i + 1) + ".xml");
    for (const auto& row : sheets[i].rows) files.back().add(row, strings, options);
    files.back().close();
    names.push_back(sheets[i].name);
  }
  assemble(path, names, files, strings);
  for (const auto& f : files) std::filesystem::remove(f.path);
}

void write_zip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& parts) {
  zip_t* z = create(path);
  for (const auto& [name, content] : parts) add_part(z, name, content);
  if (zip_close(z) != 0) {
    zip_discard(z);
    throw std::runtime_error("xlsx_writer: cannot write " + path);
  }
}

struct XlsxStreamWriter::Impl {
  std::string path, name;
  XlsxOptions options;
  Strings strings;
  std::vector<SheetFile> files;
};

XlsxStreamWriter::XlsxStreamWriter(std::string path, std::string sheet_name, XlsxOptions options)
    : impl_(new Impl{path, std::move(sheet_name), std::move(options), {}, {}}) {
  impl_->files.emplace_back(path + ".sheet1.xml");
}

XlsxStreamWriter::~XlsxStreamWriter() {
  for (auto& f : impl_->files) {
    if (f.f) std::fclose(f.f);
    std::filesystem::remove(f.path);
  }
  delete impl_;
}

void XlsxStreamWriter::add_row(const std::vector<std::string>& cells) {
  impl_->files.back().add(cells, impl_->strings, impl_->options);
}

void XlsxStreamWriter::finish() {
  impl_->files.back().close();
  assemble(impl_->path, {impl_->name}, impl_->files, impl_->strings);
}

}  // namespace chipreg::testing
