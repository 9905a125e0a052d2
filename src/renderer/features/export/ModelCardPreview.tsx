/**
 * Renders the model card's Markdown (as written to MODEL_CARD.md) into plain elements. Only the
 * constructs the card uses: headings, quote, lists, tables, paragraphs, **bold** and `code`.
 * Text is never injected as HTML.
 */
import type { ReactNode } from 'react';

function inline(text: string): ReactNode[] {
  return text
    .split(/(\*\*[^*]+\*\*|`[^`]+`)/g)
    .filter(Boolean)
    .map((part, i) => {
      if (part.startsWith('**') && part.endsWith('**')) return <strong key={i}>{part.slice(2, -2)}</strong>;
      if (part.startsWith('`') && part.endsWith('`')) return <code key={i}>{part.slice(1, -1)}</code>;
      return part;
    });
}

const cells = (row: string) =>
  row
    .replace(/^\|\s*|\s*\|$/g, '')
    .split(/\s*(?<!\\)\|\s*/)
    .map((c) => c.replace(/\\\|/g, '|'));

function blocks(md: string): ReactNode[] {
  const lines = md.split('\n');
  const out: ReactNode[] = [];
  for (let i = 0; i < lines.length;) {
    const line = lines[i];
    const key = out.length;
    if (!line.trim()) {
      i++;
    } else if (line.startsWith('# ')) {
      out.push(<h3 key={key}>{inline(line.slice(2))}</h3>);
      i++;
    } else if (line.startsWith('## ')) {
      out.push(<h4 key={key}>{inline(line.slice(3))}</h4>);
      i++;
    } else if (line.startsWith('> ')) {
      out.push(<blockquote key={key}>{inline(line.slice(2))}</blockquote>);
      i++;
    } else if (line.startsWith('- ')) {
      const items: string[] = [];
      while (i < lines.length && lines[i].startsWith('- ')) items.push(lines[i++].slice(2));
      out.push(
        <ul key={key}>
          {items.map((t, k) => (
            <li key={k}>{inline(t)}</li>
          ))}
        </ul>,
      );
    } else if (line.startsWith('|')) {
      const rows: string[] = [];
      while (i < lines.length && lines[i].startsWith('|')) rows.push(lines[i++]);
      const [head, , ...body] = rows;
      out.push(
        <div key={key} className="export-card__table">
          <table>
            <thead>
              <tr>
                {cells(head).map((c, k) => (
                  <th key={k} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {body.map((r, k) => (
                <tr key={k}>
                  {cells(r).map((c, j) => (
                    <td key={j}>{c}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>,
      );
    } else {
      const para: string[] = [];
      while (i < lines.length && lines[i].trim() && !/^(#|>|- |\|)/.test(lines[i])) para.push(lines[i++]);
      out.push(<p key={key}>{inline(para.join(' '))}</p>);
    }
  }
  return out;
}

export function ModelCardPreview({ markdown, title }: { markdown: string; title: string }) {
  return (
    <section className="export-card box" aria-label={title} data-testid="model-card">
      {blocks(markdown)}
    </section>
  );
}
