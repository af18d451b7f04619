// Draws the toolbar icon (a white paper plane on a blue rounded square) at each size the manifest
// names, as plain RGBA PNGs. Run once when the artwork changes: node scripts/make-icons.mjs
import { writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

function crc32(buf) {
  let c,
    crc = 0xffffffff
  for (const b of buf) {
    c = (crc ^ b) & 0xff
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    crc = (crc >>> 8) ^ c
  }
  return (crc ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}
function inTriangle(px, py, [ax, ay], [bx, by], [cx, cy]) {
  const d1 = (px - bx) * (ay - by) - (ax - bx) * (py - by)
  const d2 = (px - cx) * (by - cy) - (bx - cx) * (py - cy)
  const d3 = (px - ax) * (cy - ay) - (cx - ax) * (py - ay)
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0))
}
function draw(size) {
  const ss = 4 // supersampling for smooth edges
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0
    for (let x = 0; x < size; x++) {
      let bg = 0,
        fg = 0
      for (let sy = 0; sy < ss; sy++)
        for (let sx = 0; sx < ss; sx++) {
          const u = (x + (sx + 0.5) / ss) / size,
            v = (y + (sy + 0.5) / ss) / size
          const r = 0.2,
            cx = Math.min(Math.max(u, r), 1 - r),
            cy = Math.min(Math.max(v, r), 1 - r)
          if ((u - cx) ** 2 + (v - cy) ** 2 <= r * r) bg++
          const wing = inTriangle(u, v, [0.18, 0.5], [0.84, 0.2], [0.46, 0.58])
          const body = inTriangle(u, v, [0.46, 0.58], [0.84, 0.2], [0.56, 0.84])
          if (wing || body) fg++
        }
      const n = ss * ss,
        o = y * (size * 4 + 1) + 1 + x * 4
      const a = bg / n,
        f = fg / n
      raw[o] = Math.round(26 * (1 - f) + 255 * f)
      raw[o + 1] = Math.round(115 * (1 - f) + 255 * f)
      raw[o + 2] = Math.round(232 * (1 - f) + 255 * f)
      raw[o + 3] = Math.round(255 * a)
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8
  ihdr[9] = 6
  ihdr[10] = 0
  ihdr[11] = 0
  ihdr[12] = 0
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
for (const s of [16, 32, 48, 128]) writeFileSync(new URL(`../public/icons/${s}.png`, import.meta.url), draw(s))
