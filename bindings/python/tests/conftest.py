"""Fixtures: the real servers of tests/servers (read from servers.env), the
project's ftps-testserver, and a per-run remote directory for every test.

With CI=true a missing server fails the run instead of skipping tests.

Which tests are part of a run (the selection is explicit, never a skip):
  FTPS_REAL_SERVERS=0  the tests that need a real server (the ``real_servers`` marker,
                       given to every test that uses one of REAL_SERVER_FIXTURES) are
                       deselected: not part of this run (``make check``). The scripted
                       servers then use a PKI of their own (tests/servers/pki.sh).
  FTPS_REAL_SERVERS=1  they are selected, and a missing server fails, CI or not.
  (unset)              they are selected; a missing server skips them (fails with CI=true).
  FTPS_LOCAL_TESTS=0   only the real-server tests run (``make test-real``, after
                       ``make check`` ran the others).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

import ftps

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
ENV_FILE = Path(os.environ.get("FTPS_TEST_ENV", REPO / ".servers" / "run" / "servers.env"))
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
RUN_ID = f"py-{os.getpid()}-{uuid.uuid4().hex[:6]}"
# The selection of this run (see the module docstring).
REAL_SERVERS = os.environ.get("FTPS_REAL_SERVERS", "")
LOCAL_TESTS = os.environ.get("FTPS_LOCAL_TESTS", "1") != "0"
# A test that uses one of these (directly or through another fixture) needs a real server.
REAL_SERVER_FIXTURES = frozenset(
    {"vsftpd_explicit", "vsftpd_implicit", "proftpd_explicit", "server", "real"}
)
REAL_MARKER = "real_servers"

sys.path.insert(0, str(HERE))


def _missing(why: str) -> None:
    if REAL_SERVERS == "1":
        pytest.fail(f"{why} (FTPS_REAL_SERVERS=1: the real servers are part of this run)", pytrace=False)
    if CI:
        pytest.fail(f"{why} (CI=true: a missing server is a failure)", pytrace=False)
    pytest.skip(why)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{REAL_MARKER}: needs the real servers of tests/servers (deselected by FTPS_REAL_SERVERS=0)"
    )


def pytest_report_header(config: pytest.Config) -> List[str]:
    real = "not part of this run (FTPS_REAL_SERVERS=0)" if REAL_SERVERS == "0" else f"selected (from {ENV_FILE})"
    local = "selected" if LOCAL_TESTS else "not part of this run (FTPS_LOCAL_TESTS=0)"
    return [f"real-server tests: {real}", f"offline, ftps-testserver and scripted-server tests: {local}"]


_NOT_IN_RUN: List[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """Marks the real-server tests, and leaves out the part that this run does not include."""
    keep: List[pytest.Item] = []
    left_out: List[pytest.Item] = []
    n_real = n_local = 0
    for item in items:
        real = bool(REAL_SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())))
        if real:
            item.add_marker(REAL_MARKER)
        if real and REAL_SERVERS == "0":
            left_out.append(item)
            n_real += 1
        elif not real and not LOCAL_TESTS:
            left_out.append(item)
            n_local += 1
        else:
            keep.append(item)
    if n_real:
        _NOT_IN_RUN.append(f"{n_real} real-server tests (FTPS_REAL_SERVERS=0; `make test-real` runs them)")
    if n_local:
        _NOT_IN_RUN.append(f"{n_local} offline/local-server tests (FTPS_LOCAL_TESTS=0; `make check` runs them)")
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = keep


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    for line in _NOT_IN_RUN:
        terminalreporter.write_line(f"not part of this run: {line}")


def _load_env() -> Optional[Dict[str, str]]:
    if not ENV_FILE.is_file():
        return None
    env = {}
    for line in ENV_FILE.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            env[k.strip()] = v.strip()
    return env


@dataclass
class Server:
    name: str
    host: str
    port: int
    mode: str
    root: Optional[Path]
    ca: str
    user: str
    password: str
    mlsd: bool = False

    def connect(self, **kw: Any) -> ftps.Client:
        opts: Dict[str, Any] = dict(mode=self.mode, user=self.user, password=self.password, ca_file=self.ca, timeout=20)
        opts.update(kw)
        return ftps.connect(self.host, self.port, **opts)


@pytest.fixture(scope="session")
def servers_env(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    if REAL_SERVERS == "0":
        # No real server in this run: the scripted servers get a PKI of their own.
        pki = tmp_path_factory.mktemp("pki")
        subprocess.run([str(REPO / "tests" / "servers" / "pki.sh"), str(pki)], check=True, capture_output=True)
        return {
            "FTPS_TEST_CA": str(pki / "ca.pem"),
            "FTPS_TEST_WRONG_CA": str(pki / "wrong-ca.pem"),
            "FTPS_TEST_SERVER_CERT": str(pki / "server.pem"),
            "FTPS_TEST_SERVERS": "",
        }
    env = _load_env()
    if env is None:
        _missing(f"no {ENV_FILE}: run tests/servers/start.sh")
    assert env is not None
    return env


def _server(env: Dict[str, str], name: str) -> Server:
    if name not in env.get("FTPS_TEST_SERVERS", "").split(","):
        _missing(f"server {name} not in {ENV_FILE}")
    key = "FTPS_TEST_" + re.sub(r"[^A-Z0-9]", "_", name.upper())
    s = Server(
        name=name,
        host=env.get("FTPS_TEST_HOST", "127.0.0.1"),
        port=int(env[key + "_PORT"]),
        mode=env[key + "_MODE"],
        root=Path(env[key + "_ROOT"]),
        ca=env["FTPS_TEST_CA"],
        user=env["FTPS_TEST_USER"],
        password=env["FTPS_TEST_PASS"],
        mlsd=env.get(key + "_MLSD") == "yes",
    )
    try:
        s.connect(timeout=5).close()
    except ftps.Error as e:
        _missing(f"server {name} on port {s.port} does not answer: {e}")
    return s


@pytest.fixture(scope="session")
def vsftpd_explicit(servers_env: Dict[str, str]) -> Server:
    return _server(servers_env, "vsftpd-explicit")


@pytest.fixture(scope="session")
def vsftpd_implicit(servers_env: Dict[str, str]) -> Server:
    return _server(servers_env, "vsftpd-implicit")


@pytest.fixture(scope="session")
def proftpd_explicit(servers_env: Dict[str, str]) -> Server:
    return _server(servers_env, "proftpd-explicit")


@pytest.fixture(scope="session", params=["vsftpd-explicit", "vsftpd-implicit"])
def server(request: pytest.FixtureRequest, servers_env: Dict[str, str]) -> Server:
    """Each test using this runs against vsftpd Explicit and vsftpd Implicit."""
    return _server(servers_env, request.param)


def _testserver_exe() -> Path:
    exe = os.environ.get("FTPS_TESTSERVER")
    candidates = [Path(exe)] if exe else []
    target = Path(os.environ.get("FTPS_ROOT_TARGET_DIR", REPO / "target"))
    candidates += [target / "debug" / "ftps-testserver", target / "release" / "ftps-testserver"]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        _missing("ftps-testserver not built: cargo build -p ftps-testserver")
    assert found is not None
    return found


@contextlib.contextmanager
def run_testserver(*args: str) -> Iterator[Dict[str, Any]]:
    """Runs the project's ftps-testserver with ``args`` (e.g. ``--fault-user``,
    ``--no-hash``, ``--root``) until the block ends; yields its JSON line."""
    proc = subprocess.Popen(
        [str(_testserver_exe()), "--quiet", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"ftps-testserver {' '.join(args)} did not start (exit {proc.wait(timeout=10)})")
        yield json.loads(line)
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def testserver_info() -> Iterator[Dict[str, Any]]:
    """Runs the project's ftps-testserver (in-memory tree, session reuse required, MLSD)."""
    with run_testserver() as info:
        yield info


@dataclass
class Srv:
    """One ftps-testserver process serving ``root``."""

    info: Dict[str, Any]
    root: Path

    def connect(self, user: Optional[str] = None, **kw: Any) -> ftps.Client:
        host, port = self.info["explicit"].rsplit(":", 1)
        opts: Dict[str, Any] = dict(
            mode="explicit",
            user=user or self.info["user"],
            password=self.info["password"],
            ca_file=self.info["ca"],
            timeout=20,
            resume_backoff=0.01,
        )
        opts.update(kw)
        return ftps.connect(host, int(port), **opts)

    def names(self, sub: str = "") -> List[str]:
        return sorted(p.name for p in (self.root / sub).iterdir())


@pytest.fixture
def testserver_with(tmp_path: Path) -> Iterator[Callable[..., Srv]]:
    """Starts an ftps-testserver with extra arguments (``--fault-user cut:cut-once=1000``),
    serving a fresh directory; each test gets servers of its own, since the servers count
    file transfers for the ``*-every-second`` faults."""
    with contextlib.ExitStack() as stack:
        made = 0

        def start(*args: str) -> Srv:
            nonlocal made
            made += 1
            root = tmp_path / f"root{made}"
            root.mkdir()
            info = stack.enter_context(run_testserver("--root", str(root), *args))
            return Srv(info, root)

        yield start


@pytest.fixture(params=["implicit", "explicit"])
def testserver(request: pytest.FixtureRequest, testserver_info: Dict[str, Any]) -> Server:
    host, port = testserver_info[request.param].rsplit(":", 1)
    i = testserver_info
    return Server(f"testserver-{request.param}", host, int(port), request.param, None, i["ca"], i["user"], i["password"], True)


@dataclass
class Workdir:
    """A fresh remote directory for one test, and the same directory seen locally."""

    remote: str
    local: Optional[Path]


def _make_workdir(server: Server, request: pytest.FixtureRequest) -> Iterator[Workdir]:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)[:80]
    remote = f"/{RUN_ID}/{name}"
    local = None
    if server.root is not None:
        local = server.root / RUN_ID / name
        local.mkdir(parents=True, exist_ok=True)
        st = server.root.stat()
        for p in (local, local.parent):
            os.chown(p, st.st_uid, st.st_gid)
    else:
        with server.connect() as c:
            for part in (f"/{RUN_ID}", remote):
                try:
                    c.mkdir(part)
                except ftps.PermanentReplyError:
                    pass
    try:
        yield Workdir(remote, local)
    finally:
        if local is not None:
            shutil.rmtree(local, ignore_errors=True)
            try:
                local.parent.rmdir()
            except OSError:
                pass


@pytest.fixture
def workdir(server: Server, request: pytest.FixtureRequest) -> Iterator[Workdir]:
    yield from _make_workdir(server, request)


@pytest.fixture
def client(server: Server, workdir: Workdir) -> Iterator[ftps.Client]:
    """A logged-in client whose current directory is the test's own directory."""
    c = server.connect()
    c.cwd(workdir.remote)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def fake(servers_env: Dict[str, str]) -> Iterator[Callable[..., Any]]:
    """Makes scripted servers (tests/fakeserver.py) with the test PKI; closes them after the test."""
    from fakeserver import FakeServer

    cert = servers_env["FTPS_TEST_SERVER_CERT"]
    key = os.path.join(os.path.dirname(cert), "server.key")
    made: List[FakeServer] = []

    def make(**kw: Any) -> FakeServer:
        s = FakeServer(cert, key, **kw)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def fake_connect(s: Any, servers_env: Dict[str, str], **kw: Any) -> ftps.Client:
    """A logged-in client of the scripted server ``s``. Each test there checks how one
    attempt ends, so automatic resume is off (``resume_attempts=0``; it is tested in
    test_integrity.py against the ftps-testserver)."""
    opts: Dict[str, Any] = dict(
        mode="implicit" if s.implicit else "explicit",
        user="u",
        password="p",
        ca_file=servers_env["FTPS_TEST_CA"],
        timeout=5,
        resume_attempts=0,
    )
    opts.update(kw)
    return ftps.connect("127.0.0.1", s.port, **opts)


def chown_like_root(server: Server, path: Path) -> None:
    assert server.root is not None
    st = server.root.stat()
    os.chown(path, st.st_uid, st.st_gid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With CI=true a skipped test fails the run: every test must really run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if CI and reporter is not None and reporter.stats.get("skipped") and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
