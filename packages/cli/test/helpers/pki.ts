/**
 * A private CA and a code-signing leaf certificate made with the OpenSSL CLI (the independent
 * tool), for tests of certificate bundles without Fulcio or CT: `<dir>/ca.crt`, `<dir>/leaf.key`
 * (PKCS#8), `<dir>/leaf.crt`, `<dir>/leaf.pub`; the leaf's SANs are given as an OpenSSL
 * `[alt]` section body (one `TYPE.N = value` per line, so values may contain commas).
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

function openssl(dir: string, ...args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

export async function makePrivateCa(
  dir: string,
  altSection: string,
  prefix = 'leaf',
): Promise<{ caDer: Buffer }> {
  openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  openssl(
    dir,
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-subj',
    '/CN=Private CA',
    '-days',
    '30',
    '-out',
    'ca.crt',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  );
  openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${prefix}.ec`);
  openssl(dir, 'pkcs8', '-topk8', '-nocrypt', '-in', `${prefix}.ec`, '-out', `${prefix}.key`);
  openssl(dir, 'pkey', '-in', `${prefix}.key`, '-pubout', '-out', `${prefix}.pub`);
  openssl(dir, 'req', '-new', '-key', `${prefix}.key`, '-subj', '/CN=signer', '-out', `${prefix}.csr`);
  await writeFile(
    join(dir, `${prefix}.ext`),
    `subjectAltName=@alt\nextendedKeyUsage=codeSigning\nkeyUsage=critical,digitalSignature\n[alt]\n${altSection}\n`,
  );
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${prefix}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '10',
    '-extfile',
    `${prefix}.ext`,
    '-out',
    `${prefix}.crt`,
  );
  const caDer = Buffer.from(
    (await readFile(join(dir, 'ca.crt'), 'utf8')).replace(/-----[^-]+-----|\s/g, ''),
    'base64',
  );
  return { caDer };
}
