// What a click's User-Agent says: bot or not, device class, browser and OS. Pure (the parsers
// are libraries of rules): isbot (Unlicense) for bots, bowser (MIT) for the rest.
import Bowser from 'bowser';
import { isbot } from 'isbot';

export type Device = 'desktop' | 'mobile' | 'tablet' | 'bot' | 'other';

export interface AgentTraits { bot: boolean; device: Device; browser: string | null; os: string | null }

/** Names longer than this are cut: they key the roll-up rows. */
export const TRAIT_MAX = 64;

const cut = (s: string | undefined): string | null => (s === undefined || s === '' ? null : s.slice(0, TRAIT_MAX));

export function classifyAgent(userAgent: string | null): AgentTraits {
  const bot = userAgent !== null && isbot(userAgent);
  if (userAgent === null || userAgent === '') return { bot, device: 'other', browser: null, os: null };
  let parsed: Bowser.Parser.ParsedResult;
  try {
    parsed = Bowser.parse(userAgent);
  } catch {
    return { bot, device: bot ? 'bot' : 'other', browser: null, os: null };
  }
  const type = parsed.platform.type;
  const device: Device = bot || type === 'bot' ? 'bot'
    : type === 'desktop' || type === 'mobile' || type === 'tablet' ? type : 'other';
  return { bot: bot || type === 'bot', device, browser: cut(parsed.browser.name), os: cut(parsed.os.name) };
}
