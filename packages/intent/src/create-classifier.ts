import { createBuiltinClassifier } from './builtin.ts';
import { createLlmClassifier } from './llm.ts';
import type { LlmFailureReason } from './llm.ts';
import type { Classifier } from './types.ts';

/** Options of {@link createClassifier}: what the gateway's INTENT_* settings map to. */
export type ClassifierOptions =
  | { kind: 'builtin'; serviceKeywords?: string[] }
  | {
      kind: 'llm';
      url: string;
      apiKey?: string;
      model: string;
      timeoutMs?: number;
      serviceKeywords?: string[];
      onFallback?: (reason: LlmFailureReason) => void;
      fetch?: typeof fetch;
    };

/**
 * Creates the configured classifier. `llm` falls back to the built-in classifier on any failure;
 * both answer compliance keywords locally first.
 */
export function createClassifier(options: ClassifierOptions): Classifier {
  const builtin = createBuiltinClassifier({ serviceKeywords: options.serviceKeywords ?? [] });
  if (options.kind === 'builtin') return builtin;
  const { kind: _kind, ...llm } = options;
  return createLlmClassifier({ ...llm, fallback: builtin });
}
