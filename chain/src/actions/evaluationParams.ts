import type { Hex } from "viem";
import { BPS } from "../constants.ts";

/** Figures of one local evaluation: metrics as fractions in [0, 1], image counts per class. */
export type EvaluationFigures = {
  accuracy: number;
  precision: number;
  recall: number;
  specificity: number;
  f1: number;
  auc: number;
  /** Images with a tumor (> 0). */
  positives: number;
  /** Images without a tumor (> 0). */
  negatives: number;
  /** The evaluation set's fingerprint (card `data.fingerprint` definition), 32 bytes. */
  fingerprint: Hex;
  /** Version of the evaluating software, "major.minor.patch" (each 0-255). */
  codeVersion: string;
  /** Model card schema version whose preprocessing was used (1-255). */
  cardVersion: number;
};

/** The contract's EvaluationParams tuple: the figures, metrics in basis points, version packed. */
export type EvaluationParams = Omit<EvaluationFigures, "codeVersion"> & { codeVersion: number };

export type EvaluationParamsParameters = EvaluationFigures;
export type EvaluationParamsReturnType = EvaluationParams;
/** A plain Error whose message names the refused field and its value. */
export type EvaluationParamsErrorType = Error;

const METRICS = ["accuracy", "precision", "recall", "specificity", "f1", "auc"] as const;

/**
 * Converts an evaluation measured off chain (fractions) into the registry's EvaluationParams:
 * basis points (`round(x * 10000)`) and packed versions, refusing what the contract would refuse.
 * Pure (no client). Does not check that the figures agree with each other (the contract does).
 * @throws Error naming the field when a metric is outside [0, 1], a class count is not a positive
 *   integer below 2^32, the fingerprint is not 32 non-zero bytes, or a version is malformed.
 * @example
 * const params = evaluationParams({ ...figures, codeVersion: "0.1.0", cardVersion: 2 });
 * params.f1 // basis points; params.codeVersion === 0x000100
 */
export function evaluationParams(figures: EvaluationParamsParameters): EvaluationParamsReturnType {
  const bps = {} as Record<(typeof METRICS)[number], number>;
  for (const name of METRICS) {
    const value = figures[name];
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      throw new Error(`evaluation ${name} must be a fraction in [0, 1], got ${value}`);
    }
    bps[name] = Math.round(value * BPS);
  }
  for (const name of ["positives", "negatives"] as const) {
    const count = figures[name];
    if (!Number.isInteger(count) || count <= 0 || count >= 2 ** 32) {
      throw new Error(`evaluation ${name} must be a positive image count, got ${count}`);
    }
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(figures.fingerprint) || /^0x0+$/.test(figures.fingerprint)) {
    throw new Error(`evaluation fingerprint must be 32 non-zero bytes, got ${figures.fingerprint}`);
  }
  const version = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(figures.codeVersion);
  const parts = version ? version.slice(1).map(Number) : [];
  if (parts.length !== 3 || parts.some((part) => part > 255)) {
    throw new Error(
      `evaluation codeVersion must be "major.minor.patch" (each 0-255), got ${figures.codeVersion}`,
    );
  }
  const [major, minor, patch] = parts as [number, number, number];
  if (
    !Number.isInteger(figures.cardVersion) ||
    figures.cardVersion < 1 ||
    figures.cardVersion > 255
  ) {
    throw new Error(`evaluation cardVersion must be 1-255, got ${figures.cardVersion}`);
  }
  return {
    ...bps,
    positives: figures.positives,
    negatives: figures.negatives,
    fingerprint: figures.fingerprint,
    codeVersion: (major << 16) | (minor << 8) | patch,
    cardVersion: figures.cardVersion,
  };
}
