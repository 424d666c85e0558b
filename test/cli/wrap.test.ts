import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/cli/table.js';
import { hangFor, visibleWidth, wrapLine } from '../../src/cli/wrap.js';

describe('wrapLine: between words, continuations hung, no word cut', () => {
  const cases: [string, string, number, number, string[]][] = [
    ['fits: unchanged', 'a b c', 5, 0, ['a b c']],
    ['breaks at the last space that fits', 'aa bb cc', 5, 0, ['aa bb', 'cc']],
    ['continuations hang', 'aa bb cc dd', 6, 2, ['aa bb', '  cc', '  dd']],
    [
      'the first line keeps its alignment',
      'x     aa bb',
      9,
      6,
      ['x     aa', '      bb'],
    ],
    ['a run of spaces at a break is dropped', 'aa    bb', 4, 0, ['aa', 'bb']],
    [
      'a word longer than the width stays whole',
      'a registry.example.com/ns/x:y b',
      10,
      2,
      ['a', '  registry.example.com/ns/x:y', '  b'],
    ],
    [
      'a first word longer than the width stays whole',
      'abcdefghij k',
      5,
      0,
      ['abcdefghij', 'k'],
    ],
    ['leading spaces kept', '  aa bb', 5, 4, ['  aa', '    bb']],
    [
      'line breaks wrap piece by piece',
      'aa bb\ncc dd',
      5,
      2,
      ['aa bb', 'cc dd'],
    ],
    [
      'colour takes no width',
      '\u001b[32m✓\u001b[39m aa bb',
      7,
      2,
      ['\u001b[32m✓\u001b[39m aa bb'],
    ],
    ['exactly the width', 'aaa bbb', 7, 0, ['aaa bbb']],
  ];
  it.each(cases)('%s', (_, line, width, hang, lines) => {
    expect(wrapLine(line, width, hang)).toEqual(lines);
  });
});

describe('visibleWidth and hangFor', () => {
  it.each([
    ['plain', 'abc', 3],
    ['colour', '\u001b[1mabc\u001b[22m', 3],
    ['a mark is one column', '✓ x', 3],
  ])('%s', (_, text, width) => expect(visibleWidth(text)).toBe(width));
  it.each([
    [18, 80, 2, 18],
    [73, 80, 14, 14],
    [73, 120, 14, 73],
  ])('column %i at width %i (else %i): %i', (column, width, fallback, hang) =>
    expect(hangFor(column, width, fallback)).toBe(hang),
  );
});

describe('renderTable at a width', () => {
  const rows = [
    ['a', 'short', 'one two three four five six'],
    ['bb', 'a-much-longer-cell', 'x'],
  ];
  const cases: [string, number, string[]][] = [
    [
      'no width: one line a row',
      Number.POSITIVE_INFINITY,
      [
        'A   B                   C',
        'a   short               one two three four five six',
        'bb  a-much-longer-cell  x',
      ],
    ],
    [
      'the last column wraps under itself',
      48,
      [
        'A   B                   C',
        'a   short               one two three four five',
        '                        six',
        'bb  a-much-longer-cell  x',
      ],
    ],
    [
      'too little room: the last cell on its own lines under the second column',
      30,
      [
        'A   B                   C',
        'a   short',
        '    one two three four five',
        '    six',
        'bb  a-much-longer-cell  x',
      ],
    ],
  ];
  it.each(cases)('%s', (_, width, lines) => {
    expect(renderTable(['a', 'b', 'c'], rows, (s) => s, width)).toEqual(lines);
  });
});
