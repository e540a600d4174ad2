/** A live countdown to a call-back task's due time (ticks every second while mounted). */
import { useEffect, useState } from "react";
import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { countdown } from "./countdown";

export function DueCountdown({ dueAt }: { dueAt: string }) {
  const { t } = useTranslation();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const left = countdown(dueAt, now);
  if (!left) return null;
  return (
    <Badge variant="light" color={left.overdue ? "red" : "orange"} data-testid="callback-countdown" ml={6}>
      {left.overdue ? t("callbacks.overdueBy", { time: left.text }) : t("callbacks.dueIn", { time: left.text })}
    </Badge>
  );
}
