"""Reminders to learners (due in 7 days, due tomorrow, overdue weekly), a weekly digest of
overdue staff to each department manager, and in-portal notifications.

Each reminder is sent at most once per (person, item, kind, period), even when the task is
redelivered or beat runs twice: it is claimed first by inserting its ReminderSent key (unique)
in the same transaction that creates the notification, and mailed only after that commits. A
claim that another run already holds is simply not returned to this one. A mail that fails
gives its claims back (and its notification), so the task's retry sends it again.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from courses.models import Notification, ReminderSent
from courses.selectors import reminders as selectors
from courses.selectors.chase import OVERDUE as STATUS_OVERDUE
from courses.selectors.chase import item_title, item_titles

logger = logging.getLogger(__name__)

CLAIM_BATCH = 500  # claims per INSERT statement
PEOPLE_PER_TRANSACTION = 200
DIGEST_LINES = 100  # staff listed in a digest mail (the chase list has everyone)
NOTICE_LINES = 20  # ... and in its in-portal notification
LANGUAGES = ("en", "zh-hans")  # mails are bilingual: the portal does not know who reads which


@dataclass
class Claim:
    key: str
    recipient_id: int
    kind: str
    period: str


@dataclass
class Reminder:
    """One mail and one notification to one person: all their items of one kind."""

    user_id: int
    email: str
    kind: str
    subject: str
    body: str
    title: str
    notice: str
    url: str
    keys: list[str] = field(default_factory=list)
    notification_id: int | None = None


def reminder_key(*, kind: str, recipient_id: int, subject: str, period: str) -> str:
    """ "<kind>:<recipient id>:<assignment id or 'digest'>:<period>" (ReminderSent.key)."""
    return f"{kind}:{recipient_id}:{subject}:{period}"


# ---------------------------------------------------------------------------------------------
# Claims


def reminders_claim(claims: list[Claim]) -> set[str]:
    """Insert the claims' keys; return the keys this call inserted (not those already there).

    INSERT ... ON CONFLICT DO NOTHING RETURNING (PostgreSQL, SQLite >= 3.35) answers exactly
    that in one statement, and two runs at the same moment cannot both win a key: the second
    waits for the first's transaction and then skips the row. (bulk_create(ignore_conflicts=
    True) does not say which rows it inserted.)"""
    if not claims:
        return set()
    meta = ReminderSent._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name).column for name in ("key", "recipient", "kind", "period")]
    columns.append(meta.get_field("sent_at").column)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    won: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(claims), CLAIM_BATCH):
            chunk = claims[start : start + CLAIM_BATCH]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            params = [p for c in chunk for p in (c.key, c.recipient_id, c.kind, c.period, now)]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, columns))}) "
                f"VALUES {values} ON CONFLICT ({quote(columns[0])}) DO NOTHING "
                f"RETURNING {quote(columns[0])}",
                params,
            )
            won.update(row[0] for row in cursor.fetchall())
    return won


def _bilingual(render) -> list[str]:
    """What render() gives in English, then in Simplified Chinese."""
    parts = []
    for language in LANGUAGES:
        with translation.override(language):
            parts.append(render())
    return parts


def _both(render) -> str:
    """A one-line text in both languages ("Training overdue / 培训已逾期"); once if the same."""
    return " / ".join(dict.fromkeys(_bilingual(render)))


def _deliver(reminders: list[Reminder]) -> None:
    """Create the notifications and, once the claims have committed, send the mails."""
    created = Notification.objects.bulk_create(
        Notification(user_id=r.user_id, title=r.title[:200], body=r.notice, url=r.url)
        for r in reminders
    )
    for reminder, notification in zip(reminders, created, strict=True):
        reminder.notification_id = notification.pk
    transaction.on_commit(lambda: _mails_send(reminders))


def _mails_send(reminders: list[Reminder]) -> None:
    """Send each mail; one that fails gives its claims (and its notice) back. Raises the first
    failure at the end (the others were sent), which stops the run: the task retries later and
    sends only what is still unclaimed."""
    failure = None
    mail_connection = get_connection()
    for reminder in reminders:
        message = EmailMessage(
            reminder.subject,
            reminder.body,
            settings.DEFAULT_FROM_EMAIL,
            [reminder.email],
            connection=mail_connection,
        )
        try:
            message.send()
        except Exception as exc:
            # Not sent: give the claims back (and the notice), so a retry sends it once more.
            logger.warning("reminder to %s not sent: %s", reminder.email, exc)
            with transaction.atomic():
                ReminderSent.objects.filter(key__in=reminder.keys).delete()
                Notification.objects.filter(pk=reminder.notification_id).delete()
            failure = failure or exc
    if failure is not None:
        raise failure


# ---------------------------------------------------------------------------------------------
# Learners


SUBJECTS = {
    selectors.DUE_7: ("Readyline: training due within a week", "Readyline：培训一周内到期"),
    selectors.DUE_1: ("Readyline: training due tomorrow", "Readyline：培训明天到期"),
    selectors.OVERDUE: ("Readyline: training overdue", "Readyline：培训已逾期"),
}


def _title(kind: str, count: int) -> str:
    titles = {
        selectors.DUE_7: lambda: _("Training due within a week"),
        selectors.DUE_1: lambda: _("Training due tomorrow"),
        selectors.OVERDUE: lambda: _("Training overdue"),
    }
    text = _both(titles[kind])
    return f"{text} ({count})" if count > 1 else text


def _learner_reminder(person: selectors.LearnerDue, kind, rows, titles, today) -> Reminder:
    items = [
        {
            "title": item_title(titles, row.content_type_id, row.object_id),
            "due_date": row.due_date,
            "days": (row.due_date - today).days,
            "days_late": (today - row.due_date).days,
        }
        for row in rows
    ]
    path = reverse("my_training")
    context = {
        "name": person.full_name,
        "kind": kind,
        "items": items,
        "url": settings.PORTAL_BASE_URL.rstrip("/") + path,
    }
    body = "\n\n".join(
        _bilingual(lambda: render_to_string("courses/email/reminder.txt", context).strip())
    )
    notice = "\n".join(
        f"{item['title'].en}{' / ' + item['title'].zh if item['title'].zh else ''}"
        f" · {item['due_date']:%Y-%m-%d}"
        for item in items
    )
    return Reminder(
        user_id=person.user_id,
        email=person.email,
        kind=kind,
        subject=" / ".join(SUBJECTS[kind]),
        body=body + "\n",
        title=_title(kind, len(items)),
        notice=notice,
        url=path,
    )


def _learners_flush(people: list[list[selectors.LearnerDue]], titles, today) -> int:
    """Claim, notify and (after commit) mail a batch of people. Returns reminders created."""
    claims = {}
    for rows in people:
        for row in rows:
            kind = selectors.reminder_kind(due_date=row.due_date, today=today)
            period = selectors.reminder_period(kind=kind, due_date=row.due_date, today=today)
            key = reminder_key(
                kind=kind, recipient_id=row.user_id, subject=str(row.assignment_id), period=period
            )
            claims[key] = (Claim(key, row.user_id, kind, period), row)
    with transaction.atomic():
        won = reminders_claim([claim for claim, _row in claims.values()])
        if not won:
            return 0
        grouped: dict[tuple[int, str], list] = defaultdict(list)
        for key, (claim, row) in claims.items():
            if key in won:
                grouped[(row.user_id, claim.kind)].append((key, row))
        reminders = []
        for (_user_id, kind), pairs in grouped.items():
            rows = [row for _key, row in pairs]
            reminder = _learner_reminder(rows[0], kind, rows, titles, today)
            reminder.keys = [key for key, _row in pairs]
            reminders.append(reminder)
        _deliver(reminders)
    return len(reminders)


def learner_reminders_send(*, today: date) -> int:
    """Due within a week, due tomorrow, overdue (weekly): one mail per person and kind, listing
    the items newly claimed for it."""
    titles = item_titles(selectors.learner_reminder_items(today=today))
    sent, batch = 0, []
    for _user_id, rows in groupby(
        selectors.learner_reminder_rows(today=today), key=lambda row: row.user_id
    ):
        batch.append(list(rows))
        if len(batch) >= PEOPLE_PER_TRANSACTION:
            sent += _learners_flush(batch, titles, today)
            batch = []
    if batch:
        sent += _learners_flush(batch, titles, today)
    return sent


# ---------------------------------------------------------------------------------------------
# Managers


def _digest_reminder(manager: selectors.DigestManager, staff, key: str) -> Reminder:
    path = reverse("courses:chase_list") + f"?status={STATUS_OVERDUE}"
    context = {
        "name": manager.full_name,
        "staff": staff[:DIGEST_LINES],
        "total": len(staff),
        "more": max(len(staff) - DIGEST_LINES, 0),
        "url": settings.PORTAL_BASE_URL.rstrip("/") + path,
    }
    body = "\n\n".join(
        _bilingual(lambda: render_to_string("courses/email/digest.txt", context).strip())
    )
    title = _both(lambda: _("Weekly digest: %(count)s staff overdue") % {"count": len(staff)})
    notice = "\n".join(
        f"{s.full_name} ({s.employee_no}) · {s.department.en} · {s.first_due:%Y-%m-%d}"
        for s in staff[:NOTICE_LINES]
    )
    if len(staff) > NOTICE_LINES:
        notice += f"\n… +{len(staff) - NOTICE_LINES}"
    return Reminder(
        user_id=manager.user.pk,
        email=manager.user.email,
        kind=selectors.DIGEST,
        subject="Readyline: weekly digest of overdue training / 每周培训逾期摘要",
        body=body + "\n",
        title=title,
        notice=notice,
        url=path,
        keys=[key],
    )


def manager_digests_send(*, today: date) -> int:
    """Each department manager: the staff of their departments (and sub-departments) who are
    overdue, once per ISO week. Nothing is sent to a manager with nobody overdue."""
    sent = 0
    period = selectors.reminder_period(kind=selectors.DIGEST, due_date=None, today=today)
    for manager in selectors.digest_managers():
        staff = selectors.overdue_staff(department_ids=manager.department_ids, today=today)
        if not staff:
            continue
        key = reminder_key(
            kind=selectors.DIGEST, recipient_id=manager.user.pk, subject="digest", period=period
        )
        with transaction.atomic():
            if not reminders_claim([Claim(key, manager.user.pk, selectors.DIGEST, period)]):
                continue
            _deliver([_digest_reminder(manager, staff, key)])
        sent += 1
    return sent


# ---------------------------------------------------------------------------------------------
# The daily run


def reminders_send(*, today: date | None = None) -> dict[str, int]:
    """The daily job: learner reminders every day, manager digests on Mondays. Safe to run any
    number of times: what was sent is not sent again. A mail that cannot be sent stops the run
    with its error, so the task retries later."""
    today = today or timezone.localdate()
    counts = {"learners": learner_reminders_send(today=today), "digests": 0}
    if today.isoweekday() == 1:
        counts["digests"] = manager_digests_send(today=today)
    return counts


# ---------------------------------------------------------------------------------------------
# Notifications


def notifications_mark_read(*, user, ids=None) -> int:
    """Mark the user's notifications read (only these ids, if given). Returns how many changed;
    marking again changes nothing."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
