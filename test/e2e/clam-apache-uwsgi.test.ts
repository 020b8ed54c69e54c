/** Real CLAM behind Apache + mod_proxy_uwsgi on bookworm (see clam-suite.ts); the browser applies CLAM's XSL itself. */
import { registerClamSuite } from './clam-suite.js';

registerClamSuite({ host: 'e2e-clam-apache-uwsgi', webserver: 'apache-uwsgi', browser: 'browser-xslt' });
