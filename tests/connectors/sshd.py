"""A real OpenSSH server on 127.0.0.1 for the SFTP tests: temporary host key, user keys, config.

Key logins are as the current user. Password logins need a local account with a known
password: as root, `password_user` creates one for the session and deletes it afterwards.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
PASSWORD_USER = "polster-sftp-test"


@dataclass
class Server:
    port: int
    folder: Path
    host_public_key: str
    user: str
    keys: dict[str, Path] = field(default_factory=dict)  # kind -> private key file
    passphrase: str = ""

    def known_hosts(self, path: Path, public_key: str | None = None) -> Path:
        path.write_text(f"[127.0.0.1]:{self.port} {public_key or self.host_public_key}\n")
        return path


def available() -> bool:
    return Path(SSHD).is_file() and shutil.which("ssh-keygen") is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _keygen(path: Path, kind: str, passphrase: str = "") -> Path:
    bits = {"rsa": ["-b", "2048"], "ecdsa": ["-b", "256"]}.get(kind, [])
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, *bits, "-N", passphrase, "-f", str(path)], check=True
    )
    return path


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited: {process.stderr.read() if process.stderr else ''}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"sshd did not listen on 127.0.0.1:{port} within {seconds} s")


@contextlib.contextmanager
def running(folder: Path) -> Iterator[Server]:
    """Start sshd on a free loopback port with keys made for it; stop it afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    host_key = _keygen(folder / "host_ed25519", "ed25519")
    passphrase = secrets.token_hex(8)
    keys = {
        "rsa": _keygen(folder / "id_rsa", "rsa"),
        "ed25519": _keygen(folder / "id_ed25519", "ed25519"),
        "ecdsa": _keygen(folder / "id_ecdsa", "ecdsa", passphrase),
    }
    authorized = folder / "authorized_keys"
    authorized.write_text("".join(Path(f"{key}.pub").read_text() for key in keys.values()))
    port = _free_port()
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
        f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {authorized}\n"
        "PasswordAuthentication yes\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "PermitRootLogin yes\nStrictModes no\nSubsystem sftp internal-sftp\n"
        "LogLevel ERROR\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation dir
    process = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for(port, process)
        public = Path(f"{host_key}.pub").read_text().split()
        user = os.environ.get("USER") or "root"
        if os.geteuid() == 0:
            user = "root"
        yield Server(port, folder, f"{public[0]} {public[1]}", user, keys, passphrase)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def password_user(home: Path) -> Iterator[tuple[str, str] | None]:
    """(user, password) of a throwaway local account, or None when not root."""
    if os.geteuid() != 0 or not shutil.which("useradd"):
        yield None
        return
    password = secrets.token_urlsafe(12)
    subprocess.run(["userdel", "--force", PASSWORD_USER], capture_output=True)  # left by a crash
    subprocess.run(
        ["useradd", "--no-create-home", "--home-dir", str(home), "--shell", "/bin/sh",
         PASSWORD_USER],
        check=True,
    )  # fmt: skip
    try:
        subprocess.run(["chpasswd"], input=f"{PASSWORD_USER}:{password}\n", text=True, check=True)
        yield PASSWORD_USER, password
    finally:
        # --force: an SFTP session of the test may not have ended yet.
        subprocess.run(["userdel", "--force", PASSWORD_USER], capture_output=True)
