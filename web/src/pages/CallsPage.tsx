/** The call log with filters; "Missed" shows my missed calls. */
import { SegmentedControl } from "@mantine/core";
import { useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { EntityListPage } from "./EntityListPage";

export function CallsPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const missed = params.get("status") === "missed";
  const switcher = (
    <SegmentedControl
      aria-label={t("calls.log")}
      value={missed ? "missed" : "all"}
      onChange={(v) => setParams(v === "missed" ? { status: "missed" } : {}, { replace: true })}
      data={[
        { value: "all", label: t("common.all") },
        { value: "missed", label: t("calls.missed") },
      ]}
      w="fit-content"
    />
  );
  return <EntityListPage type="calls" title={t("calls.log")} header={switcher} />;
}
