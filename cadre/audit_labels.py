"""What the audit pages show for an event's action and the fields it names, translated.

Every action recorded with cadre.audit.record has a label here (tests/test_audit_labels.py
checks the source); an action or field key without one shows as recorded.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "account.created": _l("开通学员账号"),
    "account.password_reset": _l("重置学员密码"),
    "attendance.corrected": _l("更正考勤"),
    "attendance.head_count": _l("登记到场人数"),
    "attendance.paper": _l("录入纸质签到表"),
    "attendance.proxy_reviewed": _l("复核疑似代签"),
    "attendance.proxy_suspected": _l("发现疑似代签"),
    "attendance.roll_call": _l("点名"),
    "attendance.signed_in": _l("签到"),
    "attendance.signed_out": _l("签退"),
    "calendar_feed.created": _l("开通日历订阅"),
    "calendar_feed.reminders_changed": _l("修改日历提醒"),
    "calendar_feed.revoked": _l("停用日历订阅"),
    "certificate.issued": _l("颁发结业证书"),
    "certificate.reissued": _l("更换结业证书"),
    "certificate.revoked": _l("撤销结业证书"),
    "certificate.seal_removed": _l("删除证书印章"),
    "certificate.seal_uploaded": _l("上传证书印章"),
    "certificate.settings_changed": _l("修改证书设置"),
    "cohort.archived": _l("归档培训班"),
    "cohort.copied": _l("复制培训班"),
    "cohort.created": _l("新建培训班"),
    "cohort.organizers_changed": _l("调整班主任"),
    "cohort.unarchived": _l("取消归档"),
    "cohort.updated": _l("修改培训班"),
    "correction.approved": _l("批准补签"),
    "correction.rejected": _l("不批准补签"),
    "correction.requested": _l("申请补签"),
    "database.backup": _l("备份数据"),
    "demo.loaded": _l("载入演示数据"),
    "demo.passwords_set": _l("设置演示账号密码"),
    "enrollment.added": _l("加入本班"),
    "enrollment.reactivated": _l("恢复在训"),
    "enrollment.removed": _l("从本班名单中删除"),
    "enrollment.updated": _l("修改班内信息"),
    "enrollment.withdrawn": _l("退训"),
    "goal.created": _l("新增培训目标"),
    "goal.removed": _l("删除培训目标"),
    "goal.renamed": _l("修改培训目标"),
    "goal.reordered": _l("调整培训目标顺序"),
    "leave.approved": _l("批准请假"),
    "leave.rejected": _l("不批准请假"),
    "leave.requested": _l("申请请假"),
    "leave.withdrawn": _l("撤回请假"),
    "report.narrative_saved": _l("修改培训总结报告正文"),
    "session.cancelled": _l("取消课程"),
    "session.copied": _l("复制课程"),
    "session.created": _l("新增课程"),
    "session.live_created": _l("现场新增课程"),
    "session.restored": _l("恢复课程"),
    "session.shifted": _l("调整课程时间"),
    "session.updated": _l("修改课程"),
    "speaker.created": _l("新增授课人"),
    "speaker.updated": _l("修改授课人"),
    "trainee.created": _l("新增学员"),
    "trainee.updated": _l("修改学员信息"),
    "trainees.imported": _l("导入名单"),
    "user.admin_created": _l("创建管理员"),
    "user.created": _l("新建账号"),
    "user.password_changed": _l("修改密码"),
    "user.password_reset": _l("重置密码"),
    "user.sessions_ended": _l("退出所有登录"),
    "user.updated": _l("修改账号"),
    "venue.created": _l("新增场地"),
    "venue.updated": _l("修改场地"),
}

# Field keys of before/after, named as the forms name them.
FIELD_LABELS = {
    "accounts": _l("账号"),
    "address": _l("地址"),
    "affiliation": _l("单位"),
    "archived_at": _l("归档时间"),
    "bio": _l("简介"),
    "birth": _l("出生年月"),
    "bytes": _l("文件大小（字节）"),
    "birth_month": _l("出生月份"),
    "birth_year": _l("出生年份"),
    "cancel_reason": _l("取消原因"),
    "cancelled_at": _l("取消时间"),
    "capacity": _l("容纳人数"),
    "class_role": _l("班内职务"),
    "issue_date": _l("发证日期"),
    "issuer": _l("发证单位"),
    "seal_position": _l("印章位置"),
    "seal_size_mm": _l("印章大小（毫米）"),
    "serial": _l("证书编号"),
    "serial_pattern": _l("编号规则"),
    "shortfalls": _l("未达到的结业条件"),
    "code": _l("班级代码"),
    "cohort_id": _l("所属培训班"),
    "cohorts": _l("负责的培训班"),
    "community": _l("所在居民区/单位"),
    "contact_name": _l("联系人"),
    "contact_phone": _l("联系电话"),
    "corrected": _l("已更正"),
    "credit_hours": _l("学时"),
    "decision_note": _l("意见"),
    "default_venue_id": _l("默认场地"),
    "departs_at": _l("出发时间"),
    "description": _l("简介"),
    "display_name": _l("姓名"),
    "education": _l("学历"),
    "end_date": _l("结束日期"),
    "ends_at": _l("结束时间"),
    "gender": _l("性别"),
    "goals": _l("培训目标"),
    "height": _l("高度（像素）"),
    "group": _l("小组"),
    "is_active_account": _l("启用"),
    "is_required": _l("必修"),
    "kind": _l("类型"),
    "late_after_minutes": _l("开始后几分钟算迟到"),
    "max_unexcused_absences": _l("最多无故缺勤次数"),
    "max_leave_fraction": _l("请假上限（占总学时）"),
    "meeting_point": _l("集合地点"),
    "method": _l("签到方式"),
    "min_attendance_percent": _l("最低出勤率"),
    "minutes_per_credit_hour": _l("每学时分钟数"),
    "name": _l("名称"),
    "narrative": _l("报告正文"),
    "notes": _l("备注"),
    "organizing_unit": _l("主办单位"),
    "phone": _l("手机号码"),
    "political_status": _l("政治面貌"),
    "position": _l("现任职务"),
    "reason": _l("原因"),
    "replaced": _l("替换原有的"),
    "require_required_sessions": _l("须参加全部必修课"),
    "returns_at": _l("返回时间"),
    "role": _l("角色"),
    "seq": _l("序号"),
    "sessions_ended": _l("结束的登录"),
    "sign_in_opens_minutes": _l("提前几分钟开放签到"),
    "sign_out_required": _l("需要签退"),
    "signed_in_at": _l("签到时间"),
    "signed_out_at": _l("签退时间"),
    "start_date": _l("开始日期"),
    "starts_at": _l("开始时间"),
    "status": _l("状态"),
    "title": _l("标题"),
    "transport": _l("交通方式"),
    "username": _l("用户名"),
    "venue_id": _l("场地"),
    "what_to_bring": _l("携带物品"),
    "width": _l("宽度（像素）"),
    "withdrawal_reason": _l("退出原因"),
    "withdrawn_on": _l("退出日期"),
}

# A person's `name` is their 姓名; a class's, a venue's or a goal's is its 名称.
_PERSON_TABLES = frozenset({"trainees", "speakers", "users", "enrollments"})
_SESSION_TABLES = frozenset({"training_sessions"})


def action_label(action: str) -> str:
    """The translated label of an audit action; an unknown action as recorded."""
    found = ACTION_LABELS.get(action)
    return str(found) if found is not None else action


def field_label(key: str, object_type: str = "") -> str:
    """The translated name of a field an audit event names; an unknown key as recorded."""
    if key == "name" and object_type in _PERSON_TABLES:
        return str(_l("姓名"))
    if key == "title" and object_type in _SESSION_TABLES:
        return str(_l("课程名称"))
    if key == "title" and object_type == "speakers":
        return str(_l("职称/职务"))
    found = FIELD_LABELS.get(key)
    return str(found) if found is not None else key


def action_choices(actions) -> list[tuple[str, str]]:
    """(action, label) pairs for the action filter, ordered by label."""
    return sorted(((a, action_label(a)) for a in actions), key=lambda pair: pair[1])
