/** The one way qci writes a number of bytes (log reads, --max-size, image sizes). Pure. */

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/**
 * 512 → "512 bytes", 65536 → "64 KiB", 1536 → "1.5 KiB", 123456789 → "118 MiB": powers of 1024 (as
 * qci's size settings read "512M"), whole numbers when exact (so a limit reads as it was given), one
 * decimal under 10, none above.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let unit = 0;
  let value = bytes / 1024;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  let text = Number.isInteger(value)
    ? String(value)
    : value < 10
      ? value.toFixed(1)
      : String(Math.round(value));
  // 1023.6 KiB rounds to 1024 KiB: say 1.0 MiB.
  if (text === '1024' && unit < UNITS.length - 1) {
    unit++;
    text = '1.0';
  }
  return `${text} ${UNITS[unit]}`;
}
