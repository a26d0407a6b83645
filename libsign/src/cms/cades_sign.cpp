// CAdES baseline B-B, detached (ETSI EN 319 122-1 6.3 / 6.2.1).
#include <openssl/rsa.h>

#include "cms/cades_timestamp.hpp"
#include "core/file_io.hpp"
#include "core/file_list.hpp"
#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "crypto/ossl.hpp"
#include "crypto/signer_impl.hpp"
#include "ltsign/sign.hpp"
#include "xml/xades.hpp"

namespace ltsign {
namespace fs = std::filesystem;
namespace {

using ossl::check;

void use_pss(CMS_SignerInfo* si, const EVP_MD* md) {
    EVP_PKEY_CTX* pctx = CMS_SignerInfo_get0_pkey_ctx(si);
    check(pctx != nullptr ? 1 : 0, Errc::internal, "no key context for RSASSA-PSS");
    // RFC 4056 recommends a salt as long as the digest and MGF1 over the same digest.
    check(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), Errc::internal,
          "cannot select RSASSA-PSS");
    check(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), Errc::internal,
          "cannot set the PSS salt length");
    check(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md), Errc::internal, "cannot set the MGF1 digest");
}

}  // namespace

void SignedObject::save(const std::filesystem::path& target, bool overwrite) const {
    core::atomic_write(
        target, std::span(reinterpret_cast<const unsigned char*>(m_bytes.data()), m_bytes.size()),
        overwrite);
}

std::vector<PlannedSignature> plan_signatures(const std::vector<fs::path>& inputs,
                                              const fs::path& out, const SignOptions& options) {
    const std::string extension = options.format == Format::xades ? ".xades.xml" : ".p7s";
    core::ListOptions list;
    list.output_dir = out;
    list.is_output = [](const fs::path& relative) {
        const std::string name = relative.filename().string();
        return name.ends_with(".p7s") || name.ends_with(".xades.xml");
    };
    const auto files = core::list_files(inputs, list);
    if (files.empty()) throw Error(Errc::input_missing, "no files to sign in the folders given");
    std::error_code ec;
    const bool to_dir = files.size() > 1 || fs::is_directory(out, ec) ||
                        out.native().ends_with('/') || fs::is_directory(inputs.front(), ec);
    std::vector<PlannedSignature> plan;
    if (!to_dir) {
        core::refuse_link(out);
        if (fs::equivalent(files.front().file, out, ec)) {
            throw Error(Errc::usage,
                        core::printable(out) + " is the document itself; choose another output");
        }
        plan.push_back({files.front().file, out});
        return plan;
    }
    const auto outputs = core::output_paths(files, out, extension);
    for (std::size_t i = 0; i < files.size(); ++i) plan.push_back({files[i].file, outputs[i]});
    return plan;
}

void save_all(const std::vector<SignedObject>& signatures, const std::vector<fs::path>& targets,
              bool overwrite) {
    if (signatures.size() != targets.size())
        throw Error(Errc::internal, "save_all: one target per signature");
    // Folders the batch makes are removed again if it fails: a failed batch leaves nothing.
    std::vector<fs::path> made;
    std::vector<std::pair<fs::path, core::Bytes>> files;
    auto remove_made = [&] {
        std::error_code ignored;
        for (auto it = made.rbegin(); it != made.rend(); ++it) fs::remove(*it, ignored);
    };
    try {
        for (std::size_t i = 0; i < targets.size(); ++i) {
            std::vector<fs::path> missing;
            std::error_code ec;
            for (fs::path d = targets[i].parent_path(); !d.empty() && !fs::exists(d, ec);
                 d = d.parent_path()) {
                missing.push_back(d);
            }
            for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
                if (!fs::create_directory(*it, ec) && ec) {
                    throw Error(
                        Errc::cannot_create_output,
                        "cannot create the folder " + core::printable(*it) + ": " + ec.message());
                }
                made.push_back(*it);
            }
            const auto* b = reinterpret_cast<const unsigned char*>(signatures[i].bytes().data());
            files.emplace_back(targets[i], core::Bytes(b, b + signatures[i].bytes().size()));
        }
        core::atomic_write_all(files, overwrite);
    } catch (...) {
        remove_made();
        throw;
    }
}

SignedObject sign_file(const std::filesystem::path& file, const Signer& signer,
                       const SignOptions& options) {
    if (options.format == Format::xades) return xml::sign_xades(file, signer, options);
    if (options.packaging != Packaging::detached) {
        throw Error(Errc::usage,
                    "CAdES signatures are detached; enveloped and enveloping need --format xades");
    }
    const TimePoint when = options.signing_time.value_or(now_utc());
    signer.check_usable_at(when);
    const auto& id = signer.impl();
    if (options.level == Level::t && !options.tsa) {
        throw Error(Errc::usage, "level T needs a time-stamping authority; add --tsa URL");
    }
    const bool rsa = EVP_PKEY_is_a(id.key.get(), "RSA") || EVP_PKEY_is_a(id.key.get(), "RSA-PSS");
    if (options.rsa_padding == RsaPadding::pss && !rsa) {
        throw Error(Errc::usage,
                    "RSASSA-PSS needs an RSA key; this key is " + signer.key_description());
    }
    const EVP_MD* md = crypto::evp_md(options.digest);
    const bool sha3 =
        options.digest == DigestAlgorithm::sha3_256 || options.digest == DigestAlgorithm::sha3_512;
    if (sha3 && (!rsa || options.rsa_padding == RsaPadding::pss)) {
        // OpenSSL 3.0's CMS knows SHA-3 only with RSA PKCS#1 v1.5 (no ecdsa-with-SHA3 mapping,
        // no SHA-3 in RSASSA-PSS parameters); refusing beats a signature nobody can verify.
        throw Error(Errc::usage,
                    "SHA-3 digests are supported only with RSA PKCS#1 v1.5 keys; choose "
                    "--digest sha256, sha384 or sha512");
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        throw Error(Errc::input_missing, file.string() + ": no such file; check the path");
    }

    ossl::clear_errors();
    ossl::Ptr<CMS_ContentInfo> cms(
        check(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY),
              Errc::internal, "cannot create a CMS SignedData"));
    // CMS_CADES adds signing-certificate-v2 (RFC 5035) over the signer's certificate with the
    // chosen digest and its issuer/serial, as EN 319 122-1 5.2.2 requires.
    const unsigned flags = CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES |
                           (options.rsa_padding == RsaPadding::pss ? CMS_KEY_PARAM : 0u);
    CMS_SignerInfo* si = check(CMS_add1_signer(cms.get(), id.cert.get(), id.key.get(), md, flags),
                               Errc::internal, "cannot add the signer");
    if (options.rsa_padding == RsaPadding::pss) use_pss(si, md);

    // RFC 5652 11.3 signing-time: ours, so that the caller's clock decides it.
    const auto t = ossl::to_asn1_time(when);
    check(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t.get(), -1),
          Errc::internal, "cannot add signing-time");
    for (const auto& c : id.chain) {
        check(CMS_add1_cert(cms.get(), c.get()), Errc::internal, "cannot add a chain certificate");
    }
    // CMS_final streams the document through the digest in chunks (it is never held in memory),
    // adds content-type and message-digest (RFC 5652 11.1, 11.2) and signs.
    ossl::Ptr<BIO> in(BIO_new_file(file.c_str(), "rb"));
    if (!in) ossl::fail(Errc::input_missing, file.string() + ": cannot open");
    check(CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY | CMS_DETACHED), Errc::io,
          "signing " + file.string() + " failed (read error?)");

    if (options.level == Level::t) cms::add_signature_timestamps(cms.get(), *options.tsa);

    const int len = check(i2d_CMS_ContentInfo(cms.get(), nullptr), Errc::internal,
                          "cannot encode the signature");
    std::vector<std::byte> out(static_cast<std::size_t>(len));
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    i2d_CMS_ContentInfo(cms.get(), &p);
    return SignedObject(std::move(out), ".p7s");
}

}  // namespace ltsign
