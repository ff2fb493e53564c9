"""The report's charts, drawn with matplotlib (Agg) in a CJK font so that Chinese labels show.

Each chart is a PNG (bytes); the PDF and the report page embed them as data: URLs.
``cjk_font()`` registers Noto Sans CJK with matplotlib's font manager once per process;
when it is missing the charts still draw (the printing check at start-up warns).
"""

from __future__ import annotations

import base64
import functools
import io
import os
from dataclasses import dataclass

from flask_babel import gettext as _

from cadre.enums import AttendanceStatus
from cadre.reports.figures import ReportFigures

FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
STATUS_COLOURS = {
    AttendanceStatus.PRESENT: "#2e7d32",
    AttendanceStatus.LATE: "#f9a825",
    AttendanceStatus.LEFT_EARLY: "#ef6c00",
    AttendanceStatus.EXCUSED: "#1565c0",
    AttendanceStatus.ABSENT: "#c62828",
}
INK = "#1f2933"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    png: bytes

    @property
    def data_url(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@functools.cache
def cjk_font() -> str | None:
    """The CJK font family matplotlib will use, registered from the first font file found."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import font_manager

    for path in FONT_FILES:
        if os.path.exists(path):
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def _figure(width_cm: float, height_cm: float):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    family = cjk_font()
    fig = Figure(figsize=(width_cm / 2.54, height_cm / 2.54), dpi=130)
    rc = {"font.size": 8}
    if family:
        rc["font.family"] = [family, "DejaVu Sans"]
    return fig, rc


def _png(fig, *, left: float = 0.09, bottom: float = 0.2) -> bytes:
    # Fixed margins instead of bbox_inches="tight", which draws the figure twice.
    fig.subplots_adjust(left=left, right=0.98, top=0.9, bottom=bottom)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _short(text: str, width: int = 8) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _held_rows(figures: ReportFigures) -> list:
    """(number on the timetable, row) of the sessions held with someone expected."""
    rows = enumerate(figures.sessions, start=1)
    return [(i, r) for i, r in rows if r.stats.held and r.stats.tally.expected]


def attendance_rate_chart(figures: ReportFigures, labels: dict) -> bytes:
    import matplotlib

    rows = _held_rows(figures)
    fig, rc = _figure(16, 6)
    with matplotlib.rc_context(rc):
        ax = fig.subplots()
        xs = [str(i) for i, _r in rows]
        ys = [float(r.rate_percent or 0) for _i, r in rows]
        ax.bar(xs, ys, color="#1d4e89", width=0.7)
        ax.set_ylim(0, 105)
        ax.set_ylabel(labels["rate"])
        ax.set_xlabel(labels["session_no"])
        ax.axhline(figures.cohort.min_attendance_percent, color="#c62828", linewidth=0.8, linestyle="--")
        ax.set_title(labels["rate_title"], fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
        if not rows:
            ax.text(0.5, 0.5, labels["none"], ha="center", va="center", transform=ax.transAxes)
        if len(xs) > 24:
            ax.tick_params(axis="x", labelsize=6)
        return _png(fig)


def status_mix_chart(figures: ReportFigures, labels: dict) -> bytes:
    import matplotlib

    rows = _held_rows(figures)
    fig, rc = _figure(16, 6.5)
    with matplotlib.rc_context(rc):
        ax = fig.subplots()
        xs = [str(i) for i, _r in rows]
        bottom = [0] * len(rows)
        for status, colour in STATUS_COLOURS.items():
            values = [getattr(r.stats.tally, status.value) for _i, r in rows]
            ax.bar(xs, values, bottom=bottom, color=colour, width=0.7, label=labels["status"][status])
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_ylabel(labels["people"])
        ax.set_xlabel(labels["session_no"])
        ax.set_title(labels["mix_title"], fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(ncols=5, fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.24))
        if not rows:
            ax.text(0.5, 0.5, labels["none"], ha="center", va="center", transform=ax.transAxes)
        if len(xs) > 24:
            ax.tick_params(axis="x", labelsize=6)
        return _png(fig, bottom=0.33)


def hours_chart(figures: ReportFigures, labels: dict) -> bytes:
    import matplotlib

    hours = [float(t.summary.hours_earned) for t in figures.active]
    fig, rc = _figure(16, 6)
    with matplotlib.rc_context(rc):
        ax = fig.subplots()
        if hours:
            top = max(max(hours), float(figures.hours_held), 1.0)
            bins = max(1, min(20, int(top) + 1))
            ax.hist(hours, bins=bins, range=(0, top), color="#1d4e89", edgecolor="white")
            if figures.hours_held:
                ax.axvline(float(figures.hours_held), color="#c62828", linewidth=0.8, linestyle="--")
        else:
            ax.text(0.5, 0.5, labels["none"], ha="center", va="center", transform=ax.transAxes)
        ax.set_xlabel(labels["hours"])
        ax.set_ylabel(labels["people"])
        ax.set_title(labels["hours_title"], fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
        return _png(fig)


def community_chart(figures: ReportFigures, labels: dict) -> bytes:
    import matplotlib

    rows = sorted(figures.by_community, key=lambda kv: -kv[1])
    shown = rows[:15]
    if len(rows) > 15:
        shown.append((labels["others"], sum(n for _k, n in rows[15:])))
    fig, rc = _figure(16, max(4, 0.55 * len(shown) + 1.5))
    with matplotlib.rc_context(rc):
        ax = fig.subplots()
        names = [_short(k or labels["unknown"], 14) for k, _n in shown][::-1]
        counts = [n for _k, n in shown][::-1]
        ax.barh(names, counts, color="#1d4e89", height=0.6)
        for y, n in enumerate(counts):
            ax.text(n, y, f" {n}", va="center", fontsize=7, color=INK)
        ax.set_xlabel(labels["people"])
        ax.set_title(labels["community_title"], fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
        if not shown:
            ax.text(0.5, 0.5, labels["none"], ha="center", va="center", transform=ax.transAxes)
        return _png(fig, left=0.2, bottom=0.12)


def report_charts(figures: ReportFigures, labels: dict) -> list[Chart]:
    """The four charts of the report, in the order the report shows them."""
    return [
        Chart("rate", labels["rate_title"], attendance_rate_chart(figures, labels)),
        Chart("mix", labels["mix_title"], status_mix_chart(figures, labels)),
        Chart("hours", labels["hours_title"], hours_chart(figures, labels)),
        Chart("community", labels["community_title"], community_chart(figures, labels)),
    ]


def chart_labels() -> dict:
    """The charts' texts in the current language."""
    from cadre.labels import label_for

    return {
        "rate_title": _("各次课程出勤率"),
        "mix_title": _("各次课程出勤情况构成"),
        "hours_title": _("学员已得学时分布"),
        "community_title": _("各居民区（单位）学员人数"),
        "rate": _("出勤率（%）"),
        "session_no": _("课程序号（见课程安排表）"),
        "people": _("人数"),
        "hours": _("已得学时"),
        "none": _("暂无已结束的课程"),
        "others": _("其他"),
        "unknown": _("未填写"),
        "status": {status: str(label_for(status)) for status in STATUS_COLOURS},
    }
