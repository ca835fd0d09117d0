import type { Prng } from './prng.js';
import { WORDS } from './names.js';

/**
 * Assignment descriptions are teacher-written HTML (Canvas's rich content editor): paragraphs, lists,
 * links to course files, tables, sometimes pasted-in documents of tens of KB. About 10% are null.
 * Big bodies matter: they decide message sizes downstream, so ~2% are 20–60 KB.
 */
export function generateDescription(prng: Prng, courseId: number, fileIdBase: number): string | null {
  const roll = prng.next();
  if (roll < 0.1) return null;
  const targetBytes = roll > 0.98 ? prng.int(20_000, 60_000) : prng.int(150, 4_000);
  const parts: string[] = [];
  let size = 0;
  while (size < targetBytes) {
    const block = generateBlock(prng, courseId, fileIdBase);
    parts.push(block);
    size += block.length;
  }
  return parts.join('\n');
}

function generateBlock(prng: Prng, courseId: number, fileIdBase: number): string {
  const kind = prng.int(0, 9);
  if (kind <= 4) return `<p>${sentence(prng, 8, 30)}</p>`;
  if (kind === 5) {
    const items = Array.from({ length: prng.int(2, 6) }, () => `<li>${sentence(prng, 3, 12)}</li>`);
    return `<ul>\n${items.join('\n')}\n</ul>`;
  }
  if (kind === 6) {
    const fileId = fileIdBase + prng.int(0, 9_999);
    return (
      `<p><a class="instructure_file_link instructure_scribd_file" title="${word(prng)}.pdf" ` +
      `href="/courses/${courseId}/files/${fileId}/download?wrap=1" data-api-endpoint="/api/v1/courses/${courseId}/files/${fileId}" ` +
      `data-api-returntype="File">${word(prng)}_${word(prng)}.pdf</a></p>`
    );
  }
  if (kind === 7) return `<h3>${capitalise(sentence(prng, 2, 5))}</h3>`;
  if (kind === 8) {
    const rows = Array.from({ length: prng.int(2, 5) }, () => `<tr><td>${word(prng)}</td><td>${prng.int(1, 25)} pts</td><td>${sentence(prng, 4, 10)}</td></tr>`);
    return `<table style="border-collapse: collapse; width: 100%;" border="1">\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
  }
  return `<p><strong>${capitalise(word(prng))}:</strong> <em>${sentence(prng, 5, 15)}</em></p>`;
}

function sentence(prng: Prng, min: number, max: number): string {
  const count = prng.int(min, max);
  const words: string[] = [];
  for (let i = 0; i < count; i++) words.push(word(prng));
  return `${capitalise(words.join(' '))}.`;
}

function word(prng: Prng): string {
  return prng.pick(WORDS);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
