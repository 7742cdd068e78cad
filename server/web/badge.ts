import { type ShownState, STATE_COLOURS, STATE_WORDS } from './states.js';

/** Width in px of `text` in 11 px Verdana, close enough for a badge (no font metrics needed). */
function textWidth(text: string): number {
  return Math.ceil(
    [...text].reduce((w, ch) => w + (/[ilj.,:;|!']/.test(ch) ? 3.5 : /[mwMW]/.test(ch) ? 10 : 7), 0),
  );
}

const escapeXml = (s: string) =>
  s.replace(/[<>&"']/g, (ch) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[ch]};`);

/**
 * A status badge as standalone SVG (shields.io's flat look): `label` on grey, the state's word on
 * its colour. Pure; every text is XML-escaped.
 */
export function badgeSvg(label: string, state: ShownState): string {
  const value = STATE_WORDS[state];
  const lw = textWidth(label) + 12;
  const vw = textWidth(value) + 12;
  const w = lw + vw;
  const [l, v] = [escapeXml(label), escapeXml(value)];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${l}: ${v}">`,
    `<title>${l}: ${v}</title>`,
    `<clipPath id="r"><rect width="${w}" height="20" rx="3"/></clipPath>`,
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/>`,
    `<rect x="${lw}" width="${vw}" height="20" fill="${STATE_COLOURS[state]}"/></g>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">`,
    `<text x="${lw / 2}" y="14">${l}</text><text x="${lw + vw / 2}" y="14">${v}</text></g>`,
    '</svg>',
  ].join('');
}
