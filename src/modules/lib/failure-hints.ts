/**
 * What a service's last log lines say stopped it, in a line or two for the person running `apply`:
 * the Python exception (`cause:`), and what to change in the inventory when that is known (`hint:`).
 * The causes are found in a service's journal (uWSGI), Apache's error log (mod_wsgi), or the error
 * of an import as CLAM's dispatcher does it.
 */

/**
 * Debian packages that ship the shared libraries which Python packages with C extensions link
 * against (lxml, psycopg2, mysqlclient, PyYAML, cffi, cryptography), by the name the loader asks for.
 */
export const LIBRARY_PACKAGES: Readonly<Record<string, string>> = {
  'libxslt.so.1': 'libxslt1.1',
  'libexslt.so.0': 'libxslt1.1',
  'libxml2.so.2': 'libxml2',
  'libpq.so.5': 'libpq5',
  'libmariadb.so.3': 'libmariadb3',
  'libz.so.1': 'zlib1g',
  'libffi.so.8': 'libffi8',
  'libssl.so.3': 'libssl3',
  'libcrypto.so.3': 'libssl3',
  'libyaml-0.so.2': 'libyaml-0-2',
};

/** Modules whose pip package has another name: "add yaml to pip_packages" would install nothing. */
const PIP_PACKAGES: Readonly<Record<string, string>> = {
  yaml: 'PyYAML',
  PIL: 'Pillow',
  bs4: 'beautifulsoup4',
  dateutil: 'python-dateutil',
  sklearn: 'scikit-learn',
  cv2: 'opencv-python-headless',
  Crypto: 'pycryptodome',
  MySQLdb: 'mysqlclient',
};

const TRACEBACK = /^\s*Traceback \(most recent call last\):\s*$/;
/** the line that ends a traceback: `RuntimeError: boom`, `lxml.etree.XMLSyntaxError: …`, `KeyboardInterrupt` */
const EXCEPTION_LINE = /^[A-Za-z_][\w.]*(?::\s.*)?$/;
/** an exception's line outside a traceback (CLAM's dispatcher check prints only that line) */
const LONE_EXCEPTION_LINE = /^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt): \S/;
const SHARED_OBJECT = /([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file/;
const NO_MODULE = /No module named '?([\w.]+)'?/;

function findLast(lines: readonly string[], test: (line: string) => boolean): number {
  for (let i = lines.length - 1; i >= 0; i--) if (test(lines[i]!)) return i;
  return -1;
}

/** The last line of the last Python exception in these log lines, when there is one. */
export function pythonException(lines: readonly string[]): string | undefined {
  const start = findLast(lines, (line) => TRACEBACK.test(line));
  if (start >= 0) {
    // the frames are indented; the first line after them that is not names the exception
    const end = lines.slice(start + 1).find((line) => line.trim() !== '' && !/^\s/.test(line));
    if (end !== undefined && EXCEPTION_LINE.test(end.trimEnd())) return end.trimEnd();
  }
  const lone = findLast(lines, (line) => LONE_EXCEPTION_LINE.test(line.trim()));
  return lone >= 0 ? lines[lone]!.trim() : undefined;
}

function sharedObjectHint(library: string): string {
  const base = library.split('/').pop()!;
  const pkg = LIBRARY_PACKAGES[base];
  if (pkg) return `hint: ${base} is missing on the host; it comes with the Debian package ${pkg}: install it with apt_packages: [${pkg}]`;
  return `hint: ${base} is missing on the host: \`apt-file search ${base}\` names the Debian package that ships it; install that with apt_packages: [PACKAGE]`;
}

function missingModuleHint(module: string): string {
  const top = module.split('.')[0]!;
  // Python names the dotted module only when its package was found: the package lacks that module
  if (top !== module) return `hint: ${top} has no module ${module}: check the name in the import, and which version of ${top} is installed`;
  const pip = PIP_PACKAGES[module];
  const what = pip ? `${pip} (it provides the module ${module})` : module;
  return `hint: add ${what} to pip_packages, or put its directory on PYTHONPATH`;
}

/**
 * `cause:` and `hint:` lines for the log lines of a service that failed (the lines as the log has
 * them, oldest first). The hint follows the last exception when there is one, so that an older
 * failure still in the log is not blamed for a newer one.
 */
export function failureHints(lines: readonly string[]): string[] {
  const exception = pythonException(lines);
  const evidence = exception !== undefined ? [exception] : lines;
  const out = exception !== undefined ? [`cause: ${exception}`] : [];
  const library = findLast(evidence, (line) => SHARED_OBJECT.test(line));
  if (library >= 0) return [...out, sharedObjectHint(SHARED_OBJECT.exec(evidence[library]!)![1]!)];
  const module = findLast(evidence, (line) => NO_MODULE.test(line));
  if (module >= 0) return [...out, missingModuleHint(NO_MODULE.exec(evidence[module]!)![1]!)];
  return out;
}
