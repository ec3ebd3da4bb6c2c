"""A throwaway OpenLDAP server (Debian's slapd) for the directory sign-in tests.

`slapd_directory` starts slapd once per test session on a free loopback port, in a temporary
directory with its own slapd.conf and an MDB database loaded (slapadd) with an organisational
unit of people and a service account the portal binds as; it stops the server afterwards.
Import the fixture into a test module: `from tests.slapd import slapd_directory  # noqa: F401`.
Without slapd (package slapd) or python-ldap it skips locally and fails in CI (need())."""

import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import need

SUFFIX = "dc=hospital,dc=example"
PEOPLE = f"ou=people,{SUFFIX}"
SERVICE_DN = f"cn=readyline,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-account-pw"
SCHEMAS = ("core", "cosine", "inetorgperson")


@dataclass(frozen=True)
class Person:
    uid: str
    mail: str
    password: str
    employee_number: str = ""


# Who the directory knows. The tests give the roster its side of each case.
PEOPLE_IN_DIRECTORY = {
    "ana": Person("ana", "ana.lee@hospital.example", "ana-dir-pw", "N1001"),
    "ben": Person("ben", "ben.ho@hospital.example", "ben-dir-pw", "N1002"),
    "cara": Person("cara", "cara.wu@hospital.example", "cara-dir-pw"),
    "dan": Person("dan", "dan.new@hospital.example", "dan-dir-pw", "N9999"),
    "eve": Person("eve", "eve.ma@hospital.example", "eve-dir-pw", "N1005"),
    "fay": Person("fay", "ward3.nurse@hospital.example", "fay-dir-pw", "N7777"),
}


@dataclass
class Directory:
    uri: str
    people: dict = field(default_factory=lambda: PEOPLE_IN_DIRECTORY)
    base: str = PEOPLE
    bind_dn: str = SERVICE_DN
    bind_password: str = SERVICE_PASSWORD

    def environ(self, **extra) -> dict:
        """The environment variables that point the portal at this directory."""
        return {
            "LDAP_SERVER_URI": self.uri,
            "LDAP_BIND_DN": self.bind_dn,
            "LDAP_BIND_PASSWORD": self.bind_password,
            "LDAP_USER_SEARCH_BASE": self.base,
            **extra,
        }


def _program(name: str) -> str | None:
    # /usr/sbin is not on every user's PATH.
    path = shutil.which(name) or f"/usr/sbin/{name}"
    return path if os.access(path, os.X_OK) else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(tmp: Path) -> str:
    includes = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
    return f"""{includes}
pidfile {tmp}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "cn=admin,{SUFFIX}"
rootpw admin-pw
directory {tmp}/data
# People may only bind with their password; the service account reads the directory.
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="{SERVICE_DN}" read by self read by * none
"""


def _ldif() -> str:
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: hospital\n"
        "o: Example Hospital",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services",
        f"dn: {SERVICE_DN}\nobjectClass: person\ncn: readyline\nsn: readyline\n"
        f"userPassword: {SERVICE_PASSWORD}",
    ]
    for person in PEOPLE_IN_DIRECTORY.values():
        lines = [
            f"dn: uid={person.uid},{PEOPLE}",
            "objectClass: inetOrgPerson",
            f"uid: {person.uid}",
            f"cn: {person.uid.title()}",
            f"sn: {person.uid.title()}",
            f"mail: {person.mail}",
            f"userPassword: {person.password}",
        ]
        if person.employee_number:
            lines.append(f"employeeNumber: {person.employee_number}")
        entries.append("\n".join(lines))
    return "\n\n".join(entries) + "\n"


def _wait_for(port: int, server: subprocess.Popen, log: Path, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"slapd exited ({server.returncode}): {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"slapd did not listen on {port} within {seconds} s")


@pytest.fixture(scope="session")
def slapd_directory():
    slapd, slapadd = _program("slapd"), _program("slapadd")
    need(slapd is not None and slapadd is not None, "slapd (Debian packages slapd, ldap-utils)")
    need(importlib.util.find_spec("ldap") is not None, "python-ldap")
    with tempfile.TemporaryDirectory(prefix="readyline-slapd-") as name:
        tmp = Path(name)
        (tmp / "data").mkdir()
        conf = tmp / "slapd.conf"
        conf.write_text(_config(tmp))
        (tmp / "people.ldif").write_text(_ldif())
        subprocess.run(
            [slapadd, "-f", str(conf), "-l", str(tmp / "people.ldif")],
            check=True,
            capture_output=True,
        )
        port = _free_port()
        log = tmp / "slapd.log"
        with log.open("wb") as out:
            # -d keeps slapd in the foreground (no daemon to hunt down afterwards); level 0
            # logs only what goes wrong at start.
            server = subprocess.Popen(
                [slapd, "-f", str(conf), "-h", f"ldap://127.0.0.1:{port}/", "-d", "0"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_for(port, server, log)
            yield Directory(uri=f"ldap://127.0.0.1:{port}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
