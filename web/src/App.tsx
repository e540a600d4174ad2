/** Routes: the login page, and the workspace behind it. */
import { Anchor, Stack, Text } from "@mantine/core";
import { Link, Route, Routes } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { RequireAuth } from "./auth/RequireAuth";
import { useMe } from "./auth/AuthProvider";
import { can } from "./auth/permissions";
import { RealtimeProvider } from "./realtime/RealtimeProvider";
import { CallsPage } from "./pages/CallsPage";
import { DealsPage } from "./pages/DealsPage";
import { EntityDetailPage } from "./pages/EntityDetailPage";
import { EntityFormPage } from "./pages/EntityFormPage";
import { EntityListPage } from "./pages/EntityListPage";
import { HomePage } from "./pages/HomePage";
import { Layout } from "./pages/Layout";
import { LoginPage } from "./pages/LoginPage";
import { TasksPage } from "./pages/TasksPage";

function NotFound() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Text>{t("common.notFound")}</Text>
      <Anchor component={Link} to="/">{t("nav.home")}</Anchor>
    </Stack>
  );
}

function Guard({ type, action, children }: { type: string; action: "read" | "create" | "update"; children: JSX.Element }) {
  const me = useMe();
  const { t } = useTranslation();
  return can(me.role, type, action) ? children : <Text>{t("common.forbidden")}</Text>;
}

const LIST_PAGES: Record<string, () => JSX.Element> = {
  deals: () => <DealsPage />,
  tasks: () => <TasksPage />,
  calls: () => <CallsPage />,
};

const TYPES = ["contacts", "deals", "tasks", "notes", "calls", "number_lists", "users"];

function Workspace() {
  return (
    <RequireAuth>
      <RealtimeProvider>
        <Layout />
      </RealtimeProvider>
    </RequireAuth>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<Workspace />}>
        <Route index element={<HomePage />} />
        {TYPES.map((type) => (
          <Route key={type} path={type}>
            <Route index element={<Guard type={type} action="read">{LIST_PAGES[type]?.() ?? <EntityListPage type={type} />}</Guard>} />
            <Route path="trash" element={<Guard type={type} action="read"><EntityListPage type={type} trashed /></Guard>} />
            <Route path="new" element={<Guard type={type} action="create"><EntityFormPage type={type} /></Guard>} />
            <Route path=":id" element={<Guard type={type} action="read"><EntityDetailPage key={type} type={type} /></Guard>} />
            <Route path=":id/edit" element={<Guard type={type} action="update"><EntityFormPage type={type} /></Guard>} />
          </Route>
        ))}
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
