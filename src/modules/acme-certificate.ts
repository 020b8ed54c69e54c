import { z } from 'zod';
import type { FactRequest } from '../facts/types.js';
import { defineModule } from './types.js';
import { needFact } from './lib/facts.js';
import { absolutePathSchema } from './lib/mode.js';
import { script, shellQuote } from './lib/shell.js';

/**
 * `acme_certificate`: a certificate for one domain from an ACME CA, obtained by certbot (Debian's
 * package) over HTTP-01 with its webroot authenticator: the webserver already running answers the
 * challenges from `webroot`. certbot's own timer renews it; after issuance and every renewal certbot
 * runs `deploy_hook`, which installs the certificate where the webserver reads it (`installed_cert`)
 * and reloads the webserver.
 *
 * Nothing is requested while certbot holds a certificate for the domain with these settings (its
 * renewal configuration: directory, webroot, hook) and the webserver serves it. The ACME account's
 * key and certbot's state never leave the host: the plan reads the renewal configuration and compares
 * certificates on the host, and shows neither.
 */

const LETSENCRYPT_LIVE = '/etc/letsencrypt/live';
const RENEWAL_DIR = '/etc/letsencrypt/renewal';

const schema = z.strictObject({
  /** the certificate's only name, and certbot's name for its lineage */
  domain: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'must be a DNS name'),
  /** the ACME account's contact */
  email: z.string().regex(/^[^\s@'"\\]+@[^\s@'"\\]+$/, 'must be an email address'),
  /** the ACME directory URL */
  directory: z.string().regex(/^https:\/\/[^\s'"\\]+$/, 'must be an https URL'),
  /** served by the webserver at /.well-known/acme-challenge/ (certbot writes the challenges below it) */
  webroot: absolutePathSchema,
  /** certbot's --deploy-hook: installs a new certificate for the webserver and reloads it */
  deploy_hook: absolutePathSchema,
  /** where the hook installs the certificate chain the webserver serves */
  installed_cert: absolutePathSchema,
  /** where the account's contact is recorded once set (certbot keeps none on the host) */
  account_record: absolutePathSchema,
});

export type AcmeCertificateArgs = z.output<typeof schema>;

/** The [renewalparams] of a certbot renewal configuration: key -> value. */
export function renewalParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  let section = '';
  for (const line of text.split('\n')) {
    const header = /^\s*\[+([^\]]+)\]+\s*$/.exec(line);
    if (header) section = header[1]!.trim();
    else if (section === 'renewalparams') {
      const pair = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
      if (pair) params.set(pair[1]!, pair[2]!);
    }
  }
  return params;
}

/** What certbot's renewal configuration should say; each difference named "what: have → want". */
function renewalDifferences(params: Map<string, string>, args: AcmeCertificateArgs): string[] {
  const want: Array<[string, string, string]> = [
    ['server', 'directory', args.directory],
    ['authenticator', 'authenticator', 'webroot'],
    // certbot writes its list of webroots as "a,b," (one: "a,")
    ['webroot_path', 'webroot', args.webroot],
    ['renew_hook', 'deploy hook', args.deploy_hook],
  ];
  return want.flatMap(([key, label, value]) => {
    const have = key === 'webroot_path' ? params.get(key)?.replace(/,$/, '') : params.get(key);
    return have === value ? [] : [`${label}: ${have ?? '(none)'} → ${value}`];
  });
}

const liveDir = (args: AcmeCertificateArgs) => `${LETSENCRYPT_LIVE}/${args.domain}`;
const renewalFile = (args: AcmeCertificateArgs) => `${RENEWAL_DIR}/${args.domain}.conf`;
/** exit 0: the webserver's copy is certbot's current certificate */
const installedProbe = (args: AcmeCertificateArgs) => `cmp -s ${shellQuote(`${liveDir(args)}/fullchain.pem`)} ${shellQuote(args.installed_cert)}`;

export const acmeCertificate = defineModule({
  name: 'acme_certificate',
  schema,
  facts(args): FactRequest[] {
    return [
      { kind: 'file', path: renewalFile(args), content: true },
      { kind: 'file', path: args.account_record, content: true },
      { kind: 'probe', command: installedProbe(args) },
    ];
  },
  plan(args, facts) {
    const renewal = needFact(facts.files, renewalFile(args), 'file');
    const record = needFact(facts.files, args.account_record, 'file');
    const installed = needFact(facts.probes, installedProbe(args), 'probe') === 0;
    const recordedEmail = record.exists && record.content ? record.content.toString('utf8').trim() : null;

    const summary: string[] = [];
    const commands: string[] = [];
    const certbot = (...words: string[]) => ['certbot', ...words].map(shellQuote).join(' ');
    const request = (force: boolean) =>
      certbot('certonly', '--non-interactive', '--agree-tos', '--no-eff-email', '--email', args.email, '--server', args.directory,
        '--webroot', '--webroot-path', args.webroot, '--cert-name', args.domain, '--domains', args.domain,
        '--deploy-hook', args.deploy_hook, ...(force ? ['--force-renewal'] : []));

    if (!renewal.exists || !renewal.content) {
      summary.push(`request a certificate for ${args.domain} from ${args.directory} (HTTP-01 through the webserver)`);
      commands.push(request(false));
    } else {
      const differences = renewalDifferences(renewalParams(renewal.content.toString('utf8')), args);
      if (differences.length > 0) {
        summary.push(`request a new certificate for ${args.domain} from ${args.directory}: certbot's settings for it differ (${differences.join('; ')})`);
        commands.push(request(true));
      } else if (!installed) {
        summary.push(`install certbot's certificate for ${args.domain} where the webserver reads it (${args.installed_cert})`);
        commands.push(`RENEWED_LINEAGE=${shellQuote(liveDir(args))} ${shellQuote(args.deploy_hook)}`);
      }
    }
    if (recordedEmail !== args.email) {
      summary.push(`ACME account contact: ${recordedEmail === null ? args.email : `${recordedEmail} → ${args.email}`}`);
      commands.push(
        certbot('update_account', '--non-interactive', '--no-eff-email', '--email', args.email, '--server', args.directory),
        `umask 022 && printf '%s\\n' ${shellQuote(args.email)} > ${shellQuote(args.account_record)}`,
      );
    }
    if (summary.length === 0) return null;
    return { summary, script: script(...commands) };
  },
});
