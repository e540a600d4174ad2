"""The search box at scale (issue 20): ``GET /api/v1/search`` through nginx over 100,000
contacts and 1,000,000 calls.

The data is generated in PostgreSQL with set-based SQL (``generate_series``; a few seconds
for the contacts, about a minute for the calls and their indexes), then a mix of what people
type is searched by a signed-in admin (every type readable): surnames exact and with a typo,
companies, e-mails, and phone numbers in every spelling (``8916...``, ``+7 916 ...``,
``8 (916) ...``, a run of digits). Prints p50/p95/p99 per kind of term and overall against
the target: p95 < 100 ms.

Run with ``make bench ARGS=search``. ``BENCH_CONTACTS`` / ``BENCH_CALLS`` change the sizes,
``BENCH_REQUESTS`` the number of searches (default 600), ``BENCH_CONCURRENCY`` how many run
at once (default 2: this is a latency target, not a throughput one).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from switchboard_api.auth.passwords import hash_password
from switchboard_api.settings import get_settings

CONTACTS = int(os.environ.get("BENCH_CONTACTS", "100000"))
CALLS = int(os.environ.get("BENCH_CALLS", "1000000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "600"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "2"))
TARGET_P95_MS = 100.0
PASSWORD = "bench password, never reused"  # noqa: S105 - a throwaway bench account

SURNAMES = [
    "Соколова", "Иванов", "Петрова", "Смирнов", "Кузнецова", "Попов", "Васильева", "Новиков",
    "Морозова", "Волков", "Лебедева", "Козлов", "Егорова", "Павлов", "Орлова", "Фёдоров",
]  # fmt: skip
FIRST_NAMES = ["Анна", "Дмитрий", "Ирина", "Сергей", "Мария", "Алексей", "Ольга", "Павел"]
COMPANIES = ["Северный ветер", "Логистика-Плюс", "Ромашка", "Техносфера", "Здоровье", "Альфа"]
TYPOS = {"Соколова": "Сколова", "Кузнецова": "Кузнецва", "Васильева": "Васильва",
         "Морозова": "Марозова", "Лебедева": "Лебедеа", "Новиков": "Навиков"}  # fmt: skip
SUMMARIES = ["Уточнили сроки поставки", "Перезвонить завтра", "Вопрос по счёту",
             "Жалоба на доставку", "Новый заказ"]  # fmt: skip


# Contact g: name and company drawn from the lists, mobile +7916 + 7 digits of g (unique).
CONTACTS_SQL = """
INSERT INTO contacts (name, company, emails, phones, phone_numbers)
SELECT name, company, ARRAY['c' || g || '@bench.example'],
       jsonb_build_array(jsonb_build_object('type', 'mobile', 'number', phone)), ARRAY[phone]
FROM (
  SELECT g,
         (CAST(:first_names AS text[]))[1 + g % cardinality(CAST(:first_names AS text[]))] || ' '
           || (CAST(:surnames AS text[]))[1 + (g / 7) % cardinality(CAST(:surnames AS text[]))] || ' ' || g AS name,
         (CAST(:companies AS text[]))[1 + g % cardinality(CAST(:companies AS text[]))] || ' ' || (g % 500) AS company,
         '+7916' || lpad(((g * 7919) % 10000000)::text, 7, '0') AS phone
  FROM generate_series(1, :n) AS g
) AS generated
"""

# Call g: from a contact's number (or an unknown mobile), to one of the company's lines;
# one in ten has a summary; started over the last year.
CALLS_SQL = """
INSERT INTO calls (provider, provider_call_id, direction, status, is_final, from_number,
                   to_number, started_at, summary)
SELECT 'bench', 'bench-' || :n || '-' || g, 'inbound',
       (ARRAY['completed', 'missed', 'completed', 'failed'])[1 + g % 4], true,
       CASE WHEN g % 3 = 0 THEN '+7926' || lpad(((g * 31) % 10000000)::text, 7, '0')
            ELSE '+7916' || lpad((((g % :contacts + 1) * 7919) % 10000000)::text, 7, '0') END,
       '+7495' || lpad((1000000 + g % 5)::text, 7, '0'),
       now() - (g % 525600) * interval '1 minute',
       CASE WHEN g % 10 = 0 THEN (CAST(:summaries AS text[]))[1 + g % cardinality(CAST(:summaries AS text[]))] END
FROM generate_series(1, :n) AS g
"""


# Secondary indexes are dropped for the load and built again after it: one sorted build is
# many times faster than a million GIN insertions (the stack is a throwaway test stack).
SECONDARY_INDEXES = """
SELECT indexname, indexdef FROM pg_indexes
WHERE tablename = :table AND indexname NOT LIKE 'pk\\_%' AND indexname NOT LIKE 'uq\\_%'
"""


async def load(engine: AsyncEngine, table: str, sql: str, params: dict[str, object]) -> None:
    """Run one set-based insert into ``table`` with its secondary indexes built afterwards."""
    started = time.monotonic()
    async with engine.begin() as conn:
        indexes = (await conn.execute(text(SECONDARY_INDEXES), {"table": table})).all()
        for name, _ in indexes:
            await conn.execute(text(f'DROP INDEX "{name}"'))
        await conn.execute(text(sql), params)
        await conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for _, definition in indexes:
            await conn.execute(text(definition))
    print(f"  {params['n']:,} {table} in {time.monotonic() - started:.0f} s", flush=True)


async def generate(engine: AsyncEngine) -> None:
    """The contacts and calls (unless an earlier run left them), then fresh statistics."""
    async with engine.connect() as conn:
        calls = await conn.scalar(
            text(
                "SELECT count(*) FROM calls WHERE provider = 'bench' AND provider_call_id LIKE :run"
            ),
            {"run": f"bench-{CALLS}-%"},
        )
    if calls:
        print(f"  reusing the {calls:,} calls and their contacts of an earlier run", flush=True)
        return
    words = {"first_names": FIRST_NAMES, "surnames": SURNAMES, "companies": COMPANIES}
    await load(engine, "contacts", CONTACTS_SQL, {"n": CONTACTS, **words})
    await load(
        engine, "calls", CALLS_SQL, {"n": CALLS, "contacts": CONTACTS, "summaries": SUMMARIES}
    )
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE contacts"))
        await conn.execute(text("VACUUM ANALYZE calls"))


def contact_phone(g: int) -> str:
    """The local seven digits of contact g's number (as CONTACTS_SQL writes them)."""
    return str((g * 7919) % 10_000_000).rjust(7, "0")


def terms(rng: random.Random) -> list[tuple[str, str]]:
    """(kind, text) pairs: what people type into the search box."""
    out: list[tuple[str, str]] = []
    for _ in range(REQUESTS):
        kind = rng.choice(
            ["name", "typo", "company", "email", "phone8", "phone+7", "phone()", "digits"]
        )
        local = contact_phone(rng.randint(1, CONTACTS))
        if kind == "name":
            typed = rng.choice(SURNAMES)
        elif kind == "typo":
            typed = rng.choice(list(TYPOS.values()))
        elif kind == "company":
            typed = rng.choice(COMPANIES)[:6]
        elif kind == "email":
            typed = f"c{rng.randint(1, CONTACTS)}@bench"
        elif kind == "phone8":
            typed = f"8916{local[: rng.randint(3, 7)]}"
        elif kind == "phone+7":
            typed = f"+7 916 {local}"
        elif kind == "phone()":
            typed = f"8 (916) {local[:3]}-{local[3:5]}-{local[5:]}"
        else:
            typed = local[2:7]
        out.append((kind, typed))
    return out


async def sign_in(engine: AsyncEngine, http: httpx.AsyncClient) -> None:
    """A bench admin, signed in with a session cookie (as the web client is)."""
    email = f"bench-search-{uuid.uuid4().hex[:8]}@example.test"
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO users (email, full_name, role, password_hash)"
                 " VALUES (:e, 'Bench Search', 'admin', :h)"),
            {"e": email, "h": hash_password(PASSWORD)},
        )  # fmt: skip
    login = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    login.raise_for_status()


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def measure(http: httpx.AsyncClient, work: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Milliseconds per search, by kind of term; a non-200 answer fails the bench."""
    timings: dict[str, list[float]] = {}
    queue = list(reversed(work))

    async def worker() -> None:
        while queue:
            kind, typed = queue.pop()
            started = time.perf_counter()
            response = await http.get("/api/v1/search", params={"q": typed})
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{typed!r}: HTTP {response.status_code} {response.text}")
            timings.setdefault(kind, []).append(elapsed)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return timings


async def run() -> int:
    settings = get_settings()
    base_url = os.environ.get("SB_BASE_URL", "http://127.0.0.1:18080")
    engine = create_async_engine(settings.database_url.get_secret_value())
    rng = random.Random(20)
    try:
        print(f"generating {CONTACTS:,} contacts and {CALLS:,} calls", flush=True)
        await generate(engine)
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            await sign_in(engine, http)
            await measure(http, terms(rng)[:50])  # warm the caches and the connection pools
            timings = await measure(http, terms(rng))
    finally:
        await engine.dispose()
    every = [ms for values in timings.values() for ms in values]
    print(f"\n{len(every)} searches, {CONCURRENCY} at a time, through nginx ({base_url})")
    print(f"{'term':<10}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for kind, values in sorted(timings.items()):
        print(f"{kind:<10}{len(values):>6}{statistics.median(values):>10.1f}"
              f"{percentile(values, 0.95):>10.1f}{percentile(values, 0.99):>10.1f}")  # fmt: skip
    p95 = percentile(every, 0.95)
    print(f"{'all':<10}{len(every):>6}{statistics.median(every):>10.1f}{p95:>10.1f}"
          f"{percentile(every, 0.99):>10.1f}")  # fmt: skip
    verdict = "met" if p95 < TARGET_P95_MS else "MISSED"
    print(f"\ntarget p95 < {TARGET_P95_MS:.0f} ms: {verdict} ({p95:.1f} ms)")
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(run()))
