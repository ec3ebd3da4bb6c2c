import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, env_extra):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        "--settings=portal.settings.production",
        env_extra={
            "SECRET_KEY": "Zq8-production-grade-secret-for-the-deploy-check-7Hd2!xP0vLm",
            "ALLOWED_HOSTS": "readyline.hospital.example",
            "READYLINE_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = _manage(
        "check",
        "--settings=portal.settings.production",
        env_extra={"ALLOWED_HOSTS": "x", "READYLINE_VAR_DIR": str(tmp_path), "SECRET_KEY": ""},
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
