/**
 * Real CLAM in Apache's mod_wsgi (daemon mode, two processes per service) on bookworm (see
 * clam-suite.ts, whose upload-token test matters most here: each daemon process would otherwise
 * draw its own PRIVATEACCESSTOKEN and refuse uploads from pages another one served).
 */
import { registerClamSuite } from './clam-suite.js';

registerClamSuite({ host: 'e2e-clam-apache-wsgi', webserver: 'apache-wsgi' });
