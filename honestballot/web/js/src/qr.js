/**
 * A QR code as an SVG string, so the page can show the voter's credential code for a
 * phone to scan.  The SVG uses presentation attributes only (no `style`, no script), so a
 * strict Content-Security-Policy (`style-src 'self'`) does not block it.
 */

import qrcode from 'qrcode-generator';
import { utf8 } from './bytes.js';

const QUIET_ZONE = 4;
// QR alphanumeric mode: credential codes (upper case, digits, '-') fit it and come out smaller.
const ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/;

/**
 * @param {string} text
 * @returns {string} an `<svg>` element, black modules on a white square
 */
export function qrSvg(text) {
  if (typeof text !== 'string') throw new TypeError('qrSvg needs a string');
  const qr = qrcode(0, 'M');
  if (ALPHANUMERIC.test(text)) {
    qr.addData(text, 'Alphanumeric');
  } else {
    // Byte mode: hand the library the UTF-8 bytes one per character (it keeps the low 8 bits).
    qr.addData(String.fromCharCode(...utf8(text)), 'Byte');
  }
  try {
    qr.make();
  } catch (e) {
    // the library throws bare strings
    throw new RangeError(`cannot make a QR code of this text: ${String(e)}`);
  }
  const n = qr.getModuleCount();
  const size = n + 2 * QUIET_ZONE;
  let path = '';
  for (let row = 0; row < n; row++) {
    let col = 0;
    while (col < n) {
      if (!qr.isDark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < n && qr.isDark(row, col)) col++;
      path += `M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h${start - col}z`;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" ` +
    `shape-rendering="crispEdges" role="img" aria-label="QR code">` +
    `<rect width="${size}" height="${size}" fill="#ffffff"/>` +
    `<path d="${path}" fill="#000000"/></svg>`
  );
}
