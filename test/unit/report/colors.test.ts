import test from 'ava';
import { colorsWanted } from '../../../src/report/colors.js';

test('colours only on a terminal: CI alone does not turn them on (escape codes in logs and in what scripts read)', (t) => {
  t.false(colorsWanted({ CI: 'true' }, false));
  t.false(colorsWanted({}, false));
  t.true(colorsWanted({ TERM: 'xterm-256color' }, true));
  t.false(colorsWanted({ TERM: 'dumb' }, true));
});

test('NO_COLOR turns colours off even on a terminal, FORCE_COLOR turns them on without one', (t) => {
  t.false(colorsWanted({ NO_COLOR: '1', TERM: 'xterm' }, true));
  t.true(colorsWanted({ NO_COLOR: '', TERM: 'xterm' }, true), 'an empty NO_COLOR is not set (no-color.org)');
  t.true(colorsWanted({ FORCE_COLOR: '1' }, false));
  t.false(colorsWanted({ FORCE_COLOR: '0' }, false));
  t.false(colorsWanted({ NO_COLOR: '1', FORCE_COLOR: '1' }, false));
});
