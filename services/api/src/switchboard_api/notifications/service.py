"""Creating notifications and delivering them: stored in the rule's transaction, sent on
each employee's personal channel once it commits (the store is the truth; a message that
cannot be delivered is found in the notification center)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import msgspec

from switchboard_api.notifications.repository import NotificationRepository, Row
from switchboard_api.notifications.schemas import (
    NOTIFICATION_EVENT,
    NewNotification,
    Notification,
)
from switchboard_api.platform.unit_of_work import UnitOfWork
from switchboard_api.realtime.channels import personal_channel
from switchboard_api.realtime.publisher import BatchEvent, PublishError

#: Events per call of the realtime publish API (its ``batch_events`` limit is 100).
PUBLISH_BATCH = 100


def to_notification(row: Row) -> Notification:
    """The public form of a stored notification."""
    return msgspec.convert(row, Notification, strict=False)


class Notifier:
    """Creates notifications in a unit of work; delivered after it commits."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = NotificationRepository(uow.session)

    async def notify(self, recipients: Sequence[uuid.UUID | None], new: NewNotification) -> int:
        """Notify each recipient (None and the one who caused it are skipped) once per
        ``dedupe_key``, unless they switched the kind off; how many were created."""
        wanted = [r for r in recipients if r is not None and r != new.actor_id]
        rows = await self.repo.store(wanted, new)
        self.deliver(rows)
        return len(rows)

    def deliver(self, rows: Sequence[Row]) -> None:
        """Send stored notifications live once the transaction commits (batched)."""
        if not rows:
            return
        encode = msgspec.json.encode
        messages = [
            BatchEvent(
                name=NOTIFICATION_EVENT,
                channel=personal_channel(row["user_id"]),
                data=encode(to_notification(row)).decode(),
            )
            for row in rows
        ]
        publisher = self.uow.resources.publisher

        async def send() -> None:
            for start in range(0, len(messages), PUBLISH_BATCH):
                chunk = messages[start : start + PUBLISH_BATCH]
                try:
                    await publisher.publish_batch(chunk)
                except PublishError:  # retried once; the notification center has it anyway
                    await publisher.publish_batch(chunk)

        self.uow.after_commit(send)
