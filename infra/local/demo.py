"""Demo data for ``make run``, loaded once through the public API like a real team would.

Contacts, deals, tasks and notes are created over REST as the demo admin (so every record
has its history and events), then a few calls are played through the PBX simulator so the
call log has answered, missed and outbound calls with recordings.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from profiles import DEMO_LOGIN, Profile

log = logging.getLogger("switchboard.demo")

CONTACTS: list[dict[str, Any]] = [
    {
        "name": "Ирина Соколова",
        "company": "ООО «Северный ветер»",
        "job_title": "Директор по закупкам",
        "emails": ["i.sokolova@severny-veter.example"],
        "phones": [{"type": "work", "number": "+7 495 765-43-21"}],  # not the PBX's own line
        "tags": ["vip"],
    },
    {
        "name": "Дмитрий Орлов",
        "company": "Логистика-Плюс",
        "job_title": "Диспетчер",
        "emails": ["orlov@logplus.example"],
        "phones": [{"type": "mobile", "number": "8 (916) 234-56-78"}],
        "tags": ["logistics"],
    },
    {
        "name": "Анна Кузнецова",
        "company": "Клиника «Здоровье»",
        "job_title": "Администратор",
        "emails": ["anna@zdorovie.example"],
        "phones": [{"type": "mobile", "number": "+79263456789"}],
        "tags": [],
    },
    {
        "name": "Сергей Волков",
        "company": "СтройМаркет",
        "job_title": "Менеджер",
        "emails": ["volkov@stroymarket.example"],
        "phones": [{"type": "work", "number": "+7 812 555-01-02"}],
        "tags": ["partner"],
    },
    {
        "name": "Elena Petrova",
        "company": "Nordic Trade",
        "job_title": "Head of Sales",
        "emails": ["elena.petrova@nordictrade.example"],
        "phones": [{"type": "mobile", "number": "+7 903 111-22-33"}],
        "tags": ["export"],
    },
]

DEALS = [
    ("Поставка оборудования, 2027", 0, "proposal", "1250000"),
    ("Годовой договор на перевозки", 1, "qualified", "480000"),
    ("Запуск колл-центра клиники", 2, "new", "150000"),
    ("Оптовые закупки Q1", 3, "won", "920000"),
]


TASK_ASSIGNEES = ("agent1@demo.switchboard", "agent1@demo.switchboard", "agent2@demo.switchboard")


class DemoClient:
    """An API session as the demo admin (cookie + CSRF token)."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        email, password = DEMO_LOGIN
        resp = self.http.post("/api/v1/auth/login", json={"email": email, "password": password})
        resp.raise_for_status()
        self.http.headers["X-CSRF-Token"] = resp.json()["csrf_token"]

    def create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a record and return it."""
        resp = self.http.post(f"/api/v1/{entity}", json=body)
        if resp.status_code != 201:
            raise RuntimeError(f"creating {entity} failed: {resp.status_code} {resp.text[:300]}")
        data: dict[str, Any] = resp.json()
        return data

    def user_id(self, email: str) -> str | None:
        """The id of the employee with this e-mail, if there is one."""
        resp = self.http.get("/api/v1/users", params={"limit": 200})
        resp.raise_for_status()
        found = [u["id"] for u in resp.json()["items"] if u["email"] == email]
        return str(found[0]) if found else None

    def is_empty(self, entity: str) -> bool:
        """Whether the team has no live records of this type yet."""
        resp = self.http.get(f"/api/v1/{entity}", params={"limit": 1})
        resp.raise_for_status()
        return not resp.json()["items"]


def load_crm(api: DemoClient) -> list[dict[str, Any]]:
    """Contacts, deals, tasks and notes."""
    contacts = [api.create("contacts", c) for c in CONTACTS]
    for title, idx, stage, amount in DEALS:
        deal = api.create(
            "deals",
            {"title": title, "contact_id": contacts[idx]["id"], "stage": stage, "amount": amount},
        )
        api.create(
            "notes",
            {
                "body": f"Созвонились по сделке «{title}», ждём ответа.",
                "related_type": "deals",
                "related_id": deal["id"],
            },
        )
    now = datetime.now(UTC)
    # Overdue, due today and due tomorrow, each on a demo agent's list.
    assignees = [api.user_id(email) for email in TASK_ASSIGNEES]
    for i, contact in enumerate(contacts[:3]):
        api.create(
            "tasks",
            {
                "title": f"Перезвонить: {contact['name']}",
                "due_at": (now + timedelta(days=i - 1)).isoformat(),
                "priority": "high" if i == 0 else "normal",
                "assignee_id": assignees[i],
                "related_type": "contacts",
                "related_id": contact["id"],
            },
        )
    return contacts


def play_calls(pbxsim_url: str, contacts: list[dict[str, Any]]) -> None:
    """A few calls through the simulator: answered with recordings, missed, outbound."""
    numbers = [c["phones"][0]["number"].lstrip("+") for c in contacts]
    scripts: list[dict[str, Any]] = [
        {
            "direction": "inbound",
            "outcome": "answered",
            "extension": "102",
            "number": numbers[0],
            "ivr": True,
            "record": True,
            "talk_seconds": 42,
        },
        {"direction": "inbound", "outcome": "missed", "extension": "103", "number": numbers[1]},
        {
            "direction": "outbound",
            "outcome": "answered",
            "extension": "101",
            "number": numbers[2],
            "record": True,
            "talk_seconds": 95,
        },
        {
            "direction": "inbound",
            "outcome": "answered",
            "extension": "103",
            "number": "74997770011",
            "record": True,
            "talk_seconds": 18,
        },
    ]
    with httpx.Client(base_url=pbxsim_url, timeout=60) as sim:
        for script in scripts:
            sim.post("/control/calls", params={"wait": "true"}, json=script).raise_for_status()


def load_demo_data(base_url: str, pbxsim_url: str) -> None:
    """The CRM records and the calls, unless the team has contacts already."""
    api = DemoClient(base_url)
    if api.is_empty("contacts"):
        contacts = load_crm(api)
        play_calls(pbxsim_url, contacts)


def load_demo(p: Profile) -> None:
    """Load the demo data once per state directory (a marker file remembers it)."""
    marker = p.state / "demo-loaded"
    if marker.exists():
        return
    load_demo_data(p.base_url, f"http://127.0.0.1:{p.ports.pbxsim}")
    marker.write_text(datetime.now(UTC).isoformat() + "\n")
