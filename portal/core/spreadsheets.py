"""Reading and writing simple tables as CSV and Excel (.xlsx) files. No domain knowledge here.

``read_table`` turns an uploaded file into (headers, rows) of text; ``write_csv`` and
``write_xlsx`` turn headers and rows into a file a spreadsheet opens safely: every text cell
that a spreadsheet would run as a formula is escaped (``escape_cell``).

Row numbers: the first row of the file holds the headers (row 1 as the user sees it); the
i-th element of ``rows`` is row ``i + 2``. Blank rows inside the table are kept (as empty
lists) so that the numbering stays true; blank rows at the end are dropped. Trailing empty
cells of a row are dropped too, so rows may be shorter than the headers.
"""
import csv
import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from xml.etree.ElementTree import ParseError

import filetype
from flask_babel import lazy_gettext as _l

from portal.core.errors import DomainError

# A cell starting with one of these is run as a formula by Excel, LibreOffice or WPS.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITERS = ",;\t"
ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) format
MAX_COLUMNS = 200


class SpreadsheetError(DomainError):
    """The file cannot be read as a table; the message says why and what to do."""


# ---- reading ----------------------------------------------------------------------------------


def read_table(data, filename=None, max_rows=None):
    """(headers, rows) from the bytes of a CSV or .xlsx file, told apart by content.

    Every value is text, stripped of surrounding white space (numbers as written, dates as
    ISO dates). The kind of file is told by its content, never by ``filename``. With
    ``max_rows``, a file with more rows than that (after the header) is refused without being
    read to the end.
    """
    if not data:
        raise SpreadsheetError(_l("The file is empty."))
    if data.startswith(ZIP_MAGIC):
        records = _xlsx_records(data)
    elif data.startswith(OLE_MAGIC):
        raise SpreadsheetError(_l("This is an old Excel file (.xls). In Excel, save it as an Excel workbook (.xlsx) "
                                  "or as CSV UTF-8, and send that file."))
    else:
        records = _csv_records(data)
    try:
        return _collect(records, max_rows)
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()


def _collect(records, max_rows):
    headers = None
    rows = []
    blank_run = 0
    counted = 0  # rows after the header, blank rows inside the table included
    try:
        for record in records:
            cells = [_text(value) for value in record]
            while cells and cells[-1] == "":
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                raise SpreadsheetError(_l("The file has more than %(n)d columns.", n=MAX_COLUMNS))
            if headers is None:
                headers = cells
                continue
            if not cells:
                blank_run += 1  # kept only if a row follows, so that trailing blank rows cost nothing
                continue
            rows.extend([] for _ in range(blank_run))
            rows.append(cells)
            counted += blank_run + 1
            blank_run = 0
            if max_rows is not None and counted > max_rows:
                raise SpreadsheetError(
                    _l("The file has more than %(n)d rows. Split it into smaller files.", n=max_rows))
    except csv.Error as error:
        raise SpreadsheetError(_l("The file could not be read as CSV (%(reason)s).", reason=str(error))) from error
    except (ParseError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as error:  # a damaged workbook
        raise SpreadsheetError(_l("This Excel workbook is damaged and could not be read.")) from error
    if not headers:
        raise SpreadsheetError(_l("The first row of the file is empty: it must hold the column names."))
    return headers, rows


def _text(value):
    """A cell as text: numbers as written, without a spurious ``.0``; dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time.min else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()


def _csv_records(data):
    utf16 = data.startswith(UTF16_BOMS)
    binary = not utf16 and b"\x00" in data[:65536]
    if binary or filetype.image_match(data) or filetype.archive_match(data):  # a picture, a PDF, …
        raise SpreadsheetError(_l("This file is neither a CSV file nor an Excel workbook (.xlsx)."))
    text = decode_text(data)
    if "\x00" in text:
        raise SpreadsheetError(_l("This file is neither a CSV file nor an Excel workbook (.xlsx)."))
    delimiter = sniff_delimiter(text)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def decode_text(data):
    """Text from bytes: UTF-16 with a BOM, UTF-8 with or without a BOM, else GB18030 (which is
    what Excel and WPS write for "CSV" on a Chinese Windows)."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(
        _l("The file's text could not be read. Save it as CSV UTF-8 or as an Excel workbook (.xlsx)."))


def sniff_delimiter(text):
    """Comma, semicolon or tab, as used in the file; a comma when it cannot be told."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    # The sniffer guesses from every line; the header line has no quoted text to mislead it, so
    # trust the header when the guess does not appear there at all.
    first_line = sample.lstrip("\ufeff").split("\n", 1)[0]
    if delimiter not in first_line:
        counts = {d: first_line.count(d) for d in CSV_DELIMITERS}
        best = max(counts, key=counts.get)
        delimiter = best if counts[best] else ","
    return delimiter


def _xlsx_records(data):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        raise SpreadsheetError(_l("This file is neither a CSV file nor an Excel workbook (.xlsx) that can be read.")) \
            from error
    return _sheet_rows(workbook)


def _sheet_rows(workbook):
    try:
        sheet = workbook.active or workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record wrong dimensions; read every row there is
        yield from sheet.iter_rows(min_row=1, values_only=True)
    finally:
        workbook.close()


def column_letter(index):
    """The spreadsheet name of the column at 0-based ``index``: 0 -> "A", 27 -> "AB"."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# ---- writing ----------------------------------------------------------------------------------


def escape_cell(value):
    """A text cell that a spreadsheet would run as a formula, with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unescape_cell(value):
    """Undo ``escape_cell`` (for a file exported here and read back)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_cell(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return escape_cell(str(value))


def write_csv(headers, rows):
    """CSV bytes in UTF-8 with a BOM (so that Excel shows Chinese correctly), every cell escaped."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_value(str(h)) for h in headers])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(title):
    title = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title or "")).strip("'") or "Sheet1"
    return title[:31]


def write_xlsx(headers, rows, sheet_title):
    """An .xlsx workbook of one sheet, the headers bold and frozen, every cell escaped.

    Values may be text, numbers (int, Decimal), dates and naive datetimes; give local times,
    as Excel has no time zones (an aware datetime is written without its zone).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    def clean(value):
        if isinstance(value, str):
            return escape_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)
        if isinstance(value, (int, float, Decimal, date, time)) or value is None:
            return value
        return escape_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value)))

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_title))
    sheet.freeze_panes = "A2"
    header_cells = []
    bold = Font(bold=True)
    for header in headers:
        cell = WriteOnlyCell(sheet, value=clean(str(header)))
        cell.font = bold
        header_cells.append(cell)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(str(header)) * 2 + 4))
    sheet.append(header_cells)
    for row in rows:
        sheet.append([clean(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
