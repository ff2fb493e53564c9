"""A cohort's certificate settings and seal image (service contract: cadre/services.py)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from cadre import audit
from cadre.certificates.services import refuse_archived, settings_for
from cadre.extensions import db
from cadre.models import Cohort
from cadre.rules.certificates import (
    MAX_SEAL_SIDE,
    SEAL_POSITIONS,
    SEAL_SIZE_MM,
    pattern_problem,
)
from cadre.rules.certificates import png_problem as _png_problem
from cadre.services import ServiceError, lock_cohort

FIELDS = ("serial_pattern", "issuer", "issue_date", "seal_position", "seal_size_mm")


@dataclass(frozen=True)
class SettingsInput:
    serial_pattern: str
    issuer: str | None
    issue_date: date | None
    seal_position: str = "issuer"
    seal_size_mm: int = 40


def pattern_message(code: str) -> str:
    return {
        "empty": _("请填写编号规则。"),
        "syntax": _("编号规则的写法不对：花括号要成对，例如 {code}-{year}-{seq:03}。"),
        "unknown_field": _("编号规则只能使用 {code}（班级代码）、{year}（年份）和 {seq}（序号）。"),
        "bad_spec": _("序号的格式只能写成 {seq} 或 {seq:03} 这样的补零位数。"),
        "no_seq": _("编号规则必须包含序号 {seq}，否则编号会重复。"),
        "too_long": _("按此规则生成的编号太长（最多 40 个字符）。"),
        "bad_chars": _(
            "编号只能由大写字母、数字和 - _ . / 组成（不能有汉字、空格或小写字母），"
            "否则无法在核验页输入查询。"
        ),
    }.get(code, code)


def save_settings(cohort: Cohort, values: SettingsInput) -> None:
    problem = pattern_problem(values.serial_pattern, cohort.code)
    if problem:
        raise ServiceError(pattern_message(problem), "serial_pattern")
    if values.seal_position not in SEAL_POSITIONS:
        raise ServiceError(_("请选择印章位置。"), "seal_position")
    if not SEAL_SIZE_MM[0] <= values.seal_size_mm <= SEAL_SIZE_MM[1]:
        raise ServiceError(
            _("印章大小应在 %(a)s 到 %(b)s 毫米之间。", a=SEAL_SIZE_MM[0], b=SEAL_SIZE_MM[1]), "seal_size_mm"
        )
    refuse_archived(cohort)
    lock_cohort(cohort.id)
    settings = settings_for(cohort, fresh=True)
    before = audit.snapshot(settings, FIELDS)
    settings.serial_pattern = values.serial_pattern.strip()
    settings.issuer = (values.issuer or "").strip() or None
    settings.issue_date = values.issue_date
    settings.seal_position = values.seal_position
    settings.seal_size_mm = values.seal_size_mm
    after = audit.snapshot(settings, FIELDS)
    if before != after:
        db.session.flush()
        audit.record(
            "certificate.settings_changed",
            object_type="certificate_settings",
            object_id=cohort.id,
            cohort_id=cohort.id,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )


def seal_message(code: str) -> str:
    return {
        "empty": _("请选择印章图片文件。"),
        "too_large": _("印章图片不能超过 2 MB。"),
        "not_png": _("印章图片必须是 PNG 格式（透明背景）。"),
        "animated": _("印章图片不能是动图，请上传一张静态的 PNG 图片。"),
        "too_many_pixels": _("印章图片尺寸太大（最大 %(n)s×%(n)s 像素），请缩小后再上传。", n=MAX_SEAL_SIDE),
        "broken": _("印章图片已损坏，无法读取。请重新导出为 PNG 后上传。"),
    }.get(code, code)


def check_seal(data: bytes) -> tuple[int, int]:
    """(width, height) of a seal PNG that passed every check, or a ServiceError.

    The size and the IHDR dimensions are read from the bytes first, so a PNG bomb
    is refused before Pillow decompresses anything; then Pillow decodes it fully.
    """
    problem, header = _png_problem(data)
    if problem:
        raise ServiceError(seal_message(problem), "seal")
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # verify() walks every chunk to IEND with its CRC: WeasyPrint sets Pillow's
            # LOAD_TRUNCATED_IMAGES for the whole process, so load() alone accepts a cut file.
            with Image.open(io.BytesIO(data)) as image:
                if image.format != "PNG" or image.size != (header.width, header.height):
                    raise ServiceError(seal_message("not_png"), "seal")
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except ServiceError:
        raise
    except Exception as err:  # noqa: BLE001 - Pillow raises many kinds for a broken file
        raise ServiceError(seal_message("broken"), "seal") from err
    return header.width, header.height


def save_seal(cohort: Cohort, data: bytes) -> None:
    width, height = check_seal(data)
    refuse_archived(cohort)
    lock_cohort(cohort.id)
    settings = settings_for(cohort, fresh=True)
    replaced = settings.seal_png is not None
    settings.seal_png = data
    settings.seal_width, settings.seal_height = width, height
    db.session.flush()
    audit.record(
        "certificate.seal_uploaded",
        object_type="certificate_settings",
        object_id=cohort.id,
        cohort_id=cohort.id,
        after={"width": width, "height": height, "bytes": len(data), "replaced": replaced},
    )


def remove_seal(cohort: Cohort) -> None:
    refuse_archived(cohort)
    lock_cohort(cohort.id)
    settings = settings_for(cohort, fresh=True)
    if settings.seal_png is None:
        raise ServiceError(_("本班没有上传印章图片。"))
    settings.seal_png = None
    settings.seal_width = settings.seal_height = None
    db.session.flush()
    audit.record(
        "certificate.seal_removed",
        object_type="certificate_settings",
        object_id=cohort.id,
        cohort_id=cohort.id,
    )
