/** Issue 18, point 4: within a run, a template is rendered again only when something it reads differs. */
import test from 'ava';
import { withRunMemo } from '../../../src/input/run-memo.js';
import { renderTemplate } from '../../../src/modules/lib/render.js';

const TEMPLATE = [
  'server <%= server_name %>',
  '<% services.forEach((service) => { %>port <%= service.port %><% if ("tls" in service) { %> tls<% } %>',
  '<% for (const [name, value] of Object.entries(service.env)) { %><%= name %>=<%= value %>',
  '<% } }) %><% if (typeof extra !== "undefined") { %>extra <%= extra %><% } %>',
].join('\n');

const host = (changes: Record<string, unknown> = {}, service: Record<string, unknown> = {}) => ({
  server_name: 'web1.example.org',
  unread: 'web1',
  services: [{ port: 8888, env: { A: '1' }, ...service }],
  ...changes,
});

test('every host gets the text its own values give, whatever was rendered before it in the run', (t) => {
  const hosts = [
    host(),
    host({ unread: 'web2' }), // a value the template does not read: the same text
    host({ server_name: 'web3.example.org' }),
    host({}, { port: 8889 }),
    host({}, { tls: null }), // only the presence of a key differs
    host({}, { env: { A: '1', B: '2' } }), // a key more in a mapping the template lists
    host({}, { env: { B: '1' } }),
    host({ services: [] }),
    host({ extra: 'yes' }), // a variable the template tests for with typeof
    host(),
  ];
  const alone = hosts.map((vars) => renderTemplate(TEMPLATE, vars, 'test.ejs'));
  const inOneRun = withRunMemo(() => hosts.map((vars) => renderTemplate(TEMPLATE, vars, 'test.ejs')));
  t.deepEqual(inOneRun, alone);
  t.is(alone[1], alone[0]);
  t.is(new Set(alone).size, 8);
  t.regex(alone[8]!, /extra yes/);
});

test('an undefined property is still an error on a host after one that rendered', (t) => {
  withRunMemo(() => {
    t.is(renderTemplate('<%= service.name %>', { service: { name: 'a' } }, 'test.ejs'), 'a');
    t.throws(() => renderTemplate('<%= service.name %>', { service: {} }, 'test.ejs'), { message: /service\.name is not defined/ });
  });
});

test('a template that named every host so far still gives each host its own text, and a text that comes back is remembered again', (t) => {
  const named = Array.from({ length: 100 }, (_, i) => host({ server_name: `web${i}.example.org` }));
  const repeated = Array.from({ length: 40 }, () => host({ server_name: 'pool.example.org' }));
  const hosts = [...named, host({}, { port: 9999 }), host({}, { env: { C: '3' } }), ...repeated, host({ server_name: 'web7.example.org' })];
  let renderings = 0;
  // the same function for every host: only a rendering calls it
  const tick = () => {
    renderings++;
    return '';
  };
  const counting = `${TEMPLATE}<%= tick() %>`;
  const alone = hosts.map((vars) => renderTemplate(counting, { ...vars, tick }, 'test.ejs'));
  renderings = 0;
  const inOneRun = withRunMemo(() =>
    hosts.map((vars, index) => {
      const before = renderings;
      const text = renderTemplate(counting, { ...vars, tick }, 'test.ejs');
      // the first of the repeated hosts whose reads are noted again is the last one rendered
      if (index >= 102 + 16 && index < 142) t.is(renderings, before, `host ${index} rendered again`);
      return text;
    }),
  );
  t.deepEqual(inOneRun, alone);
  t.is(new Set(alone).size, 103);
  t.true(renderings <= 102 + 16 + 1, `${renderings} renderings of ${hosts.length}`);
  t.throws(() => withRunMemo(() => [...named, host({}, { env: null })].map((vars) => renderTemplate(TEMPLATE, vars, 'test.ejs'))), { message: /null|env/ });
});
