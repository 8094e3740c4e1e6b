"""Secrets of sign-in: the password policy, password hashes, usernames, one-time codes,
session tokens, recovery codes and TOTP. Pure: no I/O, and the time is passed in.
"""
import hashlib
import hmac
import secrets
import unicodedata
from typing import Iterable, Iterator, List, Optional

import pyotp
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from chairside.clock import minutes
from chairside.contracts.identity import MAX_PASSWORD, MIN_PASSWORD
from services.identity.domain.lifetimes import TEXT_CODE_LIFETIME

# --- Password policy -------------------------------------------------------------------

MIN_PASSWORD_LENGTH = MIN_PASSWORD
MAX_PASSWORD_LENGTH = MAX_PASSWORD  # the design asks for at least 64; long passphrases are welcome
MIN_PASSWORD_SCORE = 3     # zxcvbn's 0..4 scale; 3 = "safely unguessable" offline-ish

TOO_SHORT = f"Must be at least {MIN_PASSWORD_LENGTH} characters."
TOO_LONG = f"Must be at most {MAX_PASSWORD_LENGTH} characters."
TOO_COMMON = ("Too easy to guess: avoid common passwords, names and dates. "
              "A few unrelated words make a strong password.")
TOO_PERSONAL = ("Too close to your name, username or birth date: "
                "add words that have nothing to do with you.")
NOT_TEXT = "Must be text."

# zxcvbn's own list of frequently used (breached) passwords, all lower-case. Its scoring
# already knows them; checking the whole password against the list as well makes sure
# that no rounding of the score ever lets a listed password through.
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])


def normalise_password(password):
    """NFKC, so that the same password typed on another keyboard or system (composed or
    decomposed accents, full-width letters) is the same password, as NIST SP 800-63B asks.
    Every count, hash and check below works on this form."""
    return unicodedata.normalize("NFKC", password)


def is_common_password(password):
    return normalise_password(password).lower() in COMMON_PASSWORDS


def password_problems(password, personal: Iterable = ()) -> List[str]:
    """What is wrong with a password a patient chose; an empty list means it is acceptable.

    No composition rules (they make passwords weaker, not stronger): length, and whether
    it is easy to guess. `personal` holds what an attacker would try first for this
    patient (names, username, birth date as text); a password built from it is refused.
    """
    if not isinstance(password, str):
        return [NOT_TEXT]
    password = normalise_password(password)
    # len() of a str counts characters (code points), not bytes.
    if len(password) < MIN_PASSWORD_LENGTH:
        return [TOO_SHORT]
    if len(password) > MAX_PASSWORD_LENGTH:
        # Also bounds zxcvbn's cost, which grows with the square of the length: at 128
        # characters, a string made of many l33t symbols ("4@8({[<3!1|70$5") still takes
        # a few seconds of CPU (about 4.5 s measured; 1.5 s at 72).
        return [TOO_LONG]
    if password.lower() in COMMON_PASSWORDS:
        return [TOO_COMMON]
    hints = _personal_hints(personal)
    if _score(password, hints) < MIN_PASSWORD_SCORE:
        return [TOO_COMMON]
    # zxcvbn counts a personal word as one cheap guess but may still rate the whole
    # high ("Okonkwo.Xiomara.1980" scores 3 even when told the names): what is left
    # once the patient's own words are taken out must be strong on its own.
    remainder = _without_personal(password, hints)
    # Nothing left at all: the password is the patient's own words only (and zxcvbn
    # cannot score an empty string: it raises IndexError).
    if remainder != password.lower() and (not remainder or _score(remainder, hints) < MIN_PASSWORD_SCORE):
        return [TOO_PERSONAL]
    return []


# Words shorter than this are not taken out of a password: "Li" or "Jo" occur inside
# too many unrelated words.
MIN_PERSONAL_WORD = 3


def _personal_hints(personal):
    """Each item lower-cased, and its words too ("Mary Ann" -> "mary ann", "mary", "ann")."""
    hints = []
    for item in personal:
        if item is None:
            continue
        text = normalise_password(str(item)).strip().lower()
        words = "".join(char if char.isalnum() else " " for char in text).split()
        for hint in [text, *words]:
            if hint and hint not in hints:
                hints.append(hint)
    return hints


def _without_personal(password, hints):
    remainder = password.lower()
    for hint in sorted(hints, key=len, reverse=True):  # the longest first: "maryann" before "mary"
        if len(hint) >= MIN_PERSONAL_WORD:
            remainder = remainder.replace(hint, "")
    return remainder


def _score(password, hints):
    # Note: zxcvbn keeps `user_inputs` in a module-global dictionary while it runs; it does
    # not yield, so green threads are safe, but do not call it from several OS threads.
    return zxcvbn(password, user_inputs=hints, max_length=MAX_PASSWORD_LENGTH)["score"]


# --- Password hashes --------------------------------------------------------------------

# argon2id at OWASP's recommended floor (Password Storage Cheat Sheet: m = 19 MiB, t = 2,
# p = 1). One hash then costs a few tens of milliseconds of one core, which a sign-in can
# afford and an offline guesser cannot. The hash string carries its parameters: raising
# them later only needs `needs_rehash`, which sign-in checks on every right password.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
_hasher = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM,
                         type=Type.ID)


def hash_password(password):
    return _hasher.hash(normalise_password(password))


def verify_password(stored_hash, password):
    """True when `password` matches; False on a mismatch or an unusable stored hash."""
    if not isinstance(stored_hash, str) or not isinstance(password, str):
        return False
    try:
        return _hasher.verify(stored_hash, normalise_password(password))
    except (VerificationError, InvalidHashError):
        return False


# A hash of a random password nobody knows, made once: checking a password against it
# costs what checking a real account costs, so that an unknown username answers as
# slowly as a wrong password and does not reveal that the account does not exist.
DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(32))


def burn_verify(password):
    """Spend the time of a password check for an account that does not exist; always False."""
    verify_password(DUMMY_HASH, password if isinstance(password, str) else "")
    return False


def needs_rehash(stored_hash):
    """True when the hash was made with other parameters than today's (or cannot be read):
    after a successful sign-in the service re-hashes the password it has in hand."""
    if not isinstance(stored_hash, str):
        return True
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


# --- Issued credentials -------------------------------------------------------------------

# No 0/O/o, 1/l/I: a temporary password is read off paper or a screen and typed by hand.
TEMPORARY_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
TEMPORARY_PASSWORD_LENGTH = 16  # 16 of 56 symbols: about 93 random bits


def new_temporary_password():
    """Random only, never derived from SSN, birth date or name (the design forbids it)."""
    return "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET)
                   for _ in range(TEMPORARY_PASSWORD_LENGTH))


USERNAME_BASE_MAX = 20
USERNAME_FALLBACK = "patient"

# Latin letters that Unicode does not decompose into a base letter and an accent.
_LATIN_EXTRAS = str.maketrans({
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
    "ı": "i", "ħ": "h", "ŧ": "t",
})


def _ascii_letters(text):
    """Lower-case ASCII letters of a name: accents stripped, everything else dropped."""
    text = unicodedata.normalize("NFKD", (text or "").lower()).translate(_LATIN_EXTRAS)
    return "".join(char for char in text if "a" <= char <= "z")


def username_base(first_name, last_name):
    """First name's initial and the last name ("Zoë O'Brien" -> "zobrien"), at most 20
    letters. A last name with no Latin letters gives the whole first name instead; with
    nothing usable at all, "patient"."""
    first, last = _ascii_letters(first_name), _ascii_letters(last_name)
    base = (first[:1] + last) if last else first
    return base[:USERNAME_BASE_MAX] or USERNAME_FALLBACK


# How many random-suffixed candidates follow the base, by number of digits. Finite, so
# that a service bug can never loop forever; running out is practically impossible.
USERNAME_SUFFIX_TRIES = ((2, 5), (3, 5), (4, 10))


def username_candidates(base) -> Iterator[str]:
    """The base, then the base with 2, 3, then 4 random digits; the service takes the
    first one not yet used in the practice (compared lower-cased)."""
    yield base
    for digits, tries in USERNAME_SUFFIX_TRIES:
        for _ in range(tries):
            yield base + f"{secrets.randbelow(10 ** digits):0{digits}d}"


# --- Short-lived secrets: text codes, session tokens, recovery codes ------------------------

MIN_HASH_KEY_BYTES = 16


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256, hex. For random, short-lived secrets a keyed hash is enough (argon2's
    cost is for low-entropy passwords); the key keeps a stolen table of 6-digit code
    hashes from being reversed by trying all million codes."""
    if not isinstance(key, bytes) or len(key) < MIN_HASH_KEY_BYTES:
        raise ValueError(f"keyed_hash needs a key of at least {MIN_HASH_KEY_BYTES} bytes")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def keyed_hash_matches(key: bytes, value: str, expected_hex) -> bool:
    """Constant-time comparison, so that timing does not reveal how much of it matched."""
    if not isinstance(value, str) or not isinstance(expected_hex, str):
        return False
    return hmac.compare_digest(keyed_hash(key, value).encode("ascii"),
                               expected_hex.encode("utf-8"))


TEXT_CODE_DIGITS = 6


def new_text_code():
    """Six digits, leading zeros kept ("004271")."""
    return f"{secrets.randbelow(10 ** TEXT_CODE_DIGITS):0{TEXT_CODE_DIGITS}d}"


def sign_in_code_text(practice_name, code):
    """The text that carries a sign-in code."""
    return (f"{practice_name}: your sign-in code is {code}. It expires in {minutes(TEXT_CODE_LIFETIME)} minutes. "
            "Never share it; we will never ask for it.")


def new_session_token():
    """Opaque: 32 random bytes (256 bits), URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def new_invitation_token():
    """The secret of an invitation link: 32 random bytes (256 bits), URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


# Lower-case, no 0/o, 1/l/i: written down on paper and typed back months later.
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_GROUPS = 3
RECOVERY_CODE_GROUP_LENGTH = 4  # 12 symbols of 31: about 59 random bits each


def _group_recovery_code(symbols):
    size = RECOVERY_CODE_GROUP_LENGTH
    return "-".join(symbols[start:start + size] for start in range(0, len(symbols), size))


def new_recovery_codes(n=10) -> List[str]:
    """`n` distinct single-use codes like "k7q2-9xvm-3pdt"."""
    codes: List[str] = []
    while len(codes) < n:
        symbols = "".join(secrets.choice(RECOVERY_CODE_ALPHABET)
                          for _ in range(RECOVERY_CODE_GROUPS * RECOVERY_CODE_GROUP_LENGTH))
        code = _group_recovery_code(symbols)
        if code not in codes:
            codes.append(code)
    return codes


def normalise_recovery_code(text) -> Optional[str]:
    """What the patient typed, in the form the codes were issued (and hashed) in:
    spaces and dashes dropped, lower-cased, regrouped with dashes. None when it cannot
    be a recovery code at all."""
    if not isinstance(text, str):
        return None
    symbols = "".join(char for char in text.lower() if not char.isspace() and char != "-")
    if (len(symbols) != RECOVERY_CODE_GROUPS * RECOVERY_CODE_GROUP_LENGTH
            or any(char not in RECOVERY_CODE_ALPHABET for char in symbols)):
        return None
    return _group_recovery_code(symbols)


# --- TOTP (RFC 6238) -------------------------------------------------------------------------

TOTP_STEP_SECONDS = 30
TOTP_DRIFT_STEPS = 1  # one step either side: a phone clock a little off still works
TOTP_DIGITS = 6


def new_totp_secret():
    """160 random bits, base32 (32 characters), as authenticator apps expect."""
    return pyotp.random_base32()


def totp_uri(secret, account_name, issuer):
    """The otpauth:// URI that the enrolment QR code shows."""
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=issuer)


def totp_step(now):
    """The RFC 6238 time step of an aware instant."""
    if now.tzinfo is None or now.utcoffset() is None:
        # A naive datetime's timestamp() silently uses the host's time zone.
        raise ValueError("totp_step needs an aware datetime")
    return int(now.timestamp()) // TOTP_STEP_SECONDS


def _is_code(code, digits):
    return (isinstance(code, str) and len(code) == digits
            and code.isascii() and code.isdigit())


def verify_totp(secret, code, now, last_used_step: Optional[int]) -> Optional[int]:
    """The time step `code` belongs to, or None when it is refused.

    Accepted: a 6-digit code of the step of `now` or one step either side, and only for a
    step later than `last_used_step` (None: no code accepted yet). pyotp keeps no replay
    state, so the service stores the returned step and passes it back next time: a code
    replayed, or an older one used after a newer one, is refused.
    """
    if not _is_code(code, TOTP_DIGITS):
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_SECONDS)
    current = totp_step(now)
    accepted = None
    # Every candidate step is computed and compared, so the time taken does not depend
    # on which step (if any) matched; the earliest usable step wins, so that a match
    # does not burn later steps needlessly.
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        matches = hmac.compare_digest(totp.generate_otp(step), code)
        usable = last_used_step is None or step > last_used_step
        if matches and usable and accepted is None:
            accepted = step
    return accepted
