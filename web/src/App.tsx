/** Routes: the login page, and the workspace behind it. */
import { lazy, Suspense } from "react";
import { Anchor, Center, Loader, Stack, Text } from "@mantine/core";
import { Link, Route, Routes } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { RequireAuth } from "./auth/RequireAuth";
import { useMe } from "./auth/AuthProvider";
import { can } from "./auth/permissions";
import { RealtimeProvider } from "./realtime/RealtimeProvider";
import { Layout } from "./pages/Layout";
import { LoginPage } from "./pages/LoginPage";

// Every screen is its own chunk, loaded when first shown: the first load carries only the
// frame (login, layout) and the screen asked for.
const HomePage = lazy(() => import("./pages/HomePage").then((m) => ({ default: m.HomePage })));
const EntityListPage = lazy(() => import("./pages/EntityListPage").then((m) => ({ default: m.EntityListPage })));
const CallsPage = lazy(() => import("./pages/CallsPage").then((m) => ({ default: m.CallsPage })));
const DealsPage = lazy(() => import("./pages/DealsPage").then((m) => ({ default: m.DealsPage })));
const TasksPage = lazy(() => import("./pages/TasksPage").then((m) => ({ default: m.TasksPage })));
const EntityDetailPage = lazy(() => import("./pages/EntityDetailPage").then((m) => ({ default: m.EntityDetailPage })));
const EntityFormPage = lazy(() => import("./pages/EntityFormPage").then((m) => ({ default: m.EntityFormPage })));

function Loading() {
  return (
    <Center py="xl">
      <Loader aria-label="loading" />
    </Center>
  );
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Text>{t("common.notFound")}</Text>
      <Anchor component={Link} to="/">
        {t("nav.home")}
      </Anchor>
    </Stack>
  );
}

function Guard({
  type,
  action,
  children,
}: {
  type: string;
  action: "read" | "create" | "update";
  children: JSX.Element;
}) {
  const me = useMe();
  const { t } = useTranslation();
  if (!can(me.role, type, action)) return <Text>{t("common.forbidden")}</Text>;
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
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
        <Route
          index
          element={
            <Suspense fallback={<Loading />}>
              <HomePage />
            </Suspense>
          }
        />
        {TYPES.map((type) => (
          <Route key={type} path={type}>
            <Route
              index
              element={
                <Guard type={type} action="read">
                  {LIST_PAGES[type]?.() ?? <EntityListPage type={type} />}
                </Guard>
              }
            />
            <Route
              path="trash"
              element={
                <Guard type={type} action="read">
                  <EntityListPage type={type} trashed />
                </Guard>
              }
            />
            <Route
              path="new"
              element={
                <Guard type={type} action="create">
                  <EntityFormPage type={type} />
                </Guard>
              }
            />
            <Route
              path=":id"
              element={
                <Guard type={type} action="read">
                  <EntityDetailPage key={type} type={type} />
                </Guard>
              }
            />
            <Route
              path=":id/edit"
              element={
                <Guard type={type} action="update">
                  <EntityFormPage type={type} />
                </Guard>
              }
            />
          </Route>
        ))}
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
