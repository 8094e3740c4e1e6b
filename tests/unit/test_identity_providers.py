"""identity's dependency providers: argon2id runs in an OS thread, off the event loop, and
wraps the domain's own functions (the same hashes, the same answers)."""
import eventlet

from services.identity.domain import credentials
from services.identity.providers import OFF_LOOP_PASSWORDS, PasswordHashing

real_threading = eventlet.patcher.original("threading")
PASSWORD = "violet tractor juggles midnight"


def test_hashing_and_verifying_run_in_another_os_thread(monkeypatch):
    threads = []

    def recording(function):
        def run(*args):
            threads.append(real_threading.get_ident())
            return function(*args)
        return run
    for name in ("hash_password", "verify_password", "burn_verify"):
        monkeypatch.setattr(credentials, name, recording(getattr(credentials, name)))
    stored = OFF_LOOP_PASSWORDS.hash(PASSWORD)
    assert OFF_LOOP_PASSWORDS.verify(stored, PASSWORD) is True
    assert OFF_LOOP_PASSWORDS.verify(stored, PASSWORD + "!") is False
    assert OFF_LOOP_PASSWORDS.burn(PASSWORD) is False
    assert len(threads) == 5  # burn_verify checks through verify_password, in the same thread
    assert real_threading.get_ident() not in threads


def test_the_hashes_are_the_domain_s_own():
    stored = OFF_LOOP_PASSWORDS.hash(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert credentials.verify_password(stored, PASSWORD)
    assert OFF_LOOP_PASSWORDS.needs_rehash(stored) is False
    assert OFF_LOOP_PASSWORDS.needs_rehash("$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo") is True


def test_the_dependency_is_the_off_loop_hashing():
    assert PasswordHashing().get_dependency(None) is OFF_LOOP_PASSWORDS
