import test from 'ava';
import { apacheSiteBindings, bindingClash, nginxSiteBindings } from '../../../src/modules/lib/site-bindings.js';

// The site a user writes by following CLAM's deployment guide, with a location for the service.
const handMadeNginx = `# shout, by hand
server {
    listen 80;   # plain HTTP
    listen [::]:80;
    server_name clam.example.org "www.example.org";
    location /shout { include uwsgi_params; uwsgi_pass 127.0.0.1:8080; }
}
server {
    listen 127.0.0.1:8443 ssl default_server;
    server_name *.example.net;
}
server {
    server_name noport.example.org;
}
stream {
    server { listen 80; }
}
`;

test('nginx: ports and names of each server block; no listen is port 80; stream blocks are not sites', (t) => {
  t.deepEqual(nginxSiteBindings(handMadeNginx), [
    { ports: [80], names: ['clam.example.org', 'www.example.org'] },
    { ports: [8443], names: ['*.example.net'] },
    { ports: [80], names: ['noport.example.org'] },
  ]);
});

test('nginx: server blocks inside http{} (a whole nginx.conf) are found; unparsable text is undefined', (t) => {
  t.deepEqual(nginxSiteBindings('http { server { listen 8080; server_name A.Example.org; } }'), [{ ports: [8080], names: ['a.example.org'] }]);
  t.is(nginxSiteBindings('server { listen 80 '), undefined);
});

test('apache: VirtualHost ports, ServerName (scheme and port dropped) and ServerAlias', (t) => {
  const text = `Listen 8080
<VirtualHost *:80 [::]:80>
    ServerName http://clam.example.org:80
    ServerAlias www.example.org \\
        *.example.net
    # ServerName commented.example.org
    ProxyPass /shout uwsgi://127.0.0.1:8080/
</VirtualHost>
<VirtualHost _default_:443>
</VirtualHost>
`;
  t.deepEqual(apacheSiteBindings(text), [
    { ports: [80], names: ['clam.example.org', 'www.example.org', '*.example.net'] },
    { ports: [443], names: [] },
  ]);
});

test('a clash needs a shared port and a name that matches ours (exact, wildcard or .suffix)', (t) => {
  t.is(bindingClash({ ports: [80], names: ['clam.example.org'] }, [80], 'CLAM.example.org'), 'server name CLAM.example.org on port 80');
  t.is(bindingClash({ ports: [80], names: ['*.example.org'] }, [80, 443], 'clam.example.org'), 'server name *.example.org (matches clam.example.org) on port 80');
  t.is(bindingClash({ ports: [80], names: ['.example.org'] }, [80], 'example.org'), 'server name .example.org (matches example.org) on port 80');
  t.is(bindingClash({ ports: [80, 443], names: ['clam.*'] }, [80, 443], 'clam.example.org'), 'server name clam.* (matches clam.example.org) on ports 80, 443');
  // another port, another name, a catch-all without our name, a regex: no clash
  t.is(bindingClash({ ports: [8080], names: ['clam.example.org'] }, [80], 'clam.example.org'), undefined);
  t.is(bindingClash({ ports: [80], names: ['other.example.org'] }, [80], 'clam.example.org'), undefined);
  t.is(bindingClash({ ports: [80], names: ['_'] }, [80], 'clam.example.org'), undefined);
  t.is(bindingClash({ ports: [80], names: ['~^clam\\.'] }, [80], 'clam.example.org'), undefined);
  t.is(bindingClash({ ports: [80], names: ['*.example.org'] }, [80], 'clamxexample.org'), undefined);
});
