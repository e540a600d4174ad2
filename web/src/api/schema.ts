/**
 * The API's types, generated from its OpenAPI document (`make web-contract` regenerates
 * src/api/generated; tests/test_web_contract.py and contract.test.ts fail when it is stale).
 */
import type { components } from "./generated/openapi";

export type Schemas = components["schemas"];
