// ESLint (flat config): typescript-eslint's type-aware rules and the React hooks rules.
// Formatting is Prettier's job (`npm run format:check`), so no stylistic rules here.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "test-results/", "playwright-report/", "placeholder/", "src/api/generated/"] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // React event props take `async () => ...` handlers; their promises are handled inside.
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
    },
  },
  {
    files: ["src/**/*.{ts,tsx}"],
    ...reactHooks.configs.flat.recommended,
    languageOptions: { globals: globals.browser },
  },
  {
    files: ["src/**/*.test.{ts,tsx}"],
    // Fakes of async APIs are written `async` so that a throw becomes a rejection, as in the real thing.
    rules: { "@typescript-eslint/require-await": "off" },
  },
  {
    files: ["e2e/**/*.ts", "screenshots/**/*.ts", "*.config.{ts,js}"],
    languageOptions: { globals: globals.node },
  },
  {
    // This config file is plain JavaScript outside every tsconfig: no type information for it.
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
