"""Reading a CSV export into a :class:`Table`.

Real exports come with a byte-order mark, CRLF line endings, semicolons
(European Excel) or tabs, and now and then in Latin-1.  The delimiter is
taken from the header line; a row whose cell count differs from the header's
is a row problem that says so (the usual sign of a wrong delimiter or an
unquoted comma), never a silently shifted row, and a quote never closed
refuses the file naming its row (the csv module would read the rest of the
file as that one cell).  The one exception is a report footer: after a
blank line, lines of one cell each ("Total", a title, "Confidential
Information - Do Not Distribute", as Salesforce reports end) are not rows;
they are left out with a warning saying how many.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Callable
from pathlib import Path

from pipeline_tui.dataio.importing.columns import compact
from pipeline_tui.dataio.importing.table import Row, RowProblem, Table
from pipeline_tui.i18n import _

DELIMITERS = (",", ";", "\t", "|")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def read_csv(
    path: Path,
    encoding: str | None = "utf-8-sig",
    delimiter: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Table:
    """Every row of ``path``; unreadable files give a table with one file-level problem.

    ``encoding`` None reads the file as its bytes say (:func:`decode_auto`).
    ``progress(done, total)`` follows the lines read (for a progress bar).
    """
    source = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return _failed(source, _("cannot read the file: {strerror}").format(strerror=exc.strerror))
    if encoding is None:
        decoded = decode_auto(raw, source)
        if isinstance(decoded, RowProblem):
            return Table(source, (), (), (decoded,))
        text, note = decoded
        table = parse_csv_text(text.removeprefix("\ufeff"), source, delimiter, progress)
        if note is None:
            return table
        return dataclasses.replace(table, problems=(note, *table.problems))
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        return Table(source, (), (), (_undecodable(raw, exc, encoding, source),))
    except LookupError:
        return _failed(source, _("unknown encoding {encoding!r}").format(encoding=encoding))
    return parse_csv_text(text.removeprefix("\ufeff"), source, delimiter, progress)


def decode_auto(raw: bytes, source: str) -> tuple[str, RowProblem | None] | RowProblem:
    """The text of a file whose encoding nobody gave, and a note when it was not UTF-8.

    UTF-8 (with or without a byte-order mark) first; UTF-16 when the file
    starts with its byte-order mark (Excel's "Unicode Text"); then GB18030,
    the superset of GBK that Excel on Chinese Windows saves "CSV" in, but
    only for a file that reads as Chinese in it (Chinese characters in the
    header, and most of its non-ASCII characters Chinese): a Latin-1 file
    would otherwise turn into nonsense characters without a word.  A file
    that is neither gives the problem naming the byte and the row.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), None
        except UnicodeDecodeError as exc:
            return _undecodable(raw, exc, "utf-16", source)
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as first:
        utf8 = first
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        head = raw[: exc.start].decode("gb18030", errors="replace")
        if _reads_as_chinese(head):
            return _undecodable(raw, exc, "gb18030", source, utf8)
        return _undecodable(raw, utf8, "utf-8", source)
    if not _reads_as_chinese(text):
        return _undecodable(raw, utf8, "utf-8", source)
    note = RowProblem(
        source,
        None,
        _(
            "read as GBK (GB18030), the encoding Excel on Chinese Windows saves CSV files in "
            "(the file is not UTF-8); pass --encoding to read it otherwise"
        ),
        severity="warning",
    )
    return text, note


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_SAMPLE = 200_000  # characters looked at to tell GBK from a misread Latin-1 file


def _reads_as_chinese(text: str) -> bool:
    """Two Chinese characters in the first line, and most of the text's Chinese ones common.

    Chinese text is nearly all in GB2312 (the 6,763 common characters, both
    bytes 0xA1 or above); a Latin-1 ``é`` before a letter is a valid GBK pair
    too, but one of GBK's rare extension characters.  So a Latin-1 file read
    as GBK has rare characters where a Chinese file has common ones.
    """
    header = text.lstrip("\r\n").split("\n", 1)[0]
    if len(_CJK.findall(header)) < 2:
        return False
    chinese = _CJK.findall(text, 0, _SAMPLE)  # a large file's start tells as well as all of it
    common = sum(1 for c in chinese if _is_common(c))
    return 2 * common >= len(chinese)


def _is_common(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _undecodable(
    raw: bytes,
    exc: UnicodeDecodeError,
    encoding: str,
    source: str,
    utf8: UnicodeDecodeError | None = None,
) -> RowProblem:
    """The problem for a byte ``encoding`` cannot read: where, and what to do.

    ``utf8`` is the UTF-8 failure of a file that reads as GBK up to ``exc``:
    the file is GBK with a damaged byte (or in yet another encoding).
    """
    row = raw[: exc.start].count(b"\n") + 1
    if utf8 is not None:
        message = _(
            "not valid UTF-8 text, and not valid GBK (GB18030) either: byte 0x{raw:02x} at "
            "byte {start} is neither (a damaged file, or another encoding); re-save it as "
            '"CSV UTF-8", or pass --encoding with the file\'s real encoding (gbk, big5, '
            "latin-1, ...)"
        ).format(raw=raw[exc.start], start=exc.start)
        return RowProblem(source, row, message)
    message = _(
        "not valid {upper} text (byte 0x{raw:02x} at byte {start}); re-save it "
        "as UTF-8, or pass --encoding latin-1 (or the file's real encoding)"
    ).format(
        upper=encoding.removesuffix("-sig").upper(),
        raw=raw[exc.start],
        start=exc.start,
    )
    return RowProblem(source, row, message)


def parse_csv_text(
    text: str,
    source: str,
    delimiter: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Table:
    if not text.strip():
        return _failed(source, _("the file is empty: expected a header row and data rows"))
    header_line = text.lstrip("\r\n").splitlines()[0]
    sep = delimiter or guess_delimiter(header_line)
    records, open_lines, failed = _read_records(text, sep, source, progress)
    if failed is not None:
        return Table(source, (), (), (failed,))
    while records and not any(cell.strip() for cell in records[0]):
        records.pop(0)
    cells = [cell.strip() for cell in records[0]]
    width = len(cells)  # with the empty cells a spreadsheet leaves at the end of the header
    while len(cells) > 1 and not cells[-1]:
        cells.pop()
    header = tuple(cells)
    problems = _header_problems(header, source)
    if problems:
        return Table(source, header, (), tuple(problems))
    if open_lines is not None:
        unclosed = _unclosed_quote(records, open_lines, header, source)
        rows, found, unread = _rows(records[1:-1], header, width, source, sep)
        lines = open_lines if len(records) > 1 else 0
        return Table(source, header, tuple(rows), (*found, unclosed), unread + lines)
    rows, problems, unread = _rows(records[1:], header, width, source, sep)
    if not rows and not problems:
        problems.append(RowProblem(source, None, _("the file has a header row but no data rows")))
    return Table(source, header, tuple(rows), tuple(problems), unread)


def _read_records(
    text: str, sep: str, source: str, progress: Callable[[int, int], None] | None
) -> tuple[list[list[str]], int | None, RowProblem | None]:
    """Every record of ``text``; the lines of a last one the file ends inside a quote of.

    The csv module reads a quote that is never closed as one cell running to
    the end of the file, without a word.  A mark no export writes is added
    after the text: it reads as a record of its own, unless the text ended
    inside a quoted cell, which then swallows it.  The csv module's cell
    limit (128 KiB, a guard for files read in pieces) is lifted while the
    text, already whole in memory, is read: the rest of a large file in one
    cell is then this same clear problem, not "field larger than field limit".
    The third value is the problem that stopped the reading, if one did.
    """
    mark = next(c for c in _MARKS if c not in text)
    tail = "" if text.endswith(("\n", "\r")) else "\n"
    reader = csv.reader(io.StringIO(text + tail + mark, newline=""), delimiter=sep)
    total = text.count("\n") + 1
    records: list[list[str]] = []
    begin = end = 0  # the lines read before the last record, and after it
    limit = csv.field_size_limit(len(text) + 2)
    try:
        for record in reader:
            records.append(record)
            begin, end = end, reader.line_num
            if progress is not None and len(records) % 5000 == 0:
                progress(min(end, total), total)
    except csv.Error as exc:
        message = _("not a readable CSV file: {exc}").format(exc=exc)
        return [], None, RowProblem(source, reader.line_num, message)
    finally:
        csv.field_size_limit(limit)
    if progress is not None:
        progress(total, total)
    if records and records[-1] == [mark]:
        records.pop()
        return records, None, None
    records[-1][-1] = records[-1][-1].removesuffix(mark).removesuffix(tail)
    return records, end - begin - 1, None  # less the mark's line


#: Private-use characters, one of which marks the end of the text (see :func:`_read_records`).
_MARKS = tuple(chr(c) for c in range(0xE000, 0xF900))


def _unclosed_quote(
    records: list[list[str]], lines: int, header: tuple[str, ...], source: str
) -> RowProblem:
    """The last record opened a quote the file never closes: it swallowed ``lines`` lines."""
    row = len(records)  # the header is row 1
    first, end = row, row + lines - 1
    index = len(records[-1]) - 1
    column = header[index] if index < len(header) and row > 1 else None
    if end > first:
        message = _(
            "a quote opened here is never closed: the rest of the file (rows {first}-{end}) "
            "would be one cell; close the quote, or remove it"
        ).format(first=first, end=end)
    else:
        message = _(
            "a quote opened here is never closed: the rest of the row would be one cell; "
            "close the quote, or remove it"
        )
    return RowProblem(source, row, message, column, refuses_file=True)


def guess_delimiter(header_line: str) -> str:
    """The candidate that splits the header into the most columns (comma on a tie)."""
    counts = {sep: header_line.count(sep) for sep in DELIMITERS}
    best = max(DELIMITERS, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def _header_problems(header: tuple[str, ...], source: str) -> list[RowProblem]:
    """Empty header cells, and columns named twice.

    Columns are matched to fields ignoring case, spaces and punctuation, so
    two spellings of one name (``可能性 (%)`` and ``可能性（%）``, ``Deal Name``
    and ``deal_name``) are the same column twice as well: one would silently
    hide the other.
    """
    problems = []
    seen: set[str] = set()
    spelled: dict[str, str] = {}
    for index, name in enumerate(header, start=1):
        key = compact(name)
        if not name:
            problems.append(
                RowProblem(source, 1, _("header cell {index} is empty").format(index=index))
            )
        elif name.lower() in seen:
            problems.append(RowProblem(source, 1, _("the header names this column twice"), name))
        elif key and key in spelled:
            message = _(
                "the header names this column twice: {other!r} is the same name (columns are "
                "compared ignoring case, spaces and punctuation); rename or remove one"
            ).format(other=spelled[key])
            problems.append(RowProblem(source, 1, message, name))
        seen.add(name.lower())
        spelled.setdefault(key, name)
    return problems


def _rows(
    records: list[list[str]], header: tuple[str, ...], width: int, source: str, sep: str
) -> tuple[list[Row], list[RowProblem], int]:
    """The rows, the problems, and how many data records were refused for their shape.

    ``width`` counts the empty cells that end the header too (Excel writes
    ``title,account,,``): a row may have them or not, and they are left
    out, with a warning where one holds data.
    """
    rows: list[Row] = []
    problems: list[RowProblem] = []
    refused = 0
    footer = _footer_start(records, header)
    if footer is not None:
        problems.append(
            RowProblem(
                source,
                footer + 2,
                _(
                    "the {value} lines from here on are a report footer (one cell each "
                    "after a blank line), not deals: left out"
                ).format(value=len(records) - footer),
                severity="warning",
            )
        )
        records = records[:footer]
    for number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue  # a blank line is not a row
        if len(header) < len(record) <= width:
            problems += _unnamed_cells(record, header, number, source)
            record = record[: len(header)]
        if len(record) != len(header):
            refused += 1
            problems.append(
                RowProblem(
                    source,
                    number,
                    _(
                        "has {n_record} cells but the header has {n_header} (read as "
                        "{get}-separated; a wrong delimiter or an unquoted separator inside a "
                        "cell?)"
                    ).format(
                        n_record=len(record),
                        n_header=width,
                        get=_NAMES.get(sep, repr(sep)),
                    ),
                )
            )
            continue
        rows.append(Row(number, dict(zip(header, (c.strip() for c in record), strict=True))))
    return rows, problems, refused


def _unnamed_cells(
    record: list[str], header: tuple[str, ...], row: int, source: str
) -> list[RowProblem]:
    """A warning for each cell with data under an empty header cell: it cannot be imported."""
    return [
        RowProblem(
            source,
            row,
            _(
                "cell {index} has {value!r} but its header cell is empty: left out (name "
                "the column in the header to import it)"
            ).format(index=index, value=cell.strip()),
            severity="warning",
        )
        for index, cell in enumerate(record[len(header) :], start=len(header) + 1)
        if cell.strip()
    ]


def _footer_start(records: list[list[str]], header: tuple[str, ...]) -> int | None:
    """Index of the blank line that starts a footer of one-cell lines, if the file has one."""
    if len(header) < 2:
        return None
    blank = None
    for index, record in enumerate(records):
        filled = [c for c in record if c.strip()]
        if not filled:
            blank = index if blank is None else blank
        elif len(record) != 1:
            blank = None  # a real row after the blank line: not a footer
    if blank is None or not any(any(c.strip() for c in r) for r in records[blank:]):
        return None
    return blank


def _failed(source: str, message: str, row: int | None = None) -> Table:
    return Table(source, (), (), (RowProblem(source, row, message),))
