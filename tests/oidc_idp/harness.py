"""Start the test identity provider (server.py) as a separate process and stop it again."""

import json
import os
import select
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "readyline-portal"
CLIENT_SECRET = "idp-test-client-secret"
# Migrating and seeding a fresh SQLite database takes a few seconds on a busy machine.
START_TIMEOUT = 60


@dataclass
class Provider:
    url: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    def environ(self, **extra) -> dict:
        """The portal's environment variables for signing in through this provider."""
        return {
            "OIDC_SERVER_URL": self.url,
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "OIDC_NAME": "Riverside ID",
            **extra,
        }


@contextmanager
def running_provider(workdir: Path, *, people: list[dict], redirect_uris: list[str]):
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "people.json").write_text(json.dumps(people))
    (workdir / "client.json").write_text(
        json.dumps({"id": CLIENT_ID, "secret": CLIENT_SECRET, "redirect_uris": redirect_uris})
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    log = open(workdir / "server.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_idp.server", str(workdir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        url = _wait_listening(process, workdir)
        yield Provider(url=url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_listening(process, workdir: Path) -> str:
    ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
    line = process.stdout.readline() if ready else ""  # "" when it died or hung
    if not line.startswith("listening on "):
        raise RuntimeError(
            f"the test identity provider did not start:\n{(workdir / 'server.log').read_text()}"
        )
    url = line.removeprefix("listening on ").strip()
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            requests.get(f"{url}/.well-known/openid-configuration", timeout=5).raise_for_status()
            return url
        except requests.RequestException:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.2)
