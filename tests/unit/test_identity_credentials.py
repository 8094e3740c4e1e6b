import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

import pyotp
import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from services.identity.domain import credentials
from services.identity.domain.credentials import (
    DUMMY_HASH, TOO_COMMON, TOO_LONG, TOO_PERSONAL, TOO_SHORT, burn_verify, hash_password,
    is_common_password, keyed_hash, keyed_hash_matches, needs_rehash, new_recovery_codes,
    new_session_token, new_temporary_password, new_text_code, new_totp_secret,
    normalise_recovery_code, password_problems, totp_step, totp_uri, username_base,
    username_candidates, verify_password, verify_totp)

# A passphrase of unrelated words, and a random string: both strong.
STRONG = "violet-anchor-marble-quill"
RANDOM = "zq8#Lm2!vR9w"
XIOMARA = ("Xiomara", "Okonkwo", "xokonkwo", "1980-03-02")  # names, username, birth date


# --- Password policy: length ----------------------------------------------------------------

@pytest.mark.parametrize("password, problems", [
    (RANDOM, []),                                   # 12 characters
    (RANDOM[:11], [TOO_SHORT]),                     # 11
    ("", [TOO_SHORT]),
    ("kw7Tq2Hx9Zp4" * 10 + "Lm3Rv8Ws", []),         # 128
    ("kw7Tq2Hx9Zp4" * 10 + "Lm3Rv8Ws9", [TOO_LONG]),  # 129
    ("x" * 1000, [TOO_LONG]),
])
def test_password_length_bounds(password, problems):
    assert password_problems(password) == problems


def test_length_counts_characters_not_bytes():
    eleven = "日本語のパスワードです"        # 11 characters, 33 bytes in UTF-8
    assert len(eleven.encode("utf-8")) > 12
    assert password_problems(eleven) == [TOO_SHORT]
    assert password_problems(eleven + "よ") == []  # 12 characters


def test_decomposed_accents_count_as_one_character():
    # "é" typed as e + combining accent is 2 code points; normalised, it is one character,
    # so this 11-character password stays too short whatever the keyboard sent.
    composed = "crème brûlé"
    decomposed = unicodedata.normalize("NFD", composed)
    assert len(composed) == 11 and len(decomposed) == 14
    assert password_problems(decomposed) == [TOO_SHORT]


@pytest.mark.parametrize("password", [
    "Ωmega-Ψ-Σtrøng-7", "Hello wörld ünïcode", "日本語のパスワードですよ", "Пароль-лодка-звезда-7",
])
def test_unicode_passwords_are_accepted_when_strong(password):
    assert password_problems(password) == []


def test_there_are_no_composition_rules():
    # Lower-case letters and spaces only, no digit, no symbol: long and unguessable is enough.
    assert password_problems("correct horse battery staple") == []
    assert password_problems("sunlit orchard ferry lantern") == []


# --- Password policy: guessability -------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "password1234",          # in zxcvbn's list and trivially guessable
    "paSSword1234",          # case does not help
    "qwertyuiop123",         # keyboard row
    "Qwertyuiop123",
    "1qaz2wsx3edc",          # keyboard pattern, listed
    "1QAZ2WSX3EDC",
    "aaaaaaaaaaaa",          # repeat
    "abcdefghijkl",          # sequence
    "trustno1trustno1",      # a listed password, twice
    "密码密码密码密码密码密码",  # a repeat in any script
    "x7" * 64,               # long but a repeat (128 characters)
])
def test_common_and_guessable_passwords_are_refused(password):
    assert password_problems(password) == [TOO_COMMON]


@pytest.mark.parametrize("password, listed", [
    ("password1234", True), ("PASSWORD1234", True), ("1qaz2wsx3edc", True),
    ("password", True), (STRONG, False), (RANDOM, False),
])
def test_zxcvbn_frequency_list_lookup_ignores_case(password, listed):
    assert is_common_password(password) is listed


def test_a_listed_password_is_refused_even_if_it_scored_well(monkeypatch):
    # zxcvbn already scores every listed password low; the list check is a second lock.
    monkeypatch.setattr(credentials, "COMMON_PASSWORDS", frozenset({STRONG}))
    assert password_problems(STRONG.upper()) == [TOO_COMMON]


def test_a_password_made_of_the_patients_names_is_refused():
    # Strong to zxcvbn when it does not know the names, refused when it does.
    assert password_problems("xiomaraokonkwo") == []
    assert password_problems("xiomaraokonkwo", XIOMARA) == [TOO_COMMON]


@pytest.mark.parametrize("password", [
    "Okonkwo.Xiomara.1980",   # names and birth year: zxcvbn alone would let it through
    "xokonkwo2024!!",         # the username and a year
    "OKONKWO-xiomara-0302",
])
def test_personal_data_plus_a_little_is_refused(password):
    assert password_problems(password) == []   # nothing known about the patient
    assert password_problems(password, XIOMARA) == [TOO_PERSONAL]


@pytest.mark.parametrize("password", [
    STRONG,
    "Xiomara loves violet anchor marble quill",   # a name inside a strong passphrase
])
def test_a_strong_password_stays_acceptable_with_personal_data(password):
    assert password_problems(password, XIOMARA) == []


def test_short_personal_words_are_not_cut_out_of_other_words():
    # "Li" would turn "violin" into "vion": too short to be taken out.
    assert password_problems("violin quartet harmony", ("Li", "Wei")) == []


def test_personal_items_may_be_dates_or_missing():
    assert password_problems("okonkwo19800302", ("Okonkwo", date(1980, 3, 2), None, "")) != []
    assert password_problems(STRONG, (None, "", date(1980, 3, 2))) == []


def test_not_text_is_a_problem_not_a_crash():
    assert password_problems(None) == [credentials.NOT_TEXT]
    assert password_problems(123456789012) == [credentials.NOT_TEXT]


# --- Password hashes (argon2id: about 50 ms each, so few) ------------------------------------------

def test_hash_and_verify():
    password = ("Ωmega-Ψ-" + "kw7Tq2Hx9Zp4" * 10)[:128]
    stored = hash_password(password)
    assert stored.startswith("$argon2id$")
    assert password not in stored
    assert verify_password(stored, password) is True
    assert verify_password(stored, password[:-1]) is False      # never truncated
    assert verify_password(stored, password + "x") is False
    assert verify_password(stored, password.upper()) is False


def test_the_same_password_typed_composed_or_decomposed_verifies():
    stored = hash_password("crème brûlée au café")
    assert verify_password(stored, unicodedata.normalize("NFD", "crème brûlée au café"))


def test_hashes_are_salted():
    assert hash_password(RANDOM) != hash_password(RANDOM)


@pytest.mark.parametrize("stored", ["", "not a hash", "$argon2id$v=19$m=65536,t=3,p=4$AAAA$BBBB",
                                    "$2b$12$abcdefghijklmnopqrstuv", None])
def test_an_unusable_stored_hash_never_verifies_nor_raises(stored):
    assert verify_password(stored, RANDOM) is False


def test_burn_verify_always_fails():
    assert DUMMY_HASH.startswith("$argon2id$")
    assert burn_verify(RANDOM) is False
    assert burn_verify(None) is False


def test_needs_rehash_when_parameters_change():
    assert needs_rehash(DUMMY_HASH) is False
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(RANDOM)
    assert needs_rehash(weak) is True
    assert needs_rehash("not a hash") is True
    assert needs_rehash(None) is True


def test_argon2id_parameters_are_at_owasps_floor():
    # OWASP Password Storage Cheat Sheet: argon2id with m = 19 MiB, t = 2, p = 1 at least.
    assert (credentials.ARGON2_MEMORY_KIB, credentials.ARGON2_TIME_COST, credentials.ARGON2_PARALLELISM) == \
        (19456, 2, 1)
    parameters = extract_parameters(hash_password(RANDOM))
    assert (parameters.type, parameters.memory_cost, parameters.time_cost, parameters.parallelism) == \
        (Type.ID, 19456, 2, 1)
    assert extract_parameters(DUMMY_HASH) == parameters  # the unknown-username burn costs as much


@pytest.mark.parametrize("hasher", [
    PasswordHasher(),                                                        # the library's defaults (older hashes)
    PasswordHasher(time_cost=1, memory_cost=19456, parallelism=1),           # t one below
    PasswordHasher(time_cost=2, memory_cost=19455, parallelism=1),           # m one below
    PasswordHasher(time_cost=2, memory_cost=19456, parallelism=2),           # p other
    PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.I),
], ids=["library-defaults", "t-1", "m-1", "p-2", "argon2i"])
def test_a_hash_made_with_other_parameters_needs_rehash_but_still_verifies(hasher):
    stored = hasher.hash(RANDOM)
    assert needs_rehash(stored) is True
    assert verify_password(stored, RANDOM) is True


def test_a_hash_made_with_todays_parameters_needs_no_rehash():
    assert needs_rehash(PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1).hash(RANDOM)) is False


# --- Issued credentials --------------------------------------------------------------------------

def test_temporary_passwords_are_random_unambiguous_and_pass_the_policy():
    passwords = {new_temporary_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) == 16
        assert not set(password) & set("0Oo1lI")
        assert set(password) <= set(credentials.TEMPORARY_PASSWORD_ALPHABET)
    for password in list(passwords)[:5]:
        assert password_problems(password) == []


@pytest.mark.parametrize("first, last, base", [
    ("Mary", "Johnson", "mjohnson"),
    ("zoë", "O'Brien-Smith", "zobriensmith"),
    ("José María", "García Márquez", "jgarciamarquez"),
    ("Łukasz", "Błaszczykowski", "lblaszczykowski"),
    ("Søren", "Kierkegaard", "skierkegaard"),
    ("Ægir", "Weiß", "aweiss"),
    ("Anna", "Wolfeschlegelsteinh", "awolfeschlegelsteinh"),            # exactly 20
    ("Anna", "Wolfeschlegelsteinhausenbergerdorff", "awolfeschlegelsteinh"),
    ("  mary ", "  de la cruz ", "mdelacruz"),
    ("MARY", "JOHNSON", "mjohnson"),
    ("Wei", "王", "wei"),            # no Latin letters in the last name: the first name
    ("", "Johnson", "johnson"),
    ("王", "伟", "patient"),          # nothing usable
    ("", "", "patient"),
    (None, None, "patient"),
    ("123", "!!!", "patient"),
])
def test_username_base(first, last, base):
    assert username_base(first, last) == base


def test_username_base_is_at_most_20_lower_case_ascii_letters():
    base = username_base("Ñandú", "Ödön-Ǆurđević Çelik Œuvre")
    assert re.fullmatch(r"[a-z]{1,20}", base)


def test_username_candidates_start_with_the_base_then_add_digits():
    candidates = list(username_candidates("mjohnson"))
    assert candidates[0] == "mjohnson"
    suffixes = [candidate[len("mjohnson"):] for candidate in candidates[1:]]
    assert all(candidate.startswith("mjohnson") for candidate in candidates)
    assert all(suffix.isdigit() and 2 <= len(suffix) <= 4 for suffix in suffixes)
    assert [len(suffix) for suffix in suffixes] == sorted(len(suffix) for suffix in suffixes)
    assert len(candidates) == 1 + sum(tries for _, tries in credentials.USERNAME_SUFFIX_TRIES)


def test_username_candidates_are_lazy():
    candidates = username_candidates("jsmith")
    assert next(candidates) == "jsmith"
    assert re.fullmatch(r"jsmith\d{2}", next(candidates))


# --- Keyed hashes ----------------------------------------------------------------------------------

KEY = b"k" * 32


def test_keyed_hash_is_hmac_sha256_hex():
    # RFC 4231 test case 2 has a 4-byte key, below our floor; check against hmac itself.
    import hashlib
    import hmac
    assert keyed_hash(KEY, "123456") == hmac.new(KEY, b"123456", hashlib.sha256).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", keyed_hash(KEY, "123456"))


def test_keyed_hash_depends_on_the_key_and_the_value():
    assert keyed_hash(KEY, "123456") != keyed_hash(b"j" * 32, "123456")
    assert keyed_hash(KEY, "123456") != keyed_hash(KEY, "123457")


@pytest.mark.parametrize("key", [b"", b"short", "k" * 32, None])
def test_keyed_hash_refuses_a_missing_or_short_key(key):
    with pytest.raises(ValueError):
        keyed_hash(key, "123456")


def test_keyed_hash_matches():
    stored = keyed_hash(KEY, "004271")
    assert keyed_hash_matches(KEY, "004271", stored) is True
    assert keyed_hash_matches(KEY, "004272", stored) is False
    assert keyed_hash_matches(KEY, "4271", stored) is False
    assert keyed_hash_matches(KEY, "004271", stored.upper()) is False
    assert keyed_hash_matches(KEY, "004271", "") is False
    assert keyed_hash_matches(KEY, "004271", None) is False
    assert keyed_hash_matches(KEY, None, stored) is False
    assert keyed_hash_matches(KEY, "004271", "ü" * 64) is False  # no TypeError on non-ASCII


# --- Text codes, session tokens, recovery codes -----------------------------------------------------

def test_text_codes_are_six_digits_with_leading_zeros(monkeypatch):
    assert all(re.fullmatch(r"\d{6}", new_text_code()) for _ in range(200))
    monkeypatch.setattr(credentials.secrets, "randbelow", lambda n: 42)
    assert new_text_code() == "000042"


def test_session_tokens_are_long_random_and_url_safe():
    tokens = {new_session_token() for _ in range(100)}
    assert len(tokens) == 100
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token)  # 32 bytes: 256 bits


def test_recovery_codes_look_like_the_design():
    codes = new_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", code)
        assert not set(code) & set("01oil")
    assert len(new_recovery_codes(3)) == 3
    assert new_recovery_codes(0) == []


def test_recovery_codes_of_one_batch_never_repeat(monkeypatch):
    symbols = iter("a" * 12 + "a" * 12 + "b" * 12)
    monkeypatch.setattr(credentials.secrets, "choice", lambda alphabet: next(symbols))
    assert new_recovery_codes(2) == ["aaaa-aaaa-aaaa", "bbbb-bbbb-bbbb"]


@pytest.mark.parametrize("typed, normal", [
    ("k7q2-9xvm-3pdt", "k7q2-9xvm-3pdt"),
    ("K7Q2-9XVM-3PDT", "k7q2-9xvm-3pdt"),
    ("k7q29xvm3pdt", "k7q2-9xvm-3pdt"),
    (" k7q2 9xvm 3pdt \n", "k7q2-9xvm-3pdt"),
    ("k7q2--9xvm-3pd-t", "k7q2-9xvm-3pdt"),
    ("k7q2-9xvm-3pd", None),       # too short
    ("k7q2-9xvm-3pdtt", None),     # too long
    ("k7q2-9xvm-3pd0", None),      # not in the alphabet
    ("k7q2-9xvm-3pd!", None),
    ("", None),
    (None, None),
])
def test_recovery_codes_are_normalised_to_the_issued_form(typed, normal):
    assert normalise_recovery_code(typed) == normal


def test_every_issued_recovery_code_normalises_to_itself():
    for code in new_recovery_codes():
        assert normalise_recovery_code(code) == code
        assert normalise_recovery_code(code.replace("-", "").upper()) == code


# --- TOTP ---------------------------------------------------------------------------------------------

# RFC 6238 appendix B: the SHA-1 key "12345678901234567890", 8-digit codes truncated to 6.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
UTC = timezone.utc


@pytest.mark.parametrize("unix, code", [(59, "287082"), (1111111109, "081804"),
                                        (1234567890, "005924"), (2000000000, "279037")])
def test_totp_matches_the_rfc_6238_vectors(unix, code):
    now = datetime.fromtimestamp(unix, UTC)
    assert verify_totp(RFC_SECRET, code, now, None) == unix // 30


def test_totp_step_is_unix_time_over_30():
    assert totp_step(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert totp_step(datetime(1970, 1, 1, 0, 0, 29, 999999, tzinfo=UTC)) == 0
    assert totp_step(datetime(1970, 1, 1, 0, 0, 30, tzinfo=UTC)) == 1
    # The same instant in another zone is the same step.
    paris = timezone(timedelta(hours=2))
    assert totp_step(datetime(2027, 6, 15, 14, 0, tzinfo=paris)) == \
        totp_step(datetime(2027, 6, 15, 12, 0, tzinfo=UTC))


def test_totp_step_refuses_a_naive_time():
    with pytest.raises(ValueError):
        totp_step(datetime(2027, 6, 15, 12, 0))


SECRET = new_totp_secret()
NOW = datetime(2027, 6, 15, 12, 0, 10, tzinfo=UTC)
STEP = totp_step(NOW)


def code_at(step, secret=SECRET):
    return pyotp.TOTP(secret).at(step * 30)


@pytest.mark.parametrize("offset, accepted", [
    (-2, False), (-1, True), (0, True), (1, True), (2, False), (10, False),
])
def test_totp_allows_one_step_of_drift(offset, accepted):
    expected = STEP + offset if accepted else None
    assert verify_totp(SECRET, code_at(STEP + offset), NOW, None) == expected


def test_a_replayed_totp_is_refused():
    step = verify_totp(SECRET, code_at(STEP), NOW, None)
    assert step == STEP
    assert verify_totp(SECRET, code_at(STEP), NOW, last_used_step=step) is None
    # Still refused 20 seconds later, when that step is "previous" and within the drift.
    assert verify_totp(SECRET, code_at(STEP), NOW + timedelta(seconds=30), step) is None


def test_an_older_code_after_a_newer_one_is_refused():
    newer = verify_totp(SECRET, code_at(STEP + 1), NOW, None)
    assert newer == STEP + 1
    assert verify_totp(SECRET, code_at(STEP), NOW, newer) is None
    assert verify_totp(SECRET, code_at(STEP - 1), NOW, newer) is None


def test_a_later_code_after_an_older_one_is_accepted():
    assert verify_totp(SECRET, code_at(STEP), NOW, STEP - 1) == STEP
    assert verify_totp(SECRET, code_at(STEP + 1), NOW, STEP) == STEP + 1


def test_the_next_step_s_code_is_accepted_after_the_current_one():
    # Two sign-ins 30 seconds apart, each with the code then on the phone.
    first = verify_totp(SECRET, code_at(STEP), NOW, None)
    assert verify_totp(SECRET, code_at(STEP + 1), NOW + timedelta(seconds=30), first) == STEP + 1


def test_a_code_for_another_secret_is_refused():
    other = new_totp_secret()
    assert other != SECRET
    code = code_at(STEP, other)
    if code not in {code_at(STEP + offset) for offset in (-1, 0, 1)}:  # a 1-in-300,000 clash
        assert verify_totp(SECRET, code, NOW, None) is None


def test_a_wrong_code_is_refused():
    right = {code_at(STEP + offset) for offset in (-1, 0, 1)}
    wrong = next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in right)
    assert verify_totp(SECRET, wrong, NOW, None) is None


@pytest.mark.parametrize("code", [
    "", "12345", "1234567", "12345a", "12 345", " 12345", "１２３４５６", "-12345",
    None, 123456,
])
def test_anything_but_six_ascii_digits_is_refused(code):
    assert verify_totp(SECRET, code, NOW, None) is None


def test_a_right_code_with_spaces_or_full_width_digits_is_refused():
    code = code_at(STEP)
    assert verify_totp(SECRET, code, NOW, None) == STEP
    full_width = "".join(chr(ord(char) - ord("0") + ord("０")) for char in code)
    assert verify_totp(SECRET, full_width, NOW, None) is None
    assert verify_totp(SECRET, " " + code, NOW, None) is None
    assert verify_totp(SECRET, code[:3] + " " + code[3:], NOW, None) is None


def test_totp_secrets_and_uris():
    secret = new_totp_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    uri = totp_uri(secret, "mjohnson", "Bright Smiles")
    assert uri.startswith("otpauth://totp/Bright%20Smiles:mjohnson?")
    assert f"secret={secret}" in uri and "issuer=Bright%20Smiles" in uri
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == secret and parsed.interval == 30 and parsed.digits == 6
