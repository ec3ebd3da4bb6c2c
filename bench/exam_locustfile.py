"""The load generator of the exam load benchmark: Locust users and the phases that drive them.

    python -m bench.exam_locustfile PLAN.json RESULT.json

`bench.exam_load` writes the plan (server address, exam, pre-made sessions, timings), runs this
module in a child process (Locust patches the standard library for gevent on import, which the
Django process must not have) and reads the result. No Django here.

Phases, in one Locust run:

1. synchronised start: every examinee waits at a barrier, then all POST start at once;
   each then loads the first page of its attempt;
2. steady state: examinees answer a question every `think` seconds (saved at once, as the page
   saves on every change) and autosave every `autosave` seconds; each baseline user mirrors
   one examinee's schedule against /bench/upsert/ with the same bodies (equal offered load);
3. saturation: `saturation_users` examinees save back to back, and as many baseline users
   upsert back to back, never together: in alternating slices (save, upsert, save, ...) of
   `saturation_seconds` / `saturation_slices` each, so that other work on the machine weighs
   on both sides alike;
4. submit: every examinee submits within `submit_window` seconds.
"""

import json
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass

import gevent
from gevent.event import Event
from locust import FastHttpUser, constant, task
from locust.env import Environment
from requests.cookies import create_cookie

RUN = None  # the Run of this process, set by main()
ATTEMPT_URL = re.compile(r"/attempt/(\d+)/")
SHORT_ANSWERS = ["wristband", "barcode", "scan the wristband", "two identifiers"]
ESSAY_WORDS = "the patient wristband order nurse doctor scan allergy dose time check".split()


class Latch:
    """Done when `n` users have arrived (at once when n is 0); remembers when."""

    def __init__(self, n: int):
        self.n, self.count, self.at = n, 0, None
        self.done = Event()
        if n <= 0:
            self._finish()

    def arrive(self):
        self.count += 1
        if self.count >= self.n and not self.done.is_set():
            self._finish()

    def _finish(self):
        self.at = time.time()
        self.done.set()


@dataclass
class Slice:
    kind: str  # "save" or "upsert"
    go: Event
    over: Event
    idle: Latch


class Run:
    """What the users of one run share: the plan, the phase signals, the request log."""

    def __init__(self, plan: dict):
        self.plan = plan
        examinees, baseline = len(plan["examinees"]), len(plan["baseline"])
        saturating = plan["saturation_users"]
        self.arrived = Latch(examinees)  # the start barrier
        self.started = Latch(examinees)
        self.loaded = Latch(examinees)
        self.twin_loaded = [Event() for _ in range(baseline)]
        self.steady_over = Event()
        self.steady_idle = Latch(examinees + baseline)
        # The saturation slices in order: (kind, go, over, idle).
        users = {"save": min(saturating, examinees), "upsert": min(saturating, baseline)}
        self.slices = [
            Slice(kind, Event(), Event(), Latch(users[kind]))
            for _ in range(plan["saturation_slices"])
            for kind in ("save", "upsert")
            if users[kind]
        ]
        self.submit = Event()
        self.submitted = Latch(examinees)
        self.claimed = Counter()
        self.log: list[tuple[str, float, float, bool]] = []  # name, start, ms, ok
        self.failures: Counter = Counter()
        self.samples: list[str] = []
        self.saved: dict[int, dict[str, object]] = {}  # attempt -> position -> response
        self.starts_ok = 0

    def claim(self, kind: str) -> int:
        index = self.claimed[kind]
        self.claimed[kind] += 1
        return index

    def on_request(self, request_type, name, response_time, exception=None, start_time=0, **kw):
        self.log.append((name, start_time, response_time, exception is None))
        if exception is not None:
            message = f"{name}: {str(exception)[:200]}"
            self.failures[name] += 1
            if len(self.samples) < 20:
                self.samples.append(message)


def wait_until(moment: float, stop: Event) -> bool:
    """Sleep until `moment`; False when `stop` is set first."""
    return not stop.wait(timeout=max(0.0, moment - time.time()))


class Client(FastHttpUser):
    """A browser with a signed-in session: cookies as Django set them at sign-in, and the CSRF
    token in a header as the page's script sends it."""

    abstract = True
    wait_time = constant(0)
    network_timeout = 120.0
    connection_timeout = 120.0
    kind = ""

    def on_start(self):
        self.index = RUN.claim(self.kind)
        session = RUN.plan[self.kind][self.index]["session"]
        host = re.sub(r"^https?://|:\d+$", "", self.host)
        self.client.cookiejar.set_cookie(create_cookie("sessionid", session, domain=host))
        csrf = RUN.plan["csrf_token"]
        self.client.cookiejar.set_cookie(create_cookie("csrftoken", csrf, domain=host))
        self.headers = {"X-CSRFToken": csrf, "Origin": self.host, "Referer": self.host + "/"}
        self.seq, self.page, self.dirty = 0, 0, {}
        # (position, seq) sent in a request that failed: the server may have stored them, so a
        # "stale" answer to their resend is no new error.
        self.tried: set[tuple[int, int]] = set()
        self.done = False

    @task
    def script(self):
        if self.done:  # the script runs once; afterwards the user idles until the run ends
            gevent.sleep(3600)
            return
        self.done = True
        self.run_script()

    def run_script(self):
        raise NotImplementedError

    def post_json(self, url, body, name):
        """POST a save; a failure unless it answers 200 with JSON that accepted every answer."""
        sent = {a["position"]: a["seq"] for a in body["answers"]}
        with self.client.post(
            url, json=body, name=name, headers=self.headers, catch_response=True
        ) as response:
            result = self.save_result(response, sent)
        if result is None:
            self.tried.update(sent.items())
        return result

    def save_result(self, response, sent: dict[int, int]) -> dict | None:
        if response.status_code != 200:
            response.failure(f"HTTP {response.status_code}")
            return None
        try:
            result = response.json()
        except ValueError:
            response.failure("not JSON")
            return None
        stale = set(result.get("stale") or [])
        written = set(result.get("accepted") or []) | {
            p for p in stale if (p, sent.get(p)) in self.tried
        }
        if written != set(sent):
            response.failure(f"sent {sorted(sent)}, accepted {result.get('accepted')}")
            return None
        return result

    def turn_to(self, position: int):
        """Show the page of the question at `position` (examinees only)."""

    def answer(self, position: int) -> dict:
        """A new response to the question at `position`, valid for its type."""
        question = RUN.plan["questions"][position]
        qtype, count = question["qtype"], question["answers"]
        if qtype in ("single", "truefalse"):
            response = {"choice": random.randrange(count)}
        elif qtype == "multiple":
            response = {"choices": sorted(random.sample(range(count), random.randint(1, count)))}
        elif qtype == "shortanswer":
            response = {"text": random.choice(SHORT_ANSWERS)}
        elif qtype == "numerical":
            response = {"text": random.choice(["5", "4.5", "5,5", "6"])}
        elif qtype == "matching":
            rows = question["rows"]
            response = {"matches": {str(i): random.choice(rows) for i in rows}}
        else:  # essay: the text grows as the examinee writes
            words = " ".join(random.choices(ESSAY_WORDS, k=40))
            previous = (self.dirty.get(position) or {}).get("response") or {"text": ""}
            response = {"text": (previous["text"] + " " + words).strip()[:4000]}
        self.seq += 1
        self.dirty[position] = {
            "position": position,
            "seq": self.seq,
            "response": response,
            "flagged": random.random() < 0.05,
        }
        return self.dirty[position]

    def answerable(self) -> list[int]:
        return [i for i, q in enumerate(RUN.plan["questions"]) if q["qtype"] != "description"]

    def steady(self, save):
        """Answer a question every `think` seconds (saved at once) and autosave every
        `autosave` seconds, until the steady phase is over."""
        low, high = RUN.plan["think"]
        positions = self.answerable()
        cursor = 0
        next_answer = time.time() + random.uniform(low, high)
        next_autosave = time.time() + RUN.plan["autosave"]
        while True:
            moment = min(next_answer, next_autosave)
            if not wait_until(moment, RUN.steady_over):
                return
            if moment == next_answer:
                # In order through the exam, then changing earlier answers.
                position = (
                    positions[cursor] if cursor < len(positions) else random.choice(positions)
                )
                cursor += 1
                self.turn_to(position)
                self.answer(position)
                save()
                next_answer = time.time() + random.uniform(low, high)
            else:
                save()
                next_autosave += RUN.plan["autosave"]

    def saturate(self, kind: str, save, enabled: bool = True):
        """Change an answer and save it, back to back, in every saturation slice of `kind`."""
        positions = self.answerable()
        for piece in RUN.slices:
            if piece.kind != kind or self.index >= piece.idle.n:
                continue
            piece.go.wait()
            try:
                while enabled and not piece.over.is_set():
                    self.answer(random.choice(positions))
                    save()
            finally:
                piece.idle.arrive()


class Examinee(Client):
    kind = "examinees"

    def run_script(self):
        self.attempt = None
        urls = RUN.plan["urls"]
        try:
            RUN.arrived.arrive()
            RUN.arrived.done.wait()
            self.start_attempt(urls["start"])
        finally:
            RUN.started.arrive()
        try:
            if self.attempt:
                self.load_page(0)
        finally:
            RUN.loaded.arrive()
            if self.index < len(RUN.twin_loaded):
                RUN.twin_loaded[self.index].set()
        try:
            if self.attempt:
                self.steady(lambda: self.save("save"))
        finally:
            RUN.steady_idle.arrive()
        self.saturate("save", lambda: self.save("save (saturation)"), enabled=bool(self.attempt))
        RUN.submit.wait()
        try:
            if self.attempt:
                gevent.sleep(random.uniform(0, RUN.plan["submit_window"]))
                self.finish()
        finally:
            RUN.submitted.arrive()

    def url(self, name: str) -> str:
        return RUN.plan["urls"][name].replace(RUN.plan["urls"]["placeholder"], str(self.attempt))

    def start_attempt(self, url):
        with self.client.post(
            url, name="start", headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            found = ATTEMPT_URL.search(response.headers.get("Location") or "")
            if response.status_code not in (302, 303) or not found:
                response.failure(f"HTTP {response.status_code}, no redirect to an attempt")
                return
            self.attempt = int(found.group(1))
            RUN.starts_ok += 1
            RUN.saved[self.attempt] = {}

    def load_page(self, page: int):
        self.page = page
        url = self.url("page") + (f"?page={page}" if page else "")
        with self.client.get(url, name="attempt page", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    def turn_to(self, position: int):
        page = position // RUN.plan["questions_per_page"]
        if page != self.page:
            self.load_page(page)

    def save(self, name: str):
        answers = sorted(self.dirty.values(), key=lambda a: a["position"])
        result = self.post_json(self.url("save"), {"answers": answers, "page": self.page}, name)
        if result is not None:
            for sent in answers:
                RUN.saved[self.attempt][str(sent["position"])] = sent["response"]
                if self.dirty.get(sent["position"]) is sent:
                    del self.dirty[sent["position"]]

    def finish(self):
        answers = sorted(self.dirty.values(), key=lambda a: a["position"])
        with self.client.post(
            self.url("submit"),
            json={"answers": answers},
            name="submit",
            headers=self.headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 302, 303):
                response.failure(f"HTTP {response.status_code}")
                return
        for sent in answers:
            RUN.saved[self.attempt][str(sent["position"])] = sent["response"]
        self.dirty.clear()


class Baseline(Client):
    """Mirrors the examinee of the same index: the same bodies on the same schedule, sent to the
    one-upsert view."""

    kind = "baseline"

    def run_script(self):
        try:
            RUN.twin_loaded[self.index].wait()
            self.steady(lambda: self.upsert("upsert"))
        finally:
            RUN.steady_idle.arrive()
        self.saturate("upsert", lambda: self.upsert("upsert (saturation)"))

    def upsert(self, name: str):
        answers = sorted(self.dirty.values(), key=lambda a: a["position"])
        body = {"answers": answers[:1], "page": self.page}
        if self.post_json(RUN.plan["urls"]["baseline"], body, name) is not None:
            # One row per request: the rest stays dirty for the next one.
            for sent in answers[:1]:
                if self.dirty.get(sent["position"]) is sent:
                    del self.dirty[sent["position"]]


def percentile(ordered: list[float], share: float) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(log, name: str, windows: list[tuple[float, float]] | None = None) -> dict:
    """Requests named `name` (started within one of the `windows`, when given): count, errors,
    rate over the windows' length, latency in ms."""
    rows = [
        (ms, ok)
        for n, start, ms, ok in log
        if n == name and (windows is None or any(a <= start < b for a, b in windows))
    ]
    times = sorted(ms for ms, _ok in rows)
    seconds = sum(b - a for a, b in windows) if windows else None
    return {
        "count": len(rows),
        "errors": sum(1 for _ms, ok in rows if not ok),
        "rps": len(rows) / seconds if seconds else None,
        "p50": percentile(times, 0.50),
        "p95": percentile(times, 0.95),
        "p99": percentile(times, 0.99),
        "max": times[-1] if times else None,
    }


def saturation(run: Run, seconds: float) -> dict[str, list[tuple[float, float]]]:
    """Run the saturation slices one after the other; returns each kind's time windows."""
    windows: dict[str, list[tuple[float, float]]] = {"save": [], "upsert": []}
    for piece in run.slices:
        since = time.time()
        piece.go.set()
        gevent.sleep(seconds)
        windows[piece.kind].append((since, time.time()))
        piece.over.set()
        piece.idle.done.wait(timeout=180)  # the requests in flight end before the next slice
    return windows


def drive(plan: dict) -> dict:
    """Run every phase once; returns the figures."""
    global RUN
    RUN = run = Run(plan)
    examinees, baseline = len(plan["examinees"]), len(plan["baseline"])
    Examinee.fixed_count, Baseline.fixed_count = examinees, baseline
    classes = [cls for cls, count in ((Examinee, examinees), (Baseline, baseline)) if count]
    env = Environment(user_classes=classes, host=plan["host"])
    env.events.request.add_listener(run.on_request)
    runner = env.create_local_runner()
    cpu, clock = time.process_time(), time.time()
    runner.start(examinees + baseline, spawn_rate=examinees + baseline)

    run.arrived.done.wait(timeout=120)
    run.started.done.wait(timeout=300)
    run.loaded.done.wait(timeout=300)
    if not examinees:  # baseline only: every user starts at once
        for twin in run.twin_loaded:
            twin.set()
    steady_since = time.time()
    gevent.sleep(plan["duration"])
    steady_until = time.time()
    run.steady_over.set()
    run.steady_idle.done.wait(timeout=180)
    windows = saturation(run, plan["saturation_seconds"] / max(1, plan["saturation_slices"]))
    submit_since = time.time()
    run.submit.set()
    run.submitted.done.wait(timeout=plan["submit_window"] + 300)
    submit_until = time.time()
    runner.quit()

    start_ends = [start + ms / 1000 for n, start, ms, _ok in run.log if n == "start"]
    release = run.arrived.at
    return {
        "start": {
            **summary(run.log, "start"),
            "attempts": run.starts_ok,
            "seconds": (max(start_ends) - release) if start_ends and release else None,
        },
        "attempt_page": summary(run.log, "attempt page"),
        "steady": {
            "seconds": steady_until - steady_since,
            "save": summary(run.log, "save", [(steady_since, steady_until)]),
            "upsert": summary(run.log, "upsert", [(steady_since, steady_until)]),
        },
        "saturation": {
            "users": plan["saturation_users"],
            "slices": plan["saturation_slices"],
            "save": summary(run.log, "save (saturation)", windows["save"]),
            "upsert": summary(run.log, "upsert (saturation)", windows["upsert"]),
        },
        "submit": {
            **summary(run.log, "submit"),
            "seconds": submit_until - submit_since,
        },
        "failures": dict(run.failures),
        "failure_samples": run.samples,
        "requests": len(run.log),
        "generator_cpu": time.process_time() - cpu,
        "generator_wall": time.time() - clock,
        "saved": run.saved,
    }


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        sys.exit("usage: python -m bench.exam_locustfile PLAN.json RESULT.json")
    with open(argv[0]) as source:
        plan = json.load(source)
    result = drive(plan)
    with open(argv[1], "w") as target:
        json.dump(result, target)


if __name__ == "__main__":
    main()
