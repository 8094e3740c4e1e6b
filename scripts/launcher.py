"""Start Chairside's five services and the sandbox card processor as separate OS processes
(make run, end-to-end tests, bench)."""
import ctypes
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("identity", "forms", "billing", "sms", "gateway")
# The sandbox card processor stands in for an outside party: not a service of ours, but
# started with them (first, so that it answers by the time billing calls it).
PROCESSOR = "processor"
PROCESSES = (PROCESSOR,) + SERVICES
PROCESSOR_DB_FILE = "processor-sandbox.sqlite3"
CLASSES = {
    "identity": "services.identity.service:IdentityService",
    "forms": "services.forms.service:FormsService",
    "billing": "services.billing.service:BillingService",
    "sms": "services.sms.service:SmsService",
    "gateway": "services.gateway.service:GatewayService",
}


def _die_with_parent():
    """Linux: the service gets SIGTERM when the process that started it dies, even by SIGKILL."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class ServiceProcess:
    def __init__(self, name, env, log_dir):
        self.name = name
        self.env = env
        self.log_path = Path(log_dir) / f"{name}.log"
        self.process = None

    def command(self):
        if self.name == PROCESSOR:
            return [sys.executable, "-m", "processor_sandbox"]
        return [sys.executable, "-m", "nameko", "run", "--config", str(ROOT / "deploy" / "nameko.yml"), CLASSES[self.name]]

    def start(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()
        return self

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def running(self):
        return self.process is not None and self.process.poll() is None

    def terminate(self):
        """SIGTERM lets nameko finish its workers (once: a second signal interrupts that)."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout=15):
        """Stop cleanly; SIGKILL if it does not end in time."""
        if not self.running():
            return
        self.terminate()
        self.wait(timeout)

    def wait(self, timeout=15):
        if not self.running():
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self):
        """A crash: no clean-up, unacknowledged messages go back to the broker."""
        if self.running():
            self.process.kill()
            self.process.wait()


def origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def processor_env(gateway_port, port, db_path=None, public_base_url=None):
    """The sandbox processor's own settings and where the services reach it. Its card field
    may be framed by the gateway (by either local name, and at PUBLIC_BASE_URL when set).
    Without `db_path`, System puts its file beside the logs."""
    url = f"http://127.0.0.1:{port}"
    ancestors = [f"http://127.0.0.1:{gateway_port}", f"http://localhost:{gateway_port}"]
    if public_base_url and origin(public_base_url) not in ancestors:
        ancestors.append(origin(public_base_url))
    env = {
        "PROCESSOR_SANDBOX_PORT": str(port),
        "PROCESSOR_SANDBOX_URL": url,
        "PROCESSOR_SANDBOX_PUBLIC_URL": url,
        "PROCESSOR_SANDBOX_FRAME_ANCESTORS": " ".join(ancestors),
    }
    if db_path is not None:
        env["PROCESSOR_SANDBOX_DB"] = str(db_path)
    return env


def service_env(base, amqp_uri, db_urls, gateway_port, extra=None, processor_port=None, processor_db=None):
    """Every process's environment: the services' and the sandbox processor's (on
    `processor_port`, a free one by default; its database `processor_db`, by default a file
    beside the logs). `extra` comes last and wins."""
    env = dict(base)
    env.update({
        "AMQP_URI": amqp_uri,
        "GATEWAY_PORT": str(gateway_port),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    })
    for name, url in db_urls.items():
        env[f"{name.upper()}_DB_URL"] = url
    # identity's key for hashing short-lived secrets; make run keeps one under var/
    env.setdefault("IDENTITY_SECRET_KEY", secrets.token_urlsafe(32))
    env.setdefault("BILLING_SECRET_KEY", secrets.token_urlsafe(32))  # billing's key of the payment links' hashes
    # the gateway's key for the portal pages' CSRF tokens and signed step cookies
    env.setdefault("GATEWAY_SECRET_KEY", secrets.token_urlsafe(32))
    # the sandbox processor's port, URLs and file are the run's own (the caller's environment
    # may give its key, host and delay)
    env.pop("PROCESSOR_SANDBOX_DB", None)
    port = processor_port or free_port()
    while processor_port is None and port == int(gateway_port):
        port = free_port()
    env.update(processor_env(gateway_port, port, processor_db, base.get("PUBLIC_BASE_URL")))
    env.setdefault("PROCESSOR_SANDBOX_SECRET_KEY", secrets.token_urlsafe(32))
    env.update(extra or {})
    return env


class System:
    """The sandbox processor and the five services, started together (the processor first)."""

    def __init__(self, env, log_dir, gateway_port, names=PROCESSES):
        self.gateway_url = f"http://127.0.0.1:{gateway_port}"
        self.processor_url = env.get("PROCESSOR_SANDBOX_URL")
        ordered = [name for name in PROCESSES if name in names] + [name for name in names if name not in PROCESSES]
        self.processes = {name: ServiceProcess(name, self._env_of(name, env, log_dir), log_dir) for name in ordered}

    @staticmethod
    def _env_of(name, env, log_dir):
        if name == PROCESSOR and not env.get("PROCESSOR_SANDBOX_DB"):
            return dict(env, PROCESSOR_SANDBOX_DB=str(Path(log_dir) / PROCESSOR_DB_FILE))
        return env

    def start(self):
        for process in self.processes.values():
            process.start()
        return self

    def processor_answers(self):
        """True when the sandbox processor (if this system runs one) answers its /health."""
        if PROCESSOR not in self.processes:
            return True
        try:
            return requests.get(f"{self.processor_url}/health", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def wait_healthy(self, timeout=90):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            dead = [name for name, proc in self.processes.items() if not proc.running()]
            if dead:
                raise RuntimeError(f"service(s) exited during start-up: {dead}; see {self.log_hint(dead)}")
            try:
                response = requests.get(f"{self.gateway_url}/health", timeout=5)
                if response.status_code == 200 and self.processor_answers():
                    return response.json()
                last = response.text if response.status_code != 200 else "the sandbox processor does not answer"
            except requests.RequestException as exc:
                last = str(exc)
            time.sleep(0.3)
        raise RuntimeError(f"the system was not healthy within {timeout}s: {last}")

    def log_hint(self, names):
        return ", ".join(str(self.processes[name].log_path) for name in names)

    def stop(self):
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            process.wait()

    def __getitem__(self, name):
        return self.processes[name]


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


__all__ = ["System", "ServiceProcess", "service_env", "processor_env", "free_port", "SERVICES", "PROCESSES",
           "PROCESSOR"]
