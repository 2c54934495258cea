"""Passwords masked to their exact edges (a table cell's padding, Japanese or Chinese text flush
after the value, a connection string's next key, a quoted key's symbols) and credentials written
without a password label (SQL's IDENTIFIED BY, a client's positional user and password, an HTTP
Basic header, a session cookie, Stripe's webhook and restricted keys); with the look-alikes each new
rule must leave alone. New sentences, none from an evaluation set."""

from __future__ import annotations

import pytest

from tests.support.pii import ALL, found_of


def passwords(text: str) -> list[str]:
    return found_of("PASSWORD", text)


# --- span edges ---


def test_a_password_in_a_markdown_cell_is_masked_without_its_padding() -> None:
    table = (
        "| Host | User | Password |\n|---|---|---|\n"
        "| db-1 | root | Tamarack#77lilac |\n| nas | backup | Fennel%310oak# |"
    )
    assert passwords(table) == ["Tamarack#77lilac", "Fennel%310oak#"]


@pytest.mark.parametrize("rule", ["|------|----------|", "|:-----|:---------|", "| ---- | -------- |"])
def test_a_markdown_tables_separator_row_is_not_a_password(rule: str) -> None:
    assert passwords(f"| user | password |\n{rule}\n| bob  | Mar#77xy |") == ["Mar#77xy"]


def test_a_password_cell_padded_after_a_comma_is_masked_without_the_spaces() -> None:
    assert passwords("name, password\nalice,  Quill$908bend ") == ["Quill$908bend"]


@pytest.mark.parametrize(
    "text",
    [
        "| Host | User | Password |\n|---|---|---|\n| db-1 | root | Tamarack#77lilac |",
        "name, password\nalice,  Quill$908bend ",
        "password:   Birch#2024lake   \nnext line",
        "Server=db; Password = Lark7#river ; Encrypt=yes",
    ],
)
def test_no_masked_span_starts_or_ends_with_whitespace(text: str) -> None:
    spans = [text[f.start : f.end] for f in ALL.scan(text)]
    assert spans
    assert all(span == span.strip() for span in spans)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ルーターの管理者パスワードはCedar#42lantern!です。", "Cedar#42lantern!"),
        ("パスワード：Cedar#42lantern!でログインしてください", "Cedar#42lantern!"),
        ("密码是Cedar#42lantern!，请勿外传", "Cedar#42lantern!"),
    ],
)
def test_a_password_flush_against_japanese_or_chinese_text_ends_where_that_text_begins(
    text: str, expected: str
) -> None:
    assert passwords(text) == [expected]


def test_a_password_followed_by_an_ideographic_full_stop_is_found() -> None:
    assert passwords("Password: Cedar#42lantern!。次へ進んでください") == ["Cedar#42lantern!"]


@pytest.mark.parametrize(
    "text",
    [
        'var cs = "Server=10.1.2.3;Database=crm;User Id=sa;Password=Juniper&4410moss*;TrustServerCertificate=True";',
        "Driver={ODBC Driver 18 for SQL Server};Server=db;UID=sa;PWD=Juniper&4410moss*;Encrypt=yes",
        "jdbc:sqlserver://db:1433;user=sa;password=Juniper&4410moss*;encrypt=true",
        "Host=pg;Username=app;Password=Juniper&4410moss*;Include Error Detail=true",
        "DB_PASSWORD=Juniper&4410moss*;POOL=5",
    ],
)
def test_a_password_in_a_connection_string_ends_at_the_semicolon_before_the_next_key(text: str) -> None:
    assert passwords(text) == ["Juniper&4410moss*"]


def test_a_semicolon_inside_a_password_is_kept_when_no_key_follows_it() -> None:
    assert passwords("password=Fe;n#88river please rotate it") == ["Fe;n#88river"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "SECRET_KEY = 'django-insecure-7hq2kx9m4pw031@!)^5vz672abc!dqrrtyh*gmx'",
            "django-insecure-7hq2kx9m4pw031@!)^5vz672abc!dqrrtyh*gmx",
        ),
        ('SECRET_KEY = "8f@!x)^kq2Lz0pw#vv9s%4mRt7&yb3Nc"', "8f@!x)^kq2Lz0pw#vv9s%4mRt7&yb3Nc"),
    ],
)
def test_a_quoted_secret_key_is_masked_to_its_closing_quote(text: str, expected: str) -> None:
    assert passwords(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']",
        "SECRET_KEY = 'https://vault.internal/v1/secret/data/app12'",
        "SECRET_KEY = '<generate-with-get_random_secret_key>'",
    ],
)
def test_a_secret_key_set_from_code_a_url_or_a_placeholder_is_not_masked(text: str) -> None:
    assert passwords(text) == []


# --- credentials without a password label ---


@pytest.mark.parametrize(
    "text",
    [
        "CREATE USER 'etl'@'%' IDENTIFIED BY 'Oriole$5120pine%';",
        'ALTER USER etl IDENTIFIED BY "Oriole$5120pine%";',
        "alter user scott identified by Oriole$5120pine% account unlock;",
        "CREATE USER 'etl'@'localhost' IDENTIFIED WITH mysql_native_password BY 'Oriole$5120pine%';",
        "GRANT ALL PRIVILEGES ON crm.* TO 'etl'@'%' IDENTIFIED BY 'Oriole$5120pine%';",
        "CREATE ROLE etl WITH LOGIN PASSWORD 'Oriole$5120pine%';",
    ],
)
def test_a_password_set_in_sql_is_masked(text: str) -> None:
    assert passwords(text) == ["Oriole$5120pine%"]


@pytest.mark.parametrize(
    "text",
    [
        "From the manual: CREATE USER name IDENTIFIED BY 'password';",
        "CREATE USER 'app'@'%' IDENTIFIED BY '<password>';",
        "ALTER USER app IDENTIFIED BY '***';",
        "ALTER USER app IDENTIFIED BY :new_password;",
        "CREATE USER app IDENTIFIED BY PASSWORD '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9';",
        "CREATE USER ops IDENTIFIED EXTERNALLY;",
        "Visitors are identified by their badge number and identified by 'role' in the log.",
    ],
)
def test_sql_docs_placeholders_and_hashes_after_identified_by_are_not_masked(text: str) -> None:
    assert passwords(text) == []


@pytest.mark.parametrize(
    "text",
    [
        'es = OpenSearch(hosts=["10.0.0.5"], http_auth=("admin", "Wren&318harbor@"))',
        'es = Elasticsearch(url, basic_auth=("elastic", "Wren&318harbor@"))',
        'r = requests.get(url, auth=("reporting", "Wren&318harbor@"))',
        'session.auth = HTTPDigestAuth("reporting", "Wren&318harbor@")',
        "async with aiohttp.ClientSession(auth=aiohttp.BasicAuth('reporting', 'Wren&318harbor@')) as s:",
    ],
)
def test_a_password_passed_beside_its_user_name_in_client_code_is_masked(text: str) -> None:
    assert passwords(text) == ["Wren&318harbor@"]


@pytest.mark.parametrize(
    "text",
    [
        "r = requests.get(url, auth=(user, password))",
        'r = requests.get(url, auth=("reporting", os.environ["REPORT_PW"]))',
        'es = OpenSearch(http_auth=("admin", "<password>"))',
        'es = OpenSearch(http_auth=("admin", "changeme"))',
    ],
)
def test_client_credentials_given_as_variables_or_placeholders_are_not_masked(text: str) -> None:
    assert passwords(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "GET /reports HTTP/1.1\nHost: intranet.example.org\nAuthorization: Basic c3ZjX29wczpMZWRnZXIhNzczMQ==\n",
        "curl -H 'Authorization: Basic c3ZjX29wczpMZWRnZXIhNzczMQ==' https://intranet.example.org/reports",
        "Proxy-Authorization: basic c3ZjX29wczpMZWRnZXIhNzczMQ==",
    ],
)
def test_a_basic_authorization_header_masks_its_encoded_credentials(text: str) -> None:
    assert passwords(text) == ["c3ZjX29wczpMZWRnZXIhNzczMQ=="]


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Basic <base64 of user:password>",
        "Authorization: Basic $BASIC_TOKEN",
        "Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=",  # username:password, the docs' example
        "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",  # RFC 7617's Aladdin:open sesame
        "Authorization: Basic Zm9vYmFyYmF6cXV4",  # no user:password inside
        'WWW-Authenticate: Basic realm="staging", charset="UTF-8"',
    ],
)
def test_basic_authorization_placeholders_and_challenges_are_not_masked(text: str) -> None:
    assert passwords(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cookie: sessionid=9k2mvq7xw4tz8h1n6c3p0rbl5yj2ds8e; theme=dark", "9k2mvq7xw4tz8h1n6c3p0rbl5yj2ds8e"),
        ("Cookie: lang=en; PHPSESSID=3f9a1c7be20d44e8a6b5c0d1e2f3a4b5", "3f9a1c7be20d44e8a6b5c0d1e2f3a4b5"),
        (
            "Set-Cookie: JSESSIONID=A1B2C3D4E5F60718293A4B5C6D7E8F90; Path=/; HttpOnly",
            "A1B2C3D4E5F60718293A4B5C6D7E8F90",
        ),
        (
            "cookie: connect.sid=s%3AQk7vR2xLmP9sT4wZ.Xy8bN3cV6dF1gH5jK0lM2nB4vC7xZ9aS; Path=/",
            "s%3AQk7vR2xLmP9sT4wZ.Xy8bN3cV6dF1gH5jK0lM2nB4vC7xZ9aS",
        ),
        (
            "curl -b 'session=eyJ1c2VyIjo0Mn0.Zx8Kpw.q9LmT3vR7sN2bX5cY1dW' https://app",
            "eyJ1c2VyIjo0Mn0.Zx8Kpw.q9LmT3vR7sN2bX5cY1dW",
        ),
    ],
)
def test_a_session_cookie_masks_its_value_not_its_name(text: str, expected: str) -> None:
    assert passwords(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Cookie: theme=dark; lang=en-US; tz=Europe/Berlin",
        "Cookie: sessionid=<your-session-id>",
        "Cookie: sessionid=abc123",
        "Cookie: _ga=GA1.2.1234567890.1700000000; consent=2024-05-01T10:00:00Z",
        "The pool keeps session=3 workers and sid=12 per host.",
    ],
)
def test_cookies_that_are_no_session_secret_are_not_masked(text: str) -> None:
    assert passwords(text) == []


@pytest.mark.parametrize(
    "value",
    ["whsec_5xRq9LmT2vN8bK4cY7dW1zP3sH6jF0gA", "rk_live_51Hq8LyjWDarjtT1zdp7dcXYZ12340aB"],
)
def test_stripe_webhook_secrets_and_restricted_keys_are_masked(value: str) -> None:
    assert passwords(f'{{"webhook": {{"endpoint": "/hooks/stripe", "signing": "{value}"}}}}') == [value]
    assert passwords(f"export STRIPE_WEBHOOK={value}") == [value]


def test_a_stripe_publishable_key_is_not_treated_as_a_secret() -> None:
    # pk_live_ keys are public by design: they ship in every checkout page's JavaScript.
    assert passwords('Stripe("pk_live_51Hq8LyjWDarjtT1zdp7dcXYZ12340aB")') == []


@pytest.mark.parametrize("text", ["STRIPE_WEBHOOK_SECRET=whsec_...", "signing secret: whsec_xxxxxxxxxxxxxxxxxxxxxxxx"])
def test_elided_or_placeholder_webhook_secrets_are_not_masked(text: str) -> None:
    assert passwords(text) == []
