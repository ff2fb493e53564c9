"""Roster files as offices make them, generated (no binaries in the repository).

`OFFICE_TRAINEES` are the 29 trainees of an office-style roster: each entry
holds the clean values the import must arrive at, and `office_cells()` writes
them the many ways real spreadsheets do (title row, 序号, shuffled columns,
1990.05 / 1990-05 / 1990年5月 / date cells, full-width digits, spaces inside
phone numbers, phones stored as numbers, trailing spaces, padded names).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook


@dataclass(frozen=True)
class Person:
    name: str
    gender: str  # 男 / 女
    birth: tuple[int, int]
    phone: str
    community: str
    position: str
    political_status: str
    education: str
    group: str
    role: str  # 班长 / 组长 / 学员


_COMMUNITIES = (
    "新梅居民区",
    "华兴居民区",
    "洪南山宅居民区",
    "中兴居民区",
    "均益居民区",
    "河滨融景居民区",
    "永兴居民区",
    "恒丰居民区",
)
_POSITIONS = ("居委会委员", "社区工作者", "党总支委员", "居委会主任助理", "社区党建指导员")
_POLITICAL = ("中共党员", "中共党员", "群众", "共青团员", "中共预备党员")
_EDUCATION = ("本科", "大专", "硕士研究生", "本科", "本科")
_GROUPS = ("第一组", "第二组", "第三组", "第四组")
_NAMES = (
    "王芳", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴敏",
    "徐婷", "孙浩", "胡蓉", "朱琳", "高翔", "林晓", "何雪", "郭峰", "马骏", "罗佳",
    "梁晨", "宋雅", "郑凯", "谢颖", "韩冰", "唐亮", "冯洁", "董晓雯", "欧阳俊杰",
)  # fmt: skip


def _people() -> tuple[Person, ...]:
    people = []
    for i, name in enumerate(_NAMES):
        role = "班长" if i == 0 else ("组长" if i in (1, 8, 15, 22) else "学员")
        people.append(
            Person(
                name=name,
                gender="女" if i % 3 in (0, 1) else "男",
                birth=(1983 + i % 13, 1 + (i * 5) % 12),
                phone=f"13{5 + i % 5}{21000000 + i * 37091:08d}",
                community=_COMMUNITIES[i % len(_COMMUNITIES)],
                position=_POSITIONS[i % len(_POSITIONS)],
                political_status=_POLITICAL[i % len(_POLITICAL)],
                education=_EDUCATION[i % len(_EDUCATION)],
                group=_GROUPS[i // 8 if i < 24 else i % 4],
                role=role,
            )
        )
    return tuple(people)


OFFICE_TRAINEES = _people()
OFFICE_TITLE = "天目西路街道2025年居民区后备队伍“青蓝接力”计划培训班学员名单"

# Shuffled, as one office arranged its columns; the synonyms are the ones offices use.
OFFICE_HEADERS = (
    "序号",
    "姓  名",
    "所在居民区（单位）",
    "现任职务",
    "性别",
    "出生年月",
    "政治面貌",
    "文化程度",
    "手机号码",
    "小组",
    "班委",
    "备注",
)

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _birth_cell(i: int, year: int, month: int, as_text: bool):
    style = i % 5
    if style == 0 and not as_text:
        return datetime(year, month, 1)  # a real date cell
    if style == 0:
        return f"{year}/{month}/1"  # how Excel writes a date cell into CSV
    if style == 1:
        return f"{year}.{month:02d}"
    if style == 2:
        return f"{year}-{month:02d}"
    if style == 3:
        return f"{year}年{month}月"
    return f"{year}.{month}"


def _phone_cell(i: int, phone: str, as_text: bool):
    style = i % 4
    if style == 0 and not as_text:
        return int(phone)  # stored as a number
    if style == 1:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    if style == 2:
        return phone.translate(_FULL_WIDTH)
    return phone + " "


def _name_cell(i: int, name: str) -> str:
    if len(name) == 2 and i % 3 == 0:
        return f"{name[0]}　{name[1]}"  # padded with a full-width space to line up
    return name + ("  " if i % 4 == 1 else "")


def office_cells(people=OFFICE_TRAINEES, as_text: bool = False) -> list[list]:
    """Title row, a blank row, the header row and one row per person."""
    rows: list[list] = [[OFFICE_TITLE], [], list(OFFICE_HEADERS)]
    for i, p in enumerate(people):
        rows.append(
            [
                i + 1,
                _name_cell(i, p.name),
                p.community + (" " if i % 2 else ""),
                p.position,
                p.gender + (" " if i % 5 == 2 else ""),
                _birth_cell(i, *p.birth, as_text=as_text),
                p.political_status,
                p.education,
                _phone_cell(i, p.phone, as_text),
                p.group,
                "" if (p.role == "学员" and i % 2) else p.role,
                "",
            ]
        )
    return rows


def xlsx_bytes(rows: list[list], title: str = "Sheet1") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if c is None else c for c in row])
    return text.getvalue().encode(encoding)


def office_xlsx() -> bytes:
    return xlsx_bytes(office_cells())


def office_csv(encoding: str = "utf-8") -> bytes:
    return csv_bytes(office_cells(as_text=True), encoding)


def simple_rows(people, headers=("姓名", "联系电话", "性别", "出生年月", "组别", "班级职务")) -> list[list]:
    """A plain header row and rows of dicts keyed by header."""
    rows = [list(headers)]
    for person in people:
        rows.append([person.get(h, "") for h in headers])
    return rows


def zip_bomb_xlsx(uncompressed_mb: int = 300) -> bytes:
    """A workbook whose sheet XML is huge but compresses to almost nothing."""
    template = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["姓名", "联系电话"], ["张三", "13800138000"]])))
    out = io.BytesIO()
    chunk = b"<row>" + b"<c><v>1</v></c>" * 4000 + b"</row>"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in template.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with bomb.open(info.filename, "w") as sheet:
                    sheet.write(
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    )
                    sheet.write(b"<sheetData>")
                    for _ in range(uncompressed_mb * 1024 * 1024 // len(chunk)):
                        sheet.write(chunk)
                    sheet.write(b"</sheetData></worksheet>")
            else:
                bomb.writestr(info, template.read(info.filename))
    return out.getvalue()


def docx_bytes() -> bytes:
    """A minimal Word document (a zip without a workbook in it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


TODAY = date(2025, 5, 1)
