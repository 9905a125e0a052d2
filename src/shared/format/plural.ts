/** "1 case", "2 cases", "0 slices": a count with its noun in the right number. */
export function plural(n: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : pluralNoun}`;
}
