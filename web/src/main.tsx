/** Entry point: theme, server-state cache, i18n, router. */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider, createBrowserRouter } from "react-router-dom";
import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import "@mantine/core/styles.css";
import "@mantine/notifications/styles.css";
import "./styles.css";
import "./i18n";
import { ApiError } from "./api/client";
import { AuthProvider } from "./auth/AuthProvider";
import { PreferencesApplier } from "./preferences/PreferencesApplier";
import { serverColorSchemeManager } from "./preferences/preferences";
import { App } from "./App";
import { cssVariablesResolver, theme } from "./theme";

// "auto" follows prefers-color-scheme until the signed-in employee's choice is applied
// (PreferencesApplier); nothing is remembered in the browser.
const colorSchemeManager = serverColorSchemeManager();

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // Client errors will not get better by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

// A data router (one catch-all route; the app's own <Routes> below it) so forms can hold a
// navigation while they have unsaved changes (useBlocker).
const router = createBrowserRouter([
  {
    path: "*",
    element: (
      <AuthProvider>
        <PreferencesApplier />
        <App />
      </AuthProvider>
    ),
  },
]);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider
      theme={theme}
      cssVariablesResolver={cssVariablesResolver}
      defaultColorScheme="auto"
      colorSchemeManager={colorSchemeManager}
    >
      <Notifications position="top-center" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
