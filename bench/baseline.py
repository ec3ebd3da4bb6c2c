"""The baseline of the exam load benchmark: the least an authenticated JSON save can cost on this
stack, and the URLs that add it to the portal's (bench.settings' ROOT_URLCONF, never the
product's).

`POST /bench/upsert/` takes the body an exam save sends ({"answers": [...], "page": n}), goes
through the same middleware (session, CSRF, authentication) and does one statement: an upsert of
the first answer into a table of its own, keyed by user and position, guarded by the sequence
number as the exam engine's save is. It reads no attempt, checks no deadline, validates nothing.
"""

import json

from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import include, path

TABLE = "bench_upsert"


def baseline_table_ensure() -> None:
    """Create the baseline's table (not a Django model: the product has no migration for it)
    and empty it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            " user_id bigint NOT NULL, position integer NOT NULL, seq bigint NOT NULL,"
            " response jsonb, saved_at timestamptz NOT NULL,"
            " PRIMARY KEY (user_id, position))"
        )
        cursor.execute(f"TRUNCATE {TABLE}")


def baseline_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def upsert(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return JsonResponse({"error": "not signed in"}, status=403)
    try:
        answers = json.loads(request.body).get("answers") or []
        # An autosave with nothing new still writes once: a "last seen" row at position -1.
        first = answers[0] if answers else {"position": -1, "seq": 0, "response": None}
        position, seq = int(first["position"]), int(first["seq"])
    except (ValueError, TypeError, AttributeError, KeyError):
        return JsonResponse({"error": "bad request"}, status=400)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} AS t (user_id, position, seq, response, saved_at)"
            " VALUES (%s, %s, %s, %s, now())"
            " ON CONFLICT (user_id, position) DO UPDATE"
            " SET seq = EXCLUDED.seq, response = EXCLUDED.response, saved_at = EXCLUDED.saved_at"
            " WHERE t.seq < EXCLUDED.seq OR EXCLUDED.position < 0",
            [request.user.pk, position, seq, json.dumps(first.get("response"))],
        )
        written = cursor.rowcount
    accepted = [position] if answers and written else []
    stale = [position] if answers and not written else []
    return JsonResponse({"accepted": accepted, "stale": stale})


urlpatterns = [
    path("bench/upsert/", upsert, name="bench_upsert"),
    path("", include("portal.urls")),
]
