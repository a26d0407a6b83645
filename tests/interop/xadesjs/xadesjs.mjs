// xadesjs as the independent XAdES implementation of ltsign's interop tests.
//   node xadesjs.mjs verify SIGNED.xml             exit 0: every ds:Signature verifies, 1: not
//   node xadesjs.mjs sign KEY.pk8 CERT.pem IN.xml OUT.xml [CHAIN.pem]
//                                                  enveloped XAdES-BES (SigningCertificate,
//                                                  SigningTime, X509 KeyInfo with the chain),
//                                                  RSA or EC P-256
// xadesjs imports the key of every KeyInfo certificate with the signature's algorithm, so it
// verifies only signatures whose KeyInfo certificates all have the signer's key type.
import { readFileSync, writeFileSync } from "node:fs";
import { webcrypto } from "node:crypto";
import * as xmldom from "@xmldom/xmldom";
import xpath from "xpath";
import * as xadesjs from "xadesjs";

// xml-core is a direct dependency so that xadesjs and xmldsigjs share one copy (one DOM setup).
const dom = {
  XMLSerializer: xmldom.XMLSerializer,
  DOMParser: xmldom.DOMParser,
  DOMImplementation: xmldom.DOMImplementation,
  xpath,
};
xadesjs.setNodeDependencies(dom);
xadesjs.Application.setEngine("NodeJS", webcrypto);

const pemBody = (text, label) => {
  const m = text.match(new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`));
  if (!m) throw new Error(`no ${label} in PEM`);
  return m[1].replace(/\s+/g, "");
};

async function verify(file) {
  const doc = xadesjs.Parse(readFileSync(file, "utf8"));
  const sigs = doc.getElementsByTagNameNS("http://www.w3.org/2000/09/xmldsig#", "Signature");
  if (sigs.length === 0) throw new Error("no ds:Signature");
  let ok = true;
  for (let i = 0; i < sigs.length; i++) {
    const signed = new xadesjs.SignedXml(doc);
    signed.LoadXml(sigs[i]);
    const valid = await signed.Verify();
    console.log(`signature ${i + 1}: ${valid ? "valid" : "INVALID"}`);
    ok = ok && valid;
  }
  return ok ? 0 : 1;
}

async function sign(keyFile, certFile, input, output, chainFile) {
  const keyDer = Buffer.from(pemBody(readFileSync(keyFile, "utf8"), "PRIVATE KEY"), "base64");
  const certB64 = pemBody(readFileSync(certFile, "utf8"), "CERTIFICATE");
  const chain = chainFile
    ? [...readFileSync(chainFile, "utf8").matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)]
        .map((m) => m[1].replace(/\s+/g, ""))
    : [];
  let algorithm;
  let key;
  try {
    algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    key = await webcrypto.subtle.importKey("pkcs8", keyDer, algorithm, false, ["sign"]);
  } catch {
    algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    key = await webcrypto.subtle.importKey("pkcs8", keyDer, algorithm, false, ["sign"]);
  }
  const doc = xadesjs.Parse(readFileSync(input, "utf8"));
  const signed = new xadesjs.SignedXml();
  await signed.Sign(algorithm, key, doc, {
    references: [{ hash: "SHA-256", transforms: ["enveloped", "exc-c14n"] }],
    x509: [certB64, ...chain],
    signingCertificate: certB64,
    signingTime: { value: new Date() },
  });
  doc.documentElement.appendChild(signed.GetXml());
  writeFileSync(output, new xmldom.XMLSerializer().serializeToString(doc));
  return 0;
}

const [command, ...args] = process.argv.slice(2);
try {
  const code = command === "verify" ? await verify(args[0])
    : command === "sign" ? await sign(...args)
    : (console.error("usage: xadesjs.mjs verify FILE | sign KEY CERT IN OUT [CHAIN]"), 64);
  process.exit(code);
} catch (e) {
  console.error(`xadesjs: ${e.message}`);
  process.exit(2);
}
