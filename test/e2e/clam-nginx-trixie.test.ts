/** Real CLAM behind nginx on Debian 13 (Python 3.13, lxml's cp313 wheel; see clam-suite.ts). */
import { registerClamSuite } from './clam-suite.js';

registerClamSuite({ host: 'e2e-clam-trixie', webserver: 'nginx', suite: 'trixie' });
