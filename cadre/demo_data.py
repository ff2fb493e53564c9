"""The 2025 青蓝接力 cohort of 天目西路街道: fixed facts and a seeded generator of invented people.

The cohort, the opening day (9 May 2025) and its speakers come from the first
article of the 天目西路 newsletter; everything else (trainees, later sessions,
attendance) is invented, generated from a fixed seed so that every load of the
demo gives the same names, phone numbers and attendance. No Flask, no database.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from cadre.models.attendance import AttendanceStatus, SignInMethod
from cadre.models.enrollment import ClassRole
from cadre.models.session import SessionKind, Transport
from cadre.models.trainee import Gender

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEED = 20250509
DEFAULT_TRAINEES = 29
GROUP_SIZE = 6  # 29 trainees → 5 groups

COHORT_CODE = "QLJL2025"
COHORT = {
    "code": COHORT_CODE,
    "name": "2025年居民区后备队伍“青蓝接力”计划培训班",
    "organizing_unit": "天目西路街道党建办",
    "contact_name": "党建办 王老师",
    "contact_phone": "021-6201 0000",
    "start_date": date(2025, 5, 9),
    "end_date": date(2025, 6, 27),
    "minutes_per_credit_hour": 45,
    "min_attendance_percent": 80,
    "require_required_sessions": True,
    "description": (
        "为深入贯彻落实区委组织部基层党建工作重点任务推进会精神，健全基层队伍政策保障体系，"
        "持续为基层党组织蓄好“源头活水”，天目西路街道启动2025年居民区后备队伍“青蓝接力”计划培训班，"
        "系统提升居民区后备力量在为民服务、组织动员、议事协商、群众工作等方面的核心能力，"
        "为即将到来的“两委”换届工作储备坚实的人才力量。课程设置突出理论与实践并重、内涵与形式兼备，"
        "综合运用集中授课、现场教学、交流分享等多种形式，提升培训针对性和实效性。"
    ),
}
# When the cohort was set up and the trainees enrolled (before the opening day).
PREPARED_AT = datetime(2025, 4, 25, 10, 0, tzinfo=SHANGHAI)

# Demo accounts besides the trainees' own logins (username = phone number).
ADMIN = {"username": "admin", "display_name": "周文杰"}
ORGANIZER = {"username": "organizer", "display_name": "林晓岚"}
LEADER_USERNAME = "leader"
TRAINEE_USERNAME = "trainee"

MAIN_VENUE = "天目西路街道党群服务中心"
VENUES = [
    {"name": MAIN_VENUE, "address": "静安区长安路1138号", "capacity": 80, "notes": "三楼多功能厅"},
    {
        "name": "天目西路街道城市运行管理中心",
        "address": "静安区恒丰路218号",
        "capacity": 40,
        "notes": "二楼指挥大厅",
    },
    {"name": "恒丰居民区“美好社区”议事厅", "address": "静安区恒丰路356弄", "capacity": 40},
]

# name → (affiliation, title); the timetable prints 姓名（单位职务）. 董启蒙 and 张雪梅 are in the
# article; the rest are invented.
SPEAKER_DETAILS: dict[str, tuple[str | None, str]] = {
    "董启蒙": (None, "街道党工委书记、人大街工委主任"),
    "张雪梅": ("上海交通大学马克思主义学院", "教授、博士生导师"),
    "陈立群": ("中共静安区委党校公共管理教研室", "副教授"),
    "周雅琴": ("天目西路街道恒丰居民区党总支", "书记、上海市优秀社区工作者"),
    "刘振华": ("上海市社区发展研究会", "特约研究员"),
    "黄敏": ("天目西路街道社区事务受理服务中心", "主任"),
    "吴建国": ("静安区应急管理局应急救援科", "科长"),
    "孙晓燕": ("中共静安区委组织部组织科", "科长"),
    "顾婉清": ("静安区精神卫生中心社区心理服务科", "主治医师"),
    "沈佳慧": ("天目西路街道党建办", "主任"),
}
# name → affiliation and title as one line (what a timetable prints in the brackets).
SPEAKERS = {name: (affiliation or "") + title for name, (affiliation, title) in SPEAKER_DETAILS.items()}

# The four abilities the article names as the class's aims (培训目标).
GOALS = ("为民服务", "组织动员", "议事协商", "群众工作")


@dataclass(frozen=True)
class StopPlan:
    name: str
    address: str | None = None
    host: str | None = None
    description: str | None = None
    host_phone: str | None = None
    arrives: tuple[int, int] | None = None  # planned arrival, local time on the session's day


@dataclass(frozen=True)
class SessionPlan:
    day: date
    start: tuple[int, int]
    end: tuple[int, int]
    kind: SessionKind
    title: str
    credit_hours: Decimal
    speakers: tuple[str, ...] = ()
    venue: str | None = MAIN_VENUE
    is_required: bool = True
    description: str | None = None
    stops: tuple[StopPlan, ...] = field(default_factory=tuple)
    goals: tuple[str, ...] = ()
    what_to_bring: str | None = None
    # Sign-in: opens N minutes before the start, late after M minutes, sign-out or not.
    sign_in_opens_minutes: int = 30
    late_after_minutes: int = 10
    sign_out_required: bool = False
    # Site visits and on-site teaching: where the class meets, when it leaves and returns, how.
    meeting_point: str | None = None
    departs: tuple[int, int] | None = None
    returns: tuple[int, int] | None = None
    transport: Transport | None = None

    def at(self, hm: tuple[int, int] | None) -> datetime | None:
        """A local time of the session's day."""
        if hm is None:
            return None
        return datetime(self.day.year, self.day.month, self.day.day, *hm, tzinfo=SHANGHAI)

    @property
    def starts_at(self) -> datetime:
        return self.at(self.start)

    @property
    def ends_at(self) -> datetime:
        return self.at(self.end)


def _d(month: int, day: int) -> date:
    return date(2025, month, day)


# Half a day of teaching is 3 or 4 学时 of 45 minutes; durations match credit hours exactly.
SESSIONS: tuple[SessionPlan, ...] = (
    SessionPlan(
        _d(5, 9),
        (9, 0),
        (9, 45),
        SessionKind.CEREMONY,
        "开班仪式暨动员讲话",
        Decimal("1"),
        goals=("组织动员",),
        sign_in_opens_minutes=45,
        late_after_minutes=5,
        speakers=("董启蒙",),
        description=(
            "从“为什么学”“学什么”“怎么学”三个维度作动员讲话：筑牢思想根基，淬炼履职本领，砥砺优良学风。"
        ),
    ),
    SessionPlan(
        _d(5, 9),
        (10, 0),
        (11, 30),
        SessionKind.LECTURE,
        "开班第一课《以习近平新时代中国特色社会主义思想引领新征程》",
        Decimal("2"),
        goals=("为民服务", "群众工作"),
        what_to_bring="笔记本、笔",
        speakers=("张雪梅",),
        description="系统阐述习近平新时代中国特色社会主义思想的核心要义和精神实质。",
    ),
    SessionPlan(
        _d(5, 9),
        (13, 30),
        (16, 30),
        SessionKind.SITE_VISIT,
        "沉浸式研学：党建引领社区治理",
        Decimal("4"),
        venue=None,
        description="现场解码党建引领社区治理、社区难题治理平台搭建等方面的经验做法。",
        goals=("组织动员", "群众工作"),
        meeting_point="天目西路街道党群服务中心门口",
        departs=(13, 15),
        returns=(17, 0),
        transport=Transport.BUS,
        what_to_bring="学员证、笔记本，穿便于步行的鞋",
        sign_in_opens_minutes=20,
        late_after_minutes=0,
        stops=(
            StopPlan(
                "宝山区大场镇党群服务中心",
                address="宝山区大场镇",
                host="大场镇党群服务中心 王颖",
                host_phone="021-56688123",
                arrives=(14, 0),
                description="党建引领社区治理的经验做法",
            ),
            StopPlan(
                "慧华苑居民区党群服务站",
                address="宝山区大场镇",
                host="慧华苑居民区党总支 李建明",
                host_phone="021-56688456",
                arrives=(15, 15),
                description="社区难题治理平台搭建的经验分享",
            ),
        ),
    ),
    SessionPlan(
        _d(5, 16),
        (9, 0),
        (11, 15),
        SessionKind.LECTURE,
        "居民区议事协商的方法与实践",
        Decimal("3"),
        goals=("议事协商",),
        speakers=("陈立群",),
    ),
    SessionPlan(
        _d(5, 16),
        (13, 30),
        (15, 45),
        SessionKind.EXCHANGE,
        "交流分享：我身边的群众工作故事",
        Decimal("3"),
        goals=("群众工作",),
        speakers=("周雅琴",),
        description="学员分组讲述入户走访、矛盾调解中的真实案例，资深书记现场点评。",
    ),
    SessionPlan(
        _d(5, 23),
        (9, 0),
        (11, 15),
        SessionKind.LECTURE,
        "新时代群众工作方法与居民诉求处置",
        Decimal("3"),
        goals=("群众工作", "为民服务"),
        speakers=("刘振华",),
    ),
    SessionPlan(
        _d(5, 23),
        (13, 30),
        (16, 30),
        SessionKind.ONSITE,
        "现场教学：“美好社区”议事厅里的协商民主",
        Decimal("4"),
        goals=("议事协商", "组织动员"),
        meeting_point="恒丰居民区“美好社区”议事厅门口",
        transport=Transport.OWN_WAY,
        sign_in_opens_minutes=20,
        speakers=("周雅琴",),
        venue="恒丰居民区“美好社区”议事厅",
        description="旁听一次居民议事会，从议题征集、协商到结果公示，看“三会”制度如何落地。",
    ),
    SessionPlan(
        _d(5, 30),
        (9, 0),
        (11, 15),
        SessionKind.LECTURE,
        "为民服务：“一网通办”与社区事务办理实务",
        Decimal("3"),
        goals=("为民服务",),
        speakers=("黄敏",),
    ),
    SessionPlan(
        _d(5, 30),
        (13, 30),
        (15, 45),
        SessionKind.EXCHANGE,
        "选学：基层治理案例读书分享会",
        Decimal("3"),
        goals=("议事协商", "群众工作"),
        what_to_bring="已读的案例书目一本",
        is_required=False,
        speakers=("沈佳慧",),
    ),
    SessionPlan(
        _d(6, 6),
        (9, 0),
        (11, 15),
        SessionKind.LECTURE,
        "社区应急处突：防汛防台与突发事件先期处置",
        Decimal("3"),
        goals=("组织动员", "为民服务"),
        speakers=("吴建国",),
    ),
    SessionPlan(
        _d(6, 6),
        (13, 30),
        (16, 30),
        SessionKind.ONSITE,
        "现场教学：“一网统管”与社区应急演练",
        Decimal("4"),
        goals=("组织动员",),
        meeting_point="天目西路街道城市运行管理中心一楼大厅",
        transport=Transport.OWN_WAY,
        sign_in_opens_minutes=20,
        sign_out_required=True,
        speakers=("吴建国",),
        venue="天目西路街道城市运行管理中心",
    ),
    SessionPlan(
        _d(6, 13),
        (9, 0),
        (11, 15),
        SessionKind.LECTURE,
        "居民区“两委”换届工作政策解读",
        Decimal("3"),
        goals=("组织动员",),
        speakers=("孙晓燕",),
    ),
    SessionPlan(
        _d(6, 13),
        (13, 30),
        (15, 45),
        SessionKind.LECTURE,
        "选学：社区心理疏导与沟通技巧",
        Decimal("3"),
        goals=("群众工作",),
        is_required=False,
        speakers=("顾婉清",),
    ),
    SessionPlan(
        _d(6, 20),
        (9, 0),
        (11, 15),
        SessionKind.EXCHANGE,
        "小组研讨：我的居民区治理“微项目”",
        Decimal("3"),
        goals=("议事协商", "为民服务"),
        speakers=("刘振华",),
    ),
    SessionPlan(
        _d(6, 27),
        (9, 0),
        (11, 15),
        SessionKind.ASSESSMENT,
        "结业考核：治理“微项目”汇报答辩",
        Decimal("3"),
        goals=GOALS,
        late_after_minutes=0,
        sign_out_required=True,
        what_to_bring="“微项目”汇报材料（纸质一份）",
        speakers=("沈佳慧",),
    ),
    SessionPlan(
        _d(6, 27),
        (14, 0),
        (15, 30),
        SessionKind.EXCHANGE,
        "结业式暨学习成果交流",
        Decimal("2"),
        goals=("组织动员",),
        speakers=("董启蒙",),
    ),
)

ROUND_WEEKS = 8  # the programme runs seven weeks; a repeat starts a week after the last one ends


def program(count: int = len(SESSIONS)) -> tuple[SessionPlan, ...]:
    """`count` sessions: the programme, repeated every ROUND_WEEKS weeks as often as it takes.

    For measuring at scale (`cadre demo --sessions 60`): the same days of the week and
    times, the repeats titled 第二轮, 第三轮, ...
    """
    plans = []
    for index in range(count):
        round_, position = divmod(index, len(SESSIONS))
        plan = SESSIONS[position]
        if round_:
            plan = replace(
                plan,
                day=plan.day + timedelta(weeks=ROUND_WEEKS * round_),
                title=f"{plan.title}（第{chinese_number(round_ + 1)}轮）",
            )
        plans.append(plan)
    return tuple(plans)


# --- invented people -------------------------------------------------------

# Common surnames, those frequent in Shanghai repeated to weigh them.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方邹孟秦邱江薛严钱顾龚邵施倪殷"
    "王张陈周徐朱沈陆顾钱吴黄杨李"
)
# Given names as people born 1980–1998 have them; a few single-character ones.
GIVEN_MALE = (
    "伟 磊 军 勇 涛 斌 强 鹏 浩 俊 峰 晨 凯 昊 杰 "
    "志强 建华 建国 晓东 海涛 立新 文博 俊杰 浩然 子豪 宇航 家豪 一鸣 天宇 明辉 志远 振宇 "
    "伟民 国栋 晓峰 文斌 嘉诚 思远 俊峰 立伟 春晖 卫东 海峰 晨阳 逸飞 亦凡 睿哲 博文 "
    "建军 永刚 志刚 晓明 伟杰 佳俊 振华 一帆 启航 凯文"
).split()
GIVEN_FEMALE = (
    "静 丽 敏 燕 芳 婷 洁 慧 倩 璐 颖 琳 "
    "丽华 静怡 婷婷 晓燕 雪梅 秀英 佳怡 欣怡 诗涵 雨婷 梦洁 思琪 晓雯 嘉敏 丽娟 春燕 "
    "海燕 慧敏 晓丽 文静 雅琴 玉兰 佳琪 晓萍 美玲 丹丹 莉莉 晶晶 蕾 雯雯 颖慧 怡雯 "
    "悦 晓岚 婉婷 佩琳 诗雨 梦瑶 雅婷 欣然 心怡 晓雪 亚男 凤英 秀芳 玲玲 瑾 晨曦 霞"
).split()

COMMUNITIES = (
    "恒丰居民区",
    "长安居民区",
    "大统居民区",
    "梅园居民区",
    "民立居民区",
    "汉中居民区",
    "裕通居民区",
    "新泰居民区",
    "苏河湾居民区",
    "河滨融景居民区",
    "天目新苑居民区",
    "铁路新村居民区",
)
POSITIONS = (
    ("社区工作者", 8),
    ("居委会委员", 6),
    ("居委会副主任", 4),
    ("居民区党总支委员", 4),
    ("居民区党总支副书记", 2),
    ("居委会主任助理", 2),
    ("社区党建服务站工作人员", 1),
)
POLITICAL = (("中共党员", 18), ("中共预备党员", 3), ("共青团员", 2), ("群众", 2))
EDUCATION = (("大学本科", 15), ("大学专科", 6), ("硕士研究生", 3))

MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 177 180 181 182 183 185 186 187 188 189 199"
).split()

LEAVE_REASONS = (
    "居民区当天下午有防汛防台检查任务，需在岗值守。",
    "家中老人住院，需陪护。",
    "与街道居民区换届工作业务培训时间冲突。",
    "居民区当天举办“邻里节”活动，本人为活动负责人。",
    "孩子学校家长会，无法请人代替。",
)
LEAVE_DECISION_NOTE = "同意。请课后自学课程资料。"


@dataclass
class Person:
    name: str
    gender: Gender
    birth_year: int
    birth_month: int
    phone: str
    community: str
    position: str
    political_status: str
    education: str


def _weighted(rng: random.Random, table) -> str:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights)[0]


def generate_people(count: int, *, taken_phones: set[str] = frozenset(), seed: int = SEED) -> list[Person]:
    """`count` invented trainees, the same for the same seed; phones unique and not in taken_phones."""
    rng = random.Random(seed)
    phones: set[str] = set()
    names: set[str] = {*SPEAKERS, ORGANIZER["display_name"]}  # no trainee shares their names
    given_used: set[str] = set()
    people = []
    for _ in range(count):
        gender = Gender.FEMALE if rng.random() < 0.62 else Gender.MALE
        # Distinct given names while the list lasts, then distinct full names; a big class has
        # namesakes, as in life.
        pool = GIVEN_FEMALE if gender == Gender.FEMALE else GIVEN_MALE
        fresh = [g for g in pool if g not in given_used] or pool
        for _attempt in range(20):
            given = rng.choice(fresh)
            name = rng.choice(SURNAMES) + given
            if name not in names:
                break
        names.add(name)
        given_used.add(given)
        while True:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if phone not in phones and phone not in taken_phones:
                break
        phones.add(phone)
        birth_year = rng.randint(1980, 1998)
        political = _weighted(rng, POLITICAL)
        if political == "共青团员" and birth_year < 1997:  # League members are 28 at most
            political = "群众"
        people.append(
            Person(
                name=name,
                gender=gender,
                birth_year=birth_year,
                birth_month=rng.randint(1, 12),
                phone=phone,
                community=rng.choice(COMMUNITIES),
                position=_weighted(rng, POSITIONS),
                political_status=political,
                education=_weighted(rng, EDUCATION),
            )
        )
    return people


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 15 → 十五, 21 → 二十一, 105 → 一百零五, 1000 → 一千 (1..9999)."""
    if not 1 <= n <= 9999:
        raise ValueError(n)
    if 10 <= n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    out = ""
    zero = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit_value % 10
        if digit:
            if zero:
                out += "零"
                zero = False
            out += _DIGITS[digit] + unit
        elif out:
            zero = True
    return out


def group_name(index: int) -> str:
    """0 → 第一组."""
    return f"第{chinese_number(index + 1)}组"


@dataclass
class Placement:
    group: str
    class_role: ClassRole


def plan_groups(count: int) -> list[Placement]:
    """Groups of about six in order; each group's first member leads it, the second of 第一组 is 班长."""
    n_groups = max(1, math.ceil(count / GROUP_SIZE))
    base, extra = divmod(count, n_groups)
    placements = []
    for g in range(n_groups):
        size = base + (1 if g < extra else 0)
        for k in range(size):
            if k == 0:
                role = ClassRole.GROUP_LEADER
            elif g == 0 and k == 1:
                role = ClassRole.MONITOR
            else:
                role = ClassRole.MEMBER
            placements.append(Placement(group_name(g), role))
    return placements


@dataclass(frozen=True)
class AttendancePlan:
    session_index: int
    trainee_index: int
    status: AttendanceStatus
    method: SignInMethod
    signed_in_at: datetime | None


@dataclass(frozen=True)
class LeavePlan:
    session_index: int
    trainee_index: int
    reason: str
    requested_at: datetime
    decided_at: datetime


@dataclass
class CohortPlan:
    attendance: list[AttendancePlan]
    leaves: list[LeavePlan]
    absentees: list[int]  # trainees who miss completion
    leader_index: int  # behind the `leader` account
    trainee_index: int  # behind the `trainee` account


def plan_attendance(
    placements: list[Placement], sessions=SESSIONS, *, seed: int = SEED, late_rate: float = 0.05
) -> CohortPlan:
    """Attendance for every session × trainee, as a real class would have it.

    Most sign in a few minutes early; a few come 5–20 minutes late; one trainee
    in 29 stays away from required sessions until under 70% of the credit
    hours (misses completion); about one in 15 takes approved leave from an
    optional (选学) session, so that nobody else's completion is in doubt
    whatever the completion rule makes of leave.
    """
    rng = random.Random(seed + 1)
    count = len(placements)
    members = [i for i, p in enumerate(placements) if p.class_role == ClassRole.MEMBER]
    leader_index = next(i for i, p in enumerate(placements) if p.class_role == ClassRole.GROUP_LEADER)
    # An ordinary member of the second group (of the first when there is only one).
    second = placements[-1].group if len({p.group for p in placements}) == 1 else group_name(1)
    trainee_index = next(i for i in members if placements[i].group == second)

    others = [i for i in members if i != trainee_index]
    n_absent = min(len(others), max(1, round(count / DEFAULT_TRAINEES)))
    absentees = sorted(rng.sample(others, n_absent))

    total = sum(s.credit_hours for s in sessions)
    first_day = sessions[0].day
    # Sessions an absentee skips: required ones after the opening day, until under 70%.
    skippable = [i for i, s in enumerate(sessions) if s.is_required and s.day != first_day]
    skipped: dict[int, set[int]] = {}
    for t in absentees:
        chosen: set[int] = set()
        missed = Decimal(0)
        for i in rng.sample(skippable, len(skippable)):
            if (total - missed) / total < Decimal("0.7"):
                break
            chosen.add(i)
            missed += sessions[i].credit_hours
        skipped[t] = chosen

    optional = [i for i, s in enumerate(sessions) if not s.is_required]
    leaves: list[LeavePlan] = []
    if optional:
        candidates = [i for i in members if i not in absentees and i != trainee_index]
        n_leave = min(len(candidates) + 1, max(2, round(2 * count / DEFAULT_TRAINEES)))
        on_leave = [trainee_index, *rng.sample(candidates, n_leave - 1)]
        for k, t in enumerate(on_leave):
            s = optional[k % len(optional)]
            start = sessions[s].starts_at
            requested = (start - timedelta(days=rng.randint(1, 3))).replace(
                hour=rng.randint(8, 17), minute=rng.randint(0, 59)
            )
            leaves.append(
                LeavePlan(
                    session_index=s,
                    trainee_index=t,
                    reason=rng.choice(LEAVE_REASONS),
                    requested_at=requested,
                    decided_at=requested + timedelta(minutes=rng.randint(20, 180)),
                )
            )
    excused = {(lv.session_index, lv.trainee_index) for lv in leaves}

    records = []
    for s_index, s in enumerate(sessions):
        start = s.starts_at
        # Off-site, the group leaders call the roll at the bus; at the centre trainees scan the QR code.
        method = (
            SignInMethod.ROLL_CALL
            if s.kind in (SessionKind.SITE_VISIT, SessionKind.ONSITE)
            else (SignInMethod.QR)
        )
        for t in range(count):
            if (s_index, t) in excused:
                records.append(
                    AttendancePlan(s_index, t, AttendanceStatus.EXCUSED, SignInMethod.MANUAL, None)
                )
                continue
            if s_index in skipped.get(t, ()):
                records.append(AttendancePlan(s_index, t, AttendanceStatus.ABSENT, SignInMethod.MANUAL, None))
                continue
            # Nobody came late to the opening ceremony.
            if s.kind != SessionKind.CEREMONY and rng.random() < late_rate:
                at = start + timedelta(minutes=rng.randint(5, 19), seconds=rng.randint(0, 59))
                records.append(AttendancePlan(s_index, t, AttendanceStatus.LATE, method, at))
            else:
                at = start - timedelta(minutes=rng.randint(2, 24), seconds=rng.randint(0, 59))
                records.append(AttendancePlan(s_index, t, AttendanceStatus.PRESENT, method, at))
    return CohortPlan(records, leaves, absentees, leader_index, trainee_index)
