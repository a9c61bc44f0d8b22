import fs from 'node:fs';
import { z } from 'zod';
import { DEFAULT_KEYWORD_REPLIES, type KeywordReplies } from './keywords.ts';

const keywordFileSchema = z.record(z.string().min(1).max(40), z.string().min(1).max(1600));

/** The keyword → reply map: the KEYWORDS_FILE (a JSON object) when set, the defaults otherwise. */
export function loadKeywordReplies(file: string | undefined): KeywordReplies {
  if (!file) return DEFAULT_KEYWORD_REPLIES;
  const parsed = keywordFileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`KEYWORDS_FILE ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
