"""Production settings must pass Django's deployment checks with no warning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7#k2!vQ9zL@m4pR8wT1yN6cB3hF5jD0sG-uA%eW^oI&qZ*rX(tV)lK+nM=bC?",
    "ALLOWED_HOSTS": "samt.example.ir",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests in this process; a server never has it.
    test_only = {"DEBUG", "SECRET_KEY", "SMS_OUTBOX_PAGE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in test_only}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env={"DEBUG": "0", "ALLOWED_HOSTS": "samt.example.ir"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_demo_data_is_refused_in_production():
    result = run_manage("seed_demo", env=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "DEBUG=1" in result.stderr
