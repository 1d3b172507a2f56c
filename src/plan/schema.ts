/**
 * JSON Schema (draft-07) of `nbbuild plan --json`, schemaVersion 1: exactly the Plan type of
 * ./types.ts. Later commands may validate a plan file against it before reading it.
 */
import { PLAN_SCHEMA_VERSION } from "./types.js";

const str = { type: "string" } as const;
const strMap = { type: "object", additionalProperties: { type: "string" } } as const;
const stepName = { type: "string", pattern: "^[_a-z][_a-z0-9]*$" } as const;
const cellRef = {
  type: "object",
  required: ["index", "id"],
  additionalProperties: false,
  properties: { index: { type: "integer", minimum: 0 }, id: str },
} as const;
const sourceRef = {
  type: "object",
  required: ["file"],
  additionalProperties: false,
  properties: { file: str, cells: { type: "array", items: cellRef }, node: str },
} as const;
const volume = {
  type: "object",
  required: ["pvc", "mountPath"],
  additionalProperties: false,
  properties: { pvc: str, mountPath: str, subPath: str, readOnly: { type: "boolean" } },
} as const;

/** The Plan JSON Schema object (draft-07, usable with ajv). */
export const PLAN_JSON_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://nbbuild.dev/schema/plan-v1.json",
  title: "nbbuild plan",
  type: "object",
  required: ["schemaVersion", "name", "root", "source", "parameters", "metrics", "steps", "volumes", "unassigned", "diagnostics"],
  additionalProperties: false,
  properties: {
    schemaVersion: { const: PLAN_SCHEMA_VERSION },
    name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 },
    description: str,
    experiment: str,
    root: str,
    source: {
      type: "object",
      required: ["file", "kind"],
      additionalProperties: false,
      properties: { file: str, kind: { enum: ["notebook", "elyra"] } },
    },
    baseImage: str,
    parameters: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "type", "default", "source"],
        additionalProperties: false,
        properties: {
          name: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
          type: { enum: ["NUMBER_INTEGER", "NUMBER_DOUBLE", "STRING", "BOOLEAN"] },
          default: { type: ["number", "string", "boolean"] },
          source: sourceRef,
        },
      },
    },
    metrics: {
      type: "array",
      items: { type: "object", required: ["name", "step"], additionalProperties: false, properties: { name: str, step: str } },
    },
    steps: {
      type: "array",
      items: {
        type: "object",
        required: [
          "name", "kind", "after", "cells", "code", "inputs", "outputs", "parameters", "metrics", "fileInputs",
          "fileOutputs", "fileHints", "context", "requirements", "limits", "requests", "env", "secrets", "volumes",
          "tolerations", "labels", "annotations", "cache", "report", "uiOutputs", "source",
        ],
        additionalProperties: false,
        properties: {
          name: stepName,
          kind: { enum: ["notebook", "script"] },
          after: { type: "array", items: str, uniqueItems: true },
          cells: { type: "array", items: str },
          code: {
            type: "array",
            items: {
              type: "object",
              required: ["role", "file", "cell", "source"],
              additionalProperties: false,
              properties: { role: { enum: ["imports", "functions", "parameters", "step"] }, file: str, cell: cellRef, source: str },
            },
          },
          script: str,
          inputs: {
            type: "array",
            items: { type: "object", required: ["name", "from"], additionalProperties: false, properties: { name: str, from: str } },
          },
          outputs: { type: "array", items: str, uniqueItems: true },
          parameters: { type: "array", items: str, uniqueItems: true },
          metrics: { type: "array", items: str, uniqueItems: true },
          fileInputs: {
            type: "array",
            items: { type: "object", required: ["from"], additionalProperties: false, properties: { from: str } },
          },
          fileOutputs: { type: "array", items: str },
          fileHints: { type: "array", items: str },
          context: {
            type: "object",
            required: ["dir"],
            additionalProperties: false,
            properties: { dir: str, include: { type: "array", items: str } },
          },
          image: str,
          requirements: { type: "array", items: str },
          limits: strMap,
          requests: strMap,
          env: strMap,
          secrets: {
            type: "array",
            items: {
              type: "object",
              required: ["secret", "key", "env"],
              additionalProperties: false,
              properties: { secret: str, key: str, env: str },
            },
          },
          volumes: { type: "array", items: volume },
          tolerations: {
            type: "array",
            items: { type: "object", additionalProperties: false, properties: { key: str, operator: str, value: str, effect: str } },
          },
          labels: strMap,
          annotations: strMap,
          cache: { type: "boolean" },
          report: { type: "boolean" },
          sharedMemory: str,
          uiOutputs: { type: "boolean" },
          source: sourceRef,
        },
      },
    },
    volumes: { type: "array", items: volume },
    unassigned: { type: "array", items: cellRef },
    diagnostics: {
      type: "array",
      items: {
        type: "object",
        required: ["level", "message", "location"],
        additionalProperties: false,
        properties: {
          level: { enum: ["warning", "info"] },
          message: str,
          location: {
            type: "object",
            required: ["file"],
            additionalProperties: false,
            properties: { file: str, cellIndex: { type: "integer" }, cellId: str, nodeId: str, line: { type: "integer" } },
          },
        },
      },
    },
  },
} as const;
