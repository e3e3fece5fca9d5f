// Generates every app icon from assets/icon.svg: PNGs (Linux, tray), icon.ico (Windows) and
// icon.icns (macOS). Rasterizing needs `rsvg-convert` (Debian: librsvg2-bin); ICO and ICNS are
// written here because both formats simply wrap PNG images, so no other tool is needed.
// The results are committed, so building and packaging never need this script.
//   node scripts/icons.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = `${root}assets/icon.svg`;
const outDir = `${root}assets/icons`;
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
// Windows shows 16–256; 256 is the largest an ICO entry can describe.
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
// PNG-carrying ICNS types (macOS 10.7+); the @2x types reuse the doubled PNG.
const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
];

function rasterize(size) {
  const file = `${outDir}/png/${size}x${size}.png`;
  execFileSync('rsvg-convert', ['-w', String(size), '-h', String(size), source, '-o', file]);
  return readFileSync(file);
}

export function encodeIco(images) {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const at = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, at); // 0 means 256
    header.writeUInt8(size >= 256 ? 0 : size, at + 1);
    header.writeUInt8(0, at + 2); // no palette
    header.writeUInt8(0, at + 3);
    header.writeUInt16LE(1, at + 4); // planes
    header.writeUInt16LE(32, at + 6); // bits per pixel
    header.writeUInt32LE(png.length, at + 8);
    header.writeUInt32LE(offset, at + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((image) => image.png)]);
}

export function encodeIcns(entries) {
  const chunks = entries.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + chunks.reduce((sum, chunk) => sum + chunk.length, 0), 4);
  return Buffer.concat([head, ...chunks]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(`${outDir}/png`, { recursive: true });
  const pngs = new Map(SIZES.map((size) => [size, rasterize(size)]));
  const png = (size) => pngs.get(size);
  writeFileSync(
    `${outDir}/icon.ico`,
    encodeIco(ICO_SIZES.map((size) => ({ size, png: png(size) }))),
  );
  writeFileSync(
    `${outDir}/icon.icns`,
    encodeIcns(ICNS_TYPES.map(([type, size]) => ({ type, png: png(size) }))),
  );
  writeFileSync(`${outDir}/icon.png`, png(512));
  console.log(`icons written to ${outDir} (${SIZES.length} PNGs, icon.ico, icon.icns, icon.png)`);
}
