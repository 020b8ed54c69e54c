import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { templatesDir } from './render.js';

test('templates print with <%- %> only: they stay correct under plain EJS, whose <%= %> HTML-escapes quotes and &', (t) => {
  const templates = readdirSync(templatesDir).filter((file) => file.endsWith('.ejs'));
  t.true(templates.length >= 5);
  for (const file of templates) {
    t.false(readFileSync(join(templatesDir, file), 'utf8').includes('<%='), file);
  }
});
