import type { AppConfig } from '@switchboard/config';
import type { createClassifier } from '@switchboard/intent';
import { loadKeywordReplies } from '@switchboard/providers';

/**
 * INTENT_CLASSIFIER and friends → the classifier's options. The service keywords ingest answers
 * (KEYWORDS_FILE) are `info_request` for the classifier too.
 */
export function classifierOptions(config: AppConfig<'interpreter'>): Parameters<typeof createClassifier>[0] {
  const serviceKeywords = Object.keys(loadKeywordReplies(config.keywordsFile));
  const { llm } = config.interpreter.intent;
  if (config.interpreter.intent.classifier === 'llm' && llm.url && llm.model) {
    return { kind: 'llm', url: llm.url, apiKey: llm.apiKey, model: llm.model, serviceKeywords };
  }
  return { kind: 'builtin', serviceKeywords };
}
