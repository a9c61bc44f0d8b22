/** Long emails carry their intent early; the rest (quoted campaigns, bounce transcripts) only costs time. */
export const MAX_CHARS = 1200;

// Emoji that carry intent get their own token; any other pictograph becomes 'emo_other'.
const EMOJI: ReadonlyMap<number, string> = new Map([
  [0x1f44d, 'emo_thumbsup'], // 👍
  [0x1f44c, 'emo_okhand'], // 👌
  [0x1f91d, 'emo_handshake'], // 🤝
  [0x1f64c, 'emo_raisehands'], // 🙌
  [0x1f44f, 'emo_clap'], // 👏
  [0x2705, 'emo_check'], // ✅
  [0x2714, 'emo_check'], // ✔
  [0x1f60d, 'emo_love'], // 😍
  [0x1f970, 'emo_love'], // 🥰
  [0x2764, 'emo_love'], // ❤
  [0x1f525, 'emo_fire'], // 🔥
  [0x1f929, 'emo_love'], // 🤩
  [0x1f44e, 'emo_thumbsdown'], // 👎
  [0x274c, 'emo_cross'], // ❌
  [0x2716, 'emo_cross'], // ✖
  [0x1f645, 'emo_nogesture'], // 🙅
  [0x1f6d1, 'emo_stop'], // 🛑
  [0x26d4, 'emo_stop'], // ⛔
  [0x1f6ab, 'emo_stop'], // 🚫
  [0x270b, 'emo_hand'], // ✋
  [0x1f621, 'emo_angry'], // 😡
  [0x1f620, 'emo_angry'], // 😠
  [0x1f92c, 'emo_angry'], // 🤬
  [0x1f644, 'emo_annoyed'], // 🙄
  [0x1f612, 'emo_annoyed'], // 😒
  [0x1f4de, 'emo_phone'], // 📞
  [0x260e, 'emo_phone'], // ☎
  [0x1f4f1, 'emo_phone'], // 📱
  [0x1f4f2, 'emo_phone'], // 📲
  [0x2753, 'qmark'], // ❓
  [0x2754, 'qmark'], // ❔
  [0x1f914, 'emo_thinking'], // 🤔
  [0x2139, 'emo_info'], // ℹ
  [0x1f4e7, 'emo_mail'], // 📧
  [0x2709, 'emo_mail'], // ✉
  [0x1f64f, 'emo_pray'], // 🙏
  [0x1f602, 'emo_laugh'], // 😂
  [0x1f923, 'emo_laugh'], // 🤣
  [0x1f605, 'emo_laugh'], // 😅
  [0x1f606, 'emo_laugh'], // 😆
  [0x1f600, 'emo_smile'], // 😀
  [0x1f603, 'emo_smile'], // 😃
  [0x1f604, 'emo_smile'], // 😄
  [0x1f601, 'emo_smile'], // 😁
  [0x1f60a, 'emo_smile'], // 😊
  [0x1f642, 'emo_smile'], // 🙂
  [0x1f609, 'emo_smile'], // 😉
  [0x1f622, 'emo_sad'], // 😢
  [0x1f61e, 'emo_sad'], // 😞
  [0x1f44b, 'emo_wave'], // 👋
  [0x1f389, 'emo_party'], // 🎉
  [0x1f382, 'emo_party'], // 🎂
  [0x1f381, 'emo_party'], // 🎁
  [0x2600, 'emo_sun'], // ☀
  [0x1f31e, 'emo_sun'], // 🌞
]);

const PICTOGRAPH = /\p{Extended_Pictographic}/u;

function isEmojiModifier(cp: number): boolean {
  // Variation selector, zero-width joiner, skin tones, and the ♀/♂ that follow a ZWJ.
  return cp === 0xfe0f || cp === 0x200d || (cp >= 0x1f3fb && cp <= 0x1f3ff) || cp === 0x2640 || cp === 0x2642;
}

function replaceEmoji(text: string): string {
  // Fast path: almost all messages are plain text.
  if (!/[\u2000-\u2bff\u{1f000}-\u{1faff}]/u.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x2000) {
      out += ch;
      continue;
    }
    const token = EMOJI.get(cp);
    if (token) out += ` ${token} `;
    else if (isEmojiModifier(cp)) continue;
    else if (PICTOGRAPH.test(ch)) out += ' emo_other ';
    else out += ch;
  }
  return out;
}

// `[ \t]*`, not `\s*`: with the `m` flag, `^\s*` retried at every line start runs over all the
// following newlines each time, which is quadratic on a text made of newlines (40,000 took ~1 s).
const QUOTE_START = /^[ \t]*(>|-{2,}[ \t]*(original message|message d'origine)|on .{3,120} wrote:|le .{3,120} a [ée]crit[ \t]?:|de[ \t]?: |from: )/imu;

/**
 * Drops the quoted original below an email reply ("> ...", "On ... wrote:", "Le ... a écrit :").
 * Only the first MAX_CHARS characters are looked at (and kept): `normalizeText` cuts there anyway,
 * and a 5 MB email must cost no more than a short one.
 */
export function stripQuotedReply(text: string): string {
  const head = text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text;
  const m = QUOTE_START.exec(head);
  // Nothing but blank lines before the quote: there is no reply above it to keep.
  if (!m || head.slice(0, m.index).trim() === '') return head;
  return head.slice(0, m.index);
}

/**
 * Canonical text: emoji to tokens, lower-case, accents stripped, English contractions and French
 * elisions expanded, digits collapsed to 0, repeated letters squeezed ("ouiii" and "oui" meet, so do
 * "rapelez" and "rappelez").
 */
export function normalizeText(raw: string): string {
  let s = raw.length > MAX_CHARS ? raw.slice(0, MAX_CHARS) : raw;
  s = replaceEmoji(s);
  s = s.toLowerCase().normalize('NFD').replace(/\p{M}+/gu, '');
  s = s.replace(/[’‘`´]/g, "'");
  s = s
    .replace(/n't\b/g, ' not')
    .replace(/'m\b/g, ' am')
    .replace(/'re\b/g, ' are')
    .replace(/'ll\b/g, ' will')
    .replace(/'ve\b/g, ' have')
    .replace(/'d\b/g, ' would')
    .replace(/'s\b/g, '');
  s = s.replace(/\b(qu|[cdjlmnst])'/g, '$1e ');
  // Compounds whose halves mean something else alone: "week-end" is not END, "opt me out" is one verb.
  s = s.replace(/\bweek[- ]?ends?\b/g, 'weekend').replace(/\bopt(?:[- ]?me)?[- ]?(out|in)\b/g, 'opt$1');
  s = s.replace(/\p{N}+/gu, '0');
  s = s.replace(/(\p{L})\1+/gu, '$1');
  return s;
}

// SMS shorthand mapped to one spelling (keys are already squeezed: "tomorow", not "tomorrow").
const ALIASES: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['pls', ['please']],
  ['plz', ['please']],
  ['plez', ['please']],
  ['stp', ['svp']],
  ['thx', ['thanks']],
  ['thnx', ['thanks']],
  ['tks', ['thanks']],
  ['ty', ['thanks']],
  ['thank', ['thanks']],
  ['mci', ['merci']],
  ['yep', ['yes']],
  ['yup', ['yes']],
  ['yeah', ['yes']],
  ['yea', ['yes']],
  ['ye', ['yes']],
  ['ouai', ['oui']],
  ['ouais', ['oui']],
  ['wi', ['oui']],
  ['nope', ['no']],
  ['nah', ['no']],
  ['nan', ['non']],
  ['nn', ['non']],
  ['u', ['you']],
  ['ur', ['your']],
  ['r', ['are']],
  ['im', ['i', 'am']],
  ['dont', ['do', 'not']],
  ['didnt', ['did', 'not']],
  ['doesnt', ['does', 'not']],
  ['cant', ['can', 'not']],
  ['wont', ['wil', 'not']],
  ['isnt', ['is', 'not']],
  ['arent', ['are', 'not']],
  ['jsuis', ['je', 'suis']],
  ['chui', ['je', 'suis']],
  ['chuis', ['je', 'suis']],
  ['c', ['ce', 'est']],
  ['tmrw', ['tomorow']],
  ['tmr', ['tomorow']],
  ['tomoro', ['tomorow']],
  ['bcp', ['beaucoup']],
  ['pk', ['pourquoi']],
  ['pq', ['pourquoi']],
  ['qd', ['quand']],
  ['cmb', ['combien']],
  ['infos', ['info']],
  ['slt', ['salut']],
  ['bjr', ['bonjour']],
  ['cc', ['coucou']],
  ['msg', ['mesage']],
  ['msgs', ['mesages']],
  ['txt', ['text']],
  ['aprem', ['apres', 'midi']],
]);

/** A token in reading order; `boundary` marks a clause break (punctuation), which ends negation scope. */
export type Token = { text: string; boundary: boolean };

const TOKEN = /[\p{L}\p{N}_]+|[?]|[.,;:!()…\n]/gu;

/** Splits normalized text into word tokens and boundaries; '?' becomes the word 'qmark' followed by a boundary. */
export function tokenize(normalized: string): Token[] {
  const out: Token[] = [];
  for (const m of normalized.matchAll(TOKEN)) {
    const t = m[0];
    if (t === '?') {
      out.push({ text: 'qmark', boundary: false }, { text: '', boundary: true });
    } else if (t.length === 1 && !/[\p{L}\p{N}_]/u.test(t)) {
      out.push({ text: '', boundary: true });
    } else {
      const alias = ALIASES.get(t);
      if (alias) for (const a of alias) out.push({ text: a, boundary: false });
      else out.push({ text: t, boundary: false });
    }
  }
  return out;
}
