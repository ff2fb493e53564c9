"""The session form and plain values: prefill from a session, build SessionData, the no-script buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _

from cadre.enums import Transport
from cadre.models import SessionKind, TrainingSession
from cadre.rules import schedule as rules
from cadre.schedule import resources, services
from cadre.schedule.display import local
from cadre.schedule.forms import SessionForm


def form_for(cohort, **kw) -> SessionForm:
    """The session form with the cohort's goals as choices."""
    form = SessionForm(**kw)
    form.goal_ids.choices = [(g.id, g.name) for g in cohort.goals]
    return form


def _aware(day, at) -> datetime | None:
    if day is None or at is None:
        return None
    return datetime.combine(day, at, tzinfo=rules.LOCAL_TZ).astimezone(UTC)


def initial(s: TrainingSession) -> dict:
    start, end = local(s.starts_at), local(s.ends_at)
    return {
        "title": s.title,
        "kind": s.kind.value,
        "day": start.date(),
        "start_time": start.time(),
        "end_time": end.time(),
        "end_day": end.date() if end.date() != start.date() else None,
        "venue_id": str(s.venue_id or ""),
        "venue_name": s.venue.name if s.venue else "",
        "speaker_ids": [link.speaker_id for link in s.speaker_links],
        "credit_hours": s.credit_hours if s.credit_hours_manual else None,
        "is_required": s.is_required,
        "goal_ids": [g.id for g in s.goals],
        "description": s.description,
        "what_to_bring": s.what_to_bring,
        "sign_in_opens_minutes": s.sign_in_opens_minutes,
        "late_after_minutes": s.late_after_minutes,
        "sign_out_required": s.sign_out_required,
        "meeting_point": s.meeting_point,
        "departs_time": local(s.departs_at).time() if s.departs_at else None,
        "transport": s.transport.value if s.transport else "",
        "returns_time": local(s.returns_at).time() if s.returns_at else None,
        "stops": [
            {
                "name": st.name,
                "address": st.address,
                "host": st.host,
                "host_phone": st.host_phone,
                "arrives_time": local(st.arrives_at).time() if st.arrives_at else None,
                "description": st.description,
            }
            for st in s.stops
        ],
    }


def session_data(form: SessionForm) -> services.SessionData:
    day = form.day.data
    stops = [
        services.StopData(
            name=(st.name.data or "").strip(),
            address=resources.clean(st.address.data),
            host=resources.clean(st.host.data),
            host_phone=resources.clean(st.host_phone.data),
            arrives_at=_aware(day, st.arrives_time.data),
            description=(st.description.data or "").strip() or None,
        )
        for st in form.filled_stops()
    ]
    return services.SessionData(
        title=(form.title.data or "").strip(),
        kind=SessionKind(form.kind.data),
        starts_at=_aware(day, form.start_time.data),
        ends_at=_aware(form.end_day.data or day, form.end_time.data),
        venue_id=int(form.venue_id.data) if form.venue_id.data else None,
        venue_name=form.venue_name.data,
        create_venue=form.create_venue.data,
        speaker_ids=list(form.speaker_ids.data or []),
        credit_hours=form.credit_hours.data,
        is_required=form.is_required.data,
        goal_ids=list(form.goal_ids.data or []),
        description=(form.description.data or "").strip() or None,
        what_to_bring=(form.what_to_bring.data or "").strip() or None,
        sign_in_opens_minutes=form.sign_in_opens_minutes.data,
        late_after_minutes=form.late_after_minutes.data,
        sign_out_required=form.sign_out_required.data,
        meeting_point=resources.clean(form.meeting_point.data),
        departs_at=_aware(day, form.departs_time.data),
        transport=Transport(form.transport.data) if form.transport.data else None,
        returns_at=_aware(day, form.returns_time.data),
        stops=stops,
    )


def rebuilt(cohort, form: SessionForm, op: str) -> tuple[SessionForm, dict]:
    """Carry out a button that edits the form without saving (stops, speakers, venue): no script needed."""
    data = form.data
    extra: dict = {}
    if data.get("credit_hours") == "invalid":
        data["credit_hours"] = None
    stops = list(data["stops"])
    speakers = [i for i in data["speaker_ids"] if i is not None]
    what, _dash, arg = op.partition("-")
    action, _dash, index = arg.partition("-")
    n = int(index) if index.isdigit() else -1
    if what == "stop":
        stops = _edit_list(stops, action, n, {})
    elif what == "speaker":
        if action == "add":
            found = resources.search_speakers(data.get("speaker_query"))
            exact = [sp for sp in found if sp.name == resources.clean(data.get("speaker_query"))]
            pick = exact if len(exact) == 1 else found if len(found) == 1 else []
            if pick:
                speakers.append(pick[0].id)
                data["speaker_query"] = ""
            else:
                extra["speaker_candidates"] = found
                extra["speaker_note"] = (
                    _("请从下面选择授课人。") if found else _("没有找到这位授课人，请先在“授课人”中添加。")
                )
        elif action == "pick" and n > 0:
            speakers.append(n)
            data["speaker_query"] = ""
        else:
            speakers = _edit_list(speakers, action, n, None)
    elif what == "venue":
        if action == "find":
            extra["venue_candidates"] = resources.search_venues(data.get("venue_name"))
            if not extra["venue_candidates"]:
                extra["venue_note"] = _("没有找到相符的场地；保存时可勾选“新建此场地”。")
        elif action == "pick":
            venue = resources.venues_by_id([n])
            if venue:
                data["venue_id"], data["venue_name"] = str(venue[0].id), venue[0].name
    keep_last = what == "stop" and action == "add"
    last = len(stops) - 1
    data["stops"] = [st for n, st in enumerate(stops) if not _blank(st) or (keep_last and n == last)]
    data["speaker_ids"] = list(dict.fromkeys(speakers))
    return form_for(cohort, formdata=None, data=data), extra


def _blank(stop: dict) -> bool:
    return not any(str(v or "").strip() for v in stop.values())


def _edit_list(items: list, action: str, n: int, blank):
    items = list(items)
    if action == "add" and blank is not None:
        items.append(blank)
    elif 0 <= n < len(items):
        if action == "remove":
            items.pop(n)
        elif action == "up" and n > 0:
            items[n - 1], items[n] = items[n], items[n - 1]
        elif action == "down" and n + 1 < len(items):
            items[n + 1], items[n] = items[n], items[n + 1]
    return items


def take_typed_speaker(form: SessionForm) -> bool:
    """A speaker name typed but not picked is added on save when it names exactly one speaker."""
    query = resources.clean(form.speaker_query.data)
    if not query:
        return True
    found = resources.search_speakers(query)
    exact = [sp for sp in found if sp.name == query]
    pick = exact if len(exact) == 1 else found if len(found) == 1 else []
    if not pick:
        names = "、".join(sp.label for sp in found[:5])
        message = (
            _("“%(q)s”对应多位授课人（%(names)s），请点“添加”后选择。", q=query, names=names)
            if found
            else _("没有找到授课人“%(q)s”，请先在“授课人”中添加。", q=query)
        )
        form.speaker_query.errors = [*form.speaker_query.errors, message]
        return False
    form.speaker_ids.data = list(dict.fromkeys([*(form.speaker_ids.data or []), pick[0].id]))
    form.speaker_query.data = ""
    return True
