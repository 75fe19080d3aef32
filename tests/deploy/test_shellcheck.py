"""shellcheck on every shell script of the deployment (installer, session, images)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO, need

# pi-gen reads these with bash but they carry no shebang
SOURCED_BY_BASH = {"images/pi-gen/stage-sorra/EXPORT_IMAGE"}


def shell_scripts() -> list[Path]:
    found = []
    for base in ("install.sh", "firmware_configs", "images", "systemd"):
        for path in sorted([REPO / base] if (REPO / base).is_file() else (REPO / base).rglob("*")):
            if not path.is_file():
                continue
            rel = str(path.relative_to(REPO))
            head = path.read_bytes()[:64]
            if rel in SOURCED_BY_BASH or path.suffix == ".sh" or \
                    head.startswith((b"#!/bin/sh", b"#!/bin/bash", b"#!/usr/bin/env bash")):
                found.append(path)
    return found


def test_scripts_are_found():
    names = {str(p.relative_to(REPO)) for p in shell_scripts()}
    assert {"install.sh", "firmware_configs/session/sorra-session",
            "images/firstboot/sorra-firstboot", "images/pi-gen/build-image.sh"} <= names


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda p: str(p.relative_to(REPO)))
def test_shellcheck(script):
    shellcheck = need("shellcheck")
    args = [shellcheck, "--severity=style", "--external-sources"]
    if str(script.relative_to(REPO)) in SOURCED_BY_BASH:
        args += ["--shell=bash"]
    proc = subprocess.run([*args, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
